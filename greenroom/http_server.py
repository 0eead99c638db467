"""Serving an aiohttp app from the running loop, loopback by default: the one way both tools listen.

The control room (livekit) and the one-click unsubscribe endpoint (outreach) differ only in their access
log (a path-only log, or none because tokens travel in the query string), so that is the one option.

Both bound what a client may hold, since aiohttp's server has no deadline for a request's head or body
(a client sending one header line every few seconds kept a connection for minutes, thousands at once):

- a cap on open connections (:attr:`ConnectionLimits.max_connections`): one more is answered 503 and
  closed at once, before it is read;
- a deadline for the request head: from the connection (or from the first byte of the next request on a
  kept-alive connection) to the end of the headers, else the connection is closed;
- a deadline for the request body while the handler waits for it, else 408 and the connection closes;
- an idle timeout between requests on a kept-alive connection (it starts when the app returns its answer,
  so a client that never reads a response is cut too; aiohttp's own ``keepalive_timeout`` is set to it
  as well).

Each connection's protocol is wrapped (:class:`_GuardedConnection`) to count it and watch its head and idle
deadlines; an outermost middleware (:func:`_request_deadlines`) tells it when a request reaches the app and
when the app is done with it, and keeps the body deadline. A websocket is a request the app is still
handling, so once upgraded no deadline here applies to it (the control room has its own auth timeout and
heartbeat).
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

DEFAULT_HOST = "127.0.0.1"

#: What a connection over the cap gets before it is closed, unread (a raw answer: no request was parsed).
_TOO_MANY_CONNECTIONS = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Length: 42\r\nConnection: close\r\nRetry-After: 10\r\n\r\n"
    b"too many open connections: try again soon\n"
)


@dataclass(frozen=True)
class ConnectionLimits:
    """How long a client may take and how many may be connected at once (seconds, connections)."""

    #: From the connection, or from the first byte of the next request, to the end of the request head.
    head_timeout: float = 10.0
    #: From the end of the head to the end of the body, while the app waits for the body.
    body_timeout: float = 30.0
    #: Between the end of a request and the first byte of the next one on a kept-alive connection.
    idle_timeout: float = 15.0
    #: Open connections at once, websockets included; a page or a Stream Deck holds one or two.
    max_connections: int = 256


class _Phase(enum.Enum):
    HEAD = "waiting for the end of a request head"
    HANDLING = "the app has the request"
    IDLE = "kept alive between requests"


@dataclass
class _ConnectionGuard:
    """The limits and the count of open connections for one server."""

    limits: ConnectionLimits
    #: aiohttp's protocol factory (the runner's ``Server``): one protocol per connection.
    server_factory: Callable[[], asyncio.Protocol] = field(repr=False)
    open_connections: int = 0
    refused_connections: int = 0

    def protocol(self) -> asyncio.Protocol:
        """The protocol factory given to ``loop.create_server``: one guarded connection, or a refusal."""
        if self.open_connections >= self.limits.max_connections:
            self.refused_connections += 1
            return _RefusedConnection()
        self.open_connections += 1
        return _GuardedConnection(self.server_factory(), self)


class _RefusedConnection(asyncio.Protocol):
    """A connection over the cap: answered 503 and closed without reading it."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(_TOO_MANY_CONNECTIONS)
        transport.close()


class _GuardedConnection(asyncio.Protocol):
    """aiohttp's own protocol for one connection, wrapped to count it and keep its head and idle deadlines.

    Every protocol call is passed on unchanged; only the timer is added. A deadline that passes aborts the
    transport (nothing is being answered then: the request has not reached the app, or the app is done).
    """

    def __init__(self, inner: asyncio.Protocol, guard: _ConnectionGuard) -> None:
        self.inner = inner
        self.guard = guard
        self.limits = guard.limits
        self.transport: asyncio.Transport | None = None
        self.phase = _Phase.HEAD
        self.deadline: asyncio.TimerHandle | None = None

    def _arm(self, seconds: float | None) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
        self.deadline = None
        if seconds is not None and self.transport is not None:
            self.deadline = asyncio.get_running_loop().call_later(seconds, self._expire)

    def _expire(self) -> None:
        self.deadline = None
        if self.transport is not None and self.phase is not _Phase.HANDLING:
            self.transport.abort()

    def request_started(self) -> None:
        """The head is complete and the app has the request: the app's own time has no deadline here."""
        self.phase = _Phase.HANDLING
        self._arm(None)

    def request_finished(self) -> None:
        """The app has answered: the connection idles until the next request starts."""
        self.phase = _Phase.IDLE
        self._arm(self.limits.idle_timeout)

    # -- asyncio.Protocol, passed on --

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._arm(self.limits.head_timeout)
        self.inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self.phase is _Phase.IDLE:
            self.phase = _Phase.HEAD
            self._arm(self.limits.head_timeout)
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received()

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        self._arm(None)
        self.transport = None
        self.guard.open_connections -= 1
        self.inner.connection_lost(exc)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def _request_deadlines(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Tells the connection when the app has a request and when it is done; keeps the body deadline.

    A request served some other way (aiohttp's test server) passes through untouched."""
    transport = request.transport
    connection = transport.get_protocol() if transport is not None else None
    if not isinstance(connection, _GuardedConnection):
        return await handler(request)
    connection.request_started()
    try:
        return await _within_body_deadline(request, handler, connection.limits.body_timeout)
    finally:
        connection.request_finished()


async def _within_body_deadline(request: web.Request, handler: Handler, seconds: float) -> web.StreamResponse:
    """Runs the handler; if the body has not all arrived ``seconds`` after the head, answers 408 and closes.

    Once the body is complete the handler's own time is not limited (an action may wait for OBS)."""
    body = request.content
    if body.is_eof():
        return await handler(request)
    handler_done = False

    def body_complete() -> None:
        # Called by aiohttp's reader at the end of the body, which may come after the handler or the deadline.
        if not handler_done and not deadline.expired():
            deadline.reschedule(None)

    try:
        async with asyncio.timeout(seconds) as deadline:
            body.on_eof(body_complete)
            try:
                return await handler(request)
            finally:
                handler_done = True
    except TimeoutError:
        if not deadline.expired():
            raise
    response = web.Response(status=408, text="the request body did not arrive in time\n")
    response.force_close()
    return response


def _http_url(host: str, port: int) -> str:
    """``http://host:port``, an IPv6 address in brackets."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@dataclass
class ServedApp:
    """A running server; ``port`` is the real one when 0 was asked for."""

    runner: web.AppRunner
    host: str
    port: int
    guard: _ConnectionGuard = field(repr=False)

    @property
    def url(self) -> str:
        return _http_url(self.host, self.port)

    @property
    def open_connections(self) -> int:
        return self.guard.open_connections

    async def close(self) -> None:
        """Close open connections (websockets get the app's shutdown handlers), then stop listening."""
        await self.runner.cleanup()


class _GuardedSite(web.BaseSite):
    """aiohttp's ``TCPSite`` with each connection's protocol made by the guard."""

    __slots__ = ("_host", "_port", "_guard")

    def __init__(self, runner: web.AppRunner, host: str, port: int, guard: _ConnectionGuard) -> None:
        super().__init__(runner)
        self._host = host
        self._port = port
        self._guard = guard

    @property
    def name(self) -> str:
        return _http_url(self._host, self._port)

    async def start(self) -> None:
        await super().start()
        self._server = await asyncio.get_running_loop().create_server(
            self._guard.protocol, self._host, self._port, backlog=self._backlog
        )


async def serve(
    app: web.Application, host: str, port: int, *, limits: ConnectionLimits | None = None, **access_log: Any
) -> ServedApp:
    """Start serving ``app`` on the running loop and return at once; call ``close()`` to stop.

    ``limits`` bounds slow clients and open connections (the defaults of :class:`ConnectionLimits`); the
    app gets the middleware that keeps them as its outermost one. ``access_log`` goes to aiohttp's
    ``AppRunner`` (``access_log=None`` for none, or a logger and its ``access_log_class``). Signals stay
    with the caller's loop, which shuts down in its own order."""
    limits = limits or ConnectionLimits()
    if _request_deadlines not in app.middlewares:
        app.middlewares.insert(0, _request_deadlines)
    runner = web.AppRunner(
        app, handle_signals=False, shutdown_timeout=1.0, keepalive_timeout=limits.idle_timeout, **access_log
    )
    await runner.setup()
    assert runner.server is not None
    guard = _ConnectionGuard(limits, runner.server)
    await _GuardedSite(runner, host, port, guard).start()
    addresses = runner.addresses
    return ServedApp(runner, host, addresses[0][1] if addresses else port, guard)
