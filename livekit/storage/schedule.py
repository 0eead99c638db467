"""Scheduled shows in the workspace database: the calendar ``livekit schedule`` writes and ``livekit shows
--upcoming`` reads. Each change (new times, a new join link or location, a cancellation) is one transaction that
bumps the show's ``sequence`` and keeps the change (with the times it set) in ``scheduled_show_changes``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import sqlite_utils

from greenroom.errors import GreenroomError
from livekit.core.clock import Clock, SystemClock
from livekit.core.schedule import (
    ScheduledShow,
    ScheduleStatus,
    ShowPlan,
    parse_join_url,
    parse_location,
    schedule_key,
)

__all__ = ["KEEP", "ScheduleChange", "ScheduleStore", "ScheduledShowNotFound", "UnreadableScheduledShow",
           "UnusableScheduledShow"]

_COLUMNS = ("key, title, rundown_path, planned_total_ms, timezone, starts_at_ms, ends_at_ms, hard_out_ms, status, "
            "sequence, join_url, location")


class _Keep(Enum):
    KEEP = "keep"


#: For :meth:`ScheduleStore.move`: leave the join link (or location) as it is (None removes it).
KEEP = _Keep.KEEP


class ScheduledShowNotFound(GreenroomError):
    """No scheduled show with that key."""


class UnusableScheduledShow(GreenroomError):
    """A scheduled show whose stored row cannot be used (see :class:`UnreadableScheduledShow`)."""


@dataclass(frozen=True)
class UnreadableScheduledShow:
    """A row of ``scheduled_shows`` that is no valid plan, e.g. a start in the year 9999 written before
    plans were bounded to :data:`livekit.core.schedule.PLANNED_YEARS`. Listings show it with its problem
    instead of failing, and it can still be cancelled (nothing else: it cannot be booked, run or moved)."""

    key: str
    title: str
    status: str
    sequence: int
    problem: str

    @property
    def cancelled(self) -> bool:
        return self.status == ScheduleStatus.CANCELLED.value

    def unusable(self) -> UnusableScheduledShow:
        remedy = "" if self.cancelled else f": cancel it with `livekit schedule --cancel {self.key}`"
        return UnusableScheduledShow(f"scheduled show {self.key!r} cannot be used ({self.problem}){remedy}")


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

    def schedule(self, title: str, plan: ShowPlan, *, planned_total_ms: int, rundown_path: str | None = None,
                 join_url: str | None = None, location: str | None = None) -> ScheduledShow:
        """Put a show on the calendar under a new key (see :func:`livekit.core.schedule.schedule_key`).
        ``join_url`` and ``location`` are checked (:func:`livekit.core.schedule.parse_join_url`,
        :func:`~livekit.core.schedule.parse_location`): a ScheduleError names the mistake."""
        join_url, location = _checked(join_url), _checked(location, parse_location)
        now = self.clock.now_ms()
        with self.db.atomic():
            taken = [row[0] for row in self.db.execute("SELECT key FROM scheduled_shows").fetchall()]
            key = schedule_key(title, plan, taken)
            self.db.execute(
                "INSERT INTO scheduled_shows (key, title, rundown_path, planned_total_ms, timezone, starts_at_ms, "
                "ends_at_ms, hard_out_ms, status, sequence, created_ms, changed_ms, join_url, location) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'scheduled', 0, ?, ?, ?, ?)",
                [key, title, rundown_path, planned_total_ms, plan.timezone, plan.starts_at_ms, plan.ends_at_ms,
                 plan.hard_out_ms, now, now, join_url, location],
            )
            self._keep(key, 0, "scheduled", plan, now)
            # Read back before committing: a show that could not be listed afterwards is never written.
            return self.get(key)

    def move(self, key: str, plan: ShowPlan | None = None, *, join_url: str | None | _Keep = KEEP,
             location: str | None | _Keep = KEEP) -> ScheduledShow:
        """Give a scheduled show new times, a new join link or location (its key stays); a cancelled show
        cannot be changed. Any of them raises the sequence, so guests get an updated invite; giving the
        same link and location again without new times changes nothing."""
        show = self.get(key)
        if show.cancelled:
            raise GreenroomError(f"{key} is cancelled: schedule it again with `livekit schedule RUNDOWN --at ...`")
        new_join_url = show.join_url if join_url is KEEP else _checked(join_url)
        new_location = show.location if location is KEEP else _checked(location, parse_location)
        if plan is None and (new_join_url, new_location) == (show.join_url, show.location):
            return show
        return self._change(show, "changed" if plan is None else "moved", plan or show.plan,
                            ScheduleStatus.SCHEDULED, join_url=new_join_url, location=new_location)

    def cancel(self, key: str) -> tuple[ScheduledShow | UnreadableScheduledShow, bool]:
        """Cancel a show (kept, marked cancelled); returns ``(show, changed)``: cancelling twice changes nothing.
        An unreadable row can be cancelled too (the one repair it allows)."""
        found = self._read(key)
        if isinstance(found, UnreadableScheduledShow):
            return self._cancel_unreadable(found)
        show = found
        if show.cancelled:
            return show, False
        return self._change(show, "cancelled", show.plan, ScheduleStatus.CANCELLED,
                            join_url=show.join_url, location=show.location), True

    def _change(self, show: ScheduledShow, change: str, plan: ShowPlan, status: ScheduleStatus, *,
                join_url: str | None, location: str | None) -> ScheduledShow:
        now = self.clock.now_ms()
        sequence = show.sequence + 1
        with self.db.atomic():
            updated = self.db.execute(
                "UPDATE scheduled_shows SET timezone = ?, starts_at_ms = ?, ends_at_ms = ?, hard_out_ms = ?, "
                "status = ?, sequence = ?, changed_ms = ?, join_url = ?, location = ? WHERE key = ? AND sequence = ?",
                [plan.timezone, plan.starts_at_ms, plan.ends_at_ms, plan.hard_out_ms, status.value, sequence, now,
                 join_url, location, show.key, show.sequence],
            )
            if updated.rowcount != 1:
                raise GreenroomError(f"{show.key} was changed by someone else meanwhile: look again and retry")
            self._keep(show.key, sequence, change, plan, now)
            return self.get(show.key)

    def _cancel_unreadable(self, show: UnreadableScheduledShow) -> tuple[UnreadableScheduledShow, bool]:
        """Mark an unreadable row cancelled and keep the change with the times the row had, as they are."""
        if show.cancelled:
            return show, False
        now, sequence = self.clock.now_ms(), show.sequence + 1
        with self.db.atomic():
            updated = self.db.execute(
                "UPDATE scheduled_shows SET status = ?, sequence = ?, changed_ms = ? WHERE key = ? AND sequence = ?",
                [ScheduleStatus.CANCELLED.value, sequence, now, show.key, show.sequence],
            )
            if updated.rowcount != 1:
                raise GreenroomError(f"{show.key} was changed by someone else meanwhile: look again and retry")
            self.db.execute(
                "INSERT INTO scheduled_show_changes (key, sequence, change, timezone, starts_at_ms, ends_at_ms, "
                "hard_out_ms, at_ms) SELECT key, ?, 'cancelled', timezone, starts_at_ms, ends_at_ms, hard_out_ms, ? "
                "FROM scheduled_shows WHERE key = ?", [sequence, now, show.key],
            )
        found = self._read(show.key)
        assert isinstance(found, UnreadableScheduledShow)
        return found, True

    def _keep(self, key: str, sequence: int, change: str, plan: ShowPlan, at_ms: int) -> None:
        self.db.execute(
            "INSERT INTO scheduled_show_changes (key, sequence, change, timezone, starts_at_ms, ends_at_ms, "
            "hard_out_ms, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [key, sequence, change, plan.timezone, plan.starts_at_ms, plan.ends_at_ms, plan.hard_out_ms, at_ms],
        )

    def get(self, key: str) -> ScheduledShow:
        """The show ``key``: ScheduledShowNotFound when there is none, UnusableScheduledShow when its row
        cannot be read (see :class:`UnreadableScheduledShow`)."""
        found = self._read(key)
        if isinstance(found, UnreadableScheduledShow):
            raise found.unusable()
        return found

    def _read(self, key: str) -> ScheduledShow | UnreadableScheduledShow:
        row = self.db.execute(f"SELECT {_COLUMNS} FROM scheduled_shows WHERE key = ?",  # noqa: S608
                              [key.strip()]).fetchone()
        if row is None:
            raise ScheduledShowNotFound(f"no scheduled show {key!r} (see `livekit shows --upcoming`)")
        return _scheduled(row)

    def _read_all(self) -> list[ScheduledShow | UnreadableScheduledShow]:
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM scheduled_shows ORDER BY starts_at_ms, key"  # noqa: S608
        ).fetchall()
        return [_scheduled(row) for row in rows]

    def all(self) -> list[ScheduledShow]:
        """Every scheduled show, cancelled ones too, by planned start (unreadable rows left out: see
        :meth:`unreadable`)."""
        return [show for show in self._read_all() if isinstance(show, ScheduledShow)]

    def unreadable(self) -> list[UnreadableScheduledShow]:
        """The rows that are no valid plan (:class:`UnreadableScheduledShow`), cancelled ones too."""
        return [show for show in self._read_all() if isinstance(show, UnreadableScheduledShow)]

    def changes(self, key: str) -> list[ScheduleChange]:
        """Every change of one show, oldest first (what a calendar update or cancellation is built from)."""
        self.get(key)
        rows = self.db.execute(
            "SELECT key, sequence, change, timezone, starts_at_ms, ends_at_ms, hard_out_ms, at_ms "
            "FROM scheduled_show_changes WHERE key = ? ORDER BY sequence", [key]
        ).fetchall()
        return [ScheduleChange(row[0], row[1], row[2], ShowPlan(row[4], row[5], row[3], row[6]), row[7])
                for row in rows]


def _checked(text: str | None, parse: Callable[[str], str | None] = parse_join_url) -> str | None:
    return None if text is None else parse(text)


def _scheduled(row: tuple) -> ScheduledShow | UnreadableScheduledShow:
    key, title, rundown_path, planned_total, zone, starts, ends, hard_out, status, sequence, join_url, location = row
    try:
        return ScheduledShow(key=key, title=title, plan=ShowPlan(starts, ends, zone, hard_out),
                             planned_total_ms=planned_total, rundown_path=rundown_path,
                             status=ScheduleStatus(status), sequence=sequence, join_url=join_url, location=location)
    except ValueError as error:  # ScheduleError included: a plan out of bounds, an unknown zone or status
        return UnreadableScheduledShow(key=key, title=title, status=status, sequence=sequence, problem=str(error))
