"""One tick of the outbox: stop whoever must stop, queue what the planner says is due, deliver the queue.

The tick is a plain blocking function (DB + SMTP) so ``outreach send --once``, tests and the scheduler
service all call the same code; the service runs it on its single SMTP worker thread.

Several mailboxes (inbox rotation): a campaign with ``mailboxes: [kim, sam]`` gives each enrollment a
mailbox when its first email is planned — the one with the most room left today under its cap, ties to the
least recently used — and records it on the enrollment (``enrollments.mailbox``), so every follow-up goes
from the same mailbox and threads. Each mailbox has its own budget (its ``daily_cap``, the campaign's as a
further limit per mailbox; its own gap and jitter) and its own pause. A first email queued on a mailbox
that gets paused moves back to rotation (the outbox row is deleted, never sent) when its campaign has
another mailbox; follow-ups never move.
"""

from __future__ import annotations

import contextlib
import json
import random
import sqlite3
import threading
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from greenroom.db import fewer_checkpoints
from greenroom.errors import GreenroomError
from outreach.campaigns.guest_mail import GUEST_KIND, GuestMailSettings, queue_guest_emails, record_guest_sent
from outreach.campaigns.settings import MailboxSettings, OutreachSettings
from outreach.campaigns.store import (
    StoredCampaign,
    campaign_senders,
    campaigns_by_id,
    load_people,
    suppress,
    template_variables,
)
from outreach.core.campaign import Sender
from outreach.core.enrollment import EnrollmentStatus
from outreach.core.planner import DueGroup, DueStep, MailboxBudget, TickPlan, allowance, plan_from_groups
from outreach.core.sendwindow import add_business_days, local_day_start
from outreach.guest_booking import record_all_appearances
from outreach.mail.message import (
    HeaderInjectionError,
    Outgoing,
    build_message,
    message_bytes,
    new_message_id,
    reply_subject,
    sender_named_in,
    stamp_date,
)
from outreach.mail.sent_folder import SentCopy, SentFolder
from outreach.mail.template import EmailTemplateError, TemplateLibrary, template_dirs
from outreach.mail.transport import WITHDRAWN, Delivery, Transport, TransportUnavailable
from outreach.storage import enrollments as lifecycle
from outreach.storage import outbox
from outreach.storage.influencers import parse_timestamp, record_activities, record_activity, timestamp


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


@dataclass
class TickReport:
    queued: list[dict[str, Any]] = field(default_factory=list)
    sent: int = 0
    retrying: int = 0
    bounced: int = 0
    failed: int = 0
    uncertain: int = 0
    cancelled: int = 0
    stopped: int = 0
    recovered: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    transport_error: str | None = None
    plan: TickPlan | None = None
    #: Sending mailboxes the server refused during this tick (quota, policy): address → the server's words.
    paused: dict[str, str] = field(default_factory=dict)
    #: Due steps not planned because their mailbox is paused.
    waiting_paused: int = 0
    #: Delivered emails appended to the IMAP Sent folder during this tick, and why others were not (yet).
    copied_to_sent: int = 0
    sent_copy_problems: list[str] = field(default_factory=list)
    #: Sending mailboxes whose server could not be reached this tick: address → why (their queue waits).
    unreachable: dict[str, str] = field(default_factory=dict)
    #: First emails moved off a paused mailbox back to rotation.
    moved: int = 0
    #: Guest emails the journey will never send, each said once with its reason.
    guest_skipped: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------------------- stop rules


def apply_stop_rules(db: sqlite_utils.Database, campaigns: dict[int, StoredCampaign], now: datetime) -> int:
    """End active sequences of people now suppressed, marked do-not-contact, or whose stage was changed.

    Only the people queued in ``stop_checks`` since the last tick are looked at (triggers queue every stage
    change, suppression and enrollment in the transaction that made it); the rows handled are deleted in
    the same transaction as the stops, so a crash in between repeats the check instead of losing it."""
    with db.atomic():
        last = db.execute("SELECT max(id) FROM stop_checks").fetchone()[0]
        if last is None:
            return 0
        everyone = db.execute("SELECT 1 FROM stop_checks WHERE id <= ? AND influencer_id IS NULL AND email IS NULL "
                              "LIMIT 1", [last]).fetchone()
        ids: list[int] = []
        if everyone:
            scope, scope_params = "1", []
        else:
            ids = [row[0] for row in db.execute(
                """SELECT id FROM enrollments WHERE +status = 'active'
                     AND influencer_id IN (SELECT influencer_id FROM stop_checks WHERE id <= :last)
                   UNION SELECT id FROM enrollments WHERE +status = 'active'
                     AND email IN (SELECT email FROM stop_checks WHERE id <= :last)""", {"last": last})]
            scope, scope_params = "id IN (SELECT value FROM json_each(?))", [json.dumps(ids)]
        stopped = _stop(db, campaigns, now, scope, scope_params) if everyone or ids else 0
        db.execute("DELETE FROM stop_checks WHERE id <= ?", [last])
    return stopped


def _stop(
    db: sqlite_utils.Database, campaigns: dict[int, StoredCampaign], now: datetime, scope: str,
    scope_params: list[Any],
) -> int:
    """The stop rules over the enrollments ``scope`` (fixed SQL with ``scope_params``) selects."""
    stopped = 0
    suppressed = "email IN (SELECT email FROM suppressions WHERE reason {} 'bounce')"
    for status, condition in ((EnrollmentStatus.BOUNCED, suppressed.format("=")),
                              (EnrollmentStatus.OPTED_OUT, suppressed.format("!="))):
        stopped += lifecycle.end(db, status, now, f"{scope} AND {condition}", scope_params, reason="suppressed")
    stopped += lifecycle.end(
        db, EnrollmentStatus.STOPPED, now,
        f"{scope} AND influencer_id IN (SELECT id FROM influencers WHERE stage = 'do-not-contact')",  # noqa: S608 - fixed text
        scope_params,
        reason="stage do-not-contact")
    watching = [cid for cid, c in campaigns.items() if "stage_change" in c.campaign.stop_on]
    if watching:
        stopped += lifecycle.end(
            db, EnrollmentStatus.STAGE_CHANGED, now,
            f"""{scope} AND campaign_id IN (SELECT value FROM json_each(?))
               AND (SELECT stage FROM influencers i WHERE i.id = influencer_id) NOT IN (stage_at_enroll, 'contacted')""",  # noqa: S608 - fixed text
            [*scope_params, json.dumps(watching)],
            reason_sql="'stage changed to ' || (SELECT stage FROM influencers i WHERE i.id = influencer_id)",
        )
    return stopped


# ------------------------------------------------------------------------------------------- queueing


def _budgets(
    db: sqlite_utils.Database, campaigns: dict[int, StoredCampaign], senders: Mapping[int, list[Sender]],
    limits: Mapping[str, MailboxSettings], now: datetime,
) -> dict[str, MailboxBudget]:
    """Per sending mailbox: its own cap, gap and jitter from ``[mailboxes.NAME]`` (``limits``, by address)
    made stricter by every campaign sending from it, and today's count so far."""
    budgets: dict[str, MailboxBudget] = {}
    for campaign_id, stored in campaigns.items():
        campaign = stored.campaign
        for sender in senders.get(campaign_id, ()):
            address = sender.address.lower()
            known = budgets.get(address)
            if known is None:
                own = limits.get(address)
                day_start = local_day_start(now, campaign.window.timezone)
                used = db.execute(
                    "SELECT count(*) FROM outbox WHERE sender_address = ? AND queued_at >= ? AND state != 'cancelled'",
                    [address, timestamp(day_start)],
                ).fetchone()[0]
                row = db.execute("SELECT next_allowed_at FROM mailboxes WHERE address = ?", [address]).fetchone()
                next_allowed = parse_timestamp(row[0]) if row and row[0] else None
                backlog = outbox.due_count(db, now, sender_address=address)
                known = MailboxBudget(
                    address, own.daily_cap if own and own.daily_cap else campaign.daily_cap, used, next_allowed,
                    own.min_gap if own and own.min_gap is not None else timedelta(0),
                    own.jitter if own and own.jitter is not None else timedelta(0), backlog,
                )
            budgets[address] = MailboxBudget(
                address, min(known.daily_cap, campaign.daily_cap), known.sent_today, known.next_allowed_at,
                max(known.min_gap, campaign.min_gap), max(known.jitter, campaign.jitter), known.backlog,
            )
    return budgets


def _last_used(db: sqlite_utils.Database, addresses: list[str]) -> dict[str, str]:
    """When each mailbox last had an email queued (ISO text; absent = never): rotation's tie-breaker."""
    return dict(db.execute(
        "SELECT sender_address, max(queued_at) FROM outbox WHERE sender_address IN (SELECT value FROM json_each(?)) "
        "GROUP BY sender_address", [json.dumps(addresses)],
    ).fetchall())


def _move_off_paused(
    db: sqlite_utils.Database, active: dict[int, StoredCampaign], senders: Mapping[int, list[Sender]],
    paused: Collection[str],
) -> int:
    """Queued first emails of a paused mailbox go back to rotation when their campaign has another mailbox
    that is not paused: the row (never sent) is deleted and the enrollment is due again, unassigned."""
    moved = 0
    for campaign_id, stored in active.items():
        addresses = {sender.address.lower() for sender in senders.get(campaign_id, ())}
        stuck = addresses & set(paused)
        if not stuck or not addresses - set(paused) or not stored.campaign.mailboxes:
            continue
        rows = db.execute(
            "SELECT id, enrollment_id, queued_at FROM outbox WHERE campaign_id = ? AND step = 0 AND state = 'queued' "
            "AND sender_address IN (SELECT value FROM json_each(?))", [campaign_id, json.dumps(sorted(stuck))],
        ).fetchall()
        for outbox_id, enrollment_id, queued_at in rows:
            db.execute("DELETE FROM outbox WHERE id = ? AND state = 'queued'", [outbox_id])
            lifecycle.release_mailbox(db, enrollment_id, queued_at)
            moved += 1
    return moved


#: Active sequences of active campaigns (``:active``, a JSON list of ids) whose step has come.
_ACTIVE_DUE = """e.status = 'active' AND e.next_due_at <= :now
             AND e.campaign_id IN (SELECT value FROM json_each(:active))"""
#: ... and without a message waiting in the inbox review queue: the due steps of a tick. The pending reviews
#: are read once into two sets (``NOT IN``) instead of a correlated ``NOT EXISTS`` whose ``OR`` no index can
#: serve; equivalent because ``enrollments.influencer_id`` and ``email`` are NOT NULL and NULLs are kept out
#: of both sets. Every column the tick reads is in the covering index ``idx_enrollments_due``.
_DUE = f"""{_ACTIVE_DUE}
             AND e.influencer_id NOT IN (SELECT influencer_id FROM inbox_reviews
                                         WHERE status = 'pending' AND influencer_id IS NOT NULL)
             AND lower(e.email) NOT IN (SELECT from_address FROM inbox_reviews
                                        WHERE status = 'pending' AND from_address IS NOT NULL)"""  # noqa: S608
_GROUP_BY = "e.campaign_id, e.timezone, e.mailbox, e.next_step > 0"
#: Every active due step counted per (campaign, time zone, recorded mailbox), follow-ups apart; the steps held
#: back by a pending review are found through their indexes, counted apart (:data:`_HELD_SQL`) and
#: subtracted: checking the reviews on every due row (100k at agency scale) costs a third of the count.
_GROUPS_SQL = f"""SELECT {_GROUP_BY}, count(*) FROM enrollments e
           WHERE {_ACTIVE_DUE} GROUP BY {_GROUP_BY}"""  # noqa: S608 - fixed text
_HELD_SQL = f"""SELECT {_GROUP_BY}, count(*) FROM enrollments e
           WHERE e.id IN (SELECT value FROM json_each(:held)) AND +e.status = 'active' AND +e.next_due_at <= :now
             AND e.campaign_id IN (SELECT value FROM json_each(:active)) GROUP BY {_GROUP_BY}"""  # noqa: S608
#: Pending reviews' addresses looked up per statement (SQLite finds ``lower(email) IN (?, ...)`` through the
#: expression index, but not ``IN (SELECT ...)``).
_ADDRESSES_PER_LOOKUP = 500


#: The earliest due steps (by due time, then id) with one recorded mailbox (``:mailbox``, NULL: none yet) and
#: kind, in the open groups named by ``:open`` ('campaign_id zone' keys as a JSON list), at most ``:limit``.
_CANDIDATES_SQL = f"""SELECT e.id, e.campaign_id, e.next_step, e.next_due_at, e.timezone FROM enrollments e
           WHERE {_DUE} AND e.mailbox IS :mailbox AND (e.next_step > 0) = :follow_up
             AND e.campaign_id || ' ' || coalesce(e.timezone, '') IN (SELECT value FROM json_each(:open))
           ORDER BY e.next_due_at, e.id LIMIT :limit"""  # noqa: S608 - fixed text


def _group_key(campaign_id: int | str, zone: str | None) -> str:
    return f"{campaign_id} {zone or ''}"


@dataclass
class _DueQuery:
    """The parameters every due query of one tick shares, and how to run :data:`_CANDIDATES_SQL`."""

    db: sqlite_utils.Database
    now: datetime
    active: str

    def params(self) -> dict[str, Any]:
        return {"now": timestamp(self.now), "active": self.active}

    def groups(self) -> list[tuple[int, str | None, str | None, int, int]]:
        """(campaign, zone, recorded mailbox, follow-up?, count) of the due steps not held by a review."""
        counts = {tuple(row[:4]): row[4] for row in self.db.execute(_GROUPS_SQL, self.params()).fetchall()}
        held = self.held()
        if held:
            for *key, count in self.db.execute(_HELD_SQL, {**self.params(), "held": json.dumps(held)}).fetchall():
                counts[tuple(key)] -= count
        return [(*key, count) for key, count in counts.items() if count]

    def held(self) -> list[int]:
        """Enrollments of people with a message waiting in the inbox review queue (by person or by address)."""
        pending = self.db.execute(
            "SELECT influencer_id, from_address FROM inbox_reviews WHERE status = 'pending'").fetchall()
        people = sorted({person for person, _ in pending if person is not None})
        addresses = sorted({address for _, address in pending if address is not None})
        found: set[int] = set()
        if people:
            found.update(row[0] for row in self.db.execute(
                "SELECT id FROM enrollments WHERE influencer_id IN (SELECT value FROM json_each(?))",
                [json.dumps(people)]))
        for start in range(0, len(addresses), _ADDRESSES_PER_LOOKUP):
            chunk = addresses[start:start + _ADDRESSES_PER_LOOKUP]
            found.update(row[0] for row in self.db.execute(
                f"SELECT id FROM enrollments WHERE lower(email) IN ({', '.join('?' * len(chunk))})",  # noqa: S608
                chunk))
        return sorted(found)

    def earliest(self, mailbox: str | None, follow_up: bool, keys: Collection[str],
                 limit: int) -> list[tuple[int, int, int, str, str | None]]:
        """(enrollment, campaign, step, due ISO text, zone), oldest due first."""
        if limit <= 0 or not keys:
            return []
        return self.db.execute(_CANDIDATES_SQL, {**self.params(), "mailbox": mailbox, "follow_up": int(follow_up),
                                                 "open": json.dumps(sorted(keys)), "limit": limit}).fetchall()


def _plan(
    db: sqlite_utils.Database, active: dict[int, StoredCampaign], senders: Mapping[int, list[Sender]],
    budgets: dict[str, MailboxBudget], paused: Collection[str], now: datetime, rng: random.Random,
    report: TickReport,
) -> TickPlan:
    """The plan :func:`plan_tick` would make over every due step, from the due steps counted per (campaign,
    time zone, mailbox) plus only the steps each mailbox could be given (:func:`plan_from_groups`): a tick
    over a million enrollments reads a few hundred rows.

    A step's mailbox is the one recorded on its enrollment; a first email without one rotates (campaigns
    with several mailboxes not paused, :func:`_rotate`) or goes from the campaign's first mailbox that is
    not paused; a follow-up enrolled before mailboxes were recorded goes from the campaign's first sender.
    Steps whose mailbox is paused only count as ``waiting_paused``."""
    query = _DueQuery(db, now, json.dumps(sorted(active)))
    windows = {str(cid): c.campaign.window for cid, c in active.items()}
    candidates = {cid: [s.address.lower() for s in found if s.address.lower() not in paused]
                  for cid, found in senders.items()}
    rotating = {cid for cid, options in candidates.items() if len(options) > 1}

    def resolved(campaign_id: int, follow_up: bool, mailbox: str | None) -> str | None:
        if mailbox is not None:
            return mailbox
        if follow_up:  # enrolled before mailboxes were recorded
            return senders[campaign_id][0].address.lower()
        options = candidates[campaign_id]
        return options[0] if options else None

    counts: dict[tuple[int, str | None, str], list[int]] = {}  # (campaign, zone, mailbox) → [follow-ups, firsts]
    open_keys: dict[tuple[str | None, bool, int | None], set[str]] = {}  # (recorded mailbox, kind, campaign)
    for cid, zone, recorded, follow_up, count in query.groups():
        mailbox = resolved(cid, bool(follow_up), recorded)
        if mailbox is None or mailbox in paused:
            report.waiting_paused += count
            continue
        if mailbox not in budgets:  # a follow-up whose mailbox the campaign no longer names: it still threads
            budgets[mailbox] = MailboxBudget(mailbox, active[cid].campaign.daily_cap)
        counts.setdefault((cid, zone, mailbox), [0, 0])[0 if follow_up else 1] += count
        if windows[str(cid)].is_open(now, zone):
            open_keys.setdefault((recorded, bool(follow_up), None if recorded else cid), set()).add(
                _group_key(cid, zone))
    allowances = {address: allowance(now, budget) for address, budget in budgets.items()}
    steps: list[DueStep] = []

    def take(rows: list[tuple[int, int, int, str, str | None]], mailbox: str) -> None:
        steps.extend(DueStep(eid, str(cid), step, parse_timestamp(due_at), zone, mailbox)
                     for eid, cid, step, due_at, zone in rows)

    for (recorded, follow_up, campaign_id), keys in open_keys.items():
        if recorded is not None:
            take(query.earliest(recorded, follow_up, keys, allowances[recorded]), recorded)
            continue
        assert campaign_id is not None
        mailbox = resolved(campaign_id, follow_up, None)
        assert mailbox is not None
        if follow_up or campaign_id not in rotating:
            take(query.earliest(None, follow_up, keys, allowances[mailbox]), mailbox)
    rotated = _rotate(query, sorted(rotating), candidates, budgets, allowances, open_keys,
                      _last_used(db, list(budgets)), now)
    for (eid, cid, step, due_at, zone), mailbox in rotated:
        if mailbox != candidates[cid][0]:
            counts[(cid, zone, candidates[cid][0])][1] -= 1
            counts.setdefault((cid, zone, mailbox), [0, 0])[1] += 1
        take([(eid, cid, step, due_at, zone)], mailbox)
    groups = [DueGroup(str(cid), zone, mailbox, follow_ups, firsts)
              for (cid, zone, mailbox), (follow_ups, firsts) in counts.items()]
    return plan_from_groups(now, groups, steps, windows, budgets, rng)


def _rotate(
    query: _DueQuery, rotating: list[int], candidates: Mapping[int, list[str]], budgets: Mapping[str, MailboxBudget],
    allowances: Mapping[str, int], open_keys: Mapping[tuple[str | None, bool, int | None], set[str]],
    last_used: Mapping[str, str], now: datetime,
) -> list[tuple[tuple[int, int, int, str, str | None], str]]:
    """Give due first emails without a mailbox, in campaigns with several mailboxes, a mailbox of their
    campaign, oldest due first: one that may send now (not waiting for its gap) before one that may not,
    then the most room left today counting those already given this tick, ties to the least recently used.
    Only those the planner then picks keep it (recorded on the enrollment); the others rotate again next tick.

    Only as many as the campaign's mailboxes could send now are rotated, and only those inside their send
    window (a tick may see a million due first emails; the planner sends a handful). The rest go, for this
    tick's plan, to the campaign's first mailbox: as many of them as it could send are returned with it.
    Campaigns sharing a mailbox are served in the order of their oldest due first email."""
    blocked = {address: (budget.next_allowed_at is not None and budget.next_allowed_at > now)
               or (bool(budget.min_gap or budget.jitter) and budget.backlog > 0)
               for address, budget in budgets.items()}
    fetched = []
    for campaign_id in rotating:
        options = candidates[campaign_id]
        limit = sum(allowances[address] for address in options)
        rows = query.earliest(None, False, open_keys.get((None, False, campaign_id), ()), limit + allowances[options[0]])
        if rows:
            fetched.append(((rows[0][3], rows[0][0]), campaign_id, limit, rows))
    fetched.sort(key=lambda item: item[0])
    given: dict[str, int] = {}
    chosen: list[tuple[tuple[int, int, int, str, str | None], str]] = []
    for _, campaign_id, limit, rows in fetched:
        options = candidates[campaign_id]
        for row in rows[:limit]:
            best = min(options, key=lambda address: (
                blocked[address], -(budgets[address].daily_cap - budgets[address].sent_today - given.get(address, 0)),
                last_used.get(address, ""), options.index(address)))
            given[best] = given.get(best, 0) + 1
            chosen.append((row, best))
        chosen += [(row, options[0]) for row in rows[limit:]]
    return chosen


def _thread(db: sqlite_utils.Database, enrollment_id: int) -> tuple[list[str], str | None]:
    """Message-IDs already sent to this person in this campaign (oldest first) and the first subject."""
    rows = db.execute(
        "SELECT message_id, subject FROM outbox WHERE enrollment_id = ? AND state = 'sent' ORDER BY step",
        [enrollment_id],
    ).fetchall()
    return [r[0] for r in rows], (rows[0][1] if rows else None)


def queue_due(
    db: sqlite_utils.Database, library: TemplateLibrary, settings: OutreachSettings, now: datetime,
    rng: random.Random, report: TickReport, mailboxes: Mapping[str, MailboxSettings] | None = None,
) -> None:
    """Plan this tick and write each planned email, fully rendered with its Message-ID, as ``queued``.

    ``mailboxes`` are the workspace's ``[mailboxes.NAME]`` (what a rotating campaign names, and every
    mailbox's own limits)."""
    configured = mailboxes or {}
    campaigns = campaigns_by_id(db)
    report.stopped += apply_stop_rules(db, campaigns, now)
    active = {cid: c for cid, c in campaigns.items() if c.status == "active"}
    if not active:
        return
    senders: dict[int, list[Sender]] = {}
    named = {key: Sender(mailbox.name or mailbox.address, mailbox.address) for key, mailbox in configured.items()}
    for cid, stored in list(active.items()):
        try:
            senders[cid] = campaign_senders(stored.campaign, named)
        except GreenroomError as error:
            report.errors.append(str(error))
            del active[cid]
    identities = {(cid, sender.address.lower()): sender for cid, found in senders.items() for sender in found}
    limits = {mailbox.address.lower(): mailbox for mailbox in configured.values()}
    paused = outbox.paused_mailboxes(db, now)
    if paused:
        report.moved += _move_off_paused(db, active, senders, paused)
    budgets = _budgets(db, active, senders, limits, now)
    plan = _plan(db, active, senders, budgets, paused, now, rng, report)
    report.plan = plan
    if not plan.sends:
        return
    enrollments = {
        row["id"]: row for row in db.query(
            "SELECT * FROM enrollments WHERE id IN (SELECT value FROM json_each(?))",
            [f"[{','.join(str(s.enrollment_id) for s in plan.sends)}]"],
        )
    }
    people = load_people(db, [e["influencer_id"] for e in enrollments.values()])
    rows: list[dict[str, Any]] = []
    for send in plan.sends:
        enrollment = enrollments[send.enrollment_id]
        stored = active[int(send.campaign)]
        step = stored.campaign.steps[send.step]
        person = people[enrollment["influencer_id"]]
        sender = identities.get((stored.id, send.mailbox)) or _former_identity(db, enrollment["id"], send.mailbox)
        try:
            row = _render(db, library, settings, stored, sender, step.number, step.template, enrollment, person, now)
        except (EmailTemplateError, HeaderInjectionError) as error:
            lifecycle.end(db, EnrollmentStatus.FAILED, now, "id = ?", [enrollment["id"]], reason=str(error))
            report.errors.append(f"{person['name']} <{enrollment['email']}>: {error}")
            continue
        rows.append(row)
        report.queued.append({"to": row["to_address"], "subject": row["subject"], "step": step.number + 1,
                              "campaign": stored.name, "from": row["sender_address"]})
    if rows:
        outbox.insert_queued(db, rows)
        lifecycle.hold(db, [r["enrollment_id"] for r in rows])
        lifecycle.assign_mailbox(db, [(r["sender_address"], r["enrollment_id"]) for r in rows])
    for address, budget in plan.mailboxes.items():
        if budget.next_allowed_at is not None:
            db.table("mailboxes").upsert({"address": address, "next_allowed_at": timestamp(budget.next_allowed_at)},
                                   pk="address")


def _former_identity(db: sqlite_utils.Database, enrollment_id: int, address: str) -> Sender:
    """The From of a follow-up whose mailbox left the campaign: the name its earlier emails carried."""
    row = db.execute("SELECT raw FROM outbox WHERE enrollment_id = ? AND state = 'sent' ORDER BY step LIMIT 1",
                     [enrollment_id]).fetchone()
    return sender_named_in(row[0] if row else None, address)


def _render(
    db: sqlite_utils.Database, library: TemplateLibrary, settings: OutreachSettings, stored: StoredCampaign,
    sender: Sender, step: int, template: str, enrollment: dict[str, Any], person: dict[str, Any], now: datetime,
) -> dict[str, Any]:
    campaign = stored.campaign
    rendered = library.render(template, template_variables(campaign, step, person, sender), need_subject=step == 0)
    references, first_subject = _thread(db, enrollment["id"]) if step else ([], None)
    subject = reply_subject(first_subject) if first_subject else rendered.subject
    if not subject:
        raise EmailTemplateError(f"{template}: a follow-up whose first email was never sent needs its own subject")
    message_id = new_message_id(sender.address)
    message = build_message(Outgoing(
        from_name=sender.name, from_address=sender.address,
        to_name=person["name"], to_address=enrollment["email"], subject=subject,
        text=rendered.text, html=rendered.html, message_id=message_id, date=now,
        physical_address=settings.physical_address, unsubscribe_url=settings.unsubscribe_url,
        unsubscribe_key=settings.unsubscribe_key,
        references=tuple(references),
    ))
    return {
        "enrollment_id": enrollment["id"], "campaign_id": stored.id, "influencer_id": enrollment["influencer_id"],
        "step": step, "template": template, "to_address": enrollment["email"],
        "sender_address": sender.address.lower(), "message_id": message_id, "subject": subject,
        "raw": message_bytes(message).decode("utf-8"), "state": "queued", "attempts": 0, "queued_at": timestamp(now),
    }


# ------------------------------------------------------------------------------------------- delivery


def _blocked(db: sqlite_utils.Database, row: dict[str, Any]) -> str | None:
    """Why a claim was refused (suppressed, sequence stopped, do-not-contact), or None if someone else took it."""
    found = db.execute("SELECT reason FROM suppressions WHERE email = ?", [row["to_address"].lower()]).fetchone()
    if found:
        return f"suppressed: {found[0]}"
    if row["kind"] == GUEST_KIND:
        stage = db.execute("SELECT stage FROM influencers WHERE id = ?", [row["influencer_id"]]).fetchone()
        return "stage do-not-contact" if stage is None or stage[0] == "do-not-contact" else None
    status = db.execute(
        """SELECT e.status, i.stage FROM enrollments e JOIN influencers i ON i.id = e.influencer_id WHERE e.id = ?""",
        [row["enrollment_id"]],
    ).fetchone()
    if status is None or status[0] != "active":
        return f"sequence {status[0] if status else 'gone'}"
    if status[1] == "do-not-contact":
        return "stage do-not-contact"
    return None


#: Deliveries whose sequences move on together (one statement per table), in the transaction of a claim.
MOVE_ON_BATCH = 100


def move_on(db: sqlite_utils.Database, sent: Sequence[tuple[dict[str, Any], datetime]],
            campaigns: Mapping[int, StoredCampaign], report: TickReport) -> None:
    """After sends (``(outbox row, sent at)``): each next step falls due N business days later in the
    recipient's zone, or the sequence is completed, and each person's history gets 'emailed'. Inside the
    caller's transaction, which also clears the rows' ``sequence_pending``.

    The emails have left: whatever goes wrong here must not roll that fact back (the row would turn
    ``uncertain`` and only a duplicate could clear it). An email whose next step cannot be computed is
    reported and its sequence left paused (no next step due) for a person to look at; a database error
    rolls back only the batch, which is then retried one email at a time to find the one it is about.
    """
    zones = dict(db.execute(
        "SELECT id, timezone FROM enrollments WHERE id IN (SELECT value FROM json_each(?))",
        [json.dumps([row["enrollment_id"] for row, _ in sent])]).fetchall())
    scheduled: list[tuple[int, int, datetime]] = []
    completed: list[tuple[int, int, datetime]] = []
    emailed: list[tuple[int, str, datetime]] = []
    for row, at in sent:
        try:
            campaign = campaigns.get(row["campaign_id"])
            if campaign is None:
                raise GreenroomError(f"campaign #{row['campaign_id']} no longer exists")
            steps, following = campaign.campaign.steps, row["step"] + 1
            if following < len(steps):
                scheduled.append((row["enrollment_id"], following, add_business_days(
                    at, steps[following].after_business_days, zones.get(row["enrollment_id"]),
                    campaign.campaign.window.timezone)))
            else:
                completed.append((row["enrollment_id"], following, at))
        except (GreenroomError, ArithmeticError, ValueError) as error:
            report.errors.append(_not_moved_on(row, error))
            continue
        emailed.append((row["influencer_id"], f"campaign {campaign.name} step {following}: {row['subject']}", at))
    try:
        with db.atomic():
            lifecycle.schedule_next(db, scheduled)
            lifecycle.complete(db, completed)
            record_activities(db, "emailed", emailed)
    except (GreenroomError, sqlite3.Error) as error:
        if len(sent) == 1:
            report.errors.append(_not_moved_on(sent[0][0], error))
        else:
            for one in sent:
                move_on(db, [one], campaigns, report)
            return
    outbox.sequences_moved_on(db, [row["id"] for row, _ in sent])


def _not_moved_on(row: dict[str, Any], error: Exception) -> str:
    return f"outbox #{row['id']} to {row['to_address']} was sent, but its sequence could not move on: {error}"


def move_on_left_by_a_crash(db: sqlite_utils.Database, campaigns: Mapping[int, StoredCampaign],
                            report: TickReport) -> None:
    """Sent emails whose sequences a crash stopped from moving on (``sequence_pending``): finish them."""
    left = outbox.sequences_to_move_on(db)
    if left:
        with db.atomic():
            move_on(db, [(row, parse_timestamp(row["sent_at"])) for row in left], campaigns, report)


@dataclass
class _Delivered:
    """A message the server accepted whose ``sent`` is not committed yet (see :class:`_Recorder`)."""

    row: dict[str, Any]
    at: datetime
    copy_to_sent: bool


class _Recorder:
    """Writes of the delivery loop, one transaction per email.

    What a delivery leaves to record (``sent``) waits for the next write and is committed in the same
    transaction, usually the next email's claim: one commit per email instead of two. It never waits for
    any network: every claim commits it first, so it is on disk before a byte of the next email goes out,
    and a crash can leave at most the one email in flight unsure, exactly as before. Sequences move on
    (:func:`move_on`) :data:`MOVE_ON_BATCH` emails at a time, in one of those transactions: measured, the
    writes of moving on one sequence at a time (a dozen pages per email, each written to the log again)
    were most of what Greenroom added to the SMTP exchange itself. Sent rows carry ``sequence_pending``
    until then, so a crash in between loses nothing (:func:`move_on_left_by_a_crash`). :meth:`flush` ends
    the loop.
    """

    def __init__(self, db: sqlite_utils.Database, campaigns: Mapping[int, StoredCampaign],
                 report: TickReport) -> None:
        self.db, self.campaigns, self.report = db, campaigns, report
        self.delivered: _Delivered | None = None
        self.moving_on: list[tuple[dict[str, Any], datetime]] = []

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """A transaction that first records what is waiting; only once it commits is that forgotten here: a
        rolled-back one (a database error in the claim) leaves it for the next transaction or :meth:`flush`,
        so an email that went out is never left ``sending`` because the next one could not be claimed."""
        delivered = self.delivered
        batch = self.moving_on if len(self.moving_on) >= MOVE_ON_BATCH else []
        with self.db.atomic():
            if batch:
                move_on(self.db, batch, self.campaigns, self.report)
            if delivered is not None:
                self._record(delivered)
            yield self.db
        self._committed(delivered, batch)

    def flush(self) -> None:
        """The end of the loop: record the last delivery, then move every waiting sequence on."""
        if self.delivered is not None:
            with self.transaction():
                pass
        if self.moving_on:
            with self.db.atomic():
                move_on(self.db, self.moving_on, self.campaigns, self.report)
            self.moving_on = []

    def _record(self, delivered: _Delivered) -> None:
        row = delivered.row
        outbox.mark_sent(self.db, row["id"], delivered.at, copy_to_sent=delivered.copy_to_sent,
                         sequence_pending=row["kind"] != GUEST_KIND)
        if row["kind"] == GUEST_KIND:  # no enrollment: nothing to move on
            record_guest_sent(self.db, row, delivered.at)

    def _committed(self, delivered: _Delivered | None, batch: list[tuple[dict[str, Any], datetime]]) -> None:
        """What a committed transaction recorded is done: the sequences it moved on, the email it marked sent."""
        if batch:
            self.moving_on = self.moving_on[len(batch):]
        if delivered is not None:
            self.delivered = None
            if delivered.row["kind"] != GUEST_KIND:
                self.moving_on.append((delivered.row, delivered.at))
            self.report.sent += 1


def send_due(
    db: sqlite_utils.Database, transport: Transport, clock: Callable[[], datetime], report: TickReport,
    campaigns: dict[int, StoredCampaign] | None = None, stop: threading.Event | None = None,
    *, copy_to_sent: bool | Callable[[str], bool] = False,
) -> None:
    """Deliver every due queued message, one at a time, committing ``sending`` before each delivery.

    ``stop`` (set on SIGTERM) ends the loop between two messages; the rest stays queued for next time.
    ``copy_to_sent`` marks each delivered email for the IMAP Sent folder (:func:`file_sent_copies`): for
    every sender, or for the sender addresses it answers True for. A mailbox that is paused or cannot be
    reached stops only its own messages; the others go on in the same tick.
    """
    recorder = _Recorder(db, campaigns or campaigns_by_id(db), report)
    move_on_left_by_a_crash(db, recorder.campaigns, report)
    with fewer_checkpoints(db):
        try:
            _deliver_each(db, transport, clock, report, recorder, stop, copy_to_sent)
        finally:
            recorder.flush()


#: How old a queued email's Date may be when it goes out unchanged. Its Date is the moment it was rendered
#: and queued, normally the same tick, a second or two earlier (RFC 5322: when the message was "ready to
#: enter the mail delivery system"); a retry, a paused mailbox or ``outbox resolve --retry`` sends it hours
#: later, and then it is dated again. Rewriting every email's stored bytes at its claim cost a tenth of a send.
DATE_SLACK = timedelta(seconds=60)


def _dated_now(row: dict[str, Any], now: datetime) -> str | None:
    """The email to send with its Date set to ``now``, or None when its stored Date is recent enough
    (:data:`DATE_SLACK`; a claim rewrites the Date, so no stored Date is older than ``queued_at``)."""
    if now - parse_timestamp(row["queued_at"]) <= DATE_SLACK:
        return None
    return stamp_date(row["raw"], now)


@dataclass
class _Claim:
    """queued → sending for one email (:func:`outbox.claim`), with the previous email's ``sent``, in one
    transaction of the :class:`_Recorder`; made by the transport while the server answers MAIL FROM. An
    email that may no longer go (suppressed, stopped, do-not-contact) is cancelled with its reason instead."""

    recorder: _Recorder
    row: dict[str, Any]
    now: datetime
    restamped: str | None

    def __call__(self) -> bool:
        row, report = self.row, self.recorder.report
        with self.recorder.transaction() as db:
            claimed = outbox.claim(db, row["id"], self.now, self.restamped)
            reason = None if claimed else _blocked(db, row)
            if reason:
                outbox.cancel(db, row["id"], reason)
                report.cancelled += 1
        return claimed


def _deliver_each(
    db: sqlite_utils.Database, transport: Transport, clock: Callable[[], datetime], report: TickReport,
    recorder: _Recorder, stop: threading.Event | None, copy_to_sent: bool | Callable[[str], bool],
) -> None:
    campaigns = recorder.campaigns
    for row in outbox.due_rows(db, clock()):
        if stop is not None and stop.is_set():
            return
        if row["sender_address"] in report.paused or row["sender_address"] in report.unreachable:
            continue
        now = clock()
        restamped = _dated_now(row, now)
        raw = restamped or row["raw"]
        try:
            delivery = transport.send(row["sender_address"], row["to_address"], raw.encode("utf-8"),
                                      f"{row['id']:07d}", _Claim(recorder, row, now, restamped))
        except TransportUnavailable as error:  # before its claim: the email is still queued
            outbox.note_error(db, row["id"], str(error))
            report.unreachable[row["sender_address"]] = str(error)
            report.transport_error = report.transport_error or str(error)
            continue
        if delivery.status == WITHDRAWN:
            continue
        now = clock()
        if delivery.status == "sent":
            wanted = copy_to_sent(row["sender_address"]) if callable(copy_to_sent) else copy_to_sent
            recorder.delivered = _Delivered(row, now, wanted)
            continue
        with db.atomic():
            if delivery.status == "retry" and outbox.mark_retry(db, row, delivery.detail, now,
                                                                _in_window(db, row, campaigns)):
                report.retrying += 1
            elif delivery.status in ("retry", "failed"):
                if delivery.status == "failed":
                    outbox.mark_final(db, row["id"], "failed", delivery.detail, now)
                lifecycle.end(db, EnrollmentStatus.FAILED, now, "id = ?", [row["enrollment_id"]],
                              reason=delivery.detail)
                report.failed += 1
            elif delivery.status == "bounced":
                outbox.mark_final(db, row["id"], "bounced", delivery.detail, now)
                suppress(db, row["to_address"], "bounce", f"SMTP: {delivery.detail}", now)
                record_activity(db, row["influencer_id"], "bounced", delivery.detail, at=now)
                report.bounced += 1
            elif delivery.status == "paused":
                _pause(db, row, delivery, campaigns.get(row["campaign_id"]), now)
                report.paused[row["sender_address"]] = delivery.detail
            else:
                outbox.mark_final(db, row["id"], "uncertain", delivery.detail, now)
                report.uncertain += 1


def _in_window(
    db: sqlite_utils.Database, row: dict[str, Any], campaigns: Mapping[int, StoredCampaign]
) -> Callable[[datetime], datetime]:
    """When a retry of ``row`` may go out: the next moment the recipient's send window is open."""
    if row["campaign_id"] is None:  # a guest email: no send window, retried after its backoff
        return lambda moment: moment
    found = db.execute("SELECT timezone FROM enrollments WHERE id = ?", [row["enrollment_id"]]).fetchone()
    window = campaigns[row["campaign_id"]].campaign.window
    return lambda moment: window.next_opening(moment, found[0] if found else None)


def _pause(
    db: sqlite_utils.Database, row: dict[str, Any], delivery: Delivery, campaign: StoredCampaign | None,
    now: datetime,
) -> None:
    """The server refuses this sender, not this recipient: nothing was delivered, the message goes back to
    the queue and its mailbox pauses. A quota (X.4.5) resets with the day: the pause ends at the next local
    midnight of the campaign; any other refusal (policy, MAIL FROM) waits for ``outreach outbox resume``."""
    outbox.release(db, row["id"], delivery.detail)
    quota = delivery.outcome is not None and delivery.outcome.enhanced is not None \
        and delivery.outcome.enhanced.endswith(".4.5")
    zone = campaign.campaign.window.timezone if campaign is not None else "UTC"
    until = local_day_start(now + timedelta(days=1), zone) if quota else None
    outbox.pause_mailbox(db, row["sender_address"], delivery.detail, now, until)


def resolve(db: sqlite_utils.Database, outbox_id: int, sent: bool, now: datetime) -> dict[str, Any]:
    """A person decides an ``uncertain`` message: it did arrive (advance the sequence) or send it again."""
    row = outbox.get_row(db, outbox_id)
    if row["state"] != "uncertain":
        raise GreenroomError(f"outbox message #{outbox_id} is {row['state']}, not uncertain: nothing to resolve")
    if sent:
        at = parse_timestamp(row["sending_at"]) if row["sending_at"] else now
        if row["kind"] == GUEST_KIND:  # no sequence to move on
            with db.atomic():
                outbox.mark_sent(db, outbox_id, at)
                record_guest_sent(db, row, at)
            return outbox.get_row(db, outbox_id)
        report = TickReport()
        with db.atomic():
            outbox.mark_sent(db, outbox_id, at)
            move_on(db, [(row, at)], campaigns_by_id(db), report)
        if report.errors:
            raise GreenroomError(report.errors[0])
        return outbox.get_row(db, outbox_id)
    with db.atomic():
        next_attempt = _in_window(db, row, campaigns_by_id(db))(now)
        db.execute("UPDATE outbox SET state = 'queued', next_attempt_at = ?, last_error = 'retry by hand' "
                   "WHERE id = ?", [timestamp(next_attempt) if next_attempt > now else None, outbox_id])
    return outbox.get_row(db, outbox_id)


# ------------------------------------------------------------------------------------------- the tick


#: Which Sent folder a sender address files its copies in (None: no copy for that mailbox).
SentFolders = Callable[[str], SentFolder | None]


def run_tick(
    db: sqlite_utils.Database, workspace_root: Path, settings: OutreachSettings, transport: Transport,
    clock: Callable[[], datetime], rng: random.Random, *, dry_run: bool = False,
    stop: threading.Event | None = None, sent_folders: SentFolders | None = None,
    mailboxes: Mapping[str, MailboxSettings] | None = None, guests: GuestMailSettings | None = None,
) -> TickReport:
    """Queue what is due, then deliver, then file copies in each sender's Sent folder (``sent_folders``).
    ``dry_run`` does the planning and rendering, shows it, and rolls everything back (nothing is sent,
    nothing recorded). ``transport`` routes each message by its sender address."""
    report = TickReport()
    library = TemplateLibrary(template_dirs(workspace_root))
    try:
        with db.atomic():
            queue_due(db, library, settings, clock(), rng, report, mailboxes)
            _queue_guests(db, library, settings, clock(), report, mailboxes,
                          guests or GuestMailSettings.for_workspace(workspace_root))
            if dry_run:
                raise _DryRun
    except _DryRun:
        return report
    folders = sent_folders
    send_due(db, transport, clock, report, stop=stop,
             copy_to_sent=(lambda address: folders(address) is not None) if folders is not None else False)
    if folders is not None:
        file_sent_copies(db, folders, report)
    return report


def _queue_guests(
    db: sqlite_utils.Database, library: TemplateLibrary, settings: OutreachSettings, now: datetime,
    report: TickReport, mailboxes: Mapping[str, MailboxSettings] | None, guests: GuestMailSettings,
) -> None:
    """Booked guests' due emails join the queue (:mod:`outreach.campaigns.guest_mail`), after appearances on
    shows moved their people to ``appeared`` (so the stop rules and the thank-you see the same truth)."""
    record_all_appearances(db)
    by_key = {key: mailbox for key, mailbox in (mailboxes or {}).items()}
    found = queue_guest_emails(db, library, settings, now, guests, by_key)
    report.queued += [{"to": q["to"], "subject": f"guest {q['kind']} ({q['show']})", "step": 0,
                       "campaign": "guest emails", "from": q["from"]} for q in found.queued]
    report.errors += found.errors
    report.guest_skipped += found.skipped


def file_sent_copies(db: sqlite_utils.Database, sent_folders: SentFolders, report: TickReport) -> None:
    """APPEND every delivered email still ``pending`` to its sender's Sent folder (this tick's and earlier
    failures), one IMAP session per mailbox.

    Only the copy is retried, never the email: a failure is recorded on the row (``sent_copy_error``) and in
    the report, and tried again next tick until :data:`outbox.SENT_COPY_ATTEMPTS` is reached. A mailbox
    that has no Sent folder any more leaves its copies pending."""
    by_sender: dict[str, list[dict[str, Any]]] = {}
    for row in outbox.pending_sent_copies(db):
        by_sender.setdefault(row["sender_address"], []).append(row)
    for address, pending in by_sender.items():
        folder = sent_folders(address)
        if folder is not None:
            _file_copies(db, folder, address, pending, report)


def _file_copies(
    db: sqlite_utils.Database, sent_folder: SentFolder, address: str, pending: list[dict[str, Any]],
    report: TickReport,
) -> None:
    copies = [SentCopy(row["id"], row["raw"].encode("utf-8"), parse_timestamp(row["sent_at"])) for row in pending]
    try:
        results = sent_folder.append(copies)
    except GreenroomError as problem:
        report.sent_copy_problems.append(f"{len(copies)} sent email(s) not yet copied to the Sent folder: {problem} "
                                         f"(mailbox {address})")
        return
    for row in pending:
        if row["id"] not in results:
            continue
        refusal = results[row["id"]]
        with db.atomic():
            state = outbox.mark_sent_copy(db, row["id"], refusal)
        if state == "copied":
            report.copied_to_sent += 1
        else:
            report.sent_copy_problems.append(f"outbox #{row['id']} ({row['message_id']}) was sent but not copied to the "
                                 f"Sent folder{' (given up)' if state == 'failed' else ''}: {refusal}")


# ------------------------------------------------------------------------------------ mailbox usage


@dataclass(frozen=True)
class MailboxUsage:
    """One sending mailbox today: emails queued or sent since its local midnight, the cap that applies
    (its own, made stricter by its campaigns; None when no active campaign sends from it and it has no
    ``daily_cap``), and its pause (the ``mailboxes`` row) if any."""

    address: str
    key: str | None
    today: int
    daily_cap: int | None
    paused: dict[str, Any] | None


def mailbox_usage(
    db: sqlite_utils.Database, mailboxes: Mapping[str, MailboxSettings], now: datetime
) -> list[MailboxUsage]:
    """Every mailbox that is configured or that an active campaign sends from, by address."""
    active = {cid: c for cid, c in campaigns_by_id(db).items() if c.status == "active"}
    named = {key: Sender(mailbox.name or mailbox.address, mailbox.address) for key, mailbox in mailboxes.items()}
    senders: dict[int, list[Sender]] = {}
    for cid, stored in active.items():
        try:
            senders[cid] = campaign_senders(stored.campaign, named)
        except GreenroomError:
            continue
    limits = {mailbox.address.lower(): mailbox for mailbox in mailboxes.values()}
    budgets = _budgets(db, active, senders, limits, now)
    paused = outbox.paused_mailboxes(db, now)
    keys = {address: mailbox.key for address, mailbox in limits.items()}
    result = []
    for address in sorted(set(budgets) | set(limits)):
        budget = budgets.get(address)
        if budget is None:
            today = db.execute(
                "SELECT count(*) FROM outbox WHERE sender_address = ? AND queued_at >= ? AND state != 'cancelled'",
                [address, timestamp(local_day_start(now, "UTC"))],
            ).fetchone()[0]
            cap = limits[address].daily_cap
        else:
            today, cap = budget.sent_today, budget.daily_cap
        result.append(MailboxUsage(address, keys.get(address), today, cap, paused.get(address)))
    return result


def describe_usage(usage: MailboxUsage) -> str:
    """``mailbox kim@brand.example (kim): 3/40 today`` with its pause, for `outbox list` and `campaign status`."""
    name = f" ({usage.key})" if usage.key else ""
    cap = f"/{usage.daily_cap}" if usage.daily_cap is not None else ""
    text = f"mailbox {usage.address}{name}: {usage.today}{cap} today"
    if usage.paused is not None:
        until = f" until {usage.paused['paused_until']}" if usage.paused["paused_until"] else " until resumed"
        text += f", paused{until}"
    return text
