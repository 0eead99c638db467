"""Campaign results per step and template: reach, replies, bounces, opt-outs, reply rate and speed, goal vs
the baseline of earlier campaigns."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import timedelta

import sqlite_utils

from greenroom.output import markdown_table, table_cell
from greenroom.text import markdown_escape
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
    interested: int = 0
    declined: int = 0
    auto_replies: int = 0
    uncertain: int = 0

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
        inbox = dict(db.execute(
            """SELECT m.kind, count(*) FROM inbox_messages m JOIN outbox o ON o.id = m.outbox_id
               WHERE o.campaign_id = ? AND o.step = ? GROUP BY m.kind""", [stored.id, number]).fetchall())
        waits = [parse_timestamp(r["outcome_at"]) - parse_timestamp(r["sent_at"])
                 for r in rows if r["outcome"] == "replied" and r["sent_at"] and r["outcome_at"]]
        steps.append(StepResult(
            step=number + 1, template=template,
            queued=sum(r["state"] != "cancelled" for r in rows),
            sent=sum(r["state"] == "sent" for r in rows),
            replied=sum(r["outcome"] in ("replied", "declined") for r in rows),
            bounced=sum(r["outcome"] == "bounced" or r["state"] == "bounced" for r in rows),
            opted_out=sum(r["outcome"] == "opted_out" for r in rows),
            interested=inbox.get("interested", 0), declined=inbox.get("declined", 0),
            auto_replies=inbox.get("auto_reply", 0), uncertain=inbox.get("review", 0),
            median_time_to_reply=timedelta(seconds=statistics.median(w.total_seconds() for w in waits)) if waits else None,
        ))
    earlier = db.execute(
        """SELECT count(DISTINCT CASE WHEN o.outcome = 'replied' THEN o.enrollment_id END),
                  count(DISTINCT CASE WHEN o.state = 'sent' AND o.step = 0 THEN o.enrollment_id END)
           FROM outbox o JOIN campaigns c ON c.id = o.campaign_id WHERE c.id < ?""",
        [stored.id]).fetchone()
    baseline = earlier[0] / earlier[1] if earlier[1] else None
    return CampaignReport(stored.name, stored.status, steps, stored.campaign.goal_reply_rate, baseline)


COLUMNS = ("step", "template", "queued", "sent", "replied", "interested", "declined", "opt-out", "bounced",
           "auto-reply", "uncertain", "reply rate", "median reply")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _wait(value: timedelta | None) -> str:
    if value is None:
        return "-"
    hours = value.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} d"


def report_records(report: CampaignReport) -> list[dict[str, object]]:
    """One record per step, keyed by :data:`COLUMNS` (numbers stay numbers for CSV and JSON)."""
    return [{
        "step": s.step, "template": s.template, "queued": s.queued, "sent": s.sent, "replied": s.replied,
        "interested": s.interested, "declined": s.declined, "opt-out": s.opted_out, "bounced": s.bounced,
        "auto-reply": s.auto_replies, "uncertain": s.uncertain,
        "reply rate": None if s.reply_rate is None else round(s.reply_rate, 4),
        "median reply": None if s.median_time_to_reply is None else round(s.median_time_to_reply.total_seconds()),
    } for s in report.steps]


def _summary(report: CampaignReport) -> str:
    return (f"overall reply rate {_pct(report.reply_rate)}; goal {_pct(report.goal_reply_rate)}; "
            f"baseline (earlier campaigns) {_pct(report.baseline_reply_rate)}")


def format_report(report: CampaignReport) -> str:
    """The plain-text table (``--format table``)."""
    widths = (5, 24, 7, 6, 8, 11, 9, 8, 8, 11, 10, 11, 14)
    lines = [f"campaign {report.name} [{report.status}]",
             "".join(f"{c:<{w}}" if i < 2 else f"{c:>{w}}" for i, (c, w) in enumerate(zip(COLUMNS, widths, strict=True)))]
    for s in report.steps:
        cells = [s.step, s.template[:23], s.queued, s.sent, s.replied, s.interested, s.declined, s.opted_out,
                 s.bounced, s.auto_replies, s.uncertain, _pct(s.reply_rate), _wait(s.median_time_to_reply)]
        lines.append("".join(f"{c!s:<{w}}" if i < 2 else f"{c!s:>{w}}"
                             for i, (c, w) in enumerate(zip(cells, widths, strict=True))))
    lines.append(_summary(report))
    return "\n".join(lines)


def format_markdown(report: CampaignReport) -> str:
    """``--format md``: a heading, the per-step table and the summary line."""
    rows = [[markdown_escape(str(table_cell(r[c]))) if r[c] is not None else "-" for c in COLUMNS]
            for r in report_records(report)]
    return "\n".join([f"## Campaign {markdown_escape(report.name)} ({report.status})", "",
                      *markdown_table(COLUMNS, rows, right_aligned=COLUMNS[2:]), "", _summary(report)])
