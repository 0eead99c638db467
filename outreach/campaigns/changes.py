"""Changing a running campaign in the workspace DB: ``campaign edit`` and ``campaign sync``, both logged.

The rules (what may change given what was sent, the diff, the new due times) are pure, in
:mod:`outreach.core.campaign_changes`; this module reads what they need, applies their answer in one
transaction and records it in ``campaign_changes``. A dry run computes everything the same way and writes
nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from greenroom.errors import GreenroomError
from outreach.campaigns.store import (
    Enrolment,
    StoredCampaign,
    choose_audience,
    first_due,
    get_campaign,
    lint_campaign,
    load_people,
)
from outreach.core.campaign import Campaign, CampaignStatus, parse_campaign
from outreach.core.campaign_changes import (
    CampaignEdit,
    Delivered,
    PendingStep,
    Replan,
    SettingsEdit,
    compare_campaigns,
    edited_text,
    replan,
)
from outreach.mail.template import EmailTemplateError
from outreach.storage import enrollments as lifecycle
from outreach.storage.influencers import parse_timestamp, record_activity, timestamp

#: What a newly enrolled person's history says about how they got into the campaign.
SYNC_ACTIVITY = "enrolled"


@dataclass
class EditOutcome:
    """What an edit changed (or, in a dry run, would change)."""

    campaign: str
    edit: CampaignEdit
    replan: Replan = field(default_factory=Replan)
    #: Queued retries moved into the new send window: outbox id -> new attempt time.
    retries_moved: dict[int, datetime] = field(default_factory=dict)
    applied: bool = False


@dataclass
class SyncOutcome:
    """Who a sync enrolled (or would enroll) and who it skipped, with why."""

    campaign: str
    enrolment: Enrolment
    already_enrolled: int = 0
    applied: bool = False

    def skipped_by_reason(self) -> dict[str, int]:
        counts = Counter(reason for _, _, reason in self.enrolment.left_out)
        if self.already_enrolled:
            counts["already enrolled in this campaign"] = self.already_enrolled
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _editable(db: sqlite_utils.Database, name: str) -> tuple[StoredCampaign, str, str]:
    """The stored campaign with its definition text and source; a stopped campaign cannot change."""
    stored = get_campaign(db, name)
    if stored.status == CampaignStatus.STOPPED:
        raise GreenroomError(f"campaign {name!r} is stopped; start a new campaign instead")
    row = db.execute("SELECT definition, source FROM campaigns WHERE id = ?", [stored.id]).fetchone()
    return stored, row[0], row[1]


def _lock(db: sqlite_utils.Database, campaign_id: int) -> None:
    """Take SQLite's write lock before reading what was sent, so a tick running in another process cannot
    queue a step between this check and the write (it waits for the commit instead)."""
    db.execute("UPDATE campaigns SET definition = definition WHERE id = ?", [campaign_id])


# ------------------------------------------------------------------------------------------------ edit


def delivered_steps(db: sqlite_utils.Database, campaign_id: int) -> Delivered:
    """Per step, how many people got (or have queued) that email: see :class:`Delivered`."""
    rows = db.execute(
        "SELECT step, count(DISTINCT enrollment_id) FROM outbox WHERE campaign_id = ? "
        "AND state NOT IN ('cancelled', 'failed') GROUP BY step",
        [campaign_id],
    ).fetchall()
    return Delivered({step: count for step, count in rows})


def pending_steps(db: sqlite_utils.Database, campaign_id: int) -> list[PendingStep]:
    """Active enrollments waiting for their next step (not yet queued), with when the previous one went out."""
    rows = db.execute(
        """SELECT e.id, e.next_step, e.next_due_at, e.timezone, e.created_at,
                  (SELECT o.sent_at FROM outbox o WHERE o.enrollment_id = e.id AND o.step = e.next_step - 1
                   AND o.state = 'sent') AS previous_sent_at
           FROM enrollments e
           WHERE e.campaign_id = ? AND e.status = 'active' AND e.next_due_at IS NOT NULL
           ORDER BY e.id""",
        [campaign_id],
    ).fetchall()
    return [
        PendingStep(eid, step, parse_timestamp(due), tz, parse_timestamp(created),
                    parse_timestamp(previous) if previous else None)
        for eid, step, due, tz, created, previous in rows
    ]


def _retries_to_move(db: sqlite_utils.Database, campaign_id: int, new: Campaign) -> dict[int, datetime]:
    """Queued retries whose next attempt falls outside the new window: each moves to its next opening."""
    moved = {}
    for outbox_id, attempt_at, zone in db.execute(
        """SELECT o.id, o.next_attempt_at, e.timezone FROM outbox o JOIN enrollments e ON e.id = o.enrollment_id
           WHERE o.campaign_id = ? AND o.state = 'queued' AND o.next_attempt_at IS NOT NULL""",
        [campaign_id],
    ).fetchall():
        attempt = parse_timestamp(attempt_at)
        opening = new.window.next_opening(attempt, zone)
        if opening != attempt:
            moved[outbox_id] = opening
    return moved


def _check_templates(db: sqlite_utils.Database, campaign_id: int, new: Campaign, workspace_root: Path | None,
                     source: str) -> None:
    """Every step renders for everyone still in the sequence, as ``campaign start`` demands at start."""
    people = [row[0] for row in db.execute(
        "SELECT influencer_id FROM enrollments WHERE campaign_id = ? AND status = 'active'", [campaign_id])]
    problems = lint_campaign(db, new, workspace_root, people)
    if problems:
        first = "; ".join(f"#{pid} {name} step {step} ({template}): {', '.join(missing)}"
                          for pid, name, step, template, missing in problems[:3])
        more = f" and {len(problems) - 3} more" if len(problems) > 3 else ""
        raise EmailTemplateError(f"{source}: not changed, templates miss variables for {len(problems)} recipient "
                                 f"step(s): {first}{more}")


def edit_campaign(
    db: sqlite_utils.Database, name: str, text: str, source: str, workspace_root: Path | None, now: datetime,
    *, dry_run: bool = False, changed_by: str | None = None,
) -> EditOutcome:
    """Replace campaign ``name``'s definition with ``text`` if every difference is allowed (else
    :class:`~outreach.core.campaign_changes.CampaignEditError`), re-plan the pending steps it affects, log it.

    ``source`` names the text in problems and becomes the campaign's source; ``changed_by`` (default
    ``source``) is what the log says the change came from. The audience is stored but nobody is enrolled or
    removed: that is :func:`sync_campaign`'s job.
    """
    stored, _, _ = _editable(db, name)
    new = parse_campaign(text, source)
    with db.atomic():
        if not dry_run:
            _lock(db, stored.id)
        edit = compare_campaigns(stored.campaign, new, text, source, delivered_steps(db, stored.id))
        outcome = EditOutcome(stored.name, edit)
        if edit.empty:
            return outcome
        if [step.template for step in new.steps] != [step.template for step in stored.campaign.steps]:
            _check_templates(db, stored.id, new, workspace_root, source)
        pending = pending_steps(db, stored.id)
        outcome.replan = replan(pending, new, edit)
        if edit.window_changed:
            outcome.retries_moved = _retries_to_move(db, stored.id, new)
        if dry_run:
            return outcome
        db.execute("UPDATE campaigns SET definition = ?, source = ?, sender_address = ? WHERE id = ?",
                   [text, source, new.sender.address.lower() if new.sender else ",".join(new.mailboxes), stored.id])
        steps = {step.enrollment_id: step.step for step in pending}
        lifecycle.schedule_next(db, [(enrollment_id, steps[enrollment_id], due)
                                     for enrollment_id, due in outcome.replan.moved.items()])
        lifecycle.complete(db, [(enrollment_id, steps[enrollment_id], now)
                                for enrollment_id in outcome.replan.completed])
        for outbox_id, attempt in outcome.retries_moved.items():
            db.execute("UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND state = 'queued'",
                       [timestamp(attempt), outbox_id])
        _log(db, stored.id, "edit", now, changed_by or source, [str(difference) for difference in edit.differences],
             edit_counts(outcome))
    outcome.applied = True
    return outcome


def edit_counts(outcome: EditOutcome) -> dict[str, int]:
    """The numbers an edit is logged and reported with."""
    return {
        "changes": len(outcome.edit.differences),
        "rescheduled": len(outcome.replan.moved),
        "completed": len(outcome.replan.completed),
        "retries_moved": len(outcome.retries_moved),
    }


def edit_campaign_settings(
    db: sqlite_utils.Database, name: str, settings: SettingsEdit, workspace_root: Path | None, now: datetime,
    *, dry_run: bool = False,
) -> EditOutcome:
    """``campaign edit NAME --daily-cap 20 ...``: the stored definition with those settings written in."""
    _, text, source = _editable(db, name)
    return edit_campaign(db, name, edited_text(text, settings), source, workspace_root, now, dry_run=dry_run,
                         changed_by="command-line options")


# ------------------------------------------------------------------------------------------------ sync


def sync_campaign(
    db: sqlite_utils.Database, name: str, workspace_root: Path | None, now: datetime, *, dry_run: bool = False,
) -> SyncOutcome:
    """Enroll people who match the audience now and are not yet in this campaign (imported, retagged or
    edited since), by the rules of ``campaign start``; their first step falls due as it would at start."""
    stored, _, source = _editable(db, name)
    campaign = stored.campaign
    with db.atomic():
        if not dry_run:
            _lock(db, stored.id)
        audience = choose_audience(db, campaign)
        already = {row[0] for row in db.execute("SELECT influencer_id FROM enrollments WHERE campaign_id = ?",
                                                 [stored.id])}
        outcome = SyncOutcome(stored.name, Enrolment(
            stored.id,
            enrolled=[person for person in audience.enrolled if person[0] not in already],
            left_out=[person for person in audience.left_out if person[0] not in already],
        ))
        outcome.already_enrolled = sum(1 for person in audience.enrolled + audience.left_out if person[0] in already)
        new_ids = [pid for pid, _, _ in outcome.enrolment.enrolled]
        problems = lint_campaign(db, campaign, workspace_root, new_ids)
        if problems:
            first = "; ".join(f"#{pid} {person} step {step} ({template}): {', '.join(missing)}"
                              for pid, person, step, template, missing in problems[:3])
            raise EmailTemplateError(f"{source}: nobody enrolled, templates miss variables for {len(problems)} "
                                     f"recipient step(s): {first} (see: outreach lint)")
        if dry_run:
            return outcome
        if new_ids:
            _enroll(db, stored, outcome.enrolment.enrolled, now)
        for pid in new_ids:
            record_activity(db, pid, SYNC_ACTIVITY, f"campaign {stored.name}: enrolled by campaign sync", at=now)
        _log(db, stored.id, "sync", now, "the stored audience", _sync_summary(outcome), sync_counts(outcome))
    outcome.applied = True
    return outcome


def _enroll(db: sqlite_utils.Database, stored: StoredCampaign, people: list[tuple[int, str, str]],
            now: datetime) -> None:
    """Enrollment rows as ``campaign start`` writes them (step 1 due at :func:`first_due`)."""
    records = load_people(db, [pid for pid, _, _ in people])
    due = timestamp(first_due(stored.campaign, now))
    db.table("enrollments").insert_all(
        {
            "campaign_id": stored.id, "influencer_id": pid, "email": email,
            "timezone": records[pid].get("timezone"), "stage_at_enroll": records[pid]["stage"],
            "status": "active", "next_step": 0, "next_due_at": due, "created_at": timestamp(now),
        }
        for pid, _, email in people
    )


def sync_counts(outcome: SyncOutcome) -> dict[str, Any]:
    return {"enrolled": len(outcome.enrolment.enrolled), "skipped": outcome.skipped_by_reason()}


def _sync_summary(outcome: SyncOutcome) -> list[str]:
    lines = [f"enrolled #{pid} {name} <{email}>" for pid, name, email in outcome.enrolment.enrolled]
    lines += [f"skipped #{pid} {name}: {reason}" for pid, name, reason in outcome.enrolment.left_out]
    return lines or ["nobody new matches the audience"]


# --------------------------------------------------------------------------------------------- the log


def _log(db: sqlite_utils.Database, campaign_id: int, kind: str, now: datetime, source: str, summary: list[str],
         counts: dict[str, Any]) -> None:
    db.table("campaign_changes").insert({
        "campaign_id": campaign_id, "kind": kind, "at": timestamp(now), "source": source,
        "summary": "\n".join(summary), "counts": json.dumps(counts, sort_keys=True),
    })


def history(db: sqlite_utils.Database, name: str) -> list[dict[str, Any]]:
    """Every edit and sync of campaign ``name``, oldest first, counts decoded."""
    stored = get_campaign(db, name)
    return [
        {**row, "summary": row["summary"].split("\n"), "counts": json.loads(row["counts"])}
        for row in db.query("SELECT kind, at, source, summary, counts FROM campaign_changes WHERE campaign_id = ? "
                            "ORDER BY at, id", [stored.id])
    ]
