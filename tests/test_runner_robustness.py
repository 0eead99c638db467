"""The show goes on: a busy database, a taken port or odd input never stop or corrupt a show."""

import asyncio
import socket
import sqlite3
import threading
import time

import pytest
from rich.console import Console

from greenroom.errors import GreenroomError
from livekit.control.port import ActionError
from livekit.core.clock import SystemClock
from livekit.core.rundown import Rundown, Segment
from livekit.guests.queue import GuestQueue
from livekit.questions.core import ChatMessage
from livekit.questions.storage import QuestionQueue
from livekit.runner.session import RunOptions, WebOptions, run_show
from livekit.runner.show_runner import ShowRunner
from livekit.runner.terminal import render
from livekit.storage.shows import ShowStore
from tests.helpers import eventually_blocking


def two_segments() -> Rundown:
    return Rundown(title="Busy", segments=(Segment(title="One", duration_ms=400), Segment(title="Two", duration_ms=400)))


def test_show_advances_after_another_process_released_the_database(workspace):
    workspace.database()  # create the schema first
    hold = threading.Event()

    def writer_holding_the_lock():
        connection = sqlite3.connect(workspace.database_path, isolation_level=None)
        # Take the lock once the show has started (its start event is stored), then hold it for a fixed
        # while: the other process's hold spanning segment One's planned end is the behaviour under test.
        eventually_blocking(lambda: connection.execute("SELECT count(*) FROM show_events").fetchone()[0] > 0)
        connection.execute("BEGIN IMMEDIATE")
        hold.set()
        time.sleep(1.0)
        connection.execute("COMMIT")
        connection.close()

    thread = threading.Thread(target=writer_holding_the_lock)
    thread.start()
    result = asyncio.run(run_show(workspace, two_segments(), RunOptions(auto=True, obs=None, web=None),
                                  echo=lambda line: None))
    thread.join()
    assert hold.is_set()
    assert result.ended
    kinds = [event.type for event in ShowStore(workspace.database()).events(result.show_id)]
    assert kinds == ["start", "next", "end"]


def test_taken_port_is_a_clear_error_and_leaves_no_show_to_resume(workspace):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        options = RunOptions(auto=True, obs=None, web=WebOptions(port=port, token="x" * 20))
        with pytest.raises(GreenroomError, match=f"cannot listen on 127.0.0.1:{port}"):
            asyncio.run(run_show(workspace, two_segments(), options, echo=lambda line: None))
    assert ShowStore(workspace.database()).find_unfinished() == []


@pytest.mark.parametrize("seconds", [float("nan"), float("inf"), 1e300, -5, "soon"])
def test_extend_by_an_impossible_amount_is_refused_and_changes_nothing(workspace, seconds):
    db = workspace.database()
    store = ShowStore(db)
    show_id, show = store.new_show(two_segments())
    runner = ShowRunner(show_id=show_id, show=show, guests=GuestQueue(db), questions=QuestionQueue(db, "test"),
                        clock=SystemClock())

    async def scenario():
        await runner.act("show.start", {})
        before = runner.state()["show"]["allotted_ms"]
        with pytest.raises(ActionError):
            await runner.act("show.extend", {"seconds": seconds})
        assert runner.state()["show"]["allotted_ms"] == before

    asyncio.run(scenario())


def test_terminal_view_shows_user_text_literally():
    state = {
        "show": {"title": "Ask [b]me[/b]", "show_id": 1, "status": "live", "segments": [{}], "phase": "normal",
                 "remaining_ms": 5000, "held": False, "current": 0, "segment_title": "[red]Q&A",
                 "prompt": "wrap up [/]", "next_segment_title": None, "offset_ms": 0},
        "message": {"text": "[link=http://x]click[/link]"},
        "obs": {}, "platforms": {},
    }
    console = Console(width=100, record=True)
    console.print(render(state, {}))
    text = console.export_text()
    for literal in ("Ask [b]me[/b]", "[red]Q&A", "wrap up [/]", "[link=http://x]click[/link]"):
        assert literal in text


def test_a_question_flood_keeps_the_control_room_to_the_newest_open_questions_and_the_one_on_screen(workspace):
    db = workspace.database()
    store = ShowStore(db)
    show_id, show = store.new_show(two_segments())
    questions = QuestionQueue(db, "flood")
    for number in range(300):
        questions.add(ChatMessage("twitch", f"m{number}", f"u{number}", f"viewer{number}", f"q{number}", number), f"q{number}")
    first = questions.list()[0]
    questions.show_on_screen(first.id)
    runner = ShowRunner(show_id=show_id, show=show, guests=GuestQueue(db), questions=questions, clock=SystemClock())
    state = runner.state()
    shown = [question["text"] for question in state["questions"]]
    assert shown[0] == "q0" and len(shown) == 201
    assert shown[1:] == [f"q{number}" for number in range(100, 300)]
    assert state["question_counts"] == {"total": 300, "pending": 299, "on_screen": 1}


def test_invalid_platform_settings_stop_before_the_show_exists(workspace):
    workspace.config_path.write_text('[twitch]\nbroadcaster = "caster"\nchat_notices_per_30s = 7\n')
    with pytest.raises(GreenroomError, match="chat_notices_per_30s"):
        asyncio.run(run_show(workspace, two_segments(), RunOptions(auto=True, obs=None, web=None),
                             echo=lambda line: None))
    assert ShowStore(workspace.database()).list_shows() == []
