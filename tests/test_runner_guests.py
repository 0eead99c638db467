"""A rundown's guests follow the show: on air for their segment, logged permanently."""

import asyncio

from livekit.core.rundown import Rundown, Segment
from livekit.guests.queue import GuestQueue
from livekit.runner.session import RunOptions, run_show
from livekit.storage.shows import ShowStore


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


def test_guests_end_the_show_done_or_back_in_the_green_room(workspace):
    result = run_unattended(workspace, rundown_with_guests())
    guests = GuestQueue(workspace.database()).list(f"#{result.show_id} Panel")
    assert {guest["name"]: guest["status"] for guest in guests} == {
        "Ada Lovelace": "in_green_room",
        "Grace Hopper": "done",
    }
