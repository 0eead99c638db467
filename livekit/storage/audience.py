"""The ``audience_samples`` rows of a show: written once a minute by the runner, read by the reports.

A minute written again (a resumed show polls the same minute) replaces the earlier row: the primary key is
(show, platform, metric, minute).
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlite_utils

from livekit.core.audience import MINUTE_MS, AudienceSample


def record(db: sqlite_utils.Database, show_id: int, rows: Iterable[AudienceSample]) -> int:
    """Store ``rows`` of show ``show_id`` in one transaction; returns how many."""
    values = [(show_id, row.at_ms, row.platform, row.metric, row.value, row.gap_reason) for row in rows]
    if not values:
        return 0
    with db.conn:
        db.conn.executemany(
            "INSERT OR REPLACE INTO audience_samples (show_id, at_ms, platform, metric, value, gap_reason) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            values,
        )
    return len(values)


def samples(db: sqlite_utils.Database, show_id: int) -> list[AudienceSample]:
    """One sample per platform, metric and minute of show ``show_id``, by platform, metric and time.

    The table does not enforce minute starts (a row edited by hand, e.g. in Datasette, may miss one): a row is
    read as the minute it falls in, and of several rows in one minute the latest wins (SQLite returns the
    other columns of the row that gave ``max(at_ms)``), so a report neither fails nor double-counts.
    """
    cursor = db.execute(
        "SELECT at_ms - at_ms % ? AS minute, platform, metric, value, gap_reason, max(at_ms) "
        "FROM audience_samples WHERE show_id = ? GROUP BY platform, metric, minute ORDER BY platform, metric, minute",
        [MINUTE_MS, show_id],
    )
    return [AudienceSample(minute, platform, metric, value, gap_reason)
            for minute, platform, metric, value, gap_reason, _ in cursor.fetchall()]
