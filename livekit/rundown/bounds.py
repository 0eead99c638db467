"""What both rundown formats refuse beyond their syntax, in one wording: a segment (or warning) longer than
a day, a show longer than a week, a guest name the guest queue would refuse. Each returns the problem's
message, or None when the value is fine; the format reports it at its own line."""

from __future__ import annotations

from livekit.core.durations import (
    MAX_SEGMENT_MS,
    MAX_SHOW_MS,
    SEGMENT_LIMIT_HELP,
    SHOW_LIMIT_HELP,
    format_duration,
)
from livekit.guests.core import GuestError, check_guest_name


def segment_too_long(label: str, duration_ms: int) -> str | None:
    """``label`` names the value as written (``segment 2 (Talk): duration 25h``, ``warning 25h``)."""
    if duration_ms <= MAX_SEGMENT_MS:
        return None
    return f"{label} is longer than {SEGMENT_LIMIT_HELP}, the most a segment may last"


def show_too_long(total_ms: int) -> str | None:
    """The segments' total against the longest a show may last."""
    if total_ms <= MAX_SHOW_MS:
        return None
    return f"the segments last {format_duration(total_ms)} in total: a show may last at most {SHOW_LIMIT_HELP}"


def bad_guest(where: str, name: str) -> str | None:
    """``where`` is the segment (``segment 2 (Talk)``); the problem is what `livekit run` would refuse."""
    try:
        check_guest_name(name)
    except GuestError as error:
        return f"{where}: bad guest: {error}"
    return None
