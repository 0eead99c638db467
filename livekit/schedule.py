"""livekit's public door to the calendar of scheduled shows, for other tools (outreach books guests for a
show by its key, and sends calendar updates from its kept changes).

An import contract in ``pyproject.toml`` lets outreach reach livekit only through this module and
:mod:`livekit.guests.booking`. Everything here reads the workspace database; the model is
:mod:`livekit.core.schedule` (re-exported), the storage :mod:`livekit.storage.schedule`.

    upcoming_shows(db, now_ms=...) -> [ScheduledShow]     # not over yet, soonest first
    next_scheduled_show(db, now_ms=...) -> ScheduledShow | None
    scheduled_show(db, key) -> ScheduledShow              # ScheduledShowNotFound when there is no such key
                                                          # .join_url / .location: where guests join (or None)
    schedule_changes(db, key) -> [ScheduleChange]         # sequence 0 = scheduled, then each move/change/cancel
    unreadable_shows(db) -> [UnreadableScheduledShow]     # rows that are no valid plan (left out above;
                                                          # scheduled_show raises UnusableScheduledShow)
"""

from __future__ import annotations

import sqlite_utils

from greenroom.clock import wall_clock_ms
from livekit.core.schedule import ScheduledShow, ScheduleStatus, ShowPlan, next_scheduled, upcoming
from livekit.storage.schedule import (
    ScheduleChange,
    ScheduledShowNotFound,
    ScheduleStore,
    UnreadableScheduledShow,
    UnusableScheduledShow,
)

__all__ = [
    "ScheduleChange",
    "ScheduleStatus",
    "ScheduledShow",
    "ScheduledShowNotFound",
    "ShowPlan",
    "UnreadableScheduledShow",
    "UnusableScheduledShow",
    "next_scheduled_show",
    "schedule_changes",
    "scheduled_show",
    "unreadable_shows",
    "upcoming_shows",
]


def upcoming_shows(db: sqlite_utils.Database, *, now_ms: int | None = None,
                   include_cancelled: bool = False) -> list[ScheduledShow]:
    """Scheduled shows not over yet (planned end after ``now_ms``, default now), soonest first; cancelled
    ones only with ``include_cancelled``."""
    now = wall_clock_ms() if now_ms is None else now_ms
    return upcoming(ScheduleStore(db).all(), now, include_cancelled=include_cancelled)


def next_scheduled_show(db: sqlite_utils.Database, *, now_ms: int | None = None) -> ScheduledShow | None:
    """The scheduled, not cancelled show that comes next (None when the calendar is empty)."""
    return next_scheduled(ScheduleStore(db).all(), wall_clock_ms() if now_ms is None else now_ms)


def scheduled_show(db: sqlite_utils.Database, key: str) -> ScheduledShow:
    """The scheduled show with ``key`` (cancelled or not: check ``.cancelled``)."""
    return ScheduleStore(db).get(key)


def schedule_changes(db: sqlite_utils.Database, key: str) -> list[ScheduleChange]:
    """Every kept change of the show ``key``, oldest first."""
    return ScheduleStore(db).changes(key)


def unreadable_shows(db: sqlite_utils.Database) -> list[UnreadableScheduledShow]:
    """Scheduled shows whose stored plan cannot be used (e.g. a start in the year 9999, written before plans
    were bounded), cancelled ones too: listings name them so they can be cancelled."""
    return ScheduleStore(db).unreadable()
