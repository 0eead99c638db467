"""Where outreach meets livekit: an influencer who said yes is booked as a guest of a show.

Only through livekit's public booking API (:mod:`livekit.guests.booking`): outreach never touches livekit's
tables or storage classes itself.

The guest row keeps the influencer's id, the influencer's history records the booking and their
pipeline stage becomes `agreed`. Booking the same person twice for the same show returns the first
booking, so re-running a command never creates duplicate guests.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlite_utils

from greenroom.errors import GreenroomError
from livekit.guests.booking import GuestBooking, book_guest, resolve_show
from outreach.storage.influencers import find_influencer, get_influencer, record_activity

BOOKED_ACTIVITY = "booked as guest"
#: Stages in which nobody should be put on a show.
UNBOOKABLE_STAGES = ("declined", "do-not-contact")


class BookingError(GreenroomError):
    """The influencer cannot be booked (declined, asked not to be contacted)."""


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
    at: datetime | None = None,
) -> tuple[dict[str, Any], bool]:
    """Book the influencer for ``show`` (a show id, ``#id`` or key; None: the next show).
    Returns (guest, newly booked)."""
    influencer_id = find_influencer(db, reference)
    influencer = get_influencer(db, influencer_id)
    if influencer["stage"] in UNBOOKABLE_STAGES:
        raise BookingError(f"#{influencer_id} {influencer['name']} is {influencer['stage']}: not booked")
    show_key = resolve_show(db, show)
    booking = GuestBooking(
        influencer_id=influencer_id, name=influencer["name"], title_or_handle=lower_third_title(influencer),
        contact=influencer.get("email") or "", topic=topic, talking_points=tuple(talking_points),
        booked_by=booked_by or influencer.get("owner") or "",
    )
    with db.atomic():
        guest, created = book_guest(db, booking, show=show_key)
        if created:
            where = show_key or "the next show"
            record_activity(db, influencer_id, BOOKED_ACTIVITY, f"guest #{guest['id']} of {where}", at)
    return guest, created
