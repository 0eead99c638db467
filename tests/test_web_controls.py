"""Controls that forgive slips, through the HTTP API and the websocket, on the real runner.

A stale press (``expect`` names another segment) or a double press is refused with 409 and changes
nothing; ``next`` never ends the show; ``end`` needs a confirmation that expires; unknown ids are 404;
hostile input (deep JSON, huge ids, a forged Host header, symlinks out of the overlay folder) gets a
clean answer. The runner's clock is a FakeClock, so "within 1 s" and "after 5 s" are set, not waited for.
"""

import asyncio
import json

import pytest
from aiohttp.test_utils import TestClient, TestServer

from livekit.core.clock import FakeClock
from livekit.web import create_app
from tests.fixtures.live_show import ask, live_show_runner

TOKEN = "test-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def port(workspace, clock):
    """The real runner (OBS and platforms off) on a clock the test moves."""
    return live_show_runner(workspace.database(), clock=clock)


@pytest.fixture
async def client(port):
    server = TestServer(create_app(port, TOKEN), host="127.0.0.1")
    async with TestClient(server) as test_client:
        yield test_client


async def post(client, path, body=None):
    response = await client.post(path, headers=AUTH, json=body)
    return response.status, await response.json()


async def started(client, clock):
    await post(client, "/api/show/start")
    clock.advance(5_000)


# -- expect: a press meant for another segment ------------------------------------------------------


async def test_next_with_the_expected_segment_moves_on(client, port, clock):
    await started(client, clock)
    status, _ = await post(client, "/api/show/next?expect=0")
    assert (status, port.show.current) == (200, 1)


async def test_a_stale_next_is_409_and_changes_nothing(client, port, clock):
    await started(client, clock)
    events = port.show.events
    status, body = await post(client, "/api/show/next", {"expect": 2})
    assert status == 409
    assert body["code"] == "stale"
    assert body["error"] == ("refused: the press was meant for segment 3 (Questions) but segment 1 (Welcome) "
                             "is on air; nothing changed")
    assert port.show.events == events


@pytest.mark.parametrize("path", ["/api/show/back", "/api/show/hold", "/api/show/extend", "/api/show/skip",
                                  "/api/show/jump?segment=3", "/api/show/end?confirm=true", "/api/show/undo"])
async def test_every_show_action_refuses_a_stale_expect(client, port, clock, path):
    await started(client, clock)
    events = port.show.events
    status, body = await post(client, path + ("&" if "?" in path else "?") + "expect=1")
    assert (status, body["code"], port.show.events) == (409, "stale", events)


async def test_expect_ready_starts_a_ready_show_with_next(client, port):
    status, _ = await post(client, "/api/show/next", {"expect": "ready"})
    assert (status, port.show.status, port.show.current) == (200, "live", 0)


async def test_next_on_a_ready_show_starts_it(client, port):
    status, _ = await post(client, "/api/show/next")
    assert (status, port.show.status, port.show.current) == (200, "live", 0)


async def test_a_bad_expect_is_400_naming_it(client, clock):
    await started(client, clock)
    status, body = await post(client, "/api/show/next", {"expect": "soon"})
    assert status == 400
    assert body["error"] == "expect must be \"ready\" or a segment number (0-based), got 'soon'"


# -- double presses -----------------------------------------------------------------------------------


async def test_next_pressed_twice_within_a_second_moves_once(client, port, clock):
    await started(client, clock)
    assert (await post(client, "/api/show/next"))[0] == 200
    clock.advance(400)
    status, body = await post(client, "/api/show/next")
    assert (status, body["code"], port.show.current) == (409, "stale", 1)
    assert "pressed twice" in body["error"]


async def test_next_again_after_a_second_is_a_new_press(client, port, clock):
    await started(client, clock)
    await post(client, "/api/show/next")
    clock.advance(1_000)
    assert (await post(client, "/api/show/next"))[0] == 200
    assert port.show.current == 2


async def test_a_second_press_with_expect_is_judged_by_expect_not_by_time(client, port, clock):
    await started(client, clock)
    await post(client, "/api/show/next", {"expect": 0})
    assert (await post(client, "/api/show/next", {"expect": 1}))[0] == 200
    assert port.show.current == 2


async def test_start_then_next_at_once_are_two_presses(client, port):
    await post(client, "/api/show/start")
    assert (await post(client, "/api/show/next"))[0] == 200
    assert port.show.current == 1


async def test_two_concurrent_nexts_with_the_same_expect_move_exactly_once(client, port, clock):
    await started(client, clock)
    first, second = await asyncio.gather(post(client, "/api/show/next?expect=0"),
                                         post(client, "/api/show/next?expect=0"))
    assert sorted([first[0], second[0]]) == [200, 409]
    assert port.show.current == 1
    assert [event.type for event in port.show.events] == ["start", "next"]


async def test_skip_pressed_twice_skips_one_segment(client, port, clock):
    await started(client, clock)
    await post(client, "/api/show/skip")
    status, _ = await post(client, "/api/show/skip")
    assert (status, port.show.current) == (409, 1)


# -- next never ends the show; end asks once more --------------------------------------------------


async def test_next_on_the_last_segment_asks_for_show_end(client, port, clock):
    await started(client, clock)
    await post(client, "/api/show/jump", {"segment": 3})
    status, body = await post(client, "/api/show/next")
    assert (status, body["code"], body["confirm"]) == (409, "confirm", "show.end")
    assert body["error"].startswith("segment 4 (Goodbye) is the last segment")
    assert port.show.status == "live"


async def test_end_without_confirm_asks_and_changes_nothing(client, port, clock):
    await started(client, clock)
    status, body = await post(client, "/api/show/end")
    assert (status, body["confirm"], port.show.status) == (409, "show.end", "live")


async def test_a_second_end_within_five_seconds_ends_the_show(client, port, clock):
    await started(client, clock)
    await post(client, "/api/show/end")
    clock.advance(4_000)
    assert (await post(client, "/api/show/end"))[0] == 200
    assert port.show.status == "ended"


async def test_an_end_confirmation_expires_after_five_seconds(client, port, clock):
    await started(client, clock)
    await post(client, "/api/show/end")
    clock.advance(5_001)
    status, _ = await post(client, "/api/show/end")
    assert (status, port.show.status) == (409, "live")


async def test_end_with_confirm_true_ends_at_once(client, port, clock):
    await started(client, clock)
    assert (await post(client, "/api/show/end", {"confirm": True}))[0] == 200
    assert port.show.status == "ended"


async def test_the_websocket_reports_a_stale_press_with_its_code(client, port, clock):
    await started(client, clock)
    async with client.ws_connect("/ws/control") as ws:
        await ws.send_json({"type": "auth", "token": TOKEN})
        await ws.send_json({"type": "action", "id": 3, "action": "show.next", "params": {"expect": 2}})
        result = await receive_until(ws, "result")
        await ws.send_json({"type": "action", "id": 4, "action": "show.end", "params": {}})
        confirm = await receive_until(ws, "result")
    assert (result["ok"], result["code"]) == (False, "stale")
    assert (confirm["code"], confirm["confirm"]) == ("confirm", "show.end")
    assert port.show.current == 0


# -- errors a producer can read -------------------------------------------------------------------


async def test_jumping_to_the_current_segment_names_it_one_based(client, clock):
    await started(client, clock)
    status, body = await post(client, "/api/show/jump", {"segment": 0})
    assert (status, body["error"]) == (400, "already on segment 1 (Welcome)")


async def test_shortening_too_much_is_said_in_minutes_not_ms(client, clock):
    await started(client, clock)
    status, body = await post(client, "/api/show/shorten", {"seconds": 120})
    assert (status, body["error"]) == (400, "cannot shorten by 2:00: segment 1 (Welcome) only has 1:00 allotted")


async def test_skipping_a_segment_the_rundown_lacks_says_how_many_there_are(client, clock):
    await started(client, clock)
    status, body = await post(client, "/api/show/skip?segment=9")
    assert (status, body["error"]) == (400, "cannot skip segment 9 (0-based): this rundown has 4 segments, "
                                             "numbered 0 to 3")


# -- guests and questions: ids ----------------------------------------------------------------------


async def test_adding_a_guest_returns_the_new_guest_id(client, port):
    status, body = await post(client, "/api/guests", {"name": "Jane Doe"})
    assert status == 200
    assert port.guests.get(body["id"])["name"] == "Jane Doe"


@pytest.mark.parametrize("path", ["/api/guests/999/status?status=done", "/api/guests/999/check-in",
                                  "/api/guests/999/move?position=0", "/api/guests/999",
                                  "/api/questions/999/approve"])
async def test_an_unknown_id_is_404(client, path):
    status, body = await post(client, path, {"topic": "x"} if path == "/api/guests/999" else None)
    assert (status, body["code"]) == (404, "not_found")


@pytest.mark.parametrize("guest_id", [str(10**30), "-1", "1e999", "0"])
async def test_an_impossible_id_in_the_path_is_a_clean_400(client, guest_id):
    status, body = await post(client, f"/api/guests/{guest_id}/check-in")
    assert status == 400
    assert body["error"].startswith("id must be a whole number")


@pytest.mark.parametrize("raw", ["1" + "0" * 30, "1e999", "-1", str(2**63)])
async def test_an_impossible_id_in_a_json_body_is_a_clean_400(client, raw):
    response = await client.post("/api/action", headers={**AUTH, "Content-Type": "application/json"},
                                 data='{"action": "questions.approve", "params": {"id": ' + raw + "}}")
    assert response.status == 400
    assert (await response.json())["error"].startswith("id must be a whole number")


async def test_a_known_question_is_still_moderated(client, port):
    question = ask(port, "ana", "what about the roadmap?")
    assert (await post(client, f"/api/questions/{question}/approve"))[0] == 200


# -- hardening -------------------------------------------------------------------------------------


DEEP = "[" * 100_000 + "]" * 100_000


async def test_deeply_nested_json_on_the_api_is_a_clean_400(client, port):
    response = await client.post("/api/show/start", headers={**AUTH, "Content-Type": "application/json"},
                                 data=DEEP)
    assert response.status == 400
    assert (await response.json())["error"] == "the body must be a JSON object"
    assert port.show.status == "ready"


async def test_deep_json_inside_a_parameter_is_refused_with_a_short_message(client, port):
    nested = "[" * 900 + "]" * 900
    response = await client.post("/api/message", headers={**AUTH, "Content-Type": "application/json"},
                                 data='{"text": "hi", "blink": ' + nested + "}")
    body = await response.json()
    assert response.status == 400
    assert len(body["error"]) < 120 and body["error"].startswith("blink must be true or false")


async def test_deeply_nested_json_on_the_websocket_is_refused_and_the_socket_lives_on(client):
    async with client.ws_connect("/ws/control", max_msg_size=0) as ws:
        await ws.send_json({"type": "auth", "token": TOKEN})
        await receive_until(ws, "auth")
        await ws.send_str("[" * 30_000 + "]" * 30_000)
        error = await receive_until(ws, "error")
        await ws.send_json({"type": "ping", "t0": 1})
        pong = await receive_until(ws, "pong")
    assert error["error"] == "messages are JSON objects"
    assert pong["t0"] == 1


async def test_a_forged_host_header_never_reaches_the_content_security_policy(client):
    response = await client.get("/presenter", headers={"Host": "localhost;script-src *"})
    assert response.status == 403
    policy = response.headers["Content-Security-Policy"]
    assert "script-src *" not in policy and "localhost;" not in policy
    assert "connect-src 'self';" in policy


async def test_a_plain_host_is_named_in_the_policy_for_the_websocket(client):
    response = await client.get("/presenter", headers={"Host": "127.0.0.1:8080"})
    assert "connect-src 'self' ws://127.0.0.1:8080 wss://127.0.0.1:8080;" in response.headers["Content-Security-Policy"]


async def test_the_favicon_is_served(client):
    response = await client.get("/favicon.ico")
    assert response.status == 200
    assert response.headers["Content-Type"] == "image/svg+xml"


async def test_the_overlay_folder_serves_no_file_outside_it_through_a_symlink(port, tmp_path):
    secret = tmp_path / "secret.css"
    secret.write_text("PRIVATE")
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "overlay.html").symlink_to(tmp_path / "elsewhere.html")
    (tmp_path / "elsewhere.html").write_text("<p>not ours</p>")
    (overlay / "style.css").symlink_to(secret)
    (overlay / "own.css").write_text("body {}")
    (overlay / "linked.css").symlink_to(overlay / "own.css")
    server = TestServer(create_app(port, TOKEN, overlay_dir=overlay), host="127.0.0.1")
    async with TestClient(server) as client:
        assert (await client.get("/static/overlay/style.css")).status == 404
        assert (await client.get("/overlay")).status == 404
        assert (await client.get("/static/overlay/own.css")).status == 200
        assert (await client.get("/static/overlay/linked.css")).status == 200


async def receive_until(ws, kind):
    while True:
        message = json.loads((await ws.receive()).data)
        if message["type"] == kind:
            return message


async def test_the_last_segment_is_the_last_one_not_skipped(client, port, clock):
    await started(client, clock)
    await post(client, "/api/show/skip?segment=3")
    await post(client, "/api/show/jump", {"segment": 2})
    status, body = await post(client, "/api/show/next")
    assert (status, body["confirm"], port.show.status) == (409, "show.end", "live")
    assert body["error"].startswith("segment 3 (Questions) is the last segment")


async def test_skipping_the_last_segment_asks_for_show_end_too(client, port, clock):
    await started(client, clock)
    await post(client, "/api/show/jump", {"segment": 3})
    status, body = await post(client, "/api/show/skip")
    assert (status, body["confirm"], port.show.status, port.show.current) == (409, "show.end", "live", 3)


async def test_jumps_to_two_different_segments_at_once_are_two_presses(client, port, clock):
    await started(client, clock)
    await post(client, "/api/show/jump", {"segment": 2})
    assert (await post(client, "/api/show/jump", {"segment": 3}))[0] == 200
    assert port.show.current == 3


async def test_undo_reverts_a_skip_and_skip_is_a_new_press_at_once(client, port, clock):
    await post(client, "/api/show/start")
    clock.advance(5_000)
    assert (await post(client, "/api/show/skip"))[0] == 200
    assert port.show.current == 1
    status, body = await post(client, "/api/show/undo", {"expect": 1})
    assert status == 200, body
    assert port.show.current == 0
    assert body["state"]["show"]["undo_until_ms"] is None
    assert (await post(client, "/api/show/skip"))[0] == 200


async def test_undo_with_nothing_to_undo_is_400(client, port, clock):
    await post(client, "/api/show/start")
    status, body = await post(client, "/api/show/undo")
    assert (status, body["code"]) == (400, "refused")
    assert body["error"].startswith("nothing to undo")


async def test_state_has_undo_until_after_a_move(client, port, clock):
    await post(client, "/api/show/start")
    clock.advance(5_000)
    status, body = await post(client, "/api/show/next")
    assert status == 200
    assert body["state"]["show"]["undo_until_ms"] == clock.now_ms() + 30_000
