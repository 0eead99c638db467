"""Audience per segment and per show, from the per-minute audience samples. Pure: no I/O.

The samples are the rows of the ``audience_samples`` table (one per show, platform, metric and minute;
``value`` None is a gap, with its ``gap_reason``). The rules, which the report documents:

- A minute's total of a metric is the sum over every platform that reported that metric during the show.
  When one of them has a gap (or no sample) at that minute, the minute is a *gap*: it is left out of every
  average, sum and peak, and listed as a gap — never counted as zero.
- Minutes are clock minutes (UTC), and a show rarely starts on one. A minute counts for the show when
  any part of it is on air, so the opening minute of a show started at 18:00:02 counts (its chat is the
  hello of the show); minutes wholly before the start or after the end are ignored.
- A minute belongs to the segment on air for the longest part of it (the earlier one on a tie), so with
  one-minute segments each segment gets the minute it mostly filled, wherever the show started.
- Per segment: average and peak viewers over its minutes with data; retention = viewers in its last minute
  with data / viewers in its first, in percent (needs two such minutes); questions = the sum over minutes
  with data; chat per minute = chat messages / the time on air those minutes cover, so the few seconds of
  a minute a show ends in neither count as a whole quiet minute nor hide the chat in them.
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


def _overlap_ms(at_ms: int, start: int, stop: int | None) -> int:
    """How much of the minute starting ``at_ms`` falls in [start, stop); ``stop`` None: still going."""
    minute_end = at_ms + MINUTE_MS
    return max(0, min(minute_end, minute_end if stop is None else stop) - max(at_ms, start))


def _aired_ms(at_ms: int, window: SegmentWindow, end_ms: int | None) -> int:
    """How much of the minute starting ``at_ms`` the segment was on air (an open airing ends with the show)."""
    return sum(_overlap_ms(at_ms, start, end if end is not None else end_ms) for start, end in window.airings)


def _owners(minutes: Iterable[int], windows: Sequence[SegmentWindow], end_ms: int | None) -> dict[int, int]:
    """Each minute's segment (index into ``windows``): the one on air for the longest part of it."""
    owners = {}
    for at_ms in minutes:
        aired = [_aired_ms(at_ms, window, end_ms) for window in windows]
        longest = max(aired, default=0)
        if longest > 0:
            owners[at_ms] = aired.index(longest)
    return owners


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


def _per_minute(total: float | None, covered_ms: int) -> float | None:
    return None if total is None or covered_ms <= 0 else total / (covered_ms / MINUTE_MS)


def _segment(viewers: list[MinuteTotal], chat: list[MinuteTotal], questions: list[MinuteTotal],
             owners: Mapping[int, int], index: int, covered: Mapping[int, int]) -> SegmentAudience:
    def of(minutes: list[MinuteTotal]) -> list[MinuteTotal]:
        return [minute for minute in minutes if owners.get(minute.at_ms) == index]

    own_viewers = of(viewers)
    known_viewers = _known(own_viewers)
    own_chat = [minute for minute in of(chat) if minute.value is not None]
    return SegmentAudience(
        avg_viewers=_mean(known_viewers),
        peak_viewers=max(known_viewers) if known_viewers else None,
        retention_percent=_retention(known_viewers),
        chat_per_minute=_per_minute(_sum(_known(own_chat)), sum(covered[minute.at_ms] for minute in own_chat)),
        questions=_sum(_known(of(questions))),
        minutes=len(own_viewers),
        gap_minutes=len(own_viewers) - len(known_viewers),
    )


def show_audience(samples: Iterable[Sample], *, started_ms: int, ended_ms: int | None,
                  segments: Sequence[SegmentWindow]) -> ShowAudience:
    """Per-segment and per-show audience of a show that ran from ``started_ms`` to ``ended_ms`` (None: live)."""
    during = [sample for sample in samples if _overlap_ms(sample.at_ms, started_ms, ended_ms) > 0]
    totals = {metric: minute_totals(during, metric)
              for metric in ("viewers", "chat_messages", "questions", "new_followers")}
    viewers, chat = totals["viewers"], totals["chat_messages"]
    covered = {sample.at_ms: _overlap_ms(sample.at_ms, started_ms, ended_ms) for sample in during}
    known_viewers, known_chat = _known(viewers), [minute for minute in chat if minute.value is not None]
    avg_viewers = _mean(known_viewers)
    chat_total = _sum(_known(known_chat))
    metrics: dict[str, float | None] = {
        "peak_viewers": max(known_viewers) if known_viewers else None,
        "avg_viewers": avg_viewers,
        "questions": _sum(_known(totals["questions"])),
        "new_followers": _sum(_known(totals["new_followers"])),
        "chat_per_viewer": chat_total / avg_viewers if chat_total is not None and avg_viewers else None,
        "retention": _retention(known_viewers),
        "chat_per_minute": _per_minute(chat_total, sum(covered[minute.at_ms] for minute in known_chat)),
    }
    gaps = tuple(sorted((gap for minutes in totals.values() for minute in minutes for gap in minute.gaps),
                        key=lambda gap: (gap.at_ms, gap.metric, gap.platform)))
    owners = _owners(covered, segments, ended_ms)
    return ShowAudience(
        viewers=tuple(viewers),
        segments=tuple(_segment(viewers, chat, totals["questions"], owners, index, covered)
                       for index in range(len(segments))),
        metrics=metrics,
        gaps=gaps,
    )
