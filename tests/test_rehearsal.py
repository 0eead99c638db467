"""`livekit run --rehearsal`: a real run of the rundown that uses up no booking, logs no appearance and
says it is a rehearsal everywhere."""

import asyncio

from livekit.core.clock import SystemClock
from livekit.core.rundown import Rundown, Segment
from livekit.guests.queue import GuestQueue
from livekit.questions.storage import QuestionQueue
from livekit.runner.session import RunOptions, choose_show, run_show
from livekit.runner.show_runner import ShowRunner
from livekit.storage.shows import ShowStore, show_key
from livekit.web.views import view_of


def interview() -> Rundown:
    return Rundown(title="Interview", segments=(
        Segment(title="Hello", duration_ms=200),
        Segment(title="Ada's interview", duration_ms=300, guest="Ada Lovelace"),
    ))


def run_unattended(workspace, *, rehearsal: bool):
    options = RunOptions(auto=True, obs=None, web=None, rehearsal=rehearsal)
    return asyncio.run(run_show(workspace, interview(), options, echo=lambda line: None))


def test_guests_booked_for_the_next_show_stay_booked_after_a_rehearsal(workspace):
    queue = GuestQueue(workspace.database())
    booked = queue.add(None, status="confirmed", name="Ada Lovelace", topic="Engines")
    rehearsal = run_unattended(workspace, rehearsal=True)
    assert [guest["id"] for guest in queue.list(None)] == [booked["id"]]
    assert queue.get(booked["id"])["status"] == "confirmed"
    rehearsed = queue.list(show_key(rehearsal.show_id, "Interview"))
    assert [(guest["name"], guest["topic"], guest["status"]) for guest in rehearsed] == [
        ("Ada Lovelace", "Engines", "done")
    ]

    real = run_unattended(workspace, rehearsal=False)
    assert queue.list(None) == []
    assert queue.get(booked["id"])["show"] == show_key(real.show_id, "Interview")


def test_a_rehearsal_writes_nothing_to_the_permanent_guest_log(workspace):
    run_unattended(workspace, rehearsal=True)
    assert GuestQueue(workspace.database()).log() == []


def test_the_state_and_every_page_say_rehearsal(workspace):
    db = workspace.database()
    store = ShowStore(db)
    show_id = store.create_show(interview(), rehearsal=True)
    runner = ShowRunner(show_id=show_id, show=store.load_show(show_id), guests=GuestQueue(db, appearance_log=False),
                        questions=QuestionQueue(db, show_key(show_id, "Interview")), clock=SystemClock(),
                        rehearsal=True)
    state = runner.state()
    assert state["show"]["rehearsal"] is True
    for page in ("control", "presenter", "overlay"):
        view = view_of(state, page)
        assert view["show"] is not None and view["show"]["rehearsal"] is True, page


def test_shows_lists_a_rehearsal_as_one(workspace, livekit_cli):
    run_unattended(workspace, rehearsal=True)
    run_unattended(workspace, rehearsal=False)
    result = livekit_cli("shows")
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if "Interview" in line]
    assert len(rows) == 2
    assert "rehearsal" in rows[1] and "rehearsal" not in rows[0]


def test_a_real_run_never_resumes_an_interrupted_rehearsal_nor_the_reverse(workspace):
    store = ShowStore(workspace.database())
    rehearsal_id = store.create_show(interview(), rehearsal=True)
    show_id, resumed = choose_show(store, interview(), None)
    assert not resumed and show_id != rehearsal_id
    assert choose_show(store, interview(), True, rehearsal=True) == (rehearsal_id, True)
