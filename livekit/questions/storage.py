"""Questions in the workspace database: the queue the moderator works through, and nothing lost on a crash.

Every change is committed before anyone is told about it (``on_change`` fires after the commit), so the web
never shows a question the database does not have.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any, cast

import sqlite_utils

from livekit.core.clock import Clock, SystemClock
from livekit.questions.core import (
    ChatMessage,
    IntakeMemory,
    Question,
    QuestionError,
    QuestionStatus,
    UnknownQuestion,
    moderate,
    normalise,
)

ChangeListener = Callable[[Question], None]

_COLUMNS = (
    "id, show, platform, message_id, author_id, author_name, text, received_ms, status, changed_ms, "
    "answered_segment, answered_guest, paid, amount"
)


def _question(row: tuple[Any, ...]) -> Question:
    (question_id, show, platform, message_id, author_id, author_name, text, received_ms, status, changed_ms,
     answered_segment, answered_guest, paid, amount) = row
    return Question(question_id, show, platform, message_id, author_id, author_name, text, received_ms,
                    QuestionStatus(status), changed_ms, answered_segment, answered_guest, bool(paid), amount)


class QuestionQueue:
    """One show's questions: add, moderate (approve/reject/show/hide/answer) and list.

    Use one instance per thread (SQLite connections are per thread); the runner keeps it on its loop.
    ``on_change`` is called with the changed question after every committed change.

    Reads (:meth:`list`, :meth:`as_dicts`) come from an in-memory mirror of the committed rows, loaded
    once from the database and updated after each commit, so the control room can be refreshed after every
    change of a busy queue without re-reading it. This instance must be the only writer of its show's
    questions while it lives (the runner's); writes always go to the database first.
    """

    def __init__(
        self,
        db: sqlite_utils.Database,
        show: str,
        *,
        clock: Clock | None = None,
        on_change: ChangeListener | None = None,
    ) -> None:
        self.db = db
        self.show = show
        self.clock = clock or SystemClock()
        self._listeners: list[ChangeListener] = [on_change] if on_change else []
        self._mirror: dict[int, Question] | None = None
        self._dicts: list[dict[str, Any]] = []
        self._positions: dict[int, int] = {}

    def add_listener(self, listener: ChangeListener) -> None:
        self._listeners.append(listener)

    def _notify(self, question: Question) -> None:
        self._mirror_update(question)
        for listener in self._listeners:
            listener(question)

    def _loaded(self) -> dict[int, Question]:
        if self._mirror is None:
            rows = self.db.execute(
                f"SELECT {_COLUMNS} FROM questions WHERE show = ? ORDER BY received_ms, id",  # noqa: S608
                [self.show],
            )
            self._mirror = {question.id: question for question in map(_question, rows)}
            self._dicts = [question.to_dict() for question in self._mirror.values()]
            self._positions = {question_id: index for index, question_id in enumerate(self._mirror)}
        return self._mirror

    def _mirror_update(self, question: Question) -> None:
        """Reflect one committed change; a question arriving out of order makes the next read reload."""
        mirror = self._mirror
        if mirror is None:
            return
        if question.id in mirror:
            mirror[question.id] = question
            self._dicts[self._positions[question.id]] = question.to_dict()
            return
        if self._dicts and question.received_ms < self._dicts[-1]["received_ms"]:
            self._mirror = None
            return
        mirror[question.id] = question
        self._positions[question.id] = len(self._dicts)
        self._dicts.append(question.to_dict())

    def memory(self) -> IntakeMemory:
        """The intake rules' memory of this show, rebuilt from the stored questions."""
        memory = IntakeMemory()
        rows = self.db.execute(
            "SELECT platform, message_id, author_id, normalised FROM questions WHERE show = ?", [self.show]
        )
        for platform, message_id, author_id, normalised_text in rows:
            memory.remember(platform, message_id, author_id, normalised_text)
        return memory

    def add(self, message: ChatMessage, text: str) -> Question | None:
        """Store an accepted question; None when this platform message is already stored (a redelivery)."""
        return self.add_many([(message, text)])[0]

    def add_many(self, accepted: list[tuple[ChatMessage, str]]) -> list[Question | None]:
        """Store several accepted questions in ONE transaction (one fsync: a chat flood stays cheap), then
        announce them. Entries already stored (redeliveries) come back as None. All or nothing on error."""
        if not accepted:
            return []
        stored: list[Question | None] = []
        with self.db.conn:
            self.db.execute("BEGIN IMMEDIATE")
            for message, text in accepted:
                cursor = self.db.execute(
                    "INSERT OR IGNORE INTO questions (show, platform, message_id, author_id, author_name, text, "
                    "normalised, received_ms, status, paid, amount) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
                    [
                        self.show,
                        message.platform,
                        message.message_id,
                        message.author_id,
                        message.author_name,
                        text,
                        normalise(text),
                        message.received_ms,
                        int(message.paid),
                        message.amount,
                    ],
                )
                stored.append(
                    Question(
                        id=cast(int, cursor.lastrowid),  # a new row (rowcount 1) always has a rowid
                        show=self.show,
                        platform=message.platform,
                        message_id=message.message_id,
                        author_id=message.author_id,
                        author_name=message.author_name,
                        text=text,
                        received_ms=message.received_ms,
                        paid=message.paid,
                        amount=message.amount,
                    )
                    if cursor.rowcount == 1
                    else None
                )
        for question in stored:
            if question is not None:
                self._notify(question)
        return stored

    def get(self, question_id: int) -> Question:
        row = self.db.execute(
            f"SELECT {_COLUMNS} FROM questions WHERE id = ? AND show = ?",  # noqa: S608 (constant columns)
            [question_id, self.show],
        ).fetchone()
        if row is None:
            raise UnknownQuestion(f"no question {question_id} in show {self.show!r}")
        return _question(row)

    def list(self, status: QuestionStatus | str | None = None) -> builtins.list[Question]:
        """Questions in arrival order, optionally only those in one status."""
        questions = self._loaded().values()
        if status is None:
            return list(questions)
        wanted = QuestionStatus(status)
        return [question for question in questions if question.status is wanted]

    def as_dicts(self) -> builtins.list[dict[str, Any]]:
        """``[q.to_dict() for q in self.list()]``, kept up to date incrementally (cheap after every change).

        The dicts are shared: read them, do not modify them.
        """
        self._loaded()
        return list(self._dicts)

    def on_screen(self) -> Question | None:
        shown = self.list(QuestionStatus.ON_SCREEN)
        return shown[0] if shown else None

    def approve(self, question_id: int) -> Question:
        return self._apply(question_id, "approve")

    def reject(self, question_id: int) -> Question:
        return self._apply(question_id, "reject")

    def show_on_screen(self, question_id: int) -> Question:
        """Put one question on screen; the one shown before goes back to approved (one card at a time)."""
        return self._apply(question_id, "show")

    def hide(self, question_id: int) -> Question:
        return self._apply(question_id, "hide")

    def answer(self, question_id: int, segment: int | None = None, guest: str | None = None) -> Question:
        """Mark answered, keeping which segment (0-based) and which guest answered it for the show log."""
        return self._apply(question_id, "answer", segment=segment, guest=guest)

    def act(self, action: str, question_id: int, **details: Any) -> Question:
        """Dispatch ``approve|reject|show|hide|answer`` by name (the runner's ``questions.*`` actions)."""
        handlers = {
            "approve": self.approve,
            "reject": self.reject,
            "show": self.show_on_screen,
            "hide": self.hide,
            "answer": self.answer,
        }
        if action not in handlers:
            raise QuestionError(f"unknown question action {action!r}; expected one of {', '.join(handlers)}")
        return handlers[action](question_id, **details)

    def _apply(self, question_id: int, action: str, **details: Any) -> Question:
        now = self.clock.now_ms()
        changed: builtins.list[Question] = []
        with self.db.conn:
            self.db.execute("BEGIN IMMEDIATE")
            question = self.get(question_id)
            updated = moderate(question, action, now, **details)
            if action == "show":
                previous = self.on_screen()
                if previous is not None and previous.id != question.id:
                    changed.append(self._store(moderate(previous, "hide", now)))
            changed.append(self._store(updated))
        for item in changed:
            self._notify(item)
        return updated

    def _store(self, question: Question) -> Question:
        self.db.execute(
            "UPDATE questions SET status = ?, changed_ms = ?, answered_segment = ?, answered_guest = ? "
            "WHERE id = ?",
            [
                question.status.value,
                question.changed_ms,
                question.answered_segment,
                question.answered_guest,
                question.id,
            ],
        )
        return question
