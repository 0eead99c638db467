"""Durations as people write them become exact integer milliseconds, and print back the same way."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livekit.core.durations import (
    display_seconds,
    format_clock,
    format_countdown,
    format_duration,
    format_signed,
    parse_duration,
)


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("90s", 90_000),
        ("2m", 120_000),
        ("1h5m", 3_900_000),
        ("1m30s", 90_000),
        ("1h 2m 3s", 3_723_000),
        ("1:30", 90_000),
        ("1:02:03", 3_723_000),
        ("90", 90_000),
        (90, 90_000),
        ("1.5s", 1_500),
        ("1.5m", 90_000),
        ("250ms", 250),
        ("0", 0),
        ("2M", 120_000),
    ],
)
def test_written_durations_become_milliseconds(text, ms):
    assert parse_duration(text) == ms


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("90x", "is not a duration"),
        ("", "is not a duration"),
        ("m", "is not a duration"),
        ("1:75", "below 60"),
        ("1:61:00", "below 60"),
        ("1m1m", "repeats the unit"),
        ("1.0005s", "finer than a millisecond"),
        (-5, "negative"),
        (True, "is not a duration"),
        ("-5s", "is not a duration"),
    ],
)
def test_bad_durations_are_refused_with_a_reason(text, complaint):
    with pytest.raises(ValueError, match=complaint):
        parse_duration(text)


@pytest.mark.parametrize(
    ("ms", "text"),
    [(0, "0s"), (45_000, "45s"), (90_000, "1m30s"), (3_900_000, "1h5m"), (1_500, "1.5s"), (3_600_000, "1h")],
)
def test_durations_print_in_the_compact_written_form(ms, text):
    assert format_duration(ms) == text


@given(st.integers(min_value=0, max_value=100 * 3_600_000))
def test_every_printed_duration_reads_back_exactly(ms):
    assert parse_duration(format_duration(ms)) == ms


def test_clock_format_uses_hours_only_when_needed():
    assert format_clock(65_999) == "1:05"
    assert format_clock(3_723_000) == "1:02:03"
    assert format_clock(5_000, always_hours=True) == "0:00:05"


def test_offsets_carry_their_sign():
    assert format_signed(65_000) == "+1:05"
    assert format_signed(-30_000) == "-0:30"
    assert format_signed(0) == "0:00"


@pytest.mark.parametrize(
    ("ms", "seconds"),
    [(30_000, 30), (29_500, 30), (29_001, 30), (29_000, 29), (1, 1), (0, 0), (-1, 0), (-999, 0), (-1_000, -1),
     (-1_500, -1)],
)
def test_a_countdown_rounds_up_so_thirty_seconds_show_until_they_have_passed(ms, seconds):
    assert display_seconds(ms) == seconds


@pytest.mark.parametrize(
    ("ms", "text"),
    [(30_000, "0:30"), (29_500, "0:30"), (29_000, "0:29"), (1, "0:01"), (0, "+0:00"), (-500, "+0:00"),
     (-1_000, "+0:01"), (-61_000, "+1:01")],
)
def test_a_countdown_prints_time_left_then_overtime_never_minus_zero(ms, text):
    assert format_countdown(ms) == text


@given(st.integers(min_value=0, max_value=4 * 3_600_000), st.integers(min_value=0, max_value=3_600) )
def test_elapsed_rounded_down_and_remaining_rounded_up_add_up_to_the_allotted_time(elapsed, allotted_s):
    allotted = allotted_s * 1000
    assert elapsed // 1000 + display_seconds(allotted - elapsed) == allotted_s


@pytest.mark.parametrize("ms", [-1, -500, -999, 1, 999])
def test_less_than_a_second_either_way_never_shows_a_signed_zero(ms):
    assert (format_clock(ms), format_signed(ms)) == ("0:00", "0:00")
