"""An influencer who said yes becomes a show guest: the two tools meet in the workspace database."""

import pytest

from livekit.core import Rundown, Segment
from livekit.guests.booking import GuestBooking, ShowNotFound, book_guest, resolve_show
from livekit.guests.queue import GuestQueue
from livekit.storage.shows import ShowStore
from outreach.guest_booking import BookingError, book_influencer
from outreach.importing import import_file
from outreach.storage.influencers import activity, get_influencer, set_fields


@pytest.fixture
def db_with_people(workspace, tmp_path):
    people = tmp_path / "people.csv"
    people.write_text(
        "name,email,twitch,owner\n"
        "Ana Lopez,ana@example.com,anaplaysretro,sam\n"
        "Bo Berg,bo@example.com,boberg,kim\n"
    )
    db = workspace.database()
    import_file(db, people)
    return db


def test_booking_creates_a_confirmed_guest_with_the_handle_for_the_lower_third(db_with_people):
    guest, created = book_influencer(db_with_people, "ana@example.com", topic="Speedruns")
    assert created
    assert (guest["name"], guest["status"], guest["lower_third"]) == ("Ana Lopez", "confirmed", "Ana Lopez — @anaplaysretro")
    assert (guest["booked_by"], guest["contact"], guest["show"]) == ("sam", "ana@example.com", None)


def test_booking_moves_the_influencer_to_agreed_and_records_it(db_with_people):
    guest, _ = book_influencer(db_with_people, "twitch:anaplaysretro")
    influencer = get_influencer(db_with_people, 1)
    assert influencer["stage"] == "agreed"
    assert [entry["kind"] for entry in activity(db_with_people, 1)][-1] == "booked as guest"


def test_booking_twice_for_the_same_show_keeps_one_guest(db_with_people):
    first, _ = book_influencer(db_with_people, 1)
    second, created = book_influencer(db_with_people, 1)
    assert not created and second["id"] == first["id"]
    assert len(GuestQueue(db_with_people).list(None)) == 1


def test_do_not_contact_people_are_never_booked(db_with_people):
    set_fields(db_with_people, 2, {"stage": "do-not-contact"})
    with pytest.raises(BookingError, match="do-not-contact"):
        book_influencer(db_with_people, 2)
    assert GuestQueue(db_with_people).list(None) == []


def test_book_command_says_what_it_did(db_with_people, outreach_cli):
    result = outreach_cli("influencers", "book", 1, "--topic", "Retro")
    assert result.exit_code == 0, result.output
    assert "booked: guest 1 Ana Lopez — @anaplaysretro (confirmed) for the next show" in result.output
    again = outreach_cli("influencers", "book", 1)
    assert "already booked: guest 1" in again.output


def test_booking_for_a_show_id_stores_the_guest_under_that_show_s_key(db_with_people):
    show_id = ShowStore(db_with_people).create_show(Rundown("Launch AMA", (Segment("Intro", 60_000),)))
    guest, _ = book_influencer(db_with_people, 1, show=str(show_id))
    assert guest["show"] == f"#{show_id} Launch AMA"
    assert f"of #{show_id} Launch AMA" in activity(db_with_people, 1)[-1]["detail"]


def test_booking_for_an_unknown_show_id_books_nobody(db_with_people):
    with pytest.raises(ShowNotFound, match="no show 7"):
        book_influencer(db_with_people, 1, show="#7")
    assert GuestQueue(db_with_people).list(None) == []


def test_the_public_booking_api_links_the_guest_to_the_person_it_came_from(workspace):
    db = workspace.database()
    guest, created = book_guest(db, GuestBooking(influencer_id=42, name="Cy Diaz", topic="Mods"), show=None)
    assert created and (guest["status"], guest["topic"]) == ("confirmed", "Mods")
    assert db.execute("SELECT influencer_id FROM guests WHERE id = ?", [guest["id"]]).fetchone()[0] == 42


def test_show_keys_that_are_not_ids_are_taken_as_they_are(workspace):
    db = workspace.database()
    assert (resolve_show(db, None), resolve_show(db, "Friday stream")) == (None, "Friday stream")
