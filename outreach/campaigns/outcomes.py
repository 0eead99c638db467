"""Every campaign's outcomes in one pass, and their baselines: what the report to management compares.

Counts are of people (enrollments), not emails, so a three-step campaign that got one reply from a person
counts that person once. Rates follow :func:`outreach.core.campaign_baseline.campaign_rates`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlite_utils

from outreach.campaigns.store import StoredCampaign, campaigns_by_id
from outreach.core.campaign_baseline import (
    RATE_NAMES,
    CampaignBaseline,
    CampaignBaselineChoice,
    PastCampaign,
    campaign_baselines,
    campaign_rates,
    chosen_campaigns,
)

_OUTCOMES = """
SELECT o.campaign_id,
       count(DISTINCT CASE WHEN o.state = 'sent' OR o.state = 'bounced' OR o.outcome = 'bounced'
                           THEN o.enrollment_id END),
       count(DISTINCT CASE WHEN o.state = 'bounced' OR o.outcome = 'bounced' THEN o.enrollment_id END),
       count(DISTINCT CASE WHEN o.outcome IN ('replied', 'declined') THEN o.enrollment_id END),
       count(DISTINCT CASE WHEN o.outcome = 'opted_out' THEN o.enrollment_id END)
FROM outbox o GROUP BY o.campaign_id
"""
_INTERESTED = """
SELECT o.campaign_id, count(DISTINCT o.enrollment_id) FROM inbox_messages m JOIN outbox o ON o.id = m.outbox_id
WHERE m.kind = 'interested' GROUP BY o.campaign_id
"""
#: Booked: people of the campaign now at the pipeline's agreed or appeared stage.
_BOOKED = """
SELECT e.campaign_id, count(DISTINCT e.influencer_id) FROM enrollments e JOIN influencers i ON i.id = e.influencer_id
WHERE i.stage IN ('agreed', 'appeared') GROUP BY e.campaign_id
"""


@dataclass(frozen=True)
class CampaignOutcome:
    """One campaign's people counts and goal metrics (``rates`` keyed by goal name; percentages)."""

    campaign_id: int
    name: str
    status: str
    created_at: str
    sent: int
    delivered: int
    replied: int
    interested: int
    booked: int
    opted_out: int
    bounced: int
    goals: Mapping[str, float]  # the campaign file's own goals (goal name → target)

    @property
    def rates(self) -> dict[str, float | None]:
        return campaign_rates(delivered=self.delivered, replied=self.replied, interested=self.interested,
                              booked=self.booked, opted_out=self.opted_out, bounced=self.bounced, sent=self.sent)


def campaign_outcomes(db: sqlite_utils.Database,
                      stored_campaigns: Mapping[int, StoredCampaign] | None = None) -> list[CampaignOutcome]:
    """Every stored campaign, oldest first, with its outcomes; pass ``stored_campaigns``
    (:func:`campaigns_by_id`) when already read: parsing every definition is most of the cost."""
    counts = {row[0]: row[1:] for row in db.execute(_OUTCOMES).fetchall()}
    interested = dict(db.execute(_INTERESTED).fetchall())
    booked = dict(db.execute(_BOOKED).fetchall())
    created = dict(db.execute("SELECT id, created_at FROM campaigns").fetchall())
    outcomes = []
    for campaign_id, stored in sorted((stored_campaigns or campaigns_by_id(db)).items()):
        sent, bounced, replied, opted_out = counts.get(campaign_id, (0, 0, 0, 0))
        goals = {name: target for name in RATE_NAMES if (target := stored.campaign.goal(name)) is not None}
        outcomes.append(CampaignOutcome(
            campaign_id, stored.name, stored.status, created.get(campaign_id) or "", sent, sent - bounced, replied,
            interested.get(campaign_id, 0), booked.get(campaign_id, 0), opted_out, bounced, goals))
    return outcomes


_STEP_OUTCOMES = """
SELECT o.campaign_id, o.step,
       count(CASE WHEN o.state = 'sent' OR o.state = 'bounced' OR o.outcome = 'bounced' THEN 1 END),
       count(CASE WHEN o.state = 'bounced' OR o.outcome = 'bounced' THEN 1 END),
       count(CASE WHEN o.outcome IN ('replied', 'declined') THEN 1 END),
       count(CASE WHEN o.outcome = 'opted_out' THEN 1 END)
FROM outbox o GROUP BY o.campaign_id, o.step
"""
_STEP_INTERESTED = """
SELECT o.campaign_id, o.step, count(DISTINCT o.enrollment_id) FROM inbox_messages m
JOIN outbox o ON o.id = m.outbox_id WHERE m.kind = 'interested' GROUP BY o.campaign_id, o.step
"""


def step_rates(db: sqlite_utils.Database) -> dict[tuple[int, int], dict[str, float | None]]:
    """Per (campaign id, step index from 0) the goal metrics of that step's emails; ``booked`` is None: a
    booking belongs to the campaign, not to one email."""
    interested = {(campaign_id, step): count
                  for campaign_id, step, count in db.execute(_STEP_INTERESTED).fetchall()}
    rates = {}
    for campaign_id, step, sent, bounced, replied, opted_out in db.execute(_STEP_OUTCOMES).fetchall():
        found = campaign_rates(delivered=sent - bounced, replied=replied,
                               interested=interested.get((campaign_id, step), 0), booked=0,
                               opted_out=opted_out, bounced=bounced, sent=sent)
        rates[(campaign_id, step)] = {**found, "booked": None}
    return rates


def past_campaigns(db: sqlite_utils.Database,
                   stored_campaigns: Mapping[int, StoredCampaign] | None = None) -> dict[int, PastCampaign]:
    """Every stored campaign as the baseline core compares them (order = id: campaigns are stored as started)."""
    return {campaign_id: PastCampaign(campaign_id, stored.name, campaign_id, stored.campaign.audience.tags,
                                      stored.campaign.steps[0].template if stored.campaign.steps else "")
            for campaign_id, stored in (stored_campaigns or campaigns_by_id(db)).items()}


def outcome_baselines(outcomes: list[CampaignOutcome], past: Mapping[int, PastCampaign], campaign_id: int,
                      choice: CampaignBaselineChoice | None = None) -> dict[str, CampaignBaseline]:
    """Per goal metric, the baseline of ``campaign_id`` as ``choice`` says (default: last 5 comparable)."""
    chosen = chosen_campaigns(choice or CampaignBaselineChoice(), past[campaign_id], list(past.values()))
    rates = {outcome.campaign_id: outcome.rates for outcome in outcomes}
    return campaign_baselines(RATE_NAMES, chosen, rates)
