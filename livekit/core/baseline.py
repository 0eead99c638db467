"""Baselines, computed and never typed: what a show's metrics are compared with. Pure: no I/O.

By default (``last:5``) the baseline of a metric is the median over the last 5 *comparable* shows before
this one: same rundown title, or a rundown tag in common; rehearsals and shows not started before this one
are never comparable. Shows without data for a metric are left out of that metric's median (the baseline
says how many shows it is the median of). ``last:N`` takes the last N instead; ``show:ID`` compares with
that one show, whatever it was.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

DEFAULT_COUNT = 5


class BaselineError(ValueError):
    """A ``--baseline`` that cannot be used."""


@dataclass(frozen=True)
class BaselineChoice:
    """``last:N`` (``count``) or ``show:ID`` (``show_id``)."""

    count: int = DEFAULT_COUNT
    show_id: int | None = None

    def describe(self) -> str:
        return f"show {self.show_id}" if self.show_id is not None else f"median of the last {self.count} comparable"


_CHOICE = re.compile(r"^(last|show):(\d+)$")


def parse_baseline(text: str) -> BaselineChoice:
    """``last:10`` or ``show:12``; raises :class:`BaselineError`."""
    match = _CHOICE.match(text.strip().lower())
    if match is None or int(match.group(2)) == 0:
        raise BaselineError(f"--baseline must be last:N (N comparable shows) or show:ID, found {text!r}")
    number = int(match.group(2))
    return BaselineChoice(show_id=number) if match.group(1) == "show" else BaselineChoice(count=number)


@dataclass(frozen=True)
class PastShow:
    """A stored show, as far as baselines need it: when it started, what it is, and its metrics."""

    show_id: int
    title: str
    tags: tuple[str, ...]
    started_ms: int | None
    rehearsal: bool


@dataclass(frozen=True)
class Baseline:
    """The baseline of one metric: None when no chosen show has data for it; ``show_ids`` used, newest first."""

    value: float | None
    show_ids: tuple[int, ...]


def comparable(current: PastShow, shows: Iterable[PastShow], count: int = DEFAULT_COUNT) -> list[PastShow]:
    """The last ``count`` shows comparable with ``current`` (see the module docstring), newest first."""
    if current.started_ms is None:
        return []
    tags = {tag.casefold() for tag in current.tags}
    earlier = [
        show for show in shows
        if show.show_id != current.show_id and not show.rehearsal and show.started_ms is not None
        and show.started_ms < current.started_ms
        and (show.title.casefold() == current.title.casefold() or tags & {tag.casefold() for tag in show.tags})
    ]
    earlier.sort(key=lambda show: (show.started_ms or 0, show.show_id), reverse=True)
    return earlier[:count]


def chosen_shows(choice: BaselineChoice, current: PastShow, shows: Sequence[PastShow]) -> list[PastShow]:
    """The shows the baseline is made of; raises :class:`BaselineError` for a ``show:ID`` not found."""
    if choice.show_id is None:
        return comparable(current, shows, choice.count)
    if choice.show_id == current.show_id:
        raise BaselineError(f"--baseline show:{choice.show_id} is the show being reported")
    for show in shows:
        if show.show_id == choice.show_id:
            return [show]
    raise BaselineError(f"--baseline show:{choice.show_id}: no such show (see `livekit shows`)")


def baselines(names: Iterable[str], shows: Sequence[PastShow],
              metrics: Mapping[int, Mapping[str, float | None]]) -> dict[str, Baseline]:
    """Per metric name, the median over ``shows`` (newest first) of ``metrics[show_id][name]`` with data."""
    result = {}
    for name in names:
        used = [(show.show_id, value) for show in shows
                if (value := metrics.get(show.show_id, {}).get(name)) is not None]
        value = statistics.median(value for _, value in used) if used else None
        result[name] = Baseline(None if value is None else float(value), tuple(show_id for show_id, _ in used))
    return result
