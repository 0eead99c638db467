"""Guest emails as they leave: the iCalendar invite (RFC 5545 / iTIP RFC 5546) and the whole MIME message.

What :func:`outreach.core.guest_journey.plan_guest_emails` decides is turned into bytes here:

- :func:`build_calendar` gives the ``.ics``: ``METHOD:REQUEST`` (confirmation, update) or ``METHOD:CANCEL``,
  one VEVENT whose UID is stable per (booking, show) and whose SEQUENCE grows with every change, times in
  the guest's zone with its VTIMEZONE (a calendar shows the right local time on either side of a
  daylight-saving change), the booking owner as ORGANIZER and the guest as ATTENDEE with RSVP.
- :func:`guest_template_variables` gives what the templates in ``templates/email/guest/`` may use.
- :func:`compose_guest_email` renders the template and builds the message in one call (what the outbox
  uses); :func:`build_guest_message` wraps a rendered template and the invite into one email, built by
  :func:`outreach.mail.message.build_message` (header-injection checks, threading, the legal footer), with
  the calendar as a ``text/calendar; method=...`` alternative (what Gmail, Outlook and Apple Mail turn
  into Accept/Decline buttons) and as an ``invite.ics`` attachment for everything else.

User text (names, topic, talking points) is stripped of control characters and bounded before it goes into
the calendar; icalendar escapes it (commas, semicolons, backslashes, newlines) and folds long lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vCalAddress, vText

from outreach.core.guest_journey import (
    Airing,
    Booking,
    DueEmail,
    GuestEmailKind,
    InviteMethod,
    JourneySettings,
    ScheduledShow,
    guest_zone,
    segment_link,
)
from outreach.core.names import greeting_name
from outreach.mail.message import Outgoing, build_message, check_address, display_name
from outreach.mail.template import Record, RenderedEmail, TemplateLibrary

PRODID = "-//Greenroom//Guest journey//EN"
MAX_TITLE_CHARS = 200
MAX_TOPIC_CHARS = 300
MAX_TALKING_POINTS = 30
MAX_TALKING_POINT_CHARS = 500
MAX_DESCRIPTION_CHARS = 8000
INVITE_FILENAME = "invite.ics"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x85\u2028\u2029]")
_LINE_BREAKS = re.compile(r"[\r\n]+")
#: A link is written as ``<url>`` in templates (a Markdown autolink): these would end it early.
_NOT_IN_LINKS = re.compile(r"[\s<>\"]")


def plain_text(value: str, limit: int, *, multiline: bool = False) -> str:
    """``value`` without control characters (and, unless ``multiline``, on one line), cut to ``limit``."""
    text = _CONTROL.sub(" ", value.replace("\r\n", "\n"))
    if not multiline:
        text = " ".join(_LINE_BREAKS.sub(" ", text).split())
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _parameter_text(value: str) -> str:
    """A CN parameter: one line, no double quote (RFC 5545 parameter values cannot hold one)."""
    return display_name(plain_text(value, MAX_TITLE_CHARS).replace('"', "'"))


def _web_link(url: str | None) -> str | None:
    if not url:
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or _CONTROL.search(url) or _NOT_IN_LINKS.search(url):
        return None
    return url


def description(booking: Booking, show: ScheduledShow, arrival_local: datetime, start_local: datetime) -> str:
    """The event's notes: when to arrive, the join link, the topic and talking points (bounded)."""
    lines = [f"Please arrive at {arrival_local:%H:%M} ({arrival_local.tzname()}) in the green room; "
             f"the show starts at {start_local:%H:%M}."]
    join = _web_link(show.join_url)
    if join:
        lines.append(f"Join: {join}")
    location = plain_text(show.location or "", MAX_TITLE_CHARS)
    if location:
        lines.append(f"Where: {location}")
    topic = plain_text(booking.topic, MAX_TOPIC_CHARS)
    if topic:
        lines += ["", f"Topic: {topic}"]
    points = [plain_text(point, MAX_TALKING_POINT_CHARS) for point in booking.talking_points[:MAX_TALKING_POINTS]]
    points = [point for point in points if point]
    if points:
        lines += ["", "Talking points:", *(f"- {point}" for point in points)]
    text = "\n".join(lines)
    return text if len(text) <= MAX_DESCRIPTION_CHARS else text[: MAX_DESCRIPTION_CHARS - 1] + "…"


@lru_cache(maxsize=256)
def _vtimezone(tzid: str, year: int) -> Timezone:
    """VTIMEZONE for ``tzid`` covering the year before to the year after ``year``: enough for any event
    of the invite (a whole 1970-2038 history would make every invite hundreds of lines long)."""
    return Timezone.from_tzid(tzid, first_date=date(year - 1, 1, 1), last_date=date(year + 2, 1, 1))


def build_calendar(email: DueEmail, booking: Booking, *, now: datetime, settings: JourneySettings) -> bytes:
    """The ``.ics`` for ``email`` (which must carry an invite): REQUEST or CANCEL, in the guest's zone."""
    if email.invite is None:
        raise ValueError(f"a {email.kind} email carries no calendar invite")
    show = email.show
    check_address("Organizer", booking.owner_email)
    check_address("Attendee", booking.guest_email)
    zone = guest_zone(booking, show)
    arrival_local = email.arrival_utc.astimezone(zone)
    start_local = show.starts_at_utc.astimezone(zone)
    end_local = show.ends_at_utc.astimezone(zone)
    if zone.key == "UTC":
        arrival_local, end_local = email.arrival_utc.astimezone(UTC), show.ends_at_utc.astimezone(UTC)

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", email.invite.value)
    event = Event()
    event.add("uid", email.uid)
    event.add("sequence", email.sequence)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", arrival_local)
    event.add("dtend", max(end_local, arrival_local + timedelta(minutes=1)))
    event.add("summary", f"Guest on {plain_text(show.title, MAX_TITLE_CHARS)}")
    event.add("description", description(booking, show, arrival_local, start_local))
    organizer = vCalAddress(f"mailto:{booking.owner_email}")
    organizer.params["cn"] = vText(_parameter_text(booking.owner_name or booking.owner_email))
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{booking.guest_email}")
    attendee.params["cn"] = vText(_parameter_text(booking.guest_name or booking.guest_email))
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("NEEDS-ACTION")
    attendee.params["rsvp"] = vText("TRUE")
    event.add("attendee", attendee)
    join = _web_link(show.join_url)
    location = plain_text(show.location or "", MAX_TITLE_CHARS) or join
    if location:
        event.add("location", location)
    if join:
        event.add("url", join)
    cancelling = email.invite is InviteMethod.CANCEL
    event.add("status", "CANCELLED" if cancelling else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if zone.key != "UTC":
        calendar.add_component(_vtimezone(zone.key, arrival_local.year))
    calendar.add_component(event)
    return bytes(calendar.to_ical())


# ------------------------------------------------------------------------------------ template data


def local_time_text(moment: datetime, zone: ZoneInfo) -> str:
    """``Thursday 10 December 2026, 17:45 (Europe/Paris, UTC+01:00)``: unambiguous for a guest anywhere."""
    local = moment.astimezone(zone)
    offset = local.strftime("%z")
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M} ({zone.key}, UTC{offset[:3]}:{offset[3:]})"


def _show_record(show: ScheduledShow, zone: ZoneInfo, settings: JourneySettings, label: str = "show", *,
                 time_changed: bool = False) -> Record:
    values: dict[str, Any] = {
        "time_changed": time_changed,
        "title": plain_text(show.title, MAX_TITLE_CHARS),
        "key": show.key,
        "starts_at": local_time_text(show.starts_at_utc, zone),
        "arrival": local_time_text(show.starts_at_utc - settings.green_room_lead, zone),
        "ends_at": local_time_text(show.ends_at_utc, zone),
        "timezone": zone.key,
        "green_room_minutes": int(settings.green_room_lead.total_seconds() // 60),
    }
    join = _web_link(show.join_url)
    if join:
        values["join_url"] = join
    if show.location:
        values["location"] = plain_text(show.location, MAX_TITLE_CHARS)
    return Record(label, values)


def guest_template_variables(
    email: DueEmail, booking: Booking, *, settings: JourneySettings, airing: Airing | None = None,
) -> dict[str, Record]:
    """What a guest template may use: ``guest``, ``owner``, ``show``, ``booking``, plus ``moved_to``
    (a cancel for a move), ``appearance`` (thank-you) and ``reminder`` (reminders)."""
    zone = guest_zone(booking, email.show)
    guest = {"name": booking.guest_name, "email": booking.guest_email}
    first_name = greeting_name(booking.guest_name)
    if first_name:
        guest["first_name"] = first_name
    variables = {
        "guest": Record("guest", guest),
        "owner": Record("owner", {"name": booking.owner_name, "email": booking.owner_email}),
        "show": _show_record(email.show, zone, settings, time_changed=email.time_changed),
        "booking": Record("booking", {
            "topic": plain_text(booking.topic, MAX_TOPIC_CHARS),
            "talking_points": [plain_text(p, MAX_TALKING_POINT_CHARS)
                               for p in booking.talking_points[:MAX_TALKING_POINTS] if p.strip()],
            "sequence": email.sequence,
            "cancel_reason": str(email.cancel_reason) if email.cancel_reason else "",
        }),
    }
    if email.moved_to is not None:
        variables["moved_to"] = _show_record(email.moved_to, zone, settings, "moved_to")
    if email.kind in (GuestEmailKind.REMINDER_24H, GuestEmailKind.REMINDER_1H):
        variables["reminder"] = Record("reminder", {"outside_waking_hours": email.outside_waking_hours})
    if email.kind is GuestEmailKind.THANK_YOU and airing is not None:
        appearance: dict[str, Any] = {
            "on_air_at": local_time_text(airing.segment_started_at_utc, zone),
            "on_air_minutes": max(1, round(airing.on_air.total_seconds() / 60)),
        }
        vod = _web_link(airing.vod_url)
        link = _web_link(segment_link(airing))
        if vod:
            appearance["vod_url"] = vod
        if link:
            appearance["segment_url"] = link
        variables["appearance"] = Record("appearance", appearance)
    return variables


# ---------------------------------------------------------------------------------------- message


@dataclass(frozen=True)
class GuestMessageParts:
    """Where the email goes and how it is dated and threaded; the rest comes from the booking."""

    message_id: str
    date: datetime
    physical_address: str
    references: tuple[str, ...] = ()
    unsubscribe_url: str | None = None
    unsubscribe_key: bytes | None = None


def build_guest_message(
    rendered: RenderedEmail, email: DueEmail, booking: Booking, parts: GuestMessageParts, *,
    settings: JourneySettings, subject: str | None = None,
) -> EmailMessage:
    """The whole email from the booking owner's mailbox to the guest: text (and HTML) from ``rendered``,
    plus, for invites, ``text/calendar; method=REQUEST|CANCEL`` and ``invite.ics``. ``subject`` overrides
    the template's (e.g. ``Re: ...`` to thread with an outreach conversation)."""
    message = build_message(Outgoing(
        from_name=booking.owner_name, from_address=booking.owner_email,
        to_name=booking.guest_name, to_address=booking.guest_email,
        subject=subject or rendered.subject, text=rendered.text, html=rendered.html,
        message_id=parts.message_id, date=parts.date, physical_address=parts.physical_address,
        unsubscribe_url=parts.unsubscribe_url, unsubscribe_key=parts.unsubscribe_key,
        references=parts.references,
    ))
    if email.invite is None:
        return message
    ics = build_calendar(email, booking, now=parts.date, settings=settings)
    message.add_alternative(ics.decode("utf-8"), subtype="calendar", params={"method": email.invite.value})
    message.make_mixed()
    message.add_attachment(ics, maintype="application", subtype="ics", filename=INVITE_FILENAME)
    return message


def compose_guest_email(
    library: TemplateLibrary, email: DueEmail, booking: Booking, parts: GuestMessageParts, *,
    settings: JourneySettings, airing: Airing | None = None, subject: str | None = None,
) -> EmailMessage:
    """Render ``email``'s template (the team's own if it has one) and build the whole message: the one
    call the outbox makes per due guest email. Raises ``EmailTemplateError`` or ``HeaderInjectionError``
    before anything is queued."""
    variables = guest_template_variables(email, booking, settings=settings, airing=airing)
    rendered = library.render(email.kind.template, variables)
    return build_guest_message(rendered, email, booking, parts, settings=settings, subject=subject)
