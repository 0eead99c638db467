"""A scheduled show as it runs: the runner's state carries the plan, each page gets its share, and the run
picks up its scheduled show (and the guests booked for it)."""

import asyncio

from livekit.core.clock import FakeClock
from livekit.core.rundown import Rundown, Segment
from livekit.core.schedule import ShowPlan, plan_show
from livekit.guests.queue import GuestQueue
from livekit.runner.session import RunOptions, run_show, scheduled_run
from livekit.storage.schedule import ScheduleStore
from livekit.storage.shows import show_key
from livekit.web.views import control_view, overlay_view, presenter_view
from tests.fixtures.live_show import live_show_runner, sample_rundown

NOW = 1_900_000_000_000
PLAN = ShowPlan(NOW + 120_000, NOW + 1_320_000, "Europe/Paris", hard_out_ms=NOW + 1_920_000)


def scheduled_state(workspace):
    runner = live_show_runner(workspace.database(), clock=FakeClock(NOW), schedule=PLAN, schedule_key="k-1")
    return runner.state()


def test_the_state_carries_the_planned_start_end_and_hard_out_in_epoch_ms(workspace):
    show = scheduled_state(workspace)["show"]
    assert (show["scheduled_start_ms"], show["scheduled_end_ms"], show["hard_out_ms"]) == (
        NOW + 120_000, NOW + 1_320_000, NOW + 1_920_000)
    assert (show["timezone"], show["schedule_key"]) == ("Europe/Paris", "k-1")


def test_an_unscheduled_show_carries_no_plan(workspace):
    show = live_show_runner(workspace.database(), clock=FakeClock(NOW)).state()["show"]
    assert [show[key] for key in ("scheduled_start_ms", "scheduled_end_ms", "hard_out_ms", "timezone",
                                  "schedule_key")] == [None] * 5


def test_the_presenter_and_overlay_get_the_planned_start_only(workspace):
    state = scheduled_state(workspace)
    for view in (presenter_view(state), overlay_view(state)):
        assert view["show"]["scheduled_start_ms"] == NOW + 120_000
        assert not {"hard_out_ms", "schedule_key", "scheduled_end_ms"} & set(view["show"])


def test_the_control_room_gets_the_whole_plan(workspace):
    show = control_view(scheduled_state(workspace))["show"]
    assert (show["hard_out_ms"], show["timezone"], show["planned_total_ms"]) == (
        NOW + 1_920_000, "Europe/Paris", sample_rundown().planned_total_ms)


def _rundown_file(workspace):
    path = workspace.root / "panel.yaml"
    path.write_text("title: Panel\nsegments:\n  - {title: Talk, duration: 1s}\n", encoding="utf-8")
    return Rundown(title="Panel", segments=(Segment("Talk", 300),), source=str(path)), path


def test_a_run_of_a_scheduled_rundown_is_its_scheduled_show(workspace):
    rundown, path = _rundown_file(workspace)
    store = ScheduleStore(workspace.database(), FakeClock(NOW))
    scheduled = store.schedule("Panel", PLAN, planned_total_ms=300, rundown_path=str(path.resolve()))
    plan, found = scheduled_run(store, rundown, NOW)
    assert (plan, found.key) == (PLAN, scheduled.key)


def test_a_moved_scheduled_show_wins_over_the_rundowns_own_starts_at(workspace):
    rundown, path = _rundown_file(workspace)
    own = plan_show("2030-01-01 10:00", "UTC", planned_total_ms=300)
    rundown = Rundown(rundown.title, rundown.segments, schedule=own, source=rundown.source)
    store = ScheduleStore(workspace.database(), FakeClock(NOW))
    assert scheduled_run(store, rundown, NOW) == (own, None)
    store.schedule("Panel", PLAN, planned_total_ms=300, rundown_path=str(path.resolve()))
    assert scheduled_run(store, rundown, NOW)[0] == PLAN


def test_a_cancelled_scheduled_show_is_not_the_run(workspace):
    rundown, path = _rundown_file(workspace)
    store = ScheduleStore(workspace.database(), FakeClock(NOW))
    store.cancel(store.schedule("Panel", PLAN, planned_total_ms=300, rundown_path=str(path.resolve())).key)
    assert scheduled_run(store, rundown, NOW) == (None, None)


def test_guests_booked_for_the_scheduled_show_join_its_run(workspace):
    rundown, path = _rundown_file(workspace)
    db = workspace.database()
    start = plan_show("2099-01-01 10:00", "UTC", planned_total_ms=300)
    scheduled = ScheduleStore(db).schedule("Panel", start, planned_total_ms=300, rundown_path=str(path.resolve()))
    guest = GuestQueue(db).add(scheduled.key, name="Ada Lovelace", status="confirmed")
    result = asyncio.run(run_show(workspace, rundown, RunOptions(auto=True, obs=None, web=None),
                                  echo=lambda line: None))
    assert GuestQueue(db).get(guest["id"])["show"] == show_key(result.show_id, "Panel")
