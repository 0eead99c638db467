"""Viewer questions from Twitch and YouTube chat: intake rules, moderation states, storage.

``core`` is pure (no I/O, injected clock); ``storage`` keeps every question in the workspace database so a
crash loses nothing; ``intake`` ties the two together for the show runner.
"""

from livekit.questions.core import (
    ChatMessage,
    IntakeOutcome,
    IntakeRules,
    Question,
    QuestionError,
    QuestionStatus,
)
from livekit.questions.intake import QuestionIntake
from livekit.questions.storage import QuestionQueue

__all__ = [
    "ChatMessage",
    "IntakeOutcome",
    "IntakeRules",
    "Question",
    "QuestionError",
    "QuestionIntake",
    "QuestionQueue",
    "QuestionStatus",
]
