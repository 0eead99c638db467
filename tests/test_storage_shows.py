"""Shows in the workspace database: events committed before they act, and replayed after a kill -9."""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from greenroom.errors import GreenroomError
from livekit.core import FakeClock, Rundown, Segment, ShowStatus
from livekit.core.show import ShowEvent
from livekit.rundown import load_rundown
from livekit.storage.shows import SAME_RECORDING_MS, Recording, ShowNotFound, ShowStore

S = 1000
DATA = Path(__file__).parent / "data"
RUNDOWN = Rundown("Weekly Q&A", (Segment("Intro", 60 * S), Segment("Talk", 120 * S), Segment("Outro", 30 * S)))


@pytest.fixture
def clock():
    return FakeClock(start_ms=1_700_000_000_000)


@pytest.fixture
def store(workspace, clock):
    return ShowStore(workspace.database(), clock)


def test_a_created_show_is_ready_with_its_plan(store):
    show_id = store.create_show(RUNDOWN)
    record = store.get(show_id)
    assert (record.title, record.status, record.planned_ms, record.warning_ms) == ("Weekly Q&A", "ready", 210 * S, 30 * S)


def test_the_show_keeps_the_rundown_it_was_created_with(store, tmp_path):
    path = tmp_path / "show.yaml"
    path.write_text("title: First\nsegments:\n  - {title: A, duration: 5}\n")
    show_id = store.create_show(load_rundown(path))
    path.write_text("title: Edited\nsegments:\n  - {title: B, duration: 9}\n")
    rundown = store.rundown(show_id)
    assert (rundown.title, rundown.segments[0].title, rundown.source) == ("First", "A", str(path))


def test_every_operation_is_in_the_log_before_the_show_changes(store, clock):
    show_id, show = store.new_show(RUNDOWN)
    logged = []
    journal = show.journal

    def spying_journal(event):
        journal(event)
        logged.append((len(store.events(show_id)), show.current))

    show.journal = spying_journal
    show.start()
    clock.advance(10 * S)
    show.next()
    assert logged == [(1, None), (2, 0)]


def test_start_and_end_update_the_show_status_and_times(store, clock):
    show_id, show = store.new_show(RUNDOWN)
    show.start()
    started = clock.now_ms()
    assert store.get(show_id).status == "live"
    clock.advance(42 * S)
    show.end()
    record = store.get(show_id)
    assert (record.status, record.started_ms, record.actual_ms) == ("ended", started, 42 * S)


def test_skipping_the_last_segment_ends_the_stored_show(store):
    show_id, show = store.new_show(RUNDOWN)
    show.start()
    show.jump(2)
    show.skip()
    assert store.get(show_id).status == "ended"


def test_loading_a_show_replays_it_to_the_same_state(store, clock):
    show_id, show = store.new_show(RUNDOWN)
    show.start()
    clock.advance(65 * S)
    show.next()
    clock.advance(5 * S)
    show.hold()
    clock.advance(3 * S)
    assert store.load_show(show_id).snapshot() == show.snapshot()


def test_an_undone_skip_is_stored_and_replayed_after_a_crash(store, clock):
    show_id, show = store.new_show(RUNDOWN)
    show.start()
    clock.advance(20 * S)
    show.skip()
    clock.advance(4 * S)
    show.undo()
    clock.advance(6 * S)
    resumed = store.load_show(show_id)
    assert [event.type for event in store.events(show_id)] == ["start", "skip", "undo"]
    assert (resumed.current, resumed.snapshot().elapsed_ms) == (0, 30 * S)
    assert resumed.snapshot() == show.snapshot()


def test_a_loaded_show_keeps_journalling_into_the_store(store, clock):
    show_id, show = store.new_show(RUNDOWN)
    show.start()
    resumed = store.load_show(show_id)
    resumed.next()
    assert [event.type for event in store.events(show_id)] == ["start", "next"]


def test_unfinished_shows_are_found_by_rundown_newest_first(store, clock):
    other = Rundown("Other", (Segment("X", 5 * S),))
    first = store.create_show(RUNDOWN)
    clock.advance(S)
    second = store.create_show(RUNDOWN)
    store.create_show(other)
    ended_id, ended = store.new_show(RUNDOWN)
    ended.start()
    ended.end()
    assert [r.id for r in store.find_unfinished(rundown_hash=RUNDOWN.content_hash)] == [second, first]


def test_list_shows_lists_every_show_newest_first(store, clock):
    ids = []
    for _ in range(3):
        ids.append(store.create_show(RUNDOWN))
        clock.advance(S)
    assert [record.id for record in store.list_shows()] == ids[::-1]
    assert store.latest_show_id() == ids[-1]


def test_an_unknown_show_is_a_clear_error(store):
    with pytest.raises(ShowNotFound, match="no show 99 in this workspace"):
        store.load_show(99)


def test_a_corrupt_log_is_reported_not_replayed(store, clock):
    show_id = store.create_show(RUNDOWN)
    store.append_event(show_id, ShowEvent("next", 1, clock.now_ms()))
    with pytest.raises(GreenroomError, match=f"show {show_id}: its event log cannot be replayed"):
        store.load_show(show_id)


def test_events_of_one_show_are_numbered_without_gaps(store, workspace):
    show_id = store.create_show(RUNDOWN)
    for at in (1, 2, 3):
        store.append_event(show_id, ShowEvent("hold", 0, at))
    rows = workspace.database().execute("SELECT seq FROM show_events WHERE show_id = ?", [show_id]).fetchall()
    assert [row[0] for row in rows] == [1, 2, 3]


CRASHING_RUNNER = textwrap.dedent(
    """
    import sys, time
    from greenroom.workspace import Workspace
    from livekit.rundown import load_rundown
    from livekit.storage.shows import ShowStore

    store = ShowStore(Workspace.locate(sys.argv[1]).database())
    show_id, show = store.new_show(load_rundown(sys.argv[2]))
    show.start()
    time.sleep(0.05)  # the first segment airs for a moment before the next one
    show.next()
    show.extend(7000)
    print(show_id, flush=True)
    time.sleep(60)  # stay alive until the test kills this process with SIGKILL
    """
)


@pytest.mark.subprocess
def test_after_kill_9_the_show_resumes_on_the_right_segment_with_the_right_times(workspace, tmp_path):
    script = tmp_path / "runner.py"
    script.write_text(CRASHING_RUNNER)
    process = subprocess.Popen(
        [sys.executable, str(script), str(workspace.root), str(DATA / "rundown-good.yaml")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        show_id = int(process.stdout.readline())
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    store = ShowStore(workspace.database(), FakeClock())
    start, next_event, extend = store.events(show_id)
    store.clock.set(next_event.at_ms + 12_345)
    snapshot = store.load_show(show_id).snapshot()
    assert (snapshot.status, snapshot.current, snapshot.segment_title) == (ShowStatus.LIVE, 1, "Interview")
    assert snapshot.elapsed_ms == 12_345
    assert snapshot.allotted_ms == 3_723_000 + 7_000
    assert snapshot.segments[0].actual_duration_ms == next_event.at_ms - start.at_ms
    intro_ran = next_event.at_ms - start.at_ms
    assert snapshot.offset_ms == (intro_ran - 90_000) + 7_000


def test_an_event_that_cannot_be_saved_leaves_the_show_unchanged_and_says_why(store):
    show_id, show = store.new_show(RUNDOWN)
    store.db.execute("PRAGMA query_only = ON")
    with pytest.raises(GreenroomError, match=f"show {show_id}: event 'start' not saved"):
        show.start()
    store.db.execute("PRAGMA query_only = OFF")
    assert (show.status, store.get(show_id).status, store.events(show_id)) == (ShowStatus.READY, "ready", [])


def test_a_recording_is_open_until_it_stops(store, clock):
    show_id = store.create_show(RUNDOWN)
    start = clock.now_ms()
    store.recording_started(show_id, start)
    assert store.recordings(show_id) == [Recording(start, None)]
    store.recording_stopped(show_id, start + 90 * S)
    assert store.recordings(show_id) == [Recording(start, start + 90 * S)]


def test_stopping_again_changes_nothing(store, clock):
    show_id = store.create_show(RUNDOWN)
    start = clock.now_ms()
    store.recording_started(show_id, start)
    store.recording_stopped(show_id, start + 90 * S)
    store.recording_stopped(show_id, start + 95 * S)
    assert store.recordings(show_id) == [Recording(start, start + 90 * S)]


def test_a_restart_of_obs_gives_two_recordings_in_order(store, clock):
    show_id = store.create_show(RUNDOWN)
    start = clock.now_ms()
    store.recording_started(show_id, start)
    store.recording_stopped(show_id, start + 60 * S)
    store.recording_started(show_id, start + 70 * S)
    assert store.recordings(show_id) == [Recording(start, start + 60 * S), Recording(start + 70 * S, None)]


def test_the_open_recording_seen_again_by_a_resumed_runner_stays_one(store, clock):
    show_id = store.create_show(RUNDOWN)
    start = clock.now_ms()
    store.recording_started(show_id, start)
    store.recording_started(show_id, start + SAME_RECORDING_MS // 2)
    assert store.recordings(show_id) == [Recording(start, None)]


def test_a_new_recording_closes_one_whose_end_went_unseen(store, clock):
    show_id = store.create_show(RUNDOWN)
    start = clock.now_ms()
    store.recording_started(show_id, start)
    store.recording_started(show_id, start + 60 * S)
    assert store.recordings(show_id) == [Recording(start, start + 60 * S), Recording(start + 60 * S, None)]


def test_recordings_belong_to_their_show(store, clock):
    first, second = store.create_show(RUNDOWN), store.create_show(RUNDOWN)
    store.recording_started(first, clock.now_ms())
    assert store.recordings(second) == []
