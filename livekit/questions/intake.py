"""Where platform sessions push chat: the rules decide, the queue stores, listeners hear about it."""

from __future__ import annotations

from collections import Counter
from typing import Any

from livekit.questions.core import ChatMessage, IntakeOutcome, IntakeRules, Question, evaluate, normalise
from livekit.questions.storage import ChangeListener, QuestionQueue


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

    def ignore_author(self, platform: str, author_id: str) -> None:
        """Ignore one more account's lines (a session calls this with its bot's id once known)."""
        self.rules = self.rules.ignoring(platform, author_id)

    def add_listener(self, listener: ChangeListener) -> None:
        self.queue.add_listener(listener)

    def receive(self, message: ChatMessage) -> tuple[IntakeOutcome, Question | None]:
        """Apply the rules to one chat line; store it when it is a new question."""
        outcome, text = evaluate(message, self.rules, self._memory)
        question = None
        if outcome is IntakeOutcome.ACCEPTED:
            question = self.queue.add(message, text)
            if question is None:
                outcome = IntakeOutcome.DUPLICATE_MESSAGE
            else:
                self._memory.remember(message.platform, message.message_id, message.author_id, normalise(text))
        self.counts[outcome.value] += 1
        return outcome, question

    def stats(self) -> dict[str, Any]:
        """How many chat lines ended how (for status and the after-show report)."""
        return dict(self.counts)

