"""Click types for numbers that end up in SQLite or date arithmetic: see :mod:`greenroom.numbers`, where
they live so that livekit's commands use the same ones (livekit never imports outreach)."""

from __future__ import annotations

from greenroom.numbers import COUNT, DAYS, LIMIT, MAX_DAYS, ROW_ID, SQLITE_MAX_INT, check_period_days

__all__ = ["COUNT", "DAYS", "LIMIT", "MAX_DAYS", "ROW_ID", "SQLITE_MAX_INT", "check_period_days"]
