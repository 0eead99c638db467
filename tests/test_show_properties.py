"""Properties that hold for any sequence of operations, and a four-hour show without drift."""

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from livekit.core import FakeClock, Rundown, Segment, Show, ShowError, ShowStatus
from livekit.core.show import ShowEvent

S = 1000

OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["next", "back", "jump", "hold", "resume", "extend", "shorten", "skip", "skip_later", "end",
                         "undo"]),
        st.integers(min_value=0, max_value=7),
        st.one_of(st.integers(min_value=0, max_value=40_000), st.integers(min_value=0, max_value=200_000)),
    ),
    max_size=40,
)
DURATIONS = st.lists(st.integers(min_value=1, max_value=600_000), min_size=1, max_size=8)


def run(durations, operations):
    """Start a show and throw operations at it (refused ones included), advancing the clock between them."""
    clock = FakeClock(start_ms=0)
    show = Show(Rundown("T", tuple(Segment(f"S{i}", d) for i, d in enumerate(durations))), clock, default_warning_ms=5 * S)
    show.start()
    for name, number, wait in operations:
        clock.advance(wait)
        try:
            if name in ("extend", "shorten"):
                getattr(show, name)(number * S + 1)
            elif name == "jump":
                show.jump(number % len(durations))
            elif name == "skip_later":
                show.skip(number % len(durations))
            else:
                getattr(show, name)()
        except ShowError:
            pass
    clock.advance(operations[-1][2] if operations else 1)
    return show, clock


@settings(max_examples=200, deadline=None)
@given(DURATIONS, OPERATIONS)
def test_segment_durations_add_up_to_show_time_minus_holds(durations, operations):
    show, _ = run(durations, operations)
    snapshot = show.snapshot()
    assert sum(s.actual_duration_ms for s in snapshot.segments) == snapshot.show_elapsed_ms - snapshot.held_total_ms


@settings(max_examples=200, deadline=None)
@given(DURATIONS, OPERATIONS)
def test_replaying_the_event_log_gives_the_identical_snapshot(durations, operations):
    show, clock = run(durations, operations)
    events = [ShowEvent.from_dict(event.to_dict()) for event in show.events]
    assert Show.replay(show.rundown, events, clock, default_warning_ms=5 * S).snapshot() == show.snapshot()


@settings(max_examples=200, deadline=None)
@given(DURATIONS, OPERATIONS)
def test_a_segment_that_aired_is_never_shown_skipped_and_its_airings_add_up(durations, operations):
    show, _ = run(durations, operations)
    snapshot = show.snapshot()
    for segment in snapshot.segments:
        assert not (segment.skipped and segment.airings)
        wall_clock = sum((snapshot.show_elapsed_ms if end is None else end) - start for start, end in segment.airings)
        assert wall_clock >= segment.actual_duration_ms


@settings(max_examples=200, deadline=None)
@given(DURATIONS, OPERATIONS, st.sampled_from(["next", "back", "skip"]), st.integers(min_value=0, max_value=30_000))
def test_an_undone_move_leaves_the_show_as_if_it_never_happened(durations, operations, move, wait):
    show, clock = run(durations, operations)
    untouched = Show.replay(show.rundown, show.events, clock, default_warning_ms=5 * S)
    try:
        getattr(show, move)()
    except ShowError:
        return
    if show.status is ShowStatus.ENDED:
        return
    clock.advance(wait)
    show.undo()
    expected = dataclasses.replace(untouched.snapshot(), undo_until_ms=None)
    assert show.snapshot() == expected


@settings(max_examples=200, deadline=None)
@given(DURATIONS, OPERATIONS)
def test_offset_is_expected_end_minus_planned_end_and_never_counts_aired_time_twice(durations, operations):
    show, _ = run(durations, operations)
    snapshot = show.snapshot()
    assert snapshot.offset_ms == snapshot.expected_end_ms - snapshot.planned_end_ms
    assert snapshot.expected_end_ms >= snapshot.now_ms or snapshot.status is ShowStatus.ENDED


@settings(max_examples=200, deadline=None)
@given(DURATIONS, OPERATIONS)
def test_the_next_change_is_always_in_the_future(durations, operations):
    show, clock = run(durations, operations)
    change = show.next_change_at_ms()
    assert change is None or change > clock.now_ms()


def test_a_four_hour_show_of_many_segments_run_on_cue_has_zero_drift():
    durations = [(i % 7 + 1) * 60_000 + (i % 13) * 1_001 + 333 for i in range(60)]
    clock = FakeClock(start_ms=1_700_000_000_123)
    rundown = Rundown("Marathon", tuple(Segment(f"Part {i}", d) for i, d in enumerate(durations)))
    assert rundown.planned_total_ms >= 4 * 3_600_000
    show = Show(rundown, clock)
    show.start()
    for duration in durations:
        for _ in range(duration // 9_973):
            clock.advance(9_973)
            assert show.snapshot().offset_ms == 0
        clock.advance(duration % 9_973)
        show.next()
    snapshot = show.snapshot()
    assert snapshot.status is ShowStatus.ENDED
    assert snapshot.offset_ms == 0
    assert snapshot.show_elapsed_ms == rundown.planned_total_ms
    assert [s.actual_duration_ms for s in snapshot.segments] == durations
    assert [s.actual_start_ms for s in snapshot.segments] == rundown.planned_starts_ms()
