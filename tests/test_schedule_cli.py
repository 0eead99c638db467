"""`livekit schedule` and `livekit shows --upcoming` (table, json, .ics) as a user types them."""

import datetime
import json
from zoneinfo import ZoneInfo

import icalendar
import pytest

from livekit.schedule import next_scheduled_show, schedule_changes, scheduled_show, upcoming_shows

RUNDOWN = "title: Weekly AMA\nsegments:\n  - {title: Intro, duration: 30m}\n  - {title: Q&A, duration: 30m}\n"
KEY = "2031-03-29-weekly-ama"


@pytest.fixture
def rundown(workspace):
    path = workspace.root / "ama.yaml"
    path.write_text(RUNDOWN, encoding="utf-8")
    return path


@pytest.fixture
def scheduled(livekit_cli, rundown):
    result = livekit_cli("schedule", str(rundown), "--at", "2031-03-29 18:00", "--tz", "Europe/Paris",
                         "--hard-out", "19:30")
    assert result.exit_code == 0, result.output
    return KEY


def test_schedule_records_the_show_in_utc_with_its_zone_and_prints_its_key(workspace, scheduled, livekit_cli):
    show = scheduled_show(workspace.database(), scheduled)
    assert show.plan.starts_at_ms == int(datetime.datetime(2031, 3, 29, 17, tzinfo=datetime.UTC).timestamp() * 1000)
    assert (show.plan.timezone, show.plan.duration_ms, show.sequence) == ("Europe/Paris", 3_600_000, 0)
    assert f"{show.plan.local_hard_out():%H:%M}" == "19:30"


def test_schedule_prints_the_key_guests_are_booked_under(livekit_cli, rundown):
    result = livekit_cli("schedule", str(rundown), "--at", "2031-03-29 18:00", "--tz", "Europe/Paris")
    assert f"scheduled {KEY}: Weekly AMA: Sat 2031-03-29 18:00–19:00 Europe/Paris" in result.output
    assert f"--show {KEY}" in result.output


def test_schedule_refuses_a_time_skipped_by_the_spring_forward_change(workspace, livekit_cli, rundown):
    result = livekit_cli("schedule", str(rundown), "--at", "2031-03-30 02:30", "--tz", "Europe/Paris")
    assert result.exit_code != 0
    assert "2031-03-30 02:30 does not exist in Europe/Paris (the clocks jump forward that night)" in result.output
    assert upcoming_shows(workspace.database()) == []


def test_schedule_refuses_an_ambiguous_fall_back_time(livekit_cli, rundown):
    result = livekit_cli("schedule", str(rundown), "--at", "2031-10-26 02:30", "--tz", "Europe/Paris")
    assert "happens twice in Europe/Paris" in result.output


def test_schedule_refuses_a_start_in_the_past(livekit_cli, rundown):
    result = livekit_cli("schedule", str(rundown), "--at", "2001-01-01 18:00", "--tz", "UTC")
    assert "is in the past" in result.output


def test_schedule_without_a_zone_asks_for_one(livekit_cli, rundown):
    result = livekit_cli("schedule", str(rundown), "--at", "2031-03-29 18:00")
    assert "which time zone? Pass --tz" in result.output


def test_schedule_takes_the_start_from_the_rundowns_starts_at(workspace, livekit_cli):
    path = workspace.root / "planned.yaml"
    path.write_text("title: Planned\nstarts_at: 2031-05-01 09:00\ntimezone: Asia/Tokyo\n"
                    "segments:\n  - {title: Intro, duration: 45m}\n", encoding="utf-8")
    assert livekit_cli("schedule", str(path)).exit_code == 0
    show = next_scheduled_show(workspace.database())
    assert (show.key, f"{show.plan.local_start():%H:%M}", show.plan.timezone) == (
        "2031-05-01-planned", "09:00", "Asia/Tokyo")


def test_schedule_at_another_time_keeps_the_length_the_rundowns_ends_at_gives(workspace, livekit_cli):
    path = workspace.root / "planned.yaml"
    path.write_text("title: Planned\nstarts_at: 2031-05-01 09:00\nends_at: 2031-05-01 11:00\ntimezone: Asia/Tokyo\n"
                    "segments:\n  - {title: Intro, duration: 45m}\n", encoding="utf-8")
    assert livekit_cli("schedule", str(path), "--at", "2031-05-02 10:00").exit_code == 0
    show = next_scheduled_show(workspace.database())
    assert (f"{show.plan.local_start():%H:%M}", f"{show.plan.local_end():%H:%M}") == ("10:00", "12:00")


def test_move_keeps_the_key_bumps_the_sequence_and_keeps_the_change(workspace, scheduled, livekit_cli):
    result = livekit_cli("schedule", "--move", scheduled, "--at", "2031-03-30 18:00")
    assert result.exit_code == 0, result.output
    assert "sequence 1" in result.output
    show = scheduled_show(workspace.database(), scheduled)
    assert f"{show.plan.local_start():%Y-%m-%d %H:%M %Z}" == "2031-03-30 18:00 CEST"
    assert f"{show.plan.local_hard_out():%H:%M}" == "19:30"
    changes = schedule_changes(workspace.database(), scheduled)
    assert [(change.sequence, change.change) for change in changes] == [(0, "scheduled"), (1, "moved")]


JOIN = "https://meet.example.com/weekly-ama"


def test_schedule_keeps_the_join_link_and_location_given(workspace, livekit_cli, rundown):
    result = livekit_cli("schedule", str(rundown), "--at", "2031-03-29 18:00", "--tz", "Europe/Paris",
                         "--join-url", JOIN, "--location", "Studio 2, Paris")
    assert result.exit_code == 0, result.output
    show = scheduled_show(workspace.database(), KEY)
    assert (show.join_url, show.location) == (JOIN, "Studio 2, Paris")


def test_schedule_takes_the_join_link_and_location_from_the_rundown(workspace, livekit_cli):
    path = workspace.root / "joined.yaml"
    path.write_text(f"title: Weekly AMA\njoin_url: {JOIN}\nlocation: Studio 2\n"
                    "segments:\n  - {title: Intro, duration: 45m}\n", encoding="utf-8")
    assert livekit_cli("schedule", str(path), "--at", "2031-03-29 18:00", "--tz", "Europe/Paris").exit_code == 0
    show = scheduled_show(workspace.database(), KEY)
    assert (show.join_url, show.location) == (JOIN, "Studio 2")


def test_schedule_refuses_a_join_link_that_is_not_http(workspace, livekit_cli, rundown):
    result = livekit_cli("schedule", str(rundown), "--at", "2031-03-29 18:00", "--tz", "Europe/Paris",
                         "--join-url", "file:///etc/passwd")
    assert result.exit_code != 0
    assert "is not a join link" in result.output
    assert upcoming_shows(workspace.database()) == []


def test_changing_the_join_link_bumps_the_sequence_and_keeps_the_times(workspace, scheduled, livekit_cli):
    before = scheduled_show(workspace.database(), scheduled)
    result = livekit_cli("schedule", "--move", scheduled, "--join-url", JOIN)
    assert result.exit_code == 0, result.output
    show = scheduled_show(workspace.database(), scheduled)
    assert (show.join_url, show.sequence, show.plan) == (JOIN, 1, before.plan)
    changes = schedule_changes(workspace.database(), scheduled)
    assert [(change.sequence, change.change) for change in changes] == [(0, "scheduled"), (1, "changed")]


def test_giving_the_same_location_again_changes_nothing(workspace, scheduled, livekit_cli):
    livekit_cli("schedule", "--move", scheduled, "--location", "Studio 2")
    result = livekit_cli("schedule", "--move", scheduled, "--location", "Studio 2")
    assert "nothing to change" in result.output
    assert scheduled_show(workspace.database(), scheduled).sequence == 1


def test_an_empty_join_link_removes_it(workspace, scheduled, livekit_cli):
    livekit_cli("schedule", "--move", scheduled, "--join-url", JOIN)
    assert livekit_cli("schedule", "--move", scheduled, "--join-url", "").exit_code == 0
    assert scheduled_show(workspace.database(), scheduled).join_url is None


def test_cancel_marks_the_show_cancelled_with_the_next_sequence_once(workspace, scheduled, livekit_cli):
    assert "cancelled" in livekit_cli("schedule", "--cancel", scheduled).output
    assert "already cancelled" in livekit_cli("schedule", "--cancel", scheduled).output
    show = scheduled_show(workspace.database(), scheduled)
    assert (show.cancelled, show.sequence) == (True, 1)
    assert next_scheduled_show(workspace.database()) is None


def test_a_cancelled_show_cannot_be_moved(scheduled, livekit_cli):
    livekit_cli("schedule", "--cancel", scheduled)
    result = livekit_cli("schedule", "--move", scheduled, "--at", "2031-04-01 18:00")
    assert result.exit_code != 0
    assert "is cancelled" in result.output


def test_move_of_an_unknown_key_says_where_to_look(livekit_cli):
    result = livekit_cli("schedule", "--move", "nope", "--at", "2031-04-01 18:00")
    assert "no scheduled show 'nope' (see `livekit shows --upcoming`)" in result.output


def test_shows_upcoming_lists_the_scheduled_shows_in_their_zone(scheduled, livekit_cli):
    result = livekit_cli("shows", "--upcoming")
    assert result.exit_code == 0, result.output
    assert scheduled in result.output and "Sat 2031-03-29 18:00" in result.output and "19:30" in result.output


def test_shows_upcoming_as_json_has_local_and_epoch_times(scheduled, livekit_cli):
    [show] = json.loads(livekit_cli("shows", "--upcoming", "--format", "json").output)
    assert (show["key"], show["starts_at"], show["hard_out"], show["status"]) == (
        scheduled, "2031-03-29T18:00:00+01:00", "2031-03-29T19:30:00+01:00", "scheduled")


def _feed(livekit_cli, tmp_path):
    target = tmp_path / "shows.ics"
    result = livekit_cli("shows", "--upcoming", "--ics", "--output", str(target))
    assert result.exit_code == 0, result.output
    return icalendar.Calendar.from_ical(target.read_bytes())


def test_the_ics_feed_has_one_event_per_show_with_a_stable_uid_and_a_vtimezone(scheduled, livekit_cli, tmp_path):
    calendar = _feed(livekit_cli, tmp_path)
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"{scheduled}@greenroom.livekit"
    assert (int(event["SEQUENCE"]), str(event["STATUS"])) == (0, "CONFIRMED")
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]


def test_the_ics_feed_keeps_local_times_across_a_daylight_saving_change(scheduled, livekit_cli, tmp_path):
    livekit_cli("schedule", "--move", scheduled, "--at", "2031-03-30 18:00")
    [event] = _feed(livekit_cli, tmp_path).walk("VEVENT")
    start = event.decoded("DTSTART")
    assert (start.hour, start.minute) == (18, 0)
    assert start.utcoffset() == datetime.timedelta(hours=2)
    assert start.astimezone(ZoneInfo("UTC")).hour == 16
    assert int(event["SEQUENCE"]) == 1
    assert str(event["UID"]) == f"{scheduled}@greenroom.livekit"


def test_the_ics_feed_marks_a_cancelled_show_cancelled(scheduled, livekit_cli, tmp_path):
    livekit_cli("schedule", "--cancel", scheduled)
    [event] = _feed(livekit_cli, tmp_path).walk("VEVENT")
    assert (str(event["STATUS"]), int(event["SEQUENCE"])) == ("CANCELLED", 1)


def test_shows_upcoming_lists_where_the_show_is_and_its_join_link(scheduled, livekit_cli):
    livekit_cli("schedule", "--move", scheduled, "--join-url", JOIN, "--location", "Studio 2")
    result = livekit_cli("shows", "--upcoming")
    assert "Studio 2" in result.output and JOIN in result.output


def test_the_ics_feed_carries_the_shows_location_and_join_link(scheduled, livekit_cli, tmp_path):
    livekit_cli("schedule", "--move", scheduled, "--join-url", JOIN, "--location", "Studio 2, Paris")
    [event] = _feed(livekit_cli, tmp_path).walk("VEVENT")
    assert (str(event["LOCATION"]), str(event["URL"])) == ("Studio 2, Paris", JOIN)
