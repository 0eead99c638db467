"""The scheduled-show core: local times in a zone, daylight-saving nights, hard outs, countdown math."""

import datetime

import pytest

from livekit.core.schedule import (
    ScheduledShow,
    ScheduleError,
    ScheduleStatus,
    ShowPlan,
    expected_end_ms,
    next_scheduled,
    parse_local_datetime,
    plan_show,
    refuse_past_start,
    schedule_key,
    to_utc_ms,
    upcoming,
)

MIN = 60_000
HOUR = 60 * MIN
#: An arbitrary moment inside the years shows can be planned in (2030-01-01 00:00 UTC).
T0 = int(datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC).timestamp()) * 1000


def utc_ms(text: str) -> int:
    return int(datetime.datetime.fromisoformat(text).timestamp() * 1000)


def test_a_local_start_is_stored_as_utc_with_the_zone_offset_of_that_day():
    winter = plan_show("2030-12-10 18:00", "Europe/Paris", planned_total_ms=HOUR)
    summer = plan_show("2030-07-10 18:00", "Europe/Paris", planned_total_ms=HOUR)
    assert winter.starts_at_ms == utc_ms("2030-12-10T17:00:00+00:00")
    assert summer.starts_at_ms == utc_ms("2030-07-10T16:00:00+00:00")
    assert (winter.timezone, winter.ends_at_ms - winter.starts_at_ms) == ("Europe/Paris", HOUR)


def test_a_time_the_clocks_skip_on_a_spring_forward_night_is_refused():
    with pytest.raises(ScheduleError, match=r"2031-03-30 02:30 does not exist in Europe/Paris"):
        to_utc_ms(parse_local_datetime("2031-03-30 02:30"), "Europe/Paris")


def test_a_time_that_happens_twice_on_a_fall_back_night_is_refused():
    with pytest.raises(ScheduleError, match=r"2031-10-26 02:30 happens twice in Europe/Paris"):
        to_utc_ms(parse_local_datetime("2031-10-26 02:30"), "Europe/Paris")


def test_an_unknown_time_zone_is_named_in_the_error():
    with pytest.raises(ScheduleError, match="unknown time zone 'Europe/Pariss'"):
        plan_show("2030-12-10 18:00", "Europe/Pariss", planned_total_ms=HOUR)


def test_a_start_with_a_utc_offset_or_without_a_time_of_day_is_refused():
    with pytest.raises(ScheduleError, match="has a UTC offset"):
        parse_local_datetime("2030-12-10 18:00+01:00")
    with pytest.raises(ScheduleError, match="no time of day"):
        parse_local_datetime("2030-12-10")


def test_a_hard_out_clock_time_is_the_first_after_the_start():
    evening = plan_show("2030-12-10 18:00", "Europe/Paris", planned_total_ms=HOUR, hard_out="19:30")
    late = plan_show("2030-12-10 23:00", "Europe/Paris", planned_total_ms=HOUR, hard_out="00:30")
    assert evening.hard_out_ms == utc_ms("2030-12-10T18:30:00+00:00")
    assert late.hard_out_ms == utc_ms("2030-12-10T23:30:00+00:00")


def test_a_plan_ending_after_its_hard_out_is_refused():
    with pytest.raises(ScheduleError, match="after its hard out"):
        plan_show("2030-12-10 18:00", "Europe/Paris", planned_total_ms=2 * HOUR, hard_out="19:30")


def test_an_end_before_the_start_is_refused():
    with pytest.raises(ScheduleError, match="must end after it starts"):
        plan_show("2030-12-10 18:00", "Europe/Paris", planned_total_ms=HOUR, ends_at="2030-12-10 17:00")


def test_moving_across_a_daylight_saving_change_keeps_the_local_hard_out_and_the_length():
    plan = plan_show("2031-03-29 18:00", "Europe/Paris", planned_total_ms=HOUR, hard_out="19:30")
    moved = plan.moved_to(to_utc_ms(parse_local_datetime("2031-03-30 18:00"), "Europe/Paris"))
    assert moved.starts_at_ms - plan.starts_at_ms == 23 * HOUR  # the night the clocks jump forward
    assert f"{moved.local_hard_out():%Y-%m-%d %H:%M}" == "2031-03-30 19:30"
    assert moved.duration_ms == HOUR


def test_starting_in_counts_down_to_the_planned_start_and_goes_negative_after_it():
    plan = ShowPlan(T0 + 10 * MIN, T0 + 70 * MIN, "UTC", hard_out_ms=T0 + 80 * MIN)
    assert plan.starts_in_ms(T0 + 8 * MIN) == 2 * MIN
    assert plan.starts_in_ms(T0 + 11 * MIN) == -MIN
    assert plan.hard_out_in_ms(T0 + 75 * MIN) == 5 * MIN


def test_expected_end_before_the_start_is_the_planned_start_plus_the_total():
    assert expected_end_ms(planned_start_ms=10 * MIN, planned_total_ms=HOUR, now_ms=5 * MIN) == 70 * MIN


def test_expected_end_moves_with_every_minute_a_late_start_is_delayed():
    assert expected_end_ms(planned_start_ms=10 * MIN, planned_total_ms=HOUR, now_ms=13 * MIN) == 73 * MIN


def test_expected_end_of_a_live_show_is_the_show_cores_own():
    assert expected_end_ms(planned_start_ms=10 * MIN, planned_total_ms=HOUR, now_ms=20 * MIN,
                           live_expected_end_ms=75 * MIN) == 75 * MIN


def test_a_start_in_the_past_is_refused():
    with pytest.raises(ScheduleError, match="is in the past"):
        refuse_past_start(ShowPlan(T0 + 10 * MIN, T0 + 70 * MIN, "UTC"), now_ms=T0 + 10 * MIN)


def _scheduled(key, start_min, status=ScheduleStatus.SCHEDULED):
    return ScheduledShow(key, key, ShowPlan(T0 + start_min * MIN, T0 + (start_min + 60) * MIN, "UTC"), HOUR,
                         status=status)


def test_upcoming_lists_shows_not_over_yet_soonest_first_without_cancelled_ones():
    shows = [_scheduled("later", 300), _scheduled("over", 0), _scheduled("soon", 100),
             _scheduled("dropped", 200, ScheduleStatus.CANCELLED)]
    assert [show.key for show in upcoming(shows, now_ms=T0 + 90 * MIN)] == ["soon", "later"]
    assert [show.key for show in upcoming(shows, now_ms=T0 + 90 * MIN, include_cancelled=True)] == [
        "soon", "dropped", "later"]
    assert next_scheduled(shows, now_ms=T0 + 90 * MIN).key == "soon"


def test_a_show_key_is_the_local_date_and_title_and_never_collides():
    plan = plan_show("2030-12-10 23:30", "America/New_York", planned_total_ms=HOUR)
    assert schedule_key("Weekly Q&A — Ünïcode", plan) == "2030-12-10-weekly-q-a-unicode"
    assert schedule_key("Weekly Q&A — Ünïcode", plan, ["2030-12-10-weekly-q-a-unicode"]) == (
        "2030-12-10-weekly-q-a-unicode-2")
