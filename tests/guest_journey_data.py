"""One booked guest and their show, shared by the guest-journey tests (rules, invite, templates).

The show: Thursday 10 December 2026, 18:00 in Paris (17:00 UTC), one hour long; the guest arrives 15
minutes early (16:45 UTC, 17:45 in Paris). They were booked on 1 December.
"""

from datetime import UTC, datetime, timedelta

from outreach.core.guest_journey import Airing, Booking, BookingStatus, ScheduledShow


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


SHOW = ScheduledShow(
    key="weekly-2026-12-10", title="Retro Night", starts_at_utc=utc(2026, 12, 10, 17, 0),
    timezone="Europe/Paris", ends_at_utc=utc(2026, 12, 10, 18, 0),
    hard_out_utc=utc(2026, 12, 10, 18, 15), join_url="https://meet.example/retro",
)
BOOKING = Booking(
    booking_id="7", guest_name="Ana Lopez", guest_email="ana@example.com", guest_timezone="Europe/Paris",
    topic="Speedruns", talking_points=("Any% routes",), owner_name="Kim", owner_email="kim@studio.example",
    status=BookingStatus.BOOKED,
)
BOOKED_AT = utc(2026, 12, 1, 10, 0)
#: Ana came on air at 18:12:34 Paris time, 12 min 34 s into the VOD.
AIRING = Airing(segment_started_at_utc=utc(2026, 12, 10, 17, 12, 34), on_air=timedelta(minutes=20),
                show_ended_at_utc=utc(2026, 12, 10, 18, 5), vod_url="https://www.youtube.com/watch?v=abc",
                vod_started_at_utc=utc(2026, 12, 10, 17, 0))
