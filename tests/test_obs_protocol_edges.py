"""Adapter behaviour on obs-websocket conditions a headless OBS cannot be made to produce on demand.

A minimal obs-websocket v5 server (aiohttp, the real wire format: Hello/Identify/Identified, requests,
close codes) stands in for OBS only here: being kicked (4011), a server that stops answering, "not ready"
(207) answers, and the attacks of a hostile server on OBS's port: bytes trickled to hold the connect,
messages that are not JSON, nested too deeply, or of the wrong shape. Everything else is tested against
real OBS.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import threading
import time
from collections.abc import Callable

import pytest
from aiohttp import WSCloseCode, web

from greenroom.backoff import Backoff
from livekit.obs.adapter import ObsAdapter, ObsConnectionError, ObsError, ObsKickedError, ObsProtocolError
from tests.helpers import eventually


class LoopbackWebsocketServer:
    """An aiohttp websocket server on a free loopback port; subclasses answer in ``_session``."""

    port = 0
    _runner: web.AppRunner | None = None

    async def _session(self, request: web.Request) -> web.WebSocketResponse:
        raise NotImplementedError

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/", self._session)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


class ProtocolServer(LoopbackWebsocketServer):
    """Speaks obs-websocket v5 without authentication; ``behaviour`` decides what happens to requests."""

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour
        self.requests_seen: list[str] = []
        self.connections = 0
        self.port = 0
        self._runner: web.AppRunner | None = None

    async def _session(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.connections += 1
        await ws.send_json({"op": 0, "d": {"obsWebSocketVersion": "5.1.0", "rpcVersion": 1}})
        identify = json.loads((await ws.receive()).data)
        assert identify["op"] == 1
        await ws.send_json({"op": 2, "d": {"negotiatedRpcVersion": 1}})
        if self.behaviour == "kick":
            await asyncio.sleep(0.05)  # like OBS: the client is identified for a moment, then kicked
            await ws.close(code=4011, message=b"kicked by the user")
            return ws
        async for message in ws:
            payload = json.loads(message.data)["d"]
            self.requests_seen.append(payload["requestType"])
            if self.behaviour == "silent":
                continue
            not_ready = self.behaviour == "not-ready-twice" and len(self.requests_seen) <= 2
            status = {"result": False, "code": 207, "comment": "not ready"} if not_ready else \
                {"result": True, "code": 100}
            await ws.send_json({"op": 7, "d": {"requestType": payload["requestType"],
                                               "requestId": payload["requestId"], "requestStatus": status,
                                               "responseData": {"obsVersion": "29.0.2"}}})
        await ws.close(code=WSCloseCode.OK)
        return ws


@pytest.fixture
async def protocol_server(request):
    server = ProtocolServer(request.param)
    await server.start()
    yield server
    await server.stop()


@pytest.mark.parametrize("protocol_server", ["kick"], indirect=True)
async def test_after_being_kicked_the_adapter_refuses_to_reconnect(protocol_server):
    adapter = ObsAdapter("127.0.0.1", protocol_server.port, "", timeout=2, backoff=Backoff(first_ms=10, max_ms=50))
    try:
        await adapter.arun(adapter.connect)
        await eventually(lambda: not adapter.connected, 5)

        with pytest.raises(ObsKickedError, match="4011"):
            await adapter.areconnect()
        assert protocol_server.connections == 1
    finally:
        await asyncio.to_thread(adapter.close)


@pytest.mark.parametrize("protocol_server", ["silent"], indirect=True)
async def test_a_server_that_stops_answering_is_declared_dead_after_the_timeout(protocol_server):
    adapter = ObsAdapter("127.0.0.1", protocol_server.port, "", timeout=0.3)
    try:
        await adapter.arun(adapter.connect)
        started = time.monotonic()

        with pytest.raises(ObsConnectionError, match="did not answer GetVersion within 0.3 s"):
            await adapter.acall("GetVersion")

        assert time.monotonic() - started < 1.5
        assert not adapter.connected
    finally:
        await asyncio.to_thread(adapter.close)


@pytest.mark.parametrize("protocol_server", ["not-ready-twice"], indirect=True)
async def test_not_ready_answers_are_retried_until_obs_is_ready(protocol_server):
    adapter = ObsAdapter("127.0.0.1", protocol_server.port, "", timeout=2)
    try:
        await adapter.arun(adapter.connect)

        version = await adapter.arun(adapter.version)

        assert version.obs_version == "29.0.2"
        assert protocol_server.requests_seen == ["GetVersion"] * 3
    finally:
        await asyncio.to_thread(adapter.close)


class TrickleServer:
    """Accepts TCP connections and sends one byte every ``interval`` seconds, forever: each read gets
    something in time, so only an overall deadline ends the wait."""

    def __init__(self, interval: float = 0.5) -> None:
        self.interval = interval
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self._listener.settimeout(0.1)
        clients = []
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                clients.append(self._listener.accept()[0])
            for client in list(clients):
                try:
                    client.send(b"H")
                except OSError:
                    clients.remove(client)
            self._stop.wait(self.interval)
        for client in clients:
            client.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()


@pytest.fixture
def trickle_server():
    server = TrickleServer()
    yield server
    server.close()


def test_a_server_that_trickles_bytes_cannot_hold_the_connect_past_the_timeout(trickle_server):
    adapter = ObsAdapter("127.0.0.1", trickle_server.port, "", timeout=1)
    started = time.monotonic()
    try:
        with pytest.raises(ObsConnectionError, match=r"timed out \(no complete handshake within 1 s\)"):
            adapter.connect()
        assert time.monotonic() - started < 2
    finally:
        adapter.close()


def test_obs_status_against_a_trickling_server_gives_up_after_the_timeout(workspace, trickle_server, livekit_cli):
    workspace.config_path.write_text("[obs]\ntimeout = 1\n", encoding="utf-8")
    started = time.monotonic()
    outcome = livekit_cli("obs", "status", "--obs-port", trickle_server.port)
    assert time.monotonic() - started < 2
    assert outcome.exit_code == 2
    assert outcome.stderr == (f"Error: cannot connect to OBS at 127.0.0.1:{trickle_server.port}: timed out "
                              "(no complete handshake within 1 s)\n")


class ScriptedServer(LoopbackWebsocketServer):
    """Speaks just enough obs-websocket to send what a test scripts: ``hello`` (raw text) first, then to
    every request the raw text ``answer(request_id)`` returns."""

    def __init__(self, hello: str, answer: Callable[[str], str] | None = None) -> None:
        self.hello = hello
        self.answer = answer
        self.port = 0
        self._runner: web.AppRunner | None = None

    async def _session(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(self.hello)
        if self.answer is None:
            await ws.receive()
            return ws
        await ws.receive()  # Identify
        await ws.send_json({"op": 2, "d": {"negotiatedRpcVersion": 1}})
        async for message in ws:
            await ws.send_str(self.answer(json.loads(message.data)["d"]["requestId"]))
        return ws


GOOD_HELLO = json.dumps({"op": 0, "d": {"obsWebSocketVersion": "5.1.0", "rpcVersion": 1}})
DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    ("hello", "complaint"),
    [
        ("this is not JSON", "message is not JSON"),
        (DEEP, "message is nested too deeply"),
        ('{"op": 0, "d": "hello"}', "Hello is not a JSON object"),
        ('{"op": 0, "d": {"authentication": "yes"}}', "Hello authentication is not a JSON object"),
        ('{"op": 0, "d": {"authentication": {"salt": 5, "challenge": "c"}}}', "Hello authentication: salt is not text"),
    ],
    ids=["not-json", "deep", "d-not-an-object", "authentication-not-an-object", "salt-not-text"],
)
async def test_a_malformed_hello_is_one_clear_connection_error(hello, complaint):
    server = ScriptedServer(hello)
    await server.start()
    adapter = ObsAdapter("127.0.0.1", server.port, "secret", timeout=2)
    try:
        with pytest.raises(ObsConnectionError) as raised:
            await adapter.arun(adapter.connect)
        assert str(raised.value) == f"handshake with OBS at 127.0.0.1:{server.port} failed: {complaint}"
    finally:
        await asyncio.to_thread(adapter.close)
        await server.stop()


def answer(data: object, status: object = None) -> Callable[[str], str]:
    """A RequestResponse for any request id, carrying ``data`` and ``status`` as given."""
    return lambda request_id: json.dumps({"op": 7, "d": {
        "requestType": "X", "requestId": request_id,
        "requestStatus": {"result": True, "code": 100} if status is None else status, "responseData": data}})


@pytest.mark.parametrize(
    ("respond", "complaint"),
    [
        (answer({}, status=["ok"]), "OBS's answer to GetSceneList: requestStatus is not a JSON object"),
        (answer({}, status={"result": "yes", "code": 100}), "requestStatus.result is not true or false"),
        (answer({}, status={"result": False, "code": "bad"}), "OBS's answer to GetSceneList: code is not a number"),
        (answer(["scenes"]), "OBS's answer to GetSceneList: responseData is not a JSON object"),
        (answer({"scenes": "Camera"}), "OBS's answer to GetSceneList: scenes is not a list"),
        (answer({"scenes": [{"sceneIndex": 0}]}), "OBS's answer to GetSceneList: sceneName is missing"),
        (answer({"scenes": [{"sceneIndex": "x", "sceneName": "A"}]}), "sceneIndex is not a number"),
        (answer({"scenes": [7]}), "OBS's answer to GetSceneList: a scene is not a JSON object"),
    ],
    ids=["status-list", "result-text", "code-text", "data-list", "scenes-text", "no-name", "index-text",
         "scene-number"],
)
async def test_a_malformed_answer_is_one_clear_obs_error(respond, complaint):
    server = ScriptedServer(GOOD_HELLO, respond)
    await server.start()
    adapter = ObsAdapter("127.0.0.1", server.port, "", timeout=2)
    try:
        await adapter.arun(adapter.connect)
        with pytest.raises(ObsProtocolError, match=re.escape(complaint)):
            await adapter.arun(adapter.scene_names)
    finally:
        await asyncio.to_thread(adapter.close)
        await server.stop()


@pytest.mark.parametrize(
    "respond",
    [lambda request_id: DEEP, lambda request_id: '{"op": 7, "d": ["not", "an", "object"]}',
     lambda request_id: '{"op": 7, "d": {"requestId": ["unhashable"]}}'],
    ids=["deep", "d-not-an-object", "unhashable-id"],
)
async def test_an_unreadable_answer_is_ignored_and_the_request_times_out_cleanly(respond):
    server = ScriptedServer(GOOD_HELLO, respond)
    await server.start()
    adapter = ObsAdapter("127.0.0.1", server.port, "", timeout=0.5)
    try:
        await adapter.arun(adapter.connect)
        with pytest.raises(ObsConnectionError, match="did not answer GetVersion within 0.5 s"):
            await adapter.acall("GetVersion")
    finally:
        await asyncio.to_thread(adapter.close)
        await server.stop()


@pytest.mark.parametrize(
    ("method", "respond", "complaint"),
    [
        ("current_program_scene", answer({}), "currentProgramSceneName is missing"),
        ("record_directory", answer({"recordDirectory": 3}), "recordDirectory is not text"),
        ("stream_status", answer({"outputDuration": "long"}), "outputDuration is not a number"),
        ("get_text", answer({"inputSettings": "x"}), "GetInputSettings is not a JSON object"),
    ],
)
async def test_answers_missing_or_mistyped_fields_are_one_clear_obs_error(method, respond, complaint):
    server = ScriptedServer(GOOD_HELLO, respond)
    await server.start()
    adapter = ObsAdapter("127.0.0.1", server.port, "", timeout=2)
    try:
        await adapter.arun(adapter.connect)
        arguments = ("Greenroom Prompt",) if method == "get_text" else ()
        with pytest.raises(ObsError, match=re.escape(complaint)):
            await adapter.arun(getattr(adapter, method), *arguments)
    finally:
        await asyncio.to_thread(adapter.close)
        await server.stop()
