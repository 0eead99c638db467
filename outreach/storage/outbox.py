"""The outbox: one row per (enrollment, step), moving queued → sending → sent / failed / bounced / uncertain.

``sending`` is committed before the SMTP DATA command. A row still ``sending`` when a process starts was
interrupted mid-delivery: it becomes ``uncertain`` and is never re-sent until a person decides
(:func:`resolve`). That is the whole crash-safety story: at most one copy, and no silent loss.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from greenroom.errors import GreenroomError
from outreach.core.campaign import OutboxState
from outreach.storage.influencers import timestamp as _ts

#: The states as plain text, for choices on the command line (the type is :class:`OutboxState`).
STATES: tuple[str, ...] = tuple(state.value for state in OutboxState)
#: Delays before retrying a temporary (4xx) failure; after the last one the message fails.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
                timedelta(hours=6))


def _due_where(now: datetime, sender_address: str | None) -> tuple[str, list[Any]]:
    """Guest emails (``kind`` 'guest') have no campaign: they are due whatever any campaign's status."""
    sql = """FROM outbox o LEFT JOIN campaigns c ON c.id = o.campaign_id
             WHERE o.state = 'queued' AND (o.campaign_id IS NULL OR c.status = 'active')
               AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= ?)
               AND NOT EXISTS (SELECT 1 FROM mailboxes m WHERE m.address = o.sender_address
                               AND m.paused_at IS NOT NULL AND (m.paused_until IS NULL OR m.paused_until > ?))"""
    params: list[Any] = [_ts(now), _ts(now)]
    if sender_address is not None:
        sql += " AND o.sender_address = ?"
        params.append(sender_address)
    return sql, params


def insert_queued(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> None:
    """New ``queued`` rows, all with the same columns (what the tick renders), in one executemany:
    ``insert_all`` inspects and converts every value of every row first, a tenth of a tick's own cost."""
    columns = list(rows[0])
    names, marks = ", ".join(f'"{column}"' for column in columns), ", ".join("?" for _ in columns)
    db.conn.executemany(f"INSERT INTO outbox ({names}) VALUES ({marks})",  # noqa: S608 - our own column names
                        [[row[column] for column in columns] for row in rows])


def due_rows(
    db: sqlite_utils.Database, now: datetime, limit: int | None = None, sender_address: str | None = None
) -> list[dict[str, Any]]:
    """Queued messages whose campaign is active, whose mailbox is not paused and whose retry time (if any)
    has come, oldest first (only those sent from ``sender_address`` when given)."""
    where, params = _due_where(now, sender_address)
    sql = f"SELECT o.* {where} ORDER BY o.id"  # noqa: S608 - fixed text
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return list(db.query(sql, params))


def due_count(db: sqlite_utils.Database, now: datetime, sender_address: str | None = None) -> int:
    """How many :func:`due_rows` there are, without reading them (a mailbox's backlog, every tick)."""
    where, params = _due_where(now, sender_address)
    return int(db.execute(f"SELECT count(*) {where}", params).fetchone()[0])  # noqa: S608 - fixed text


def claim(db: sqlite_utils.Database, outbox_id: int, now: datetime, raw: str | None = None) -> bool:
    """queued → sending, committed before a byte reaches the server; ``raw``, when given (the message as it
    is about to go out, dated again), replaces the stored bytes in the same statement, so the row shows
    what was sent.

    False if someone else took it, or if the recipient is suppressed, their sequence is no longer active (a
    guest email, ``kind`` 'guest', has no sequence) or
    they are do-not-contact, or a message of theirs waits in the inbox review queue (an opt-out the inbox
    was unsure of is honoured at once): those conditions sit in the same UPDATE, so a reply or opt-out recorded by the
    inbox thread a moment earlier can never slip between a check and the claim.
    """
    cursor = db.execute(
        """UPDATE outbox SET state = 'sending', sending_at = ?, attempts = attempts + 1, raw = coalesce(?, raw)
           WHERE id = ? AND state = 'queued'
             AND NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.email = lower(outbox.to_address))
             AND (EXISTS (SELECT 1 FROM enrollments e JOIN influencers i ON i.id = e.influencer_id
                          WHERE e.id = outbox.enrollment_id AND e.status = 'active'
                            AND i.stage != 'do-not-contact')
                  OR (outbox.kind = 'guest' AND EXISTS (SELECT 1 FROM influencers i
                      WHERE i.id = outbox.influencer_id AND i.stage != 'do-not-contact')))
             AND NOT EXISTS (SELECT 1 FROM inbox_reviews r WHERE r.status = 'pending'
                             AND (r.influencer_id = outbox.influencer_id OR r.from_address = lower(outbox.to_address)))""",
        [_ts(now), raw, outbox_id],
    )
    return cursor.rowcount == 1


def release(db: sqlite_utils.Database, outbox_id: int, error: str) -> None:
    """sending → queued when we know nothing was delivered (the server refused before DATA)."""
    db.execute(
        "UPDATE outbox SET state = 'queued', attempts = attempts - 1, last_error = ? WHERE id = ? AND state = 'sending'",
        [error, outbox_id],
    )


def note_error(db: sqlite_utils.Database, outbox_id: int, error: str) -> None:
    """Why a queued email did not go this time (its server could not be reached): shown by ``outbox list``."""
    with db.atomic():
        db.execute("UPDATE outbox SET last_error = ? WHERE id = ? AND state = 'queued'", [error, outbox_id])


def mark_sent(db: sqlite_utils.Database, outbox_id: int, now: datetime, *, copy_to_sent: bool = False,
              sequence_pending: bool = False) -> None:
    """Delivered; ``copy_to_sent`` also marks it for the IMAP Sent folder (:func:`pending_sent_copies`);
    ``sequence_pending``: its sequence is still to move on (:func:`sequences_to_move_on`)."""
    # Only the columns that change: SQLite rewrites an index entry for every indexed column a SET names,
    # even to the same value (sent_copy, sequence_pending), one more page to log per email.
    changes = "state = 'sent', sent_at = ?, last_error = NULL"
    values: list[Any] = [_ts(now)]
    if copy_to_sent:
        changes += ", sent_copy = 'pending'"
    if sequence_pending:
        changes += ", sequence_pending = 1"
    db.conn.execute(f"UPDATE outbox SET {changes} WHERE id = ?", [*values, outbox_id])  # noqa: S608 - fixed text


def sequences_to_move_on(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Sent emails whose sequence has not moved on yet: left by a crash between the two, oldest first."""
    return list(db.query("SELECT * FROM outbox WHERE sequence_pending = 1 ORDER BY id"))


def sequences_moved_on(db: sqlite_utils.Database, outbox_ids: list[int]) -> None:
    db.conn.executemany("UPDATE outbox SET sequence_pending = NULL WHERE id = ? AND sequence_pending = 1",
                        [(outbox_id,) for outbox_id in outbox_ids])


#: APPEND attempts for one Sent-folder copy before it is given up (``sent_copy = 'failed'``).
SENT_COPY_ATTEMPTS = 10


def pending_sent_copies(db: sqlite_utils.Database, limit: int = 200) -> list[dict[str, Any]]:
    """Sent emails still to be appended to the Sent folder, oldest first, with exactly the bytes sent."""
    return list(db.query(
        "SELECT id, sender_address, message_id, raw, sent_at, sent_copy_attempts FROM outbox "
        "WHERE sent_copy = 'pending' AND state = 'sent' ORDER BY id LIMIT ?", [limit],
    ))


def mark_sent_copy(db: sqlite_utils.Database, outbox_id: int, error: str | None) -> str:
    """Record one APPEND attempt: ``copied``, or still ``pending`` with the error until the attempts are
    used up (then ``failed``). Returns the new state."""
    if error is None:
        db.execute("UPDATE outbox SET sent_copy = 'copied', sent_copy_error = NULL, "
                   "sent_copy_attempts = sent_copy_attempts + 1 WHERE id = ?", [outbox_id])
        return "copied"
    db.execute(
        "UPDATE outbox SET sent_copy_attempts = sent_copy_attempts + 1, sent_copy_error = ?, "
        "sent_copy = CASE WHEN sent_copy_attempts + 1 >= ? THEN 'failed' ELSE 'pending' END WHERE id = ?",
        [error, SENT_COPY_ATTEMPTS, outbox_id],
    )
    return str(db.execute("SELECT sent_copy FROM outbox WHERE id = ?", [outbox_id]).fetchone()[0])


def mark_retry(
    db: sqlite_utils.Database, row: dict[str, Any], error: str, now: datetime,
    allowed: Callable[[datetime], datetime] = lambda moment: moment,
) -> bool:
    """A temporary failure: back to queued with backoff; False (and ``failed``) once retries are used up.

    ``allowed`` moves the backoff's end to when the message may go out (the recipient's send window)."""
    attempts = row["attempts"] + 1
    if attempts > len(RETRY_DELAYS):
        db.execute("UPDATE outbox SET state = 'failed', last_error = ? WHERE id = ?", [error, row["id"]])
        return False
    db.execute(
        "UPDATE outbox SET state = 'queued', next_attempt_at = ?, last_error = ? WHERE id = ?",
        [_ts(allowed(now + RETRY_DELAYS[attempts - 1])), error, row["id"]],
    )
    return True


def mark_final(db: sqlite_utils.Database, outbox_id: int, state: str, error: str, now: datetime) -> None:
    outcome = "bounced" if state == "bounced" else None
    db.execute(
        "UPDATE outbox SET state = ?, last_error = ?, outcome = coalesce(outcome, ?), "
        "outcome_at = coalesce(outcome_at, ?) WHERE id = ?",
        [state, error, outcome, _ts(now) if outcome else None, outbox_id],
    )


# ------------------------------------------------------------------------------------- mailbox pauses


def pause_mailbox(db: sqlite_utils.Database, address: str, reason: str, now: datetime,
                  until: datetime | None) -> None:
    """Stop sending from ``address`` (its queue is kept) with the server's words; ``until`` None: until
    :func:`resume_mailbox`."""
    db.execute(
        """INSERT INTO mailboxes (address, paused_at, paused_until, pause_reason) VALUES (?, ?, ?, ?)
           ON CONFLICT(address) DO UPDATE SET paused_at = excluded.paused_at,
                  paused_until = excluded.paused_until, pause_reason = excluded.pause_reason""",
        [address.lower(), _ts(now), _ts(until) if until else None, reason],
    )


def resume_mailbox(db: sqlite_utils.Database, address: str) -> bool:
    """Lift a pause; False if ``address`` was not paused."""
    return db.execute(
        "UPDATE mailboxes SET paused_at = NULL, paused_until = NULL, pause_reason = NULL "
        "WHERE address = ? AND paused_at IS NOT NULL",
        [address.lower()],
    ).rowcount == 1


def paused_mailboxes(db: sqlite_utils.Database, now: datetime) -> dict[str, dict[str, Any]]:
    """Mailboxes paused at ``now``: address → its row (paused_at, paused_until, pause_reason)."""
    return {
        row["address"]: row for row in db.query(
            "SELECT address, paused_at, paused_until, pause_reason FROM mailboxes "
            "WHERE paused_at IS NOT NULL AND (paused_until IS NULL OR paused_until > ?) ORDER BY address",
            [_ts(now)],
        )
    }


def cancel(db: sqlite_utils.Database, outbox_id: int, reason: str) -> None:
    db.execute("UPDATE outbox SET state = 'cancelled', last_error = ? WHERE id = ? AND state IN ('queued', 'sending')",
               [reason, outbox_id])


def recover_interrupted(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """At startup: every row left in ``sending`` by a crash becomes ``uncertain``; returned for reporting."""
    with db.atomic():
        rows = list(db.query("SELECT id, to_address, step, campaign_id, sending_at FROM outbox WHERE state = 'sending'"))
        db.execute(
            "UPDATE outbox SET state = 'uncertain', last_error = 'interrupted during delivery' WHERE state = 'sending'"
        )
    return rows


def uncertain_rows(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return list(db.query(
        "SELECT id, to_address, step, campaign_id, sending_at, last_error FROM outbox WHERE state = 'uncertain' "
        "ORDER BY id"
    ))


def get_row(db: sqlite_utils.Database, outbox_id: int) -> dict[str, Any]:
    rows = list(db.query("SELECT * FROM outbox WHERE id = ?", [outbox_id]))
    if not rows:
        raise GreenroomError(f"no outbox message #{outbox_id}")
    return rows[0]


def list_rows(db: sqlite_utils.Database, state: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    where, params = ("WHERE o.state = ?", [state]) if state else ("", [])
    return list(db.query(
        f"""SELECT o.id, coalesce(c.name, 'guest emails') AS campaign, o.step, o.to_address, o.sender_address, o.state, o.attempts,
                   o.queued_at, o.sent_at, o.last_error, o.message_id FROM outbox o LEFT JOIN campaigns c ON c.id = o.campaign_id {where}
            ORDER BY o.id DESC LIMIT ?""",  # noqa: S608 - fixed text
        [*params, limit],
    ))
