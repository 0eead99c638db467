"""An in-process Twitch: OAuth (id.twitch.tv), the Helix endpoints Greenroom uses, and an EventSub websocket.

It speaks the real wire protocol so the real twitchio 3 code paths (livekit) and outreach's aiohttp Helix
client (stats refresh, discovery) run against it. JSON shapes follow the official references:

- OAuth validate / refresh / client credentials / device code flow:
  https://dev.twitch.tv/docs/authentication/validate-tokens/ ,
  https://dev.twitch.tv/docs/authentication/refresh-tokens/ ,
  https://dev.twitch.tv/docs/authentication/getting-tokens-oauth/#client-credentials-grant-flow ,
  https://dev.twitch.tv/docs/authentication/getting-tokens-oauth/#device-code-grant-flow
- Helix: https://dev.twitch.tv/docs/api/reference/ (Get Users, Get Channel Information, Modify Channel
  Information, Get Channel Followers (``total``), Get Streams, Get Videos, Create Stream Marker, Send Chat
  Message, Create EventSub Subscription, Search Categories); every call needs ``Client-Id`` and
  ``Authorization: Bearer``; errors are ``{"error", "status", "message"}``
- EventSub websocket messages (session_welcome, session_keepalive, notification, session_reconnect,
  revocation) and close codes (4003 connection unused, 4004 reconnect grace time expired, 4007 invalid
  reconnect):
  https://dev.twitch.tv/docs/eventsub/handling-websocket-events/ ,
  https://dev.twitch.tv/docs/eventsub/websocket-reference/ and the ``channel.chat.message`` event (replies,
  cheers, shared chat): https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelchatmessage ,
  https://dev.twitch.tv/docs/eventsub/eventsub-reference/#channel-chat-message-event
- Helix rate limits (``Ratelimit-Limit/Remaining/Reset`` on every reply, 429 when the bucket is empty):
  https://dev.twitch.tv/docs/api/guide/#twitch-rate-limits
- Device code grant errors (``authorization_pending``, ``slow_down``: poll 5 s slower, ``expired_token``):
  https://dev.twitch.tv/docs/authentication/getting-tokens-oauth/#device-code-grant-flow and RFC 8628 §3.5
  https://www.rfc-editor.org/rfc/rfc8628#section-3.5
- Send Chat Message answers 200 with ``is_sent: false`` and a ``drop_reason`` when Twitch drops the message
  (duplicate, AutoMod, followers-only): https://dev.twitch.tv/docs/api/reference/#send-chat-message
- Create Stream Marker fails unless the user is live, and Get Streams lists a stream only once it is live:
  https://dev.twitch.tv/docs/api/reference/#create-stream-marker ,
  https://dev.twitch.tv/docs/api/reference/#get-streams

The server runs on its own thread and event loop so both sync tests (CLI) and async tests can use it; the
test-facing methods (``send_chat``, ``fail_next`` ...) are thread-safe.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.server import ThreadedApp
from tests.helpers import eventually_blocking

CLIENT_ID = "fake-client-id"
CLIENT_SECRET = "fake-client-secret"


def _now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


#: What Search Categories finds before a test adds its own (real Twitch category ids).
DEFAULT_CATEGORIES = (
    {"id": "509658", "name": "Just Chatting"},
    {"id": "509660", "name": "Art"},
    {"id": "1469308723", "name": "Software and Game Development"},
    {"id": "509670", "name": "Science & Technology"},
)


@dataclass
class FakeUser:
    id: str
    login: str
    display_name: str
    description: str = ""


@dataclass
class FakeToken:
    user_id: str | None  # None: an app token
    scopes: list[str]
    refresh: str | None
    expires_in: int = 14_400


@dataclass
class _Session:
    id: str
    socket: web.WebSocketResponse
    keepalive_seconds: int
    subscriptions: list[dict[str, Any]] = field(default_factory=list)
    last_sent: float = field(default_factory=time.monotonic)
    #: a silent session sends nothing at all (no keepalive either): a stalled network path.
    silent: bool = False
    #: set once ``session_reconnect`` was sent: the client has the grace time to move, then 4004.
    reconnecting: bool = False


#: Helix's default bucket: 800 points per minute (https://dev.twitch.tv/docs/api/guide/#twitch-rate-limits).
HELIX_RATE_LIMIT = 800


class FakeTwitch(ThreadedApp):
    """A fake Twitch you start once (``start()``), point twitchio at (``base_url``), then script from tests."""

    name = "fake-twitch"

    def __init__(self) -> None:
        super().__init__()
        self.users: dict[str, FakeUser] = {}
        self.tokens: dict[str, FakeToken] = {}
        self.channels: dict[str, dict[str, str]] = defaultdict(lambda: {"title": "", "game_id": ""})
        self.markers: list[dict[str, Any]] = []
        self.chat_sent: list[dict[str, Any]] = []
        self.categories = [dict(category) for category in DEFAULT_CATEGORIES]
        #: user ids streaming now (stream markers need it); :meth:`go_live` also lists a stream in Get Streams.
        self.live: set[str] = set()
        self.streams: list[dict[str, Any]] = []
        self.followers: dict[str, int] = {}
        #: Paths whose requests hang (a Twitch that stops answering) until removed; ``held_requests`` counts
        #: those that arrived while held.
        self.held_paths: set[str] = set()
        self.held_requests = 0
        #: broadcaster ids whose Get Channel Followers answers 500.
        self.failing_followers: set[str] = set()
        self.videos: dict[str, list[dict[str, Any]]] = {}
        self.requests: list[tuple[str, str]] = []
        self.device_codes: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, _Session] = {}
        self.subscriptions: list[dict[str, Any]] = []
        self._failures: list[tuple[str, str, int, str]] = []
        self._message_counter = itertools.count(1)
        self._keepalive_task: asyncio.Task[None] | None = None
        #: seconds a new EventSub session has to subscribe before Twitch closes it with 4003 (10 s on Twitch).
        self.subscribe_window_seconds = 10.0
        #: seconds a session told to reconnect stays open before Twitch closes it with 4004 (30 s on Twitch).
        self.reconnect_grace_seconds = 30.0
        #: what the next device code polls answer instead of the normal outcome (e.g. ``slow_down``).
        self.device_poll_answers: list[str] = []
        #: ``(code, message)`` drop reasons for the next Send Chat Message calls (``is_sent: false``).
        self.chat_drops: list[tuple[str, str]] = []
        #: Helix rate-limit bucket: its size, points left and when (epoch seconds) it is full again. A benchmark
        #: that cues many times a second (each cue places a marker) may make the bucket larger than Twitch's.
        self.helix_rate_limit = HELIX_RATE_LIMIT
        self.rate_limit_remaining = HELIX_RATE_LIMIT
        self.rate_limit_reset = int(time.time()) + 60
        self.close_codes: list[int] = []
        self.endless_category_pages = False
        self._welcome_gate: asyncio.Lock | None = None
        self._timers: set[asyncio.Task[None]] = set()

    # ---------------------------------------------------------------- life cycle
    def routes(self, app: web.Application) -> None:
        app.middlewares.append(self._rate_limit_headers)
        app.router.add_get("/oauth2/validate", self._validate)
        app.router.add_post("/oauth2/token", self._token)
        app.router.add_post("/oauth2/device", self._device)
        app.router.add_get("/helix/users", self._users)
        app.router.add_patch("/helix/channels", self._patch_channel)
        app.router.add_get("/helix/channels", self._get_channel)
        app.router.add_post("/helix/streams/markers", self._marker)
        app.router.add_post("/helix/chat/messages", self._chat_message)
        app.router.add_post("/helix/eventsub/subscriptions", self._subscribe)
        app.router.add_get("/helix/search/categories", self._search_categories)
        app.router.add_get("/helix/channels/followers", self._followers)
        app.router.add_get("/helix/streams", self._streams)
        app.router.add_get("/helix/videos", self._videos)
        app.router.add_get("/ws", self._websocket)

    async def on_started(self) -> None:
        self._welcome_gate = asyncio.Lock()
        self._keepalive_task = asyncio.get_running_loop().create_task(self._keepalives())

    async def on_stopping(self) -> None:
        if self._keepalive_task:
            self._keepalive_task.cancel()
        for timer in list(self._timers):
            timer.cancel()
        for session in list(self.sessions.values()):
            await session.socket.close()

    @property
    def helix_url(self) -> str:
        return f"{self.base_url}/helix/"

    @property
    def id_url(self) -> str:
        return f"{self.base_url}/"

    @property
    def eventsub_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    # ---------------------------------------------------------------- scripting from tests
    def reset(self) -> None:
        """Forget everything a previous test did (the server keeps running)."""
        with self._lock:
            self.users.clear()
            self.tokens.clear()
            self.channels.clear()
            self.markers.clear()
            self.chat_sent.clear()
            self.live.clear()
            self.streams.clear()
            self.followers.clear()
            self.held_paths.clear()
            self.held_requests = 0
            self.failing_followers.clear()
            self.videos.clear()
            self.categories = [dict(category) for category in DEFAULT_CATEGORIES]
            self.requests.clear()
            self.device_codes.clear()
            self.subscriptions.clear()
            self._failures.clear()
            self.subscribe_window_seconds = 10.0
            self.reconnect_grace_seconds = 30.0
            self.device_poll_answers.clear()
            self.chat_drops.clear()
            self.helix_rate_limit = self.rate_limit_remaining = HELIX_RATE_LIMIT
            self.close_codes.clear()
            self.endless_category_pages = False
        for session in list(self.sessions.values()):
            self.call(session.socket.close())
        self.sessions.clear()

    def add_user(
        self,
        user_id: str,
        login: str,
        scopes: list[str] | None = None,
        *,
        expires_in: int = 14_400,
        followers: int = 0,
        description: str = "",
    ) -> tuple[str, str]:
        """Create a user with a fresh access token and refresh token; returns (access, refresh)."""
        access, refresh = f"access-{secrets.token_hex(8)}", f"refresh-{secrets.token_hex(8)}"
        with self._lock:
            self.users[user_id] = FakeUser(user_id, login, login.capitalize(), description)
            self.tokens[access] = FakeToken(user_id, list(scopes or []), refresh, expires_in)
            self.followers[user_id] = followers
        return access, refresh

    def set_followers(self, user_id: str, followers: int) -> None:
        with self._lock:
            self.followers[user_id] = followers

    def add_category(self, game_id: str, name: str) -> None:
        with self._lock:
            self.categories.append({"id": game_id, "name": name})

    def go_live(self, user_id: str, game_id: str, viewers: int, title: str = "live now") -> None:
        """The user starts streaming in category ``game_id`` (which must have been added) with ``viewers``."""
        with self._lock:
            user = self.users[user_id]
            game_name = next(category["name"] for category in self.categories if category["id"] == game_id)
            self.live.add(user_id)
            self.streams.append({"id": secrets.token_hex(6), "user_id": user_id, "user_login": user.login,
                                 "user_name": user.display_name, "game_id": game_id, "game_name": game_name,
                                 "type": "live", "title": title, "viewer_count": viewers,
                                 "started_at": "2026-01-01T00:00:00Z", "language": "en", "thumbnail_url": "",
                                 "tags": [], "is_mature": False})

    def add_broadcasts(self, user_id: str, days_ago: list[int]) -> None:
        """Past broadcasts (``archive`` videos) the user streamed ``days_ago`` days before now."""
        now = datetime.now(UTC)
        with self._lock:
            self.videos.setdefault(user_id, []).extend(
                {"id": secrets.token_hex(4), "user_id": user_id, "type": "archive", "duration": "2h0m0s",
                 "created_at": (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ"), "view_count": 10}
                for days in days_ago)

    def expire_token(self, access: str) -> None:
        with self._lock:
            self.tokens.pop(access, None)

    def revoke_app_tokens(self) -> None:
        """Every app access token (client-credentials grant) stops working, as when Twitch expires them."""
        with self._lock:
            for access, token in list(self.tokens.items()):
                if token.user_id is None:
                    del self.tokens[access]

    def fail_next(self, method: str, path: str, status: int, message: str = "", times: int = 1) -> None:
        """Answer the next ``times`` requests to ``METHOD path`` with an error in Helix's error shape."""
        with self._lock:
            self._failures.extend([(method.upper(), path, status, message)] * times)

    def approve_device(self, user_code: str, user_id: str) -> None:
        """What the user does on twitch.tv/activate: approve the device code for their account."""
        with self._lock:
            for entry in self.device_codes.values():
                if entry["user_code"] == user_code:
                    entry["user_id"] = user_id
                    return
        raise KeyError(user_code)

    def chat_event(
        self,
        broadcaster_id: str,
        chatter_id: str,
        chatter_login: str,
        text: str,
        message_id: str | None = None,
    ) -> dict[str, Any]:
        broadcaster = self.users.get(broadcaster_id) or FakeUser(broadcaster_id, "caster", "Caster")
        return {
            "broadcaster_user_id": broadcaster.id,
            "broadcaster_user_login": broadcaster.login,
            "broadcaster_user_name": broadcaster.display_name,
            "source_broadcaster_user_id": None,
            "source_broadcaster_user_login": None,
            "source_broadcaster_user_name": None,
            "chatter_user_id": chatter_id,
            "chatter_user_login": chatter_login,
            "chatter_user_name": chatter_login.capitalize(),
            "message_id": message_id or str(uuid.uuid4()),
            "source_message_id": None,
            "is_source_only": None,
            "message": {
                "text": text,
                "fragments": [{"type": "text", "text": text, "cheermote": None, "emote": None, "mention": None}],
            },
            "color": "#00FF7F",
            "badges": [],
            "source_badges": None,
            "message_type": "text",
            "cheer": None,
            "reply": None,
            "channel_points_custom_reward_id": None,
            "channel_points_animation_id": None,
        }

    def send_chat(
        self, broadcaster_id: str, chatter_id: str, chatter_login: str, text: str, message_id: str | None = None
    ) -> str:
        """Deliver a ``channel.chat.message`` notification to every subscribed session; returns its message id."""
        event = self.chat_event(broadcaster_id, chatter_id, chatter_login, text, message_id)
        delivered = self.call(self._notify(event))
        if not delivered:
            raise AssertionError("no EventSub session is subscribed to channel.chat.message")
        return event["message_id"]

    def offer_chat(self, broadcaster_id: str, chatter_id: str, chatter_login: str, text: str) -> int:
        """Like :meth:`send_chat`, for a script that chats whether or not a client listens (the demo's
        stand-in between two shows): returns how many sessions received the line, 0 when none did."""
        return int(self.call(self._notify(self.chat_event(broadcaster_id, chatter_id, chatter_login, text))))

    def deliver_event(self, event: dict[str, Any]) -> None:
        """Deliver a ``channel.chat.message`` event a test shaped itself (a reply, a cheer, shared chat)."""
        if not self.call(self._notify(event)):
            raise AssertionError("no EventSub session is subscribed to channel.chat.message")

    def redeliver(self, broadcaster_id: str, chatter_id: str, chatter_login: str, text: str, message_id: str) -> None:
        """EventSub is at-least-once: the same chat message (same ids) delivered again."""
        self.send_chat(broadcaster_id, chatter_id, chatter_login, text, message_id)

    def send_reconnect(self, *chat_on_old_socket: tuple[str, str, str, str]) -> list[str]:
        """Ask every session to move (``session_reconnect``); subscriptions follow to the new session once it
        is welcomed. Until then the OLD socket keeps delivering (the reference: "the old connection receives
        events up until you connect to the new URL and receive the welcome message"), so each
        ``(broadcaster_id, chatter_id, login, text)`` given here is delivered on the old socket right after
        the reconnect message, before any new session can be welcomed. Returns their message ids."""

        async def reconnect_then_chat() -> list[str]:
            assert self._welcome_gate is not None
            async with self._welcome_gate:  # no new session is welcomed before these went out
                await self._reconnect_all()
                ids = []
                for broadcaster_id, chatter_id, login, text in chat_on_old_socket:
                    event = self.chat_event(broadcaster_id, chatter_id, login, text)
                    if not await self._notify(event):
                        raise AssertionError("no EventSub session is subscribed to channel.chat.message")
                    ids.append(event["message_id"])
                return ids

        return list(self.call(reconnect_then_chat()))

    def revoke(self, status: str = "authorization_revoked") -> None:
        """Revoke every ``channel.chat.message`` subscription with ``status`` (``authorization_revoked``,
        ``user_removed``, ``moderator_removed``, ``version_removed``): a ``revocation`` message on its session,
        and the subscription is gone (https://dev.twitch.tv/docs/eventsub/handling-websocket-events/#revocation-message)."""

        async def revoke_all() -> None:
            for session in list(self.sessions.values()):
                for subscription in list(session.subscriptions):
                    revoked = subscription | {"status": status}
                    session.subscriptions.remove(subscription)
                    if subscription in self.subscriptions:
                        self.subscriptions.remove(subscription)
                    if not session.socket.closed:
                        await self._send(
                            session, "revocation", {"subscription": revoked},
                            subscription_type=subscription["type"], subscription_version=subscription["version"],
                        )

        self.call(revoke_all())

    def go_silent(self) -> None:
        """Every open session stops sending anything (no keepalive): the client must notice after its
        keepalive timeout and reconnect (https://dev.twitch.tv/docs/eventsub/handling-websocket-events/#keepalive-message)."""

        async def silence() -> None:
            for session in self.sessions.values():
                session.silent = True

        self.call(silence())

    def open_sessions(self) -> list[str]:
        """Ids of the sessions whose socket is still open."""
        return [key for key, session in list(self.sessions.items()) if not session.socket.closed]

    def chat_subscriptions(self) -> list[dict[str, Any]]:
        """The enabled ``channel.chat.message`` subscriptions, over every open session."""
        return [
            subscription
            for session in list(self.sessions.values())
            if not session.socket.closed
            for subscription in session.subscriptions
            if subscription["type"] == "channel.chat.message"
        ]

    def drop_connections(self) -> None:
        """Close every EventSub socket abruptly, like a network outage (the client must reconnect)."""

        async def drop() -> None:
            for session in list(self.sessions.values()):
                await session.socket.close(code=1006)

        self.call(drop())

    def stream_goes_live(self, user_id: str, game_id: str = "509658") -> None:
        """OBS's stream reached Twitch: Get Streams now lists it and markers can be placed."""
        self.go_live(user_id, game_id, viewers=0)

    def set_viewers(self, user_id: str, viewers: int) -> None:
        """One point of a scripted viewer curve: Get Streams now gives ``viewer_count`` = ``viewers``
        (https://dev.twitch.tv/docs/api/reference/#get-streams). The user must be live."""
        with self._lock:
            stream = next(stream for stream in self.streams if stream["user_id"] == user_id)
            stream["viewer_count"] = viewers

    def stream_goes_offline(self, user_id: str) -> None:
        """The stream ended: Get Streams answers 200 with an empty ``data`` list for the user, as Twitch does
        for a channel that is not live."""
        with self._lock:
            self.live.discard(user_id)
            self.streams = [stream for stream in self.streams if stream["user_id"] != user_id]

    def follow(self, broadcaster_id: str, count: int = 1) -> int:
        """``count`` viewers follow the channel: Get Channel Followers' ``total`` grows by as many
        (https://dev.twitch.tv/docs/api/reference/#get-channel-followers), and each follow is sent to the
        sessions subscribed to ``channel.follow`` (v2) as a notification shaped as the reference's example
        (https://dev.twitch.tv/docs/eventsub/eventsub-reference/#channel-follow-event). Returns how many
        notifications were sent."""
        with self._lock:
            self.followers[broadcaster_id] = self.followers.get(broadcaster_id, 0) + count
            broadcaster = self.users.get(broadcaster_id) or FakeUser(broadcaster_id, "caster", "Caster")
        sent = 0
        for _ in range(count):
            follower = str(next(self._message_counter) + 500_000)
            event = {"user_id": follower, "user_login": f"fan{follower}", "user_name": f"Fan{follower}",
                     "broadcaster_user_id": broadcaster_id, "broadcaster_user_login": broadcaster.login,
                     "broadcaster_user_name": broadcaster.display_name, "followed_at": _now_rfc3339()}
            sent += self.call(self._notify(event, "channel.follow", "2"))
        return sent

    def wait_for_subscription(self, timeout: float = 10) -> dict[str, Any]:
        """The latest EventSub subscription of a live session, once somebody has subscribed."""

        def subscribed() -> dict[str, Any] | None:
            for session in list(self.sessions.values()):
                if session.subscriptions and not session.socket.closed:
                    return session.subscriptions[-1]
            return None

        return eventually_blocking(subscribed, timeout, describe="nobody subscribed to EventSub")

    async def flood(
        self, broadcaster_id: str, rate: int, seconds: float, text_for: Any, chatter_for: Any = None
    ) -> int:
        """Send ``rate`` chat messages per second for ``seconds`` (run with :meth:`start_flood`); message
        ``n`` says ``text_for(n)`` from chatter ``chatter_for(n)`` (default: 5,000 chatters in turn)."""
        sent, start = 0, time.monotonic()
        total = int(rate * seconds)
        while sent < total:
            due = int((time.monotonic() - start) * rate) + 1
            while sent < min(due, total):
                chatter = f"{chatter_for(sent) if chatter_for else 100_000 + sent % 5_000}"
                event = self.chat_event(broadcaster_id, chatter, f"viewer{chatter}", text_for(sent))
                await self._notify(event)
                sent += 1
            await asyncio.sleep(0.002)  # pacing: the flood's rate is the behaviour being simulated
        return sent

    def start_flood(
        self, broadcaster_id: str, rate: int, seconds: float, text_for: Any, chatter_for: Any = None
    ) -> Any:
        return self.submit(self.flood(broadcaster_id, rate, seconds, text_for, chatter_for))

    # ---------------------------------------------------------------- helpers
    @web.middleware
    async def _rate_limit_headers(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Every Helix reply carries the bucket's state; an empty bucket answers 429 until ``Ratelimit-Reset``."""
        if not request.path.startswith("/helix/"):
            return await handler(request)
        with self._lock:
            now = int(time.time())
            if now >= self.rate_limit_reset:
                self.rate_limit_remaining, self.rate_limit_reset = self.helix_rate_limit, now + 60
            empty = self.rate_limit_remaining <= 0
            if not empty:
                self.rate_limit_remaining -= 1
            headers = {
                "Ratelimit-Limit": str(self.helix_rate_limit),
                "Ratelimit-Remaining": str(max(0, self.rate_limit_remaining)),
                "Ratelimit-Reset": str(self.rate_limit_reset),
            }
        if empty:
            self.requests.append((request.method, request.path))
            return _error(429, "Too Many Requests", headers)
        response = await handler(request)
        for key, value in headers.items():
            response.headers.setdefault(key, value)
        return response

    def _failure(self, request: web.Request) -> web.Response | None:
        self.requests.append((request.method, request.path))
        with self._lock:
            for index, (method, path, status, message) in enumerate(self._failures):
                if method == request.method and path == request.path:
                    del self._failures[index]
                    headers = {"Ratelimit-Reset": str(int(time.time()) + 1)} if status == 429 else {}
                    return _error(status, message or _REASONS.get(status, "Error"), headers)
        return None

    def _bearer(self, request: web.Request) -> FakeToken | None:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").removeprefix("OAuth ").strip()
        return self.tokens.get(token)

    def _auth(self, request: web.Request, scope: str | None = None) -> tuple[FakeToken | None, web.Response | None]:
        if request.headers.get("Client-Id") != CLIENT_ID:
            return None, _error(401, "Client ID and OAuth token do not match")
        token = self._bearer(request)
        if token is None:
            return None, _error(401, "Invalid OAuth token")
        if scope and scope not in token.scopes:
            return token, _error(401, f"Missing scope: {scope}")
        return token, None

    # ---------------------------------------------------------------- OAuth
    async def _validate(self, request: web.Request) -> web.Response:
        if failure := self._failure(request):
            return failure
        token = self._bearer(request)
        if token is None:
            return web.json_response({"status": 401, "message": "invalid access token"}, status=401)
        body: dict[str, Any] = {"client_id": CLIENT_ID, "scopes": token.scopes, "expires_in": token.expires_in}
        if token.user_id:
            body |= {"login": self.users[token.user_id].login, "user_id": token.user_id}
        return web.json_response(body)

    async def _token(self, request: web.Request) -> web.Response:
        if failure := self._failure(request):
            return failure
        params = dict(request.query) | dict(await request.post())
        grant = params.get("grant_type")
        if grant == "client_credentials":
            if params.get("client_id") != CLIENT_ID:
                return web.json_response({"status": 400, "message": "invalid client"}, status=400)
            if params.get("client_secret") != CLIENT_SECRET:
                return web.json_response({"status": 403, "message": "invalid client secret"}, status=403)
            access = f"app-{secrets.token_hex(8)}"
            self.tokens[access] = FakeToken(None, [], None)
            return web.json_response({"access_token": access, "expires_in": 5_000_000, "token_type": "bearer"})
        if grant == "refresh_token":
            old = next(
                (key for key, value in self.tokens.items() if value.refresh == params.get("refresh_token")), None
            )
            if old is None:
                return web.json_response({"status": 400, "message": "Invalid refresh token"}, status=400)
            previous = self.tokens.pop(old)
            access, refresh = f"access-{secrets.token_hex(8)}", f"refresh-{secrets.token_hex(8)}"
            self.tokens[access] = FakeToken(previous.user_id, previous.scopes, refresh)
            return web.json_response(
                {
                    "access_token": access,
                    "refresh_token": refresh,
                    "expires_in": 14_400,
                    "scope": previous.scopes,
                    "token_type": "bearer",
                }
            )
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            entry = self.device_codes.get(params.get("device_code", ""))
            if entry is None:
                return web.json_response({"status": 400, "message": "invalid device code"}, status=400)
            entry["polls"].append(time.monotonic())
            if self.device_poll_answers:
                answer = self.device_poll_answers.pop(0)
                if answer == "expired_token":
                    del self.device_codes[params["device_code"]]
                return web.json_response({"status": 400, "message": answer}, status=400)
            if entry["user_id"] is None:
                return web.json_response({"status": 400, "message": "authorization_pending"}, status=400)
            access, refresh = f"access-{secrets.token_hex(8)}", f"refresh-{secrets.token_hex(8)}"
            self.tokens[access] = FakeToken(entry["user_id"], entry["scopes"], refresh)
            return web.json_response(
                {
                    "access_token": access,
                    "refresh_token": refresh,
                    "expires_in": 14_400,
                    "scope": entry["scopes"],
                    "token_type": "bearer",
                }
            )
        return web.json_response({"status": 400, "message": "unsupported grant_type"}, status=400)

    async def _device(self, request: web.Request) -> web.Response:
        if failure := self._failure(request):
            return failure
        params = dict(request.query) | dict(await request.post())
        if params.get("client_id") != CLIENT_ID:
            return web.json_response({"status": 400, "message": "invalid client"}, status=400)
        device_code, user_code = secrets.token_hex(16), secrets.token_hex(4).upper()
        scopes = [scope for scope in params.get("scopes", "").replace("+", " ").split() if scope]
        self.device_codes[device_code] = {"user_code": user_code, "scopes": scopes, "user_id": None, "polls": []}
        return web.json_response(
            {
                "device_code": device_code,
                "expires_in": 1800,
                "interval": 1,
                "user_code": user_code,
                "verification_uri": f"https://www.twitch.tv/activate?public=true&device-code={user_code}",
            }
        )

    # ---------------------------------------------------------------- Helix
    async def _users(self, request: web.Request) -> web.Response:
        if failure := self._failure(request):
            return failure
        token, error = self._auth(request)
        if error:
            return error
        ids = request.query.getall("id", [])
        logins = [login.lower() for login in request.query.getall("login", [])]
        if len(ids) + len(logins) > 100:
            return _error(400, "The sum of the id and login parameters must not exceed 100")
        if not ids and not logins and token and token.user_id:
            ids = [token.user_id]
        found = [user for user in self.users.values() if user.id in ids or user.login in logins]
        return web.json_response({"data": [_user_json(user) for user in found]})

    async def _get_channel(self, request: web.Request) -> web.Response:
        _, error = self._auth(request)
        if error:
            return error
        broadcaster_id = request.query.get("broadcaster_id", "")
        channel = self.channels[broadcaster_id]
        return web.json_response({"data": [{"broadcaster_id": broadcaster_id, **channel}]})

    async def _patch_channel(self, request: web.Request) -> web.Response:
        if failure := self._failure(request):
            return failure
        token, error = self._auth(request, "channel:manage:broadcast")
        if error:
            return error
        broadcaster_id = request.query.get("broadcaster_id", "")
        if token is None or token.user_id != broadcaster_id:
            return _error(401, "The ID in broadcaster_id must match the user ID found in the request's OAuth token.")
        body = await request.json()
        for key in ("title", "game_id"):
            if key in body:
                self.channels[broadcaster_id][key] = body[key]
        return web.Response(status=204)

    async def _marker(self, request: web.Request) -> web.Response:
        if failure := self._failure(request):
            return failure
        _, error = self._auth(request, "channel:manage:broadcast")
        if error:
            return error
        body = await request.json()
        if body.get("user_id") not in self.live:
            return _error(404, "The user is not streaming live")
        marker = {
            "id": str(len(self.markers) + 1),
            "created_at": _now_rfc3339(),
            "description": body.get("description", ""),
            "position_seconds": len(self.markers) * 60,
        }
        self.markers.append(marker | {"user_id": body["user_id"]})
        return web.json_response({"data": [marker]})

    async def _chat_message(self, request: web.Request) -> web.Response:
        if failure := self._failure(request):
            return failure
        token, error = self._auth(request, "user:write:chat")
        if error:
            return error
        body = await request.json()
        if token is None or token.user_id != body.get("sender_id"):
            return _error(401, "The sender must be the user in the OAuth token")
        message_id = str(uuid.uuid4())
        if self.chat_drops:
            code, message = self.chat_drops.pop(0)
            drop = {"code": code, "message": message}
            return web.json_response({"data": [{"message_id": message_id, "is_sent": False, "drop_reason": drop}]})
        self.chat_sent.append(body | {"message_id": message_id})
        return web.json_response({"data": [{"message_id": message_id, "is_sent": True, "drop_reason": None}]})

    async def _search_categories(self, request: web.Request) -> web.Response:
        if failure := self._failure(request):
            return failure
        _, error = self._auth(request)
        if error:
            return error
        query = request.query.get("query", "").casefold()
        found = [
            {"box_art_url": "https://static-cdn.jtvnw.net/ttv-boxart/x-{width}x{height}.jpg", **category}
            for category in self.categories
            if query in category["name"].casefold()
        ]
        # ``endless_category_pages``: every page says there is another (a client must bound its reading).
        pagination = {"cursor": secrets.token_hex(6)} if self.endless_category_pages else {}
        return web.json_response({"data": found, "pagination": pagination})

    async def _followers(self, request: web.Request) -> web.Response:
        if failure := self._failure(request):
            return failure
        _, error = self._auth(request)
        if error:
            return error
        broadcaster_id = request.query.get("broadcaster_id", "")
        with self._lock:
            if broadcaster_id in self.failing_followers:
                return _error(500, "")
            if broadcaster_id not in self.users:
                return _error(400, "Invalid broadcaster_id")
            total = self.followers.get(broadcaster_id, 0)
        # Without moderator:read:followers the list stays empty but ``total`` is still given.
        return web.json_response({"total": total, "data": [], "pagination": {}})

    async def _streams(self, request: web.Request) -> web.Response:
        if request.path in self.held_paths:
            self.held_requests += 1
            while request.path in self.held_paths:
                await asyncio.sleep(0.01)
        if failure := self._failure(request):
            return failure
        _, error = self._auth(request)
        if error:
            return error
        game_ids = request.query.getall("game_id", [])
        user_ids = request.query.getall("user_id", [])
        first = int(request.query.get("first", "20"))
        with self._lock:
            found = [stream for stream in self.streams
                     if (not game_ids or stream["game_id"] in game_ids)
                     and (not user_ids or stream["user_id"] in user_ids)]
        found.sort(key=lambda stream: -stream["viewer_count"])
        return web.json_response({"data": found[:first], "pagination": {}})

    async def _videos(self, request: web.Request) -> web.Response:
        if failure := self._failure(request):
            return failure
        _, error = self._auth(request)
        if error:
            return error
        first = int(request.query.get("first", "20"))
        with self._lock:
            found = sorted(self.videos.get(request.query.get("user_id", ""), []),
                           key=lambda video: video["created_at"], reverse=True)
        return web.json_response({"data": found[:first], "pagination": {}})

    async def _subscribe(self, request: web.Request) -> web.Response:
        if failure := self._failure(request):
            return failure
        token, error = self._auth(request)
        if error:
            return error
        body = await request.json()
        transport = body.get("transport", {})
        session = self.sessions.get(transport.get("session_id", ""))
        if session is None:
            return _error(400, "websocket transport session does not exist or has already disconnected")
        if body.get("type") == "channel.chat.message":
            if token is None or token.user_id != body["condition"].get("user_id"):
                return _error(403, "subscription requires a user token for condition.user_id")
            if "user:read:chat" not in token.scopes:
                return _error(403, "subscription missing proper authorization")
        if body.get("type") == "channel.follow":
            # v2 only; the token must be the moderator's named in the condition, with moderator:read:followers.
            if body.get("version") != "2":
                return _error(400, "version 1 of channel.follow is no longer supported")
            if token is None or token.user_id != body["condition"].get("moderator_user_id"):
                return _error(403, "subscription requires a user token for condition.moderator_user_id")
            if "moderator:read:followers" not in token.scopes:
                return _error(403, "subscription missing proper authorization")
        subscription = {
            "id": str(uuid.uuid4()),
            "status": "enabled",
            "type": body["type"],
            "version": body["version"],
            "condition": body["condition"],
            "created_at": _now_rfc3339(),
            "transport": {"method": "websocket", "session_id": session.id, "connected_at": _now_rfc3339()},
            "cost": 0,
        }
        session.subscriptions.append(subscription)
        self.subscriptions.append(subscription)
        return web.json_response(
            {"data": [subscription], "total": len(self.subscriptions), "total_cost": 0, "max_total_cost": 10},
            status=202,
        )

    # ---------------------------------------------------------------- EventSub websocket
    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        keepalive = int(request.query.get("keepalive_timeout_seconds", "10"))
        session = _Session(f"session-{secrets.token_hex(8)}", socket, keepalive)
        moved_from = self.sessions.get(request.query.get("from", ""))
        if "from" in request.query and (moved_from is None or moved_from.socket.closed):
            # 4007 "Invalid reconnect": the session to move from no longer exists.
            self.close_codes.append(4007)
            await socket.close(code=4007)
            return socket
        assert self._welcome_gate is not None
        async with self._welcome_gate:
            if moved_from is not None:
                # Subscriptions move to the new session when it is welcomed; the old socket stays open
                # (silent) until the client closes it or the grace time ends (4004).
                session.subscriptions, moved_from.subscriptions = moved_from.subscriptions, []
                for subscription in session.subscriptions:
                    subscription["transport"]["session_id"] = session.id
            self.sessions[session.id] = session
            await self._send(
                session,
                "session_welcome",
                {
                    "session": {
                        "id": session.id,
                        "status": "connected",
                        "connected_at": _now_rfc3339(),
                        "keepalive_timeout_seconds": keepalive,
                        "reconnect_url": None,
                        "recovery_url": None,
                    }
                },
            )
        if moved_from is None:
            self._timer(self._close_if_unused(session))
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                # Twitch closes with 4001 when a client sends anything.
                await socket.close(code=4001)
        if self.sessions.get(session.id) is session:
            del self.sessions[session.id]
        return socket

    def _timer(self, coroutine: Any) -> None:
        timer = asyncio.get_running_loop().create_task(coroutine)
        self._timers.add(timer)
        timer.add_done_callback(self._timers.discard)

    async def _close_if_unused(self, session: _Session) -> None:
        """4003 "Connection unused": no subscription within the subscribe window after the welcome."""
        await asyncio.sleep(self.subscribe_window_seconds)
        if not session.subscriptions and not session.socket.closed and not session.reconnecting:
            await self._close(session, 4003)

    async def _close_after_grace(self, session: _Session) -> None:
        """4004 "Reconnect grace time expired": the client did not close the old socket in time."""
        await asyncio.sleep(self.reconnect_grace_seconds)
        if not session.socket.closed:
            await self._close(session, 4004)

    async def _close(self, session: _Session, code: int) -> None:
        self.close_codes.append(code)
        await session.socket.close(code=code)

    async def _send(self, session: _Session, message_type: str, payload: dict[str, Any], **metadata: Any) -> None:
        body = {
            "metadata": {
                "message_id": metadata.pop("message_id", None) or str(uuid.uuid4()),
                "message_type": message_type,
                "message_timestamp": _now_rfc3339(),
                **metadata,
            },
            "payload": payload,
        }
        if session.silent:
            return
        session.last_sent = time.monotonic()
        await session.socket.send_str(json.dumps(body))

    async def _notify(self, event: dict[str, Any], kind: str = "channel.chat.message", version: str = "1") -> int:
        delivered = 0
        for session in list(self.sessions.values()):
            for subscription in session.subscriptions:
                if subscription["type"] != kind or session.socket.closed:
                    continue
                if subscription["condition"].get("broadcaster_user_id") != event["broadcaster_user_id"]:
                    continue
                identity = event.get("message_id") or f"follow-{event.get('user_id')}"
                await self._send(
                    session,
                    "notification",
                    {"subscription": subscription, "event": event},
                    subscription_type=kind,
                    subscription_version=version,
                    message_id=f"notification-{identity}",
                )
                delivered += 1
        return delivered

    async def _reconnect_all(self) -> None:
        for session in list(self.sessions.values()):
            if session.socket.closed or session.reconnecting:
                continue
            session.reconnecting = True
            self._timer(self._close_after_grace(session))
            url = f"{self.eventsub_url}?from={session.id}&keepalive_timeout_seconds={session.keepalive_seconds}"
            await self._send(
                session,
                "session_reconnect",
                {
                    "session": {
                        "id": session.id,
                        "status": "reconnecting",
                        "keepalive_timeout_seconds": None,
                        "reconnect_url": url,
                        "connected_at": _now_rfc3339(),
                    }
                },
            )

    async def _keepalives(self) -> None:
        while True:
            await asyncio.sleep(0.5)  # like Twitch: keepalives go out on a timer
            now = time.monotonic()
            for session in list(self.sessions.values()):
                if not session.socket.closed and now - session.last_sent >= session.keepalive_seconds * 0.8:
                    await self._send(session, "session_keepalive", {})


_REASONS = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    """Helix's error body: ``{"error": reason, "status": code, "message": text}``."""
    return web.json_response(
        {"error": _REASONS.get(status, "Error"), "status": status, "message": message}, status=status, headers=headers
    )


def _user_json(user: FakeUser) -> dict[str, Any]:
    return {
        "id": user.id,
        "login": user.login,
        "display_name": user.display_name,
        "type": "",
        "broadcaster_type": "",
        "description": user.description,
        "profile_image_url": "https://static-cdn.jtvnw.net/jtv_user_pictures/x.png",
        "offline_image_url": "",
        "view_count": 0,
        "created_at": "2016-12-14T20:32:28Z",
    }
