"""A rundown's guests follow the show: on air for their segment, logged permanently."""

import asyncio

from livekit.core.clock import SystemClock
from livekit.core.rundown import Rundown, Segment
from livekit.core.show import Show
from livekit.guests.queue import GuestQueue
from livekit.questions.storage import QuestionQueue
from livekit.runner.session import RunOptions, run_show
from livekit.runner.show_runner import ShowRunner
from livekit.storage.shows import ShowStore, show_key
from tests.helpers import eventually


def rundown_with_guests() -> Rundown:
    return Rundown(title="Panel", segments=(
        Segment(title="Ada's interview", duration_ms=300, guest="Ada Lovelace"),
        Segment(title="Break", duration_ms=300),
        Segment(title="Grace's interview", duration_ms=300, guest="Grace Hopper"),
    ))


def run_unattended(workspace, rundown):
    options = RunOptions(auto=True, obs=None, web=None)
    return asyncio.run(run_show(workspace, rundown, options, echo=lambda line: None))


def test_segment_guest_is_on_air_exactly_during_their_segment(workspace):
    result = run_unattended(workspace, rundown_with_guests())
    db = workspace.database()
    starts = {e.segment: e.at_ms for e in ShowStore(db).events(result.show_id) if e.type in ("start", "next")}
    log = {entry["guest_name"]: entry for entry in GuestQueue(db).log()}
    assert set(log) == {"Ada Lovelace", "Grace Hopper"}
    assert log["Ada Lovelace"]["on_air_ms"] == starts[0]
    assert log["Ada Lovelace"]["off_air_ms"] == starts[1]
    assert log["Grace Hopper"]["on_air_ms"] == starts[2]
    assert log["Grace Hopper"]["off_air_ms"] == result.snapshot.ended_at_ms


def test_rundown_guests_whose_segment_aired_end_the_show_done(workspace):
    result = run_unattended(workspace, rundown_with_guests())
    guests = GuestQueue(workspace.database()).list(f"#{result.show_id} Panel")
    assert {guest["name"]: guest["status"] for guest in guests} == {
        "Ada Lovelace": "done",
        "Grace Hopper": "done",
    }


def manual_runner(workspace) -> ShowRunner:
    """The real runner on :func:`rundown_with_guests`, moved by cues as a producer moves it."""
    db = workspace.database()
    store = ShowStore(db)
    show_id = store.create_show(rundown_with_guests())
    key = show_key(show_id, "Panel")
    return ShowRunner(show_id=show_id, show=store.load_show(show_id), guests=GuestQueue(db),
                      questions=QuestionQueue(db, key), clock=SystemClock())


async def cue_and_follow(runner: ShowRunner, move, *, on_air: set[str]) -> None:
    """Cue a show operation and wait until the runner has followed it (``on_air`` are then on air)."""
    runner.cue(move)
    await eventually(lambda: on_air_names(runner) == on_air, describe=lambda: statuses(runner))


async def end_show(runner: ShowRunner, clock_task: asyncio.Task) -> None:
    runner.cue(Show.end)
    await asyncio.wait_for(clock_task, 10)


def on_air_names(runner: ShowRunner) -> set[str]:
    return {guest["name"] for guest in runner.guests.list(runner.key) if guest["status"] == "on_air"}


def statuses(runner: ShowRunner) -> dict[str, str]:
    return {guest["name"]: guest["status"] for guest in runner.guests.list(runner.key)}


def test_a_rundown_guest_whose_segment_never_aired_ends_as_a_no_show(workspace):
    runner = manual_runner(workspace)

    async def scenario():
        clock_task = asyncio.create_task(runner.run())
        await cue_and_follow(runner, Show.start, on_air={"Ada Lovelace"})
        await cue_and_follow(runner, Show.next, on_air=set())
        await end_show(runner, clock_task)

    asyncio.run(scenario())
    assert statuses(runner) == {"Ada Lovelace": "done", "Grace Hopper": "no_show"}
    (ada,) = runner.guests.log(show=runner.key)
    assert ada["guest_name"] == "Ada Lovelace" and ada["off_air_ms"] is not None


def test_ending_the_show_takes_a_guest_put_on_air_by_hand_off_air_and_closes_their_log_entry(workspace):
    runner = manual_runner(workspace)

    async def scenario():
        clock_task = asyncio.create_task(runner.run())
        await cue_and_follow(runner, Show.start, on_air={"Ada Lovelace"})
        walk_in = runner.guests.add(runner.key, status="in_green_room", name="Walk-in Guest")
        runner.set_guest_status(walk_in["id"], "on_air")
        await cue_and_follow(runner, Show.next, on_air={"Walk-in Guest"})
        await end_show(runner, clock_task)

    asyncio.run(scenario())
    assert statuses(runner)["Walk-in Guest"] == "done"
    ended_at = runner.show.ended_at_ms
    log = {entry["guest_name"]: entry for entry in runner.guests.log(show=runner.key)}
    assert log["Walk-in Guest"]["off_air_ms"] == ended_at
    assert all(entry["off_air_ms"] is not None for entry in log.values())


def test_a_guest_on_air_when_the_show_ends_is_done_with_the_end_as_off_air_time(workspace):
    runner = manual_runner(workspace)

    async def scenario():
        clock_task = asyncio.create_task(runner.run())
        await cue_and_follow(runner, Show.start, on_air={"Ada Lovelace"})
        await end_show(runner, clock_task)

    asyncio.run(scenario())
    assert statuses(runner)["Ada Lovelace"] == "done"
    (ada,) = runner.guests.log(show=runner.key)
    assert ada["off_air_ms"] == runner.show.ended_at_ms


def test_a_producers_no_show_stands_when_the_show_ends(workspace):
    runner = manual_runner(workspace)

    async def scenario():
        clock_task = asyncio.create_task(runner.run())
        grace = await eventually(lambda: next((g for g in runner.guests.list(runner.key)
                                               if g["name"] == "Grace Hopper"), None))
        runner.set_guest_status(grace["id"], "no_show")
        await cue_and_follow(runner, Show.start, on_air={"Ada Lovelace"})
        await end_show(runner, clock_task)

    asyncio.run(scenario())
    assert statuses(runner)["Grace Hopper"] == "no_show"


def test_stopping_without_ending_leaves_the_guest_on_air_for_the_resumed_show(workspace):
    runner = manual_runner(workspace)

    async def scenario():
        clock_task = asyncio.create_task(runner.run())
        await cue_and_follow(runner, Show.start, on_air={"Ada Lovelace"})
        runner.request_stop()
        await asyncio.wait_for(clock_task, 10)

    asyncio.run(scenario())
    assert statuses(runner)["Ada Lovelace"] == "on_air"
