"""The guest journey's rules: which email a booked guest gets when, with an injected clock.

Times are UTC unless a test says otherwise; the show and booking are :mod:`tests.guest_journey_data`'s.
"""

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outreach.core.guest_journey import (
    BookingStatus,
    CancelReason,
    GuestEmailKind,
    InviteMethod,
    JourneySettings,
    booking_key_prefix,
    deep_link,
    email_key,
    invite_uid,
    plan_guest_emails,
    reminder_1h_at,
    reminder_24h_at,
)
from tests.guest_journey_data import AIRING, BOOKED_AT, BOOKING, SHOW, utc

PARIS = ZoneInfo("Europe/Paris")
NEXT_NOON = utc(2026, 12, 11, 12, 0)


def kinds(plan) -> list[GuestEmailKind]:
    return [email.kind for email in plan.due]


def queue(sent: dict, plan, at: datetime) -> None:
    """What the outbox does with a plan: record every due and skipped key with its queue time."""
    for email in (*plan.due, *plan.skipped):
        sent[email.key] = at


def journey(booking=BOOKING, show=SHOW, *, start=BOOKED_AT, end=NEXT_NOON, sent=None,
            airing=None, every=timedelta(minutes=5), settings=None, changes=None):
    """Tick the planner every ``every`` from ``start`` to ``end`` as the outbox would; ``changes`` maps a
    moment to (booking, show) taking effect then. Returns [(queued at, DueEmail)] and the skipped ones."""
    sent = {} if sent is None else sent
    changes = dict(changes or {})
    emails, skipped = [], []
    now = start
    while now <= end:
        for moment in sorted(m for m in changes if m <= now):
            booking, show = changes.pop(moment)
        plan = plan_guest_emails(booking, show, sent, now, airing=airing, settings=settings)
        queue(sent, plan, now)
        emails += [(now, email) for email in plan.due]
        skipped += list(plan.skipped)
        now += every
    return emails, skipped


# ------------------------------------------------------------------------------------ confirmation


def test_a_new_booking_is_confirmed_at_once_with_a_calendar_request():
    plan = plan_guest_emails(BOOKING, SHOW, {}, BOOKED_AT)
    [email] = plan.due
    assert (email.kind, email.invite, email.sequence) == (GuestEmailKind.CONFIRMATION, InviteMethod.REQUEST, 0)
    assert email.key == "guest:7:weekly-2026-12-10:confirmation:seq0"
    assert email.arrival_utc == utc(2026, 12, 10, 16, 45)


def test_a_queued_confirmation_is_never_due_again():
    sent = {email_key("7", SHOW.key, GuestEmailKind.CONFIRMATION, 0): BOOKED_AT}
    assert plan_guest_emails(BOOKING, SHOW, sent, BOOKED_AT + timedelta(minutes=1)).due == ()


def test_the_confirmation_carries_the_shows_current_sequence():
    moved_twice = replace(SHOW, sequence=2)
    [email] = plan_guest_emails(BOOKING, moved_twice, {}, BOOKED_AT).due
    assert (email.kind, email.sequence, email.key.endswith(":confirmation:seq2")) == (
        GuestEmailKind.CONFIRMATION, 2, True)


def test_booked_after_the_show_ended_nothing_is_sent_and_it_is_said_why():
    plan = plan_guest_emails(BOOKING, SHOW, {}, utc(2026, 12, 10, 19, 0))
    assert plan.due == ()
    assert [(s.kind, s.reason) for s in plan.skipped] == [
        (GuestEmailKind.CONFIRMATION, "booked after the show had ended")]


# ------------------------------------------------------------------------------------ the whole way


def test_a_guest_booked_days_ahead_gets_confirmation_two_reminders_and_the_thank_you():
    before, _ = journey(end=utc(2026, 12, 10, 18, 0))
    after, _ = journey(replace(BOOKING, status=BookingStatus.APPEARED), start=utc(2026, 12, 10, 18, 0),
                       sent={email.key: at for at, email in before}, airing=AIRING)
    assert [(at, email.kind) for at, email in before + after] == [
        (BOOKED_AT, GuestEmailKind.CONFIRMATION),
        (utc(2026, 12, 9, 16, 45), GuestEmailKind.REMINDER_24H),
        (utc(2026, 12, 10, 15, 45), GuestEmailKind.REMINDER_1H),
        (utc(2026, 12, 10, 18, 5), GuestEmailKind.THANK_YOU),
    ]


def test_every_email_of_a_journey_has_its_own_key():
    emails, skipped = journey(end=utc(2026, 12, 10, 18, 0))
    keys = [email.key for _, email in emails]
    assert len(set(keys)) == len(keys) == 3 and skipped == []


# -------------------------------------------------------------------------------------------- update


def test_a_moved_show_sends_an_update_with_the_same_uid_and_the_newer_sequence():
    sent = {}
    [confirmation] = plan_guest_emails(BOOKING, SHOW, sent, BOOKED_AT).due
    sent[confirmation.key] = BOOKED_AT
    later = replace(SHOW, starts_at_utc=utc(2026, 12, 10, 18, 0), ends_at_utc=utc(2026, 12, 10, 19, 0), sequence=1)
    [update] = plan_guest_emails(BOOKING, later, sent, utc(2026, 12, 2, 9, 0)).due
    assert (update.kind, update.invite, update.sequence) == (GuestEmailKind.UPDATE, InviteMethod.REQUEST, 1)
    assert update.uid == confirmation.uid
    assert update.arrival_utc == utc(2026, 12, 10, 17, 45)


def test_several_moves_between_two_ticks_send_one_update_for_the_latest():
    sent = {email_key("7", SHOW.key, GuestEmailKind.CONFIRMATION, 0): BOOKED_AT}
    [update] = plan_guest_emails(BOOKING, replace(SHOW, sequence=3), sent, utc(2026, 12, 2, 9, 0)).due
    assert (update.kind, update.sequence) == (GuestEmailKind.UPDATE, 3)


def test_an_update_is_sent_once():
    sent = {email_key("7", SHOW.key, GuestEmailKind.CONFIRMATION, 0): BOOKED_AT,
            email_key("7", SHOW.key, GuestEmailKind.UPDATE, 1): BOOKED_AT}
    assert plan_guest_emails(BOOKING, replace(SHOW, sequence=1), sent, utc(2026, 12, 2, 9, 0)).due == ()


def test_a_show_moved_a_week_later_gets_new_reminders_before_its_new_time():
    week_later = replace(SHOW, starts_at_utc=SHOW.starts_at_utc + timedelta(days=7),
                         ends_at_utc=SHOW.ends_at_utc + timedelta(days=7), sequence=1)
    emails, _ = journey(end=utc(2026, 12, 17, 18, 0), changes={utc(2026, 12, 10, 9, 0): (BOOKING, week_later)})
    assert [(at, email.kind, email.sequence) for at, email in emails] == [
        (BOOKED_AT, GuestEmailKind.CONFIRMATION, 0),
        (utc(2026, 12, 9, 16, 45), GuestEmailKind.REMINDER_24H, 0),
        (utc(2026, 12, 10, 9, 0), GuestEmailKind.UPDATE, 1),
        (utc(2026, 12, 16, 16, 45), GuestEmailKind.REMINDER_24H, 1),
        (utc(2026, 12, 17, 15, 45), GuestEmailKind.REMINDER_1H, 1),
    ]


def test_a_show_moved_by_half_an_hour_on_the_day_gets_no_second_24h_reminder():
    later = replace(SHOW, starts_at_utc=utc(2026, 12, 10, 17, 30), ends_at_utc=utc(2026, 12, 10, 18, 30), sequence=1)
    emails, skipped = journey(end=utc(2026, 12, 10, 18, 30), changes={utc(2026, 12, 10, 9, 0): (BOOKING, later)})
    assert [(at, email.kind) for at, email in emails] == [
        (BOOKED_AT, GuestEmailKind.CONFIRMATION),
        (utc(2026, 12, 9, 16, 45), GuestEmailKind.REMINDER_24H),
        (utc(2026, 12, 10, 9, 0), GuestEmailKind.UPDATE),
        (utc(2026, 12, 10, 16, 15), GuestEmailKind.REMINDER_1H),
    ]
    assert [(s.kind, s.reason) for s in skipped] == [
        (GuestEmailKind.REMINDER_24H, "the guest got their invite less than 24 h before arrival")]


def test_a_show_moved_after_it_started_gets_no_update():
    sent = {email_key("7", SHOW.key, GuestEmailKind.CONFIRMATION, 0): BOOKED_AT}
    plan = plan_guest_emails(BOOKING, replace(SHOW, sequence=1), sent, utc(2026, 12, 10, 17, 10))
    assert plan.due == ()
    assert (GuestEmailKind.UPDATE, "the show was moved after it had started") in [
        (s.kind, s.reason) for s in plan.skipped]


# -------------------------------------------------------------------------------------------- cancel


def test_a_cancelled_show_sends_cancel_with_sequence_plus_one_and_then_nothing():
    sent = {email_key("7", SHOW.key, GuestEmailKind.CONFIRMATION, 0): BOOKED_AT}
    cancelled = replace(SHOW, cancelled=True)
    emails, skipped = journey(show=cancelled, start=utc(2026, 12, 5, 9, 0), sent=sent)
    [(at, cancel)] = emails
    assert (at, cancel.kind, cancel.invite, cancel.sequence) == (
        utc(2026, 12, 5, 9, 0), GuestEmailKind.CANCEL, InviteMethod.CANCEL, 1)
    assert cancel.cancel_reason is CancelReason.SHOW_CANCELLED
    assert cancel.uid == invite_uid("7", SHOW.key)
    assert skipped == []


def test_a_cancel_sequence_stays_above_a_sequence_the_schedule_already_bumped():
    sent = {email_key("7", SHOW.key, GuestEmailKind.CONFIRMATION, 0): BOOKED_AT}
    [cancel] = plan_guest_emails(BOOKING, replace(SHOW, cancelled=True, sequence=4), sent, BOOKED_AT).due
    assert cancel.sequence == 4


def test_a_cancelled_booking_sends_cancel_and_no_reminder():
    sent = {email_key("7", SHOW.key, GuestEmailKind.CONFIRMATION, 0): BOOKED_AT}
    emails, _ = journey(replace(BOOKING, status=BookingStatus.CANCELLED), start=utc(2026, 12, 9, 12, 0), sent=sent,
                        end=utc(2026, 12, 10, 18, 0))
    assert [(email.kind, email.cancel_reason) for _, email in emails] == [
        (GuestEmailKind.CANCEL, CancelReason.BOOKING_CANCELLED)]


def test_nothing_to_cancel_when_no_invite_ever_went_out():
    plan = plan_guest_emails(replace(BOOKING, status=BookingStatus.CANCELLED), SHOW, {}, BOOKED_AT)
    assert plan.due == ()
    assert [(s.kind, s.reason) for s in plan.skipped] == [
        (GuestEmailKind.CANCEL, "no invite was ever sent for this show: nothing to cancel")]


def test_a_guest_moved_to_another_show_gets_a_cancel_for_the_old_event_then_a_new_invite():
    other = replace(SHOW, key="weekly-2026-12-17", starts_at_utc=utc(2026, 12, 17, 17, 0),
                    ends_at_utc=utc(2026, 12, 17, 18, 0))
    sent = {email_key("7", SHOW.key, GuestEmailKind.CONFIRMATION, 0): BOOKED_AT}
    moved = replace(BOOKING, status=BookingStatus.MOVED)
    cancel, confirmation = plan_guest_emails(moved, other, sent, utc(2026, 12, 3, 9, 0), moved_from=[SHOW]).due
    assert (cancel.kind, cancel.show, cancel.cancel_reason, cancel.moved_to) == (
        GuestEmailKind.CANCEL, SHOW, CancelReason.MOVED, other)
    assert (confirmation.kind, confirmation.show) == (GuestEmailKind.CONFIRMATION, other)
    assert cancel.uid != confirmation.uid


# ------------------------------------------------------------------------------------------ reminders


def test_the_24h_reminder_is_a_day_before_arrival_not_before_the_start():
    settings = JourneySettings(green_room_lead=timedelta(minutes=30))
    assert reminder_24h_at(utc(2026, 12, 10, 16, 30), PARIS, settings) == utc(2026, 12, 9, 16, 30)


def test_a_24h_reminder_that_would_land_at_3am_goes_out_the_evening_before():
    # arrival 03:00 in Tokyo (18:00 UTC the day before): 24 h earlier is 03:00 Tokyo time too
    tokyo = ZoneInfo("Asia/Tokyo")
    at = reminder_24h_at(utc(2026, 12, 9, 18, 0), tokyo, JourneySettings())
    assert at.astimezone(tokyo) == datetime(2026, 12, 8, 20, 0, tzinfo=tokyo)


def test_reminders_follow_the_guests_zone_not_the_shows():
    tokyo_guest = replace(BOOKING, guest_timezone="Asia/Tokyo")  # arrival 01:45 Tokyo time
    emails, _ = journey(tokyo_guest, end=utc(2026, 12, 10, 17, 0))
    [(day_at, _), (hour_at, hour)] = [(at, e) for at, e in emails if e.kind is not GuestEmailKind.CONFIRMATION]
    assert day_at.astimezone(ZoneInfo("Asia/Tokyo")) == datetime(2026, 12, 9, 20, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert (hour_at, hour.outside_waking_hours) == (utc(2026, 12, 10, 15, 45), True)


def test_waking_hours_are_configurable():
    night_owl = JourneySettings(waking_start=time(11, 0), waking_end=time(23, 30))
    at = reminder_24h_at(utc(2026, 12, 10, 8, 0), PARIS, night_owl)  # 09:00 Paris: too early for them
    assert at.astimezone(PARIS) == datetime(2026, 12, 8, 22, 30, tzinfo=PARIS)


def test_an_early_1h_reminder_waits_for_waking_hours_when_that_still_leaves_notice():
    arrival = datetime(2026, 12, 10, 8, 30, tzinfo=PARIS)
    assert reminder_1h_at(arrival, PARIS, JourneySettings()) == (datetime(2026, 12, 10, 8, 0, tzinfo=PARIS), False)


def test_a_1h_reminder_too_close_to_waking_hours_goes_at_its_time_flagged_never_dropped():
    arrival = datetime(2026, 12, 10, 8, 10, tzinfo=PARIS)
    assert reminder_1h_at(arrival, PARIS, JourneySettings()) == (datetime(2026, 12, 10, 7, 10, tzinfo=PARIS), True)


def test_a_booking_less_than_a_day_ahead_gets_no_24h_reminder_and_says_why():
    emails, skipped = journey(start=utc(2026, 12, 10, 9, 0), end=utc(2026, 12, 10, 18, 0))
    assert [(at, email.kind) for at, email in emails] == [
        (utc(2026, 12, 10, 9, 0), GuestEmailKind.CONFIRMATION),
        (utc(2026, 12, 10, 15, 45), GuestEmailKind.REMINDER_1H),
    ]
    assert [s.kind for s in skipped] == [GuestEmailKind.REMINDER_24H]


def test_a_booking_within_the_last_hour_gets_only_the_confirmation():
    emails, skipped = journey(start=utc(2026, 12, 10, 16, 0), end=utc(2026, 12, 10, 18, 0))
    assert [email.kind for _, email in emails] == [GuestEmailKind.CONFIRMATION]
    assert {s.kind for s in skipped} == {GuestEmailKind.REMINDER_24H, GuestEmailKind.REMINDER_1H}


def test_an_outbox_stopped_past_the_1h_reminder_time_reports_the_missed_24h_reminder():
    sent = {email_key("7", SHOW.key, GuestEmailKind.CONFIRMATION, 0): BOOKED_AT}
    plan = plan_guest_emails(BOOKING, SHOW, sent, utc(2026, 12, 10, 16, 0))
    assert kinds(plan) == [GuestEmailKind.REMINDER_1H]
    assert [s.kind for s in plan.skipped] == [GuestEmailKind.REMINDER_24H]


def test_a_late_24h_reminder_waits_for_the_morning_rather_than_going_out_at_night():
    sent = {email_key("7", SHOW.key, GuestEmailKind.CONFIRMATION, 0): BOOKED_AT}
    assert plan_guest_emails(BOOKING, SHOW, sent, utc(2026, 12, 9, 22, 0)).due == ()  # 23:00 in Paris
    assert kinds(plan_guest_emails(BOOKING, SHOW, sent, utc(2026, 12, 10, 7, 0))) == [GuestEmailKind.REMINDER_24H]


def test_no_reminder_for_a_cancelled_show_even_at_reminder_time():
    sent = {email_key("7", SHOW.key, GuestEmailKind.CONFIRMATION, 0): BOOKED_AT,
            email_key("7", SHOW.key, GuestEmailKind.CANCEL): BOOKED_AT}
    assert plan_guest_emails(BOOKING, replace(SHOW, cancelled=True), sent, utc(2026, 12, 10, 15, 45)).due == ()


# ----------------------------------------------------------------------------------- daylight saving


def test_reminders_across_the_autumn_clock_change_are_24_hours_before_in_real_time():
    # Booked in summer time; the show (Wed 28 Oct 2026, 18:00 Paris) is after clocks went back on 25 Oct.
    show = replace(SHOW, key="autumn", starts_at_utc=utc(2026, 10, 28, 17, 0), ends_at_utc=utc(2026, 10, 28, 18, 0),
                   hard_out_utc=None)
    day_before = replace(show, starts_at_utc=utc(2026, 10, 25, 17, 0), ends_at_utc=utc(2026, 10, 25, 18, 0))
    emails, _ = journey(show=day_before, start=utc(2026, 10, 20, 10, 0), end=utc(2026, 10, 25, 18, 0))
    [confirmation, day, hour] = [email for _, email in emails]
    assert confirmation.arrival_utc.astimezone(PARIS).time() == time(17, 45)
    arrival_local = confirmation.arrival_utc.astimezone(PARIS)
    day_local = (confirmation.arrival_utc - timedelta(hours=24)).astimezone(PARIS)
    assert (arrival_local.utcoffset(), day_local.utcoffset()) == (timedelta(hours=1), timedelta(hours=2))
    assert [at for at, _ in emails][1:] == [utc(2026, 10, 24, 16, 45), utc(2026, 10, 25, 15, 45)]
    assert day_local.time() == time(18, 45)  # 24 real hours before 17:45 CET is 18:45 CEST
    assert (day.kind, hour.kind) == (GuestEmailKind.REMINDER_24H, GuestEmailKind.REMINDER_1H)


def test_the_evening_before_rule_uses_the_local_clock_on_each_side_of_the_change():
    # Arrival 03:15 CET on Mon 26 Oct: 24 h before is 03:15 CET on Sun 25 (clocks went back that night),
    # asleep: so Saturday 20:00, still summer time (CEST), which is 18:00 UTC.
    at = reminder_24h_at(datetime(2026, 10, 26, 3, 15, tzinfo=PARIS), PARIS, JourneySettings())
    assert at.astimezone(PARIS) == datetime(2026, 10, 24, 20, 0, tzinfo=PARIS)
    assert at == utc(2026, 10, 24, 18, 0)


def test_a_guest_whose_zone_changes_clocks_on_another_date_than_the_show():
    # New York leaves summer time on 1 Nov 2026, a week after Paris: on 28 Oct New York is UTC-4.
    show = replace(SHOW, key="autumn", starts_at_utc=utc(2026, 10, 28, 17, 0), ends_at_utc=utc(2026, 10, 28, 18, 0))
    guest = replace(BOOKING, guest_timezone="America/New_York")
    emails, _ = journey(guest, show, start=utc(2026, 10, 20, 10, 0), end=utc(2026, 10, 28, 18, 0))
    [confirmation, *_] = [email for _, email in emails]
    assert confirmation.arrival_utc.astimezone(ZoneInfo("America/New_York")).time() == time(12, 45)


# ------------------------------------------------------------------------------------------ after show


APPEARED = replace(BOOKING, status=BookingStatus.APPEARED)


def test_the_thank_you_waits_for_the_end_of_the_show():
    assert plan_guest_emails(APPEARED, SHOW, {}, utc(2026, 12, 10, 18, 0), airing=AIRING).due == ()
    assert kinds(plan_guest_emails(APPEARED, SHOW, {}, utc(2026, 12, 10, 18, 5), airing=AIRING)) == [
        GuestEmailKind.THANK_YOU]


def test_the_thank_you_waits_for_the_vod_link():
    no_vod = replace(AIRING, vod_url=None)
    assert plan_guest_emails(APPEARED, SHOW, {}, utc(2026, 12, 10, 19, 0), airing=no_vod).due == ()


def test_the_thank_you_after_a_late_show_waits_for_the_guests_morning():
    late = replace(AIRING, show_ended_at_utc=utc(2026, 12, 10, 22, 30))  # 23:30 in Paris
    emails, _ = journey(APPEARED, airing=late, start=utc(2026, 12, 10, 22, 0), end=utc(2026, 12, 11, 12, 0))
    assert [(at, email.kind) for at, email in emails] == [(utc(2026, 12, 11, 7, 0), GuestEmailKind.THANK_YOU)]


def test_the_deep_link_points_at_the_guests_own_segment_in_the_vod():
    assert deep_link("https://www.youtube.com/watch?v=abc", timedelta(minutes=12, seconds=34)) == (
        "https://www.youtube.com/watch?v=abc&t=754")


def test_the_deep_link_replaces_an_existing_timestamp_and_never_goes_negative():
    assert deep_link("https://youtu.be/abc?t=5", timedelta(seconds=-3)) == "https://youtu.be/abc?t=0"


def test_twitch_vods_get_their_own_timestamp_format():
    assert deep_link("https://www.twitch.tv/videos/123", timedelta(seconds=3754)) == (
        "https://www.twitch.tv/videos/123?t=1h2m34s")


def test_a_no_show_gets_one_follow_up_after_the_show():
    no_show = replace(BOOKING, status=BookingStatus.NO_SHOW)
    emails, _ = journey(no_show, start=utc(2026, 12, 10, 17, 30), end=utc(2026, 12, 12, 0, 0))
    assert [(at, email.kind) for at, email in emails] == [(utc(2026, 12, 10, 18, 0), GuestEmailKind.NO_SHOW)]


def test_a_guest_who_appeared_gets_no_no_show_follow_up_and_no_reminder():
    emails, _ = journey(APPEARED, airing=AIRING, start=utc(2026, 12, 9, 0, 0), end=utc(2026, 12, 12, 0, 0))
    assert [email.kind for _, email in emails] == [GuestEmailKind.THANK_YOU]


# ---------------------------------------------------------------------------------- keys and inputs


def test_keys_stay_unambiguous_whatever_the_show_key_holds():
    key = email_key("7", "#12 Retro: night", GuestEmailKind.REMINDER_1H, 2)
    assert key == "guest:7:%2312%20Retro%3A%20night:reminder_1h:seq2"


def test_every_key_of_a_booking_starts_with_its_prefix_and_no_other_bookings_does():
    keys = [email_key("7", show, kind, 1) for show in ("a", "b:c") for kind in GuestEmailKind]
    assert all(key.startswith(booking_key_prefix("7")) for key in keys)
    assert not any(key.startswith(booking_key_prefix("7")) for key in (email_key("71", "a", GuestEmailKind.CANCEL),
                                                                         email_key("7:1", "a", GuestEmailKind.CANCEL)))


def test_the_invite_uid_is_stable_per_booking_and_show():
    assert invite_uid("7", SHOW.key, "studio.example") == invite_uid("7", SHOW.key, "studio.example")
    assert invite_uid("7", SHOW.key, "studio.example").endswith("@studio.example")
    assert len({invite_uid("7", SHOW.key), invite_uid("8", SHOW.key), invite_uid("7", "other")}) == 3


def test_the_invite_uid_does_not_follow_the_owner():
    handed_over = replace(BOOKING, owner_name="Sam", owner_email="sam@other.example")
    [before] = plan_guest_emails(BOOKING, SHOW, {}, BOOKED_AT).due
    [after] = plan_guest_emails(handed_over, SHOW, {}, BOOKED_AT).due
    assert before.uid == after.uid == invite_uid("7", SHOW.key)
    assert plan_guest_emails(BOOKING, SHOW, {}, BOOKED_AT, uid_domain="studio.example").due[0].uid.endswith(
        "@studio.example")


def test_an_unknown_guest_zone_falls_back_to_the_shows():
    nowhere = replace(BOOKING, guest_timezone="Mars/Olympus")
    emails, _ = journey(nowhere, end=utc(2026, 12, 10, 17, 0))
    assert [at for at, _ in emails][1:] == [utc(2026, 12, 9, 16, 45), utc(2026, 12, 10, 15, 45)]


def test_times_without_a_zone_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        replace(SHOW, starts_at_utc=datetime(2026, 12, 10, 17, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        plan_guest_emails(BOOKING, SHOW, {}, datetime(2026, 12, 1, 10, 0))


def test_waking_hours_shorter_than_two_hours_are_refused():
    with pytest.raises(ValueError, match="waking hours"):
        JourneySettings(waking_start=time(21, 0), waking_end=time(8, 0))


# ------------------------------------------------------------------------------------------ properties

ZONES = ["Europe/Paris", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "Asia/Kolkata", "Pacific/Auckland"]


@settings(max_examples=60)
@given(
    zone=st.sampled_from(ZONES),
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)).map(
        lambda moment: moment.replace(second=0, microsecond=0, tzinfo=UTC)),
    booked_before=st.timedeltas(min_value=timedelta(minutes=10), max_value=timedelta(days=3)),
    lead=st.sampled_from([timedelta(0), timedelta(minutes=15), timedelta(minutes=45)]),
)
def test_any_journey_sends_each_email_once_reminders_before_arrival_and_the_24h_one_while_awake(
    zone, start, booked_before, lead,
):
    show = replace(SHOW, starts_at_utc=start, ends_at_utc=start + timedelta(hours=1), hard_out_utc=None)
    guest = replace(BOOKING, guest_timezone=zone)
    journey_settings = JourneySettings(green_room_lead=lead)
    emails, _ = journey(guest, show, start=start - booked_before, end=start + timedelta(hours=1),
                        every=timedelta(minutes=10), settings=journey_settings)
    keys = [email.key for _, email in emails]
    assert len(keys) == len(set(keys))
    assert [email.kind for _, email in emails][0] is GuestEmailKind.CONFIRMATION
    arrives = start - lead
    local = ZoneInfo(zone)
    for at, email in emails:
        if email.kind in (GuestEmailKind.REMINDER_24H, GuestEmailKind.REMINDER_1H):
            assert at < arrives
        if email.kind is GuestEmailKind.REMINDER_24H:
            assert time(8) <= at.astimezone(local).time() < time(21)
            assert at <= arrives - timedelta(hours=1)
