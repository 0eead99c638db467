"""Guest calendar invites and emails: every .ics is read back by icalendar and by vobject, an independent
parser that converts times through the invite's own VTIMEZONE (not the machine's zone database)."""

from dataclasses import replace
from datetime import datetime, timedelta
from email import message_from_bytes
from email.policy import default
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from outreach.core.guest_journey import (
    BookingStatus,
    GuestEmailKind,
    JourneySettings,
    email_key,
    plan_guest_emails,
)
from outreach.mail.invite import (
    MAX_TALKING_POINTS,
    MAX_TOPIC_CHARS,
    GuestMessageParts,
    build_calendar,
    build_guest_message,
    compose_guest_email,
)
from outreach.mail.message import HeaderInjectionError
from outreach.mail.template import RenderedEmail, TemplateLibrary, template_dirs
from tests.guest_journey_data import BOOKED_AT, BOOKING, SHOW, utc

PARIS = ZoneInfo("Europe/Paris")
SETTINGS = JourneySettings()
CONFIRMED = {email_key("7", SHOW.key, GuestEmailKind.CONFIRMATION, 0): BOOKED_AT}


def only_email(booking=BOOKING, show=SHOW, sent=None, now=BOOKED_AT, **kwargs):
    [email] = plan_guest_emails(booking, show, sent or {}, now, **kwargs).due
    return email


def invite(booking=BOOKING, show=SHOW, sent=None, now=BOOKED_AT, **kwargs) -> bytes:
    email = only_email(booking, show, sent, now, **kwargs)
    return build_calendar(email, booking, now=now, settings=SETTINGS)


def event_of(ics: bytes) -> icalendar.Event:
    [event] = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    return event


def vevent_of(ics: bytes):
    return vobject.readOne(ics.decode("utf-8")).vevent


# --------------------------------------------------------------------------------------------- REQUEST


def test_a_confirmation_invite_is_a_request_for_the_arrival_in_the_guests_zone():
    ics = invite()
    calendar = icalendar.Calendar.from_ical(ics)
    event = event_of(ics)
    assert calendar["METHOD"] == "REQUEST"
    assert event.decoded("DTSTART") == datetime(2026, 12, 10, 17, 45, tzinfo=PARIS)
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert event.decoded("DTEND") == datetime(2026, 12, 10, 19, 0, tzinfo=PARIS)
    assert (event["SEQUENCE"], str(event["STATUS"])) == (0, "CONFIRMED")
    assert [timezone.tz_name for timezone in calendar.timezones] == ["Europe/Paris"]


def test_the_organizer_is_the_booking_owner_and_the_guest_is_asked_to_answer():
    event = event_of(invite())
    assert str(event["ORGANIZER"]) == "mailto:kim@studio.example"
    assert event["ORGANIZER"].params["CN"] == "Kim"
    assert str(event["ATTENDEE"]) == "mailto:ana@example.com"
    assert (event["ATTENDEE"].params["CN"], event["ATTENDEE"].params["RSVP"]) == ("Ana Lopez", "TRUE")


def test_the_join_link_is_the_location_and_url_and_the_notes_hold_topic_and_talking_points():
    event = event_of(invite())
    assert (str(event["LOCATION"]), str(event["URL"])) == ("https://meet.example/retro", "https://meet.example/retro")
    notes = str(event["DESCRIPTION"])
    assert "Please arrive at 17:45 (CET) in the green room; the show starts at 18:00." in notes
    assert "Topic: Speedruns" in notes and "- Any% routes" in notes


def test_a_second_parser_reads_the_same_event():
    ics = invite()
    vevent = vevent_of(ics)
    assert vevent.dtstart.value.astimezone(ZoneInfo("UTC")) == utc(2026, 12, 10, 16, 45)
    assert vevent.dtend.value.astimezone(ZoneInfo("UTC")) == utc(2026, 12, 10, 18, 0)
    assert (vevent.uid.value, int(vevent.sequence.value)) == (str(event_of(ics)["UID"]), 0)
    assert vevent.attendee.value == "mailto:ana@example.com"
    assert vevent.attendee.params["RSVP"] == ["TRUE"]
    assert vevent.organizer.value == "mailto:kim@studio.example"
    assert "Topic: Speedruns" in vevent.description.value


def test_a_place_instead_of_a_link_is_the_location_and_a_non_web_link_is_left_out():
    studio = replace(SHOW, location="Studio 4, Rue de la Paix", join_url="javascript:alert(1)")
    event = event_of(invite(show=studio))
    assert str(event["LOCATION"]) == "Studio 4, Rue de la Paix"
    assert "URL" not in event
    assert vevent_of(invite(show=studio)).location.value == "Studio 4, Rue de la Paix"


# ---------------------------------------------------------------------------------- daylight saving


def test_local_times_stay_right_across_a_daylight_saving_change_in_both_parsers():
    # booked on 20 October (summer time in Paris), the show on 28 October (winter time: clocks went back)
    autumn = replace(SHOW, key="autumn", starts_at_utc=utc(2026, 10, 28, 17, 0), ends_at_utc=utc(2026, 10, 28, 18, 0))
    ics = invite(show=autumn, now=utc(2026, 10, 20, 10, 0))
    event = event_of(ics)
    assert event["DTSTART"].to_ical() == b"20261028T174500"
    assert event.decoded("DTSTART").utcoffset() == timedelta(hours=1)
    assert vevent_of(ics).dtstart.value.astimezone(ZoneInfo("UTC")) == utc(2026, 10, 28, 16, 45)


def test_the_invites_timezone_definition_holds_both_sides_of_the_change():
    summer = replace(SHOW, key="summer", starts_at_utc=utc(2026, 10, 21, 16, 0), ends_at_utc=utc(2026, 10, 21, 17, 0))
    ics = invite(show=summer, now=utc(2026, 10, 20, 10, 0))
    assert event_of(ics)["DTSTART"].to_ical() == b"20261021T174500"
    [timezone] = icalendar.Calendar.from_ical(ics).timezones
    zone = timezone.to_tz()
    assert datetime(2026, 10, 21, 17, 45, tzinfo=zone).utcoffset() == timedelta(hours=2)
    assert datetime(2026, 10, 28, 17, 45, tzinfo=zone).utcoffset() == timedelta(hours=1)
    assert vevent_of(ics).dtstart.value.astimezone(ZoneInfo("UTC")) == utc(2026, 10, 21, 15, 45)


def test_a_guest_in_another_zone_gets_the_invite_in_their_own_local_time():
    tokyo = replace(BOOKING, guest_timezone="Asia/Tokyo")
    ics = invite(booking=tokyo)
    event = event_of(ics)
    assert (event["DTSTART"].params["TZID"], event["DTSTART"].to_ical()) == ("Asia/Tokyo", b"20261211T014500")
    assert vevent_of(ics).dtstart.value.astimezone(ZoneInfo("UTC")) == utc(2026, 12, 10, 16, 45)


# ------------------------------------------------------------------------------------- update, cancel


def test_a_reschedule_keeps_the_uid_and_raises_the_sequence():
    moved = replace(SHOW, starts_at_utc=utc(2026, 12, 10, 18, 0), ends_at_utc=utc(2026, 12, 10, 19, 0), sequence=1)
    update = invite(show=moved, sent=CONFIRMED, now=utc(2026, 12, 2, 9, 0))
    first, second = event_of(invite()), event_of(update)
    assert str(second["UID"]) == str(first["UID"])
    assert (first["SEQUENCE"], second["SEQUENCE"]) == (0, 1)
    assert second.decoded("DTSTART") == datetime(2026, 12, 10, 18, 45, tzinfo=PARIS)
    assert icalendar.Calendar.from_ical(update)["METHOD"] == "REQUEST"
    assert int(vevent_of(update).sequence.value) == 1


def test_another_show_is_another_event():
    other = replace(SHOW, key="weekly-2026-12-17")
    assert str(event_of(invite(show=other))["UID"]) != str(event_of(invite())["UID"])


def test_a_cancelled_show_sends_a_cancel_for_the_same_event_with_the_next_sequence():
    cancel = invite(show=replace(SHOW, cancelled=True), sent=CONFIRMED, now=utc(2026, 12, 5, 9, 0))
    calendar, event = icalendar.Calendar.from_ical(cancel), event_of(cancel)
    assert (calendar["METHOD"], str(event["STATUS"]), event["SEQUENCE"]) == ("CANCEL", "CANCELLED", 1)
    assert str(event["UID"]) == str(event_of(invite())["UID"])
    vevent = vevent_of(cancel)
    assert (vevent.status.value, int(vevent.sequence.value)) == ("CANCELLED", 1)


# ------------------------------------------------------------------------------------------ user text


def test_user_text_is_escaped_and_bounded():
    chatty = replace(BOOKING, topic="Speedruns; glitches, and\nnew lines\x07" + "x" * 1000,
                     talking_points=tuple(f"point {n}; with, commas" for n in range(100)))
    ics = invite(booking=chatty)
    notes = str(event_of(ics)["DESCRIPTION"])
    assert "Topic: Speedruns; glitches, and new lines" in notes
    topic_line = next(line for line in notes.splitlines() if line.startswith("Topic: "))
    assert len(topic_line) == len("Topic: ") + MAX_TOPIC_CHARS
    assert notes.count("- point") == MAX_TALKING_POINTS
    assert "\x07" not in notes
    assert vevent_of(ics).description.value == notes


def test_names_cannot_break_out_of_their_calendar_parameter():
    sly = replace(BOOKING, guest_name='Ana "x";ROLE=CHAIR\nATTENDEE:mailto:evil@example.com')
    ics = invite(booking=sly)
    event = event_of(ics)
    assert str(event["ATTENDEE"]) == "mailto:ana@example.com"
    assert event["ATTENDEE"].params["ROLE"] == "REQ-PARTICIPANT"
    assert event["ATTENDEE"].params["CN"] == "Ana 'x';ROLE=CHAIR ATTENDEE:mailto:evil@example.com"
    assert [line for line in ics.decode().splitlines() if line.startswith("ATTENDEE:")] == []


def test_an_address_with_a_line_break_is_refused():
    with pytest.raises(HeaderInjectionError):
        invite(booking=replace(BOOKING, guest_email="ana@example.com\r\nBcc: all@example.com"))


# -------------------------------------------------------------------------------------------- message

RENDERED = RenderedEmail(subject="You're on Retro Night", text="Hi Ana,\n", html="<p>Hi Ana,</p>")
PARTS = GuestMessageParts(message_id="<guest-1@studio.example>", date=BOOKED_AT, physical_address="1 Studio Road",
                          references=("<first@studio.example>", "<reply@example.com>"))


def parsed(message):
    return message_from_bytes(message.as_bytes(), policy=default)


def test_a_confirmation_email_carries_text_html_and_the_calendar_request():
    email = only_email()
    message = parsed(build_guest_message(RENDERED, email, BOOKING, PARTS, settings=SETTINGS))
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.iter_parts()
    assert [part.get_content_type() for part in alternative.iter_parts()] == [
        "text/plain", "text/html", "text/calendar"]
    calendar_part = list(alternative.iter_parts())[2]
    assert calendar_part.get_param("method") == "REQUEST"
    assert icalendar.Calendar.from_ical(calendar_part.get_content())["METHOD"] == "REQUEST"
    assert (attachment.get_content_type(), attachment.get_filename()) == ("application/ics", "invite.ics")
    assert vobject.readOne(attachment.get_content().decode()).vevent.uid.value == email.uid


def test_the_email_comes_from_the_owners_mailbox_and_threads_with_the_conversation():
    message = parsed(build_guest_message(RENDERED, only_email(), BOOKING, PARTS, settings=SETTINGS,
                                         subject="Re: A live interview?"))
    assert (message["From"], message["To"]) == ("Kim <kim@studio.example>", "Ana Lopez <ana@example.com>")
    assert message["Subject"] == "Re: A live interview?"
    assert message["In-Reply-To"] == "<reply@example.com>"
    assert message["References"] == "<first@studio.example> <reply@example.com>"
    assert message["Message-ID"] == "<guest-1@studio.example>"


def test_a_cancel_email_carries_method_cancel():
    email = only_email(show=replace(SHOW, cancelled=True), sent=CONFIRMED)
    message = parsed(build_guest_message(RENDERED, email, BOOKING, PARTS, settings=SETTINGS))
    [calendar_part] = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert calendar_part.get_param("method") == "CANCEL"


def test_a_reminder_has_no_calendar_part():
    email = only_email(sent=CONFIRMED, now=utc(2026, 12, 9, 16, 45))
    assert email.kind is GuestEmailKind.REMINDER_24H
    message = parsed(build_guest_message(RENDERED, email, BOOKING, PARTS, settings=SETTINGS))
    assert [part.get_content_type() for part in message.walk()] == [
        "multipart/alternative", "text/plain", "text/html"]


def test_a_guest_name_with_a_line_break_never_reaches_the_headers():
    sly = replace(BOOKING, guest_name="Ana\r\nBcc: all@example.com", status=BookingStatus.BOOKED)
    with pytest.raises(HeaderInjectionError):
        build_guest_message(RENDERED, only_email(booking=sly), sly, PARTS, settings=SETTINGS)


def test_composing_renders_the_default_template_into_the_email():
    message = parsed(compose_guest_email(TemplateLibrary(template_dirs(None)), only_email(), BOOKING, PARTS,
                                         settings=SETTINGS))
    assert message["Subject"].startswith("You're on Retro Night: Thursday 10 December 2026, 18:00")
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Please arrive:** Thursday 10 December 2026, 17:45" in text
    assert text.rstrip().endswith("you won't hear from us again.")  # build_message's legal footer


def test_accented_names_survive_the_email_and_both_parsers():
    zoe = replace(BOOKING, guest_name="Zoë Ångström", topic="Jeux rétro, énigmes")
    message = parsed(build_guest_message(RENDERED, only_email(booking=zoe), zoe, PARTS, settings=SETTINGS))
    [calendar_part] = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    ics = calendar_part.get_content().encode("utf-8")
    assert event_of(ics)["ATTENDEE"].params["CN"] == "Zoë Ångström"
    assert "Topic: Jeux rétro, énigmes" in vevent_of(ics).description.value
    assert message["To"] == "Zoë Ångström <ana@example.com>"
