"""Adapter behaviour on obs-websocket conditions a headless OBS cannot be made to produce on demand.

A minimal obs-websocket v5 server (aiohttp, the real wire format: Hello/Identify/Identified, requests,
close codes) stands in for OBS only here: being kicked (4011), a server that stops answering, and
"not ready" (207) answers. Everything else is tested against real OBS.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from aiohttp import WSCloseCode, web

from greenroom.backoff import Backoff
from livekit.obs.adapter import ObsAdapter, ObsConnectionError, ObsKickedError
from tests.helpers import eventually


class ProtocolServer:
    """Speaks obs-websocket v5 without authentication; ``behaviour`` decides what happens to requests."""

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour
        self.requests_seen: list[str] = []
        self.connections = 0
        self.port = 0
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/", self._session)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        await self._runner.cleanup()

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
