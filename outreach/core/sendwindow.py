"""When a recipient may be emailed: days and hours in their own time zone, and business-day arithmetic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@lru_cache(maxsize=1024)
def zone(name: str | None, fallback: str) -> ZoneInfo:
    """The recipient's zone, or the campaign's when theirs is unknown or not a valid IANA name."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo(fallback)


@dataclass(frozen=True)
class SendWindow:
    """Days (0 = Monday) and hours [opens, closes) in the recipient's zone; ``timezone`` is the default."""

    days: frozenset[int]
    opens: time
    closes: time
    timezone: str

    def is_open(self, moment: datetime, recipient_zone: str | None = None) -> bool:
        local = moment.astimezone(zone(recipient_zone, self.timezone))
        return local.weekday() in self.days and self.opens <= local.time() < self.closes

    def next_opening(self, moment: datetime, recipient_zone: str | None = None) -> datetime:
        """``moment`` if the window is open then, otherwise when it next opens (UTC): a retried message
        goes out in the recipient's hours like a first send, not at 3 a.m. after a backoff."""
        if self.is_open(moment, recipient_zone):
            return moment
        tz = zone(recipient_zone, self.timezone)
        local = moment.astimezone(tz)
        for offset in range(8):
            day = local.date() + timedelta(days=offset)
            opening = datetime.combine(day, self.opens, tz)
            if day.weekday() in self.days and self.opens < self.closes and opening > local:
                return opening.astimezone(UTC)
        return moment  # a window that never opens: the planner already keeps such campaigns from queueing


def add_business_days(moment: datetime, days: int, recipient_zone: str | None, fallback_zone: str) -> datetime:
    """``moment`` plus ``days`` working days (Mon-Fri) in the recipient's zone, same local clock time."""
    tz = zone(recipient_zone, fallback_zone)
    local = moment.astimezone(tz)
    current = local.date()
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return datetime.combine(current, local.timetz().replace(tzinfo=None), tz).astimezone(UTC)


def local_day_start(moment: datetime, timezone: str) -> datetime:
    """Midnight of ``moment``'s day in ``timezone``, as UTC: daily caps reset there."""
    tz = ZoneInfo(timezone)
    local = moment.astimezone(tz)
    return datetime.combine(local.date(), time(0), tz).astimezone(UTC)
