"""The HTTP automation API and websockets: token required, nothing changes without it, pages see only their share."""

import json

import pytest
from aiohttp.test_utils import TestClient, TestServer

from livekit.control.actions import ACTIONS
from livekit.web import create_app
from tests.fixtures.live_show import ask

TOKEN = "test-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def port(live_show):
    """The real runner (OBS and platforms off) the app controls."""
    return live_show


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
    assert port.show.events == ()


async def test_adding_a_guest_without_the_token_adds_nobody(client, port):
    response = await client.post("/api/guests", json={"name": "Intruder"})
    assert response.status == 401
    assert port.guests.list(port.key) == []


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


async def test_a_non_numeric_amount_is_a_clear_400_naming_seconds(client, port):
    await client.post("/api/show/start", headers=AUTH)
    response = await client.post("/api/show/extend?seconds=lots", headers=AUTH)
    assert response.status == 400
    assert (await response.json())["error"].startswith("seconds must be a number of seconds or a duration")
    assert port.show.allotted_ms(0) == 60_000


async def test_extend_takes_a_duration_such_as_1m(client, port):
    await client.post("/api/show/start", headers=AUTH)
    await client.post("/api/show/extend?seconds=1m30s", headers=AUTH)
    assert port.show.allotted_ms(0) == 150_000


async def test_extend_and_shorten_without_an_amount_change_by_a_minute_on_their_routes(client, port):
    await client.post("/api/show/start", headers=AUTH)
    await client.post("/api/show/extend", headers=AUTH)
    assert port.show.allotted_ms(0) == 120_000
    await client.post("/api/show/shorten", headers=AUTH)
    assert port.show.allotted_ms(0) == 60_000


async def test_extend_through_the_generic_action_route_defaults_to_30_seconds(client, port):
    await client.post("/api/show/start", headers=AUTH)
    response = await client.post("/api/action", headers=AUTH, json={"action": "show.extend", "params": {}})
    assert response.status == 200
    assert port.show.allotted_ms(0) == 90_000


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
    assert (port.message["text"], port.message["blink"]) == ("Wrap up", True)
    await client.post("/api/message/clear", headers=AUTH)
    assert port.message is None


async def test_message_from_the_query_string_with_blink_as_a_word(client, port):
    response = await client.post("/api/message?text=Wrap%20up&blink=yes", headers=AUTH)
    assert response.status == 200
    assert (port.message["text"], port.message["blink"]) == ("Wrap up", True)


async def test_delete_clears_the_message(client, port):
    await client.post("/api/message", headers=AUTH, json={"text": "Wrap up"})
    assert (await client.delete("/api/message", headers=AUTH)).status == 200
    assert port.message is None


async def test_a_blink_that_is_not_a_yes_or_no_is_refused_not_read_as_false(client, port):
    response = await client.post("/api/message?text=Hi&blink=nope", headers=AUTH)
    assert response.status == 400
    assert (await response.json())["error"] == "blink must be true or false, got 'nope'"
    assert port.message is None


async def test_a_message_over_500_characters_is_refused(client, port):
    response = await client.post("/api/message", headers=AUTH, json={"text": "x" * 501})
    assert response.status == 400
    assert "text is 501 characters long" in (await response.json())["error"]


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


async def test_check_in_puts_a_confirmed_guest_in_the_green_room(client, port):
    guest = port.guests.add(port.key, name="Jane Doe", status="confirmed")
    response = await client.post(f"/api/guests/{guest['id']}/check-in", headers=AUTH)
    assert response.status == 200
    assert port.guests.get(guest["id"])["status"] == "in_green_room"


async def test_moving_a_guest_reorders_the_queue(client, port):
    first = port.guests.add(port.key, name="Jane Doe")
    second = port.guests.add(port.key, name="Omar Li")
    response = await client.post(f"/api/guests/{second['id']}/move?position=0", headers=AUTH)
    assert response.status == 200
    assert [guest["id"] for guest in port.guests.list(port.key)] == [second["id"], first["id"]]


async def test_editing_a_guest_changes_only_the_fields_sent(client, port):
    guest = port.guests.add(port.key, name="Jane Doe", contact="jane@acme.test")
    response = await client.patch(f"/api/guests/{guest['id']}", headers=AUTH, json={"topic": "The launch"})
    assert response.status == 200
    edited = port.guests.get(guest["id"])
    assert (edited["name"], edited["contact"], edited["topic"]) == ("Jane Doe", "jane@acme.test", "The launch")


async def test_a_misspelt_guest_field_is_refused_not_dropped(client, port):
    response = await client.post("/api/guests", headers=AUTH, json={"name": "Jane Doe", "pronoun": "she/her"})
    assert response.status == 400
    assert "unknown parameter(s): pronoun" in (await response.json())["error"]
    assert port.guests.list(port.key) == []


async def test_a_viewer_question_is_moderated_through_its_routes(client, port):
    question_id = ask(port, "viewer", "When is the launch?")
    assert (await client.post(f"/api/questions/{question_id}/approve", headers=AUTH)).status == 200
    response = await client.post(f"/api/questions/{question_id}/show", headers=AUTH)
    body = await response.json()
    assert body["state"]["question_on_screen"]["text"] == "When is the launch?"
    assert body["state"]["question_counts"] == {"total": 1, "on_screen": 1}


async def test_an_unknown_question_action_is_404_naming_the_choices(client, port):
    question_id = ask(port, "viewer", "When?")
    response = await client.post(f"/api/questions/{question_id}/pin", headers=AUTH)
    assert response.status == 404
    assert "approve, reject, show, hide, answer" in (await response.json())["error"]


async def test_a_forbidden_guest_status_change_is_400(client, port):
    guest = port.guests.add(port.key, name="Jane Doe")
    response = await client.post(f"/api/guests/{guest['id']}/status", headers=AUTH, json={"status": "done"})
    assert response.status == 400
    assert "invited cannot become done" in (await response.json())["error"]


async def test_a_body_that_is_not_json_is_400(client):
    response = await client.post("/api/message", headers={**AUTH, "Content-Type": "application/json"}, data="{oops")
    assert response.status == 400


async def test_a_body_in_an_unknown_charset_is_a_json_400_not_a_500(client, port):
    response = await client.post("/api/message", data=b'{"text": "hi"}',
                                 headers={**AUTH, "Content-Type": "application/json; charset=bogus"})
    assert response.status == 400
    assert await response.json() == {"ok": False, "error": "unknown charset 'bogus': send the JSON as UTF-8"}
    assert port.message is None


async def test_a_body_that_is_not_valid_in_its_charset_is_a_json_400_not_a_500(client, port):
    response = await client.post("/api/message", data=b'{"text": "caf\xe9"}',
                                 headers={**AUTH, "Content-Type": "application/json; charset=utf-8"})
    assert response.status == 400
    assert (await response.json())["error"] == "the body is not valid utf-8: send the JSON as UTF-8"
    assert port.message is None


async def test_a_body_in_another_declared_charset_is_read_in_it(client, port):
    response = await client.post("/api/message", data='{"text": "Café"}'.encode("latin-1"),
                                 headers={**AUTH, "Content-Type": "application/json; charset=latin-1"})
    assert response.status == 200
    assert port.message["text"] == "Café"


async def test_a_body_over_256_kb_is_a_json_413(client, port):
    text = "x" * (256 * 1024)
    response = await client.post("/api/message", headers=AUTH, json={"text": text})
    assert response.status == 413
    assert await response.json() == {"ok": False, "error": "the body is larger than 256 KB"}
    assert port.message is None


@pytest.mark.parametrize("params", [[], "", 0, False, ["segment", 2]])
async def test_action_params_that_are_not_an_object_are_refused_and_nothing_happens(client, port, params):
    response = await client.post("/api/action", headers=AUTH, json={"action": "show.start", "params": params})
    assert response.status == 400
    assert await response.json() == {"ok": False, "error": 'send {"action": "...", "params": {...}}'}
    assert port.show.status == "ready"


@pytest.mark.parametrize("body", [{"action": "show.start"}, {"action": "show.start", "params": None},
                                  {"action": "show.start", "params": {}}])
async def test_action_params_may_be_an_empty_object_null_or_left_out(client, port, body):
    response = await client.post("/api/action", headers=AUTH, json=body)
    assert response.status == 200
    assert port.show.status == "live"


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
    port.guests.add(port.key, name="Jane Doe", contact="jane@example.com", notes="PRIVATE-GUEST-NOTE")
    await port.act("show.start", {})
    await port.act("show.next", {})  # the Interview segment puts its guest, Jane Doe, on air
    async with client.ws_connect("/ws/overlay") as ws:
        text = json.dumps((await receive_until(ws, "state"))["state"])
    assert "Jane Doe" in text and "Interview" in text
    for secret in ("jane@example.com", "PRIVATE-GUEST-NOTE", "PRIVATE: sponsor read", "Ask about the launch"):
        assert secret not in text


async def test_presenter_socket_gets_prompts_and_talking_points_but_no_private_notes(client, port):
    port.guests.add(port.key, name="Jane Doe", talking_points=["Ask about hiring"], notes="PRIVATE-GUEST-NOTE")
    await port.act("show.start", {})
    await port.act("show.next", {})
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


async def test_control_socket_refuses_action_params_that_are_not_an_object(client, port):
    async with client.ws_connect("/ws/control") as ws:
        await ws.send_json({"type": "auth", "token": TOKEN})
        assert (await receive_until(ws, "auth"))["ok"] is True
        await ws.send_json({"type": "action", "id": 8, "action": "show.start", "params": []})
        result = await receive_until(ws, "result")
    assert result == {"type": "result", "id": 8, "ok": False, "error": "bad action"}
    assert port.show.status == "ready"


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


#: A value every parameter of the table can be given that none can read: a JSON object.
UNREADABLE = {"not": "a value"}
#: Readable values, so that only the parameter under test is wrong.
READABLE = {"segment": 1, "text": "Hi", "status": "confirmed", "position": 0, "name": "Jane Doe"}
ROUTES_WITH_PARAMS = [
    pytest.param(action, route, info.name, id=f"{route} {info.name}")
    for action in ACTIONS for route in action.routes for info in action.describe()
]


@pytest.mark.parametrize(("action", "route", "name"), ROUTES_WITH_PARAMS)
async def test_a_bad_parameter_on_any_route_is_a_400_naming_it_and_changes_nothing(client, port, action, route,
                                                                                     name):
    body = {info.name: READABLE[info.name] for info in action.describe() if info.name in READABLE}
    path = route.path.replace("{id}", "1")
    if "{id}" in route.path and name == "id":
        path = route.path.replace("{id}", "abc")
    else:
        body[name] = UNREADABLE
    response = await client.request(route.method, path, headers=AUTH, json=body)
    assert response.status == 400
    error = (await response.json())["error"]
    assert error.startswith(name), error
    assert (port.show.events, port.message, port.guests.list(port.key)) == ((), None, [])


async def test_the_action_table_is_served_to_token_holders(client):
    assert (await client.get("/api/actions")).status == 401
    response = await client.get("/api/actions", headers=AUTH)
    actions = {action["name"]: action for action in (await response.json())["actions"]}
    assert list(actions) == [action.name for action in ACTIONS]
    seconds, expect = actions["show.extend"]["params"]
    assert (seconds["name"], seconds["default"]) == ("seconds", 30)
    assert (expect["name"], expect["required"]) == ("expect", False)
    assert actions["show.extend"]["routes"] == [{"method": "POST", "path": "/api/show/extend",
                                                 "defaults": {"seconds": 60}}]


async def test_a_websocket_client_can_still_say_check_in_with_a_hyphen(client, port):
    guest = port.guests.add(port.key, name="Jane Doe", status="confirmed")
    async with client.ws_connect("/ws/control") as ws:
        await ws.send_json({"type": "auth", "token": TOKEN})
        await receive_until(ws, "auth")
        await ws.send_json({"type": "action", "id": 1, "action": "guests.check-in", "params": {"id": guest["id"]}})
        result = await receive_until(ws, "result")
    assert result["ok"] is True
    assert port.guests.get(guest["id"])["status"] == "in_green_room"


async def test_a_bad_websocket_parameter_is_refused_with_its_name(client, port):
    async with client.ws_connect("/ws/control") as ws:
        await ws.send_json({"type": "auth", "token": TOKEN})
        await receive_until(ws, "auth")
        await ws.send_json({"type": "action", "id": 2, "action": "show.jump", "params": {"segment": "two"}})
        result = await receive_until(ws, "result")
    assert result == {"type": "result", "id": 2, "ok": False, "code": "refused",
                      "error": "segment must be a whole number, got 'two'"}
