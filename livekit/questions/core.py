"""The rules for viewer questions, with no I/O: what counts as a question, and how moderation moves it.

Everything here is a plain function of its inputs (the clock is passed in as milliseconds), so the rules are
tested exhaustively and the adapters (Twitch, YouTube, SQLite, web) stay thin.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from greenroom.errors import GreenroomError


class QuestionError(GreenroomError):
    """A moderation action that is not allowed (unknown question, wrong state)."""


class UnknownQuestion(QuestionError, LookupError):
    """No question of this show has that id (the web API answers 404, not 400)."""


class QuestionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    ON_SCREEN = "on_screen"
    ANSWERED = "answered"


class IntakeOutcome(StrEnum):
    """Why a chat message did or did not become a question (counted in the session status)."""

    ACCEPTED = "accepted"
    NOT_A_QUESTION = "not_a_question"
    OWN_MESSAGE = "own_message"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    DUPLICATE_MESSAGE = "duplicate_message"
    DUPLICATE_TEXT = "duplicate_text"
    OVER_LIMIT = "over_limit"


@dataclass(frozen=True)
class ChatMessage:
    """One chat line as a platform delivered it; ``message_id`` is the platform's id (redeliveries repeat it).

    ``paid`` marks a line the viewer paid to have seen (a YouTube Super Chat, a member's milestone message);
    ``amount`` is the platform's own text for it (``"$5.00"``, ``"Member, 6 months"``). A paid line is a
    question without the command: the viewer paid for the moderator to see it.
    """

    platform: str
    message_id: str
    author_id: str
    author_name: str
    text: str
    received_ms: int
    paid: bool = False
    amount: str | None = None


@dataclass(frozen=True)
class IntakeRules:
    """The knobs of question intake. ``own_author_ids`` are the bot/broadcaster accounts whose lines we ignore."""

    command: str = "!ask"
    max_length: int = 300
    per_person_limit: int = 3
    own_author_ids: frozenset[tuple[str, str]] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.command.strip() or any(ch.isspace() for ch in self.command):
            raise ValueError(f"the question command must be one word, got {self.command!r}")
        if self.max_length < 1:
            raise ValueError("max_length must be at least 1")
        if self.per_person_limit < 1:
            raise ValueError("per_person_limit must be at least 1")

    def ignoring(self, platform: str, author_id: str) -> IntakeRules:
        """These rules, also ignoring one more account (the bot, once its id is known)."""
        return replace(self, own_author_ids=self.own_author_ids | {(platform, author_id)})


@dataclass(frozen=True)
class Question:
    id: int
    show: str
    platform: str
    message_id: str
    author_id: str
    author_name: str
    text: str
    received_ms: int
    status: QuestionStatus = QuestionStatus.PENDING
    changed_ms: int | None = None
    answered_segment: int | None = None
    answered_guest: str | None = None
    paid: bool = False
    amount: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, as the control room and the runner's state show it (the text is user data: escape it)."""
        return {
            "id": self.id,
            "platform": self.platform,
            "author": self.author_name,
            "text": self.text,
            "received_ms": self.received_ms,
            "status": self.status.value,
            "changed_ms": self.changed_ms,
            "answered_segment": self.answered_segment,
            "answered_guest": self.answered_guest,
            "paid": self.paid,
            "amount": self.amount,
        }


_SPACES = re.compile(r"\s+")
_TRAILING_PUNCTUATION = re.compile(r"[\s?!.,;:…]+$")
_INVISIBLE = {"Cc", "Cf"}


def question_text(text: str, command: str) -> str | None:
    """The question after ``command`` (case-insensitive, must be its own word), or None for ordinary chat."""
    stripped = text.lstrip()
    if len(stripped) < len(command) or stripped[: len(command)].casefold() != command.casefold():
        return None
    rest = stripped[len(command) :]
    if rest and not rest[0].isspace():
        return None
    return clean(rest)


def clean(text: str) -> str:
    """Drop control and format characters (they break overlays) and collapse runs of whitespace."""
    visible = "".join(ch if unicodedata.category(ch) not in _INVISIBLE else " " for ch in text)
    return _SPACES.sub(" ", visible).strip()


def normalise(text: str) -> str:
    """The form two questions are compared in: NFKC, case-folded, spaces collapsed, end punctuation dropped."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _TRAILING_PUNCTUATION.sub("", _SPACES.sub(" ", folded).strip())


@dataclass
class IntakeMemory:
    """What intake must remember per show to apply its rules; rebuilt from storage after a restart."""

    message_ids: set[tuple[str, str]] = field(default_factory=set)
    texts: set[tuple[str, str, str]] = field(default_factory=set)
    counts: dict[tuple[str, str], int] = field(default_factory=dict)

    def remember(self, platform: str, message_id: str, author_id: str, normalised_text: str) -> None:
        self.message_ids.add((platform, message_id))
        self.texts.add((platform, author_id, normalised_text))
        key = (platform, author_id)
        self.counts[key] = self.counts.get(key, 0) + 1


def evaluate(message: ChatMessage, rules: IntakeRules, memory: IntakeMemory) -> tuple[IntakeOutcome, str]:
    """Decide whether ``message`` is a new question; returns the outcome and the cleaned question text.

    Order matters: a redelivered message is a duplicate even when its author has since hit the limit. A paid
    message needs no command (see :class:`ChatMessage`); the other rules apply to it as to any question.
    """
    text = question_text(message.text, rules.command)
    if text is None and message.paid:
        text = clean(message.text)
    if text is None:
        return IntakeOutcome.NOT_A_QUESTION, ""
    if (message.platform, message.author_id) in rules.own_author_ids:
        return IntakeOutcome.OWN_MESSAGE, ""
    if (message.platform, message.message_id) in memory.message_ids:
        return IntakeOutcome.DUPLICATE_MESSAGE, text
    if not text:
        return IntakeOutcome.EMPTY, ""
    if len(text) > rules.max_length:
        return IntakeOutcome.TOO_LONG, text
    if (message.platform, message.author_id, normalise(text)) in memory.texts:
        return IntakeOutcome.DUPLICATE_TEXT, text
    if memory.counts.get((message.platform, message.author_id), 0) >= rules.per_person_limit:
        return IntakeOutcome.OVER_LIMIT, text
    return IntakeOutcome.ACCEPTED, text


# Moderation: which action is allowed from which state, and where it leads.
_TRANSITIONS: dict[str, tuple[frozenset[QuestionStatus], QuestionStatus]] = {
    "approve": (frozenset({QuestionStatus.PENDING, QuestionStatus.REJECTED}), QuestionStatus.APPROVED),
    "reject": (frozenset({QuestionStatus.PENDING, QuestionStatus.APPROVED}), QuestionStatus.REJECTED),
    "show": (frozenset({QuestionStatus.PENDING, QuestionStatus.APPROVED}), QuestionStatus.ON_SCREEN),
    "hide": (frozenset({QuestionStatus.ON_SCREEN}), QuestionStatus.APPROVED),
    "answer": (
        frozenset({QuestionStatus.PENDING, QuestionStatus.APPROVED, QuestionStatus.ON_SCREEN}),
        QuestionStatus.ANSWERED,
    ),
}
ACTIONS = tuple(_TRANSITIONS)


def moderate(
    question: Question,
    action: str,
    now_ms: int,
    *,
    segment: int | None = None,
    guest: str | None = None,
) -> Question:
    """The question after a moderation ``action``; raises QuestionError naming the state when not allowed.

    ``answer`` records which segment (0-based index) and which guest answered, for the after-show log.
    """
    if action not in _TRANSITIONS:
        raise QuestionError(f"unknown question action {action!r}; expected one of {', '.join(ACTIONS)}")
    allowed_from, target = _TRANSITIONS[action]
    if question.status not in allowed_from:
        raise QuestionError(
            f"question {question.id} is {question.status.value}: cannot {action} it "
            f"(allowed from {', '.join(sorted(s.value for s in allowed_from))})"
        )
    if action == "answer":
        return replace(
            question, status=target, changed_ms=now_ms, answered_segment=segment, answered_guest=guest
        )
    return replace(question, status=target, changed_ms=now_ms)
