"""What incoming mail does to campaigns: replies stop sequences, "not interested" declines, opt-outs and
bounces suppress, out-of-offices pause. Each IMAP message (mailbox, UIDVALIDITY, UID) and each Message-ID
is processed once.

Nothing changes a person's state unless it is believable: a reply must come from one of that person's
addresses (and pass the receiving server's DMARC/SPF/DKIM check when it made one), a bounce must name an
address we sent one of the referenced emails to. Anything else, and anything the reader is unsure of,
waits in the review queue (:mod:`outreach.campaigns.review`) — and no email goes to that person meanwhile.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

import sqlite_utils

from greenroom.clock import utc_now
from greenroom.db import open_database
from greenroom.errors import GreenroomError
from greenroom.workspace import Workspace
from outreach.campaigns import review
from outreach.campaigns.guest_mail import GUEST_KIND, guest_reply_review
from outreach.campaigns.settings import ServerSettings, imap_settings, mailbox_settings
from outreach.campaigns.store import suppress
from outreach.core.enrollment import EnrollmentStatus
from outreach.mail.inbox import (
    MAX_BOUNCED_RECIPIENTS,
    MAX_MESSAGE_BYTES,
    Classified,
    ImapReader,
    classify,
    parse,
)
from outreach.storage import enrollments as lifecycle
from outreach.storage import outbox
from outreach.storage.influencers import record_activity, timestamp

_OUTCOME = {"reply": "replied", "interested": "replied", "declined": "declined", "unsubscribe": "opted_out",
            "bounce": "bounced"}
#: What a message may do to a person's state without a human looking first.
_STATE_CHANGING = ("reply", "interested", "declined", "unsubscribe", "auto_reply", "unknown")
#: Decisions a person can take in ``outreach inbox review decide`` and the inbox kind each stands for.
DECISIONS = {"opt-out": "unsubscribe", "reply": "reply", "interested": "interested", "declined": "declined",
             "out-of-office": "auto_reply", "ignore": "ignore"}
#: An out-of-office without a readable return date pauses the sequence this long.
DEFAULT_ABSENCE = timedelta(days=7)
#: A Date further ahead than this is not believed (clock skew is minutes, not days).
_DATE_SKEW = timedelta(hours=24)


@dataclass
class InboxSummary:
    kinds: Counter = field(default_factory=Counter)
    unmatched: int = 0
    review: int = 0
    #: Mailboxes that could not be read this time (the others were): account → why.
    unread: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.kinds.values())

    def describe(self) -> str:
        parts = [f"{count} {kind.replace('_', '-')}" for kind, count in sorted(self.kinds.items())]
        if self.unmatched:
            parts.append(f"{self.unmatched} not about any campaign")
        if self.review:
            parts.append(f"{self.review} waiting in `outreach inbox review`")
        text = "inbox: " + (", ".join(parts) if parts else "nothing new")
        for account, why in self.unread.items():
            text += f"; {account} not read: {why}"
        return text


@dataclass(frozen=True)
class Verdict:
    """Who a message concerns and whether it may act on its own; ``review`` says why a person must look."""

    row: dict[str, Any] | None
    influencer_id: int | None
    review: str | None = None


def _person_addresses(db: sqlite_utils.Database, influencer_id: int) -> set[str]:
    return {r[0].lower() for r in db.execute("SELECT email FROM influencer_emails WHERE influencer_id = ?",
                                             [influencer_id])}


def _by_reference(db: sqlite_utils.Database, references: tuple[str, ...]) -> dict[str, Any] | None:
    """The outbox row of the nearest of our Message-IDs: references come most specific first."""
    for reference in references:
        rows = list(db.query("SELECT * FROM outbox WHERE message_id = ?", [reference]))
        if rows:
            return rows[0]
    return None


def _judge_bounce(db: sqlite_utils.Database, found: Classified) -> tuple[Verdict, list[dict[str, Any]]]:
    """A bounce counts only for an address we sent one of the referenced emails to; anything else is for review."""
    if len(found.bounced) > MAX_BOUNCED_RECIPIENTS:
        return Verdict(None, None, f"bounce names {len(found.bounced)} recipients: not one email of ours"), []
    rows: list[dict[str, Any]] = []
    for address in found.bounced:
        rows += db.query(
            "SELECT * FROM outbox WHERE lower(to_address) = ? AND state IN ('sent', 'uncertain') "
            "AND message_id IN (SELECT value FROM json_each(?))",
            [address, json.dumps(list(found.references))])
    if not rows:
        named = ", ".join(found.bounced[:5]) or "nobody"
        return Verdict(None, None, f"bounce for {named} references none of the emails we sent them"), []
    return Verdict(rows[0], rows[0]["influencer_id"]), rows


def _judge(db: sqlite_utils.Database, found: Classified, now: datetime) -> Verdict:
    """Match a message to our outbox row and person, and decide whether it is believable enough to act on."""
    row = _by_reference(db, found.references)
    sender = (found.from_address or "").lower()
    date = found.date
    if row is not None:
        influencer_id = row["influencer_id"]
        if found.sender_doubt:
            return Verdict(row, influencer_id, found.sender_doubt)
        if sender not in _person_addresses(db, influencer_id) | {row["to_address"].lower()}:
            return Verdict(row, influencer_id, f"sent by {sender or 'nobody'}, not by {row['to_address']} "
                                               "whose email it answers")
    else:
        matched = _by_sender(db, sender, min(date, now) if date else None) if sender else None
        if matched is None:
            # A From header that names nobody clearly (two From fields, a display name that looks like an
            # address) is how a forgery hides: a person decides, even when the guess matches nobody we know.
            return Verdict(None, None, found.sender_doubt or None)
        row, influencer_id = matched
        if found.sender_doubt:
            return Verdict(row, influencer_id, found.sender_doubt)
    if date is not None and date > now + _DATE_SKEW:
        return Verdict(row, influencer_id, f"dated {date:%Y-%m-%d}, in the future")
    if found.authentication.passed is False:
        return Verdict(row, influencer_id, found.authentication.detail)
    if not found.confident or found.kind == "unknown":
        return Verdict(row, influencer_id, found.reason or "meaning unclear")
    return Verdict(row, influencer_id)


def _by_sender(
    db: sqlite_utils.Database, address: str, date: datetime | None
) -> tuple[dict[str, Any] | None, int] | None:
    """Fallback without threading headers: the sender's latest email from us, or their enrollment.

    Only mail dated after we wrote (or enrolled) that person counts: an old message lying in the inbox must
    not stop a sequence that started later.
    """
    not_after = timestamp(date) if date else "9999"
    rows = list(db.query(
        "SELECT * FROM outbox WHERE lower(to_address) = ? AND state = 'sent' AND sent_at <= ? "
        "ORDER BY sent_at DESC LIMIT 1", [address, not_after]))
    if rows:
        return rows[0], rows[0]["influencer_id"]
    person = db.execute(
        """SELECT e.influencer_id FROM influencer_emails m JOIN enrollments e ON e.influencer_id = m.influencer_id
           WHERE m.email = ? AND e.created_at <= ? LIMIT 1""", [address, not_after]).fetchone()
    return (None, person[0]) if person else None


def act(
    db: sqlite_utils.Database, kind: str, influencer_id: int | None, row: dict[str, Any] | None,
    from_address: str | None, subject: str, now: datetime, return_date: date | None = None,
    source: str = "reply",
) -> None:
    """What a trusted message (or a person's review decision) does to the person's sequences."""
    moment = timestamp(now)
    outcome = _OUTCOME.get(kind)
    if row is not None and outcome:
        db.execute("UPDATE outbox SET outcome = ?, outcome_at = ? WHERE id = ? AND outcome IS NULL",
                   [outcome, moment, row["id"]])
    if kind == "unsubscribe":
        targets = {from_address} | ({row["to_address"].lower()} if row else set())
        for address in filter(None, targets):
            suppress(db, address, "opt-out", f"{source} asking to stop", now)
    if influencer_id is None:
        return
    if kind in ("reply", "interested", "declined", "unsubscribe"):
        status = {"declined": EnrollmentStatus.DECLINED, "unsubscribe": EnrollmentStatus.OPTED_OUT}.get(
            kind, EnrollmentStatus.REPLIED)
        lifecycle.end(db, status, now, "influencer_id = ?", [influencer_id], reason=f"{kind} received")
        db.execute("UPDATE outbox SET state = 'cancelled', last_error = ? WHERE influencer_id = ? AND state = 'queued' "
                   "AND kind != 'guest'", [f"{kind} received", influencer_id])
        record_activity(db, influencer_id, "replied", subject[:200], at=now)
        if kind in ("interested", "declined"):
            record_activity(db, influencer_id, kind, subject[:200], at=now)
        if kind == "unsubscribe":
            record_activity(db, influencer_id, "opted out", subject[:200], at=now)
    elif kind == "auto_reply":
        until = (datetime.combine(return_date, time(8), tzinfo=UTC) if return_date else now + DEFAULT_ABSENCE)
        lifecycle.postpone(db, influencer_id, max(until, now))
        record_activity(db, influencer_id, "auto-replied", f"{subject[:160]} (paused until {until:%Y-%m-%d})",
                        at=now)


def _bounce(db: sqlite_utils.Database, rows: list[dict[str, Any]], now: datetime) -> None:
    for row in rows:
        db.execute("UPDATE outbox SET outcome = 'bounced', outcome_at = ? WHERE id = ? AND outcome IS NULL",
                   [timestamp(now), row["id"]])
        suppress(db, row["to_address"], "bounce", "delivery status notification", now)
        record_activity(db, row["influencer_id"], "bounced", row["to_address"], at=now)


def apply(db: sqlite_utils.Database, found: Classified, now: datetime) -> Verdict:
    """Record the effect of one classified message; returns who it concerned and whether it waits for review."""
    if found.kind == "bounce":
        verdict, rows = _judge_bounce(db, found)
        _bounce(db, rows, now)
        return verdict
    if found.kind == "delayed":
        row = _by_reference(db, found.references)
        return Verdict(row, row["influencer_id"] if row else None)
    verdict = _judge(db, found, now)
    if verdict.review is None and found.kind == "declined" and verdict.row is not None \
            and verdict.row.get("kind") == GUEST_KIND:
        # "Can't make it" to a guest email: the booking is the owner's to move or cancel, not the inbox's.
        verdict = Verdict(verdict.row, verdict.influencer_id, guest_reply_review(db, verdict.row))
    # A message about nobody we know acts only on its sender's own address: not even that when the
    # receiving server's check failed (a forged "unsubscribe" must not suppress whoever it names).
    if verdict.review is None and found.kind in _STATE_CHANGING and found.authentication.passed is not False:
        act(db, found.kind, verdict.influencer_id, verdict.row, found.from_address, found.subject, now,
            found.return_date)
    return verdict


def _record(db: sqlite_utils.Database, mailbox: str, uidvalidity: int, uid: int, now: datetime, *, kind: str,
            reason: str | None = None, found: Classified | None = None, verdict: Verdict | None = None) -> int:
    return cast(int, db.table("inbox_messages").insert({
        "mailbox": mailbox, "uidvalidity": uidvalidity, "uid": uid, "kind": kind, "reason": reason,
        "message_id": found.message_id if found else None, "from_address": found.from_address if found else None,
        "subject": found.subject[:300] if found else None,
        "outbox_id": verdict.row["id"] if verdict and verdict.row else None,
        "influencer_id": verdict.influencer_id if verdict else None, "processed_at": timestamp(now),
    }).last_pk)


def process_message(
    db: sqlite_utils.Database, mailbox: str, uidvalidity: int, uid: int, raw: bytes | None, now: datetime,
    summary: InboxSummary, size: int = 0,
) -> None:
    """One IMAP message, in one transaction with the record that it was processed.

    Whatever is wrong with a message (too large, nested too deep, broken encodings, a value the database
    refuses) is recorded with the reason and skipped, so the UID watermark moves on and later replies are read.
    """
    if db.execute("SELECT 1 FROM inbox_messages WHERE mailbox = ? AND uidvalidity = ? AND uid = ?",
                  [mailbox, uidvalidity, uid]).fetchone():
        return
    if raw is None:
        with db.atomic():
            _record(db, mailbox, uidvalidity, uid, now, kind="too_large",
                    reason=f"{size} bytes, over the {MAX_MESSAGE_BYTES} byte limit: not downloaded")
        summary.kinds["too_large"] += 1
        return
    try:
        found = classify(parse(raw))
        with db.atomic():
            seen = found.message_id and db.execute(
                "SELECT 1 FROM inbox_messages WHERE message_id = ?", [found.message_id]).fetchone()
            verdict = Verdict(None, None) if seen else apply(db, found, now)
            kind = "review" if verdict.review else found.kind
            message_row = _record(db, mailbox, uidvalidity, uid, now, kind=kind, reason=verdict.review,
                                  found=found, verdict=verdict)
            if verdict.review:
                review.add(db, message_row, found, verdict.influencer_id, verdict.row, verdict.review, now)
    except sqlite3.OperationalError:
        raise  # a locked or broken database: stop, and read this message again next time
    except Exception as error:  # noqa: BLE001 - a message's content must never stop the inbox
        with db.atomic():
            _record(db, mailbox, uidvalidity, uid, now, kind="unparseable",
                    reason=f"{type(error).__name__}: {error}"[:500])
        summary.kinds["unparseable"] += 1
        return
    if seen:
        return
    if verdict.review:
        summary.review += 1
    summary.kinds[found.kind] += 1
    if verdict.influencer_id is None and not verdict.review:
        summary.unmatched += 1


def inbox_servers(workspace: Workspace) -> list[ServerSettings]:
    """Every IMAP account to read, each once: ``[imap]`` then each mailbox's own, in config order."""
    found = [imap_settings(workspace)] + [mailbox.imap for mailbox in mailbox_settings(workspace).values()]
    unique: dict[tuple[str | None, str, int, str], ServerSettings] = {}
    for server in found:
        if server is not None:
            unique.setdefault((server.username, server.host.lower(), server.port, server.folder), server)
    return list(unique.values())


def imap_reader(server: ServerSettings) -> ImapReader:
    """The IMAP reader for one configured account (``[imap]`` or a ``[mailboxes.NAME.imap]``): its inbox here,
    its Sent folder in :mod:`outreach.service`."""
    return ImapReader(server.host, server.port, server.security, server.username, server.password,
                      server.folder, server.timeout, ca_file=server.ca_file, oauth=server.oauth)


class InboxSession:
    """Polls every IMAP mailbox (:func:`inbox_servers`); owns its DB connection, so use it from one worker thread."""

    def __init__(self, workspace: Workspace, clock: Callable[[], datetime] = utc_now) -> None:
        self.workspace = workspace
        self.clock = clock
        self._db: sqlite_utils.Database | None = None

    def poll(self) -> InboxSummary:
        """Read every configured IMAP account: ``[imap]`` and each ``[mailboxes.NAME.imap]`` (a reply arrives in
        the mailbox it answers). One account that cannot be read is reported in the summary while the others
        are read; an error is raised only when none could be."""
        servers = inbox_servers(self.workspace)
        if not servers:
            raise GreenroomError(f"{self.workspace.config_path}: no [imap] section: nothing to poll")
        if self._db is None:
            self._db = open_database(self.workspace.database_path)  # owned by this worker thread
        summary = InboxSummary()
        for server in servers:
            account = f"{server.username}@{server.host}:{server.port}/{server.folder}"
            try:
                self._poll_one(server, account, summary)
            except GreenroomError as error:
                if len(servers) == 1:
                    raise
                summary.unread[account] = str(error)
        if len(summary.unread) == len(servers):
            raise GreenroomError("; ".join(f"{account}: {why}" for account, why in summary.unread.items()))
        return summary

    def _poll_one(self, server: ServerSettings, mailbox: str, summary: InboxSummary) -> None:
        db = self._db
        assert db is not None
        last = {
            validity: uid for validity, uid in db.execute(
                "SELECT uidvalidity, max(uid) FROM inbox_messages WHERE mailbox = ? GROUP BY uidvalidity", [mailbox])
        }
        reader = imap_reader(server)
        validity, messages = reader.fetch_new(last)
        for fetched in messages:
            process_message(db, mailbox, validity, fetched.uid, fetched.raw, self.clock(), summary, fetched.size)

    def close(self) -> None:
        if self._db is not None:
            self._db.conn.close()
            self._db = None


def decide(db: sqlite_utils.Database, review_id: int, decision: str, now: datetime) -> dict[str, Any]:
    """A person's reading of a message in review, applied as if the inbox had been sure of it."""
    kind = DECISIONS.get(decision)
    if kind is None:
        raise GreenroomError(f"unknown decision {decision!r} (one of: {', '.join(DECISIONS)})")
    with db.atomic():
        item = review.get(db, review_id)
        if item["status"] != "pending":
            raise GreenroomError(f"inbox review #{review_id} was already decided ({item['decision']})")
        review.close(db, review_id, decision, now)
        if kind != "ignore":
            row = outbox.get_row(db, item["outbox_id"]) if item["outbox_id"] else None
            influencer_id = item["influencer_id"]
            if influencer_id is None and item["from_address"]:
                person = db.execute("SELECT influencer_id FROM influencer_emails WHERE email = ?",
                                    [item["from_address"]]).fetchone()
                influencer_id = person[0] if person else None
            act(db, kind, influencer_id, row, item["from_address"], item["subject"] or "", now,
                source="reviewed reply")
            db.execute("UPDATE inbox_messages SET kind = ? WHERE id = ?", [kind, item["inbox_message_id"]])
    return review.get(db, review_id)
