"""Guest rules with no I/O: statuses and their allowed transitions, field validation, lower-third text.

The storage adapter (:mod:`livekit.guests.queue`) asks these functions before writing anything, so a
refused change never leaves a half-written row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from greenroom.errors import GreenroomError


class GuestError(GreenroomError):
    """A guest change was refused: unknown guest, bad field, or a status change that makes no sense."""


class UnknownGuest(GuestError, LookupError):
    """No guest has that id (the web API answers 404, not 400)."""


class GuestStatus(StrEnum):
    INVITED = "invited"
    CONFIRMED = "confirmed"
    IN_GREEN_ROOM = "in_green_room"
    ON_AIR = "on_air"
    DONE = "done"
    NO_SHOW = "no_show"


#: Where a guest may go from each status. Producers correct mistakes, so most steps can be undone
#: (a guest stepping off air returns to the green room; a late "no-show" can still check in), but a
#: finished interview stays finished unless the guest is brought back on air.
ALLOWED_TRANSITIONS: dict[GuestStatus, frozenset[GuestStatus]] = {
    GuestStatus.INVITED: frozenset({GuestStatus.CONFIRMED, GuestStatus.IN_GREEN_ROOM, GuestStatus.NO_SHOW}),
    GuestStatus.CONFIRMED: frozenset({GuestStatus.INVITED, GuestStatus.IN_GREEN_ROOM, GuestStatus.NO_SHOW}),
    GuestStatus.IN_GREEN_ROOM: frozenset(
        {GuestStatus.CONFIRMED, GuestStatus.ON_AIR, GuestStatus.DONE, GuestStatus.NO_SHOW}
    ),
    GuestStatus.ON_AIR: frozenset({GuestStatus.IN_GREEN_ROOM, GuestStatus.DONE}),
    GuestStatus.DONE: frozenset({GuestStatus.ON_AIR, GuestStatus.IN_GREEN_ROOM}),
    GuestStatus.NO_SHOW: frozenset({GuestStatus.CONFIRMED, GuestStatus.IN_GREEN_ROOM}),
}

#: Statuses in which a guest still counts as "coming" (shown first in the queue, claimed by a new show).
ACTIVE_STATUSES = frozenset(
    {GuestStatus.INVITED, GuestStatus.CONFIRMED, GuestStatus.IN_GREEN_ROOM, GuestStatus.ON_AIR}
)

TEXT_FIELDS = ("name", "pronouns", "title_or_handle", "contact", "topic", "notes", "booked_by")
EDITABLE_FIELDS = (*TEXT_FIELDS, "talking_points")
#: Fields that may appear on screen (overlay); everything else is for the team only.
PUBLIC_FIELDS = ("name", "pronouns", "title_or_handle")

MAX_FIELD_LENGTH = {"name": 120, "pronouns": 40, "title_or_handle": 160, "contact": 320, "topic": 300}
MAX_NOTES_LENGTH = 5000
MAX_TALKING_POINTS = 30
MAX_TALKING_POINT_LENGTH = 500


def next_statuses(current: GuestStatus | str) -> list[str]:
    """Where a guest may go from ``current``, in lifecycle order (the control room offers these buttons)."""
    allowed = ALLOWED_TRANSITIONS[parse_status(current)]
    return [status.value for status in GuestStatus if status in allowed]


def parse_status(value: object) -> GuestStatus:
    try:
        return GuestStatus(str(value).strip().lower().replace("-", "_").replace(" ", "_"))
    except ValueError:
        choices = ", ".join(status.value for status in GuestStatus)
        raise GuestError(f"unknown guest status {value!r}; use one of {choices}") from None


def closing_status(current: GuestStatus | str, *, appeared: bool, in_rundown: bool) -> GuestStatus | None:
    """Where a guest goes when their show ends, or None to leave them as they are.

    Nobody stays on air after the show. A guest who appeared (their rundown segment aired, or they were
    on air) is done; a rundown guest who never went on air is a no-show. A producer's explicit done or
    no-show stands, and a guest added by hand who never went on air keeps their status (a stand-by).
    Every result is a transition :data:`ALLOWED_TRANSITIONS` allows from ``current``.
    """
    status = parse_status(current)
    if status is GuestStatus.ON_AIR:
        return GuestStatus.DONE
    if status is GuestStatus.IN_GREEN_ROOM and appeared:
        return GuestStatus.DONE
    if status in (GuestStatus.INVITED, GuestStatus.CONFIRMED, GuestStatus.IN_GREEN_ROOM) and in_rundown \
            and not appeared:
        return GuestStatus.NO_SHOW
    return None


def check_transition(current: GuestStatus | str, target: GuestStatus | str) -> GuestStatus:
    """Return the target status if a guest may go there from ``current``; raise :class:`GuestError` if not."""
    source, destination = parse_status(current), parse_status(target)
    if destination not in ALLOWED_TRANSITIONS[source]:
        allowed = ", ".join(sorted(status.value for status in ALLOWED_TRANSITIONS[source]))
        raise GuestError(
            f"a guest who is {source.value} cannot become {destination.value} (allowed: {allowed})"
        )
    return destination


def clean_fields(fields: Mapping[str, Any], *, require_name: bool) -> dict[str, Any]:
    """Validate guest fields and return them normalised (stripped text, talking points as a list)."""
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise GuestError(f"unknown guest field(s): {', '.join(unknown)}; use {', '.join(EDITABLE_FIELDS)}")
    cleaned: dict[str, Any] = {}
    for key, value in fields.items():
        if key == "talking_points":
            cleaned[key] = clean_talking_points(value)
            continue
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise GuestError(f"guest {key} must be text, got {type(value).__name__}")
        value = value.strip()
        limit = MAX_FIELD_LENGTH.get(key, MAX_NOTES_LENGTH)
        if len(value) > limit:
            raise GuestError(f"guest {key} is {len(value)} characters long; the limit is {limit}")
        if key != "notes" and any(ord(char) < 32 for char in value):
            raise GuestError(f"guest {key} must be a single line of text")
        cleaned[key] = value
    if (require_name or "name" in cleaned) and not cleaned.get("name"):
        raise GuestError("a guest needs a name")
    return cleaned


def check_guest_name(name: str) -> str:
    """``name`` as the queue stores it, or a GuestError saying why it cannot be a guest's name (empty, too
    long, more than one line or control characters). A rundown's ``guest:`` is checked with this when the
    file is read, so `livekit check` reports what `livekit run` would refuse."""
    return str(clean_fields({"name": name}, require_name=True)["name"])


def clean_talking_points(value: object) -> list[str]:
    """Talking points are a list of short lines; a string is split on new lines."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, Sequence) or isinstance(value, bytes):
        raise GuestError("talking_points must be a list of text lines")
    points = []
    for point in value:
        if not isinstance(point, str):
            raise GuestError("each talking point must be text")
        point = point.strip()
        if not point:
            continue
        if len(point) > MAX_TALKING_POINT_LENGTH:
            raise GuestError(f"a talking point is longer than {MAX_TALKING_POINT_LENGTH} characters")
        points.append(point)
    if len(points) > MAX_TALKING_POINTS:
        raise GuestError(f"at most {MAX_TALKING_POINTS} talking points per guest")
    return points


def lower_third_text(guest: Mapping[str, Any] | None) -> str:
    """The on-screen line for a guest, e.g. ``Jane Doe (she/her) — CEO, Acme``; empty when no guest."""
    if not guest:
        return ""
    text = str(guest.get("name") or "").strip()
    pronouns = str(guest.get("pronouns") or "").strip()
    title = str(guest.get("title_or_handle") or "").strip()
    if pronouns:
        text = f"{text} ({pronouns})"
    if title:
        text = f"{text} — {title}"
    return text


def reorder(ids: Sequence[int], moved_id: int, position: int) -> list[int]:
    """The queue order after moving one guest to ``position`` (0-based, clamped to the queue)."""
    if moved_id not in ids:
        raise GuestError(f"guest {moved_id} is not in this queue")
    if isinstance(position, bool) or not isinstance(position, int):
        raise GuestError(f"position must be a whole number, got {position!r}")
    rest = [guest_id for guest_id in ids if guest_id != moved_id]
    position = max(0, min(position, len(rest)))
    return [*rest[:position], moved_id, *rest[position:]]


def normalise_name(name: str) -> str:
    """How a rundown's guest name is matched to the queue: case- and space-insensitive."""
    return " ".join(name.split()).casefold()
