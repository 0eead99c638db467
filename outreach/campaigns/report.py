"""Campaign results per step and template: reach, replies, bounces, opt-outs, reply rate and speed, goal vs
the baseline of earlier campaigns."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import timedelta

import sqlite_utils

from outreach.campaigns.store import get_campaign
from outreach.storage.influencers import parse_timestamp


@dataclass
class StepResult:
    step: int
    template: str
    queued: int
    sent: int
    replied: int
    bounced: int
    opted_out: int
    median_time_to_reply: timedelta | None

    @property
    def reply_rate(self) -> float | None:
        return self.replied / self.sent if self.sent else None


@dataclass
class CampaignReport:
    name: str
    status: str
    steps: list[StepResult]
    goal_reply_rate: float | None
    baseline_reply_rate: float | None

    @property
    def reply_rate(self) -> float | None:
        people = sum(s.sent for s in self.steps[:1])
        return sum(s.replied for s in self.steps) / people if people else None


def campaign_report(db: sqlite_utils.Database, name: str) -> CampaignReport:
    stored = get_campaign(db, name)
    templates = {step.number: step.template for step in stored.campaign.steps}
    steps = []
    for number, template in templates.items():
        rows = list(db.query(
            "SELECT state, outcome, sent_at, outcome_at FROM outbox WHERE campaign_id = ? AND step = ?",
            [stored.id, number]))
        waits = [parse_timestamp(r["outcome_at"]) - parse_timestamp(r["sent_at"])
                 for r in rows if r["outcome"] == "replied" and r["sent_at"] and r["outcome_at"]]
        steps.append(StepResult(
            step=number + 1, template=template,
            queued=sum(r["state"] != "cancelled" for r in rows),
            sent=sum(r["state"] == "sent" for r in rows),
            replied=sum(r["outcome"] == "replied" for r in rows),
            bounced=sum(r["outcome"] == "bounced" or r["state"] == "bounced" for r in rows),
            opted_out=sum(r["outcome"] == "opted_out" for r in rows),
            median_time_to_reply=timedelta(seconds=statistics.median(w.total_seconds() for w in waits)) if waits else None,
        ))
    earlier = db.execute(
        """SELECT count(DISTINCT CASE WHEN o.outcome = 'replied' THEN o.enrollment_id END),
                  count(DISTINCT CASE WHEN o.state = 'sent' AND o.step = 0 THEN o.enrollment_id END)
           FROM outbox o JOIN campaigns c ON c.id = o.campaign_id WHERE c.id < ?""",
        [stored.id]).fetchone()
    baseline = earlier[0] / earlier[1] if earlier[1] else None
    return CampaignReport(stored.name, stored.status, steps, stored.campaign.goal_reply_rate, baseline)


def format_report(report: CampaignReport) -> str:
    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value:.1%}"

    def wait(value: timedelta | None) -> str:
        if value is None:
            return "-"
        hours = value.total_seconds() / 3600
        return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} d"

    lines = [f"campaign {report.name} [{report.status}]",
             f"{'step':<5}{'template':<24}{'queued':>7}{'sent':>6}{'replied':>8}{'bounced':>8}{'opt-out':>8}"
             f"{'reply rate':>11}{'median reply':>14}"]
    for s in report.steps:
        lines.append(f"{s.step:<5}{s.template[:23]:<24}{s.queued:>7}{s.sent:>6}{s.replied:>8}{s.bounced:>8}"
                     f"{s.opted_out:>8}{pct(s.reply_rate):>11}{wait(s.median_time_to_reply):>14}")
    lines.append(f"overall reply rate {pct(report.reply_rate)}; goal {pct(report.goal_reply_rate)}; "
                 f"baseline (earlier campaigns) {pct(report.baseline_reply_rate)}")
    return "\n".join(lines)
