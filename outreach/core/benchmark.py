"""Brands and competitors side by side: audience, growth and activity over a period, from stats snapshots.

Pure: the caller passes the snapshots and the clock, so the numbers are tested without a database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

_DURATION = re.compile(r"^\s*(\d+)\s*([dwm])\s*$", re.IGNORECASE)
_UNIT_DAYS = {"d": 1, "w": 7, "m": 30}


class InvalidPeriod(ValueError):
    pass


def parse_period(text: str) -> timedelta:
    """``30d``, ``4w``, ``3m`` (30-day months) → a timedelta."""
    match = _DURATION.match(text)
    if not match or int(match.group(1)) == 0:
        raise InvalidPeriod(f"{text!r} is not a period such as 7d, 4w or 3m")
    return timedelta(days=int(match.group(1)) * _UNIT_DAYS[match.group(2).lower()])


@dataclass(frozen=True)
class StatPoint:
    platform: str
    followers: int | None
    videos: int | None
    taken_at: datetime


@dataclass
class PlatformFigures:
    audience: int | None = None
    gained: int | None = None
    growth_percent: float | None = None
    #: YouTube: videos uploaded in the period (change of the video count). Twitch: broadcasts in the 30 days
    #: before the latest snapshot (Helix VODs).
    activity: int | None = None


@dataclass
class BenchmarkRow:
    influencer_id: int
    name: str
    kind: str
    youtube: PlatformFigures
    twitch: PlatformFigures

    @property
    def audience(self) -> int:
        return (self.youtube.audience or 0) + (self.twitch.audience or 0)

    @property
    def growth_percent(self) -> float | None:
        known = [(p.audience, p.gained) for p in (self.youtube, self.twitch)
                 if p.gained is not None and p.audience is not None]
        base = sum(audience - gained for audience, gained in known)
        if not known or base <= 0:
            return None
        return round(sum(gained for _, gained in known) * 100.0 / base, 2)

    def flat(self) -> dict[str, object]:
        """One flat record (for csv, json and tables)."""
        return {
            "id": self.influencer_id, "name": self.name, "kind": self.kind, "audience": self.audience,
            "growth_%": self.growth_percent,
            "youtube_subscribers": self.youtube.audience, "youtube_gained": self.youtube.gained,
            "youtube_growth_%": self.youtube.growth_percent, "youtube_uploads": self.youtube.activity,
            "twitch_followers": self.twitch.audience, "twitch_gained": self.twitch.gained,
            "twitch_growth_%": self.twitch.growth_percent, "twitch_broadcasts_30d": self.twitch.activity,
        }


def platform_figures(points: Sequence[StatPoint], now: datetime, period: timedelta) -> PlatformFigures:
    """Latest values up to ``now`` compared with the last snapshot at or before the period start (or the
    first one inside the period when the history is shorter: growth then covers less than the period)."""
    series = sorted((p for p in points if p.taken_at <= now), key=lambda p: p.taken_at)
    if not series:
        return PlatformFigures()
    latest = series[-1]
    start = now - period
    before = [p for p in series if p.taken_at <= start]
    baseline = before[-1] if before else series[0]
    figures = PlatformFigures(audience=latest.followers)
    if baseline is not latest and latest.followers is not None and baseline.followers is not None:
        figures.gained = latest.followers - baseline.followers
        if baseline.followers > 0:
            figures.growth_percent = round(figures.gained * 100.0 / baseline.followers, 2)
    if latest.platform == "youtube":
        if baseline is not latest and latest.videos is not None and baseline.videos is not None:
            figures.activity = latest.videos - baseline.videos
    else:
        figures.activity = latest.videos
    return figures


def benchmark(people: Iterable[tuple[int, str, str]], points: dict[int, list[StatPoint]], now: datetime,
              period: timedelta) -> list[BenchmarkRow]:
    """One row per (id, name, kind), biggest audience first."""
    rows = []
    for influencer_id, name, kind in people:
        history = points.get(influencer_id, [])
        rows.append(BenchmarkRow(
            influencer_id, name, kind,
            platform_figures([p for p in history if p.platform == "youtube"], now, period),
            platform_figures([p for p in history if p.platform == "twitch"], now, period),
        ))
    rows.sort(key=lambda row: (-row.audience, row.name.lower()))
    return rows
