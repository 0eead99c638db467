"""The one way Greenroom talks to OBS Studio: obs-websocket v5 through obs-websocket-py, on one worker thread.

obs-websocket-py blocks, does not raise on failed requests, drops OBS's error comment, has no connect
timeout and deadlocks if a request is made from an event callback. This adapter keeps the library's
protocol pieces (authentication, request and event classes, event dispatch) and fixes the rest:

- every request runs on the adapter's single worker thread, so calls are serialised and never made
  from the receive thread; asyncio code awaits them with :meth:`ObsAdapter.acall` / :meth:`ObsAdapter.arun`;
- a failed request raises :class:`ObsRequestError` with the request name, status code and comment;
- connecting gives up after ``timeout`` seconds in all (TCP connect, HTTP upgrade and Hello/Identify
  together: a server that trickles one byte at a time cannot hold it longer); a wrong password raises
  :class:`ObsAuthError`;
- a request that gets no answer within ``timeout`` seconds in all marks the connection dead (OBS sends no
  keepalive);
- a malformed message (not JSON, nested too deeply, wrong types, missing fields) raises one
  :class:`ObsProtocolError` line naming what was wrong, never an AttributeError/TypeError/RecursionError;
- :meth:`ObsAdapter.areconnect` notices a restarted OBS within a tenth of a second (it probes the closed
  port cheaply) and backs off only when OBS answers and still fails; it gives up after close code 4011
  (another client kicked us: retrying would fight it) or a rejected password; status 207 (not ready) is
  retried briefly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import struct
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import websocket
from obswebsocket import events as obs_events
from obswebsocket import obsws
from obswebsocket.base_classes import Baserequests

from greenroom.backoff import Backoff
from greenroom.errors import GreenroomError

log = logging.getLogger(__name__)

T = TypeVar("T")

TEXT_SOURCE_KIND = "text_ft2_source_v2"

CLOSE_AUTHENTICATION_FAILED = 4009
CLOSE_KICKED = 4011
STATUS_NOT_READY = 207
STATUS_RESOURCE_NOT_FOUND = 600
STATUS_INVALID_RESOURCE_TYPE = 602

#: obs-websocket v5 RequestStatus codes, so errors say more than a number.
STATUS_NAMES = {
    203: "MissingRequestType",
    204: "UnknownRequestType",
    205: "GenericError",
    207: "NotReady",
    300: "MissingRequestField",
    301: "MissingRequestData",
    400: "InvalidRequestField",
    401: "InvalidRequestFieldType",
    402: "RequestFieldOutOfRange",
    403: "RequestFieldEmpty",
    404: "TooManyRequestFields",
    500: "OutputRunning",
    501: "OutputNotRunning",
    502: "OutputPaused",
    503: "OutputNotPaused",
    504: "OutputDisabled",
    505: "StudioModeActive",
    506: "StudioModeNotActive",
    600: "ResourceNotFound",
    601: "ResourceAlreadyExists",
    602: "InvalidResourceType",
    603: "NotEnoughResources",
    604: "InvalidResourceState",
    605: "InvalidInputKind",
    606: "ResourceNotConfigurable",
    607: "InvalidFilterKind",
    700: "ResourceCreationFailed",
    701: "ResourceActionFailed",
    702: "RequestProcessingFailed",
    703: "CannotAct",
}

#: How long a request answered with 207 (OBS not ready yet) is retried.
NOT_READY_RETRY_SECONDS = 3.0

#: While OBS's port refuses connections it is probed this often: a refused TCP connect costs next to
#: nothing, and a restarted OBS is then noticed within this time of accepting connections.
PORT_PROBE_INTERVAL = 0.1


class ObsError(GreenroomError):
    """Anything that went wrong talking to OBS."""


class ObsConnectionError(ObsError):
    """OBS cannot be reached, or the connection was lost; retrying later may help."""


class ObsUnreachableError(ObsConnectionError):
    """Nothing accepts connections on OBS's port (OBS not running, still starting, or the host is down)."""


class ObsAuthError(ObsError):
    """OBS refused our password; retrying with the same password cannot help."""


class ObsKickedError(ObsError):
    """OBS closed our session with code 4011 (kicked by the user or another client): do not reconnect."""


class ObsProtocolError(ObsError):
    """OBS (or whatever listens on its port) sent a message that is not what obs-websocket v5 sends."""


class ObsRequestError(ObsError):
    """OBS answered a request with a failure status."""

    def __init__(self, request: str, code: int, comment: str | None = None) -> None:
        self.request = request
        self.code = code
        self.comment = comment
        name = STATUS_NAMES.get(code, "unknown status")
        detail = f": {comment}" if comment else ""
        super().__init__(f"OBS refused {request} (status {code} {name}){detail}")


@dataclass(frozen=True)
class ObsEvent:
    """An OBS event, or ``ConnectionLost`` (data: ``code``, ``reason``) when the websocket closes."""

    type: str
    data: dict[str, Any]


@dataclass(frozen=True)
class ObsVersion:
    obs_version: str
    websocket_version: str
    platform: str


@dataclass(frozen=True)
class OutputStatus:
    """Stream or record output state as OBS reports it."""

    active: bool
    reconnecting: bool = False
    paused: bool = False
    timecode: str = "00:00:00.000"
    duration_ms: int = 0
    bytes: int = 0
    skipped_frames: int = 0
    total_frames: int = 0

    @property
    def state(self) -> str:
        if self.reconnecting:
            return "reconnecting"
        if self.paused:
            return "paused"
        return "active" if self.active else "stopped"


class _Client(obsws):
    """obsws with a connect timeout, close codes, thread-safe request ids and full request statuses."""

    def __init__(self, host: str, port: int, password: str, timeout: float,
                 on_closed: Callable[[int | None, str], None]) -> None:
        super().__init__(host, port, password, legacy=False, timeout=timeout)
        self._id_lock = threading.Lock()
        self._on_closed = on_closed
        self.alive = False
        #: The close code of the session that ended last; set before ``alive`` turns False, so whoever sees
        #: "not connected" can also see why (the listeners hear of it a moment later, after the socket closes).
        self.close_code: int | None = None

    def connect(self) -> None:
        """Connect and identify within ``timeout`` seconds overall, whatever the server does."""
        url = f"ws://{self.host}:{self.port}"
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as error:
            raise ObsUnreachableError(
                f"cannot connect to OBS at {self.host}:{self.port}: {_reason(error)} "
                "(is OBS running with its WebSocket server enabled?)"
            ) from None
        # The socket timeout bounds each read; the deadline bounds them all: when it passes, the socket
        # is shut down, which ends whichever read is waiting.
        deadline = _Deadline(sock, self.timeout)
        ws: websocket.WebSocket | None = None
        try:
            ws = websocket.create_connection(url, timeout=self.timeout, socket=sock, enable_multithread=True)
            self._identify(ws)
            if not deadline.disarm():
                raise ObsConnectionError("deadline passed")
        except BaseException as error:
            deadline.disarm()
            with contextlib.suppress(Exception):
                (ws.close(timeout=0.2) if ws is not None else sock.close())
            if deadline.expired:
                raise ObsConnectionError(
                    f"cannot connect to OBS at {self.host}:{self.port}: timed out "
                    f"(no complete handshake within {self.timeout:g} s)"
                ) from None
            if isinstance(error, OSError | websocket.WebSocketException):
                raise ObsConnectionError(
                    f"cannot connect to OBS at {self.host}:{self.port}: {_reason(error)} "
                    "(is OBS running with its WebSocket server enabled?)"
                ) from None
            raise
        ws.settimeout(None)
        self.ws = ws
        self.answers.clear()
        self.events.clear()
        self.close_code = None
        self.alive = True
        self.thread_recv = threading.Thread(target=self._receive, args=(ws,), name="obs-websocket-recv",
                                            daemon=True)
        self.thread_recv.start()

    def _identify(self, ws: websocket.WebSocket) -> None:
        try:
            hello = _json_message(ws)
            if hello.get("op") != 0:
                raise ObsConnectionError(f"OBS at {self.host}:{self.port} did not say Hello: is it obs-websocket v5?")
            hello_data = _mapping(hello.get("d"), "Hello")
            self.server_version = hello_data.get("obsWebSocketVersion")
            challenge = hello_data.get("authentication")
            identify: dict[str, Any] = {"rpcVersion": 1, "eventSubscriptions": 1023}
            if challenge:
                challenge = _mapping(challenge, "Hello authentication")
                identify["authentication"] = self._build_auth_string(
                    _text(challenge, "salt", "Hello authentication"),
                    _text(challenge, "challenge", "Hello authentication"),
                )
            ws.send(json.dumps({"op": 1, "d": identify}))
            identified = _json_message(ws)
        except _Closed as closed:
            if closed.code == CLOSE_AUTHENTICATION_FAILED:
                hint = "" if self.password else " (no password was given; OBS requires one)"
                raise ObsAuthError(f"OBS rejected the websocket password{hint}") from None
            raise ObsConnectionError(
                f"OBS at {self.host}:{self.port} closed the connection during the handshake "
                f"(code {closed.code}: {closed.reason or 'no reason given'})"
            ) from None
        except ObsProtocolError as error:
            raise ObsConnectionError(f"handshake with OBS at {self.host}:{self.port} failed: {error}") from None
        if identified.get("op") != 2:
            raise ObsConnectionError(f"OBS at {self.host}:{self.port} did not confirm the handshake")

    def _receive(self, ws: websocket.WebSocket) -> None:
        """Receive thread: hand answers to waiting requests and events to listeners; never calls OBS."""
        code: int | None = None
        reason = ""
        while True:
            try:
                message = _json_message(ws)
            except _Closed as closed:
                code, reason = closed.code, closed.reason
                break
            except (OSError, websocket.WebSocketException) as error:
                reason = _reason(error)
                break
            except ObsProtocolError as error:
                log.warning("ignored a malformed message from OBS: %s", error)
                continue
            op, payload = message.get("op"), message.get("d")
            if not isinstance(payload, dict):
                log.warning("ignored a message from OBS whose d is not an object")
                continue
            if op == 7:
                request_id = payload.get("requestId")
                waiter = self.events.get(request_id) if isinstance(request_id, str) else None
                if waiter is not None:
                    self.answers[request_id] = payload
                    waiter.set()
            elif op == 5:
                self._dispatch(payload)
        current = ws is self.ws
        if current:
            self.close_code = code
            self.alive = False
            for waiter in list(self.events.values()):
                waiter.set()
        with contextlib.suppress(Exception):
            ws.close(timeout=0.2)
        if current:
            self._on_closed(code, reason)

    def _dispatch(self, payload: dict[str, Any]) -> None:
        try:
            event = getattr(obs_events, payload["eventType"])()
            event.input(payload.get("eventData") or {})
            self.eventmanager.trigger(event)
        except Exception:
            log.exception("an OBS event listener failed")

    def request(self, name: str, data: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send one request and wait for its answer; returns the raw ``d`` of the RequestResponse."""
        if not self.alive or self.ws is None:
            raise ObsConnectionError(f"not connected to OBS at {self.host}:{self.port}")
        with self._id_lock:
            request_id = str(self.id)
            self.id += 1
        waiter = threading.Event()
        self.events[request_id] = waiter
        try:
            self.ws.send(json.dumps({"op": 6, "d": {"requestId": request_id, "requestType": name,
                                                    "requestData": data}}))
            answered = waiter.wait(timeout)
        except (OSError, websocket.WebSocketException) as error:
            self.drop()
            raise ObsConnectionError(f"lost the connection to OBS while sending {name}: {_reason(error)}") from None
        finally:
            self.events.pop(request_id, None)
        answer = self.answers.pop(request_id, None)
        if answer is not None:
            return answer
        if not answered:
            self.drop()
            raise ObsConnectionError(
                f"OBS at {self.host}:{self.port} did not answer {name} within {timeout:g} s; "
                "connection considered dead"
            )
        raise ObsConnectionError(f"lost the connection to OBS while waiting for {name}")

    def drop(self) -> None:
        """Close the socket so the receive thread ends and reports the loss."""
        self.alive = False
        if self.ws is not None:
            self.ws.abort()

    def close(self) -> None:
        self.alive = False
        ws, thread = self.ws, self.thread_recv
        if ws is not None:
            with contextlib.suppress(Exception):
                ws.close(timeout=0.5)
            with contextlib.suppress(Exception):
                ws.abort()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2)


class _Closed(Exception):
    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason


class _Deadline:
    """Shuts ``sock`` down after ``seconds`` unless disarmed first (the lock settles a tie)."""

    def __init__(self, sock: socket.socket, seconds: float) -> None:
        self._sock = sock
        self._lock = threading.Lock()
        self._settled = False
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def _expire(self) -> None:
        with self._lock:
            if self._settled:
                return
            self._settled = self.expired = True
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)

    def disarm(self) -> bool:
        """Stop the timer; False when it had already expired."""
        self._timer.cancel()
        with self._lock:
            self._settled = True
            return not self.expired


def _json_message(ws: websocket.WebSocket) -> dict[str, Any]:
    """The next text message as a JSON object; raises :class:`_Closed` on a close frame and
    :class:`ObsProtocolError` when the message is not JSON, nested too deeply or not an object."""
    while True:
        opcode, data = ws.recv_data()
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else None
            raise _Closed(code, data[2:].decode("utf-8", "replace"))
        if opcode in (websocket.ABNF.OPCODE_TEXT, websocket.ABNF.OPCODE_BINARY):
            try:
                message = json.loads(data)
            except RecursionError:  # json's C decoder stops cleanly at the interpreter's recursion limit
                raise ObsProtocolError("message is nested too deeply") from None
            except ValueError:
                raise ObsProtocolError("message is not JSON") from None
            if not isinstance(message, dict):
                raise ObsProtocolError("message is not a JSON object")
            return message


def _mapping(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ObsProtocolError(f"{what} is not a JSON object")
    return value


def _text(data: dict[str, Any], key: str, what: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise ObsProtocolError(f"{what}: {key} is {'missing' if value is None else 'not text'}")
    return value


def _number(data: dict[str, Any], key: str, what: str, default: int = 0) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ObsProtocolError(f"{what}: {key} is not a number")
    return int(value)


def _reason(error: BaseException) -> str:
    if isinstance(error, socket.timeout | TimeoutError | websocket.WebSocketTimeoutException):
        return "timed out"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, websocket.WebSocketConnectionClosedException):
        return "connection closed"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


class ObsAdapter:
    """A connection to one OBS, driven from one worker thread; safe to use from threads and asyncio.

    Sync methods may be called from any thread (they hop onto the worker and wait); from asyncio use
    ``await adapter.arun(adapter.method, ...)`` or ``await adapter.acall(...)`` so the loop never blocks.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 4455, password: str = "", *,
                 timeout: float = 5.0, backoff: Backoff | None = None) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self.backoff = backoff or Backoff(first_ms=250, max_ms=5_000)
        self._worker_flag = threading.local()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="obs-worker",
                                            initializer=self._mark_worker)
        self._client = _Client(host, port, password or "", timeout, self._connection_closed)
        self._listeners: list[Callable[[ObsEvent], None]] = []
        self._closed = threading.Event()
        self.last_close_code: int | None = None
        self._client.register(self._forward_event)

    def __repr__(self) -> str:
        return f"ObsAdapter({self.host}:{self.port}, connected={self.connected})"

    # -- threading -------------------------------------------------------------------------------

    def _mark_worker(self) -> None:
        self._worker_flag.is_worker = True

    def _on_worker(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if getattr(self._worker_flag, "is_worker", False):
            return function(*args, **kwargs)
        if self._closed.is_set():
            raise ObsConnectionError("the OBS adapter is closed")
        return self._executor.submit(function, *args, **kwargs).result()

    async def arun(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a sync adapter method on the worker thread without blocking the event loop."""
        if self._closed.is_set():
            raise ObsConnectionError("the OBS adapter is closed")
        return await asyncio.wrap_future(self._executor.submit(function, *args, **kwargs))

    # -- connection ------------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._client.alive

    def connect(self) -> None:
        """Connect and authenticate once; raises ObsConnectionError, ObsAuthError. No-op when connected."""
        self._on_worker(self._connect)

    def _connect(self) -> None:
        if self._client.alive:
            return
        self._client.connect()
        self.last_close_code = None
        log.info("connected to OBS at %s:%s", self.host, self.port)

    async def areconnect(self, stop: asyncio.Event | None = None) -> None:
        """Connect, retrying until it works; raises once ``stop`` is set, when OBS kicked us (close code
        4011) or rejected the password.

        When to retry, the one rule: while nothing accepts connections on OBS's port, the port is probed
        every :data:`PORT_PROBE_INTERVAL` seconds (a refused TCP connect costs next to nothing) and a full
        connect follows as soon as it accepts, so a restarted OBS is back in well under a second. Once an
        attempt has reached OBS and still failed (handshake refused or too slow), the next one waits
        :attr:`backoff` (250 ms doubling to 5 s by default) so a struggling OBS is not hammered; that
        series starts again from its first delay whenever the port is seen closed. The waits happen on
        the event loop, so a reconnecting show stays responsive.
        """
        failed_after_reaching_obs = 0
        while True:
            self.raise_if_kicked()
            try:
                await self.arun(self._connect)
                return
            except ObsUnreachableError:
                failed_after_reaching_obs = 0
                await self._wait_until_port_accepts(stop)
            except ObsConnectionError as error:
                delay = self.backoff.delay_ms(failed_after_reaching_obs) / 1000
                failed_after_reaching_obs += 1
                log.info("OBS answered but the connection failed (%s); retrying in %.2f s", error, delay)
                await self._pause(delay, stop)

    async def _wait_until_port_accepts(self, stop: asyncio.Event | None) -> None:
        """Return as soon as OBS's port accepts a TCP connection (closed again at once)."""
        while True:
            try:
                _, writer = await asyncio.wait_for(asyncio.open_connection(self.host, self.port),
                                                   max(self.timeout, PORT_PROBE_INTERVAL))
            except (OSError, TimeoutError):
                await self._pause(PORT_PROBE_INTERVAL, stop)
                continue
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return

    async def _pause(self, seconds: float, stop: asyncio.Event | None) -> None:
        if stop is None:
            await asyncio.sleep(seconds)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)
        if stop.is_set():
            raise ObsConnectionError("stopped while reconnecting to OBS")

    def raise_if_kicked(self) -> None:
        if CLOSE_KICKED in (self.last_close_code, self._client.close_code):
            raise ObsKickedError("OBS disconnected Greenroom on purpose (close code 4011); not reconnecting")

    def disconnect(self) -> None:
        self._on_worker(self._client.close)

    def close(self) -> None:
        """Disconnect and stop the worker thread. Idempotent."""
        if self._closed.is_set():
            return
        with contextlib.suppress(Exception):
            self.disconnect()
        self._closed.set()
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ObsAdapter:
        try:
            self.connect()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _connection_closed(self, code: int | None, reason: str) -> None:
        """Runs on the receive thread: record why, tell listeners; never touches OBS from here."""
        if code is not None:
            self.last_close_code = code
        log.info("connection to OBS closed (code %s %s)", code, reason)
        self._notify(ObsEvent("ConnectionLost", {"code": code, "reason": reason}))

    # -- events ----------------------------------------------------------------------------------

    def add_listener(self, callback: Callable[[ObsEvent], None]) -> None:
        """Call ``callback`` for every event, on the receive thread: it must only hand the event on
        (queue, ``loop.call_soon_threadsafe``) and never call OBS, which would deadlock."""
        self._listeners.append(callback)

    def remove_listener(self, callback: Callable[[ObsEvent], None]) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(callback)

    def event_queue(self, loop: asyncio.AbstractEventLoop) -> asyncio.Queue[ObsEvent]:
        """An asyncio queue receiving every event (and ConnectionLost) on ``loop``."""
        queue: asyncio.Queue[ObsEvent] = asyncio.Queue()

        def forward(event: ObsEvent) -> None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(queue.put_nowait, event)

        self.add_listener(forward)
        return queue

    def _forward_event(self, event: Any) -> None:
        self._notify(ObsEvent(event.name, dict(event.datain)))

    def _notify(self, event: ObsEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("OBS event listener %r failed", listener)

    # -- requests --------------------------------------------------------------------------------

    def call(self, request: str | Baserequests, **data: Any) -> dict[str, Any]:
        """Send a request (name + fields, or an obswebsocket ``requests.X(...)`` object); return its data.

        Raises ObsRequestError on a failure status, ObsConnectionError when OBS is gone. A request
        object also gets ``status`` and ``datain`` filled in, as obs-websocket-py does.
        """
        return self._on_worker(self._call, request, data)

    async def acall(self, request: str | Baserequests, **data: Any) -> dict[str, Any]:
        return await self.arun(self._call, request, data)

    def _call(self, request: str | Baserequests, data: dict[str, Any]) -> dict[str, Any]:
        if isinstance(request, Baserequests):
            name, payload = request.name, {**request.data(), **data}
        else:
            name, payload = request, data
        give_up = time.monotonic() + NOT_READY_RETRY_SECONDS
        while True:
            answer = self._client.request(name, payload, self.timeout)
            what = f"OBS's answer to {name}"
            status = _mapping(answer.get("requestStatus"), f"{what}: requestStatus")
            code = _number(status, "code", what)
            succeeded = status.get("result")
            if not isinstance(succeeded, bool):
                raise ObsProtocolError(f"{what}: requestStatus.result is not true or false")
            result = _mapping(answer.get("responseData") or {}, f"{what}: responseData")
            if isinstance(request, Baserequests):
                request.input(result, succeeded)
            if succeeded:
                return result
            if code == STATUS_NOT_READY and time.monotonic() < give_up:
                time.sleep(0.1)
                continue
            comment = status.get("comment")
            raise ObsRequestError(name, code, comment if isinstance(comment, str) else None)

    # -- what Greenroom needs --------------------------------------------------------------------

    def version(self) -> ObsVersion:
        data = self.call("GetVersion")
        return ObsVersion(str(data.get("obsVersion", "?")), str(data.get("obsWebSocketVersion", "?")),
                          str(data.get("platformDescription") or data.get("platform", "?")))

    def current_program_scene(self) -> str:
        return _text(self.call("GetCurrentProgramScene"), "currentProgramSceneName", "GetCurrentProgramScene")

    def set_program_scene(self, name: str) -> None:
        self.call("SetCurrentProgramScene", sceneName=name)

    def scene_names(self) -> list[str]:
        """Scene names in the order OBS shows them (top first)."""
        what = "OBS's answer to GetSceneList"
        scenes = self.call("GetSceneList").get("scenes", [])
        if not isinstance(scenes, list):
            raise ObsProtocolError(f"{what}: scenes is not a list")
        listed = [(_number(_mapping(scene, f"{what}: a scene"), "sceneIndex", what),
                   _text(scene, "sceneName", what)) for scene in scenes]
        return [name for _, name in sorted(listed, key=lambda pair: -pair[0])]

    def stream_status(self) -> OutputStatus:
        data, what = self.call("GetStreamStatus"), "OBS's answer to GetStreamStatus"
        return OutputStatus(
            active=bool(data.get("outputActive")),
            reconnecting=bool(data.get("outputReconnecting")),
            timecode=str(data.get("outputTimecode", "00:00:00.000")),
            duration_ms=_number(data, "outputDuration", what),
            bytes=_number(data, "outputBytes", what),
            skipped_frames=_number(data, "outputSkippedFrames", what),
            total_frames=_number(data, "outputTotalFrames", what),
        )

    def record_status(self) -> OutputStatus:
        data, what = self.call("GetRecordStatus"), "OBS's answer to GetRecordStatus"
        return OutputStatus(
            active=bool(data.get("outputActive")),
            paused=bool(data.get("outputPaused")),
            timecode=str(data.get("outputTimecode", "00:00:00.000")),
            duration_ms=_number(data, "outputDuration", what),
            bytes=_number(data, "outputBytes", what),
        )

    def start_stream(self) -> None:
        self.call("StartStream")

    def stop_stream(self) -> None:
        self.call("StopStream")

    def start_record(self) -> None:
        self.call("StartRecord")

    def stop_record(self) -> str:
        """Stop recording and wait (up to ``timeout``) until OBS has finished the file; returns its path."""
        return self._on_worker(self._stop_record)

    def _stop_record(self) -> str:
        path = str(self._call("StopRecord", {}).get("outputPath", ""))
        deadline = time.monotonic() + self.timeout
        while self._call("GetRecordStatus", {}).get("outputActive") and time.monotonic() < deadline:
            time.sleep(0.05)
        return path

    def set_stream_destination(self, server: str, key: str) -> None:
        """Stream to a custom RTMP server (e.g. the YouTube ingestion address and stream key)."""
        self.call("SetStreamServiceSettings", streamServiceType="rtmp_custom",
                  streamServiceSettings={"server": server, "key": key})

    def stream_destination(self) -> tuple[str, str]:
        """(server, key) OBS streams to; the key is a secret: never log it."""
        what = "OBS's answer to GetStreamServiceSettings"
        settings = _mapping(self.call("GetStreamServiceSettings").get("streamServiceSettings", {}), what)
        return str(settings.get("server", "")), str(settings.get("key", ""))

    def record_directory(self) -> str:
        return _text(self.call("GetRecordDirectory"), "recordDirectory", "OBS's answer to GetRecordDirectory")

    def get_stats(self) -> dict[str, Any]:
        """OBS performance figures (fps, CPU, render/output skipped frames, memory)."""
        return self.call("GetStats")

    def ensure_text_source(self, scene: str, source_name: str) -> bool:
        """Make sure a text source named ``source_name`` is shown in ``scene``; True if something was created."""
        return self._on_worker(self._ensure_text_source, scene, source_name)

    def _ensure_text_source(self, scene: str, source_name: str) -> bool:
        try:
            self._call("GetSceneItemId", {"sceneName": scene, "sourceName": source_name})
            return False
        except ObsRequestError as error:
            if error.code != STATUS_RESOURCE_NOT_FOUND:
                raise
        try:
            kind = self._call("GetInputSettings", {"inputName": source_name}).get("inputKind")
        except ObsRequestError as error:
            if error.code == STATUS_INVALID_RESOURCE_TYPE:
                raise ObsError(f"OBS source {source_name!r} exists but is a scene, not a text source") from None
            if error.code != STATUS_RESOURCE_NOT_FOUND:
                raise
            self._call("CreateInput", {"sceneName": scene, "inputName": source_name, "inputKind": TEXT_SOURCE_KIND,
                                       "inputSettings": {"text": ""}, "sceneItemEnabled": True})
            return True
        if kind != TEXT_SOURCE_KIND:
            raise ObsError(f"OBS source {source_name!r} exists but is a {kind}, not a text source")
        self._call("CreateSceneItem", {"sceneName": scene, "sourceName": source_name, "sceneItemEnabled": True})
        return True

    def set_text(self, source_name: str, text: str) -> None:
        self.call("SetInputSettings", inputName=source_name, inputSettings={"text": text}, overlay=True)

    def get_text(self, source_name: str) -> str:
        what = "OBS's answer to GetInputSettings"
        settings = _mapping(self.call("GetInputSettings", inputName=source_name).get("inputSettings", {}), what)
        text = settings.get("text", "")
        if not isinstance(text, str):
            raise ObsProtocolError(f"{what}: text is not text")
        return text
