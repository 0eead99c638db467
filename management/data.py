"""What the report to management is made of, read from the workspace over a period.

Shows come from livekit's after-show report (per-show and per-segment audience); campaigns, pipeline and
the benchmark from outreach. Engagement and outcome figures are gathered first; follower totals only for
the benchmark's context.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlite_utils

from greenroom.config import Config
from greenroom.errors import ConfigError
from greenroom.goals import (
    CAMPAIGN_GOALS,
    SHOW_GOALS,
    GoalError,
    WorkspaceGoals,
    parse_workspace_goals,
    verdict,
)
from livekit.report import build_report
from livekit.report_data import audience_samples
from livekit.storage.shows import ShowStore
from outreach.campaigns.outcomes import campaign_outcomes, outcome_baselines, past_campaigns
from outreach.campaigns.store import campaigns_by_id
from outreach.core.benchmark import BenchmarkRow, benchmark
from outreach.core.influencer import STAGES
from outreach.storage.influencers import stat_points, timestamp

_DAY_MS = 86_400_000


@dataclass(frozen=True)
class SegmentFigures:
    title: str
    guest: str | None
    avg_viewers: float | None
    retention: float | None  # percent: viewers at the segment's end vs its start
    chat_per_minute: float | None


@dataclass(frozen=True)
class ShowFigures:
    show_id: int
    title: str
    started_ms: int
    metrics: Mapping[str, float | None]  # by show goal name
    segments: tuple[SegmentFigures, ...]
    guests: tuple[str, ...]


@dataclass(frozen=True)
class CampaignFigures:
    name: str
    status: str
    people: int  # people sent to
    rates: Mapping[str, float | None]  # by campaign goal name
    baselines: Mapping[str, float | None]
    baseline_count: int  # campaigns the reply-rate baseline is the median of


@dataclass(frozen=True)
class GoalStanding:
    """A workspace goal for the period: the period's typical actual (median over shows or campaigns with
    data), how many of them met the target, and the verdict of the typical actual."""

    scope: str  # "show" | "campaign"
    name: str
    unit: str
    target: float
    actual: float | None
    met: int
    measured: int
    verdict: str


@dataclass(frozen=True)
class SegmentKind:
    """Segments of the same title over the period's shows: average retention and viewers."""

    title: str
    airings: int
    retention: float | None
    avg_viewers: float | None


@dataclass(frozen=True)
class ManagementData:
    since_ms: int
    until_ms: int
    goals: tuple[GoalStanding, ...]
    shows: tuple[ShowFigures, ...]
    segment_kinds: tuple[SegmentKind, ...]  # best retention first
    pipeline: tuple[tuple[str, int], ...]  # (stage, people) in pipeline order
    campaigns: tuple[CampaignFigures, ...]
    guests_booked: tuple[str, ...]  # names of guests booked in the period, oldest first
    benchmark: tuple[BenchmarkRow, ...] = field(default=())


def workspace_goals(config: Config) -> WorkspaceGoals:
    """``[goals]`` of greenroom.toml; a bad entry is a :class:`ConfigError` naming it."""
    try:
        return parse_workspace_goals(config.section("goals"))
    except GoalError as error:
        raise ConfigError(f"{config.path}: {error}") from None


def _mean(values: Sequence[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return statistics.fmean(known) if known else None


def period_shows(db: sqlite_utils.Database, since_ms: int, until_ms: int) -> list[ShowFigures]:
    """Every show (not rehearsals) started in the period, oldest first, with its audience per segment."""
    store = ShowStore(db)
    records = [record for record in store.list_shows()
               if not record.rehearsal and record.started_ms is not None and since_ms <= record.started_ms < until_ms]
    shows = []
    for record in sorted(records, key=lambda record: (record.started_ms or 0, record.id)):
        report = build_report(store.load_show(record.id, journal=False), show_id=record.id,
                              samples=audience_samples(db, record.id))
        segments = tuple(
            SegmentFigures(row.title, row.guest, row.audience.avg_viewers, row.audience.retention_percent,
                           row.audience.chat_per_minute)
            for row in report.rows if row.audience is not None and row.airings)
        shows.append(ShowFigures(record.id, record.title, record.started_ms or 0,
                                 {line.name: line.actual for line in report.goals}, segments,
                                 tuple(dict.fromkeys(row.guest for row in report.rows if row.guest and row.airings))))
    return shows


def segment_kinds(shows: Sequence[ShowFigures]) -> list[SegmentKind]:
    """Segments grouped by title (case-insensitive) over ``shows``; best average retention first, those
    without retention last."""
    groups: dict[str, list[SegmentFigures]] = defaultdict(list)
    titles: dict[str, str] = {}
    for show in shows:
        for segment in show.segments:
            key = segment.title.casefold()
            titles.setdefault(key, segment.title)
            groups[key].append(segment)
    kinds = [SegmentKind(titles[key], len(segments), _mean([s.retention for s in segments]),
                         _mean([s.avg_viewers for s in segments])) for key, segments in groups.items()]
    kinds.sort(key=lambda kind: (kind.retention is None, -(kind.retention or 0.0), kind.title.casefold()))
    return kinds


def _standing(scope: str, name: str, target: float, actuals: Sequence[float | None]) -> GoalStanding:
    definition = (SHOW_GOALS if scope == "show" else CAMPAIGN_GOALS)[name]
    known = [value for value in actuals if value is not None]
    typical = statistics.median(known) if known else None
    met = sum(verdict(definition, value, target).value == "met" for value in known)
    return GoalStanding(scope, name, str(definition.unit), target, typical, met, len(known),
                        str(verdict(definition, typical, target)))


def _iso(ms: int) -> str:
    """Outreach's stored time text (UTC ISO-8601 to the second: text order is time order)."""
    return timestamp(datetime.fromtimestamp(ms / 1000, UTC))


def period_campaigns(db: sqlite_utils.Database, since_ms: int) -> list[CampaignFigures]:
    """Campaigns started in the period or still active, oldest first, each against its baseline."""
    stored = campaigns_by_id(db)
    outcomes = campaign_outcomes(db, stored)
    past = past_campaigns(db, stored)
    since = _iso(since_ms)
    figures = []
    for outcome in outcomes:
        if outcome.created_at < since and outcome.status != "active":
            continue
        found = outcome_baselines(outcomes, past, outcome.campaign_id)
        figures.append(CampaignFigures(outcome.name, outcome.status, outcome.sent, outcome.rates,
                                       {name: baseline.value for name, baseline in found.items()},
                                       len(found["reply_rate"].campaign_ids)))
    return figures


def _pipeline(db: sqlite_utils.Database) -> tuple[tuple[str, int], ...]:
    counts = dict(db.execute("SELECT stage, count(*) FROM influencers WHERE kind = 'influencer' GROUP BY stage")
                  .fetchall())
    return tuple((stage, counts.get(stage, 0)) for stage in STAGES)


def _guests_booked(db: sqlite_utils.Database, since_ms: int, until_ms: int) -> tuple[str, ...]:
    if not db["guest_booking_changes"].exists():
        return ()
    rows = db.execute(
        """SELECT coalesce(i.name, g.name, '?') FROM guest_booking_changes c
           LEFT JOIN influencers i ON i.id = c.influencer_id LEFT JOIN guests g ON g.id = c.guest_id
           WHERE c.change = 'booked' AND c.at_ms >= ? AND c.at_ms < ? ORDER BY c.at_ms, c.id""",
        [since_ms, until_ms]).fetchall()
    return tuple(row[0] for row in rows)


def _benchmark(db: sqlite_utils.Database, until_ms: int, days: int) -> list[BenchmarkRow]:
    people = [(row[0], row[1], row[2]) for row in db.execute(
        "SELECT id, name, kind FROM influencers WHERE kind IN ('brand', 'competitor') ORDER BY id").fetchall()]
    if not people:
        return []
    now = datetime.fromtimestamp(until_ms / 1000, UTC)
    return benchmark(people, stat_points(db, [person[0] for person in people]), now, timedelta(days=days))


def management_data(db: sqlite_utils.Database, goals: WorkspaceGoals, *, until_ms: int, days: int) -> ManagementData:
    """Everything the report says about the ``days`` before ``until_ms``."""
    since_ms = until_ms - days * _DAY_MS
    shows = period_shows(db, since_ms, until_ms)
    campaigns = period_campaigns(db, since_ms)
    standings = [_standing("show", goal.name, goal.target, [show.metrics.get(goal.name) for show in shows])
                 for goal in goals.show]
    standings += [_standing("campaign", goal.name, goal.target, [c.rates.get(goal.name) for c in campaigns])
                  for goal in goals.campaign]
    return ManagementData(since_ms, until_ms, tuple(standings), tuple(shows), tuple(segment_kinds(shows)),
                          _pipeline(db), tuple(campaigns), _guests_booked(db, since_ms, until_ms),
                          tuple(_benchmark(db, until_ms, days)))
