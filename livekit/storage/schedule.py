"""Scheduled shows in the workspace database: the calendar ``livekit schedule`` writes and ``livekit shows
--upcoming`` reads. Each change is one transaction that bumps the show's ``sequence`` and keeps the change
(with the times it set) in ``scheduled_show_changes``."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from greenroom.errors import GreenroomError
from livekit.core.clock import Clock, SystemClock
from livekit.core.schedule import ScheduledShow, ScheduleStatus, ShowPlan, schedule_key

__all__ = ["ScheduleChange", "ScheduleStore", "ScheduledShowNotFound"]

_COLUMNS = ("key, title, rundown_path, planned_total_ms, timezone, starts_at_ms, ends_at_ms, hard_out_ms, status, "
            "sequence")


class ScheduledShowNotFound(GreenroomError):
    """No scheduled show with that key."""


@dataclass(frozen=True)
class ScheduleChange:
    """One kept change of a scheduled show: what happened and the plan it left (``sequence`` 0 = scheduled)."""

    key: str
    sequence: int
    change: str
    plan: ShowPlan
    at_ms: int


class ScheduleStore:
    """The workspace's scheduled shows (one store per thread, like its sqlite_utils.Database)."""

    def __init__(self, db: sqlite_utils.Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    def schedule(self, title: str, plan: ShowPlan, *, planned_total_ms: int,
                 rundown_path: str | None = None) -> ScheduledShow:
        """Put a show on the calendar under a new key (see :func:`livekit.core.schedule.schedule_key`)."""
        now = self.clock.now_ms()
        with self.db.atomic():
            taken = [row[0] for row in self.db.execute("SELECT key FROM scheduled_shows").fetchall()]
            key = schedule_key(title, plan, taken)
            self.db.execute(
                "INSERT INTO scheduled_shows (key, title, rundown_path, planned_total_ms, timezone, starts_at_ms, "
                "ends_at_ms, hard_out_ms, status, sequence, created_ms, changed_ms) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'scheduled', 0, ?, ?)",
                [key, title, rundown_path, planned_total_ms, plan.timezone, plan.starts_at_ms, plan.ends_at_ms,
                 plan.hard_out_ms, now, now],
            )
            self._keep(key, 0, "scheduled", plan, now)
        return self.get(key)

    def move(self, key: str, plan: ShowPlan) -> ScheduledShow:
        """Give a scheduled show new times (its key stays); a cancelled show cannot be moved."""
        show = self.get(key)
        if show.cancelled:
            raise GreenroomError(f"{key} is cancelled: schedule it again with `livekit schedule RUNDOWN --at ...`")
        return self._change(show, "moved", plan, ScheduleStatus.SCHEDULED)

    def cancel(self, key: str) -> tuple[ScheduledShow, bool]:
        """Cancel a show (kept, marked cancelled); returns ``(show, changed)``: cancelling twice changes nothing."""
        show = self.get(key)
        if show.cancelled:
            return show, False
        return self._change(show, "cancelled", show.plan, ScheduleStatus.CANCELLED), True

    def _change(self, show: ScheduledShow, change: str, plan: ShowPlan, status: ScheduleStatus) -> ScheduledShow:
        now = self.clock.now_ms()
        sequence = show.sequence + 1
        with self.db.atomic():
            updated = self.db.execute(
                "UPDATE scheduled_shows SET timezone = ?, starts_at_ms = ?, ends_at_ms = ?, hard_out_ms = ?, "
                "status = ?, sequence = ?, changed_ms = ? WHERE key = ? AND sequence = ?",
                [plan.timezone, plan.starts_at_ms, plan.ends_at_ms, plan.hard_out_ms, status.value, sequence, now,
                 show.key, show.sequence],
            )
            if updated.rowcount != 1:
                raise GreenroomError(f"{show.key} was changed by someone else meanwhile: look again and retry")
            self._keep(show.key, sequence, change, plan, now)
        return self.get(show.key)

    def _keep(self, key: str, sequence: int, change: str, plan: ShowPlan, at_ms: int) -> None:
        self.db.execute(
            "INSERT INTO scheduled_show_changes (key, sequence, change, timezone, starts_at_ms, ends_at_ms, "
            "hard_out_ms, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [key, sequence, change, plan.timezone, plan.starts_at_ms, plan.ends_at_ms, plan.hard_out_ms, at_ms],
        )

    def get(self, key: str) -> ScheduledShow:
        row = self.db.execute(f"SELECT {_COLUMNS} FROM scheduled_shows WHERE key = ?",  # noqa: S608
                              [key.strip()]).fetchone()
        if row is None:
            raise ScheduledShowNotFound(f"no scheduled show {key!r} (see `livekit shows --upcoming`)")
        return _scheduled(row)

    def all(self) -> list[ScheduledShow]:
        """Every scheduled show, cancelled ones too, by planned start."""
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM scheduled_shows ORDER BY starts_at_ms, key"  # noqa: S608
        ).fetchall()
        return [_scheduled(row) for row in rows]

    def changes(self, key: str) -> list[ScheduleChange]:
        """Every change of one show, oldest first (what a calendar update or cancellation is built from)."""
        self.get(key)
        rows = self.db.execute(
            "SELECT key, sequence, change, timezone, starts_at_ms, ends_at_ms, hard_out_ms, at_ms "
            "FROM scheduled_show_changes WHERE key = ? ORDER BY sequence", [key]
        ).fetchall()
        return [ScheduleChange(row[0], row[1], row[2], ShowPlan(row[4], row[5], row[3], row[6]), row[7])
                for row in rows]


def _scheduled(row: tuple) -> ScheduledShow:
    key, title, rundown_path, planned_total, zone, starts, ends, hard_out, status, sequence = row
    return ScheduledShow(key=key, title=title, plan=ShowPlan(starts, ends, zone, hard_out),
                         planned_total_ms=planned_total, rundown_path=rundown_path,
                         status=ScheduleStatus(status), sequence=sequence)
