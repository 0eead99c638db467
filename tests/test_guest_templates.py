"""The guest email templates (templates/email/guest/): each rendered through the sandboxed TemplateLibrary
with the variables the journey gives it, and overridable by a team like every other template."""

from dataclasses import replace

import pytest

from outreach.core.guest_journey import (
    BookingStatus,
    CancelReason,
    GuestEmailKind,
    JourneySettings,
    email_key,
    plan_guest_emails,
)
from outreach.mail.invite import guest_template_variables
from outreach.mail.template import LintLibrary, TemplateLibrary, template_dirs
from tests.guest_journey_data import AIRING, BOOKED_AT, BOOKING, SHOW, utc

SETTINGS = JourneySettings()
CONFIRMED = {email_key("7", SHOW.key, GuestEmailKind.CONFIRMATION, 0): BOOKED_AT}
NEXT_WEEK = replace(SHOW, key="weekly-2026-12-17", title="Retro Night II", starts_at_utc=utc(2026, 12, 17, 17, 0),
                    ends_at_utc=utc(2026, 12, 17, 18, 0))


def due(kind: GuestEmailKind):
    """The booking, the email of ``kind`` the journey plans for it, and the airing, as the outbox gets them."""
    booking, show, sent, now, airing, moved_from = BOOKING, SHOW, {}, BOOKED_AT, None, ()
    if kind is GuestEmailKind.UPDATE:
        show, sent, now = replace(SHOW, starts_at_utc=utc(2026, 12, 10, 18, 0), sequence=1,
                                  ends_at_utc=utc(2026, 12, 10, 19, 0)), CONFIRMED, utc(2026, 12, 2, 9, 0)
    elif kind is GuestEmailKind.CANCEL:
        show, sent = replace(SHOW, cancelled=True), CONFIRMED
    elif kind is GuestEmailKind.REMINDER_24H:
        sent, now = CONFIRMED, utc(2026, 12, 9, 16, 45)
    elif kind is GuestEmailKind.REMINDER_1H:
        sent, now = CONFIRMED, utc(2026, 12, 10, 15, 45)
    elif kind is GuestEmailKind.THANK_YOU:
        booking, now, airing = replace(BOOKING, status=BookingStatus.APPEARED), utc(2026, 12, 10, 18, 30), AIRING
    elif kind is GuestEmailKind.NO_SHOW:
        booking, now = replace(BOOKING, status=BookingStatus.NO_SHOW), utc(2026, 12, 10, 18, 30)
    [email] = plan_guest_emails(booking, show, sent, now, airing=airing, moved_from=moved_from).due
    assert email.kind is kind
    return booking, email, airing


def render(kind: GuestEmailKind, library: TemplateLibrary | None = None):
    booking, email, airing = due(kind)
    library = library or TemplateLibrary(template_dirs(None))
    return library.render(email.kind.template, guest_template_variables(email, booking, settings=SETTINGS,
                                                                          airing=airing))


@pytest.mark.parametrize("kind", list(GuestEmailKind))
def test_every_guest_template_uses_only_what_the_journey_gives_it(kind):
    booking, email, airing = due(kind)
    variables = guest_template_variables(email, booking, settings=SETTINGS, airing=airing)
    assert LintLibrary(template_dirs(None)).missing_variables(kind.template, variables) == []


@pytest.mark.parametrize("kind", list(GuestEmailKind))
def test_every_guest_template_greets_the_guest_and_is_signed_by_the_owner(kind):
    rendered = render(kind)
    assert rendered.text.startswith("Hi Ana,\n")
    assert rendered.text.rstrip().endswith("Kim")
    assert rendered.html is not None and "<p>Hi Ana,</p>" in rendered.html


def test_the_confirmation_gives_arrival_start_link_topic_and_talking_points_in_the_guests_time():
    rendered = render(GuestEmailKind.CONFIRMATION)
    assert rendered.subject == "You're on Retro Night: Thursday 10 December 2026, 18:00 (Europe/Paris, UTC+01:00)"
    assert ("**Please arrive:** Thursday 10 December 2026, 17:45 (Europe/Paris, UTC+01:00), 15 minutes early"
            in rendered.text)
    assert "**Join here:** <https://meet.example/retro>" in rendered.text
    assert "**Speedruns**" in rendered.text and "- Any% routes" in rendered.text
    assert '<a href="https://meet.example/retro">' in rendered.html


def test_the_update_gives_the_new_time():
    rendered = render(GuestEmailKind.UPDATE)
    assert rendered.subject == "New time for Retro Night: Thursday 10 December 2026, 19:00 (Europe/Paris, UTC+01:00)"
    assert "**Please arrive:** Thursday 10 December 2026, 18:45" in rendered.text


def test_the_cancel_says_the_show_is_cancelled():
    rendered = render(GuestEmailKind.CANCEL)
    assert rendered.subject == "Cancelled: Retro Night on Thursday 10 December 2026, 18:00 (Europe/Paris, UTC+01:00)"
    assert "has been cancelled" in rendered.text


def test_the_cancel_for_a_move_names_the_new_show():
    moved = replace(BOOKING, status=BookingStatus.MOVED)
    cancel, _ = plan_guest_emails(moved, NEXT_WEEK, CONFIRMED, BOOKED_AT, moved_from=[SHOW]).due
    assert cancel.cancel_reason is CancelReason.MOVED
    rendered = TemplateLibrary(template_dirs(None)).render(
        cancel.kind.template, guest_template_variables(cancel, moved, settings=SETTINGS))
    assert rendered.subject == "Retro Night is moved to Retro Night II"
    assert "to **Retro Night II** (Thursday 17 December 2026, 18:00 (Europe/Paris, UTC+01:00))" in rendered.text


def test_the_reminders_say_when_to_arrive():
    assert "**Please arrive:** Thursday 10 December 2026, 17:45" in render(GuestEmailKind.REMINDER_24H).text
    rendered = render(GuestEmailKind.REMINDER_1H)
    assert rendered.subject == "In an hour: Retro Night"
    assert "Sorry for the early email" not in rendered.text


def test_a_1h_reminder_outside_waking_hours_apologises():
    early_bird = replace(BOOKING, guest_timezone="Asia/Tokyo")  # arrival 01:45 in Tokyo
    [email] = plan_guest_emails(early_bird, SHOW, CONFIRMED, utc(2026, 12, 10, 15, 45)).due
    assert email.outside_waking_hours
    rendered = TemplateLibrary(template_dirs(None)).render(
        email.kind.template, guest_template_variables(email, early_bird, settings=SETTINGS))
    assert "Sorry for the early email! We're looking forward" in rendered.text


def test_the_thank_you_links_to_the_guests_own_segment_and_says_when_they_were_on():
    rendered = render(GuestEmailKind.THANK_YOU)
    assert "<https://www.youtube.com/watch?v=abc&t=754>" in rendered.text
    assert "on air from Thursday 10 December 2026, 18:12 (Europe/Paris, UTC+01:00)" in rendered.text
    assert "for about 20 minutes" in rendered.text
    assert 'href="https://www.youtube.com/watch?v=abc&amp;t=754"' in rendered.html


def test_the_no_show_follow_up_offers_another_date():
    rendered = render(GuestEmailKind.NO_SHOW)
    assert rendered.subject == "We missed you on Retro Night"
    assert "book\nyou on another show" in rendered.text


def test_guest_data_is_text_in_the_html_part():
    sly = replace(BOOKING, guest_name="<b>Ana</b>", topic="[win](https://evil.example) <script>")
    [email] = plan_guest_emails(sly, SHOW, {}, BOOKED_AT).due
    rendered = TemplateLibrary(template_dirs(None)).render(
        email.kind.template, guest_template_variables(email, sly, settings=SETTINGS))
    assert "<script>" not in rendered.html and "<b>" not in rendered.html
    assert 'href="https://evil.example"' not in rendered.html


def test_a_team_overrides_a_guest_template_in_its_workspace(tmp_path):
    own = tmp_path / "templates" / "email" / "guest"
    own.mkdir(parents=True)
    (own / "confirmation.md.j2").write_text(
        "{% set subject %}See you at {{ show.arrival }}{% endset %}\nHey {{ guest.first_name }}!\n")
    rendered = render(GuestEmailKind.CONFIRMATION, TemplateLibrary(template_dirs(tmp_path)))
    assert rendered.subject == "See you at Thursday 10 December 2026, 17:45 (Europe/Paris, UTC+01:00)"
    assert rendered.text == "Hey Ana!\n"
    assert render(GuestEmailKind.UPDATE, TemplateLibrary(template_dirs(tmp_path))).subject.startswith("New time for")
