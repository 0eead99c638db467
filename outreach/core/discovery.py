"""Ranking of discovered channels: pure, so the order shown to the user is tested without any platform."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass
class Candidate:
    """A channel found by a search, possibly already tracked (``influencer_id``)."""

    platform: str
    handle: str
    name: str
    followers: int | None
    views: int | None = None
    videos: int | None = None
    live_viewers: int | None = None
    growth_30d: float | None = None
    influencer_id: int | None = None
    score: float = 0.0
    #: Another handle of the same channel (YouTube: the @handle of a channel found by id).
    alias: str | None = None

    @property
    def tracked(self) -> bool:
        return self.influencer_id is not None


def score(candidate: Candidate) -> float:
    """Audience weighted by known 30-day growth: 10k followers growing 20% outrank 11k that shrink.

    Growth only exists for people already tracked (it needs snapshots); shrinking halves at most.
    """
    audience = float(candidate.followers or 0)
    if candidate.growth_30d is None:
        return audience
    return audience * max(0.5, 1.0 + candidate.growth_30d / 100.0)


def rank(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Best first; ties broken by live viewers then name so the order is stable."""
    ranked = list(candidates)
    for candidate in ranked:
        candidate.score = score(candidate)
    ranked.sort(key=lambda c: (-c.score, -(c.live_viewers or 0), c.name.lower(), c.handle))
    return ranked
