"""The team calendar as an iCalendar (.ics) feed, built with ``icalendar``: one VEVENT per scheduled show.

A calendar app that subscribes to the file recognises each show by its UID (from the show's key, so it
never changes), takes a higher SEQUENCE as a newer version (the show's change count), and removes a show
whose STATUS is CANCELLED. A show's join link is its URL (and its LOCATION when it has no location of its
own, so a calendar shows where to click). Times are written in the show's own zone (``DTSTART;TZID=Europe/Paris``) with a
VTIMEZONE for it, so a show planned for 18:00 Paris time stays there in every attendee's calendar, across
daylight-saving changes.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

import icalendar

from livekit.core.schedule import ScheduledShow, local_time

__all__ = ["UID_DOMAIN", "calendar_feed", "show_uid"]

#: The right-hand side of every UID (RFC 5545 suggests a domain to keep UIDs globally unique).
UID_DOMAIN = "greenroom.livekit"
PRODID = "-//Greenroom//livekit scheduled shows//EN"


def show_uid(key: str) -> str:
    """The calendar UID of a scheduled show: the same for every version of it."""
    return f"{key}@{UID_DOMAIN}"


def _event(show: ScheduledShow, stamp: datetime.datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", show_uid(show.key))
    event.add("dtstamp", stamp)
    event.add("sequence", show.sequence)
    event.add("summary", show.title)
    event.add("dtstart", local_time(show.plan.starts_at_ms, show.plan.timezone))
    event.add("dtend", local_time(show.plan.ends_at_ms, show.plan.timezone))
    event.add("status", "CANCELLED" if show.cancelled else "CONFIRMED")
    if show.location or show.join_url:
        event.add("location", show.location or show.join_url)
    if show.join_url:
        event.add("url", show.join_url)
    lines = [f"Show key: {show.key}"]
    if show.join_url:
        lines.append(f"Join: {show.join_url}")
    hard_out = show.plan.local_hard_out()
    if hard_out is not None:
        lines.append(f"Hard out: {hard_out:%Y-%m-%d %H:%M} ({show.plan.timezone})")
    event.add("description", "\n".join(lines))
    return event


def calendar_feed(shows: Iterable[ScheduledShow], *, now_ms: int) -> bytes:
    """The .ics text of ``shows`` (cancelled ones included, as STATUS:CANCELLED); ``now_ms`` is DTSTAMP."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Greenroom shows")
    stamp = datetime.datetime.fromtimestamp(now_ms / 1000, tz=datetime.UTC)
    listed = list(shows)
    for show in listed:
        calendar.add_component(_event(show, stamp))
    if listed:
        # The zone definitions cover the shows' dates with a year to spare on each side.
        first = min(show.plan.local_start().date() for show in listed) - datetime.timedelta(days=366)
        last = max(show.plan.local_end().date() for show in listed) + datetime.timedelta(days=366)
        calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar.to_ical()
