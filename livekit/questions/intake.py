"""Where platform sessions push chat: the rules decide, the queue stores, listeners hear about it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from livekit.questions.core import ChatMessage, IntakeOutcome, IntakeRules, Question, evaluate, normalise
from livekit.questions.storage import ChangeListener, QuestionQueue

#: Told of every chat line once its burst is stored, with what became of it (the audience counts use it).
ChatListener = Callable[[ChatMessage, IntakeOutcome], None]


class QuestionIntake:
    """Turns chat messages into stored questions for one show.

    Sessions call :meth:`receive` for every chat line (ordinary chat is dropped at the cost of a prefix
    check). ``on_change`` (on the queue) fires after a new question is committed. The memory used for
    dedupe and limits is rebuilt from the database, so a restarted runner keeps applying the same rules.
    """

    def __init__(self, queue: QuestionQueue, rules: IntakeRules | None = None) -> None:
        self.queue = queue
        self.rules = rules or IntakeRules()
        self._memory = queue.memory()
        self.counts: Counter[str] = Counter()
        self._chat_listeners: list[ChatListener] = []

    def ignore_author(self, platform: str, author_id: str) -> None:
        """Ignore one more account's lines (a session calls this with its bot's id once known)."""
        self.rules = self.rules.ignoring(platform, author_id)

    def add_listener(self, listener: ChangeListener) -> None:
        self.queue.add_listener(listener)

    def add_chat_listener(self, listener: ChatListener) -> None:
        """``listener(message, outcome)`` for every chat line, questions or not, after its burst is stored
        (a burst that fails to store is told when it is delivered again, so nothing is told twice)."""
        self._chat_listeners.append(listener)

    def receive(self, message: ChatMessage) -> tuple[IntakeOutcome, Question | None]:
        """Apply the rules to one chat line; store it when it is a new question."""
        return self.receive_many([message])[0]

    def receive_many(self, messages: list[ChatMessage]) -> list[tuple[IntakeOutcome, Question | None]]:
        """Apply the rules to a burst of chat lines in order and store the new questions in one transaction.

        If storing fails the error propagates, nothing of the burst is stored or counted, and the rules'
        memory is rebuilt from the database: the caller may simply deliver the same burst again.
        """
        decided: list[tuple[IntakeOutcome, str]] = []
        accepted: list[tuple[ChatMessage, str]] = []
        for message in messages:
            outcome, text = evaluate(message, self.rules, self._memory)
            if outcome is IntakeOutcome.ACCEPTED:
                self._memory.remember(message.platform, message.message_id, message.author_id, normalise(text))
                accepted.append((message, text))
            decided.append((outcome, text))
        try:
            stored = iter(self.queue.add_many(accepted))
        except Exception:
            self._memory = self.queue.memory()
            raise
        results: list[tuple[IntakeOutcome, Question | None]] = []
        for outcome, _text in decided:
            question = None
            if outcome is IntakeOutcome.ACCEPTED:
                question = next(stored)
                if question is None:
                    outcome = IntakeOutcome.DUPLICATE_MESSAGE
            self.counts[outcome.value] += 1
            results.append((outcome, question))
        for listener in self._chat_listeners:
            for message, (outcome, _question) in zip(messages, results, strict=True):
                listener(message, outcome)
        return results

    def stats(self) -> dict[str, Any]:
        """How many chat lines ended how (for status and the after-show report)."""
        return dict(self.counts)

