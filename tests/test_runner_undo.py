"""The state tells every page until when the last move (next, back, jump, skip) can be undone."""

from __future__ import annotations

import asyncio

import pytest

from livekit.core.clock import FakeClock
from livekit.core.show import UNDO_WINDOW_MS
from livekit.web.views import view_of
from tests.fixtures.live_show import live_show_runner


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def runner(workspace, clock):
    return live_show_runner(workspace.database(), clock=clock)


def act(runner, action: str, **params) -> dict:
    return asyncio.run(runner.act(action, params))


def test_nothing_can_be_undone_before_the_show_starts_nor_right_after_it_starts(runner):
    assert runner.state()["show"]["undo_until_ms"] is None
    assert act(runner, "show.start")["show"]["undo_until_ms"] is None


def test_a_move_can_be_undone_for_the_undo_window(runner, clock):
    act(runner, "show.start")
    clock.advance(5_000)
    moved_at = clock.now_ms()
    assert act(runner, "show.next")["show"]["undo_until_ms"] == moved_at + UNDO_WINDOW_MS


def test_undo_offers_only_a_move_that_is_the_last_action(runner, clock):
    """The core's rule: undo reverts the last action when it was a move; after an extend there is none."""
    act(runner, "show.start")
    clock.advance(1_000)
    act(runner, "show.skip")
    clock.advance(1_000)
    assert act(runner, "show.extend", seconds=30)["show"]["undo_until_ms"] is None


def test_after_the_window_the_move_can_no_longer_be_undone(runner, clock):
    act(runner, "show.start")
    clock.advance(1_000)
    act(runner, "show.next")
    clock.advance(UNDO_WINDOW_MS + 1)  # the window's last millisecond still counts (livekit.core.show)
    assert runner.state()["show"]["undo_until_ms"] is None


def test_the_control_room_and_the_presenter_see_the_undo_deadline(runner, clock):
    act(runner, "show.start")
    clock.advance(1_000)
    state = act(runner, "show.next")
    for page in ("control", "presenter"):
        view = view_of(state, page)
        assert view["show"] is not None and view["show"]["undo_until_ms"] == state["show"]["undo_until_ms"]
    assert "undo_until_ms" not in (view_of(state, "overlay")["show"] or {})
