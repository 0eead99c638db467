"""Intake rules and moderation states of viewer questions (pure core, no I/O)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livekit.questions.core import (
    ChatMessage,
    IntakeMemory,
    IntakeOutcome,
    IntakeRules,
    Question,
    QuestionError,
    QuestionStatus,
    evaluate,
    moderate,
    normalise,
    question_text,
)


def chat(text, *, author="u1", message_id="m1", platform="twitch"):
    return ChatMessage(platform, message_id, author, f"name-{author}", text, 1_000)


def question(status=QuestionStatus.PENDING):
    return Question(7, "show-1", "twitch", "m1", "u1", "Ann", "Why?", 1_000, status)


def test_a_line_starting_with_the_command_is_a_question():
    assert evaluate(chat("!ask what mic do you use?"), IntakeRules(), IntakeMemory()) == (
        IntakeOutcome.ACCEPTED,
        "what mic do you use?",
    )


def test_the_command_is_case_insensitive_and_may_follow_spaces():
    assert question_text("   !ASK  hello   there ", "!ask") == "hello there"


def test_ordinary_chat_and_lookalike_commands_are_not_questions():
    for text in ("hello !ask later", "!asking for a friend", "ask me", ""):
        assert evaluate(chat(text), IntakeRules(), IntakeMemory())[0] is IntakeOutcome.NOT_A_QUESTION


def test_the_command_prefix_is_configurable():
    rules = IntakeRules(command="?q")
    assert evaluate(chat("?q is it live"), rules, IntakeMemory())[0] is IntakeOutcome.ACCEPTED
    assert evaluate(chat("!ask is it live"), rules, IntakeMemory())[0] is IntakeOutcome.NOT_A_QUESTION


def test_a_command_with_spaces_is_refused():
    with pytest.raises(ValueError, match="one word"):
        IntakeRules(command="! ask")


def test_the_command_alone_is_an_empty_question():
    assert evaluate(chat("!ask   "), IntakeRules(), IntakeMemory())[0] is IntakeOutcome.EMPTY


def test_a_question_longer_than_the_maximum_is_refused():
    rules = IntakeRules(max_length=10)
    assert evaluate(chat("!ask " + "x" * 10), rules, IntakeMemory())[0] is IntakeOutcome.ACCEPTED
    assert evaluate(chat("!ask " + "x" * 11), rules, IntakeMemory())[0] is IntakeOutcome.TOO_LONG


def test_the_bots_own_messages_are_ignored():
    rules = IntakeRules().ignoring("twitch", "bot")
    assert evaluate(chat("!ask test", author="bot"), rules, IntakeMemory())[0] is IntakeOutcome.OWN_MESSAGE
    other_platform = chat("!ask test", author="bot", platform="youtube")
    assert evaluate(other_platform, rules, IntakeMemory())[0] is IntakeOutcome.ACCEPTED


def test_a_redelivered_message_id_is_a_duplicate():
    memory = IntakeMemory()
    memory.remember("twitch", "m1", "u1", "why")
    assert evaluate(chat("!ask why", message_id="m1"), IntakeRules(), memory)[0] is (
        IntakeOutcome.DUPLICATE_MESSAGE
    )


def test_the_same_question_from_the_same_person_is_a_duplicate_whatever_case_spaces_or_end_punctuation():
    memory = IntakeMemory()
    memory.remember("twitch", "m1", "u1", normalise("What mic do you use?"))
    again = chat("!ask   WHAT mic  do you use??!", message_id="m2")
    assert evaluate(again, IntakeRules(), memory)[0] is IntakeOutcome.DUPLICATE_TEXT


def test_the_same_question_from_someone_else_is_accepted():
    memory = IntakeMemory()
    memory.remember("twitch", "m1", "u1", normalise("What mic?"))
    other = chat("!ask what mic?", message_id="m2", author="u2")
    assert evaluate(other, IntakeRules(), memory)[0] is IntakeOutcome.ACCEPTED


def test_a_person_over_the_limit_is_refused():
    memory = IntakeMemory()
    for index in range(2):
        memory.remember("twitch", f"m{index}", "u1", f"q{index}")
    rules = IntakeRules(per_person_limit=2)
    assert evaluate(chat("!ask q3", message_id="m9"), rules, memory)[0] is IntakeOutcome.OVER_LIMIT


def test_control_characters_are_removed_from_question_text():
    assert question_text("!ask a\u202eb\x00c\nd", "!ask") == "a b c d"


@given(st.text(max_size=400))
def test_intake_never_crashes_and_accepted_text_respects_the_limits(text):
    outcome, cleaned = evaluate(chat(text), IntakeRules(max_length=50), IntakeMemory())
    if outcome is IntakeOutcome.ACCEPTED:
        assert 0 < len(cleaned) <= 50
        assert cleaned == cleaned.strip()


@pytest.mark.parametrize(
    ("start", "action", "end"),
    [
        (QuestionStatus.PENDING, "approve", QuestionStatus.APPROVED),
        (QuestionStatus.REJECTED, "approve", QuestionStatus.APPROVED),
        (QuestionStatus.PENDING, "reject", QuestionStatus.REJECTED),
        (QuestionStatus.APPROVED, "reject", QuestionStatus.REJECTED),
        (QuestionStatus.PENDING, "show", QuestionStatus.ON_SCREEN),
        (QuestionStatus.APPROVED, "show", QuestionStatus.ON_SCREEN),
        (QuestionStatus.ON_SCREEN, "hide", QuestionStatus.APPROVED),
        (QuestionStatus.ON_SCREEN, "answer", QuestionStatus.ANSWERED),
        (QuestionStatus.APPROVED, "answer", QuestionStatus.ANSWERED),
    ],
)
def test_moderation_moves_a_question_between_states(start, action, end):
    moved = moderate(question(start), action, 5_000)
    assert (moved.status, moved.changed_ms) == (end, 5_000)


@pytest.mark.parametrize(
    ("start", "action"),
    [
        (QuestionStatus.REJECTED, "show"),
        (QuestionStatus.REJECTED, "answer"),
        (QuestionStatus.ANSWERED, "show"),
        (QuestionStatus.ANSWERED, "reject"),
        (QuestionStatus.APPROVED, "hide"),
        (QuestionStatus.ON_SCREEN, "approve"),
    ],
)
def test_a_move_not_allowed_from_the_current_state_names_the_state(start, action):
    with pytest.raises(QuestionError, match=f"question 7 is {start.value}: cannot {action}"):
        moderate(question(start), action, 5_000)


def test_an_unknown_action_is_refused_with_the_known_ones():
    with pytest.raises(QuestionError, match="approve, reject, show, hide, answer"):
        moderate(question(), "delete", 0)


def test_answering_records_segment_and_guest():
    answered = moderate(question(QuestionStatus.ON_SCREEN), "answer", 9_000, segment=2, guest="Jane Doe")
    assert (answered.answered_segment, answered.answered_guest) == (2, "Jane Doe")


def test_a_paid_message_is_a_question_without_the_command():
    paid = ChatMessage("youtube", "sc1", "u1", "Ann", "  will you ship  on Linux? ", 1_000, paid=True, amount="$5.00")
    assert evaluate(paid, IntakeRules(), IntakeMemory()) == (IntakeOutcome.ACCEPTED, "will you ship on Linux?")


def test_a_paid_message_with_the_command_loses_the_command():
    paid = ChatMessage("youtube", "sc1", "u1", "Ann", "!ask why?", 1_000, paid=True, amount="$2.00")
    assert evaluate(paid, IntakeRules(), IntakeMemory()) == (IntakeOutcome.ACCEPTED, "why?")


def test_a_paid_message_without_words_is_empty():
    paid = ChatMessage("youtube", "sc1", "u1", "Ann", "", 1_000, paid=True, amount="$2.00")
    assert evaluate(paid, IntakeRules(), IntakeMemory())[0] is IntakeOutcome.EMPTY
