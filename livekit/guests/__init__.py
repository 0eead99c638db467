"""The guest interview queue of a show and the team's permanent log of guest appearances."""

from livekit.guests.core import GuestError, GuestStatus, lower_third_text
from livekit.guests.queue import GuestQueue

__all__ = ["GuestError", "GuestQueue", "GuestStatus", "lower_third_text"]
