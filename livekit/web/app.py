"""The control room web app: three pages, one websocket each, and an HTTP automation API.

The runner owns the show; this app only renders its state (filtered per page by :mod:`livekit.web.views`)
and forwards producer actions to :meth:`LiveShowPort.act`. Every state change reaches every open page at
once over its websocket. The server is the only clock: pages estimate their offset to it with pings.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import weakref
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from greenroom.errors import GreenroomError
from greenroom.templates import default_templates_dir
from livekit.control.actions import ACTIONS, Action, HttpRoute, action_names, public_description
from livekit.control.port import (
    ActionError,
    ConfirmationNeeded,
    LiveShowPort,
    NotFound,
    ShowState,
    StaleAction,
)
from livekit.core.clock import wall_clock_ms
from livekit.web.security import (
    OriginPolicy,
    add_security_headers,
    bearer_token,
    token_matches,
)
from livekit.web.views import VIEWS, view_of

log = logging.getLogger(__name__)

PORT_KEY = web.AppKey("live_show_port", LiveShowPort)
TOKEN_KEY = web.AppKey("control_token", str)
POLICY_KEY = web.AppKey("origin_policy", OriginPolicy)
SOCKETS_KEY: web.AppKey[weakref.WeakSet[web.WebSocketResponse]] = web.AppKey("open_websockets")
CLOCK_KEY: web.AppKey[Callable[[], int]] = web.AppKey("server_clock")
DIRS_KEY: web.AppKey[dict[str, Path]] = web.AppKey("page_dirs")
#: Per view, the last state and its JSON text.
CACHE_KEY: web.AppKey[dict[str, tuple[ShowState, str]]] = web.AppKey("view_cache")

PAGES = {"control": ("web", "control.html"), "presenter": ("web", "presenter.html"), "overlay": ("overlay", "overlay.html")}
STATIC_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\.(js|css|png|svg|woff2)$")
AUTH_TIMEOUT_S = 10
MAX_WS_MESSAGE = 64 * 1024
#: Close code a control page gets when its token is refused (4000-4999 are for applications).
WS_CLOSE_UNAUTHORISED = 4401

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def create_app(
    port: LiveShowPort,
    token: str,
    *,
    allow_origin: str | None = None,
    allowed_hosts: Iterable[str] = (),
    overlay_dir: Path | None = None,
    clock: Callable[[], int] = wall_clock_ms,
) -> web.Application:
    """Build the app. ``token`` guards every control action; ``allow_origin`` admits one more browser origin
    (e.g. a Companion web button page); ``allowed_hosts`` adds host names (when served beyond loopback);
    ``overlay_dir`` replaces the default overlay (``overlay.html`` + its files) with the team's own.
    """
    if not token or len(token) < 16:
        raise GreenroomError("the control token must be at least 16 characters long")
    app = web.Application(middlewares=[_host_and_origin_guard], client_max_size=256 * 1024)
    app[PORT_KEY] = port
    app[TOKEN_KEY] = token
    app[POLICY_KEY] = OriginPolicy(allow_origin, allowed_hosts)
    app[SOCKETS_KEY] = weakref.WeakSet()
    app[CLOCK_KEY] = clock
    templates = default_templates_dir()
    app[DIRS_KEY] = {"web": templates / "web", "overlay": Path(overlay_dir) if overlay_dir else templates / "overlay"}
    app[CACHE_KEY] = {}
    app.on_response_prepare.append(add_security_headers)
    app.on_shutdown.append(_close_websockets)
    app.add_routes(
        [
            web.get("/", _index),
            web.get("/favicon.ico", _favicon),
            web.get("/control", _page("control")),
            web.get("/presenter", _page("presenter")),
            web.get("/overlay", _page("overlay")),
            web.get("/static/{folder:web|overlay}/{name}", _static_file),
            web.get("/ws/{view}", _websocket),
        ]
    )
    app.add_routes([web.route(method, path, _authorised(handler)) for method, path, handler, _ in API_ROUTES])
    app.add_routes([web.route(route.method, route.path, _authorised(_action_handler(action, route)))
                    for action in ACTIONS for route in action.routes])
    # After the table's routes: a misspelt action on a Stream Deck button gets a JSON 404 naming the choices.
    app.add_routes([web.post("/api/show/{action}", _authorised(_unknown_action("show"))),
                    web.post("/api/questions/{id}/{action}", _authorised(_unknown_action("questions")))])
    return app


# -- guards ------------------------------------------------------------------------------------------


@web.middleware
async def _host_and_origin_guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    policy = request.app[POLICY_KEY]
    if not policy.host_allowed(request):
        return _error(403, "this host name is not allowed: use localhost or the IP address")
    changes_something = request.method not in ("GET", "HEAD", "OPTIONS")
    is_websocket = request.headers.get("Upgrade", "").lower() == "websocket"
    if (changes_something or is_websocket) and not policy.origin_allowed(request):
        return _error(403, "cross-origin request refused")
    return await handler(request)


def _authorised(handler: Handler) -> Handler:
    async def guarded(request: web.Request) -> web.StreamResponse:
        if not token_matches(request.app[TOKEN_KEY], bearer_token(request)):
            response = _error(401, "missing or wrong token: send Authorization: Bearer <token>")
            response.headers["WWW-Authenticate"] = 'Bearer realm="livekit"'
            return response
        return await handler(request)

    return guarded


def _error(status: int, message: str, **details: object) -> web.Response:
    return web.json_response({"ok": False, "error": message, **details}, status=status)


#: HTTP status per kind of refusal: a stale or unconfirmed press is a conflict with the show's state.
_STATUS_OF = ((StaleAction, 409), (ConfirmationNeeded, 409), (NotFound, 404))


def refusal(error: GreenroomError) -> tuple[int, dict[str, object]]:
    """The HTTP status and the JSON fields (``error``, ``code``, ``confirm``) that describe a refusal."""
    status = next((status for kind, status in _STATUS_OF if isinstance(error, kind)), 400)
    body: dict[str, object] = {"error": str(error), "code": error.code if isinstance(error, ActionError) else "refused"}
    if isinstance(error, ConfirmationNeeded):
        body["confirm"] = error.confirm
    return status, body


def _load_json(text: str) -> object:
    """``json.loads`` for what clients send: JSON nested too deep to parse is refused like bad JSON."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("the JSON is nested too deeply") from None


# -- pages -------------------------------------------------------------------------------------------


async def _index(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/presenter")


async def _favicon(request: web.Request) -> web.StreamResponse:
    """Browsers ask for it on every page; a quiet answer keeps the log and the console clean."""
    path = request.app[DIRS_KEY]["web"] / "favicon.svg"
    if path.is_file():
        return web.FileResponse(path, headers={"Content-Type": "image/svg+xml"})
    return web.Response(status=204)


def _inside(folder: Path, path: Path) -> bool:
    """True when ``path``, symlinks resolved, is a file inside ``folder`` (a link must not lead out)."""
    try:
        return path.resolve(strict=True).is_relative_to(folder.resolve(strict=True)) and path.is_file()
    except (OSError, RuntimeError):
        return False


def _page(name: str) -> Handler:
    folder, filename = PAGES[name]

    async def page(request: web.Request) -> web.StreamResponse:
        path = request.app[DIRS_KEY][folder] / filename
        if not _inside(request.app[DIRS_KEY][folder], path):
            return _error(404, f"page template {filename} is missing from its folder")
        return web.FileResponse(path, headers={"Content-Type": "text/html; charset=utf-8"})

    return page


async def _static_file(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if not STATIC_NAME.match(name):
        raise web.HTTPNotFound()
    folder = request.app[DIRS_KEY][request.match_info["folder"]]
    path = folder / name
    if not _inside(folder, path):
        raise web.HTTPNotFound()
    return web.FileResponse(path)


# -- websocket ---------------------------------------------------------------------------------------


def _serialised(app: web.Application, state: ShowState, view: str) -> str:
    """Each state is filtered and encoded once per view, however many pages show it."""
    cache = app[CACHE_KEY]
    cached = cache.get(view)
    if cached is not None and cached[0] is state:
        return cached[1]
    text = json.dumps({"type": "state", "state": view_of(state, view)}, default=str, ensure_ascii=False)
    cache[view] = (state, text)
    return text


class _Connection:
    """One page's websocket: serialised sends, state pushes after auth, pings answered at once."""

    def __init__(self, request: web.Request, ws: web.WebSocketResponse, view: str) -> None:
        self.app = request.app
        self.ws = ws
        self.view = view
        self.authorised = view != "control"
        self.send_lock = asyncio.Lock()
        self.pusher: asyncio.Task[None] | None = None
        self.queue: asyncio.Queue[ShowState] | None = None

    async def send(self, text: str) -> None:
        async with self.send_lock:
            if not self.ws.closed:
                await self.ws.send_str(text)

    async def send_json(self, data: dict[str, Any]) -> None:
        await self.send(json.dumps(data, default=str, ensure_ascii=False))

    def start_pushing(self) -> None:
        port = self.app[PORT_KEY]
        self.queue = port.subscribe()
        self.pusher = asyncio.ensure_future(self._push(port.state()))

    async def _push(self, first: ShowState) -> None:
        assert self.queue is not None
        state = first
        try:
            while True:
                await self.send(_serialised(self.app, state, self.view))
                state = await self.queue.get()
        except (ConnectionResetError, RuntimeError):
            await self.ws.close()

    async def stop(self) -> None:
        if self.pusher is not None:
            self.pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.pusher
        if self.queue is not None:
            self.app[PORT_KEY].unsubscribe(self.queue)

    async def handle(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "ping":
            await self.send_json({"type": "pong", "t0": message.get("t0"), "server_ms": self.app[CLOCK_KEY]()})
        elif kind == "auth" and self.view == "control":
            await self._authenticate(message.get("token"))
        elif kind == "action":
            await self._act(message)
        else:
            await self.send_json({"type": "error", "error": f"unknown message type {kind!r}"})

    async def _authenticate(self, offered: Any) -> None:
        if self.authorised:
            return
        if not isinstance(offered, str) or not token_matches(self.app[TOKEN_KEY], offered):
            await self.send_json({"type": "auth", "ok": False, "error": "wrong token"})
            await self.ws.close(code=WS_CLOSE_UNAUTHORISED, message=b"wrong token")
            return
        self.authorised = True
        await self.send_json({"type": "auth", "ok": True})
        self.start_pushing()

    async def _act(self, message: dict[str, Any]) -> None:
        request_id = message.get("id")
        if self.view != "control" or not self.authorised:
            await self.send_json({"type": "result", "id": request_id, "ok": False, "error": "not allowed"})
            return
        action, params = message.get("action"), _action_params(message)
        if not isinstance(action, str) or not isinstance(params, dict):
            await self.send_json({"type": "result", "id": request_id, "ok": False, "error": "bad action"})
            return
        try:
            await self.app[PORT_KEY].act(action, params)
        except GreenroomError as error:
            _status, body = refusal(error)
            await self.send_json({"type": "result", "id": request_id, "ok": False, **body})
            return
        except Exception:
            log.exception("action %s failed", action)
            await self.send_json({"type": "result", "id": request_id, "ok": False, "error": "internal error"})
            return
        await self.send_json({"type": "result", "id": request_id, "ok": True})


async def _websocket(request: web.Request) -> web.StreamResponse:
    view = request.match_info["view"]
    if view not in VIEWS:
        raise web.HTTPNotFound()
    ws = web.WebSocketResponse(heartbeat=10, max_msg_size=MAX_WS_MESSAGE)
    await ws.prepare(request)
    request.app[SOCKETS_KEY].add(ws)
    connection = _Connection(request, ws, view)
    await connection.send_json({"type": "hello", "view": view, "auth_required": not connection.authorised})
    deadline = None
    if connection.authorised:
        connection.start_pushing()
    else:
        deadline = asyncio.get_running_loop().call_later(
            AUTH_TIMEOUT_S, lambda: None if connection.authorised else asyncio.ensure_future(ws.close())
        )
    try:
        async for frame in ws:
            if frame.type != WSMsgType.TEXT:
                continue
            try:
                message = _load_json(frame.data)
            except ValueError:
                message = None
            if not isinstance(message, dict):
                await connection.send_json({"type": "error", "error": "messages are JSON objects"})
                continue
            await connection.handle(message)
    finally:
        if deadline is not None:
            deadline.cancel()
        await connection.stop()
    return ws


async def _close_websockets(app: web.Application) -> None:
    """On shutdown every page is told at once (it then shows 'disconnected' and retries)."""
    sockets = app[SOCKETS_KEY]
    for ws in list(sockets):
        with contextlib.suppress(Exception):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutting down")


# -- HTTP automation API -----------------------------------------------------------------------------


def _refusal_text(message: str) -> str:
    """The API's JSON refusal (as :func:`_error` answers it), for an HTTP exception raised mid-handler."""
    return json.dumps({"ok": False, "error": message})


async def _body_text(request: web.Request) -> str:
    """The body as text, refused in the API's JSON shape when it is too large or cannot be decoded.

    aiohttp's ``request.text()`` would let an unknown charset (``charset=bogus``) or bytes that are not
    in the declared one escape as a 500 with a traceback; its 413 is plain text."""
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        limit = request.client_max_size
        raise web.HTTPRequestEntityTooLarge(
            limit, text=_refusal_text(f"the body is larger than {limit // 1024} KB"), content_type="application/json"
        ) from None
    charset = request.charset or "utf-8"
    try:
        return body.decode(charset)
    except LookupError:
        problem = f"unknown charset {charset[:40]!r}: send the JSON as UTF-8"
    except UnicodeDecodeError:
        problem = f"the body is not valid {charset[:40]}: send the JSON as UTF-8"
    raise web.HTTPBadRequest(text=_refusal_text(problem), content_type="application/json")


async def _params(request: web.Request) -> dict[str, Any]:
    """Parameters from a JSON body and/or the query string (Stream Deck buttons often only set the URL)."""
    params: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        try:
            body = _load_json(await _body_text(request))
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text=_refusal_text("the body must be a JSON object"),
                                     content_type="application/json")
        params.update(body)
    return params


def _action_params(message: dict[str, Any]) -> object:
    """The ``params`` of an action message: an object, or none at all (``null`` or missing is ``{}``).

    Anything else (``[]``, ``""``, ``0``) is returned as it is, to be refused, not read as no parameters."""
    params = message.get("params")
    return {} if params is None else params


async def _perform(request: web.Request, action: str, params: dict[str, Any]) -> web.Response:
    port = request.app[PORT_KEY]
    # The runner carries out an action before its first await, so a guest that is new after it is ours.
    guests_before = {guest["id"] for guest in port.state()["guests"]} if action == "guests.add" else set()
    try:
        state = await port.act(action, params)
    except GreenroomError as error:
        status, body = refusal(error)
        return web.json_response({"ok": False, **body}, status=status, dumps=_dumps)
    reply: dict[str, Any] = {"ok": True, "state": view_of(state, "control")}
    if action == "guests.add":
        added = [guest["id"] for guest in state["guests"] if guest["id"] not in guests_before]
        reply["id"] = min(added) if added else None
    return web.json_response(reply, dumps=_dumps)


def _dumps(data: Any) -> str:
    return json.dumps(data, default=str, ensure_ascii=False)


def _action_handler(action: Action[Any], route: HttpRoute) -> Handler:
    """One route of the action table: path placeholders, then body and query, then the route's defaults."""

    async def handler(request: web.Request) -> web.StreamResponse:
        params = {**route.defaults, **await _params(request), **request.match_info}
        return await _perform(request, action.name, params)

    return handler


def _unknown_action(family: str) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        names = [name.partition(".")[2] for name in action_names(family)]
        return _error(404, f"unknown {family} action {request.match_info['action']!r}; use {', '.join(names)}")

    return handler


async def _api_state(request: web.Request) -> web.Response:
    return web.json_response(view_of(request.app[PORT_KEY].state(), "control"), dumps=_dumps)


async def _api_guests(request: web.Request) -> web.Response:
    return web.json_response(request.app[PORT_KEY].state()["guests"], dumps=_dumps)


async def _api_actions(request: web.Request) -> web.Response:
    return web.json_response({"actions": public_description()}, dumps=_dumps)


async def _api_action(request: web.Request) -> web.Response:
    body = await _params(request)
    action, params = body.get("action"), _action_params(body)
    if not isinstance(action, str) or not isinstance(params, dict):
        return _error(400, 'send {"action": "...", "params": {...}}')
    return await _perform(request, action, params)


#: The API's routes besides the action table's: (method, path, handler, what it does) for the README.
API_ROUTES: tuple[tuple[str, str, Handler, str], ...] = (
    ("GET", "/api/state", _api_state, "full state (it holds private notes, hence the token)"),
    ("GET", "/api/guests", _api_guests, "the guest queue"),
    ("GET", "/api/actions", _api_actions, "this table as JSON: every action, its parameters and routes"),
    ("POST", "/api/action", _api_action, 'any action: `{"action": "show.next", "params": {}}`'),
)
