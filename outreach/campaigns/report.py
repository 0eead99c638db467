"""Campaign results per step and template: reach, replies, bounces, opt-outs, reply rate and speed; and the
goal metrics (reply, interested, booked, opt-out and bounce rates) overall and per step as actual / goal /
baseline, the baseline being the median of the last comparable campaigns
(:mod:`outreach.core.campaign_baseline`)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import sqlite_utils

from greenroom.goals import CAMPAIGN_GOALS, Goal, Unit, format_value, verdict
from greenroom.output import markdown_table, table_cell
from greenroom.text import markdown_escape
from outreach.campaigns.outcomes import campaign_outcomes, outcome_baselines, past_campaigns, step_rates
from outreach.campaigns.store import campaigns_by_id, get_campaign
from outreach.core.campaign_baseline import (
    RATE_NAMES,
    CampaignBaselineChoice,
    campaign_baselines,
    chosen_campaigns,
)
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


@dataclass(frozen=True)
class GoalLine:
    """One goal metric overall (``step`` None) or for one step (numbered from 1): actual / goal / baseline."""

    step: int | None
    name: str
    actual: float | None
    goal: float | None
    goal_source: str | None  # "campaign" (its goals:) | "workspace" ([goals] campaign.NAME) | None
    baseline: float | None
    baseline_campaigns: int  # how many campaigns the baseline is the median of
    verdict: str

    def cells(self) -> list[str]:
        """scope, goal name, actual, goal, baseline (of how many campaigns), verdict: as text."""
        unit = CAMPAIGN_GOALS[self.name].unit
        baseline = "-" if self.baseline is None else (
            f"{_figure(unit, self.baseline)} ({self.baseline_campaigns} campaign"
            f"{'s' if self.baseline_campaigns != 1 else ''})")
        return ["overall" if self.step is None else f"step {self.step}", self.name,
                "no data" if self.actual is None else _figure(unit, self.actual),
                "-" if self.goal is None else format_value(unit, self.goal), baseline, self.verdict]


def _figure(unit: Unit, value: float) -> str:
    return format_value(unit, round(value, 1))


@dataclass
class CampaignReport:
    name: str
    status: str
    steps: list[StepResult]
    goal_reply_rate: float | None
    baseline_reply_rate: float | None
    goals: list[GoalLine] = field(default_factory=list)
    baseline: str = ""  # how the baseline was chosen

    @property
    def reply_rate(self) -> float | None:
        people = sum(s.sent for s in self.steps[:1])
        return sum(s.replied for s in self.steps) / people if people else None


def campaign_report(db: sqlite_utils.Database, name: str, *, workspace_goals: Sequence[Goal] = (),
                    baseline: CampaignBaselineChoice | None = None) -> CampaignReport:
    """The report of campaign ``name``; ``workspace_goals`` are ``[goals] campaign.*`` (the campaign's own
    ``goals:`` win); ``baseline`` defaults to the median of the last 5 comparable campaigns."""
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
    choice = baseline or CampaignBaselineChoice()
    lines = _goal_lines(db, stored.id, len(templates), workspace_goals, choice)
    overall_baseline = next(line.baseline for line in lines if line.step is None and line.name == "reply_rate")
    goal = next(line.goal for line in lines if line.step is None and line.name == "reply_rate")
    return CampaignReport(stored.name, stored.status, steps, None if goal is None else goal / 100,
                          None if overall_baseline is None else overall_baseline / 100, lines, choice.describe())


def _goal_lines(db: sqlite_utils.Database, campaign_id: int, step_count: int, workspace_goals: Sequence[Goal],
                choice: CampaignBaselineChoice) -> list[GoalLine]:
    stored = campaigns_by_id(db)
    outcomes = campaign_outcomes(db, stored)
    current = next(outcome for outcome in outcomes if outcome.campaign_id == campaign_id)
    past = past_campaigns(db, stored)
    shared = {goal.name: goal.target for goal in workspace_goals}
    overall = outcome_baselines(outcomes, past, campaign_id, choice)
    per_step = step_rates(db)
    chosen = chosen_campaigns(choice, past[campaign_id], list(past.values()))
    lines = []
    for step in (None, *range(step_count)):
        if step is None:
            actuals, baselines = current.rates, overall
        else:
            actuals = per_step.get((campaign_id, step), {})
            baselines = campaign_baselines(
                RATE_NAMES, chosen, {c.campaign_id: per_step.get((c.campaign_id, step), {}) for c in chosen})
        for name in RATE_NAMES:
            if step is not None and name == "booked":
                continue  # a booking belongs to the campaign, not to one email
            definition = CAMPAIGN_GOALS[name]
            # Count goals (interested, booked) are for the whole campaign; rate goals hold for every step.
            applies = step is None or definition.unit is Unit.PERCENT
            target = (current.goals.get(name, shared.get(name))) if applies else None
            source = None if target is None else "campaign" if name in current.goals else "workspace"
            actual = actuals.get(name)
            found = baselines[name]
            lines.append(GoalLine(None if step is None else step + 1, name, actual, target, source, found.value,
                                  len(found.campaign_ids), str(verdict(definition, actual, target))))
    return lines


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
            f"baseline ({report.baseline}) {_pct(report.baseline_reply_rate)}")


GOAL_COLUMNS = ("scope", "goal", "actual", "target", "baseline", "verdict")


def goal_records(report: CampaignReport) -> list[dict[str, object]]:
    """One record per goal line (``--format csv|json`` with ``--goals``): numbers stay numbers."""
    return [{"scope": "overall" if line.step is None else f"step {line.step}", "goal": line.name,
             "actual": None if line.actual is None else round(line.actual, 4),
             "target": line.goal, "baseline": None if line.baseline is None else round(line.baseline, 4),
             "baseline_campaigns": line.baseline_campaigns, "verdict": line.verdict} for line in report.goals]


def _goal_table(report: CampaignReport) -> list[str]:
    widths = (9, 14, 9, 8, 20, 8)
    lines = [f"goals: actual / goal / baseline ({report.baseline})",
             "".join(f"{c:<{w}}" for c, w in zip(GOAL_COLUMNS, widths, strict=True))]
    lines += ["".join(f"{c:<{w}}" for c, w in zip(line.cells(), widths, strict=True)).rstrip() for line in report.goals]
    return lines


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
    lines += ["", *_goal_table(report)]
    return "\n".join(lines)


def format_markdown(report: CampaignReport) -> str:
    """``--format md``: a heading, the per-step table and the summary line."""
    rows = [[markdown_escape(str(table_cell(r[c]))) if r[c] is not None else "-" for c in COLUMNS]
            for r in report_records(report)]
    goal_rows = [[cell.replace("|", "/") for cell in line.cells()] for line in report.goals]
    return "\n".join([f"## Campaign {markdown_escape(report.name)} ({report.status})", "",
                      *markdown_table(COLUMNS, rows, right_aligned=COLUMNS[2:]), "", _summary(report), "",
                      f"### Goals: actual / goal / baseline ({report.baseline})", "",
                      *markdown_table(GOAL_COLUMNS, goal_rows, right_aligned=GOAL_COLUMNS[2:5])])
