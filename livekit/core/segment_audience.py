"""Audience per segment and per show, from the per-minute audience samples. Pure: no I/O.

The samples are the rows of the ``audience_samples`` table (one per show, platform, metric and minute;
``value`` None is a gap, with its ``gap_reason``). The rules, which the report documents:

- A minute's total of a metric is the sum over every platform that reported that metric during the show.
  When one of them has a gap (or no sample) at that minute, the minute is a *gap*: it is left out of every
  average, sum and peak, and listed as a gap — never counted as zero.
- A minute belongs to the segment on air at the minute's start (``at_ms`` inside one of its airings);
  minutes outside the show (before its start, after its end) are ignored.
- Per segment: average and peak viewers over its minutes with data; retention = viewers in its last minute
  with data / viewers in its first, in percent (needs two such minutes); chat per minute = chat messages /
  minutes with chat data; questions = the sum over minutes with data.
- Per show (the goal names of :data:`greenroom.goals.SHOW_GOALS`): the same over every minute of the show,
  plus ``new_followers`` (sum) and ``chat_per_viewer`` = all chat messages / average viewers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

MINUTE_MS = 60_000


class Sample(Protocol):
    """What is read of one ``audience_samples`` row (``livekit.core.audience.AudienceSample`` fits)."""

    @property
    def at_ms(self) -> int: ...
    @property
    def platform(self) -> str: ...
    @property
    def metric(self) -> str: ...
    @property
    def value(self) -> float | None: ...
    @property
    def gap_reason(self) -> str | None: ...


@dataclass(frozen=True)
class Gap:
    """A minute of a metric with no usable total: which platform gave nothing, and why."""

    at_ms: int
    metric: str
    platform: str
    reason: str


@dataclass(frozen=True)
class MinuteTotal:
    at_ms: int
    value: float | None  # None: a gap (see ``gaps``)
    gaps: tuple[Gap, ...] = ()


@dataclass(frozen=True)
class SegmentWindow:
    """A segment as it aired: absolute (start, end) times of each airing; end None while still on air."""

    title: str
    guest: str | None
    airings: tuple[tuple[int, int | None], ...]


@dataclass(frozen=True)
class SegmentAudience:
    avg_viewers: float | None
    peak_viewers: float | None
    retention_percent: float | None
    chat_per_minute: float | None
    questions: float | None
    minutes: int  # minutes of the segment with a viewers sample or gap
    gap_minutes: int  # of those, minutes whose viewers are a gap


@dataclass(frozen=True)
class ShowAudience:
    viewers: tuple[MinuteTotal, ...]  # the viewer curve over the show, minute by minute
    segments: tuple[SegmentAudience, ...]  # in rundown order
    metrics: Mapping[str, float | None]  # by goal name; None = no data
    gaps: tuple[Gap, ...] = field(default=())  # every gap of every metric during the show

    @property
    def has_data(self) -> bool:
        return any(minute.value is not None for minute in self.viewers) or any(
            value is not None for value in self.metrics.values())


def minute_totals(samples: Iterable[Sample], metric: str) -> list[MinuteTotal]:
    """One total per minute for ``metric`` over every platform that reports it (see the module docstring)."""
    chosen = [sample for sample in samples if sample.metric == metric]
    platforms = sorted({sample.platform for sample in chosen})
    by_minute: dict[int, dict[str, Sample]] = {}
    for sample in chosen:
        by_minute.setdefault(sample.at_ms, {})[sample.platform] = sample
    totals = []
    for at_ms in sorted(by_minute):
        minute = by_minute[at_ms]
        gaps = []
        for platform in platforms:
            found = minute.get(platform)
            if found is None:
                gaps.append(Gap(at_ms, metric, platform, "no sample"))
            elif found.value is None:
                gaps.append(Gap(at_ms, metric, platform, found.gap_reason or "no value"))
        value = None if gaps else sum(float(minute[p].value or 0.0) for p in platforms)
        totals.append(MinuteTotal(at_ms, value, tuple(gaps)))
    return totals


def _inside(at_ms: int, airings: Sequence[tuple[int, int | None]], end_ms: int | None) -> bool:
    for start, end in airings:
        stop = end if end is not None else end_ms
        if at_ms >= start and (stop is None or at_ms < stop):
            return True
    return False


def _known(minutes: Iterable[MinuteTotal]) -> list[float]:
    return [minute.value for minute in minutes if minute.value is not None]


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _retention(values: Sequence[float]) -> float | None:
    if len(values) < 2 or values[0] <= 0:
        return None
    return values[-1] / values[0] * 100


def _sum(values: Sequence[float]) -> float | None:
    return sum(values) if values else None


def _segment(viewers: list[MinuteTotal], chat: list[MinuteTotal], questions: list[MinuteTotal],
             window: SegmentWindow, end_ms: int | None) -> SegmentAudience:
    def of(minutes: list[MinuteTotal]) -> list[MinuteTotal]:
        return [minute for minute in minutes if _inside(minute.at_ms, window.airings, end_ms)]

    own_viewers = of(viewers)
    known_viewers = _known(own_viewers)
    return SegmentAudience(
        avg_viewers=_mean(known_viewers),
        peak_viewers=max(known_viewers) if known_viewers else None,
        retention_percent=_retention(known_viewers),
        chat_per_minute=_mean(_known(of(chat))),
        questions=_sum(_known(of(questions))),
        minutes=len(own_viewers),
        gap_minutes=len(own_viewers) - len(known_viewers),
    )


def show_audience(samples: Iterable[Sample], *, started_ms: int, ended_ms: int | None,
                  segments: Sequence[SegmentWindow]) -> ShowAudience:
    """Per-segment and per-show audience of a show that ran from ``started_ms`` to ``ended_ms`` (None: live)."""
    during = [sample for sample in samples
              if sample.at_ms >= started_ms and (ended_ms is None or sample.at_ms < ended_ms)]
    totals = {metric: minute_totals(during, metric)
              for metric in ("viewers", "chat_messages", "questions", "new_followers")}
    viewers, chat = totals["viewers"], totals["chat_messages"]
    known_viewers, known_chat = _known(viewers), _known(chat)
    avg_viewers = _mean(known_viewers)
    chat_total = _sum(known_chat)
    metrics: dict[str, float | None] = {
        "peak_viewers": max(known_viewers) if known_viewers else None,
        "avg_viewers": avg_viewers,
        "questions": _sum(_known(totals["questions"])),
        "new_followers": _sum(_known(totals["new_followers"])),
        "chat_per_viewer": chat_total / avg_viewers if chat_total is not None and avg_viewers else None,
        "retention": _retention(known_viewers),
        "chat_per_minute": _mean(known_chat),
    }
    gaps = tuple(sorted((gap for minutes in totals.values() for minute in minutes for gap in minute.gaps),
                        key=lambda gap: (gap.at_ms, gap.metric, gap.platform)))
    return ShowAudience(
        viewers=tuple(viewers),
        segments=tuple(_segment(viewers, chat, totals["questions"], window, ended_ms) for window in segments),
        metrics=metrics,
        gaps=gaps,
    )
