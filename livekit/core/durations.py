"""Durations as people write them in rundowns (``90s``, ``2m``, ``1h5m``, ``1:30``, ``1:02:03``, ``90``).

Parsed into integer milliseconds: integers never drift, floats would over a long show.

One rounding rule for every view (terminal, control room, presenter, reports), so no two screens ever
disagree by a second:

- Time *counting down* (remaining time, time to the next prompt) rounds **up**
  (:func:`display_seconds`): ``0:30`` shows until thirty seconds have really passed and ``0:00`` only
  when the time is up, like a kitchen timer.
- Time *counting up* (elapsed, show time, overtime, chapter starts, durations in reports) rounds
  **down** (:func:`format_clock`), like a stopwatch. Because ``floor(elapsed) + ceil(remaining)`` is
  the allotted time, the two always add up on screen; overtime is ``-display_seconds(remaining)``, so
  it counts up from ``+0:00`` the moment the countdown reaches ``0:00``.
- Nothing is ever shown as ``-0:00``: a value that rounds to zero seconds has no sign, and over/under
  (:func:`format_signed`) below one second is ``0:00``.
"""

from __future__ import annotations

import re

_UNIT_MS = {"h": 3_600_000, "m": 60_000, "s": 1_000, "ms": 1}
_UNITS = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|h|m|s)", re.IGNORECASE)
_UNITS_WHOLE = re.compile(r"(?:\s*\d+(?:\.\d+)?\s*(?:ms|h|m|s))+\s*", re.IGNORECASE)
_CLOCK = re.compile(r"(?:(\d+):)?(\d+):(\d{2})")
_SECONDS = re.compile(r"\d+(?:\.\d+)?")

DURATION_HELP = "a duration such as 90s, 2m, 1h5m, 1m30s, 1:30, 1:02:03 or plain seconds"
#: The longest a rundown segment (or its warning phase) may last, and a whole show: far beyond any real
#: show, and small enough that every time computed from them stays a sane date and a SQLite integer.
MAX_SEGMENT_MS = 24 * 3_600_000
MAX_SHOW_MS = 7 * 24 * 3_600_000
SEGMENT_LIMIT_HELP = "24 hours"
SHOW_LIMIT_HELP = "7 days"


def parse_duration(value: str | int) -> int:
    """Milliseconds in ``value``; raises ValueError with a message fit for a `file:line:` report."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not {DURATION_HELP}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{value} is negative: expected {DURATION_HELP}")
        return value * 1000
    text = str(value).strip()
    if _SECONDS.fullmatch(text):
        return _seconds_to_ms(text, value)
    clock = _CLOCK.fullmatch(text)
    if clock:
        hours, minutes, seconds = int(clock.group(1) or 0), int(clock.group(2)), int(clock.group(3))
        if seconds >= 60 or (clock.group(1) is not None and minutes >= 60):
            raise ValueError(f"{text!r} is not a valid clock time: minutes and seconds must be below 60")
        return ((hours * 60 + minutes) * 60 + seconds) * 1000
    if text and _UNITS_WHOLE.fullmatch(text):
        total = 0
        seen: set[str] = set()
        for number, unit in _UNITS.findall(text):
            unit = unit.lower()
            if unit in seen:
                raise ValueError(f"{text!r} repeats the unit {unit!r}")
            seen.add(unit)
            total += _scaled(number, _UNIT_MS[unit], value)
        return total
    raise ValueError(f"{text!r} is not {DURATION_HELP}")


def _seconds_to_ms(number: str, original: object) -> int:
    return _scaled(number, 1000, original)


def _scaled(number: str, unit_ms: int, original: object) -> int:
    """Exact decimal scaling (``1.5m`` is 90000 ms) without going through a float."""
    whole, _, fraction = number.partition(".")
    scaled = int(whole) * unit_ms
    if fraction:
        numerator = int(fraction) * unit_ms
        denominator = 10 ** len(fraction)
        if numerator % denominator:
            raise ValueError(f"{original!r} is finer than a millisecond")
        scaled += numerator // denominator
    return scaled


def format_duration(ms: int) -> str:
    """Compact form that :func:`parse_duration` reads back exactly: ``1h5m``, ``1m30s``, ``45s``, ``0s``."""
    if ms < 0:
        raise ValueError("durations are never negative")
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else ""]
    if millis:
        parts.append(f"{seconds}.{millis:03d}".rstrip("0") + "s")
    elif seconds or not (hours or minutes):
        parts.append(f"{seconds}s")
    return "".join(parts)


def display_seconds(ms: int) -> int:
    """The whole seconds a countdown shows for ``ms`` left: rounded up, so ``29_001`` ms is 30 and
    ``30_000`` is 30. Negative values (overtime) round up too, toward zero: ``-999`` is 0 (never a
    "-0"), ``-1_000`` is -1. The pages (templates/web/common.js) apply exactly this rule."""
    return -(-ms // 1000)


def format_countdown(ms: int) -> str:
    """A countdown for ``ms`` left: ``m:ss`` rounded up while time remains, then ``+m:ss`` of overtime
    (``+0:00`` at the instant it runs out), as the control room and presenter pages print it."""
    seconds = display_seconds(ms)
    if ms > 0:
        return format_clock(seconds * 1000)
    return "+" + format_clock(-seconds * 1000)


def format_clock(ms: int, *, always_hours: bool = False) -> str:
    """``m:ss`` or ``h:mm:ss`` (whole seconds, rounded down) for tables, timers and chapters.

    A negative value is rounded toward zero and signed, and one that rounds to zero seconds is ``0:00``.
    """
    if ms <= -1000:
        return "-" + format_clock(-ms, always_hours=always_hours)
    total_seconds = max(0, ms) // 1000
    hours, rest = divmod(total_seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours or always_hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes}:{seconds:02d}"


def format_signed(ms: int) -> str:
    """An offset with its sign (``+1:05`` late, ``-0:30`` early, ``0:00`` on time: under one second
    either way, so never ``+0:00`` or ``-0:00``)."""
    if abs(ms) < 1000:
        return "0:00"
    return ("+" if ms > 0 else "-") + format_clock(abs(ms))
