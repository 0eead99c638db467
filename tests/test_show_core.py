"""The show state machine, driven by a FakeClock: every operation, its event, and the edge cases."""

import json

import pytest

from livekit.core import FakeClock, Phase, Prompt, Rundown, Segment, Show, ShowError, ShowEvent, ShowStatus
from livekit.core.durations import display_seconds, format_clock, format_countdown
from livekit.core.show import UNDO_WINDOW_MS, SegmentState

S = 1000
RUNDOWN = Rundown(
    "Weekly Q&A",
    (
        Segment("Intro", 60 * S, scene="Camera", talking_points=("Welcome",)),
        Segment(
            "Interview",
            120 * S,
            scene="Interview",
            guest="Ada",
            prompts=(Prompt(0, "Introduce Ada"), Prompt(30 * S, "Ask about engines"), Prompt(90 * S, "Wrap up")),
        ),
        Segment("Outro", 30 * S, scene="Outro"),
    ),
    warning_ms=10 * S,
)


@pytest.fixture
def clock():
    return FakeClock(start_ms=1_000_000)


@pytest.fixture
def show(clock):
    return Show(RUNDOWN, clock)


@pytest.fixture
def live(show):
    show.start()
    return show


def test_a_new_show_is_ready_and_announces_its_first_segment(show):
    snapshot = show.snapshot()
    assert (snapshot.status, snapshot.current, snapshot.next_segment_title) == (ShowStatus.READY, None, "Intro")


def test_start_goes_live_on_the_first_segment_and_returns_its_event(show, clock):
    event = show.start()
    assert event == ShowEvent("start", 0, clock.now_ms())
    assert (show.status, show.current) == (ShowStatus.LIVE, 0)


def test_starting_twice_is_refused(live):
    with pytest.raises(ShowError, match="already live"):
        live.start()


def test_elapsed_and_remaining_follow_the_clock(live, clock):
    clock.advance(25 * S)
    snapshot = live.snapshot()
    assert (snapshot.elapsed_ms, snapshot.remaining_ms, snapshot.phase) == (25 * S, 35 * S, Phase.NORMAL)


def test_next_moves_on_and_records_actual_start_and_duration(live, clock):
    clock.advance(70 * S)
    event = live.next()
    assert (event.type, event.segment) == ("next", 1)
    intro = live.snapshot().segments[0]
    assert (intro.state, intro.actual_start_ms, intro.actual_duration_ms) == (SegmentState.DONE, 0, 70 * S)


def test_next_on_the_last_segment_ends_the_show(live, clock):
    live.jump(2)
    clock.advance(30 * S)
    event = live.next()
    assert event.type == "end"
    assert live.status is ShowStatus.ENDED
    assert live.snapshot().ended_at_ms == clock.now_ms()


def test_back_returns_to_the_previous_segment_and_continues_its_timer(live, clock):
    clock.advance(50 * S)
    live.next()
    clock.advance(5 * S)
    event = live.back()
    clock.advance(3 * S)
    assert (event.type, event.segment) == ("back", 0)
    assert live.snapshot().elapsed_ms == 53 * S


def test_back_on_the_first_segment_is_refused(live):
    with pytest.raises(ShowError, match="already at the first segment"):
        live.back()


def test_skip_then_back_returns_to_the_segment_skipped_from_not_two_back(live, clock):
    live.next()
    clock.advance(10 * S)
    live.skip()
    event = live.back()
    assert (event.segment, live.snapshot().guest) == (1, "Ada")
    assert live.snapshot().segments[1].state is SegmentState.CURRENT


def test_back_after_a_jump_returns_to_where_the_jump_came_from(live):
    live.jump(2)
    assert live.back().segment == 0


def test_back_pressed_again_walks_further_back_along_the_moves(live):
    live.next()
    live.jump(2)
    assert [live.back().segment, live.back().segment] == [1, 0]


def test_jump_makes_any_segment_current(live):
    assert live.jump(2).segment == 2
    assert live.snapshot().segment_title == "Outro"


@pytest.mark.parametrize("target", [-1, 3, 99])
def test_jump_out_of_range_is_refused_and_changes_nothing(live, target):
    with pytest.raises(ShowError, match="segments are numbered 0 to 2"):
        live.jump(target)
    assert live.current == 0
    assert len(live.events) == 1


def test_jump_to_the_current_segment_is_refused(live):
    with pytest.raises(ShowError, match="already on segment 0"):
        live.jump(0)


def test_hold_pauses_the_segment_timer_but_not_the_show(live, clock):
    clock.advance(10 * S)
    live.hold()
    clock.advance(20 * S)
    snapshot = live.snapshot()
    assert (snapshot.held, snapshot.elapsed_ms, snapshot.show_elapsed_ms, snapshot.held_total_ms) == (
        True, 10 * S, 30 * S, 20 * S,
    )


def test_resume_restarts_the_segment_timer(live, clock):
    clock.advance(10 * S)
    live.hold()
    clock.advance(20 * S)
    live.resume()
    clock.advance(5 * S)
    assert live.snapshot().elapsed_ms == 15 * S


def test_hold_makes_the_show_run_late_by_the_hold(live, clock):
    clock.advance(10 * S)
    live.hold()
    clock.advance(20 * S)
    assert live.snapshot().offset_ms == 20 * S


def test_hold_twice_and_resume_without_hold_are_refused(live):
    with pytest.raises(ShowError, match="not on hold"):
        live.resume()
    live.hold()
    with pytest.raises(ShowError, match="already on hold"):
        live.hold()


def test_hold_during_the_warning_keeps_the_warning_and_freezes_remaining_time(live, clock):
    clock.advance(55 * S)
    live.hold()
    clock.advance(60 * S)
    snapshot = live.snapshot()
    assert (snapshot.phase, snapshot.remaining_ms, snapshot.next_change_at_ms) == (Phase.WARNING, 5 * S, None)


def test_changing_segment_ends_a_hold(live, clock):
    live.hold()
    clock.advance(7 * S)
    live.next()
    clock.advance(3 * S)
    snapshot = live.snapshot()
    assert (snapshot.held, snapshot.elapsed_ms, snapshot.held_total_ms) == (False, 3 * S, 7 * S)


def test_phases_are_normal_then_warning_then_overtime(live, clock):
    phases = []
    for at in (49, 50, 59, 60, 61):
        clock.set(1_000_000 + at * S)
        phases.append(live.snapshot().phase)
    assert phases == [Phase.NORMAL, Phase.WARNING, Phase.WARNING, Phase.OVERTIME, Phase.OVERTIME]


def test_overtime_shows_negative_remaining_and_running_late(live, clock):
    clock.advance(75 * S)
    snapshot = live.snapshot()
    assert (snapshot.remaining_ms, snapshot.offset_ms) == (-15 * S, 15 * S)


def test_extend_moves_a_segment_out_of_overtime(live, clock):
    clock.advance(65 * S)
    event = live.extend(30 * S)
    snapshot = live.snapshot()
    assert (event.type, event.payload) == ("extend", {"ms": 30 * S})
    assert (snapshot.phase, snapshot.allotted_ms, snapshot.remaining_ms) == (Phase.NORMAL, 90 * S, 25 * S)


def test_extend_makes_the_show_expect_to_end_later(live, clock):
    live.extend(30 * S)
    assert live.snapshot().offset_ms == 30 * S


def test_shorten_moves_a_segment_into_overtime(live, clock):
    clock.advance(40 * S)
    live.shorten(30 * S)
    snapshot = live.snapshot()
    assert (snapshot.phase, snapshot.remaining_ms) == (Phase.OVERTIME, -10 * S)


def test_shortening_below_zero_is_refused(live):
    with pytest.raises(ShowError, match="only has 60000 ms allotted"):
        live.shorten(61 * S)


@pytest.mark.parametrize("amount", [0, -5, 1.5, True])
def test_extend_needs_a_positive_whole_number_of_milliseconds(live, amount):
    with pytest.raises(ShowError, match="positive number of milliseconds"):
        live.extend(amount)


def test_skip_leaves_the_current_segment_and_moves_on(live, clock):
    clock.advance(5 * S)
    event = live.skip()
    assert (event.type, event.segment, event.payload) == ("skip", 0, {"then": 1})
    assert live.current == 1


def test_a_segment_that_aired_and_was_skipped_is_shown_done_not_skipped(live, clock):
    clock.advance(5 * S)
    live.skip()
    intro = live.snapshot().segments[0]
    assert (intro.state, intro.skipped, intro.actual_duration_ms) == (SegmentState.DONE, False, 5 * S)


def test_skipping_a_later_segment_makes_next_pass_it_and_the_show_run_early(live, clock):
    live.skip(1)
    assert live.snapshot().offset_ms == -120 * S
    assert live.next().segment == 2


def test_skipping_the_last_segment_ends_the_show(live):
    live.jump(2)
    event = live.skip()
    assert event.ends_show
    assert live.status is ShowStatus.ENDED


def test_a_segment_that_aired_cannot_be_skipped_later(live):
    live.next()
    with pytest.raises(ShowError, match="has already aired"):
        live.skip(0)


def test_segments_can_be_skipped_before_the_show_starts(show):
    show.skip(0)
    assert show.start().segment == 1


def test_jumping_to_a_skipped_segment_brings_it_back(live):
    live.skip(2)
    live.jump(2)
    assert live.snapshot().segments[2].state is SegmentState.CURRENT


def test_end_finishes_the_show_and_then_everything_is_refused(live, clock):
    clock.advance(10 * S)
    live.end()
    for operation in (live.next, live.back, live.hold, live.end, lambda: live.extend(S), live.skip, live.start):
        with pytest.raises(ShowError, match="has ended"):
            operation()


def test_operations_before_the_start_are_refused(show):
    with pytest.raises(ShowError, match="has not started"):
        show.next()


def test_the_current_prompt_is_the_latest_one_reached(live, clock):
    live.next()
    seen = []
    for at in (0, 29, 30, 89, 90, 119):
        clock.set(1_000_000 + at * S)
        seen.append(live.snapshot().prompt)
    assert seen == ["Introduce Ada", "Introduce Ada", "Ask about engines", "Ask about engines", "Wrap up", "Wrap up"]


def test_the_next_prompt_is_announced_with_its_countdown(live, clock):
    live.next()
    clock.advance(20 * S)
    snapshot = live.snapshot()
    assert (snapshot.next_prompt, snapshot.next_prompt_in_ms) == ("Ask about engines", 10 * S)


def test_next_change_is_the_nearest_of_prompt_warning_and_planned_end(live, clock):
    start = clock.now_ms()
    live.next()
    changes = []
    for _ in range(5):
        change = live.next_change_at_ms()
        changes.append(None if change is None else change - start)
        if change is not None:
            clock.set(change)
    assert changes == [30 * S, 90 * S, 110 * S, 120 * S, None]


def test_expected_end_on_schedule_equals_planned_end(live, clock):
    clock.advance(30 * S)
    snapshot = live.snapshot()
    assert snapshot.expected_end_ms == snapshot.planned_end_ms == 1_000_000 + 210 * S
    assert snapshot.offset_ms == 0


def test_an_operation_the_journal_refuses_changes_nothing(clock):
    def failing_journal(event):
        raise OSError("disk full")

    show = Show(RUNDOWN, clock, journal=failing_journal)
    with pytest.raises(OSError):
        show.start()
    assert show.status is ShowStatus.READY
    assert show.events == ()


def test_the_journal_sees_each_event_before_it_is_applied(clock):
    seen = []
    show = Show(RUNDOWN, clock, journal=lambda event: seen.append((event.type, show.current)))
    show.start()
    show.next()
    assert seen == [("start", None), ("next", 0)]


def test_a_wall_clock_step_back_never_makes_time_negative(live, clock):
    clock.advance(10 * S)
    live.next()
    clock.set(clock.now_ms() - 60 * S)
    assert live.snapshot().elapsed_ms == 0
    assert live.next().at_ms >= live.events[-2].at_ms


def test_the_snapshot_is_json_ready(live, clock):
    clock.advance(5 * S)
    data = json.loads(json.dumps(live.snapshot().to_dict()))
    assert (data["status"], data["segment_title"], data["segments"][0]["state"]) == ("live", "Intro", "current")


def test_the_rundown_warning_wins_over_the_default(clock):
    assert Show(RUNDOWN, clock, default_warning_ms=99 * S).warning_ms == 10 * S
    no_warning = Rundown("T", RUNDOWN.segments)
    assert Show(no_warning, clock, default_warning_ms=99 * S).warning_ms == 99 * S


def test_replaying_the_events_rebuilds_the_same_show(live, clock):
    clock.advance(10 * S)
    live.hold()
    clock.advance(4 * S)
    live.next()
    clock.advance(20 * S)
    live.extend(15 * S)
    live.skip(2)
    clock.advance(1 * S)
    replayed = Show.replay(RUNDOWN, [ShowEvent.from_dict(e.to_dict()) for e in live.events], clock)
    assert replayed.snapshot() == live.snapshot()


def test_a_log_out_of_time_order_cannot_be_replayed(clock):
    events = [ShowEvent("start", 0, 2000), ShowEvent("next", 1, 1000)]
    with pytest.raises(ShowError, match="older than the previous one"):
        Show.replay(RUNDOWN, events, clock)


def test_a_log_with_an_impossible_event_cannot_be_replayed(clock):
    with pytest.raises(ShowError, match="has not started"):
        Show.replay(RUNDOWN, [ShowEvent("next", 1, 1000)], clock)


def test_each_stay_on_a_segment_is_an_airing_relative_to_the_show_start(live, clock):
    clock.advance(40 * S)
    live.next()
    clock.advance(20 * S)
    live.back()
    clock.advance(10 * S)
    segments = live.snapshot().segments
    assert segments[0].airings == ((0, 40 * S), (60 * S, None))
    assert segments[1].airings == ((40 * S, 60 * S),)
    assert segments[2].airings == ()


def test_undo_within_the_window_reverts_a_skip_and_the_time_counts_for_the_segment(live, clock):
    clock.advance(10 * S)
    live.skip()
    clock.advance(5 * S)
    event = live.undo()
    snapshot = live.snapshot()
    assert (event.type, event.segment, event.payload) == ("undo", 0, {"undoes": "skip"})
    assert (snapshot.current, snapshot.elapsed_ms, snapshot.segments[0].skipped) == (0, 15 * S, False)
    assert snapshot.segments[0].airings == ((0, None),)
    assert snapshot.segments[1].airings == ()


def test_undo_of_a_next_goes_back_and_keeps_the_hold_the_next_ended(live, clock):
    live.hold()
    clock.advance(5 * S)
    live.next()
    live.undo()
    assert (live.current, live.held) == (0, True)


def test_undo_after_the_window_is_refused_and_changes_nothing(live, clock):
    live.next()
    clock.advance(UNDO_WINDOW_MS + 1)
    with pytest.raises(ShowError, match="too late to undo: the next was 0:30 ago"):
        live.undo()
    assert (live.current, len(live.events)) == (1, 2)


def test_undo_at_the_last_millisecond_of_the_window_is_accepted(live, clock):
    live.next()
    clock.advance(UNDO_WINDOW_MS)
    assert live.undo().segment == 0


@pytest.mark.parametrize("action", ["hold", "extend"])
def test_only_moves_can_be_undone(live, action):
    live.hold() if action == "hold" else live.extend(S)
    with pytest.raises(ShowError, match=f"nothing to undo: .* the last action was {action}"):
        live.undo()


def test_the_start_cannot_be_undone(live):
    with pytest.raises(ShowError, match="nothing to undo"):
        live.undo()


def test_an_undo_is_not_undone_by_a_second_press(live):
    live.next()
    live.next()
    live.undo()
    with pytest.raises(ShowError, match="already undone"):
        live.undo()
    assert live.current == 1


def test_the_end_cannot_be_undone(live):
    live.end()
    with pytest.raises(ShowError, match="has ended"):
        live.undo()


def test_undo_until_tells_how_long_the_last_move_stays_undoable(live, clock):
    assert live.snapshot().undo_until_ms is None
    live.next()
    assert live.snapshot().undo_until_ms == clock.now_ms() + UNDO_WINDOW_MS
    clock.advance(UNDO_WINDOW_MS + 1)
    assert live.snapshot().undo_until_ms is None


def test_a_log_with_an_undo_replays_to_the_same_show(live, clock):
    clock.advance(10 * S)
    live.skip()
    clock.advance(2 * S)
    live.undo()
    clock.advance(3 * S)
    replayed = Show.replay(RUNDOWN, [ShowEvent.from_dict(e.to_dict()) for e in live.events], clock)
    assert replayed.snapshot() == live.snapshot()
    assert replayed.current == 0


def test_an_undo_with_nothing_to_undo_cannot_be_replayed(clock):
    with pytest.raises(ShowError, match="nothing to undo"):
        Show.replay(RUNDOWN, [ShowEvent("start", 0, 1000), ShowEvent("undo", 0, 2000)], clock)


def test_half_a_second_into_the_last_thirty_shows_0_30_left_and_0_30_elapsed(live, clock):
    clock.advance(30_500)
    snapshot = live.snapshot()
    assert (display_seconds(snapshot.remaining_ms), format_countdown(snapshot.remaining_ms)) == (30, "0:30")
    assert format_clock(snapshot.elapsed_ms) == "0:30"


def test_half_a_second_into_overtime_shows_plus_zero_never_minus_zero(live, clock):
    clock.advance(60_500)
    assert format_countdown(live.snapshot().remaining_ms) == "+0:00"
