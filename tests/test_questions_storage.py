"""Questions stored in the real workspace SQLite database: intake, moderation, crash safety."""

import sqlite3

import pytest

from livekit.core.clock import FakeClock
from livekit.questions import (
    ChatMessage,
    IntakeOutcome,
    IntakeRules,
    QuestionError,
    QuestionIntake,
    QuestionQueue,
)


def chat(text, message_id, author="u1", platform="twitch"):
    return ChatMessage(platform, message_id, author, f"Viewer {author}", text, 1_000)


@pytest.fixture
def clock():
    return FakeClock(2_000)


@pytest.fixture
def queue(workspace, clock):
    return QuestionQueue(workspace.database(), "show-1", clock=clock)


def test_an_accepted_question_is_stored_pending_with_platform_author_and_time(queue):
    intake = QuestionIntake(queue)
    outcome, question = intake.receive(chat("!ask   How long is the show?", "m1"))
    assert outcome is IntakeOutcome.ACCEPTED
    stored = queue.list()
    assert [q.to_dict() for q in stored] == [question.to_dict()]
    assert stored[0].to_dict() | {"id": None} == {
        "id": None,
        "platform": "twitch",
        "author": "Viewer u1",
        "text": "How long is the show?",
        "received_ms": 1_000,
        "status": "pending",
        "changed_ms": None,
        "answered_segment": None,
        "answered_guest": None,
        "paid": False,
        "amount": None,
    }


def test_on_change_fires_after_the_question_is_committed(workspace, clock):
    seen = []
    reader = workspace.database()
    queue = QuestionQueue(workspace.database(), "show-1", clock=clock)
    queue.add_listener(lambda q: seen.append(reader.execute("SELECT count(*) FROM questions").fetchone()[0]))
    QuestionIntake(queue).receive(chat("!ask hi", "m1"))
    assert seen == [1]


def test_ordinary_chat_is_not_stored(queue):
    QuestionIntake(queue).receive(chat("great stream!", "m1"))
    assert queue.list() == []


def test_a_redelivered_message_is_stored_once_even_after_a_restart(workspace, clock):
    first = QuestionIntake(QuestionQueue(workspace.database(), "show-1", clock=clock))
    first.receive(chat("!ask one", "m1"))
    restarted = QuestionIntake(QuestionQueue(workspace.database(), "show-1", clock=clock))
    outcome, _ = restarted.receive(chat("!ask one", "m1"))
    assert outcome is IntakeOutcome.DUPLICATE_MESSAGE
    assert len(restarted.queue.list()) == 1


def test_the_per_person_limit_survives_a_restart(workspace, clock):
    rules = IntakeRules(per_person_limit=2)
    first = QuestionIntake(QuestionQueue(workspace.database(), "show-1", clock=clock), rules)
    first.receive(chat("!ask one", "m1"))
    first.receive(chat("!ask two", "m2"))
    restarted = QuestionIntake(QuestionQueue(workspace.database(), "show-1", clock=clock), rules)
    assert restarted.receive(chat("!ask three", "m3"))[0] is IntakeOutcome.OVER_LIMIT


def test_each_show_has_its_own_queue(workspace, clock):
    QuestionIntake(QuestionQueue(workspace.database(), "show-1", clock=clock)).receive(chat("!ask a", "m1"))
    other = QuestionQueue(workspace.database(), "show-2", clock=clock)
    assert other.list() == []
    assert QuestionIntake(other).receive(chat("!ask a", "m1"))[0] is IntakeOutcome.ACCEPTED


def test_intake_counts_why_lines_were_dropped(queue):
    intake = QuestionIntake(queue, IntakeRules(max_length=5))
    for index, text in enumerate(["hi", "!ask ok", "!ask ok", "!ask far too long"]):
        intake.receive(chat(text, f"m{index}"))
    assert intake.stats() == {"not_a_question": 1, "accepted": 1, "duplicate_text": 1, "too_long": 1}


def test_showing_a_question_takes_the_previous_one_off_screen(queue, clock):
    intake = QuestionIntake(queue)
    first = intake.receive(chat("!ask first", "m1"))[1]
    second = intake.receive(chat("!ask second", "m2", author="u2"))[1]
    queue.show_on_screen(first.id)
    clock.advance(1_000)
    queue.show_on_screen(second.id)
    assert queue.get(first.id).status.value == "approved"
    assert queue.on_screen().id == second.id


def test_answering_keeps_segment_and_guest_in_the_database(workspace, queue):
    question = QuestionIntake(queue).receive(chat("!ask why", "m1"))[1]
    queue.show_on_screen(question.id)
    queue.answer(question.id, segment=1, guest="Jane")
    row = workspace.database().execute(
        "SELECT status, answered_segment, answered_guest, changed_ms FROM questions"
    ).fetchone()
    assert row == ("answered", 1, "Jane", 2_000)
    assert queue.on_screen() is None


def test_a_refused_action_changes_nothing_and_says_why(queue):
    question = QuestionIntake(queue).receive(chat("!ask why", "m1"))[1]
    queue.reject(question.id)
    with pytest.raises(QuestionError, match="is rejected: cannot show"):
        queue.show_on_screen(question.id)
    assert queue.get(question.id).status.value == "rejected"


def test_an_unknown_question_id_is_reported(queue):
    with pytest.raises(QuestionError, match="no question 99 in show 'show-1'"):
        queue.approve(99)


def test_every_moderation_change_is_announced(queue):
    changes = []
    queue.add_listener(lambda q: changes.append((q.id, q.status.value)))
    intake = QuestionIntake(queue)
    first = intake.receive(chat("!ask a", "m1"))[1]
    second = intake.receive(chat("!ask b", "m2"))[1]
    queue.act("show", first.id)
    queue.act("show", second.id)
    assert changes == [
        (first.id, "pending"),
        (second.id, "pending"),
        (first.id, "on_screen"),
        (first.id, "approved"),
        (second.id, "on_screen"),
    ]


def test_list_filters_by_status(queue):
    intake = QuestionIntake(queue)
    first = intake.receive(chat("!ask a", "m1"))[1]
    intake.receive(chat("!ask b", "m2"))
    queue.approve(first.id)
    assert [q.text for q in queue.list("approved")] == ["a"]
    assert [q.text for q in queue.list("pending")] == ["b"]


def test_a_burst_is_stored_in_one_transaction_with_duplicates_reported(queue):
    intake = QuestionIntake(queue)
    results = intake.receive_many(
        [chat("!ask a", "m1"), chat("!ask a", "m1"), chat("!ask b", "m2", author="u2"), chat("hello", "m3")]
    )
    assert [outcome.value for outcome, _ in results] == [
        "accepted",
        "duplicate_message",
        "accepted",
        "not_a_question",
    ]
    assert [q.text for q in queue.list()] == ["a", "b"]


def test_a_burst_the_database_refuses_is_not_half_stored_and_can_be_delivered_again(workspace, queue):
    intake = QuestionIntake(queue)
    burst = [chat("!ask a", "m1"), chat("!ask b", "m2", author="u2")]
    refuse = workspace.database()
    refuse.execute(
        "CREATE TRIGGER refuse_b BEFORE INSERT ON questions WHEN NEW.text = 'b' "
        "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    with pytest.raises(sqlite3.IntegrityError):
        intake.receive_many(burst)
    assert queue.list() == []
    refuse.execute("DROP TRIGGER refuse_b")
    intake.receive_many(burst)
    assert [q.text for q in queue.list()] == ["a", "b"]


def test_reads_follow_every_committed_change_and_as_dicts_matches_list(queue, clock):
    intake = QuestionIntake(queue)
    first = intake.receive(chat("!ask a", "m1"))[1]
    assert queue.as_dicts() == [first.to_dict()]
    intake.receive(chat("!ask b", "m2", author="u2"))
    queue.show_on_screen(first.id)
    assert queue.as_dicts() == [q.to_dict() for q in queue.list()]
    assert [q["status"] for q in queue.as_dicts()] == ["on_screen", "pending"]


def test_a_question_that_arrives_out_of_order_is_still_listed_in_arrival_order(queue):
    intake = QuestionIntake(queue)
    queue.list()
    intake.receive(ChatMessage("twitch", "m2", "u2", "Bea", "!ask later", 5_000))
    intake.receive(ChatMessage("youtube", "m1", "u1", "Al", "!ask earlier", 4_000))
    assert [q.text for q in queue.list()] == ["earlier", "later"]


def test_a_new_queue_reads_what_an_earlier_one_stored(workspace, clock):
    QuestionIntake(QuestionQueue(workspace.database(), "show-1", clock=clock)).receive(chat("!ask kept", "m1"))
    assert [q["text"] for q in QuestionQueue(workspace.database(), "show-1", clock=clock).as_dicts()] == ["kept"]


def test_a_paid_question_keeps_its_flag_and_amount_across_a_restart(workspace, clock):
    intake = QuestionIntake(QuestionQueue(workspace.database(), "show-1", clock=clock))
    paid = ChatMessage("youtube", "sc1", "u1", "Ann", "ship it?", 1_000, paid=True, amount="$5.00")
    intake.receive(paid)
    intake.receive(chat("!ask free one", "m2"))
    reopened = QuestionQueue(workspace.database(), "show-1", clock=clock)
    assert [(q.text, q.paid, q.amount) for q in reopened.list()] == [("ship it?", True, "$5.00"),
                                                                      ("free one", False, None)]
    assert reopened.as_dicts()[0]["paid"] is True
    assert reopened.as_dicts()[0]["amount"] == "$5.00"
