"""Our own EventSub websocket reader for Twitch chat; twitchio 3 stays in charge of login, tokens and Helix.

Why not twitchio's websocket: twitchio 3.3 handles ``session_reconnect`` inside the old socket's read loop and
closes that socket without reading what it had already received, so a chat line Twitch sent on the old
socket right after the reconnect message is lost; it also never reconnects when the (re)subscribe fails
(Twitch then closes the unused socket with 4003), and nothing listens for ``revocation``. Subclassing would
mean overriding twitchio's private read loop, which changes between releases. The protocol itself is small
and documented (https://dev.twitch.tv/docs/eventsub/handling-websocket-events/ and
https://dev.twitch.tv/docs/eventsub/websocket-reference/), so this module speaks it directly:

- every socket has its own reader task feeding one queue, so during a ``session_reconnect`` the old socket
  is read until the new one is welcomed (the old connection "receives events up until you connect to the
  new URL and receive the welcome message"), then drained and closed by us, before the 30 s grace (4004);
- a fresh session subscribes within the welcome's window (retrying 429/5xx/refresh failures inside it); if
  it cannot, the sockets are closed and the whole connection is retried with backoff, never leaving a
  socket Twitch will close with 4003 while the status says "reconnecting";
- silence longer than ``keepalive_timeout_seconds`` (plus a margin) means the connection is dead:
  reconnect and resubscribe; any close code does the same, except that a ``revocation`` stops the reader
  with a reason the user can act on;
- delivery is at-least-once: notifications are deduplicated on ``metadata.message_id``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp

from greenroom.backoff import Backoff

logger = logging.getLogger(__name__)

#: What to tell the user for each revocation status (https://dev.twitch.tv/docs/eventsub/handling-websocket-events/#revocation-message
#: and the subscription statuses of https://dev.twitch.tv/docs/api/reference/#get-eventsub-subscriptions).
REVOCATION_REASONS = {
    "authorization_revoked": "Twitch revoked the chat permission",
    "user_removed": "the Twitch account that reads chat was removed or suspended",
    "moderator_removed": "the chat bot is no longer a moderator of the channel",
    "version_removed": "Twitch retired the chat subscription version Greenroom uses",
}


class Revoked(Exception):
    """Twitch revoked the chat subscription: resubscribing cannot help until the user acts."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class ConnectionLost(Exception):
    """The current socket closed, went silent, or could not subscribe in time."""


@dataclass
class _Socket:
    websocket: aiohttp.ClientWebSocketResponse
    reader: asyncio.Task[None] | None = None
    session_id: str | None = None


Subscribe = Callable[[str], Awaitable[None]]
Notify = Callable[[dict[str, Any], dict[str, Any]], None]


class EventSubReader:
    """Keeps one EventSub websocket session with one subscription alive for as long as :meth:`run` runs.

    ``subscribe(session_id)`` creates the subscription through Helix (it raises on failure); ``on_notification
    (metadata, event)`` gets each notification once; ``on_state(state, reason)`` hears "ok", "recovering" (with
    why) and "revoked" (with the revocation status). ``describe`` turns a subscribe failure into a reason.
    """

    def __init__(
        self,
        url: str,
        *,
        subscribe: Subscribe,
        on_notification: Notify,
        on_state: Callable[[str, str], None],
        describe: Callable[[BaseException], tuple[str, bool]],
        backoff: Backoff | None = None,
        keepalive_seconds: int = 10,
        welcome_timeout_s: float = 10.0,
        drain_s: float = 0.5,
        seen_ids: int = 10_000,
    ) -> None:
        self.url = url
        self._subscribe = subscribe
        self._on_notification = on_notification
        self._on_state = on_state
        self._describe = describe
        self._backoff = backoff or Backoff()
        self.keepalive_seconds = keepalive_seconds
        self._welcome_timeout_s = welcome_timeout_s
        self._drain_s = drain_s
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._seen_limit = seen_ids
        self.session_id: str | None = None
        self.subscriptions_made = 0
        self.reconnects = 0

    # ------------------------------------------------------------------ the outer loop
    async def run(self) -> None:
        """Connect, subscribe and read until cancelled or revoked; outages are retried with backoff."""
        async with aiohttp.ClientSession() as http:
            while True:
                try:
                    await self._connection(http)
                except Revoked as revoked:
                    self._on_state("revoked", revoked.status)
                    return
                except asyncio.CancelledError:
                    raise
                except Exception as error:  # every outage ends here and is retried
                    if isinstance(error, ConnectionLost):
                        self._on_state("recovering", str(error))
                    else:
                        reason, retry = self._describe(error)
                        # Still retried (the user may fix it meanwhile), but shown as needing them.
                        self._on_state("recovering" if retry else "failed", reason)
                self.session_id = None
                await asyncio.sleep(self._backoff.next_delay_ms() / 1000)

    def _fresh_url(self) -> str:
        separator = "&" if urlsplit(self.url).query else "?"
        return f"{self.url}{separator}{urlencode({'keepalive_timeout_seconds': self.keepalive_seconds})}"

    # ------------------------------------------------------------------ one connection (across reconnects)
    async def _connection(self, http: aiohttp.ClientSession) -> None:
        queue: asyncio.Queue[tuple[_Socket, aiohttp.WSMessage]] = asyncio.Queue()
        sockets: list[_Socket] = []
        try:
            current = await self._open(http, self._fresh_url(), queue, sockets)
            welcome = await self._welcome(queue, current)
            keepalive = int(welcome.get("keepalive_timeout_seconds") or self.keepalive_seconds)
            await self._subscribe_in_window(current, keepalive)
            self._backoff.reset()
            self._on_state("ok", "")
            await self._read(http, queue, sockets, current, keepalive)
        finally:
            for socket in sockets:
                await self._close(socket)

    async def _open(
        self, http: aiohttp.ClientSession, url: str, queue: asyncio.Queue[Any], sockets: list[_Socket]
    ) -> _Socket:
        websocket = await http.ws_connect(url, heartbeat=None, autoping=True)
        socket = _Socket(websocket)
        socket.reader = asyncio.get_running_loop().create_task(self._pump(socket, queue))
        sockets.append(socket)
        return socket

    @staticmethod
    async def _pump(socket: _Socket, queue: asyncio.Queue[Any]) -> None:
        """Everything a socket receives goes to the queue, ending with its close (or error) message."""
        while True:
            message = await socket.websocket.receive()
            await queue.put((socket, message))
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                return

    async def _welcome(self, queue: asyncio.Queue[Any], socket: _Socket) -> dict[str, Any]:
        try:
            async with asyncio.timeout(self._welcome_timeout_s):
                while True:
                    source, message = await queue.get()
                    if source is not socket:
                        continue
                    body = self._decode(message)
                    if body is None:
                        raise ConnectionLost(f"EventSub closed before its welcome ({_close_text(message)})")
                    if body["metadata"].get("message_type") == "session_welcome":
                        session: dict[str, Any] = body["payload"]["session"]
                        socket.session_id = session["id"]
                        return session
        except TimeoutError:
            raise ConnectionLost("EventSub sent no welcome") from None

    async def _subscribe_in_window(self, socket: _Socket, window_s: int) -> None:
        """Twitch closes a session with no subscription after the welcome's window (4003): retry inside it."""
        assert socket.session_id is not None
        attempt_backoff = Backoff(first_ms=250, max_ms=2_000)
        last_reason = ""
        try:
            async with asyncio.timeout(max(1.0, window_s - 0.5)):
                while True:
                    try:
                        await self._subscribe(socket.session_id)
                    except asyncio.CancelledError:
                        raise
                    except Exception as error:
                        last_reason, retry = self._describe(error)
                        self._on_state("recovering", f"cannot subscribe to chat: {last_reason}")
                        if not retry:
                            raise
                        await asyncio.sleep(attempt_backoff.next_delay_ms() / 1000)
                        continue
                    self.subscriptions_made += 1
                    self.session_id = socket.session_id
                    return
        except TimeoutError:
            raise ConnectionLost(f"cannot subscribe to chat: {last_reason}") from None

    async def _read(
        self,
        http: aiohttp.ClientSession,
        queue: asyncio.Queue[Any],
        sockets: list[_Socket],
        current: _Socket,
        keepalive: int,
    ) -> None:
        moving_to: _Socket | None = None
        silence_s = keepalive + max(2.0, keepalive * 0.2)
        while True:
            source: _Socket
            try:
                async with asyncio.timeout(silence_s):
                    source, message = await queue.get()
                    while source is not current and source is not moving_to:
                        self._handle(self._decode(message), source)  # a draining old socket
                        source, message = await queue.get()
            except TimeoutError:
                raise ConnectionLost(f"EventSub went silent for over {keepalive} s; reconnecting") from None
            body = self._decode(message)
            if body is None:
                if source is current and moving_to is None:
                    raise ConnectionLost(f"EventSub connection lost ({_close_text(message)}); reconnecting")
                if source is moving_to:
                    raise ConnectionLost(f"EventSub reconnect failed ({_close_text(message)}); reconnecting")
                continue  # the old socket closed while we move: the new one carries on
            kind = body["metadata"].get("message_type")
            if kind == "session_reconnect" and source is current and moving_to is None:
                url = body["payload"]["session"]["reconnect_url"]
                moving_to = await self._open(http, url, queue, sockets)
                self.reconnects += 1
            elif kind == "session_welcome" and moving_to is not None and source is moving_to:
                old, current, moving_to = current, moving_to, None
                current.session_id = body["payload"]["session"]["id"]
                self.session_id = current.session_id
                asyncio.get_running_loop().create_task(self._drain_and_close(old, queue, sockets))
            else:
                self._handle(body, source)

    async def _drain_and_close(self, old: _Socket, queue: asyncio.Queue[Any], sockets: list[_Socket]) -> None:
        """What the old socket received before the new welcome still reaches the queue; then we close it."""
        await asyncio.sleep(self._drain_s)
        await self._close(old)
        if old in sockets:
            sockets.remove(old)

    def _handle(self, body: dict[str, Any] | None, source: _Socket) -> None:
        if body is None:
            return
        metadata = body["metadata"]
        kind = metadata.get("message_type")
        if kind == "notification":
            message_id = metadata.get("message_id", "")
            if message_id in self._seen:
                return
            self._seen[message_id] = None
            if len(self._seen) > self._seen_limit:
                self._seen.popitem(last=False)
            self._on_notification(metadata, body["payload"].get("event", {}))
        elif kind == "revocation":
            raise Revoked(str(body["payload"]["subscription"].get("status", "authorization_revoked")))

    @staticmethod
    def _decode(message: aiohttp.WSMessage) -> dict[str, Any] | None:
        if message.type != aiohttp.WSMsgType.TEXT:
            return None
        try:
            body = json.loads(message.data)
        except (ValueError, RecursionError):  # RecursionError: nested too deep for json's decoder
            logger.warning("EventSub sent a message that is not JSON")
            return {"metadata": {}, "payload": {}}
        return body if isinstance(body, dict) and isinstance(body.get("metadata"), dict) else None

    @staticmethod
    async def _close(socket: _Socket) -> None:
        if socket.reader is not None:
            socket.reader.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(socket.websocket.close(), timeout=2)
        if socket.reader is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await socket.reader


def _close_text(message: aiohttp.WSMessage) -> str:
    if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
        return f"close code {message.data}" if message.data else "closed"
    if message.type == aiohttp.WSMsgType.ERROR:
        return f"error {type(message.data).__name__}"
    return str(message.type.name)
