"""The Twitch side of a show, on twitchio 3: title and category, stream markers, chat notices, and viewer
questions from chat (EventSub ``channel.chat.message`` over a websocket; Twitch chat has no IRC here).

Everything runs on the runner's asyncio loop (twitchio is asyncio-native). Calls that touch Twitch are
queued as background tasks so a slow or failing Twitch never delays the show; :meth:`drain` waits for them.

twitchio does login, token refresh and Helix; chat is read by our own EventSub websocket reader
(:mod:`livekit.platforms.eventsub`, which says why): one reader per session, hence exactly one subscription
across reconnects, re-login and revocations.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from typing import Any

import aiohttp

from greenroom.backoff import Backoff
from livekit.core.clock import Clock, SystemClock
from livekit.platforms.auth import (
    AuthError,
    TwitchTokenStore,
    _twitch_reason,
    apply_twitch_endpoints,
    missing_scope_message,
    required_twitch_scopes,
    twitch_auth_command,
)
from livekit.platforms.base import BackgroundTasks, SessionStatus, retrying
from livekit.platforms.eventsub import REVOCATION_REASONS, EventSubReader
from livekit.platforms.rules import TokenBucket, twitch_chat_line
from livekit.platforms.settings import TwitchSettings
from livekit.questions.core import ChatMessage
from livekit.questions.intake import QuestionIntake

logger = logging.getLogger(__name__)
# twitchio warns on every Client() that the optional Starlette adapter is missing; we never use it.
logging.getLogger("twitchio.client").addFilter(lambda record: "StarletteAdapter" not in record.getMessage())

TITLE_MAX = 140
MARKER_MAX = 140
CHAT_MAX = 500
#: Search Categories follows ``pagination.cursor``: read at most this many pages (of 20).
CATEGORY_SEARCH_MAX_PAGES = 5
#: The scope ``channel.follow`` (v2) needs from the moderator whose token reads the EventSub websocket.
FOLLOWS_SCOPE = "moderator:read:followers"


class StreamNotLive(Exception):
    """Get Streams does not list the channel yet (the go-live delay): a marker must wait."""


class TwitchUnavailable(Exception):
    """Twitch answered 429/5xx where twitchio reports it as something else (e.g. while validating tokens)."""


def describe_twitch_error(error: BaseException) -> tuple[str, bool]:
    """(reason for the status line, worth retrying). Never includes twitchio's text: it may carry tokens."""
    import twitchio

    if isinstance(error, AuthError):
        return str(error), False
    if isinstance(error, twitchio.MessageRejectedError):
        return f"Twitch dropped the chat notice: {error.message or error.code or 'no reason given'}", False
    if isinstance(error, StreamNotLive):
        return str(error), True
    if isinstance(error, TwitchUnavailable):
        return f"Twitch is unavailable ({error}); retrying", True
    if isinstance(error, twitchio.InvalidTokenException):
        return "Twitch token was revoked or expired and cannot be refreshed; run `livekit auth twitch`", False
    if isinstance(error, twitchio.HTTPException):
        status = error.status
        if status == 401:
            return f"Twitch refused the token ({_twitch_reason(error)}); run `livekit auth twitch`", False
        if status == 429:
            return "rate limited by Twitch (HTTP 429); retrying", True
        if status >= 500:
            return f"Twitch is unavailable ({_twitch_reason(error)}); retrying", True
        return f"Twitch refused the request ({_twitch_reason(error)})", False
    if isinstance(error, aiohttp.ClientError | OSError | TimeoutError | twitchio.WebsocketConnectionException):
        return f"cannot reach Twitch ({type(error).__name__}); retrying", True
    return f"unexpected Twitch failure ({type(error).__name__}); retrying", True


def _is_not_live(error: BaseException) -> bool:
    import twitchio

    return isinstance(error, twitchio.HTTPException) and error.status == 404


class TwitchSession:
    """One show's Twitch session. ``intake`` receives every chat line; ``on_status`` every status change."""

    name = "twitch"

    def __init__(
        self,
        settings: TwitchSettings,
        intake: QuestionIntake | None = None,
        *,
        clock: Clock | None = None,
        on_status: Any = None,
        reconnect_backoff: Backoff | None = None,
        retry_first_ms: int = 1_000,
        keepalive_seconds: int = 10,
        marker_wait_ms: int = 180_000,
    ) -> None:
        self.settings = settings
        self.intake = intake
        self.clock = clock or SystemClock()
        self._status = SessionStatus("twitch", self.clock, on_change=on_status)
        self._store = TwitchTokenStore(settings.tokens_path)
        self._bucket = TokenBucket(settings.notice_rate, 30_000, self.clock.now_ms())
        self._tasks = BackgroundTasks()
        self._backoff = reconnect_backoff or Backoff()
        self._client: Any = None
        self.broadcaster_id: str | None = None
        self.bot_id: str | None = None
        self._granted: dict[str, set[str]] = {}
        self._unsaved: deque[ChatMessage] = deque()
        self._flush_scheduled = False
        self._chat_lines = 0
        self._markers = 0
        self._notices_sent = 0
        self._notices_skipped = 0
        self._closed = False
        self._retry_first_ms = retry_first_ms
        self._wanted_channel: tuple[str, str | None] | None = None
        self._keepalive_seconds = keepalive_seconds
        self._marker_wait_ms = marker_wait_ms
        self._reader: EventSubReader | None = None
        self._reader_task: asyncio.Task[Any] | None = None
        self._chat_settled = asyncio.Event()
        #: Told of each follow (received epoch ms) when :attr:`follows_by_event`; set by the audience recorder.
        self.follow_listener: Callable[[int], None] | None = None
        #: True once ``channel.follow`` is subscribed (the bot's token has ``moderator:read:followers``).
        self.follows_by_event = False
        self._follows = 0

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Log in with the stored tokens, check scopes, subscribe to chat. Degrades instead of raising."""
        self._status.problem("connection", "connecting")
        if not await self._connect_once():
            self._tasks.spawn(self._reconnect_loop(), "twitch-reconnect")

    async def _connect_once(self) -> bool:
        try:
            await self._connect()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            reason, retry = describe_twitch_error(error)
            await self._drop_client()
            self._status.problem("connection", reason)
            if not retry:
                self._status.extra["retrying"] = False
                return True  # nothing to retry: the user must act (reauthorise, fix config)
            return False
        self._status.resolved("connection")
        self._backoff.reset()
        if self._wanted_channel is not None:
            self._spawn_channel_update()
        return True

    async def _reconnect_loop(self) -> None:
        while not self._closed:
            await asyncio.sleep(self._backoff.next_delay_ms() / 1000)
            if await self._connect_once():
                return

    async def _connect(self) -> None:
        import twitchio

        accounts = self._store.load()
        broadcaster = accounts.get("broadcaster")
        bot = accounts.get("bot") or (broadcaster if self.settings.bot_is_broadcaster else None)
        if broadcaster is None:
            raise AuthError(f"no Twitch token for {self.settings.broadcaster}; run `livekit auth twitch`")
        apply_twitch_endpoints(self.settings)
        session = self
        owner: dict[str, Any] = broadcaster  # checked above; the nested class below cannot see that narrowing

        class Client(twitchio.Client):
            async def load_tokens(self, path: str | None = None) -> None:
                await session._add_tokens(self, owner, bot)

            async def save_tokens(self, path: str | None = None) -> None:
                """Tokens are stored as soon as they change (see ``_on_token_refreshed``), never here."""

            async def event_error(self, payload: Any) -> None:
                logger.error("twitch listener failed: %s", type(payload.error).__name__)

        client = Client(
            client_id=self.settings.client_id,
            client_secret=self.settings.client_secret,
            bot_id=bot["user_id"] if bot else None,
            fetch_client_user=False,
        )
        self._client = client
        client.add_listener(self._on_token_refreshed, event="event_token_refreshed")
        app_token = None if self.settings.client_secret else broadcaster["access_token"]
        await client.login(token=app_token, load_tokens=True, save_tokens=False)
        self.broadcaster_id = broadcaster["user_id"]
        self.bot_id = bot["user_id"] if bot else None
        self._check_scopes()
        if self.bot_id and self.intake is not None:
            self.intake.ignore_author("twitch", self.bot_id)
        if self.bot_id and "user:read:chat" in self._granted.get("bot", set()):
            await self._start_chat_reader()
        self._status.update(broadcaster=self.settings.broadcaster, bot=self.settings.bot)

    async def _add_tokens(self, client: Any, broadcaster: dict[str, Any], bot: dict[str, Any] | None) -> None:
        import twitchio

        roles = [("broadcaster", broadcaster)] + ([("bot", bot)] if bot else [])
        for role, record in roles:
            try:
                validated = await client.add_token(record["access_token"], record["refresh_token"])
            except twitchio.InvalidTokenException as error:
                if error.status == 429 or error.status >= 500:
                    raise TwitchUnavailable(f"HTTP {error.status}") from None
                self._store.mark_refused(record["user_id"], _twitch_reason(error))
                raise AuthError(
                    f"Twitch token of the {role} account was revoked or expired; "
                    f"run `{twitch_auth_command(role)}`"
                ) from None
            self._granted[role] = {str(scope) for scope in validated.scopes}
            self._store.mark_used(record["user_id"])

    def _check_scopes(self) -> None:
        if self.bot_id is None:
            self._status.problem(
                "chat", f"no token for the bot account {self.settings.bot}; run `livekit auth twitch --account bot`"
            )
        for role, granted in self._granted.items():
            needed = required_twitch_scopes(role, self.settings)
            missing = [scope for scope in needed if scope not in granted]
            if missing:
                area = "chat" if role == "bot" else "channel"
                self._status.problem(area, missing_scope_message("Twitch", role, missing, twitch_auth_command(role)))

    async def _drop_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                await client.close(save_tokens=False)
            except Exception as error:
                logger.debug("closing twitchio client failed: %s", type(error).__name__)

    async def close(self) -> None:
        self._flush()
        self._closed = True
        await self._tasks.cancel_all()
        await self._drop_client()
        self._status.set("off", "closed")

    async def drain(self) -> None:
        """Wait until queued Twitch calls (title, markers, notices) are done (tests, clean shutdown)."""
        while pending := [task for task in self._tasks.pending() if not task.get_name().startswith("twitch-reconnect")]:
            await asyncio.gather(*pending, return_exceptions=True)

    # ------------------------------------------------------------------ events from twitchio
    async def _on_token_refreshed(self, payload: Any) -> None:
        self._store.replace_tokens(payload.user_id, payload.token, payload.refresh_token)

    async def _start_chat_reader(self) -> None:
        """One reader for the whole session: a re-login after an outage keeps the running one. Waits (a few
        seconds at most) for its first outcome, so a started session reports chat as it is."""
        if self._reader_task is not None and not self._reader_task.done():
            return
        self._chat_settled.clear()
        self._status.problem("chat", "subscribing to chat", recovering=True)
        self._reader = EventSubReader(
            self.settings.eventsub_url,
            subscribe=self._subscribe_chat,
            on_notification=self._on_notification,
            on_state=self._on_chat_state,
            describe=describe_twitch_error,
            backoff=Backoff(first_ms=self._backoff.first_ms, max_ms=self._backoff.max_ms),
            keepalive_seconds=self._keepalive_seconds,
        )
        self._reader_task = self._tasks.spawn(self._reader.run(), "twitch-reconnect-chat")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._chat_settled.wait(), timeout=15)

    async def _subscribe_chat(self, session_id: str) -> None:
        """Create Subscription (Helix) through twitchio's HTTP client, which refreshes the bot's token.

        twitchio only exposes subscribing for its own websocket, so its HTTP layer is used directly."""
        from twitchio.eventsub.enums import SubscriptionType

        client = self._require_client()
        await client._http.create_eventsub_subscription(
            type=SubscriptionType.ChannelChatMessage,
            version="1",
            condition={"broadcaster_user_id": self.broadcaster_id, "user_id": self.bot_id},
            transport={"method": "websocket", "session_id": session_id},
            token_for=self.bot_id,
        )
        if self.follow_listener is not None and FOLLOWS_SCOPE in self._granted.get("bot", set()):
            await self._subscribe_follows(session_id)

    async def _subscribe_follows(self, session_id: str) -> None:
        """``channel.follow`` v2 on the same websocket, with the bot as moderator
        (https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelfollow). Optional: when it
        fails, follows are counted from the follower total instead and chat carries on."""
        from twitchio.eventsub.enums import SubscriptionType

        client = self._require_client()
        try:
            await client._http.create_eventsub_subscription(
                type=SubscriptionType.ChannelFollow,
                version="2",
                condition={"broadcaster_user_id": self.broadcaster_id, "moderator_user_id": self.bot_id},
                transport={"method": "websocket", "session_id": session_id},
                token_for=self.bot_id,
            )
        except Exception as error:  # optional: chat must not fail because follows cannot be read
            reason, _ = describe_twitch_error(error)
            logger.warning("follows are counted from the follower total: channel.follow failed (%s)", reason)
            self.follows_by_event = False
            return
        self.follows_by_event = True

    def _on_chat_state(self, state: str, reason: str) -> None:
        self._chat_settled.set()
        if state == "ok":
            self._status.resolved("chat")
        elif state == "recovering":
            self._status.problem("chat", f"{reason} (recovering)", recovering=True)
        elif state == "failed":
            fix = twitch_auth_command("bot" if self.settings.bot else "broadcaster")
            self._status.problem("chat", f"cannot subscribe to chat: {reason}", fix=fix if "livekit auth" in reason else None)
        else:
            fix = twitch_auth_command("bot" if self.settings.bot else "broadcaster")
            if reason == "moderator_removed":
                fix = f"make {self.settings.bot or self.settings.broadcaster} a moderator of the channel again"
            elif reason == "version_removed":
                fix = "update Greenroom"
            what = REVOCATION_REASONS.get(reason, f"Twitch revoked the chat subscription ({reason})")
            action = f"run `{fix}`" if fix.startswith("livekit") else fix
            self._status.problem("chat", f"{what}: {action}, then restart the show's Twitch session", fix=fix)

    def _on_notification(self, metadata: dict[str, Any], event: dict[str, Any]) -> None:
        if metadata.get("subscription_type") == "channel.follow":
            if event.get("broadcaster_user_id") == self.broadcaster_id and self.follow_listener is not None:
                self._follows += 1
                self.follow_listener(self.clock.now_ms())
            return
        if metadata.get("subscription_type") != "channel.chat.message":
            return
        if event.get("broadcaster_user_id") != self.broadcaster_id:
            return
        self._chat_lines += 1
        line = twitch_chat_line(event)
        self.deliver(
            ChatMessage(
                platform="twitch",
                message_id=line.message_id,
                author_id=line.author_id,
                author_name=line.author_name,
                text=line.text,
                received_ms=self.clock.now_ms(),
            )
        )

    def deliver(self, message: ChatMessage) -> None:
        """Queue one chat line for the intake. Lines arriving in the same loop iteration are stored together
        (one transaction, one fsync), so a chat flood costs one commit per burst, not per line."""
        if self.intake is None:
            return
        self._unsaved.append(message)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        if not self._unsaved or self.intake is None:
            return
        burst = list(self._unsaved)
        try:
            self.intake.receive_many(burst)
        except Exception as error:  # a full or locked disk must not lose questions nor stop chat
            self._status.problem("questions", f"cannot store questions ({type(error).__name__}); will retry")
            if not self._closed:
                self._flush_scheduled = True
                asyncio.get_running_loop().call_later(1.0, self._flush)
            return
        for _ in burst:
            self._unsaved.popleft()
        self._status.resolved("questions")

    # ------------------------------------------------------------------ show hooks
    async def on_show_start(self, title: str, category: str | None) -> None:
        """Set the channel's title and category (name resolved through Search Categories) in the background;
        if Twitch is not reachable yet, it is applied as soon as the session connects."""
        self._wanted_channel = (title, category or self.settings.category)
        if self.connected:
            self._spawn_channel_update()

    @property
    def connected(self) -> bool:
        return self._client is not None and self.broadcaster_id is not None

    def _spawn_channel_update(self) -> None:
        assert self._wanted_channel is not None
        title, category = self._wanted_channel
        self._tasks.spawn(
            retrying(
                lambda: self._set_channel(title, category),
                status=self._status,
                area="title",
                describe=describe_twitch_error,
                backoff=Backoff(first_ms=self._retry_first_ms),
            ),
            "twitch-title",
        )

    async def _set_channel(self, title: str, category: str | None) -> None:
        client = self._require_client()
        game_id = None
        if category:
            game_id = await self._category_id(client, category)
        await client.create_partialuser(self.broadcaster_id).modify_channel(
            title=" ".join(title.split())[:TITLE_MAX], game_id=game_id
        )
        self._status.update(title=title, category=category)

    async def _category_id(self, client: Any, name: str) -> str:
        """Search Categories, reading ``pagination.cursor`` for at most ``CATEGORY_SEARCH_MAX_PAGES`` pages and
        stopping at the first exact match (twitchio's iterator would follow the cursor without a page bound)."""
        from twitchio.http import Route

        first_found: str | None = None
        cursor: str | None = None
        for _ in range(CATEGORY_SEARCH_MAX_PAGES):
            params: dict[str, str] = {"query": name, "first": "20"} | ({"after": cursor} if cursor else {})
            page = await client._http.request_json(
                Route("GET", "search/categories", params=params, token_for=self.broadcaster_id)
            )
            for game in page.get("data") or []:
                if str(game.get("name", "")).casefold() == name.casefold():
                    return str(game["id"])
                first_found = first_found or str(game["id"])
            cursor = (page.get("pagination") or {}).get("cursor")
            if not cursor or not page.get("data"):
                break
        if first_found:
            return first_found
        raise AuthError(f"no Twitch category matches {name!r} (check [twitch] category or the rundown)")

    async def on_segment_start(self, index: int, title: str, guest: str | None) -> None:
        """A stream marker named after the segment (see :meth:`create_marker`), and (if ``chat_notices``) a
        chat notice within limits. While Twitch is unreachable both are skipped (a late marker would point
        at the wrong moment)."""
        if not self.connected:
            self._status.problem("markers", f"not connected to Twitch: marker {title!r} skipped")
            return
        self._tasks.spawn(self.create_marker(title), f"twitch-marker-{index}")
        if self.settings.chat_notices:
            text = f"Now: {title}" + (f" with {guest}" if guest else "")
            self._tasks.spawn(self._notice(" ".join(text.split())[:CHAT_MAX]), f"twitch-notice-{index}")

    async def create_marker(self, title: str) -> bool:
        """Place a stream marker named ``title`` as soon as Twitch shows the stream live.

        Twitch refuses markers (404) until Get Streams lists the stream, which takes 10-120 s after OBS
        starts streaming: the marker is retried (status "recovering") until the stream is live, for at most
        ``marker_wait_ms``, then placed. Returns True once placed. The runner calls this at each segment
        start (``on_segment_start`` does); the first one may be called as soon as OBS is told to stream."""
        deadline = self.clock.now_ms() + self._marker_wait_ms
        backoff = Backoff(first_ms=self._retry_first_ms, max_ms=max(self._retry_first_ms, 5_000))
        area = "markers"
        while True:
            try:
                await self._marker(title)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # every platform failure degrades the session, none reaches the show
                reason, retry = describe_twitch_error(error)
                if isinstance(error, StreamNotLive) or _is_not_live(error):
                    reason, retry = f"waiting for Twitch to show the stream live to place marker {title!r}", True
                if not retry or self.clock.now_ms() >= deadline:
                    if retry:
                        reason = f"Twitch never showed the stream live: marker {title!r} skipped"
                    self._status.problem(area, reason)
                    return False
                self._status.problem(area, reason, recovering=True)
                await asyncio.sleep(backoff.next_delay_ms() / 1000)
                continue
            self._status.resolved(area)
            return True

    async def _marker(self, title: str) -> None:
        client = self._require_client()
        if not [stream async for stream in client.fetch_streams(user_ids=[self.broadcaster_id], max_results=1)]:
            raise StreamNotLive(f"Twitch does not show {self.settings.broadcaster} live yet")
        await client.create_partialuser(self.broadcaster_id).create_stream_marker(
            token_for=self.broadcaster_id, description=" ".join(title.split())[:MARKER_MAX]
        )
        self._markers += 1
        self._status.update(markers=self._markers)

    async def _notice(self, text: str) -> None:
        if not self._bucket.try_take(self.clock.now_ms()):
            self._notices_skipped += 1
            self._status.update(chat_notices_skipped=self._notices_skipped)
            return
        if self.bot_id is None:
            return

        async def send() -> None:
            client = self._require_client()
            await client.create_partialuser(self.broadcaster_id).send_message(
                text, sender=self.bot_id, token_for=self.bot_id
            )

        backoff = Backoff(first_ms=self._retry_first_ms)
        if await retrying(
            send, status=self._status, area="notices", describe=describe_twitch_error, attempts=2, backoff=backoff
        ):
            self._notices_sent += 1
            self._status.update(chat_notices_sent=self._notices_sent)

    def show_started_at(self, started_ms: int) -> None:
        """Nothing to remember: Twitch stream markers are placed at the moment they are created."""

    async def on_show_end(self, chapters: list[tuple[int, str]]) -> None:
        """Nothing to close on Twitch (markers already carry the segment starts into the VOD); gives pending
        calls a few seconds to finish."""
        try:
            await asyncio.wait_for(self.drain(), timeout=10)
        except TimeoutError:
            self._status.problem("shutdown", "some Twitch calls were still pending at the end of the show")

    def _require_client(self) -> Any:
        if not self.connected:
            raise ConnectionError("not connected to Twitch")
        return self._client

    # ------------------------------------------------------------------ status
    def status(self) -> dict[str, Any]:
        status = self._status.as_dict()
        status["chat_lines"] = self._chat_lines
        if self._reader is not None:
            status["chat_subscriptions"] = self._reader.subscriptions_made
            status["chat_reconnects"] = self._reader.reconnects
        status["unsaved_questions"] = len(self._unsaved)
        if self.follows_by_event:
            status["follows"] = self._follows
        if self.intake is not None:
            status["intake"] = self.intake.stats()
        return status
