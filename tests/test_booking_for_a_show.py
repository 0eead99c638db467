"""`outreach influencers book --show KEY`: an influencer is booked for a chosen scheduled show, moved or
cancelled, through livekit's public booking API, and every change is on both sides' records."""

import json

import pytest

from greenroom.clock import utc_now
from livekit.core.schedule import ShowPlan
from livekit.guests.booking import ShowNotBookable, booking_changes
from livekit.guests.core import GuestError
from livekit.guests.queue import GuestQueue
from livekit.storage.schedule import ScheduleStore
from outreach.campaigns.store import suppress
from outreach.guest_booking import (
    BookingError,
    book_influencer,
    cancel_influencer_booking,
    move_influencer_booking,
)
from outreach.importing import import_file
from outreach.storage.influencers import activity, set_fields

HOUR_MS = 3_600_000
#: 2031-03-29 18:00 UTC: far enough ahead to stay upcoming.
FUTURE_MS = 1_932_919_200_000


def schedule(db, title, starts_at_ms, *, cancelled=False):
    store = ScheduleStore(db)
    show = store.schedule(title, ShowPlan(starts_at_ms, starts_at_ms + HOUR_MS, "Europe/Paris"),
                          planned_total_ms=HOUR_MS)
    if cancelled:
        store.cancel(show.key)
    return show.key


@pytest.fixture
def db(workspace, tmp_path):
    people = tmp_path / "people.csv"
    people.write_text("name,email,twitch,owner\nAna Lopez,ana@example.com,anaplaysretro,sam\n"
                      "Bo Berg,bo@example.com,boberg,kim\n")
    database = workspace.database()
    import_file(database, people)
    return database


def test_booking_without_a_show_takes_the_next_scheduled_show(db):
    schedule(db, "Later AMA", FUTURE_MS + 7 * 24 * HOUR_MS)
    soonest = schedule(db, "Weekly AMA", FUTURE_MS)
    guest, created = book_influencer(db, 1)
    assert created and guest["show"] == soonest


def test_booking_for_a_chosen_scheduled_show_stores_the_guest_under_its_key(db):
    key = schedule(db, "Launch AMA", FUTURE_MS)
    guest, _ = book_influencer(db, 1, show=key)
    assert guest["show"] == key
    assert activity(db, 1)[-1]["detail"] == f"guest #{guest['id']} of {key}"


def test_booking_for_an_unknown_show_key_books_nobody(db):
    with pytest.raises(ShowNotBookable, match="no scheduled show 'someday-ama'"):
        book_influencer(db, 1, show="someday-ama")
    assert GuestQueue(db).list("someday-ama") == []


def test_booking_for_a_cancelled_show_is_refused(db):
    key = schedule(db, "Weekly AMA", FUTURE_MS, cancelled=True)
    with pytest.raises(ShowNotBookable, match="is cancelled"):
        book_influencer(db, 1, show=key)


def test_booking_for_a_show_that_is_over_is_refused(db):
    key = schedule(db, "Old AMA", 1_000_000_000_000)
    with pytest.raises(ShowNotBookable, match="is over"):
        book_influencer(db, 1, show=key)


def test_a_suppressed_person_is_never_booked(db):
    suppress(db, "ana@example.com", "unsubscribe", "test", utc_now())
    with pytest.raises(BookingError, match="suppressed"):
        book_influencer(db, 1, show=schedule(db, "Weekly AMA", FUTURE_MS))
    assert booking_changes(db, 1) == []


def test_a_declined_person_is_never_booked(db):
    set_fields(db, 2, {"stage": "declined"})
    with pytest.raises(BookingError, match="declined"):
        book_influencer(db, 2)


def test_moving_a_booking_takes_the_guest_to_the_other_show_and_logs_it_on_both_sides(db):
    first, second = schedule(db, "Weekly AMA", FUTURE_MS), schedule(db, "Next AMA", FUTURE_MS + 24 * HOUR_MS)
    booked, _ = book_influencer(db, 1, show=first)
    moved, left = move_influencer_booking(db, 1, show=second)
    assert (moved["id"], moved["show"], left) == (booked["id"], second, first)
    assert activity(db, 1)[-1]["detail"] == f"guest #{booked['id']} from {first} to {second}"
    assert [(c.change, c.from_show, c.to_show) for c in booking_changes(db, 1)] == [
        ("booked", None, first), ("moved", first, second)]


def test_cancelling_a_booking_takes_the_guest_off_the_queue_and_logs_it_on_both_sides(db):
    key = schedule(db, "Weekly AMA", FUTURE_MS)
    booked, _ = book_influencer(db, 1, show=key)
    cancel_influencer_booking(db, 1)
    assert GuestQueue(db).list(key) == []
    assert activity(db, 1)[-1]["kind"] == "guest booking cancelled"
    assert [(c.guest_id, c.change, c.from_show) for c in booking_changes(db, 1)][-1] == (
        booked["id"], "cancelled", key)


def test_moving_someone_booked_for_two_shows_asks_which_booking(db):
    first, second = schedule(db, "Weekly AMA", FUTURE_MS), schedule(db, "Next AMA", FUTURE_MS + 24 * HOUR_MS)
    third = schedule(db, "Last AMA", FUTURE_MS + 48 * HOUR_MS)
    book_influencer(db, 1, show=first)
    book_influencer(db, 1, show=second)
    with pytest.raises(GuestError, match="several shows"):
        move_influencer_booking(db, 1, show=third)
    moved, left = move_influencer_booking(db, 1, show=third, from_show=second, from_given=True)
    assert (moved["show"], left) == (third, second)


def test_book_command_books_for_the_show_given(db, outreach_cli):
    key = schedule(db, "Weekly AMA", FUTURE_MS)
    result = outreach_cli("influencers", "book", 1, "--show", key)
    assert result.exit_code == 0, result.output
    assert f"booked: guest 1 Ana Lopez — @anaplaysretro (confirmed) for {key}" in result.output


def test_book_command_refuses_a_cancelled_show_with_a_clear_message(db, outreach_cli):
    key = schedule(db, "Weekly AMA", FUTURE_MS, cancelled=True)
    result = outreach_cli("influencers", "book", 1, "--show", key)
    assert result.exit_code != 0
    assert f"{key} (Weekly AMA) is cancelled" in result.output


def test_book_move_command_moves_the_booking(db, outreach_cli):
    first, second = schedule(db, "Weekly AMA", FUTURE_MS), schedule(db, "Next AMA", FUTURE_MS + 24 * HOUR_MS)
    outreach_cli("influencers", "book", 1, "--show", first)
    result = outreach_cli("influencers", "book", 1, "--move", "--show", second)
    assert result.exit_code == 0, result.output
    assert f"moved: guest 1 Ana Lopez from {first} to {second}" in result.output


def test_book_cancel_command_cancels_the_booking(db, outreach_cli):
    key = schedule(db, "Weekly AMA", FUTURE_MS)
    outreach_cli("influencers", "book", 1, "--show", key)
    result = outreach_cli("influencers", "book", 1, "--cancel")
    assert result.exit_code == 0, result.output
    assert f"cancelled: guest 1 Ana Lopez for {key}" in result.output


def test_livekit_guests_log_bookings_lists_the_booking_moves_and_cancels_with_the_influencer(db, livekit_cli):
    first, second = schedule(db, "Weekly AMA", FUTURE_MS), schedule(db, "Next AMA", FUTURE_MS + 24 * HOUR_MS)
    book_influencer(db, 1, show=first)
    move_influencer_booking(db, 1, show=second)
    cancel_influencer_booking(db, 1)
    result = livekit_cli("guests", "log", "--bookings", "--format", "json")
    assert result.exit_code == 0, result.output
    assert [(row["influencer"], row["change"], row["from_show"], row["to_show"]) for row in json.loads(result.output)] == [
        ("influencer #1", "booked", "", first), ("influencer #1", "moved", first, second),
        ("influencer #1", "cancelled", second, "")]
