"""livekit's one public door for other tools: book a person as a guest of a show.

outreach books an influencer who said yes through this module and nothing else of livekit (an import
contract in ``pyproject.toml`` enforces it), so livekit stays free to change its tables, its queue and its
show storage. The guest's tables come with livekit's migration set, which ``greenroom.db`` applies for
every tool; a caller needs only the workspace database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from livekit.guests.core import GuestStatus
from livekit.guests.queue import GuestQueue
from livekit.storage.shows import ShowNotFound, show_key_for

__all__ = ["GuestBooking", "ShowNotFound", "book_guest", "resolve_show"]


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
    return queue.get(guest["id"]), True
