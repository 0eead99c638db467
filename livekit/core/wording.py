"""Words for output: counted nouns (``1 segment``, ``2 segments``) and user text shown on one line. Pure."""

from __future__ import annotations

from greenroom.text import terminal_safe


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``count`` and the noun, singular only for exactly one (``plural`` for irregular nouns)."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def one_line(text: object) -> str:
    """User text (a show title, a guest's name, a show reference) inside one line of terminal output:
    control characters shown as escapes (:func:`greenroom.text.terminal_safe`), and line breaks and tabs
    too, so a title cannot start a line of its own that looks like the tool's output."""
    return terminal_safe(str(text)).replace("\n", "\\n").replace("\t", "\\t")
