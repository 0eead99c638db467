"""What incoming mail does to campaigns: replies stop sequences, opt-outs and bounces suppress, auto-replies
are only noted. Each IMAP message (mailbox, UIDVALIDITY, UID) and each Message-ID is processed once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlite_utils

from greenroom.clock import utc_now
from greenroom.db import open_database
from greenroom.errors import GreenroomError
from greenroom.workspace import Workspace
from outreach.campaigns.settings import imap_settings
from outreach.campaigns.store import suppress
from outreach.mail.inbox import Classified, ImapReader, classify, parse
from outreach.storage.influencers import record_activity, timestamp

_OUTCOME = {"reply": "replied", "unsubscribe": "opted_out", "bounce": "bounced"}


@dataclass
class InboxSummary:
    kinds: Counter = field(default_factory=Counter)
    unmatched: int = 0

    @property
    def total(self) -> int:
        return sum(self.kinds.values())

    def describe(self) -> str:
        parts = [f"{count} {kind.replace('_', '-')}" for kind, count in sorted(self.kinds.items())]
        if self.unmatched:
            parts.append(f"{self.unmatched} not about any campaign")
        return "inbox: " + (", ".join(parts) if parts else "nothing new")


def _match(db: sqlite_utils.Database, found: Classified) -> tuple[dict[str, Any] | None, int | None]:
    """Our outbox row (by In-Reply-To/References) and the influencer; the From address is the fallback.

    The fallback only counts mail dated after we wrote (or enrolled) that person: an old message lying in
    the inbox must not stop a sequence that started later.
    """
    for reference in reversed(found.references):
        rows = list(db.query("SELECT * FROM outbox WHERE message_id = ?", [reference]))
        if rows:
            return rows[0], rows[0]["influencer_id"]
    addresses = list(found.bounced) if found.kind == "bounce" else ([found.from_address] if found.from_address else [])
    not_after = timestamp(found.date) if found.date else "9999"
    for address in addresses:
        rows = list(db.query(
            "SELECT * FROM outbox WHERE lower(to_address) = ? AND state = 'sent' AND sent_at <= ? "
            "ORDER BY sent_at DESC LIMIT 1",
            [address, not_after]))
        if rows:
            return rows[0], rows[0]["influencer_id"]
        if found.kind != "bounce":
            person = db.execute(
                """SELECT e.influencer_id FROM influencer_emails m JOIN enrollments e ON e.influencer_id = m.influencer_id
                   WHERE m.email = ? AND e.created_at <= ? LIMIT 1""",
                [address, not_after]).fetchone()
            if person:
                return None, person[0]
    return None, None


def apply(db: sqlite_utils.Database, found: Classified, now: datetime) -> tuple[int | None, int | None]:
    """Record the effect of one classified message; returns (outbox id, influencer id) it concerned."""
    row, influencer_id = _match(db, found)
    if influencer_id is None:
        return None, None
    moment = timestamp(now)
    outcome = _OUTCOME.get(found.kind)
    if row is not None and outcome:
        db.execute("UPDATE outbox SET outcome = ?, outcome_at = ? WHERE id = ? AND outcome IS NULL",
                   [outcome, moment, row["id"]])
    if found.kind in ("reply", "unsubscribe"):
        status = "replied" if found.kind == "reply" else "opted_out"
        db.execute(
            "UPDATE enrollments SET status = ?, stop_reason = ?, stopped_at = ?, next_due_at = NULL "
            "WHERE influencer_id = ? AND status = 'active'",
            [status, f"{found.kind} received", moment, influencer_id],
        )
        db.execute(
            "UPDATE outbox SET state = 'cancelled', last_error = ? WHERE influencer_id = ? AND state = 'queued'",
            [f"{found.kind} received", influencer_id],
        )
        record_activity(db, influencer_id, "replied", found.subject[:200], at=now)
        if found.kind == "unsubscribe":
            targets = {found.from_address} | ({row["to_address"].lower()} if row else set())
            for address in filter(None, targets):
                suppress(db, address, "opt-out", "reply asking to stop", now)
            record_activity(db, influencer_id, "opted out", found.subject[:200], at=now)
    elif found.kind == "bounce":
        for address in found.bounced:
            suppress(db, address, "bounce", "delivery status notification", now)
        record_activity(db, influencer_id, "bounced", ", ".join(found.bounced), at=now)
    elif found.kind == "auto_reply":
        record_activity(db, influencer_id, "auto-replied", found.subject[:200], at=now)
    return (row["id"] if row else None), influencer_id


def process_message(
    db: sqlite_utils.Database, mailbox: str, uidvalidity: int, uid: int, raw: bytes, now: datetime,
    summary: InboxSummary,
) -> None:
    """One IMAP message, in one transaction with the record that it was processed."""
    if db.execute("SELECT 1 FROM inbox_messages WHERE mailbox = ? AND uidvalidity = ? AND uid = ?",
                  [mailbox, uidvalidity, uid]).fetchone():
        return
    found = classify(parse(raw))
    with db.atomic():
        seen = found.message_id and db.execute(
            "SELECT 1 FROM inbox_messages WHERE message_id = ?", [found.message_id]).fetchone()
        outbox_id, influencer_id = (None, None) if seen else apply(db, found, now)
        db.table("inbox_messages").insert({
            "mailbox": mailbox, "uidvalidity": uidvalidity, "uid": uid, "kind": found.kind,
            "message_id": found.message_id, "from_address": found.from_address, "subject": found.subject[:300],
            "outbox_id": outbox_id, "influencer_id": influencer_id, "processed_at": timestamp(now),
        })
    if not seen:
        summary.kinds[found.kind] += 1
        if influencer_id is None:
            summary.unmatched += 1


class InboxSession:
    """Polls the ``[imap]`` mailbox; owns its DB connection, so use it from one worker thread."""

    def __init__(self, workspace: Workspace, clock: Callable[[], datetime] = utc_now) -> None:
        self.workspace = workspace
        self.clock = clock
        self._db: sqlite_utils.Database | None = None

    def poll(self) -> InboxSummary:
        server = imap_settings(self.workspace)
        if server is None:
            raise GreenroomError(f"{self.workspace.config_path}: no [imap] section: nothing to poll")
        if self._db is None:
            self._db = open_database(self.workspace.database_path)  # owned by this worker thread
        db = self._db
        mailbox = f"{server.username}@{server.host}:{server.port}/{server.folder}"
        last = {
            validity: uid for validity, uid in db.execute(
                "SELECT uidvalidity, max(uid) FROM inbox_messages WHERE mailbox = ? GROUP BY uidvalidity", [mailbox])
        }
        reader = ImapReader(server.host, server.port, server.security, server.username, server.password,
                            server.folder, server.timeout, ca_file=server.ca_file)
        validity, messages = reader.fetch_new(last)
        summary = InboxSummary()
        for fetched in messages:
            process_message(db, mailbox, validity, fetched.uid, fetched.raw, self.clock(), summary)
        return summary

    def close(self) -> None:
        if self._db is not None:
            self._db.conn.close()
            self._db = None
