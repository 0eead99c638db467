"""The control room in real Chromium: clicks reach every page at once, user data stays text, pages recover."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from greenroom.db import open_database
from livekit.web import create_app, serve
from tests.fixtures.live_show import CoreShowPort

pytestmark = pytest.mark.browser

TOKEN = "browser-test-token-0123456789"
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def live_web(loop_thread, workspace):
    """The web app over the real show core and guest queue, served on a free loopback port."""

    async def start():
        db = open_database(workspace.database_path)
        port = CoreShowPort(db)
        served = await serve(create_app(port, TOKEN), "127.0.0.1", 0)
        return SimpleNamespace(port=port, served=served, db=db)

    web = loop_thread.run(start())
    web.url = web.served.url
    web.thread = loop_thread
    yield web

    async def stop():
        await web.served.close()
        web.db.conn.close()

    loop_thread.run(stop())


def open_page(context, url, dialogs=None):
    page = context.new_page()
    if dialogs is not None:
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(url)
    return page


def open_control(context, web, dialogs=None):
    page = open_page(context, f"{web.url}/control#token={TOKEN}", dialogs)
    page.wait_for_selector("#panel:not([hidden])")
    return page


def put_on_air(web, guest_id):
    for status in ("confirmed", "in_green_room", "on_air"):
        web.thread.run(web.port.act("guests.status", {"id": guest_id, "status": status}))


def test_a_click_on_next_in_control_changes_presenter_and_overlay(browser_context, live_web):
    control = open_control(browser_context, live_web)
    presenter = open_page(browser_context, f"{live_web.url}/presenter")
    overlay = open_page(browser_context, f"{live_web.url}/overlay")
    control.click("#btn-start")
    presenter.wait_for_function("() => document.getElementById('segment-title').textContent === 'Welcome'")
    control.click("#btn-next")
    presenter.wait_for_function("() => document.getElementById('segment-title').textContent === 'Interview'")
    overlay.wait_for_function("() => document.getElementById('segment-title').textContent === 'Interview'")
    assert presenter.text_content("#prompt") == "Ask about the launch"
    assert overlay.is_visible("#segment")


def test_the_presenter_counts_down_the_segment(browser_context, live_web):
    presenter = open_page(browser_context, f"{live_web.url}/presenter")
    live_web.thread.run(live_web.port.act("show.start", {}))
    presenter.wait_for_function("() => document.getElementById('countdown').textContent === '1:00'")
    presenter.wait_for_function("() => document.getElementById('countdown').textContent === '0:59'", timeout=3000)
    assert presenter.get_attribute("body", "data-phase") == "normal"


def test_a_guest_put_on_air_shows_in_the_overlay_lower_third_and_to_the_host(browser_context, live_web):
    guest = live_web.thread.call(
        lambda: live_web.port.guests.add(
            "Launch AMA", name="Jane Doe", pronouns="she/her", title_or_handle="CEO, Acme",
            talking_points=["Ask about hiring"], notes="PRIVATE-GUEST-NOTE",
        )
    )
    control = open_control(browser_context, live_web)
    presenter = open_page(browser_context, f"{live_web.url}/presenter")
    overlay = open_page(browser_context, f"{live_web.url}/overlay")
    row = f"tr[data-guest-id='{guest['id']}']"
    for status in ("confirmed", "in_green_room", "on_air"):
        control.click(f"{row} button[data-status='{status}']")
        control.wait_for_selector(f"{row}.status-{status}")
    overlay.wait_for_selector("#lower-third:not([hidden])")
    assert overlay.text_content("#guest-name") == "Jane Doe (she/her)"
    assert overlay.text_content("#guest-title") == "CEO, Acme"
    presenter.wait_for_selector("#guest-card:not([hidden])")
    assert presenter.text_content("#guest") == "Jane Doe (she/her) — CEO, Acme"
    assert presenter.text_content("#guest-points") == "Ask about hiring"
    assert "PRIVATE-GUEST-NOTE" not in overlay.content() + presenter.content()
    assert control.text_content("#lower-third") == "Jane Doe (she/her) — CEO, Acme"


def test_script_in_user_data_stays_inert_text_everywhere(browser_context, live_web):
    dialogs: list[str] = []
    guest = live_web.thread.call(
        lambda: live_web.port.guests.add("Launch AMA", name=XSS, title_or_handle="<script>alert(2)</script>", notes=XSS)
    )
    put_on_air(live_web, guest["id"])
    live_web.thread.run(live_web.port.act("message.set", {"text": XSS, "blink": False}))
    control = open_control(browser_context, live_web, dialogs)
    presenter = open_page(browser_context, f"{live_web.url}/presenter", dialogs)
    overlay = open_page(browser_context, f"{live_web.url}/overlay", dialogs)
    overlay.wait_for_selector("#lower-third:not([hidden])")
    presenter.wait_for_selector("#message:not([hidden])")
    control.wait_for_selector(".guest-name")
    assert overlay.text_content("#guest-name") == XSS
    assert presenter.text_content("#message") == XSS
    assert control.text_content(".guest-name") == XSS
    assert control.text_content(".notes") == XSS
    for page in (control, presenter, overlay):
        assert page.locator("img").count() == 0
        assert page.evaluate("document.querySelectorAll('script').length") == 2
    control.wait_for_timeout(300)
    assert dialogs == []


def test_the_token_leaves_the_address_bar_and_survives_a_reload(browser_context, live_web):
    control = open_control(browser_context, live_web)
    assert "token" not in control.url
    control.reload()
    control.wait_for_selector("#panel:not([hidden])")


def test_without_a_token_the_control_page_asks_for_one(browser_context, live_web):
    page = open_page(browser_context, f"{live_web.url}/control")
    page.wait_for_selector("#login:not([hidden])")
    page.fill("#token-input", "wrong-token-000000000000")
    page.click("#login button")
    page.wait_for_function("() => document.getElementById('login-error').textContent.includes('refused')")
    assert page.is_hidden("#panel")
    page.fill("#token-input", TOKEN)
    page.click("#login button")
    page.wait_for_selector("#panel:not([hidden])")


def test_an_action_refused_by_the_show_is_shown_to_the_producer(browser_context, live_web):
    control = open_control(browser_context, live_web)
    control.click("#btn-back")
    control.wait_for_function("() => document.getElementById('action-error').textContent.includes('not started')")


def test_killing_the_server_shows_disconnected_and_a_restart_recovers_without_reload(browser_context, live_web):
    presenter = open_page(browser_context, f"{live_web.url}/presenter")
    control = open_control(browser_context, live_web)
    presenter.wait_for_function("() => document.body.dataset.connection === 'connected'")
    presenter.evaluate("window.sameDocument = true")
    control.evaluate("window.sameDocument = true")
    port_number = live_web.served.port
    live_web.thread.run(live_web.served.close())
    presenter.wait_for_function("() => document.body.dataset.connection === 'disconnected'")
    assert "disconnected" in presenter.text_content("#connection")
    control.wait_for_function("() => document.getElementById('connection').textContent.includes('disconnected')")

    async def restart():
        return await serve(create_app(live_web.port, TOKEN), "127.0.0.1", port_number)

    live_web.served = live_web.thread.run(restart())
    live_web.thread.run(live_web.port.act("show.start", {}))
    presenter.wait_for_function("() => document.getElementById('segment-title').textContent === 'Welcome'", timeout=10000)
    control.wait_for_function("() => document.body.dataset.connection === 'connected'", timeout=10000)
    control.click("#btn-next")
    presenter.wait_for_function("() => document.getElementById('segment-title').textContent === 'Interview'")
    assert presenter.evaluate("window.sameDocument") is True
    assert control.evaluate("window.sameDocument") is True


def test_the_producer_message_blinks_on_the_presenter_and_clears(browser_context, live_web):
    control = open_control(browser_context, live_web)
    presenter = open_page(browser_context, f"{live_web.url}/presenter")
    control.fill("#message-input", "Wrap up in one minute")
    control.check("#message-blink")
    control.click("#message-form button[type=submit]")
    presenter.wait_for_selector("#message.blink:not([hidden])")
    assert presenter.text_content("#message") == "Wrap up in one minute"
    control.click("#message-clear")
    presenter.wait_for_selector("#message[hidden]", state="attached")


def test_a_guest_added_in_control_joins_the_queue(browser_context, live_web):
    control = open_control(browser_context, live_web)
    control.click("#guests-card summary")
    control.fill("#guest-form input[name=name]", "Omar Li")
    control.fill("#guest-form textarea[name=talking_points]", "Open source\nHiring")
    control.click("#guest-form button[type=submit]")
    control.wait_for_selector("tr.guest .guest-name")
    [guest] = live_web.thread.call(lambda: live_web.port.guests.list("Launch AMA"))
    assert (guest["name"], guest["talking_points"]) == ("Omar Li", ["Open source", "Hiring"])
