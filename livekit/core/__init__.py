"""The run-of-show domain core: rundown model, show state machine, durations and clocks. No I/O here.

Everything works in integer milliseconds so that a four-hour show accumulates no rounding drift.
"""

from livekit.core.clock import Clock, FakeClock, SystemClock
from livekit.core.durations import (
    display_seconds,
    format_clock,
    format_countdown,
    format_duration,
    format_signed,
    parse_duration,
)
from livekit.core.rundown import Prompt, Rundown, Segment
from livekit.core.show import (
    Phase,
    SegmentStatus,
    Show,
    ShowError,
    ShowEvent,
    ShowSnapshot,
    ShowStatus,
)

__all__ = [
    "Clock",
    "FakeClock",
    "Phase",
    "Prompt",
    "Rundown",
    "Segment",
    "SegmentStatus",
    "Show",
    "ShowError",
    "ShowEvent",
    "ShowSnapshot",
    "ShowStatus",
    "SystemClock",
    "display_seconds",
    "format_clock",
    "format_countdown",
    "format_duration",
    "format_signed",
    "parse_duration",
]
