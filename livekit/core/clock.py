"""Where the show core gets "now": integer epoch milliseconds from an injected clock.

The wall clock itself is :func:`greenroom.clock.wall_clock_ms` (shared with outreach); it is re-exported
here for the runner and the web app.

Epoch (wall-clock) milliseconds are the single time base of the core and of the event log, because a
monotonic clock is meaningless in another process: after ``kill -9`` the new runner replays the stored
events against ``time.time_ns() // 1_000_000`` and gets the right elapsed times. The price is that a
wall-clock step during a show (an NTP correction) shifts the timers by that step; keep NTP slewing.
"""

from __future__ import annotations

from typing import Protocol

from greenroom.clock import wall_clock_ms

__all__ = ["Clock", "FakeClock", "SystemClock", "wall_clock_ms"]


class Clock(Protocol):
    def now_ms(self) -> int:
        """Milliseconds since the Unix epoch."""
        ...


class SystemClock:
    """The real clock, as used by the runner and the CLI."""

    def now_ms(self) -> int:
        return wall_clock_ms()


class FakeClock:
    """A clock that only moves when told to, for exact, instant tests."""

    def __init__(self, start_ms: int = 1_700_000_000_000) -> None:
        self._now = start_ms

    def now_ms(self) -> int:
        return self._now

    def advance(self, ms: int) -> int:
        if ms < 0:
            raise ValueError("a FakeClock never goes backwards; use set() to model a wall-clock step")
        self._now += ms
        return self._now

    def set(self, ms: int) -> None:
        self._now = ms
