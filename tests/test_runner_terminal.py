"""The terminal view's keys and screen: no single slip ends the show, user text never drives the terminal."""

from __future__ import annotations

import asyncio

import pytest
from rich.console import Console

from livekit.control.presses import CONFIRM_WINDOW_MS
from livekit.core.clock import FakeClock
from livekit.core.rundown import Rundown, Segment
from livekit.core.schedule import ShowPlan
from livekit.runner.terminal import TerminalView, render
from tests.fixtures.live_show import live_show_runner


def two_segments() -> Rundown:
    return Rundown(title="Keys", segments=(Segment("One", 60_000), Segment("Two", 60_000)))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def view(workspace, clock) -> TerminalView:
    runner = live_show_runner(workspace.database(), two_segments(), clock)
    return TerminalView(runner, {}, on_quit=lambda: None)


def go_live(view: TerminalView, segment: int) -> None:
    asyncio.run(view.runner.act("show.start", {}))
    if segment:
        asyncio.run(view.runner.act("show.jump", {"segment": segment}))


def test_n_on_the_last_segment_asks_first_and_ends_on_the_second_press(view):
    go_live(view, 1)
    assert view.action_for("n") is None
    assert "again" in view.last_error
    assert view.action_for("n") == ("show.end", {"confirm": True})


def test_n_before_the_last_segment_moves_on_at_once(view):
    go_live(view, 0)
    assert view.action_for("n") == ("show.next", {})


def test_the_end_confirmation_expires_after_five_seconds(view, clock):
    go_live(view, 0)
    assert view.action_for("e") is None
    clock.advance(CONFIRM_WINDOW_MS + 100)
    assert view.action_for("e") is None, "a first press 5 s ago must not end the show"
    clock.advance(1000)
    assert view.action_for("e") == ("show.end", {"confirm": True})


def test_another_key_between_the_two_presses_disarms_the_end(view):
    go_live(view, 0)
    view.action_for("e")
    view.action_for("h")
    assert view.action_for("e") is None


def test_u_undoes_the_last_move(view):
    go_live(view, 0)
    assert view.action_for("u") == ("show.undo", {})


def test_escape_sequences_in_user_text_are_shown_not_run():
    clear_screen = "\x1b[2J"
    state = {
        "show": {"title": f"Show{clear_screen}", "show_id": 1, "status": "live", "segments": [{}],
                 "phase": "normal", "remaining_ms": 5000, "held": False, "current": 0,
                 "segment_title": "Q&A\x1b]8;;http://evil\x07", "guest": f"Ada{clear_screen}",
                 "prompt": "\u202eesrever", "next_segment_title": None, "offset_ms": 0},
        "message": {"text": f"wrap{clear_screen}"},
        "obs": {}, "platforms": {},
    }
    console = Console(width=120, record=True)
    console.print(render(state, {}))
    text = console.export_text()
    assert "\x1b" not in text and "\u202e" not in text
    assert "Show\\x1b[2J" in text and "Ada\\x1b[2J" in text and "wrap\\x1b[2J" in text


def test_a_rehearsal_says_so_in_the_header(view):
    view.runner.rehearsal = True
    console = Console(width=120, record=True)
    console.print(render(view.runner.state(), {}))
    assert "REHEARSAL #" in console.export_text()


def test_a_platform_that_failed_shows_why_and_the_fix():
    from livekit.runner.terminal import platform_line

    line = platform_line({"state": "degraded", "detail": "chat: revoked", "health": "failed",
                          "reason": "Twitch revoked the chat permission", "fix": "run `livekit auth twitch`"})
    assert line == "failed (Twitch revoked the chat permission) — run `livekit auth twitch`"


def scheduled_view(workspace, clock, starts_in_ms: int, hard_out_after_ms: int) -> TerminalView:
    start = clock.now_ms() + starts_in_ms
    plan = ShowPlan(start, start + 120_000, "Europe/Paris", hard_out_ms=start + hard_out_after_ms)
    runner = live_show_runner(workspace.database(), two_segments(), clock, schedule=plan)
    return TerminalView(runner, {}, on_quit=lambda: None)


def screen(view: TerminalView) -> str:
    """The live view's text, runs of spaces and box lines as one space."""
    console = Console(width=120, record=True)
    console.print(render(view.runner.state(), {}))
    return " ".join(console.export_text().replace("│", " ").split())


def test_a_scheduled_show_counts_down_to_its_start_before_it_goes_live(workspace, clock):
    view = scheduled_view(workspace, clock, starts_in_ms=125_000, hard_out_after_ms=600_000)
    assert "starts in 2:05" in screen(view)
    clock.advance(135_000)
    assert "starts in +0:10" in screen(view), "an overdue start counts up"


def test_a_live_show_with_a_hard_out_shows_how_long_is_left_before_it(workspace, clock):
    view = scheduled_view(workspace, clock, starts_in_ms=0, hard_out_after_ms=600_000)
    go_live(view, 0)
    clock.advance(60_000)
    text = screen(view)
    assert "hard out in 9:00" in text and "starts in" not in text
