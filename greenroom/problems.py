"""Problems found in a user's file, collected while validating and reported all at once as ``file:line: problem``.

Rundowns (livekit) and campaign files (outreach) are written by hand; a validator that stops at the first
mistake makes the user fix and re-run once per mistake. Validators therefore record every problem in a
:class:`Problems` collector, carry on with a harmless stand-in value, and raise one :class:`ProblemsError`
(a subclass per file type) at the end, whose message lists them in line order, one per line.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from greenroom.errors import GreenroomError


@dataclass(frozen=True, order=True)
class Problem:
    """One problem; ``line`` is 1-based, or None when it concerns the whole file (e.g. "no such file")."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.message}"


class ProblemsError(GreenroomError):
    """A file that cannot be used; carries every problem found, not just the first."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


class Problems:
    """The problems of one source file, gathered while a validator walks it."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._found: list[Problem] = []

    def add(self, line: int | None, message: str) -> None:
        self._found.append(Problem(self.source, line, message))

    def __bool__(self) -> bool:
        return bool(self._found)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self._found)

    def in_line_order(self) -> list[Problem]:
        """Whole-file problems first, then by line; problems on one line keep the order they were found."""
        return sorted(self._found, key=lambda problem: problem.line or 0)

    def raise_if_any(self, error: type[ProblemsError]) -> None:
        """Raise ``error`` listing every problem in line order, if there is any."""
        if self._found:
            raise error(self.in_line_order())


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'title'?)`` when a known word is close, else an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
