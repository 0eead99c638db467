"""livekit's one public door for other tools: book a person as a guest of a show, move or cancel the
booking, and read back what they did on air.

outreach books an influencer who said yes through this module and nothing else of livekit (an import
contract in ``pyproject.toml`` enforces it), so livekit stays free to change its tables, its queue and its
show storage. The guest's tables come with livekit's migration set, which ``greenroom.db`` applies for
every tool; a caller needs only the workspace database.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from greenroom.clock import wall_clock_ms
from greenroom.errors import GreenroomError
from livekit.guests.core import ACTIVE_STATUSES, GuestError, GuestStatus
from livekit.guests.queue import GuestQueue
from livekit.schedule import ScheduledShowNotFound, next_scheduled_show, scheduled_show
from livekit.storage.shows import ShowNotFound, show_key_for

__all__ = [
    "BookingChange",
    "GuestBooking",
    "ShowNotBookable",
    "ShowNotFound",
    "appearances_of_influencer",
    "book_guest",
    "bookable_show",
    "booking_changes",
    "cancel_booking",
    "current_bookings",
    "influencers_with_appearances",
    "move_booking",
    "resolve_show",
]


class ShowNotBookable(GreenroomError):
    """Nobody can be booked for that show: it is not on the calendar, it is cancelled, or it is over."""


@dataclass(frozen=True)
class GuestBooking:
    """Who is booked. ``influencer_id`` is the outreach record the guest came from (kept on the guest row,
    without a foreign key: a guest must outlive the influencer being deleted)."""

    influencer_id: int
    name: str
    title_or_handle: str = ""
    contact: str = ""
    topic: str = ""
    talking_points: Sequence[str] = ()
    booked_by: str = ""


def resolve_show(db: sqlite_utils.Database, reference: str | None) -> str | None:
    """The show key guests are stored under for a user's reference: ``None`` (the next show that starts)
    stays ``None``, ``12`` or ``#12`` becomes ``#12 <title>`` (:class:`ShowNotFound` if there is no such
    show), anything else is taken as a key already."""
    return show_key_for(db, reference)


def bookable_show(db: sqlite_utils.Database, reference: str | None, *, now_ms: int | None = None) -> str | None:
    """The show key a new booking goes under, checked: ``None`` is the next scheduled show
    (:func:`livekit.schedule.next_scheduled_show`), or "the next show that starts" (``None``) when the calendar
    is empty; ``12``/``#12`` is a show of `livekit shows` that has not ended; anything else must be the key
    of a scheduled show that is neither cancelled nor over. Raises :class:`ShowNotBookable` otherwise."""
    now = wall_clock_ms() if now_ms is None else now_ms
    if reference is None:
        upcoming = next_scheduled_show(db, now_ms=now)
        return None if upcoming is None else upcoming.key
    if re.fullmatch(r"#?\d+", reference.strip()):
        key = resolve_show(db, reference)
        ended = db.execute("SELECT 1 FROM shows WHERE id = ? AND status = 'ended'",
                           [int(reference.strip().lstrip("#"))]).fetchone()
        if ended:
            raise ShowNotBookable(f"show {key} has ended: book them for a show still to come")
        return key
    try:
        show = scheduled_show(db, reference)
    except ScheduledShowNotFound:
        raise ShowNotBookable(f"no scheduled show {reference!r} (see `livekit shows --upcoming`)") from None
    if show.cancelled:
        raise ShowNotBookable(f"{show.key} ({show.title}) is cancelled: pick another show "
                              "(`livekit shows --upcoming`)")
    if not show.is_upcoming(now):
        raise ShowNotBookable(f"{show.key} ({show.title}) is over: pick a show still to come "
                              "(`livekit shows --upcoming`)")
    return show.key


def book_guest(db: sqlite_utils.Database, booking: GuestBooking, *, show: str | None) -> tuple[dict[str, Any], bool]:
    """Book ``booking`` as a *confirmed* guest of ``show`` (a key from :func:`resolve_show`; None: the next
    show). Returns ``(guest, newly booked)``: a person still booked for that show (not done, not a no-show)
    is returned as is, so re-running a command never creates a second guest.

    Runs in one transaction (a savepoint inside the caller's, so the caller can record the booking too).
    """
    queue = GuestQueue(db)
    existing = db.execute(
        "SELECT id FROM guests WHERE influencer_id = ? AND show IS ? AND status NOT IN ('done', 'no_show')",
        [booking.influencer_id, show],
    ).fetchone()
    if existing is not None:
        return queue.get(existing[0]), False
    with db.atomic():
        guest = queue.add(
            show, status=GuestStatus.CONFIRMED, name=booking.name, title_or_handle=booking.title_or_handle,
            contact=booking.contact, topic=booking.topic, talking_points=list(booking.talking_points),
            booked_by=booking.booked_by,
        )
        db.execute("UPDATE guests SET influencer_id = ? WHERE id = ?", [booking.influencer_id, guest["id"]])
        _log_change(db, guest["id"], booking.influencer_id, "booked", None, show, booking.booked_by)
    return queue.get(guest["id"]), True


@dataclass(frozen=True)
class BookingChange:
    """One line of the guest log of bookings: ``change`` is booked, moved or cancelled; a show of ``None``
    is "the next show that starts"."""

    guest_id: int
    influencer_id: int | None
    change: str
    from_show: str | None
    to_show: str | None
    booked_by: str
    at_ms: int


def _log_change(db: sqlite_utils.Database, guest_id: int, influencer_id: int | None, change: str,
                from_show: str | None, to_show: str | None, booked_by: str) -> None:
    db.execute(
        "INSERT INTO guest_booking_changes (guest_id, influencer_id, change, from_show, to_show, booked_by, at_ms) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [guest_id, influencer_id, change, from_show, to_show, booked_by, wall_clock_ms()],
    )


def current_bookings(db: sqlite_utils.Database, influencer_id: int) -> list[dict[str, Any]]:
    """The person's guest bookings still to come (not on air, done or a no-show), oldest first."""
    queue = GuestQueue(db)
    rows = db.execute("SELECT id FROM guests WHERE influencer_id = ? ORDER BY created_ms, id",
                      [influencer_id]).fetchall()
    guests = [queue.get(row[0]) for row in rows]
    return [guest for guest in guests
            if guest["status"] in ACTIVE_STATUSES and guest["status"] != GuestStatus.ON_AIR]


def _the_booking(db: sqlite_utils.Database, influencer_id: int, from_show: str | None,
                 from_given: bool) -> dict[str, Any]:
    bookings = current_bookings(db, influencer_id)
    if from_given:
        bookings = [guest for guest in bookings if guest["show"] == from_show]
    if not bookings:
        where = f" for {from_show or 'the next show'}" if from_given else ""
        raise GuestError(f"influencer #{influencer_id} has no booking still to come{where}")
    if len(bookings) > 1:
        shows = ", ".join(repr(guest["show"] or "the next show") for guest in bookings)
        raise GuestError(f"influencer #{influencer_id} is booked for several shows ({shows}): say which one")
    return bookings[0]


def move_booking(db: sqlite_utils.Database, influencer_id: int, to_show: str | None, *,
                 from_show: str | None = None, from_given: bool = False) -> tuple[dict[str, Any], str | None]:
    """Move the person's booking still to come (the one for ``from_show`` when ``from_given``) to ``to_show``
    (a key from :func:`bookable_show`), logged as ``moved``. Returns ``(guest, the show they left)``."""
    queue = GuestQueue(db)
    with db.atomic():
        guest = _the_booking(db, influencer_id, from_show, from_given)
        if guest["show"] == to_show:
            raise GuestError(f"{guest['name']} is already booked for {to_show or 'the next show'}")
        moved = queue.reassign(guest["id"], to_show)
        _log_change(db, guest["id"], influencer_id, "moved", guest["show"], to_show, guest["booked_by"])
    return moved, guest["show"]


def cancel_booking(db: sqlite_utils.Database, influencer_id: int, *, from_show: str | None = None,
                   from_given: bool = False) -> dict[str, Any]:
    """Cancel the person's booking still to come: the guest leaves the queue (never on air, so no appearance
    is lost) and the guest log keeps a ``cancelled`` line. Returns the guest as it was."""
    queue = GuestQueue(db)
    with db.atomic():
        guest = _the_booking(db, influencer_id, from_show, from_given)
        queue.remove(guest["id"])
        _log_change(db, guest["id"], influencer_id, "cancelled", guest["show"], None, guest["booked_by"])
    return guest


def booking_changes(db: sqlite_utils.Database, influencer_id: int | None = None) -> list[BookingChange]:
    """The guest log of bookings, oldest first (one person's when ``influencer_id`` is given)."""
    where, params = ("WHERE influencer_id = ?", [influencer_id]) if influencer_id is not None else ("", [])
    rows = db.execute(
        "SELECT guest_id, influencer_id, change, from_show, to_show, booked_by, at_ms "  # noqa: S608 - fixed
        f"FROM guest_booking_changes {where} ORDER BY at_ms, id", params).fetchall()
    return [BookingChange(*row) for row in rows]


def appearances_of_influencer(db: sqlite_utils.Database, influencer_id: int) -> list[dict[str, Any]]:
    """What the person actually did on air, oldest first: one dict per logged appearance with ``id``,
    ``show``, ``segment``, ``on_air_ms``, ``off_air_ms`` (None while on air), ``duration_ms`` and the
    team's ``notes``. Rehearsals log nothing, so every entry is a real appearance."""
    keys = ("id", "show", "segment", "guest_name", "on_air_ms", "off_air_ms", "duration_ms", "notes")
    return [{key: entry[key] for key in keys} for entry in GuestQueue(db).log(influencer_id=influencer_id)]


def influencers_with_appearances(db: sqlite_utils.Database) -> list[int]:
    """The influencer ids of every guest who has gone on air at least once, smallest first."""
    rows = db.execute("SELECT DISTINCT influencer_id FROM guest_appearances WHERE influencer_id IS NOT NULL "
                      "ORDER BY influencer_id").fetchall()
    return [row[0] for row in rows]
