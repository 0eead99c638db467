"""Planned shows stay within the years 2000–2100: a far-future start is a `file:line` problem of the rundown,
`livekit schedule` writes nothing when it fails, and a row written before the bound (year 9999) no longer
breaks the listings: it is named with its problem and can be cancelled."""

import datetime
import json

import pytest

from livekit.core.schedule import ScheduleError, ShowPlan, local_time, plan_show
from livekit.schedule import scheduled_show, unreadable_shows, upcoming_shows

FAR = "title: Far\nstarts_at: 9999-12-31 23:59\ntimezone: UTC\nsegments:\n  - title: a\n    duration: 10m\n"
NEAR = "title: Near\nsegments:\n  - title: a\n    duration: 10m\n"
BROKEN_KEY = "9999-12-31-far"
#: 9999-12-31 23:59 UTC and ten minutes later: what the old code stored for FAR.
BROKEN_START_MS = int(datetime.datetime(9999, 12, 31, 23, 59, tzinfo=datetime.UTC).timestamp()) * 1000


def _write(workspace, name: str, text: str):
    path = workspace.root / name
    path.write_text(text, encoding="utf-8")
    return path


def _scheduled_rows(workspace) -> int:
    return workspace.database().execute("SELECT count(*) FROM scheduled_shows").fetchone()[0]


@pytest.fixture
def broken_row(workspace):
    """A scheduled show as `livekit schedule far.yaml` left it before plans were bounded."""
    db = workspace.database()
    with db.atomic():
        db.execute(
            "INSERT INTO scheduled_shows (key, title, rundown_path, planned_total_ms, timezone, starts_at_ms, "
            "ends_at_ms, hard_out_ms, status, sequence, created_ms, changed_ms) "
            "VALUES (?, 'Far', NULL, 600000, 'UTC', ?, ?, NULL, 'scheduled', 0, 0, 0)",
            [BROKEN_KEY, BROKEN_START_MS, BROKEN_START_MS + 600_000],
        )
        db.execute(
            "INSERT INTO scheduled_show_changes (key, sequence, change, timezone, starts_at_ms, ends_at_ms, "
            "hard_out_ms, at_ms) VALUES (?, 0, 'scheduled', 'UTC', ?, ?, NULL, 0)",
            [BROKEN_KEY, BROKEN_START_MS, BROKEN_START_MS + 600_000],
        )
    return BROKEN_KEY


def test_check_reports_a_start_after_2100_with_file_and_line(workspace, livekit_cli):
    path = _write(workspace, "far.yaml", FAR)
    result = livekit_cli("check", path, "--no-obs")
    assert result.exit_code != 0
    assert "far.yaml:2: bad starts_at: '9999-12-31 23:59' is not in the years 2000–2100" in result.output
    assert "unexpected failure" not in result.output


def test_check_reports_a_show_whose_segments_run_past_2100_on_its_starts_at_line(workspace, livekit_cli):
    path = _write(workspace, "late.yaml", FAR.replace("9999-12-31 23:59", "2100-12-31 23:55"))
    result = livekit_cli("check", path, "--no-obs")
    assert "late.yaml:2: bad starts_at: the show's end would be 2101-01-01 00:05 (UTC)" in result.output


def test_schedule_of_a_far_future_rundown_writes_nothing(workspace, livekit_cli):
    result = livekit_cli("schedule", _write(workspace, "far.yaml", FAR))
    assert result.exit_code != 0
    assert "far.yaml:2: bad starts_at" in result.output
    assert "unexpected failure" not in result.output
    assert _scheduled_rows(workspace) == 0


def test_schedule_at_a_far_future_time_is_refused_and_writes_nothing(workspace, livekit_cli):
    path = _write(workspace, "near.yaml", NEAR)
    result = livekit_cli("schedule", path, "--at", "9999-12-31 23:59", "--tz", "UTC")
    assert result.exit_code != 0
    assert "'9999-12-31 23:59' is not in the years 2000–2100" in result.output
    result = livekit_cli("schedule", path, "--at", "2100-12-31 23:59", "--tz", "UTC")
    assert "the show's end would be 2101-01-01 00:09 (UTC): plan shows within the years 2000–2100" in result.output
    assert _scheduled_rows(workspace) == 0


def test_a_plan_outside_the_years_is_refused_and_a_far_moment_is_not_shown():
    with pytest.raises(ScheduleError, match="start would be after 2100"):
        ShowPlan(BROKEN_START_MS, BROKEN_START_MS + 1, "UTC")
    with pytest.raises(ScheduleError, match="start would be before 2000"):
        ShowPlan(0, 60_000, "UTC")
    with pytest.raises(ScheduleError, match="not in the years 2000–2100"):
        plan_show("1999-12-31 23:30", "UTC", planned_total_ms=60_000)
    with pytest.raises(ScheduleError, match="not in the years 2000–2100"):
        local_time(2**63 - 1, "UTC")


def test_upcoming_listings_name_an_old_unreadable_row_instead_of_failing(broken_row, livekit_cli):
    for args in ((), ("--format", "json"), ("--ics",)):
        result = livekit_cli("shows", "--upcoming", *args)
        assert result.exit_code == 0, result.output
        assert "unexpected failure" not in result.output
        assert (f"warning: scheduled show '{broken_row}' cannot be used (the show's start would be after 2100"
                in result.output)
        assert f"livekit schedule --cancel {broken_row}" in result.output
    assert json.loads(livekit_cli("shows", "--upcoming", "--format", "json").stdout) == []


def test_an_old_unreadable_row_can_be_cancelled_and_is_then_no_longer_warned_about(workspace, broken_row,
                                                                                     livekit_cli):
    result = livekit_cli("schedule", "--cancel", broken_row)
    assert result.exit_code == 0, result.output
    assert f"cancelled {broken_row} (Far: the show's start would be after 2100" in result.output
    assert "sequence 1" in result.output
    assert [show.cancelled for show in unreadable_shows(workspace.database())] == [True]
    assert "warning" not in livekit_cli("shows", "--upcoming").output
    assert "already cancelled" in livekit_cli("schedule", "--cancel", broken_row).output


def test_an_old_unreadable_row_is_refused_by_name_when_used(workspace, broken_row, livekit_cli):
    result = livekit_cli("schedule", "--move", broken_row, "--at", "2031-01-01 10:00")
    assert result.exit_code != 0
    assert f"scheduled show '{broken_row}' cannot be used" in result.output
    assert "unexpected failure" not in result.output
    assert upcoming_shows(workspace.database()) == []
    with pytest.raises(Exception, match="cannot be used"):
        scheduled_show(workspace.database(), broken_row)


def test_booking_an_old_unreadable_show_by_key_names_its_problem(workspace, broken_row, livekit_cli):
    result = livekit_cli("guests", "add", "Ada", "--show", broken_row)
    assert result.exit_code != 0
    assert "cannot be used" in result.output
    assert "unexpected failure" not in result.output


def test_a_stored_rundown_whose_plan_is_out_of_bounds_still_loads_without_it():
    from livekit.core.rundown import Rundown

    stored = {"title": "Far", "segments": [{"title": "a", "duration_ms": 600_000}],
              "schedule": {"starts_at_ms": BROKEN_START_MS, "ends_at_ms": BROKEN_START_MS + 600_000,
                           "timezone": "UTC", "hard_out_ms": None}}
    rundown = Rundown.from_dict(stored)
    assert (rundown.title, rundown.schedule) == ("Far", None)
