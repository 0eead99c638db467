"""Both loopback servers bound slow clients: a trickled head, a trickled body, an idle kept-alive connection
and a flood of connections are all cut, while an upgraded websocket is never cut by those deadlines.

Real servers on loopback with real sockets; the deadlines are lowered to fractions of a second so the tests
are quick, and the only timing asserted is "closed before a generous limit".
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import aiohttp
import pytest
import sqlite_utils

from greenroom.http_server import ConnectionLimits, ServedApp
from livekit.web import create_app, serve
from outreach.campaigns.unsubscribe_server import UnsubscribeService
from outreach.campaigns.unsubscribe_server import create_app as create_unsubscribe_app
from outreach.campaigns.unsubscribe_server import start as start_unsubscribe

TOKEN = "slow-test-token-0123456789"
#: Short deadlines for the tests; the defaults are 10 s (head), 30 s (body), 15 s (idle), 256 connections.
QUICK = ConnectionLimits(head_timeout=0.5, body_timeout=0.5, idle_timeout=0.5, max_connections=256)
#: Far more than any deadline above: a connection still open by then was not cut.
GENEROUS_S = 8.0
#: A trickling client sends something this often: faster than any deadline, so only a deadline cuts it.
TRICKLE_S = 0.1

Start = Callable[[ConnectionLimits], Awaitable[ServedApp]]


@pytest.fixture
def start_control_room(live_show) -> Start:
    async def start(limits: ConnectionLimits) -> ServedApp:
        return await serve(create_app(live_show, TOKEN), port=0, limits=limits)

    return start


@pytest.fixture
def start_unsubscribe_server() -> Start:
    service = UnsubscribeService(sqlite_utils.Database(memory=True), b"k" * 32, lambda: datetime.now(UTC))

    async def start(limits: ConnectionLimits) -> ServedApp:
        return await start_unsubscribe(create_unsubscribe_app(service, ("/unsub",)), port=0, limits=limits)

    return start


@pytest.fixture(params=["control room", "unsubscribe server"])
async def started(request, start_control_room, start_unsubscribe_server) -> AsyncIterator[tuple[ServedApp, str]]:
    """Each server with the quick deadlines, and a path it serves."""
    start, path = {"control room": (start_control_room, "/control"),
                   "unsubscribe server": (start_unsubscribe_server, "/unsub")}[request.param]
    served = await start(QUICK)
    yield served, path
    await served.close()


async def connect(served: ServedApp) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", served.port)


async def closed_by_server(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, trickle: bytes | None,
                           within: float = GENEROUS_S) -> bytes:
    """Sends ``trickle`` every :data:`TRICKLE_S` (none: stays silent) until the server closes the connection,
    and returns what it answered; fails if it is still open after ``within`` seconds."""
    answered = b""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + within
    while loop.time() < give_up:
        try:
            if trickle:
                writer.write(trickle)
                await writer.drain()
            chunk = await asyncio.wait_for(reader.read(65536), TRICKLE_S)
        except TimeoutError:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return answered
        if not chunk:
            return answered
        answered += chunk
    writer.close()
    pytest.fail(f"the connection was still open after {within} s; answered {answered[:200]!r}")


async def test_a_request_head_sent_one_line_at_a_time_is_cut_by_the_head_deadline(started):
    served, path = started
    reader, writer = await connect(served)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode())
    await closed_by_server(reader, writer, trickle=b"X-a: b\r\n")


async def test_a_connection_that_sends_nothing_is_closed(started):
    served, _path = started
    reader, writer = await connect(served)
    assert await closed_by_server(reader, writer, trickle=None) == b""


async def test_a_kept_alive_connection_left_idle_is_closed_after_its_answer(started):
    served, path = started
    reader, writer = await connect(served)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    answered = await closed_by_server(reader, writer, trickle=None)
    assert answered.startswith(b"HTTP/1.1 ")


async def test_a_request_body_sent_one_byte_at_a_time_is_cut(started):
    served, path = started
    reader, writer = await connect(served)
    writer.write(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n"
                 "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n".encode())
    await closed_by_server(reader, writer, trickle=b" ")


async def test_a_control_room_api_body_that_does_not_arrive_in_time_is_answered_408(start_control_room):
    served = await start_control_room(QUICK)
    try:
        reader, writer = await connect(served)
        writer.write(f"POST /api/message HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n"
                     "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{".encode())
        answered = await closed_by_server(reader, writer, trickle=b" ")
    finally:
        await served.close()
    assert answered.startswith(b"HTTP/1.1 408 ")


async def test_a_body_that_arrives_in_time_is_answered_normally(start_control_room, live_show):
    served = await start_control_room(QUICK)
    try:
        async with aiohttp.ClientSession() as session, session.post(
            f"{served.url}/api/message", json={"text": "wrap up"}, headers={"Authorization": f"Bearer {TOKEN}"}
        ) as response:
            assert response.status == 200
    finally:
        await served.close()
    assert live_show.state()["message"]["text"] == "wrap up"


async def test_a_body_sent_in_pieces_that_ends_in_time_is_answered_normally(start_control_room, live_show):
    served = await start_control_room(ConnectionLimits(head_timeout=5, body_timeout=5, idle_timeout=5))
    body = b'{"text": "in pieces"}'
    try:
        reader, writer = await connect(served)
        writer.write(f"POST /api/message HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n"
                     f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode())
        for start in range(0, len(body), 8):
            await asyncio.sleep(TRICKLE_S)
            writer.write(body[start:start + 8])
        status_line = await asyncio.wait_for(reader.readline(), GENEROUS_S)
        writer.close()
    finally:
        await served.close()
    assert status_line.startswith(b"HTTP/1.1 200 ")
    assert live_show.state()["message"]["text"] == "in pieces"


async def test_a_kept_alive_connection_serves_one_request_after_another(start_control_room):
    served = await start_control_room(ConnectionLimits(head_timeout=5, body_timeout=5, idle_timeout=5))
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as session:
            for _ in range(3):
                async with session.get(f"{served.url}/presenter") as response:
                    assert response.status == 200
                    await response.read()
                await asyncio.sleep(TRICKLE_S)
            assert served.open_connections == 1
    finally:
        await served.close()


@pytest.mark.parametrize("server", ["control room", "unsubscribe server"])
async def test_connections_over_the_cap_are_answered_503_and_closed_at_once(server, start_control_room,
                                                                           start_unsubscribe_server):
    start = start_control_room if server == "control room" else start_unsubscribe_server
    served = await start(ConnectionLimits(head_timeout=60, body_timeout=60, idle_timeout=60, max_connections=3))
    held = [await connect(served) for _ in range(3)]
    try:
        reader, writer = await connect(served)
        answered = await closed_by_server(reader, writer, trickle=None)
        assert answered.startswith(b"HTTP/1.1 503 ")
        assert b"too many open connections" in answered
    finally:
        for _reader, held_writer in held:
            held_writer.close()
        await served.close()


async def test_a_closed_connection_frees_its_place_under_the_cap(start_control_room):
    served = await start_control_room(ConnectionLimits(head_timeout=60, body_timeout=60, idle_timeout=60,
                                                       max_connections=2))
    try:
        for _round in range(3):
            held = [await connect(served) for _ in range(2)]
            for _reader, writer in held:
                writer.close()
                await writer.wait_closed()
            for _ in range(50):
                if served.open_connections == 0:
                    break
                await asyncio.sleep(0.05)
        async with aiohttp.ClientSession() as session, session.get(f"{served.url}/presenter") as response:
            assert response.status == 200
    finally:
        await served.close()


@pytest.mark.parametrize("view", ["presenter", "control"])
async def test_an_upgraded_websocket_is_not_cut_by_the_request_deadlines(view, start_control_room):
    served = await start_control_room(QUICK)
    try:
        async with aiohttp.ClientSession() as session, session.ws_connect(f"{served.url}/ws/{view}") as ws:
            assert (await ws.receive_json(timeout=5))["type"] == "hello"
            if view == "control":
                await ws.send_json({"type": "auth", "token": TOKEN})
                assert (await ws.receive_json(timeout=5)) == {"type": "auth", "ok": True}
            # Several times every deadline (0.5 s), with nothing sent either way but aiohttp's own pings.
            with contextlib.suppress(TimeoutError):
                while True:
                    message = await ws.receive(timeout=2.5)
                    assert message.type == aiohttp.WSMsgType.TEXT
            await ws.send_json({"type": "ping", "t0": 1})
            while (reply := await ws.receive_json(timeout=5))["type"] != "pong":
                pass
            assert reply["t0"] == 1
    finally:
        await served.close()
