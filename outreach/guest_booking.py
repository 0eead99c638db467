"""Where outreach meets livekit: an influencer who said yes is booked as a guest of a show.

Only through livekit's public booking API (:mod:`livekit.guests.booking`): outreach never touches livekit's
tables or storage classes itself.

The guest row keeps the influencer's id, the influencer's history records the booking and their
pipeline stage becomes `agreed`. Booking the same person twice for the same show returns the first
booking, so re-running a command never creates duplicate guests. Moving and cancelling a booking are
recorded on both sides (the person's history here, livekit's guest log of bookings there).

When the person actually goes on air, livekit logs an appearance (never a rehearsal); outreach reads
those appearances (:func:`record_appearances`, run whenever the people are listed or shown) and records
each one once in the person's history as "appeared on show", which moves their stage to `appeared`.
Which appearances are already recorded is read from the history itself, in the same transaction that
records the new ones, so a restart or a second reader never records one twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from greenroom.errors import GreenroomError
from greenroom.team import Team, UnknownTeamMember
from livekit.guests.booking import (
    GuestBooking,
    appearances_of_influencer,
    book_guest,
    bookable_show,
    cancel_booking,
    influencers_with_appearances,
    move_booking,
    resolve_show,
)
from outreach.storage.influencers import find_influencer, get_influencer, record_activity

BOOKED_ACTIVITY = "booked as guest"
MOVED_ACTIVITY = "guest booking moved"
CANCELLED_ACTIVITY = "guest booking cancelled"
APPEARED_ACTIVITY = "appeared on show"
#: Stages in which nobody should be put on a show.
UNBOOKABLE_STAGES = ("declined", "do-not-contact")


class BookingError(GreenroomError):
    """The influencer cannot be booked (declined, asked not to be contacted, suppressed)."""


def _show_name(key: str | None) -> str:
    return key or "the next show"


def suppressed_address(db: sqlite_utils.Database, influencer: dict[str, Any]) -> str | None:
    """The first of the person's addresses on the suppression list (unsubscribed, bounced, complained)."""
    for address in influencer.get("emails") or [influencer.get("email")]:
        if address and db.execute("SELECT 1 FROM suppressions WHERE email = ?",
                                  [address.strip().lower()]).fetchone():
            return address
    return None


def _check_bookable(db: sqlite_utils.Database, influencer: dict[str, Any]) -> None:
    if influencer["stage"] in UNBOOKABLE_STAGES:
        raise BookingError(f"#{influencer['id']} {influencer['name']} is {influencer['stage']}: not booked")
    address = suppressed_address(db, influencer)
    if address is not None:
        raise BookingError(f"#{influencer['id']} {influencer['name']} is suppressed ({address} is on the "
                           "suppression list, see `outreach suppress`): not booked")


def lower_third_title(influencer: dict[str, Any]) -> str:
    """A handle viewers can look up: YouTube first, then Twitch, then the other platforms."""
    for platform in ("youtube", "twitch", "instagram", "tiktok", "x"):
        handle = influencer.get(platform)
        if handle:
            return handle if platform == "youtube" and handle.startswith("UC") else f"@{handle}"
    return ""


def book_influencer(
    db: sqlite_utils.Database,
    reference: str | int,
    *,
    show: str | None = None,
    topic: str = "",
    talking_points: Sequence[str] = (),
    booked_by: str | None = None,
    team: Team | None = None,
    at: datetime | None = None,
) -> tuple[dict[str, Any], bool]:
    """Book the influencer for ``show`` (a scheduled show's key, or a show id or ``#id`` of `livekit shows`;
    None: the next scheduled show, or the next show that starts when nothing is scheduled). Refuses
    declined, do-not-contact and suppressed people and shows that are unknown, cancelled or over.
    ``booked_by`` (default: the person's owner) must be a member of ``team`` when one is configured.
    Returns (guest, newly booked)."""
    influencer_id = find_influencer(db, reference)
    influencer = get_influencer(db, influencer_id)
    _check_bookable(db, influencer)
    team = team or Team()
    owner = influencer.get("owner") or ""
    if not booked_by and owner and team.configured and team.find(owner) is None:
        raise UnknownTeamMember(f"#{influencer_id} {influencer['name']}'s owner {owner!r} is not on the team "
                                "(greenroom.toml [team.*]): say who books them with --booked-by")
    by = team.key_for(booked_by or owner)
    show_key = bookable_show(db, show)
    booking = GuestBooking(
        influencer_id=influencer_id, name=influencer["name"], title_or_handle=lower_third_title(influencer),
        contact=influencer.get("email") or "", topic=topic, talking_points=tuple(talking_points),
        booked_by=by or "",
    )
    with db.atomic():
        guest, created = book_guest(db, booking, show=show_key)
        if created:
            record_activity(db, influencer_id, BOOKED_ACTIVITY, f"guest #{guest['id']} of {_show_name(show_key)}", at)
    return guest, created


def move_influencer_booking(
    db: sqlite_utils.Database, reference: str | int, *, show: str | None, from_show: str | None = None,
    from_given: bool = False, at: datetime | None = None,
) -> tuple[dict[str, Any], str | None]:
    """Move the person's booking still to come to ``show`` (checked like a new booking; None: the next
    scheduled show). With several bookings, ``from_show`` (``from_given``) says which. Suppressed and
    do-not-contact people are not moved (cancel instead). Returns (guest, the show they left)."""
    influencer_id = find_influencer(db, reference)
    _check_bookable(db, get_influencer(db, influencer_id))
    show_key = bookable_show(db, show)
    with db.atomic():
        guest, left = move_booking(db, influencer_id, show_key, from_show=_from_key(db, from_show, from_given),
                                   from_given=from_given)
        record_activity(db, influencer_id, MOVED_ACTIVITY,
                        f"guest #{guest['id']} from {_show_name(left)} to {_show_name(show_key)}", at)
    return guest, left


def cancel_influencer_booking(
    db: sqlite_utils.Database, reference: str | int, *, from_show: str | None = None, from_given: bool = False,
    at: datetime | None = None,
) -> dict[str, Any]:
    """Cancel the person's booking still to come (any stage: someone who opted out must still be taken off
    the show). Returns the guest as it was."""
    influencer_id = find_influencer(db, reference)
    with db.atomic():
        guest = cancel_booking(db, influencer_id, from_show=_from_key(db, from_show, from_given),
                               from_given=from_given)
        record_activity(db, influencer_id, CANCELLED_ACTIVITY,
                        f"guest #{guest['id']} of {_show_name(guest['show'])}", at)
    return guest


def _from_key(db: sqlite_utils.Database, from_show: str | None, from_given: bool) -> str | None:
    """The key of the show a booking is moved or cancelled from: an id becomes its key, a key stays as it is
    (a booking may be for a show since cancelled or over: that must still be movable)."""
    if not from_given or from_show is None:
        return from_show
    return resolve_show(db, from_show)


def appearance_detail(appearance: dict[str, Any]) -> str:
    """How an appearance reads in the history; it starts with ``appearance N:``, the mark that it is recorded."""
    segment = f", segment {appearance['segment']}" if appearance["segment"] else ""
    return f"appearance {appearance['id']}: {appearance['show'] or 'a show'}{segment}"


def record_appearances(db: sqlite_utils.Database, influencer_id: int) -> int:
    """Record each of the person's on-air appearances not yet in their history (advancing the stage to
    appeared); returns how many were new. Safe to run any number of times, from any process."""
    new = 0
    with db.atomic():
        for appearance in appearances_of_influencer(db, influencer_id):
            mark = f"appearance {appearance['id']}:"
            recorded = db.execute(
                "SELECT 1 FROM influencer_activity WHERE influencer_id = ? AND kind = ? AND substr(detail, 1, ?) = ?",
                [influencer_id, APPEARED_ACTIVITY, len(mark), mark],
            ).fetchone()
            if recorded:
                continue
            on_air = datetime.fromtimestamp(appearance["on_air_ms"] / 1000, tz=UTC)
            record_activity(db, influencer_id, APPEARED_ACTIVITY, appearance_detail(appearance), on_air)
            new += 1
    return new


def record_all_appearances(db: sqlite_utils.Database) -> int:
    """:func:`record_appearances` for everyone who has been on air (before a list filters by stage)."""
    return sum(record_appearances(db, influencer_id) for influencer_id in influencers_with_appearances(db)
               if _exists(db, influencer_id))


def _exists(db: sqlite_utils.Database, influencer_id: int) -> bool:
    """A guest outlives the influencer it came from: a deleted person has no history to add to."""
    return db.execute("SELECT 1 FROM influencers WHERE id = ?", [influencer_id]).fetchone() is not None


def appearances(db: sqlite_utils.Database, influencer_id: int) -> list[dict[str, Any]]:
    """The person's appearances for display: show, segment, ``on_air`` (UTC, ISO 8601), ``duration_s``
    (None while on air) and the team's notes."""
    return [
        {
            "id": appearance["id"],
            "show": appearance["show"] or "",
            "segment": appearance["segment"],
            "on_air": datetime.fromtimestamp(appearance["on_air_ms"] / 1000, tz=UTC).isoformat(timespec="seconds"),
            "duration_s": None if appearance["duration_ms"] is None else round(appearance["duration_ms"] / 1000),
            "notes": appearance["notes"],
        }
        for appearance in appearances_of_influencer(db, influencer_id)
    ]
