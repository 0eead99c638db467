"""The one store of platform API quota: pure ledger rules and the ``platform_quota`` table both tools write.

livekit (a show's YouTube session) and outreach (channel statistics, channel search) call the same Google
project, so they spend one daily quota. Every unit either tool spends is added to the same row (platform,
quota day), and each reads that row before trusting its own count: a restarted runner keeps its budget and
a refresh run sees what the live show already used. The table belongs to greenroom's own migration set
(:data:`MIGRATIONS`), so neither tool owns what both write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

import sqlite_utils
from sqlite_utils import Migrations

from greenroom.errors import GreenroomError

YOUTUBE = "youtube"
#: YouTube Data API v3 default: 10,000 units per project and day.
DEFAULT_DAILY_QUOTA = 10_000
#: YouTube's quota day starts at midnight Pacific Time; a fixed -8 h offset errs on the safe side in summer.
_PACIFIC_OFFSET_MS = 8 * 3_600_000
_PACIFIC = timezone(timedelta(milliseconds=-_PACIFIC_OFFSET_MS))
_DAY_MS = 86_400_000


def quota_day(now_ms: int) -> str:
    """The quota day (``YYYY-MM-DD`` in Pacific time) an instant counts against."""
    return datetime.fromtimestamp(now_ms / 1000, UTC).astimezone(_PACIFIC).date().isoformat()


def ms_until_quota_reset(now_ms: int) -> int:
    """Milliseconds until the next quota day starts (midnight Pacific, fixed UTC-8)."""
    return _DAY_MS - (now_ms - _PACIFIC_OFFSET_MS) % _DAY_MS


class QuotaExceeded(GreenroomError):
    """A call would spend more units than are left today; nothing was charged."""


@dataclass
class QuotaLedger:
    """Units used on one quota day against a daily limit (pure: the caller passes the time and the units).

    ``calls`` counts calls per name so a status line can say what the units went on.
    """

    day: str
    used: int = 0
    daily_limit: int = DEFAULT_DAILY_QUOTA
    calls: dict[str, int] = field(default_factory=dict)

    def charge(self, call: str, units: int, now_ms: int) -> int:
        """Count ``units`` for ``call``; a new quota day starts the count again. Returns ``units``."""
        today = quota_day(now_ms)
        if today != self.day:
            self.day, self.used, self.calls = today, 0, {}
        self.used += units
        self.calls[call] = self.calls.get(call, 0) + 1
        return units

    def remaining(self) -> int:
        return max(0, self.daily_limit - self.used)

    def refusal(self, units: int, what: str) -> str | None:
        """Why ``units`` more cannot be spent today (None: they fit)."""
        if units <= self.remaining():
            return None
        return (f"YouTube quota for {self.day} would be exceeded by {what} ({units} units, "
                f"{self.remaining()} of {self.daily_limit} left; resets at midnight Pacific time)")


class QuotaStore:
    """The ``platform_quota`` rows of one platform: units used per quota day, by every process together."""

    def __init__(self, db: sqlite_utils.Database, platform: str = YOUTUBE) -> None:
        self.db = db
        self.platform = platform

    def used(self, day: str) -> int:
        row = self.db.execute(
            "SELECT units FROM platform_quota WHERE platform = ? AND day = ?", [self.platform, day]
        ).fetchone()
        return int(row[0]) if row else 0

    def add(self, day: str, units: int) -> None:
        self.db.execute(
            "INSERT INTO platform_quota (platform, day, units) VALUES (?, ?, ?) "
            "ON CONFLICT (platform, day) DO UPDATE SET units = units + excluded.units",
            [self.platform, day, units],
        )

    def ledger(self, now_ms: int, daily_limit: int = DEFAULT_DAILY_QUOTA) -> QuotaLedger:
        """The ledger of the quota day of ``now_ms``, starting from what every process has used so far."""
        day = quota_day(now_ms)
        return QuotaLedger(day, self.used(day), daily_limit)

    def spend_within_limit(self, ledger: QuotaLedger, call: str, units: int, now_ms: int) -> None:
        """Charge ``units`` unless today's shared total would go over the limit (raises :class:`QuotaExceeded`).

        Re-reads the shared total first, so units spent by another process since count too.
        """
        day = quota_day(now_ms)
        if day != ledger.day:
            ledger.day, ledger.calls = day, {}
        ledger.used = self.used(day)
        refusal = ledger.refusal(units, call)
        if refusal is not None:
            raise QuotaExceeded(refusal)
        ledger.charge(call, units, now_ms)
        self.add(ledger.day, units)


MIGRATIONS = Migrations("greenroom")


@MIGRATIONS(name="platform_quota")
def create_platform_quota(db: sqlite_utils.Database) -> None:
    """Units used per platform and quota day. ``IF NOT EXISTS``: databases made before greenroom owned the
    table got it from livekit's ``questions_platform_quota_usage`` step, with exactly these columns."""
    db.execute(
        """
        CREATE TABLE IF NOT EXISTS platform_quota (
            platform TEXT NOT NULL,
            day TEXT NOT NULL,
            units INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (platform, day)
        )
        """
    )
