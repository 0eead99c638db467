"""Where both tools get "now": the two time conventions of the project, each read from the system once here.

- Live shows, guests and pages count in integer epoch milliseconds (:func:`wall_clock_ms`): a wall clock,
  not a monotonic one, because a runner restarted after ``kill -9`` must compute the same elapsed times
  from the stored events (see :mod:`livekit.core.clock` for the show core's injected ``Clock``).
- Outreach stores UTC ISO-8601 text and computes with aware datetimes (:func:`utc_now`).

Code that decides something takes "now" as a parameter (or an injected clock) so tests pass an exact
time; only the edges (CLI commands, the sender service) call these functions.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime


def wall_clock_ms() -> int:
    """Now, in epoch milliseconds: the one time base of shows, guests and pages."""
    return time.time_ns() // 1_000_000


def utc_now() -> datetime:
    """Now, as an aware UTC datetime: the time base of outreach (stored as ISO-8601 text)."""
    return datetime.now(UTC)
