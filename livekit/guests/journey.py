"""livekit's public read of each booking made from another tool, for the guest emails outreach sends.

outreach plans a guest's emails (confirmation, update, cancel, reminders, thank-you, no-show) from what
livekit knows and reaches it only through this module, :mod:`livekit.guests.booking` and
:mod:`livekit.schedule` (an import contract in ``pyproject.toml``). Everything here reads; the only write is
the VOD link of a show (:func:`set_show_vod`, `livekit vod SHOW_ID URL`).

Where the thank-you's link comes from: the show's report. The guest's segment is the one that was live when
they went on air (kept on their appearance); its first airing's start, from the show's start, is the offset
of the deep link (the same offsets as `livekit report --format chapters`, which are relative to the show's
start). The VOD is the recording of the whole show, as the team published it (YouTube, Twitch): its URL is
not known to livekit until someone says it, with `livekit vod SHOW_ID URL`, after the upload. Until then the
thank-you waits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlite_utils

from greenroom.clock import wall_clock_ms
from greenroom.errors import GreenroomError
from livekit.report import build_report
from livekit.storage.shows import ShowNotFound, ShowStore

__all__ = ["BookingJourney", "GuestAiring", "booking_journeys", "set_show_vod", "show_vod"]

_RUN_KEY = re.compile(r"#(\d+) ")


@dataclass(frozen=True)
class GuestAiring:
    """What the report says about the show a booked guest was claimed into (all epoch ms).

    ``segment_started_ms`` is the first airing of the guest's segment (None when they never went on air);
    ``vod_url`` the link set with `livekit vod`, None until then."""

    show_id: int
    show_started_ms: int | None
    show_ended_ms: int | None
    segment: str | None
    segment_started_ms: int | None
    on_air_ms: int
    vod_url: str | None

    @property
    def appeared(self) -> bool:
        return self.segment_started_ms is not None

    @property
    def no_show(self) -> bool:
        """The show ended and the guest never went on air."""
        return self.show_ended_ms is not None and not self.appeared


@dataclass(frozen=True)
class BookingJourney:
    """One booking as its guest lives it: the scheduled show it is for now (``show_key``; None for "the next
    show that starts"), the shows it was moved away from, whether it was cancelled, the guest's details
    while the guest row exists, and what aired once the show ran."""

    guest_id: int
    influencer_id: int | None
    booked_by: str
    show_key: str | None
    moved_from: tuple[str, ...]
    cancelled: bool
    status: str | None
    topic: str
    talking_points: tuple[str, ...]
    airing: GuestAiring | None


def booking_journeys(db: sqlite_utils.Database, *, skip: Collection[int] = ()) -> list[BookingJourney]:
    """Every booking made through :func:`livekit.guests.booking.book_guest`, oldest first, but those whose
    guest id is in ``skip`` (the caller is done with them: their show's report is not rebuilt)."""
    changes: dict[int, list[tuple]] = {}
    for row in db.execute("SELECT guest_id, influencer_id, change, from_show, to_show, booked_by "
                          "FROM guest_booking_changes ORDER BY at_ms, id").fetchall():
        changes.setdefault(row[0], []).append(row)
    journeys = []
    for guest_id, rows in changes.items():
        if guest_id in skip:
            continue
        show_key: str | None = None
        moved_from: list[str] = []
        cancelled = False
        for _, _, change, from_show, to_show, _ in rows:
            if change == "booked":
                show_key = to_show
            elif change == "moved":
                if from_show is not None and from_show not in moved_from:
                    moved_from.append(from_show)
                show_key = to_show
            elif change == "cancelled":
                cancelled = True
        guest = db.execute("SELECT status, topic, talking_points, show FROM guests WHERE id = ?",
                           [guest_id]).fetchone()
        points: tuple[str, ...] = ()
        if guest is not None and guest[2]:
            points = tuple(str(point) for point in json.loads(guest[2]) if str(point).strip())
        journeys.append(BookingJourney(
            guest_id=guest_id, influencer_id=rows[0][1], booked_by=rows[-1][5] or "", show_key=show_key,
            moved_from=tuple(key for key in moved_from if key != show_key), cancelled=cancelled,
            status=None if guest is None else guest[0], topic="" if guest is None else (guest[1] or ""),
            talking_points=points, airing=_airing(db, guest_id, None if guest is None else guest[3]),
        ))
    return journeys


def _airing(db: sqlite_utils.Database, guest_id: int, run_key: str | None) -> GuestAiring | None:
    """The report's view of the run the guest was claimed into (None while still booked ahead)."""
    match = _RUN_KEY.match(run_key or "")
    if match is None:
        return None
    show_id = int(match.group(1))
    store = ShowStore(db, read_only=True)
    try:
        record = store.get(show_id)
    except ShowNotFound:
        return None
    if record.started_ms is None:
        return None
    report = build_report(store.load_show(show_id, journal=False), show_id=show_id, now_ms=wall_clock_ms())
    appearances = db.execute("SELECT segment, on_air_ms, off_air_ms FROM guest_appearances WHERE guest_id = ? "
                             "AND show = ? ORDER BY on_air_ms, id", [guest_id, run_key]).fetchall()
    segment, started, on_air = None, None, 0
    if appearances:
        segment = appearances[0][0] or None
        on_air = sum((off or record.ended_ms or on) - on for _, on, off in appearances)
        started = appearances[0][1]
        for row in report.rows:
            if row.title == segment and row.airings:
                started = record.started_ms + row.airings[0][0]
                break
    return GuestAiring(show_id=show_id, show_started_ms=record.started_ms, show_ended_ms=record.ended_ms,
                       segment=segment, segment_started_ms=started, on_air_ms=on_air, vod_url=show_vod(db, show_id))


def show_vod(db: sqlite_utils.Database, show_id: int) -> str | None:
    """The VOD link of show ``show_id``, as set with :func:`set_show_vod`."""
    row = db.execute("SELECT url FROM show_vods WHERE show_id = ?", [show_id]).fetchone()
    return None if row is None else str(row[0])


def set_show_vod(db: sqlite_utils.Database, show_id: int, url: str) -> None:
    """Say where the recording of show ``show_id`` is published (its timeline starts at the show's start,
    as the chapters do). An http(s) link only: it goes into guests' emails."""
    ShowStore(db, read_only=True).get(show_id)
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url.strip()):
        raise GreenroomError(f"{url!r} is not an http(s) link to the show's video")
    with db.atomic():
        db.execute("INSERT INTO show_vods (show_id, url, set_ms) VALUES (?, ?, ?) ON CONFLICT(show_id) DO UPDATE "
                   "SET url = excluded.url, set_ms = excluded.set_ms", [show_id, url.strip(), wall_clock_ms()])
