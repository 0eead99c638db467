"""The inbox review queue: messages a person must read before they change anyone's state.

A pending review holds back every email to the person it concerns (the outbox claim and the planner check
for one), so an opt-out the inbox was unsure of is honoured at once for sending; it becomes a permanent
suppression only when a person decides it (``outreach inbox review decide``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import sqlite_utils

from greenroom.errors import GreenroomError
from outreach.mail.inbox import Classified
from outreach.storage.influencers import timestamp


def add(db: sqlite_utils.Database, inbox_message_id: int, found: Classified, influencer_id: int | None,
        row: dict[str, Any] | None, reason: str, now: datetime) -> int:
    return cast(int, db.table("inbox_reviews").insert({
        "inbox_message_id": inbox_message_id, "influencer_id": influencer_id, "outbox_id": row["id"] if row else None,
        # A bounce's sender is the reporting server: holding mail to it would hold nobody.
        "from_address": None if found.kind in ("bounce", "delayed") else found.from_address,
        "subject": found.subject[:300], "proposed": found.kind, "reason": reason[:500],
        "excerpt": (found.excerpt or ", ".join(found.bounced))[:500],
        "received_at": timestamp(found.date) if found.date else None, "status": "pending",
        "created_at": timestamp(now),
    }).last_pk)


def pending(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return list(db.query(
        """SELECT r.id, r.proposed, r.from_address, r.subject, r.reason, r.created_at, i.name AS person
           FROM inbox_reviews r LEFT JOIN influencers i ON i.id = r.influencer_id
           WHERE r.status = 'pending' ORDER BY r.id"""))


def get(db: sqlite_utils.Database, review_id: int) -> dict[str, Any]:
    rows = list(db.query(
        """SELECT r.*, i.name AS person, m.message_id FROM inbox_reviews r
           LEFT JOIN influencers i ON i.id = r.influencer_id
           LEFT JOIN inbox_messages m ON m.id = r.inbox_message_id WHERE r.id = ?""", [review_id]))
    if not rows:
        raise GreenroomError(f"no inbox review #{review_id} (see `outreach inbox review list`)")
    return rows[0]


def close(db: sqlite_utils.Database, review_id: int, decision: str, now: datetime) -> bool:
    """pending → decided; False when someone already decided it."""
    return db.execute("UPDATE inbox_reviews SET status = 'decided', decision = ?, decided_at = ? "
                      "WHERE id = ? AND status = 'pending'", [decision, timestamp(now), review_id]).rowcount == 1
