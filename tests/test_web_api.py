"""The HTTP automation API and websockets: token required, nothing changes without it, pages see only their share."""

import json

import pytest
from aiohttp.test_utils import TestClient, TestServer

from livekit.web import create_app
from tests.fixtures.live_show import CoreShowPort

TOKEN = "test-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def port(workspace):
    return CoreShowPort(workspace.database())


@pytest.fixture
async def client(port):
    server = TestServer(create_app(port, TOKEN), host="127.0.0.1")
    async with TestClient(server) as test_client:
        yield test_client


async def test_next_with_the_token_moves_the_show_on(client, port):
    await client.post("/api/show/start", headers=AUTH)
    response = await client.post("/api/show/next", headers=AUTH)
    body = await response.json()
    assert response.status == 200
    assert body["state"]["show"]["segment_title"] == "Interview"
    assert port.show.current == 1


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token-0123456789"}, {"Authorization": TOKEN}])
async def test_control_without_the_right_token_is_refused_and_changes_nothing(client, port, headers):
    response = await client.post("/api/show/start", headers=headers)
    assert response.status == 401
    assert "token" in (await response.json())["error"]
    assert port.show.status == "ready"
    assert port.actions == []


async def test_adding_a_guest_without_the_token_adds_nobody(client, port):
    response = await client.post("/api/guests", json={"name": "Intruder"})
    assert response.status == 401
    assert port.guests.list("Launch AMA") == []


async def test_state_needs_the_token_because_it_holds_private_notes(client):
    assert (await client.get("/api/state")).status == 401
    response = await client.get("/api/state", headers=AUTH)
    assert response.status == 200
    assert (await response.json())["show"]["title"] == "Launch AMA"


async def test_a_refused_action_reports_why_with_400(client):
    response = await client.post("/api/show/back", headers=AUTH)
    assert response.status == 400
    assert "not started" in (await response.json())["error"]


async def test_extend_takes_seconds_from_the_query_string(client, port):
    await client.post("/api/show/start", headers=AUTH)
    response = await client.post("/api/show/extend?seconds=30", headers=AUTH)
    assert response.status == 200
    assert port.show.allotted_ms(0) == 90_000


async def test_a_non_numeric_amount_is_a_clear_400(client, port):
    await client.post("/api/show/start", headers=AUTH)
    response = await client.post("/api/show/extend?seconds=lots", headers=AUTH)
    assert response.status == 400
    assert (await response.json())["error"] == "seconds must be a whole number"


async def test_jump_goes_to_the_segment_given_in_the_body(client, port):
    await client.post("/api/show/start", headers=AUTH)
    await client.post("/api/show/jump", headers=AUTH, json={"segment": 2})
    assert port.show.current == 2


async def test_unknown_show_action_is_404_naming_the_choices(client):
    response = await client.post("/api/show/rewind", headers=AUTH)
    assert response.status == 404
    assert "start, next, back" in (await response.json())["error"]


async def test_message_set_and_clear(client, port):
    await client.post("/api/message", headers=AUTH, json={"text": "Wrap up", "blink": True})
    assert port.message == {"text": "Wrap up", "blink": True}
    await client.post("/api/message/clear", headers=AUTH)
    assert port.message is None


async def test_guest_lifecycle_through_the_api(client, port):
    response = await client.post(
        "/api/guests", headers=AUTH, json={"name": "Jane Doe", "pronouns": "she/her", "title_or_handle": "CEO, Acme"}
    )
    [guest] = (await response.json())["state"]["guests"]
    for status in ("confirmed", "in_green_room", "on_air"):
        response = await client.post(f"/api/guests/{guest['id']}/status", headers=AUTH, json={"status": status})
        assert response.status == 200
    body = await response.json()
    assert body["state"]["lower_third"] == "Jane Doe (she/her) — CEO, Acme"
    listed = await (await client.get("/api/guests", headers=AUTH)).json()
    assert listed[0]["status"] == "on_air"


async def test_a_forbidden_guest_status_change_is_400(client, port):
    guest = port.guests.add("Launch AMA", name="Jane Doe")
    response = await client.post(f"/api/guests/{guest['id']}/status", headers=AUTH, json={"status": "done"})
    assert response.status == 400
    assert "invited cannot become done" in (await response.json())["error"]


async def test_a_body_that_is_not_json_is_400(client):
    response = await client.post("/api/message", headers={**AUTH, "Content-Type": "application/json"}, data="{oops")
    assert response.status == 400


async def test_a_post_from_another_site_is_refused_even_with_the_token(client, port):
    response = await client.post("/api/show/start", headers={**AUTH, "Origin": "https://evil.example"})
    assert response.status == 403
    assert port.show.status == "ready"


async def test_a_dns_rebinding_host_name_is_refused(client):
    response = await client.get("/presenter", headers={"Host": "attacker.example:8787"})
    assert response.status == 403


async def test_pages_carry_a_strict_content_security_policy(client):
    for path in ("/control", "/presenter", "/overlay", "/static/web/common.js"):
        response = await client.get(path)
        assert response.status == 200, path
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_pages_have_no_inline_scripts(client):
    for path in ("/control", "/presenter", "/overlay"):
        html = await (await client.get(path)).text()
        assert "<script>" not in html and "onclick" not in html.lower()


async def test_static_files_cannot_escape_their_folder(client):
    for path in ("/static/web/..%2F..%2Fpyproject.toml", "/static/web/control.html", "/static/secret/x.js"):
        assert (await client.get(path)).status == 404, path


async def receive_until(ws, kind):
    while True:
        message = json.loads((await ws.receive()).data)
        if message["type"] == kind:
            return message


async def test_overlay_socket_gets_only_public_fields(client, port):
    guest = port.guests.add("Launch AMA", name="Jane Doe", contact="jane@example.com", notes="PRIVATE-GUEST-NOTE")
    for status in ("confirmed", "in_green_room", "on_air"):
        port.guests.set_status(guest["id"], status)
    port.show.start()
    port.show.next()
    async with client.ws_connect("/ws/overlay") as ws:
        text = json.dumps((await receive_until(ws, "state"))["state"])
    assert "Jane Doe" in text and "Interview" in text
    for secret in ("jane@example.com", "PRIVATE-GUEST-NOTE", "PRIVATE: sponsor read", "Ask about the launch"):
        assert secret not in text


async def test_presenter_socket_gets_prompts_and_talking_points_but_no_private_notes(client, port):
    guest = port.guests.add("Launch AMA", name="Jane Doe", talking_points=["Ask about hiring"], notes="PRIVATE-GUEST-NOTE")
    for status in ("confirmed", "in_green_room", "on_air"):
        port.guests.set_status(guest["id"], status)
    port.show.start()
    port.show.next()
    async with client.ws_connect("/ws/presenter") as ws:
        state = (await receive_until(ws, "state"))["state"]
    assert state["show"]["prompt"] == "Ask about the launch"
    assert state["guest_on_air"]["talking_points"] == ["Ask about hiring"]
    text = json.dumps(state)
    assert "PRIVATE-GUEST-NOTE" not in text and "PRIVATE: sponsor read" not in text


async def test_every_change_is_pushed_to_open_sockets(client, port):
    async with client.ws_connect("/ws/presenter") as ws:
        await receive_until(ws, "state")
        await client.post("/api/show/start", headers=AUTH)
        state = (await receive_until(ws, "state"))["state"]
    assert state["show"]["segment_title"] == "Welcome"


async def test_control_socket_sends_nothing_before_auth_and_refuses_actions(client, port):
    async with client.ws_connect("/ws/control") as ws:
        hello = json.loads((await ws.receive()).data)
        assert hello == {"type": "hello", "view": "control", "auth_required": True}
        await ws.send_json({"type": "action", "id": 1, "action": "show.start", "params": {}})
        result = await receive_until(ws, "result")
    assert result["ok"] is False
    assert port.show.status == "ready"


async def test_control_socket_with_a_wrong_token_is_closed(client, port):
    async with client.ws_connect("/ws/control") as ws:
        await ws.send_json({"type": "auth", "token": "nope"})
        reply = await receive_until(ws, "auth")
        closing = await ws.receive()
    assert reply["ok"] is False
    assert ws.close_code == 4401 or closing.data == 4401


async def test_control_socket_acts_after_auth(client, port):
    async with client.ws_connect("/ws/control") as ws:
        await ws.send_json({"type": "auth", "token": TOKEN})
        assert (await receive_until(ws, "auth"))["ok"] is True
        await receive_until(ws, "state")
        await ws.send_json({"type": "action", "id": 7, "action": "show.start", "params": {}})
        result = await receive_until(ws, "result")
    assert result == {"type": "result", "id": 7, "ok": True}
    assert port.show.status == "live"


async def test_websocket_from_another_site_is_refused(client):
    with pytest.raises(Exception, match="403"):
        await client.ws_connect("/ws/presenter", headers={"Origin": "http://evil.example"})


async def test_ping_is_answered_with_the_server_time(client, port):
    async with client.ws_connect("/ws/presenter") as ws:
        await ws.send_json({"type": "ping", "t0": 123})
        pong = await receive_until(ws, "pong")
    assert pong["t0"] == 123
    assert abs(pong["server_ms"] - port.clock.now_ms()) < 5_000


def test_a_short_token_is_refused(port):
    from greenroom.errors import GreenroomError

    with pytest.raises(GreenroomError, match="at least 16"):
        create_app(port, "short")


async def test_a_host_given_as_an_ip_address_is_allowed(client):
    response = await client.get("/presenter", headers={"Host": "192.168.1.20:8787"})
    assert response.status == 200


async def test_allow_origin_admits_one_more_browser_origin(port):
    app = create_app(port, TOKEN, allow_origin="http://companion.local:8000")
    async with TestClient(TestServer(app, host="127.0.0.1")) as own_client:
        allowed = await own_client.post("/api/show/start", headers={**AUTH, "Origin": "http://companion.local:8000"})
        refused = await own_client.post("/api/show/next", headers={**AUTH, "Origin": "http://other.local:8000"})
    assert (allowed.status, refused.status) == (200, 403)
    assert port.show.current == 0
