"""Campaigns and enrollments in the workspace DB: start (enroll), pause, resume, stop, status, suppression.

The campaign file is copied into the DB at start, so editing the YAML later cannot change a running
sequence; the DB, not the scheduler, is the source of truth.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlite_utils

from greenroom.errors import ConfigError, GreenroomError
from greenroom.files import FileTooLargeError, read_bytes_bounded
from greenroom.problems import Problem
from greenroom.workspace import Workspace
from outreach.core.campaign import (
    MAX_CAMPAIGN_CHARS,
    Campaign,
    CampaignError,
    CampaignStatus,
    Sender,
    check_campaign_transition,
    parse_campaign,
)
from outreach.core.enrollment import EnrollmentStatus
from outreach.core.influencer import Stage
from outreach.core.names import greeting_name
from outreach.mail.template import EmailTemplateError, LintLibrary, Record, TemplateLibrary, template_dirs
from outreach.storage import enrollments as lifecycle
from outreach.storage.influencers import timestamp

#: Stages that mean "leave this person alone" at enrolment.
EXCLUDED_STAGES = (Stage.DO_NOT_CONTACT, Stage.DECLINED)


class CampaignNotFound(GreenroomError):
    """No campaign by that name."""


#: The most a campaign file may hold: every text of :data:`MAX_CAMPAIGN_CHARS` characters fits (a UTF-8
#: character takes up to 4 bytes), and reading stops there even if the file never ends.
MAX_CAMPAIGN_BYTES = 4 * MAX_CAMPAIGN_CHARS


def read_campaign_file(path: Path, known_mailboxes: Collection[str] | None = None) -> tuple[Campaign, str]:
    """The campaign in ``path``; with ``known_mailboxes``, naming an unconfigured mailbox is a file:line error.

    Only a regular file (or a symlink to one) is read, and never more than :data:`MAX_CAMPAIGN_BYTES`: a
    folder, a FIFO or a device such as ``/dev/zero`` is refused naming the file, before any byte is read
    (a :class:`greenroom.files.FileReadError`, a GreenroomError like every other refusal here).
    """
    try:
        raw = read_bytes_bounded(path, MAX_CAMPAIGN_BYTES, "campaign")
    except FileTooLargeError as error:
        raise CampaignError([Problem(str(path), None, f"the file is {error.length}; a campaign is limited to "
                                                      f"{MAX_CAMPAIGN_CHARS:,} characters")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise GreenroomError(f"{path}: campaign file is not UTF-8 text") from None
    return parse_campaign(text, str(path), known_mailboxes), text


def campaign_senders(campaign: Campaign, mailboxes: Mapping[str, Sender]) -> list[Sender]:
    """Who a campaign may send as: its ``sender``, or each of its ``mailboxes`` (by name) as configured now."""
    if campaign.sender is not None:
        return [campaign.sender]
    missing = [name for name in campaign.mailboxes if name not in mailboxes]
    if missing:
        raise GreenroomError(f"campaign {campaign.name!r} sends from mailbox {missing[0]!r}, which is not in the "
                             f"workspace config (add [mailboxes.{missing[0]}] back, or stop the campaign)")
    return [mailboxes[name] for name in campaign.mailboxes]


def workspace_mailboxes(workspace_root: Path | None) -> dict[str, Sender] | None:
    """The senders of the ``[mailboxes.NAME]`` tables of the workspace at ``workspace_root`` (None without a
    workspace). Only name and address are read here, for starting, linting and previewing; the full check of
    every setting (servers, passwords) is :func:`outreach.campaigns.settings.mailbox_settings`, at send time
    (importing it here would make a cycle through the unsubscribe module)."""
    if workspace_root is None:
        return None
    config = Workspace(workspace_root).config
    found = {}
    for key, table in config.section("mailboxes").items():
        address = table.get("address") if isinstance(table, dict) else None
        if not isinstance(address, str) or "@" not in address:
            raise ConfigError(f"{config.path}: [mailboxes.{key}] address must be an email address")
        name = table.get("name")
        found[str(key)] = Sender(name.strip() if isinstance(name, str) and name.strip() else address.strip(),
                                 address.strip())
    return found


@dataclass
class StoredCampaign:
    id: int
    name: str
    status: str
    campaign: Campaign


@functools.lru_cache(maxsize=256)
def _stored_definition(definition: str, source: str) -> Campaign:
    """A stored definition parsed once per process: every tick reads every campaign, and a long-running
    ``outreach send`` would parse the same YAML again each minute (a tenth of a tick at agency scale).
    The result is immutable (frozen dataclasses, tuples), so sharing it is safe."""
    return parse_campaign(definition, source)


def get_campaign(db: sqlite_utils.Database, name: str) -> StoredCampaign:
    rows = list(db.query("SELECT id, name, status, source, definition FROM campaigns WHERE name = ?", [name]))
    if not rows:
        known = [r["name"] for r in db.query("SELECT name FROM campaigns ORDER BY id")]
        hint = f" (known: {', '.join(known)})" if known else " (none started yet: outreach campaign start FILE)"
        raise CampaignNotFound(f"no campaign named {name!r}{hint}")
    row = rows[0]
    return StoredCampaign(row["id"], row["name"], row["status"], _stored_definition(row["definition"], row["source"]))


def campaigns_by_id(db: sqlite_utils.Database) -> dict[int, StoredCampaign]:
    return {
        row["id"]: StoredCampaign(row["id"], row["name"], row["status"],
                                  _stored_definition(row["definition"], row["source"]))
        for row in db.query("SELECT id, name, status, source, definition FROM campaigns")
    }


# ----------------------------------------------------------------------------------- template data


def influencer_record(row: dict[str, Any]) -> Record:
    """``influencer`` for templates: the stored fields (empty ones absent, so lint catches them) plus
    ``first_name`` (set by hand, or from the name when safe: :mod:`outreach.core.names`) and ``channel``
    (first known handle or website)."""
    values = {key: value for key, value in row.items() if value not in (None, "") and key != "hand_edited"}
    custom = row["custom"] if isinstance(row.get("custom"), dict) else {}
    first_name = greeting_name(row.get("name"), custom.get("first_name"))
    if first_name:
        values["first_name"] = first_name
    for platform in ("youtube", "twitch", "instagram", "tiktok", "x", "website"):
        if row.get(platform):
            values["channel"] = row[platform]
            break
    if isinstance(row.get("custom"), dict):
        values.update({key: value for key, value in row["custom"].items() if key not in values})
    return Record("influencer", values)


def template_variables(
    campaign: Campaign, step: int, person: dict[str, Any], sender: Sender | None = None
) -> dict[str, Record]:
    """What templates see; ``sender`` is the mailbox this person is written from (a rotating campaign has
    no ``sender`` of its own: :func:`campaign_senders`)."""
    owner = {"name": person["owner"]} if person.get("owner") else {}
    sender = sender or campaign.sender
    if sender is None:
        raise GreenroomError(f"campaign {campaign.name!r} rotates mailboxes: say which one this email is from")
    return {
        "influencer": influencer_record(person),
        "owner": Record("owner", owner),
        "campaign": Record("campaign", {"name": campaign.name, "step": step + 1, "steps": len(campaign.steps)}),
        "sender": Record("sender", {"name": sender.name, "address": sender.address}),
    }


def load_people(db: sqlite_utils.Database, ids: list[int] | None = None) -> dict[int, dict[str, Any]]:
    """Influencer rows with JSON columns decoded, by id."""
    from outreach.storage.influencers import decode_row

    if ids is None:
        rows = db.query("SELECT * FROM influencers")
    else:
        rows = db.query("SELECT * FROM influencers WHERE id IN (SELECT value FROM json_each(?))", [json.dumps(ids)])
    return {row["id"]: decode_row(row) for row in rows}


# ---------------------------------------------------------------------------------------- enrolment


@dataclass
class Enrolment:
    campaign_id: int | None
    enrolled: list[tuple[int, str, str]] = field(default_factory=list)  # (id, name, email)
    left_out: list[tuple[int, str, str]] = field(default_factory=list)  # (id, name, reason)


def choose_audience(db: sqlite_utils.Database, campaign: Campaign) -> Enrolment:
    """Who would be enrolled, and who is left out and why (suppressed, bounced, do-not-contact, busy)."""
    result = Enrolment(None)
    suppressed = {row["email"]: row["reason"] for row in db.query("SELECT email, reason FROM suppressions")}
    busy = {
        row["influencer_id"]: row["name"]
        for row in db.query(
            """SELECT e.influencer_id, c.name FROM enrollments e JOIN campaigns c ON c.id = e.campaign_id
               WHERE e.status = 'active' AND c.status IN ('active', 'paused')"""
        )
    }
    for person_id, person in sorted(load_people(db).items()):
        if not campaign.audience.matches(person):
            continue
        name = person["name"]
        email = (person.get("email") or "").lower()
        reason = None
        if not email:
            reason = "no email address"
        elif person["stage"] in EXCLUDED_STAGES:
            reason = f"stage is {person['stage']}"
        elif email in suppressed:
            reason = "bounced before" if suppressed[email] == "bounce" else f"suppressed ({suppressed[email]})"
        elif person_id in busy:
            reason = f"already active in campaign {busy[person_id]!r}"
        if reason:
            result.left_out.append((person_id, name, reason))
        else:
            result.enrolled.append((person_id, name, email))
    return result


def lint_campaign(
    db: sqlite_utils.Database, campaign: Campaign, workspace_root: Path | None, people: list[int]
) -> list[tuple[int, str, int, str, list[str]]]:
    """Render every step for every person; returns (person id, name, step, template, missing variables)."""
    dirs = template_dirs(workspace_root)
    strict = TemplateLibrary(dirs)
    for step in campaign.steps:
        strict.check(step.template)
    linter = LintLibrary(dirs)
    problems = []
    sender = campaign_senders(campaign, workspace_mailboxes(workspace_root) or {})[0]
    for person_id, person in load_people(db, people).items():
        for step in campaign.steps:
            variables = template_variables(campaign, step.number, person, sender)
            missing = linter.missing_variables(step.template, variables, need_subject=step.number == 0)
            if missing:
                problems.append((person_id, person["name"], step.number + 1, step.template, missing))
    return problems


def first_due(campaign: Campaign, now: datetime) -> datetime:
    if campaign.start is None:
        return now
    opening = datetime.combine(campaign.start, time(0), ZoneInfo(campaign.window.timezone))
    return max(now, opening.astimezone(UTC))


def start_campaign(
    db: sqlite_utils.Database, path: Path, workspace_root: Path | None, now: datetime, *, dry_run: bool = False
) -> Enrolment:
    """Enroll the audience of the campaign in ``path``; refuses (changing nothing) if any template fails."""
    configured = workspace_mailboxes(workspace_root)
    campaign, text = read_campaign_file(path, None if configured is None else configured.keys())
    if configured is not None:
        campaign_senders(campaign, configured)
    if db.execute("SELECT 1 FROM campaigns WHERE name = ?", [campaign.name]).fetchone():
        raise GreenroomError(f"{path}: a campaign named {campaign.name!r} already exists; rename it to start again")
    result = choose_audience(db, campaign)
    problems = lint_campaign(db, campaign, workspace_root, [person_id for person_id, _, _ in result.enrolled])
    if problems:
        first = "; ".join(
            f"#{pid} {name} step {step} ({template}): {', '.join(missing)}"
            for pid, name, step, template, missing in problems[:3]
        )
        more = f" and {len(problems) - 3} more" if len(problems) > 3 else ""
        raise EmailTemplateError(
            f"{path}: not started, templates miss variables for {len(problems)} recipient step(s): {first}{more} "
            f"(see: outreach lint {path})"
        )
    if dry_run:
        return result
    people = load_people(db, [pid for pid, _, _ in result.enrolled])
    due = timestamp(first_due(campaign, now))
    with db.atomic():
        campaign_id = db.table("campaigns").insert({
            "name": campaign.name, "source": str(path), "definition": text, "status": "active",
            "sender_address": campaign.sender.address.lower() if campaign.sender else ",".join(campaign.mailboxes),
            "created_at": timestamp(now),
        }).last_pk
        db.table("enrollments").insert_all(
            {
                "campaign_id": campaign_id, "influencer_id": pid, "email": email,
                "timezone": people[pid].get("timezone"), "stage_at_enroll": people[pid]["stage"],
                "status": "active", "next_step": 0, "next_due_at": due, "created_at": timestamp(now),
            }
            for pid, _, email in result.enrolled
        )
    result.campaign_id = campaign_id
    return result


# ----------------------------------------------------------------------------------- pause / stop


def set_status(db: sqlite_utils.Database, name: str, status: str, now: datetime) -> StoredCampaign:
    """Pause, resume or stop; stopping ends every active enrollment and cancels what is still queued."""
    stored = get_campaign(db, name)
    target = check_campaign_transition(name, stored.status, status)
    stopping = target is CampaignStatus.STOPPED
    with db.atomic():
        db.execute("UPDATE campaigns SET status = ?, stopped_at = ? WHERE id = ?",
                   [target.value, timestamp(now) if stopping else None, stored.id])
        if stopping:
            lifecycle.end(db, EnrollmentStatus.STOPPED, now, "campaign_id = ?", [stored.id],
                          reason="campaign stopped")
            db.execute(
                "UPDATE outbox SET state = 'cancelled', last_error = 'campaign stopped' "
                "WHERE campaign_id = ? AND state = 'queued'",
                [stored.id],
            )
    stored.status = target.value
    return stored


def status_rows(db: sqlite_utils.Database, name: str | None = None) -> list[dict[str, Any]]:
    """One summary per campaign: enrollments by status, outbox by state, next due time."""
    where, params = ("WHERE c.name = ?", [name]) if name else ("", [])
    if name:
        get_campaign(db, name)
    rows = []
    for campaign in db.query(f"SELECT c.id, c.name, c.status FROM campaigns c {where} ORDER BY c.id", params):  # noqa: S608
        enrollments = dict(db.execute(
            "SELECT status, count(*) FROM enrollments WHERE campaign_id = ? GROUP BY status", [campaign["id"]]
        ).fetchall())
        outbox = dict(db.execute(
            "SELECT state, count(*) FROM outbox WHERE campaign_id = ? GROUP BY state", [campaign["id"]]
        ).fetchall())
        next_due = db.execute(
            "SELECT min(next_due_at) FROM enrollments WHERE campaign_id = ? AND status = 'active'", [campaign["id"]]
        ).fetchone()[0]
        rows.append({**campaign, "enrollments": enrollments, "outbox": outbox, "next_due_at": next_due})
    return rows


# -------------------------------------------------------------------------------------- suppression


def suppress(db: sqlite_utils.Database, email: str, reason: str, source: str, now: datetime) -> bool:
    """Add to the global suppression list and end that person's active sequences at once."""
    address = email.strip().lower()
    if "@" not in address or any(ch in address for ch in " \r\n<>,;"):
        raise GreenroomError(f"{email!r} is not an email address")
    with db.atomic():
        added = db.execute(
            "INSERT OR IGNORE INTO suppressions (email, reason, source, created_at) VALUES (?, ?, ?, ?)",
            [address, reason, source, timestamp(now)],
        ).rowcount
        status = EnrollmentStatus.BOUNCED if reason == "bounce" else EnrollmentStatus.OPTED_OUT
        lifecycle.end(db, status, now, "email = ? OR influencer_id IN "
                      "(SELECT influencer_id FROM influencer_emails WHERE email = ?)", [address, address],
                      reason=f"suppressed: {reason}")
        db.execute(
            "UPDATE outbox SET state = 'cancelled', last_error = ? WHERE state = 'queued' AND lower(to_address) = ?",
            [f"suppressed: {reason}", address],
        )
    return bool(added)


def unsuppress(db: sqlite_utils.Database, email: str) -> bool:
    return bool(db.execute("DELETE FROM suppressions WHERE email = ?", [email.strip().lower()]).rowcount)


def suppression_list(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return list(db.query("SELECT email, reason, source, created_at FROM suppressions ORDER BY created_at, email"))
