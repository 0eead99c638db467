"""The control room in real Chromium: clicks reach every page at once, user data stays text, pages recover."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

import pytest_asyncio

from greenroom.db import open_database
from livekit.web import create_app, serve
from tests.fixtures.browser import BROWSER_TESTS
from tests.fixtures.live_show import ask, live_show_runner

pytestmark = BROWSER_TESTS

TOKEN = "browser-test-token-0123456789"
XSS = "<img src=x onerror=alert(1)>"


@pytest_asyncio.fixture(loop_scope="session")
async def live_web(workspace):
    """The web app over the real runner (OBS and platforms off), served on a free loopback port."""
    db = open_database(workspace.database_path)
    port = live_show_runner(db)
    served = await serve(create_app(port, TOKEN), "127.0.0.1", 0)
    web = SimpleNamespace(port=port, served=served, url=served.url)
    yield web
    await web.served.close()
    db.conn.close()


async def open_page(context, url, dialogs=None):
    page = await context.new_page()
    if dialogs is not None:
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), asyncio.ensure_future(dialog.dismiss())))
    await page.goto(url)
    return page


async def open_control(context, web, dialogs=None):
    page = await open_page(context, f"{web.url}/control#token={TOKEN}", dialogs)
    await page.wait_for_selector("#panel:not([hidden])")
    return page


def text_is(element_id: str, text: str) -> str:
    return f"() => document.getElementById({element_id!r}).textContent === {text!r}"


async def put_on_air(web, guest_id):
    for status in ("confirmed", "in_green_room", "on_air"):
        await web.port.act("guests.status", {"id": guest_id, "status": status})


async def test_a_click_on_next_in_control_changes_presenter_and_overlay(browser_context, live_web):
    control = await open_control(browser_context, live_web)
    presenter = await open_page(browser_context, f"{live_web.url}/presenter")
    overlay = await open_page(browser_context, f"{live_web.url}/overlay")
    await control.click("#btn-start")
    await presenter.wait_for_function(text_is("segment-title", "Welcome"))
    await control.click("#btn-next")
    await presenter.wait_for_function(text_is("segment-title", "Interview"))
    await overlay.wait_for_function(text_is("segment-title", "Interview"))
    assert await presenter.text_content("#prompt") == "Ask about the launch"
    assert await overlay.is_visible("#segment")


async def test_the_presenter_counts_down_the_segment(browser_context, live_web):
    presenter = await open_page(browser_context, f"{live_web.url}/presenter")
    await live_web.port.act("show.start", {})
    await presenter.wait_for_function(text_is("countdown", "1:00"))
    await presenter.wait_for_function(text_is("countdown", "0:59"), timeout=3000)
    assert await presenter.get_attribute("body", "data-phase") == "normal"
    assert await presenter.text_content("#next-prompt") in ("In 0:29: Plug the newsletter", "In 0:28: Plug the newsletter")


async def test_a_guest_put_on_air_shows_in_the_overlay_lower_third_and_to_the_host(browser_context, live_web):
    guest = live_web.port.guests.add(
        live_web.port.key, name="Jane Doe", pronouns="she/her", title_or_handle="CEO, Acme",
        talking_points=["Ask about hiring"], notes="PRIVATE-GUEST-NOTE",
    )
    control = await open_control(browser_context, live_web)
    presenter = await open_page(browser_context, f"{live_web.url}/presenter")
    overlay = await open_page(browser_context, f"{live_web.url}/overlay")
    row = f"tr[data-guest-id='{guest['id']}']"
    for status in ("confirmed", "in_green_room", "on_air"):
        await control.click(f"{row} button[data-status='{status}']")
        await control.wait_for_selector(f"{row}.status-{status}")
    await overlay.wait_for_selector("#lower-third:not([hidden])")
    assert await overlay.text_content("#guest-name") == "Jane Doe (she/her)"
    assert await overlay.text_content("#guest-title") == "CEO, Acme"
    await presenter.wait_for_selector("#guest-card:not([hidden])")
    assert await presenter.text_content("#guest") == "Jane Doe (she/her) — CEO, Acme"
    assert await presenter.text_content("#guest-points") == "Ask about hiring"
    assert "PRIVATE-GUEST-NOTE" not in await overlay.content() + await presenter.content()
    assert await control.text_content("#lower-third") == "Jane Doe (she/her) — CEO, Acme"


async def test_script_in_user_data_stays_inert_text_everywhere(browser_context, live_web):
    dialogs: list[str] = []
    guest = live_web.port.guests.add(live_web.port.key, name=XSS, title_or_handle="<script>alert(2)</script>", notes=XSS)
    await put_on_air(live_web, guest["id"])
    await live_web.port.act("message.set", {"text": XSS, "blink": False})
    control = await open_control(browser_context, live_web, dialogs)
    presenter = await open_page(browser_context, f"{live_web.url}/presenter", dialogs)
    overlay = await open_page(browser_context, f"{live_web.url}/overlay", dialogs)
    await overlay.wait_for_selector("#lower-third:not([hidden])")
    await presenter.wait_for_selector("#message:not([hidden])")
    await control.wait_for_selector(".guest-name")
    assert await overlay.text_content("#guest-name") == XSS
    assert await presenter.text_content("#message") == XSS
    assert await control.text_content(".guest-name") == XSS
    assert await control.text_content(".notes") == XSS
    for page in (control, presenter, overlay):
        assert await page.locator("img").count() == 0
        assert await page.evaluate("() => document.querySelectorAll('script').length") == 2
    await control.wait_for_timeout(300)
    assert dialogs == []


async def test_the_token_leaves_the_address_bar_and_survives_a_reload(browser_context, live_web):
    control = await open_control(browser_context, live_web)
    assert "token" not in control.url
    await control.reload()
    await control.wait_for_selector("#panel:not([hidden])")


async def test_without_a_token_the_control_page_asks_for_one(browser_context, live_web):
    page = await open_page(browser_context, f"{live_web.url}/control")
    await page.wait_for_selector("#login:not([hidden])")
    await page.fill("#token-input", "wrong-token-000000000000")
    await page.click("#login button")
    await page.wait_for_function("() => document.getElementById('login-error').textContent.includes('refused')")
    assert await page.is_hidden("#panel")
    await page.fill("#token-input", TOKEN)
    await page.click("#login button")
    await page.wait_for_selector("#panel:not([hidden])")


async def test_an_action_refused_by_the_show_is_shown_to_the_producer(browser_context, live_web):
    control = await open_control(browser_context, live_web)
    await control.click("#btn-back")
    await control.wait_for_function("() => document.getElementById('action-error').textContent.includes('not started')")


async def test_killing_the_server_shows_disconnected_and_a_restart_recovers_without_reload(browser_context, live_web):
    presenter = await open_page(browser_context, f"{live_web.url}/presenter")
    control = await open_control(browser_context, live_web)
    await presenter.wait_for_function("() => document.body.dataset.connection === 'connected'")
    for page in (presenter, control):
        await page.evaluate("() => { window.sameDocument = true; }")
    port_number = live_web.served.port
    await live_web.served.close()
    await presenter.wait_for_function("() => document.body.dataset.connection === 'disconnected'")
    assert "disconnected" in await presenter.text_content("#connection")
    await control.wait_for_function("() => document.getElementById('connection').textContent.includes('disconnected')")

    live_web.served = await serve(create_app(live_web.port, TOKEN), "127.0.0.1", port_number)
    await live_web.port.act("show.start", {})
    await presenter.wait_for_function(text_is("segment-title", "Welcome"), timeout=10000)
    await control.wait_for_function("() => document.body.dataset.connection === 'connected'", timeout=10000)
    await control.click("#btn-next")
    await presenter.wait_for_function(text_is("segment-title", "Interview"))
    assert await presenter.evaluate("() => window.sameDocument") is True
    assert await control.evaluate("() => window.sameDocument") is True


async def test_the_producer_message_blinks_on_the_presenter_and_clears(browser_context, live_web):
    control = await open_control(browser_context, live_web)
    presenter = await open_page(browser_context, f"{live_web.url}/presenter")
    await control.fill("#message-input", "Wrap up in one minute")
    await control.check("#message-blink")
    await control.click("#message-form button[type=submit]")
    await presenter.wait_for_selector("#message.blink:not([hidden])")
    assert await presenter.text_content("#message") == "Wrap up in one minute"
    await control.click("#message-clear")
    await presenter.wait_for_selector("#message[hidden]", state="attached")


async def test_a_guest_added_in_control_joins_the_queue(browser_context, live_web):
    control = await open_control(browser_context, live_web)
    await control.click("#guests-card summary")
    await control.fill("#guest-form input[name=name]", "Omar Li")
    await control.fill("#guest-form textarea[name=talking_points]", "Open source\nHiring")
    await control.click("#guest-form button[type=submit]")
    await control.wait_for_selector("tr.guest .guest-name")
    [guest] = live_web.port.guests.list(live_web.port.key)
    assert (guest["name"], guest["talking_points"]) == ("Omar Li", ["Open source", "Hiring"])


async def test_a_viewer_question_put_on_screen_reaches_overlay_and_presenter_as_text(browser_context, live_web):
    dialogs: list[str] = []
    question_id = ask(live_web.port, "viewer<b>1</b>", XSS + " what is next?")
    control = await open_control(browser_context, live_web, dialogs)
    overlay = await open_page(browser_context, f"{live_web.url}/overlay", dialogs)
    presenter = await open_page(browser_context, f"{live_web.url}/presenter", dialogs)
    item = f"li[data-question-id='{question_id}']"
    await control.click(f"{item} button[data-question-action='approve']")
    await control.wait_for_selector(f"{item}.status-approved")
    await control.click(f"{item} button[data-question-action='show']")
    await overlay.wait_for_selector("#question:not([hidden])")
    assert await overlay.text_content("#question-text") == XSS + " what is next?"
    assert await overlay.text_content("#question-author") == "viewer<b>1</b> · twitch"
    await presenter.wait_for_function("() => document.getElementById('question').textContent.startsWith('Q: <img')")
    await control.click(f"{item} button[data-question-action='answer']")
    await overlay.wait_for_selector("#question[hidden]", state="attached")
    assert await overlay.locator("img, b").count() == 0
    assert dialogs == []


class ServerClockAnHourAhead:
    """The server's clock differs from the browser's: pages must count down in server time."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000 + 3_600_000


async def test_pages_count_down_in_server_time_even_when_their_own_clock_is_off(browser_context, workspace):
    db = open_database(workspace.database_path)
    clock = ServerClockAnHourAhead()
    port = live_show_runner(db, clock=clock)
    served = await serve(create_app(port, TOKEN, clock=clock.now_ms), "127.0.0.1", 0)
    try:
        presenter = await open_page(browser_context, f"{served.url}/presenter")
        await presenter.wait_for_function("() => document.body.dataset.connection === 'connected'")
        await presenter.wait_for_timeout(700)  # a few clock pings
        await port.act("show.start", {})
        await presenter.wait_for_function(text_is("countdown", "1:00"))
        await presenter.wait_for_function(text_is("countdown", "0:59"), timeout=3000)
    finally:
        await served.close()
        db.conn.close()


async def test_editing_a_guests_title_in_control_changes_the_overlay_lower_third(browser_context, live_web):
    guest = live_web.port.guests.add(live_web.port.key, name="Jane Doe", title_or_handle="CEO, Acme", contact="jane@acme.test")
    await put_on_air(live_web, guest["id"])
    control = await open_control(browser_context, live_web)
    overlay = await open_page(browser_context, f"{live_web.url}/overlay")
    await overlay.wait_for_function(text_is("guest-title", "CEO, Acme"))
    await control.click(f"tr[data-guest-id='{guest['id']}'] button[data-edit]")
    form = f"tr[data-edit-guest-id='{guest['id']}'] form"
    assert await control.input_value(f"{form} input[name=contact]") == "jane@acme.test"
    await control.fill(f"{form} input[name=title_or_handle]", "Founder, Acme Labs")
    await control.click(f"{form} button[type=submit]")
    await overlay.wait_for_function(text_is("guest-title", "Founder, Acme Labs"))
    await control.wait_for_selector(form, state="detached")
    assert live_web.port.guests.get(guest["id"])["contact"] == "jane@acme.test"


async def test_a_script_typed_into_a_guests_notes_stays_text(browser_context, live_web):
    dialogs: list[str] = []
    guest = live_web.port.guests.add(live_web.port.key, name="Omar Li")
    control = await open_control(browser_context, live_web, dialogs)
    await control.click(f"tr[data-guest-id='{guest['id']}'] button[data-edit]")
    await control.fill(f"tr[data-edit-guest-id='{guest['id']}'] textarea[name=notes]", XSS)
    await control.click(f"tr[data-edit-guest-id='{guest['id']}'] button[type=submit]")
    await control.wait_for_function("() => document.querySelector('.notes').textContent.startsWith('<img')")
    assert await control.text_content(".notes") == XSS
    assert live_web.port.guests.get(guest["id"])["notes"] == XSS
    assert await control.locator("img").count() == 0
    await control.wait_for_timeout(300)
    assert dialogs == []


async def test_what_the_producer_types_in_an_open_edit_form_survives_state_pushes(browser_context, live_web):
    first = live_web.port.guests.add(live_web.port.key, name="Jane Doe")
    second = live_web.port.guests.add(live_web.port.key, name="Omar Li")
    control = await open_control(browser_context, live_web)
    field = f"tr[data-edit-guest-id='{first['id']}'] input[name=topic]"
    await control.click(f"tr[data-guest-id='{first['id']}'] button[data-edit]")
    await control.fill(field, "Half-typed topic")
    await live_web.port.act("guests.status", {"id": second["id"], "status": "confirmed"})
    await control.wait_for_selector(f"tr[data-guest-id='{second['id']}'].status-confirmed")
    assert await control.input_value(field) == "Half-typed topic"
    assert await control.evaluate("() => document.activeElement.name") == "topic"


async def test_an_edit_refused_by_the_server_is_shown_next_to_the_form(browser_context, live_web):
    guest = live_web.port.guests.add(live_web.port.key, name="Jane Doe")
    control = await open_control(browser_context, live_web)
    form = f"tr[data-edit-guest-id='{guest['id']}'] form"
    await control.click(f"tr[data-guest-id='{guest['id']}'] button[data-edit]")
    await control.fill(f"{form} input[name=name]", "  ")
    await control.click(f"{form} button[type=submit]")
    await control.wait_for_function(
        f"() => document.querySelector(\"{form} .error\").textContent.includes('needs a name')"
    )
    assert live_web.port.guests.get(guest["id"])["name"] == "Jane Doe"
    await control.click(f"{form} button[data-edit-cancel]")
    await control.wait_for_selector(form, state="detached")


async def test_keyboard_n_starts_then_advances_the_show_but_not_while_typing(browser_context, live_web):
    control = await open_control(browser_context, live_web)
    presenter = await open_page(browser_context, f"{live_web.url}/presenter")
    await control.focus("#message-input")
    await control.keyboard.press("n")
    await control.wait_for_timeout(200)
    assert live_web.port.show.status.value == "ready"
    await control.click("h1")
    await control.keyboard.press("n")
    await presenter.wait_for_function(text_is("segment-title", "Welcome"))
    await control.wait_for_function(text_is("segment-title", "Welcome"))
    await control.keyboard.press("n")
    await presenter.wait_for_function(text_is("segment-title", "Interview"))
    assert await control.get_attribute("#btn-next", "title") == "Next (n)"


async def test_a_hold_puts_a_banner_across_the_control_room(browser_context, live_web):
    control = await open_control(browser_context, live_web)
    await live_web.port.act("show.start", {})
    assert await control.is_hidden("#hold-banner")
    await control.click("#btn-hold")
    await control.wait_for_selector("#hold-banner:not([hidden])")
    assert "ON HOLD" in await control.text_content("#hold-banner")
    await control.click("#btn-resume")
    await control.wait_for_selector("#hold-banner[hidden]", state="attached")


async def test_control_ticks_show_time_and_the_actual_column_between_pushes(browser_context, live_web):
    # The runner's clock task is not running here: after the start nothing is pushed, so what moves is local.
    control = await open_control(browser_context, live_web)
    await live_web.port.act("show.start", {})
    await control.wait_for_function(text_is("segment-title", "Welcome"))
    await control.wait_for_function(text_is("show-elapsed", "0:02"), timeout=4000)
    assert await control.text_content("#rundown li.current .actual") in ("0:02", "0:03")


async def test_guest_buttons_are_named_after_what_they_do_from_the_guests_status(browser_context, live_web):
    guest = live_web.port.guests.add(live_web.port.key, name="Jane Doe", status="confirmed")
    control = await open_control(browser_context, live_web)
    row = f"tr[data-guest-id='{guest['id']}']"
    assert await control.text_content(f"{row} button[data-status='in_green_room']") == "Check in"
    for status in ("in_green_room", "on_air"):
        await live_web.port.act("guests.status", {"id": guest["id"], "status": status})
    await control.wait_for_selector(f"{row}.status-on_air")
    assert await control.text_content(f"{row} button[data-status='in_green_room']") == "Off air (to green room)"
    assert await control.text_content(f"{row} button[data-status='done']") == "Off air (done)"
    assert "Check in" not in await control.text_content(f"{row} .actions")


async def test_next_on_the_last_segment_asks_before_ending_the_show(browser_context, live_web):
    control = await open_control(browser_context, live_web)
    await live_web.port.act("show.start", {})
    await live_web.port.act("show.jump", {"segment": 3})
    await control.wait_for_function(text_is("segment-title", "Goodbye"))
    await control.click("#btn-next")
    await control.wait_for_selector("#confirm-end:not([hidden])")
    assert live_web.port.show.status.value == "live"
    assert "last segment" in await control.text_content("#confirm-end-text")
    await control.click("#btn-confirm-end")
    await control.wait_for_function(text_is("countdown", "ended"))
    assert live_web.port.show.status.value == "ended"


async def test_the_presenter_flashes_its_background_in_overtime_and_never_hides_the_countdown(browser_context,
                                                                                             live_web):
    presenter = await open_page(browser_context, f"{live_web.url}/presenter")
    await live_web.port.act("show.start", {})
    await live_web.port.act("show.shorten", {"seconds": 59})
    await presenter.wait_for_function("() => document.body.dataset.phase === 'overtime'", timeout=4000)
    styles = await presenter.evaluate("""() => ({
        body: getComputedStyle(document.body).animationName,
        countdown: getComputedStyle(document.getElementById('countdown')).animationName,
        visibility: getComputedStyle(document.getElementById('countdown')).visibility,
    })""")
    assert styles == {"body": "overtime-flash", "countdown": "none", "visibility": "visible"}
    assert (await presenter.text_content("#countdown")).startswith("+0:0")


async def test_control_buttons_say_which_segment_they_were_pressed_for(browser_context, live_web):
    control = await open_control(browser_context, live_web)
    await live_web.port.act("show.start", {})
    await control.wait_for_function(text_is("segment-title", "Welcome"))
    await control.click("#btn-next")
    await control.wait_for_function(text_is("segment-title", "Interview"))
    await control.click("#btn-next")  # a second click at once is a new press for segment 2, not a double press
    await control.wait_for_function(text_is("segment-title", "Questions"))
    assert live_web.port.show.current == 2


async def test_every_page_says_rehearsal_during_a_rehearsal(browser_context, live_web):
    live_web.port.rehearsal = True
    control = await open_control(browser_context, live_web)
    presenter = await open_page(browser_context, f"{live_web.url}/presenter")
    overlay = await open_page(browser_context, f"{live_web.url}/overlay")
    for page in (control, presenter, overlay):
        await page.wait_for_selector("#rehearsal:not([hidden])")
        assert "REHEARSAL" in await page.text_content("#rehearsal")


async def test_a_real_show_has_no_rehearsal_banner(browser_context, live_web):
    control = await open_control(browser_context, live_web)
    await live_web.port.act("show.start", {})
    await control.wait_for_function(text_is("segment-title", "Welcome"))
    assert await control.is_hidden("#rehearsal")


async def test_the_undo_button_is_enabled_after_a_move_and_undoes_it(browser_context, live_web):
    control = await open_control(browser_context, live_web)
    await live_web.port.act("show.start", {})
    await control.wait_for_function(text_is("segment-title", "Welcome"))
    assert await control.is_disabled("#btn-undo")
    await control.click("#btn-skip")
    await control.wait_for_function(text_is("segment-title", "Interview"))
    await control.wait_for_selector("#btn-undo:not([disabled])")
    await control.click("#btn-undo")
    await control.wait_for_function(text_is("segment-title", "Welcome"))
    await control.wait_for_selector("#btn-undo[disabled]", state="attached")
    assert live_web.port.show.current == 0
