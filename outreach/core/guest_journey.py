"""Which emails a booked guest should get now: the guest journey's rules, with no I/O and no clock.

From the booking ("yes, I'll come") to the thank-you with the link to their own segment, a guest gets:

- **confirmation** with a calendar invite (METHOD:REQUEST) as soon as they are booked;
- **update** (same UID, the show's newer SEQUENCE) when the show moves after an invite went out;
- **cancel** (METHOD:CANCEL, SEQUENCE + 1) when the show or the booking is cancelled, or the booking is
  moved to another show (then the new show gets its own confirmation); after a cancel, nothing more
  about that show;
- **reminder 24 h** and **reminder 1 h** before their *arrival* (the show's planned start minus the
  green-room lead), inside the guest's waking hours (see :func:`reminder_24h_at` and
  :func:`reminder_1h_at` for the exact rules);
- **thank-you** once the show has ended and what aired is known: the VOD link with a deep link to the
  start of their own segment (:func:`deep_link`);
- **no-show follow-up** offering to reschedule, when they did not come.

The caller (the outbox) passes the booking, its show, what aired and what was already queued; this module
answers with the emails that are due *now* (:func:`plan_guest_emails`). Each email has a stable
idempotency key (:func:`email_key`), e.g. ``guest:42:weekly-2026-12-10:confirmation:seq3``; the outbox
stores it with a UNIQUE constraint in the same transaction as the queued message, so a crash at any point
can neither lose an email nor send it twice, and running the plan again (every tick) is harmless.

Emails that will never be sent are not dropped silently: they come back as :class:`SkippedEmail` with the
reason, and the outbox records their key (as "skipped") so each is reported once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class BookingStatus(StrEnum):
    BOOKED = "booked"
    #: Moved from another show to this one (the shows it left are passed as ``moved_from``).
    MOVED = "moved"
    CANCELLED = "cancelled"
    APPEARED = "appeared"
    NO_SHOW = "no-show"


#: Statuses in which the guest is still coming to the show.
UPCOMING = frozenset({BookingStatus.BOOKED, BookingStatus.MOVED})


class GuestEmailKind(StrEnum):
    CONFIRMATION = "confirmation"
    UPDATE = "update"
    CANCEL = "cancel"
    REMINDER_24H = "reminder_24h"
    REMINDER_1H = "reminder_1h"
    THANK_YOU = "thank_you"
    NO_SHOW = "no_show"

    @property
    def template(self) -> str:
        """The template that renders this email (``templates/email/guest/<kind>.md.j2``)."""
        return f"guest/{self.value}.md.j2"


class InviteMethod(StrEnum):
    REQUEST = "REQUEST"
    CANCEL = "CANCEL"


class CancelReason(StrEnum):
    SHOW_CANCELLED = "show_cancelled"
    BOOKING_CANCELLED = "booking_cancelled"
    MOVED = "moved"


@dataclass(frozen=True)
class ScheduledShow:
    """A planned show, as livekit's schedule knows it. ``sequence`` goes up each time the show is moved
    (iCalendar SEQUENCE); ``key`` never changes, even when the show moves."""

    key: str
    title: str
    starts_at_utc: datetime
    timezone: str
    ends_at_utc: datetime
    hard_out_utc: datetime | None = None
    join_url: str | None = None
    location: str | None = None
    sequence: int = 0
    cancelled: bool = False
    #: The start each earlier SEQUENCE of the show had (from livekit's kept changes): an update tells the
    #: guest "new time" only when the start moved since their last invite, not for a new join link.
    starts_by_sequence: tuple[tuple[int, datetime], ...] = ()

    def __post_init__(self) -> None:
        for name in ("starts_at_utc", "ends_at_utc", "hard_out_utc"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"ScheduledShow.{name} must be timezone-aware (UTC), got {value!r}")
        if self.ends_at_utc < self.starts_at_utc:
            raise ValueError("a show cannot end before it starts")
        if self.sequence < 0:
            raise ValueError("sequence must be 0 or more")


@dataclass(frozen=True)
class Booking:
    """A guest booked for a show. ``booking_id`` is stable for the booking's whole life (moves included);
    ``owner_*`` is the team member whose mailbox sends the guest's emails (and is the invite's ORGANIZER)."""

    booking_id: str
    guest_name: str
    guest_email: str
    guest_timezone: str | None
    topic: str
    talking_points: tuple[str, ...]
    owner_name: str
    owner_email: str
    status: BookingStatus


@dataclass(frozen=True)
class Airing:
    """What actually aired of the guest's segment (from the after-show report).

    ``segment_started_at_utc`` is the start of the segment's first airing, ``vod_started_at_utc`` the
    instant the VOD's timeline starts at (the stream's or recording's start), so the deep link points at
    the moment they came on air. ``vod_url`` is None until the VOD is known.
    """

    segment_started_at_utc: datetime
    on_air: timedelta
    show_ended_at_utc: datetime | None
    vod_url: str | None
    vod_started_at_utc: datetime | None


@dataclass(frozen=True)
class JourneySettings:
    """The configurable parts of the journey. Waking hours are in the *guest's* zone, [start, end)."""

    green_room_lead: timedelta = timedelta(minutes=15)
    waking_start: time = time(8, 0)
    waking_end: time = time(21, 0)
    #: A 1 h reminder moved into waking hours must still leave the guest this long before arrival.
    min_reminder_notice: timedelta = timedelta(minutes=15)

    def __post_init__(self) -> None:
        if self.green_room_lead < timedelta(0):
            raise ValueError("the green-room lead cannot be negative")
        start = timedelta(hours=self.waking_start.hour, minutes=self.waking_start.minute)
        end = timedelta(hours=self.waking_end.hour, minutes=self.waking_end.minute)
        if end - start < timedelta(hours=2):
            raise ValueError("waking hours must be at least two hours long and must not cross midnight")


@dataclass(frozen=True)
class DueEmail:
    """One email to queue now. ``invite`` is the calendar method to attach (None: no .ics);
    ``sequence`` is the invite's SEQUENCE; ``outside_waking_hours`` is set when a 1 h reminder goes out
    at its exact time even though the guest may be asleep (see :func:`reminder_1h_at`)."""

    key: str
    kind: GuestEmailKind
    show: ScheduledShow
    uid: str
    sequence: int
    invite: InviteMethod | None
    arrival_utc: datetime
    cancel_reason: CancelReason | None = None
    moved_to: ScheduledShow | None = None
    outside_waking_hours: bool = False
    #: An update whose show starts at another time than in the guest's last invite (False: only the join
    #: link, the location or the end changed).
    time_changed: bool = False


@dataclass(frozen=True)
class SkippedEmail:
    """An email of the journey that will never be sent, and why (record its key so it is said once)."""

    key: str
    kind: GuestEmailKind
    reason: str


@dataclass(frozen=True)
class GuestEmailPlan:
    due: tuple[DueEmail, ...] = ()
    skipped: tuple[SkippedEmail, ...] = field(default_factory=tuple)


# --------------------------------------------------------------------------------------------- keys


def booking_key_prefix(booking_id: str) -> str:
    """What every key of this booking starts with: the outbox loads ``sent`` with ``LIKE prefix || '%'``."""
    return f"guest:{quote(booking_id, safe='')}:"


def _show_part(booking_id: str, show_key: str) -> str:
    return f"{booking_key_prefix(booking_id)}{quote(show_key, safe='')}"


def email_key(booking_id: str, show_key: str, kind: GuestEmailKind, sequence: int | None = None) -> str:
    """The idempotency key of one guest email. Invites and reminders carry the show's SEQUENCE (a moved
    show gets a new update and new reminders); cancel, thank-you and no-show happen once per show."""
    key = f"{_show_part(booking_id, show_key)}:{kind.value}"
    return key if sequence is None else f"{key}:seq{sequence}"


#: The right-hand side of invite UIDs unless the caller names the team's own domain. Not taken from the
#: owner's address: a booking handed to another team member must keep its calendar event.
UID_DOMAIN = "guests.greenroom.invalid"


def invite_uid(booking_id: str, show_key: str, domain: str = UID_DOMAIN) -> str:
    """The calendar UID of a booking's invite for one show: the same for every update and the cancel,
    different for another show (a moved guest gets a cancel for the old event and a new one)."""
    digest = hashlib.sha256(f"{booking_id}\x00{show_key}".encode()).hexdigest()[:24]
    return f"guest-{digest}@{domain}"


def last_invite_sequence(booking_id: str, show: ScheduledShow, sent: Mapping[str, datetime]) -> int | None:
    """The SEQUENCE of the newest invite (confirmation or update) queued for this show, or None."""
    for sequence in range(show.sequence, -1, -1):
        for kind in (GuestEmailKind.UPDATE, GuestEmailKind.CONFIRMATION):
            if email_key(booking_id, show.key, kind, sequence) in sent:
                return sequence
    return None


def _last_invite_queued_at(booking_id: str, show: ScheduledShow, sent: Mapping[str, datetime]) -> datetime | None:
    sequence = last_invite_sequence(booking_id, show, sent)
    if sequence is None:
        return None
    for kind in (GuestEmailKind.UPDATE, GuestEmailKind.CONFIRMATION):
        at = sent.get(email_key(booking_id, show.key, kind, sequence))
        if at is not None:
            return at
    return None


# ------------------------------------------------------------------------------------------- times


def guest_zone(booking: Booking, show: ScheduledShow) -> ZoneInfo:
    """The guest's zone; the show's when theirs is unknown or not an IANA name."""
    for name in (booking.guest_timezone, show.timezone):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def arrival(show: ScheduledShow, settings: JourneySettings) -> datetime:
    """When the guest is expected in the green room: the planned start minus the lead (UTC)."""
    return (show.starts_at_utc - settings.green_room_lead).astimezone(UTC)


def is_waking(moment: datetime, zone: ZoneInfo, settings: JourneySettings) -> bool:
    local = moment.astimezone(zone).time()
    return settings.waking_start <= local < settings.waking_end


def _evening_before(moment: datetime, zone: ZoneInfo, settings: JourneySettings) -> datetime:
    """One hour before waking hours end, on the last evening before ``moment`` (UTC)."""
    local = moment.astimezone(zone)
    evening_time = (datetime.combine(local.date(), settings.waking_end) - timedelta(hours=1)).time()
    day = local.date() if local.time() >= settings.waking_end else local.date() - timedelta(days=1)
    return datetime.combine(day, evening_time, zone).astimezone(UTC)


def _next_waking_start(moment: datetime, zone: ZoneInfo, settings: JourneySettings) -> datetime:
    local = moment.astimezone(zone)
    day = local.date() if local.time() < settings.waking_start else local.date() + timedelta(days=1)
    return datetime.combine(day, settings.waking_start, zone).astimezone(UTC)


def reminder_24h_at(arrival_utc: datetime, zone: ZoneInfo, settings: JourneySettings) -> datetime:
    """24 h before arrival; when that falls outside waking hours, *earlier*: one hour before waking hours
    end on the evening before (an arrival at 04:00 is reminded at 20:00 two evenings before, never at
    04:00, and never pushed later, where it would crowd the 1 h reminder)."""
    ideal = arrival_utc - timedelta(hours=24)
    return ideal if is_waking(ideal, zone, settings) else _evening_before(ideal, zone, settings)


def reminder_1h_at(arrival_utc: datetime, zone: ZoneInfo, settings: JourneySettings) -> tuple[datetime, bool]:
    """When the 1 h reminder goes out, and whether that is outside waking hours.

    The rule: 1 h before arrival when that is in waking hours. Otherwise *later*, when waking hours start,
    if that still leaves ``min_reminder_notice`` before arrival (arrival 08:30 with waking hours from
    08:00: reminded at 08:00). Otherwise at the exact time anyway, flagged ``outside_waking_hours``: the
    guest has to be up for an arrival that early, and a reminder they only read after the show starts is
    worth nothing. It is never moved to the evening before (that is the 24 h reminder's job) and never
    dropped for the hour it falls at.
    """
    ideal = arrival_utc - timedelta(hours=1)
    if is_waking(ideal, zone, settings):
        return ideal, False
    opening = _next_waking_start(ideal, zone, settings)
    if opening <= arrival_utc - settings.min_reminder_notice:
        return opening, False
    return ideal, True


# --------------------------------------------------------------------------------------- deep link


def deep_link(vod_url: str, offset: timedelta) -> str:
    """``vod_url`` with ``t`` set to the offset: ``?t=754`` (YouTube and most players read seconds);
    Twitch VODs want ``?t=0h12m34s``. An existing ``t`` is replaced, other parameters kept."""
    seconds = max(0, int(offset.total_seconds()))
    parts = urlsplit(vod_url)
    host = (parts.hostname or "").lower()
    if host == "twitch.tv" or host.endswith(".twitch.tv"):
        hours, rest = divmod(seconds, 3600)
        value = f"{hours}h{rest // 60}m{rest % 60}s"
    else:
        value = str(seconds)
    query = [(name, val) for name, val in parse_qsl(parts.query, keep_blank_values=True) if name != "t"]
    query.append(("t", value))
    return urlunsplit(parts._replace(query=urlencode(query, safe=":/")))


def segment_link(airing: Airing) -> str | None:
    """The link to the guest's own segment in the VOD, or None until the VOD and its start are known."""
    if airing.vod_url is None or airing.vod_started_at_utc is None:
        return None
    return deep_link(airing.vod_url, airing.segment_started_at_utc - airing.vod_started_at_utc)


# -------------------------------------------------------------------------------------------- plan


@dataclass
class _Planner:
    booking: Booking
    show: ScheduledShow
    sent: Mapping[str, datetime]
    now: datetime
    settings: JourneySettings
    uid_domain: str
    due: list[DueEmail] = field(default_factory=list)
    skipped: list[SkippedEmail] = field(default_factory=list)

    def key(self, kind: GuestEmailKind, sequence: int | None = None, show: ScheduledShow | None = None) -> str:
        return email_key(self.booking.booking_id, (show or self.show).key, kind, sequence)

    def emit(self, kind: GuestEmailKind, key: str, *, show: ScheduledShow | None = None, sequence: int | None = None,
             invite: InviteMethod | None = None, cancel_reason: CancelReason | None = None,
             moved_to: ScheduledShow | None = None, outside_waking_hours: bool = False,
             time_changed: bool = False) -> None:
        target = show or self.show
        self.due.append(DueEmail(
            key=key, kind=kind, show=target, uid=invite_uid(self.booking.booking_id, target.key, self.uid_domain),
            sequence=target.sequence if sequence is None else sequence, invite=invite,
            arrival_utc=arrival(target, self.settings), cancel_reason=cancel_reason, moved_to=moved_to,
            outside_waking_hours=outside_waking_hours, time_changed=time_changed,
        ))

    def skip(self, kind: GuestEmailKind, key: str, reason: str) -> None:
        if key not in self.sent:
            self.skipped.append(SkippedEmail(key, kind, reason))

    def cancel(self, show: ScheduledShow, reason: CancelReason, moved_to: ScheduledShow | None = None) -> None:
        """A CANCEL for ``show``'s event, if the guest ever got an invite for it and no cancel yet."""
        key = self.key(GuestEmailKind.CANCEL, show=show)
        if key in self.sent:
            return
        last = last_invite_sequence(self.booking.booking_id, show, self.sent)
        if last is None:
            self.skip(GuestEmailKind.CANCEL, key, "no invite was ever sent for this show: nothing to cancel")
            return
        self.emit(GuestEmailKind.CANCEL, key, show=show, sequence=max(show.sequence, last + 1),
                  invite=InviteMethod.CANCEL, cancel_reason=reason, moved_to=moved_to)

    def invites(self) -> bool:
        """Confirmation or update for the current show; True when the guest has (or now gets) an invite."""
        show, now = self.show, self.now
        last = last_invite_sequence(self.booking.booking_id, show, self.sent)
        if last is None:
            key = self.key(GuestEmailKind.CONFIRMATION, show.sequence)
            if now >= show.ends_at_utc:
                self.skip(GuestEmailKind.CONFIRMATION, key, "booked after the show had ended")
                return False
            self.emit(GuestEmailKind.CONFIRMATION, key, invite=InviteMethod.REQUEST)
            return True
        if last < show.sequence:
            key = self.key(GuestEmailKind.UPDATE, show.sequence)
            if now >= show.starts_at_utc:
                self.skip(GuestEmailKind.UPDATE, key, "the show was moved after it had started")
            else:
                told = dict(show.starts_by_sequence).get(last)
                self.emit(GuestEmailKind.UPDATE, key, invite=InviteMethod.REQUEST,
                          time_changed=told != show.starts_at_utc)
        return True

    def reminders(self) -> None:
        show, now = self.show, self.now
        arrives = arrival(show, self.settings)
        zone = guest_zone(self.booking, show)
        told_at = _last_invite_queued_at(self.booking.booking_id, show, self.sent)
        if told_at is None or any(email.invite is InviteMethod.REQUEST and email.show == show for email in self.due):
            told_at = now  # the invite is queued in this very plan
        hour_at, outside = reminder_1h_at(arrives, zone, self.settings)
        day_key = self.key(GuestEmailKind.REMINDER_24H, show.sequence)
        day_at = reminder_24h_at(arrives, zone, self.settings)
        if day_key not in self.sent:
            if told_at >= arrives - timedelta(hours=24):
                self.skip(GuestEmailKind.REMINDER_24H, day_key,
                          "the guest got their invite less than 24 h before arrival")
            elif now >= hour_at:
                self.skip(GuestEmailKind.REMINDER_24H, day_key,
                          "not sent before the 1 h reminder was due (was the outbox stopped?)")
            elif now >= day_at and is_waking(now, zone, self.settings):
                self.emit(GuestEmailKind.REMINDER_24H, day_key)
        hour_key = self.key(GuestEmailKind.REMINDER_1H, show.sequence)
        if hour_key not in self.sent:
            if told_at >= arrives - timedelta(hours=1):
                self.skip(GuestEmailKind.REMINDER_1H, hour_key,
                          "the guest got their invite less than 1 h before arrival")
            elif now >= arrives:
                self.skip(GuestEmailKind.REMINDER_1H, hour_key,
                          "not sent before the guest's arrival time (was the outbox stopped?)")
            elif now >= hour_at:
                self.emit(GuestEmailKind.REMINDER_1H, hour_key, outside_waking_hours=outside)

    def after_show(self, kind: GuestEmailKind, ready_at: datetime | None) -> None:
        """Thank-you or no-show follow-up: once ``ready_at`` has passed, inside waking hours."""
        key = self.key(kind)
        if key in self.sent or ready_at is None or self.now < ready_at:
            return
        if is_waking(self.now, guest_zone(self.booking, self.show), self.settings):
            self.emit(kind, key)


def plan_guest_emails(
    booking: Booking,
    show: ScheduledShow,
    sent: Mapping[str, datetime],
    now: datetime,
    *,
    airing: Airing | None = None,
    moved_from: Sequence[ScheduledShow] = (),
    settings: JourneySettings | None = None,
    uid_domain: str | None = None,
) -> GuestEmailPlan:
    """The guest emails due at ``now`` for ``booking`` (currently on ``show``).

    ``sent`` maps the idempotency key of every email already queued for this booking (and every skipped
    one) to when it was queued: the queue time tells whether the guest heard of the show recently enough
    that a reminder would only repeat it. ``moved_from`` lists the shows the booking was on before
    (their invites get a cancel). ``airing`` is what aired of the guest's segment, once known. Emails come
    in the order they should be queued (a cancel for an old show before the new show's confirmation).
    ``uid_domain`` ends every invite UID (e.g. the team's domain); it must never change once invites
    went out, or calendars would see new events.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    planner = _Planner(booking, show, sent, now, settings or JourneySettings(), uid_domain or UID_DOMAIN)
    upcoming = booking.status in UPCOMING
    for old in moved_from:
        if old.key != show.key:
            planner.cancel(old, CancelReason.MOVED, moved_to=show if upcoming and not show.cancelled else None)
    if show.cancelled or booking.status is BookingStatus.CANCELLED:
        reason = CancelReason.SHOW_CANCELLED if show.cancelled else CancelReason.BOOKING_CANCELLED
        planner.cancel(show, reason)
    elif upcoming:
        if planner.invites() and now < show.ends_at_utc:
            planner.reminders()
    elif booking.status is BookingStatus.APPEARED:
        ended = airing.show_ended_at_utc if airing else None
        if airing is not None and segment_link(airing) is None:
            ended = None  # the thank-you waits for the VOD: its link is the point of the email
        planner.after_show(GuestEmailKind.THANK_YOU, ended)
    elif booking.status is BookingStatus.NO_SHOW:
        actual_end = airing.show_ended_at_utc if airing is not None else None
        planner.after_show(GuestEmailKind.NO_SHOW, actual_end or show.ends_at_utc)
    return GuestEmailPlan(due=tuple(planner.due), skipped=tuple(planner.skipped))
