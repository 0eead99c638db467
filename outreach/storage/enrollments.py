"""The one place that writes ``enrollments``: every status change is checked against
:data:`outreach.core.enrollment.ENROLLMENT_TRANSITIONS` inside the UPDATE itself.

The allowed source statuses sit in the statement's WHERE clause, so the check and the write are one atomic
step: a sequence the sender completed a moment ago cannot be turned back into ``replied`` by the inbox, and
an ended sequence is never made active again. Callers choose *which* rows with a WHERE fragment of fixed
SQL text (never user input) and its parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlite_utils

from outreach.core.enrollment import EnrollmentStatus, allowed_sources, parse_status
from outreach.storage.influencers import timestamp


def _sources_sql(target: EnrollmentStatus) -> tuple[str, list[str]]:
    """The allowed source statuses as a condition no index serves (``+status``): every caller's WHERE
    names the few rows it means (an id, a person, a campaign), while the status index would have SQLite
    walk every active sequence (550k at agency scale) to find them."""
    sources = sorted(status.value for status in allowed_sources(target))
    return f"+status IN ({', '.join('?' for _ in sources)})", sources


def end(
    db: sqlite_utils.Database, target: EnrollmentStatus | str, now: datetime, where: str, params: Sequence[Any] = (),
    *, reason: str | None = None, reason_sql: str | None = None,
) -> int:
    """Move the matching sequences to the final status ``target``; returns how many moved.

    ``reason_sql`` is a fixed SQL expression for a reason computed per row (e.g. the new stage).
    """
    status = parse_status(target)
    allowed, sources = _sources_sql(status)
    reason_value = reason_sql or "?"
    sql = (f"UPDATE enrollments SET status = ?, stop_reason = {reason_value}, stopped_at = ?, next_due_at = NULL "  # noqa: S608 - fixed text
           f"WHERE {allowed} AND status != ? AND ({where})")
    values = [status.value, *([] if reason_sql else [reason]), timestamp(now), *sources, status.value, *params]
    return db.execute(sql, values).rowcount


def schedule_next(db: sqlite_utils.Database, moves: Iterable[tuple[int, int, datetime]]) -> None:
    """Active sequences move on: for each ``(enrollment_id, next_step, due)``, that step falls due then."""
    allowed, sources = _sources_sql(EnrollmentStatus.ACTIVE)
    db.conn.executemany(
        f"UPDATE enrollments SET next_step = ?, next_due_at = ? WHERE id = ? AND {allowed}",  # noqa: S608 - fixed text
        [(step, timestamp(due), enrollment_id, *sources) for enrollment_id, step, due in moves],
    )


def complete(db: sqlite_utils.Database, completions: Iterable[tuple[int, int, datetime]]) -> None:
    """The last step was sent: for each ``(enrollment_id, next_step, now)`` the sequence is completed."""
    status = EnrollmentStatus.COMPLETED
    allowed, sources = _sources_sql(status)
    db.conn.executemany(
        f"UPDATE enrollments SET status = ?, next_step = ?, stopped_at = ?, stop_reason = NULL, "  # noqa: S608 - fixed text
        f"next_due_at = NULL WHERE id = ? AND {allowed}",
        [(status.value, step, timestamp(now), enrollment_id, *sources) for enrollment_id, step, now in completions],
    )


def hold(db: sqlite_utils.Database, enrollment_ids: Iterable[int]) -> None:
    """A step was queued: nothing more is due until it is sent (then :func:`schedule_next` or :func:`complete`)."""
    db.conn.executemany("UPDATE enrollments SET next_due_at = NULL WHERE id = ? AND status = 'active'",
                        [(eid,) for eid in enrollment_ids])


def postpone(db: sqlite_utils.Database, influencer_id: int, until: datetime) -> int:
    """Pause a person's active sequences until ``until`` (an out-of-office): the next step is not due
    before then and resumes by itself afterwards. A step already further away is left where it is."""
    allowed, sources = _sources_sql(EnrollmentStatus.ACTIVE)
    moment = timestamp(until)
    return db.execute(
        f"""UPDATE enrollments SET next_due_at = ? WHERE influencer_id = ? AND {allowed}
            AND next_due_at IS NOT NULL AND next_due_at < ?""",  # noqa: S608 - fixed text
        [moment, influencer_id, *sources, moment],
    ).rowcount


def assign_mailbox(db: sqlite_utils.Database, assignments: Iterable[tuple[str, int]]) -> None:
    """(mailbox address, enrollment id): a first email was queued from that mailbox, which the enrollment
    keeps for every follow-up (the thread stays in one mailbox). An enrollment that has one keeps it."""
    db.conn.executemany("UPDATE enrollments SET mailbox = ? WHERE id = ? AND mailbox IS NULL", list(assignments))


def release_mailbox(db: sqlite_utils.Database, enrollment_id: int, due: str) -> int:
    """The first email was taken back, unsent, from a paused mailbox: the step is due again at ``due`` (ISO
    text) and the next tick's rotation picks a mailbox anew."""
    allowed, sources = _sources_sql(EnrollmentStatus.ACTIVE)
    return db.execute(
        f"UPDATE enrollments SET mailbox = NULL, next_due_at = ? WHERE id = ? AND next_step = 0 AND {allowed}",  # noqa: S608 - fixed text
        [due, enrollment_id, *sources],
    ).rowcount
