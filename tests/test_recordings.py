"""Recording files follow OBS's record output: a restart of OBS mid-show splits the show's recording in two."""

import asyncio

from livekit.core.clock import SystemClock
from livekit.core.rundown import Rundown, Segment
from livekit.core.show import Show
from livekit.guests.queue import GuestQueue
from livekit.obs.adapter import OutputStatus
from livekit.obs.show_sync import ObsHealth
from livekit.questions.storage import QuestionQueue
from livekit.runner.show_runner import ShowRunner, recording_change
from livekit.storage.shows import ShowStore, show_key


def connected(recording: bool | None) -> ObsHealth:
    return ObsHealth(connected=True, record=None if recording is None else OutputStatus(active=recording))


def test_the_record_output_becoming_active_starts_a_recording():
    assert recording_change(False, connected(recording=True)) == "start"


def test_the_record_output_becoming_inactive_stops_the_recording():
    assert recording_change(True, connected(recording=False)) == "stop"


def test_obs_going_away_while_recording_ends_the_file():
    assert recording_change(True, ObsHealth(connected=False, record=OutputStatus(active=True))) == "stop"


def test_obs_going_away_while_not_recording_changes_nothing():
    assert recording_change(False, ObsHealth(connected=False)) is None


def test_a_recording_that_keeps_running_changes_nothing():
    assert recording_change(True, connected(recording=True)) is None


def test_a_paused_recording_is_the_same_file():
    assert recording_change(True, ObsHealth(connected=True, record=OutputStatus(active=True, paused=True))) is None


def test_an_unread_record_output_changes_nothing():
    assert recording_change(False, connected(recording=None)) is None
    assert recording_change(True, connected(recording=None)) is None


def test_the_end_of_the_show_closes_the_open_recording(workspace):
    db = workspace.database()
    store = ShowStore(db)
    show_id = store.create_show(Rundown("Solo", (Segment("Only", 60_000),)))
    runner = ShowRunner(show_id=show_id, show=store.load_show(show_id), guests=GuestQueue(db),
                        questions=QuestionQueue(db, show_key(show_id, "Solo")), clock=SystemClock(),
                        recordings=store)

    async def run_and_end() -> None:
        clock_task = asyncio.create_task(runner.run())
        runner.cue(Show.start)
        store.recording_started(show_id, SystemClock().now_ms())
        runner.cue(Show.end)
        await asyncio.wait_for(clock_task, 10)

    asyncio.run(run_and_end())
    [recording] = store.recordings(show_id)
    assert recording.stopped_ms == store.get(show_id).ended_ms
