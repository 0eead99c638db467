"""Audience sizes as people in different countries type them: ``1.234``, ``1,234``, ``1 234``, ``1'234``,
``12,5k``, ``1,2 Mio.``, ``3 M``, ``1.2M``.

Rules, in order (pure functions; the importer applies them per column):

1. Spaces (also no-break and narrow no-break), apostrophes (``'`` and ``’``) and ``_`` group digits.
2. A value holding both ``.`` and ``,``: the last one is the decimal mark (``1.234,5k``, ``1,234.5k``).
3. A mark that appears more than once groups digits (``1.234.567``, ``1,234,567``).
4. A single mark followed by 1, 2 or 4+ digits is a decimal mark (``12,5k``, ``1.25M``).
5. A single mark followed by exactly three digits is ambiguous (``1,234``, ``1.234k``):
   - without a unit it groups digits: a count of people is whole, so ``1,234`` and ``1.234`` are 1234 in
     every convention (a decimal reading would be 1.234 people);
   - with a unit (``1,234k``) it follows what the rest of the column does: if the column's unambiguous
     values use that mark as a decimal mark (``12,5k``) it is one, if they use it to group digits
     (``1.234.567``, ``1.234,5``) it groups; a column with no such value reads it as a decimal mark
     (``1.234k`` = 1234, the way social tools print counts). :class:`CountColumn` learns that from the column.

Units (case-insensitive, with or without a space or a final dot): k, K, Tsd., mil, mila (thousand); M, Mio.,
mln, Mill. (million); B, bn, Mrd., Md, Mds, mld (billion). Estimates (``~50k``, ``ca. 50k``, ``12k+``,
``>10k``, ``env. 3k``, ``etwa 2k``) read as their number.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

#: No audience is bigger; a larger figure is a typo (and would not fit a SQLite INTEGER anyway).
MAX_COUNT = 10**12
#: What people write for "not known"; such a cell is left empty instead of making the whole row invalid.
NOT_KNOWN = frozenset({"n/a", "na", "n.a.", "-", "--", "?", "unknown", "tbd", "k.a.", "k. a.", "nc", "n/c",
                       "n.c.", "inconnu", "unbekannt", "s/d", "nd", "n.d."})
#: Characters that only ever group digits (rule 1).
_GROUPING = str.maketrans("", "", " \u00a0\u202f\u2009'’_")
_UNITS = {
    "": 1, "k": 1_000, "tsd": 1_000, "mil": 1_000, "mila": 1_000,
    "m": 1_000_000, "mio": 1_000_000, "mln": 1_000_000, "mill": 1_000_000,
    "b": 1_000_000_000, "bn": 1_000_000_000, "mrd": 1_000_000_000, "md": 1_000_000_000, "mds": 1_000_000_000,
    "mld": 1_000_000_000,
}
_ESTIMATE = re.compile(r"^(?:~|≈|>|ca\.?|approx\.?|about|env\.?|environ|etwa|circa|aprox\.?)\s*")
_SHAPE = re.compile(r"^(\d[\d.,]*)([a-z]*)\.?$")


class InvalidCount(ValueError):
    """A value that is not a follower count; the message is meant for the user."""


@dataclass(frozen=True)
class _Reading:
    """How one value's marks read: the integer and fraction digits, and what the value says about its marks."""

    whole: str
    fraction: str
    unit: str
    #: The decimal mark this value proves for its column (rules 2-4), or None.
    proves_decimal: str | None
    #: The mark that was ambiguous (rule 5 with a unit), or None.
    ambiguous: str | None


def _split(text: str) -> _Reading:
    cleaned = _ESTIMATE.sub("", text.strip().lower()).removesuffix("+").translate(_GROUPING)
    match = _SHAPE.match(cleaned)
    if not match or match.group(2) not in _UNITS:
        raise InvalidCount(f"{text.strip()!r} is not a number of followers")
    digits, unit = match.group(1), match.group(2)
    if digits[-1] in ".,":
        raise InvalidCount(f"{text.strip()!r} is not a number of followers")
    marks = [char for char in digits if char in ".,"]
    if not marks:
        return _Reading(digits, "", unit, None, None)
    if len(set(marks)) == 2:  # rule 2
        decimal = marks[-1]
        if marks.count(decimal) > 1:
            raise InvalidCount(f"{text.strip()!r} is not a number of followers")
        whole, _, fraction = digits.rpartition(decimal)
        return _Reading(whole.replace(marks[0], ""), fraction, unit, decimal, None)
    mark = marks[0]
    other = "," if mark == "." else "."
    if len(marks) > 1:  # rule 3
        return _Reading(digits.replace(mark, ""), "", unit, other, None)
    whole, _, fraction = digits.partition(mark)
    if len(fraction) != 3:  # rule 4
        return _Reading(whole, fraction, unit, mark, None)
    if not unit:  # rule 5: a whole count
        return _Reading(whole + fraction, "", unit, None, None)
    return _Reading(whole, fraction, unit, None, mark)  # rule 5: the column decides


def _value(reading: _Reading, mark_is_decimal: bool, original: str) -> int:
    whole, fraction = reading.whole, reading.fraction
    if not mark_is_decimal:
        whole, fraction = whole + fraction, ""
    count = (int(whole) + (int(fraction) / 10 ** len(fraction) if fraction else 0)) * _UNITS[reading.unit]
    if count > MAX_COUNT:
        raise InvalidCount(f"{original.strip()!r} followers is more than the {MAX_COUNT:,} allowed")
    return round(count)


def read_count(text: str, decimal_mark: str | None = None) -> int:
    """One typed count; ``decimal_mark`` (``.`` or ``,``) is what the column uses, when known (rule 5)."""
    reading = _split(text)
    if reading.ambiguous is None:
        return _value(reading, True, text)
    return _value(reading, decimal_mark in (None, reading.ambiguous), text)


@dataclass
class CountColumn:
    """One column's counts read with one convention: its unambiguous values decide the ambiguous ones.

    A single pass learns as it goes; :attr:`consistent` tells, at the end, whether every ambiguous value
    was read the way the whole column turned out to write numbers. When it was not, read the column
    again with ``CountColumn(decimal_mark=column.decimal_mark)``.
    """

    fixed: str | None = None
    votes: Counter[str] = field(default_factory=Counter)
    #: Where a value first proved the column's decimal mark (shown to the user), by mark.
    examples: dict[str, str] = field(default_factory=dict)
    _read_as: set[tuple[str, bool]] = field(default_factory=set)

    @property
    def decimal_mark(self) -> str | None:
        """The column's decimal mark: fixed, else what most of its unambiguous values use, else None."""
        if self.fixed:
            return self.fixed
        ranked = self.votes.most_common()
        if not ranked or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
            return None
        return ranked[0][0]

    def read(self, text: str, where: str = "") -> int:
        reading = _split(text)
        if reading.proves_decimal is not None:
            self.votes[reading.proves_decimal] += 1
            self.examples.setdefault(reading.proves_decimal, f"{where}: {text.strip()}".lstrip(": "))
        if reading.ambiguous is None:
            return _value(reading, True, text)
        as_decimal = self.decimal_mark in (None, reading.ambiguous)
        self._read_as.add((reading.ambiguous, as_decimal))
        return _value(reading, as_decimal, text)

    @property
    def consistent(self) -> bool:
        """Whether every ambiguous value was read as the whole column's convention says."""
        final = self.decimal_mark
        return all(as_decimal == (final in (None, mark)) for mark, as_decimal in self._read_as)

    def describe(self) -> str | None:
        """How ambiguous values were read, for the user: None when the column had none."""
        if not self._read_as:
            return None
        mark = self.decimal_mark
        if mark is None:
            return "a single . or , before three digits and a unit was read as a decimal mark (1.234k = 1234)"
        example = f" (e.g. {self.examples[mark]})" if mark in self.examples else ""
        return f"{mark!r} is this column's decimal mark{example}"
