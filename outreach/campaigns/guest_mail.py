"""Guest emails through the outbox: each tick, every booking's due emails are queued exactly once.

For each booking made from outreach (:func:`livekit.guests.journey.booking_journeys`), the tick adapts
livekit's scheduled show, the booking and the influencer into the inputs of the pure journey rules
(:func:`outreach.core.guest_journey.plan_guest_emails`), renders each due email
(:func:`outreach.mail.invite.compose_guest_email`) and writes, in one transaction, the outbox row and its
idempotency key in ``guest_emails`` (the key is the primary key). A process killed at any point either
queued the email with its key or neither: the next tick plans again and finds the key, so the email is queued
once and, as every outbox row, delivered at most once. Emails the rules will never send are recorded once,
with their reason.

Who sends: the booking owner's mailbox. The owner is the team member who booked the guest (``booked_by``,
``[team.KEY]``); their ``mailbox`` names a ``[mailboxes.NAME]``. Without one, the mailbox that last wrote
to the person in a campaign (so the guest email threads there), else the newest campaign's sender.
Threading: the person's last campaign thread (References / In-Reply-To of every email of it).

Suppression is checked when queueing (a suppressed or do-not-contact person's emails are skipped with that
reason) and again by the outbox's claim, in the same UPDATE that starts the delivery.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import sqlite_utils

from greenroom.config import Config
from greenroom.errors import GreenroomError
from greenroom.team import Team, load_team
from livekit.guests.journey import BookingJourney, booking_journeys
from livekit.schedule import ScheduledShowNotFound, schedule_changes, scheduled_show
from outreach.campaigns.settings import MailboxSettings, OutreachSettings
from outreach.core.campaign import Sender
from outreach.core.guest_journey import (
    Airing,
    Booking,
    BookingStatus,
    DueEmail,
    GuestEmailKind,
    JourneySettings,
    ScheduledShow,
    booking_key_prefix,
    plan_guest_emails,
)
from outreach.mail.invite import GuestMessageParts, compose_guest_email
from outreach.mail.message import HeaderInjectionError, message_bytes, new_message_id, sender_named_in
from outreach.mail.template import EmailTemplateError, TemplateLibrary
from outreach.storage.influencers import parse_timestamp, record_activity, timestamp

#: Outbox rows of guest emails carry this ``kind`` (campaign steps: ``campaign``).
GUEST_KIND = "guest"


@dataclass(frozen=True)
class GuestMailSettings:
    """The team (whose mailboxes send their guests' emails) and the journey's timing (``[guests]``:
    ``green_room_lead_minutes``)."""

    team: Team = field(default_factory=Team)
    journey: JourneySettings = field(default_factory=JourneySettings)

    @classmethod
    def from_config(cls, config: Config) -> GuestMailSettings:
        lead = config.get("guests", "green_room_lead_minutes", int, 15)
        if lead < 0:
            raise GreenroomError("[guests] green_room_lead_minutes cannot be negative")
        return cls(load_team(config), JourneySettings(green_room_lead=timedelta(minutes=lead)))

    @classmethod
    def for_workspace(cls, root: Path) -> GuestMailSettings:
        path = root / "greenroom.toml"
        return cls.from_config(Config.load(path)) if path.exists() else cls()


@dataclass
class GuestMailReport:
    queued: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------- adapting


def _utc(epoch_ms: int) -> datetime:
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)


def core_show(db: sqlite_utils.Database, key: str) -> ScheduledShow | None:
    """livekit's scheduled show ``key`` as the journey rules see it (None: not on the calendar), with its join
    link and location for the invites."""
    try:
        show = scheduled_show(db, key)
    except ScheduledShowNotFound:
        return None
    plan = show.plan
    return ScheduledShow(
        key=show.key, title=show.title, starts_at_utc=_utc(plan.starts_at_ms), timezone=plan.timezone,
        ends_at_utc=_utc(plan.ends_at_ms),
        hard_out_utc=None if plan.hard_out_ms is None else _utc(plan.hard_out_ms),
        join_url=show.join_url, location=show.location, sequence=show.sequence, cancelled=show.cancelled,
        starts_by_sequence=tuple((change.sequence, _utc(change.plan.starts_at_ms)) for change in schedule_changes(db, key)),
    )


def core_status(journey: BookingJourney) -> BookingStatus:
    """The booking's status for the rules: cancelled; appeared / no-show once the show ran; else booked
    (moved when it left other shows)."""
    if journey.cancelled:
        return BookingStatus.CANCELLED
    airing = journey.airing
    if airing is not None and airing.appeared and (airing.show_ended_ms is not None or journey.status == "done"):
        return BookingStatus.APPEARED
    if journey.status == "no_show" or (airing is not None and airing.no_show):
        return BookingStatus.NO_SHOW
    return BookingStatus.MOVED if journey.moved_from else BookingStatus.BOOKED


def core_airing(journey: BookingJourney) -> Airing | None:
    """What aired of the guest, from livekit's report: their segment's first airing, the VOD (whose timeline
    starts at the show's start, like the chapters)."""
    airing = journey.airing
    if airing is None or airing.segment_started_ms is None:
        if airing is not None and airing.show_ended_ms is not None:
            return Airing(_utc(airing.show_ended_ms), timedelta(0), _utc(airing.show_ended_ms), None, None)
        return None
    return Airing(
        segment_started_at_utc=_utc(airing.segment_started_ms), on_air=timedelta(milliseconds=airing.on_air_ms),
        show_ended_at_utc=None if airing.show_ended_ms is None else _utc(airing.show_ended_ms),
        vod_url=airing.vod_url,
        vod_started_at_utc=None if airing.show_started_ms is None else _utc(airing.show_started_ms),
    )


def _identity(db: sqlite_utils.Database, address: str) -> Sender:
    """The From name a mailbox's earlier emails carried (the address itself when none)."""
    row = db.execute("SELECT raw FROM outbox WHERE sender_address = ? ORDER BY id DESC LIMIT 1", [address]).fetchone()
    return sender_named_in(row[0] if row else None, address)


def owner_sender(
    db: sqlite_utils.Database, journey: BookingJourney, influencer_id: int, settings: GuestMailSettings,
    mailboxes: Mapping[str, MailboxSettings],
) -> Sender | None:
    """The booking owner's mailbox: the team member's ``mailbox``, else the mailbox that last wrote to the
    person in a campaign, else the newest campaign's sender."""
    member = settings.team.find(journey.booked_by) if journey.booked_by else None
    if member is not None and member.mailbox:
        mailbox = mailboxes.get(member.mailbox)
        if mailbox is not None:
            return Sender(member.name or mailbox.name or mailbox.address, mailbox.address.lower())
    row = db.execute("SELECT sender_address FROM outbox WHERE influencer_id = ? AND kind != ? AND state = 'sent' "
                     "ORDER BY sent_at DESC, id DESC LIMIT 1", [influencer_id, GUEST_KIND]).fetchone()
    if row is None:
        row = db.execute("SELECT sender_address FROM campaigns ORDER BY id DESC LIMIT 1").fetchone()
    if row is None:
        return None
    sender = _identity(db, row[0].lower())
    return Sender(member.name, sender.address) if member is not None else sender


def _thread(db: sqlite_utils.Database, influencer_id: int) -> tuple[str, ...]:
    """Message-IDs of the person's last campaign thread (oldest first): the guest emails answer it."""
    row = db.execute("SELECT enrollment_id FROM outbox WHERE influencer_id = ? AND kind != ? AND state = 'sent' "
                     "ORDER BY sent_at DESC, id DESC LIMIT 1", [influencer_id, GUEST_KIND]).fetchone()
    if row is None:
        return ()
    return tuple(r[0] for r in db.execute(
        "SELECT message_id FROM outbox WHERE enrollment_id = ? AND state = 'sent' ORDER BY step", [row[0]]))


def _sent_keys(db: sqlite_utils.Database, guest_id: int) -> dict[str, datetime]:
    prefix = booking_key_prefix(str(guest_id))
    return {key: parse_timestamp(at) for key, at in db.execute(
        "SELECT key, at FROM guest_emails WHERE guest_id = ? AND substr(key, 1, ?) = ?",
        [guest_id, len(prefix), prefix])}


def _blocked(db: sqlite_utils.Database, influencer: dict[str, Any], address: str) -> str | None:
    found = db.execute("SELECT reason FROM suppressions WHERE email = ?", [address.lower()]).fetchone()
    if found:
        return f"suppressed: {found[0]}"
    if influencer["stage"] == "do-not-contact":
        return "stage do-not-contact"
    return None


# --------------------------------------------------------------------------------------- queueing


def queue_guest_emails(
    db: sqlite_utils.Database, library: TemplateLibrary, settings: OutreachSettings, now: datetime,
    guest_settings: GuestMailSettings, mailboxes: Mapping[str, MailboxSettings] | None = None,
) -> GuestMailReport:
    """Plan every booking's guest emails at ``now`` and queue the due ones (see the module docstring).
    Each booking is its own savepoint: one booking's broken template never holds back another's."""
    report = GuestMailReport()
    finished = {row[0] for row in db.execute(
        "SELECT DISTINCT guest_id FROM guest_emails WHERE kind IN (?, ?)",
        [str(GuestEmailKind.THANK_YOU), str(GuestEmailKind.NO_SHOW)])}
    for journey in booking_journeys(db, skip=finished):
        if journey.influencer_id is None or journey.show_key is None:
            continue
        try:
            with db.atomic():
                _queue_booking(db, library, settings, now, guest_settings, mailboxes or {}, journey, report)
        except (EmailTemplateError, HeaderInjectionError, GreenroomError, ValueError) as error:
            report.errors.append(f"guest #{journey.guest_id}: {error}")
    return report


def _queue_booking(
    db: sqlite_utils.Database, library: TemplateLibrary, settings: OutreachSettings, now: datetime,
    guest_settings: GuestMailSettings, mailboxes: Mapping[str, MailboxSettings], journey: BookingJourney,
    report: GuestMailReport,
) -> None:
    assert journey.influencer_id is not None and journey.show_key is not None
    show = core_show(db, journey.show_key)
    influencer = db.execute("SELECT * FROM influencers WHERE id = ?", [journey.influencer_id]).fetchone()
    if show is None or influencer is None:
        return
    columns = [c[0] for c in db.execute("SELECT * FROM influencers LIMIT 0").description]
    person = dict(zip(columns, influencer, strict=True))
    address = person.get("email")
    if not address:
        return
    sender = owner_sender(db, journey, journey.influencer_id, guest_settings, mailboxes)
    if sender is None:
        return
    moved_from = [old for old in (core_show(db, key) for key in journey.moved_from) if old is not None]
    booking = Booking(
        booking_id=str(journey.guest_id), guest_name=person["name"], guest_email=address,
        guest_timezone=person.get("timezone"), topic=journey.topic, talking_points=journey.talking_points,
        owner_name=sender.name, owner_email=sender.address, status=core_status(journey),
    )
    airing = core_airing(journey)
    sent = _sent_keys(db, journey.guest_id)
    plan = plan_guest_emails(booking, show, sent, now, airing=airing, moved_from=moved_from,
                             settings=guest_settings.journey)
    for skipped in plan.skipped:
        _record_key(db, skipped.key, journey, skipped.kind, now, reason=skipped.reason)
        report.skipped.append(f"{person['name']}: {skipped.kind} not sent ({skipped.reason})")
    blocked = _blocked(db, person, address)
    references = _thread(db, journey.influencer_id)
    for email in plan.due:
        if blocked:
            _record_key(db, email.key, journey, email.kind, now, reason=blocked)
            report.skipped.append(f"{person['name']}: {email.kind} not sent ({blocked})")
            continue
        outbox_id = _queue(db, library, settings, now, guest_settings, email, booking, sender, airing,
                           references, journey, person)
        _record_key(db, email.key, journey, email.kind, now, outbox_id=outbox_id)
        report.queued.append({"to": address, "kind": str(email.kind), "show": show.key, "from": sender.address})


def _queue(
    db: sqlite_utils.Database, library: TemplateLibrary, settings: OutreachSettings, now: datetime,
    guest_settings: GuestMailSettings, email: DueEmail, booking: Booking, sender: Sender, airing: Airing | None,
    references: tuple[str, ...], journey: BookingJourney, person: dict[str, Any],
) -> int:
    message_id = new_message_id(sender.address)
    parts = GuestMessageParts(message_id=message_id, date=now, physical_address=settings.physical_address,
                              references=references, unsubscribe_url=settings.unsubscribe_url,
                              unsubscribe_key=settings.unsubscribe_key)
    message = compose_guest_email(library, email, booking, parts, settings=guest_settings.journey, airing=airing)
    row = {
        "kind": GUEST_KIND, "guest_id": journey.guest_id, "influencer_id": person["id"],
        "template": email.kind.template, "to_address": booking.guest_email, "sender_address": sender.address,
        "message_id": message_id, "subject": str(message["Subject"]), "raw": message_bytes(message).decode("utf-8"),
        "state": "queued", "attempts": 0, "queued_at": timestamp(now),
    }
    return cast(int, db.table("outbox").insert(row).last_pk)


def _record_key(db: sqlite_utils.Database, key: str, journey: BookingJourney, kind: GuestEmailKind, now: datetime,
                *, outbox_id: int | None = None, reason: str | None = None) -> None:
    db.execute("INSERT INTO guest_emails (key, guest_id, influencer_id, kind, outbox_id, reason, at) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)",
               [key, journey.guest_id, journey.influencer_id, str(kind), outbox_id, reason, timestamp(now)])


# --------------------------------------------------------------------------------------- delivery


def record_guest_sent(db: sqlite_utils.Database, row: dict[str, Any], at: datetime) -> None:
    """After a guest email left: the person's history says which one (no sequence to move on)."""
    kind = db.execute("SELECT kind FROM guest_emails WHERE outbox_id = ?", [row["id"]]).fetchone()
    record_activity(db, row["influencer_id"], "emailed",
                    f"guest {kind[0] if kind else 'email'}: {row['subject']}", at=at)


def guest_reply_review(db: sqlite_utils.Database, row: dict[str, Any], settings: GuestMailSettings | None = None
                       ) -> str:
    """Why a "can't make it" answering a guest email waits in the review queue: for the booking owner."""
    found = db.execute("SELECT guest_id FROM guest_emails WHERE outbox_id = ?", [row["id"]]).fetchone()
    owner = next((j.booked_by for j in booking_journeys(db) if found and j.guest_id == found[0]), "")
    member = (settings or GuestMailSettings()).team.find(owner) if owner else None
    who = member.name if member is not None else (owner or row["sender_address"])
    return (f"a booked guest says they cannot make it (guest #{found[0] if found else '?'}): for {who}, "
            "who booked them, to move or cancel the booking")
