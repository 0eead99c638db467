"""The guest queue in the real workspace database: statuses, order, the appearance log, rundown matching."""

import pytest

from livekit.guests import GuestError, GuestQueue


class FakeClock:
    """An injected clock: tests decide what time it is."""

    def __init__(self, now_ms: int = 1_000_000) -> None:
        self.now_ms = now_ms

    def __call__(self) -> int:
        return self.now_ms


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def queue(workspace, clock):
    return GuestQueue(workspace.database(), clock=clock)


def put_on_air(queue, guest_id, at_ms):
    queue.set_status(guest_id, "confirmed", at_ms)
    queue.check_in(guest_id, at_ms)
    return queue.set_status(guest_id, "on_air", at_ms)


def test_added_guests_queue_up_in_order_and_start_invited(queue):
    first = queue.add("AMA", name="Jane Doe", talking_points=["Launch", "Hiring"])
    second = queue.add("AMA", name="Omar Li")
    listed = queue.list("AMA")
    assert [guest["name"] for guest in listed] == ["Jane Doe", "Omar Li"]
    assert [guest["status"] for guest in listed] == ["invited", "invited"]
    assert listed[0]["talking_points"] == ["Launch", "Hiring"]
    assert (first["position"], second["position"]) == (0, 1)


def test_guests_of_other_shows_are_not_listed(queue):
    queue.add("AMA", name="Jane Doe")
    queue.add("Other show", name="Omar Li")
    assert [guest["name"] for guest in queue.list("AMA")] == ["Jane Doe"]


def test_going_on_air_and_off_again_is_logged_with_both_times(queue):
    guest = queue.add("AMA", name="Jane Doe", title_or_handle="CEO, Acme", booked_by="kim")
    put_on_air(queue, guest["id"], 5_000)
    queue.set_status(guest["id"], "done", 65_000)
    [entry] = queue.log()
    assert entry["guest_name"] == "Jane Doe"
    assert (entry["show"], entry["booked_by"], entry["title_or_handle"]) == ("AMA", "kim", "CEO, Acme")
    assert (entry["on_air_ms"], entry["off_air_ms"], entry["duration_ms"]) == (5_000, 65_000, 60_000)


def test_an_appearance_still_on_air_has_no_off_air_time(queue):
    guest = queue.add("AMA", name="Jane Doe")
    put_on_air(queue, guest["id"], 5_000)
    [entry] = queue.log(show="AMA")
    assert entry["off_air_ms"] is None and entry["duration_ms"] is None


def test_two_stints_on_air_make_two_log_entries(queue):
    guest = queue.add("AMA", name="Jane Doe")
    put_on_air(queue, guest["id"], 1_000)
    queue.set_status(guest["id"], "in_green_room", 2_000)
    queue.set_status(guest["id"], "on_air", 3_000)
    queue.set_status(guest["id"], "done", 4_000)
    assert [(e["on_air_ms"], e["off_air_ms"]) for e in queue.log()] == [(1_000, 2_000), (3_000, 4_000)]


def test_a_refused_status_change_changes_nothing(queue):
    guest = queue.add("AMA", name="Jane Doe")
    with pytest.raises(GuestError, match="invited cannot become on_air"):
        queue.set_status(guest["id"], "on_air", 1_000)
    assert queue.get(guest["id"])["status"] == "invited"
    assert queue.log() == []


def test_status_change_without_a_time_uses_the_clock(queue, clock):
    guest = queue.add("AMA", name="Jane Doe")
    clock.now_ms = 42_000
    assert queue.set_status(guest["id"], "confirmed")["status_changed_ms"] == 42_000


def test_the_lower_third_shows_the_guest_who_went_on_air_last(queue):
    jane = queue.add("AMA", name="Jane Doe", pronouns="she/her", title_or_handle="CEO, Acme")
    omar = queue.add("AMA", name="Omar Li")
    assert queue.lower_third("AMA") == ""
    put_on_air(queue, jane["id"], 1_000)
    assert queue.lower_third("AMA") == "Jane Doe (she/her) — CEO, Acme"
    put_on_air(queue, omar["id"], 2_000)
    assert queue.on_air("AMA")["name"] == "Omar Li"
    queue.set_status(omar["id"], "done", 3_000)
    assert queue.lower_third("AMA") == "Jane Doe (she/her) — CEO, Acme"


def test_moving_a_guest_reorders_the_queue(queue):
    ids = [queue.add("AMA", name=name)["id"] for name in ("A", "B", "C")]
    reordered = queue.move(ids[2], 0)
    assert [guest["name"] for guest in reordered] == ["C", "A", "B"]
    assert [guest["position"] for guest in reordered] == [0, 1, 2]


def test_updating_details_keeps_the_status(queue):
    guest = queue.add("AMA", name="Jane Doe", status="confirmed")
    updated = queue.update(guest["id"], notes="prefers first names", talking_points="One\nTwo")
    assert updated["status"] == "confirmed"
    assert (updated["notes"], updated["talking_points"]) == ("prefers first names", ["One", "Two"])


def test_a_bad_update_changes_nothing(queue):
    guest = queue.add("AMA", name="Jane Doe", topic="AI")
    with pytest.raises(GuestError):
        queue.update(guest["id"], topic="Robots", name="")
    assert queue.get(guest["id"])["topic"] == "AI"


def test_an_unknown_guest_is_reported_by_id(queue):
    with pytest.raises(GuestError, match="no guest with id 99"):
        queue.set_status(99, "confirmed")


def test_a_new_guest_cannot_start_on_air(queue):
    with pytest.raises(GuestError, match="starts as invited, confirmed or in_green_room"):
        queue.add("AMA", name="Jane", status="on_air")


def test_guests_booked_for_the_next_show_join_the_show_that_starts(queue):
    queue.add("AMA", name="Already here")
    waiting = queue.add(None, name="Jane Doe", status="confirmed")
    declined = queue.add(None, name="Gone", status="confirmed")
    queue.set_status(declined["id"], "no_show")
    claimed = queue.claim_for_show("AMA")
    assert [guest["name"] for guest in claimed] == ["Already here", "Jane Doe"]
    assert queue.get(waiting["id"])["show"] == "AMA"
    assert [guest["name"] for guest in queue.list(None)] == ["Gone"]


def test_rundown_guests_are_matched_by_name_and_missing_ones_created_confirmed(queue):
    jane = queue.add("AMA", name="Jane Doe", status="invited")
    matched = queue.ensure_rundown_guests("AMA", ["jane  DOE", "Omar Li", "Omar Li", ""])
    assert [guest["id"] for guest in matched][0] == jane["id"]
    assert [(g["name"], g["status"]) for g in queue.list("AMA")] == [
        ("Jane Doe", "invited"),
        ("Omar Li", "confirmed"),
    ]


def test_the_log_survives_deleting_the_guest(queue):
    guest = queue.add("AMA", name="Jane Doe")
    put_on_air(queue, guest["id"], 1_000)
    queue.set_status(guest["id"], "done", 2_000)
    queue.remove(guest["id"])
    [entry] = queue.log(guest="jane")
    assert entry["guest_name"] == "Jane Doe" and entry["guest_id"] is None


def test_a_guest_on_air_cannot_be_deleted(queue):
    guest = queue.add("AMA", name="Jane Doe")
    put_on_air(queue, guest["id"], 1_000)
    with pytest.raises(GuestError, match="on air"):
        queue.remove(guest["id"])


def test_log_filters_by_show_and_time(queue):
    first = queue.add("Monday", name="A")
    second = queue.add("Tuesday", name="B")
    put_on_air(queue, first["id"], 1_000)
    put_on_air(queue, second["id"], 9_000)
    assert [e["guest_name"] for e in queue.log(show="Tuesday")] == ["B"]
    assert [e["guest_name"] for e in queue.log(since_ms=5_000)] == ["B"]
    assert [e["guest_name"] for e in queue.log(until_ms=5_000)] == ["A"]


def test_log_name_filter_treats_wildcards_literally(queue):
    guest = queue.add("AMA", name="100% Jane")
    other = queue.add("AMA", name="1000 Omar")
    put_on_air(queue, guest["id"], 1_000)
    put_on_air(queue, other["id"], 2_000)
    assert [e["guest_name"] for e in queue.log(guest="100%")] == ["100% Jane"]


def test_appearance_notes_can_be_added_later(queue):
    guest = queue.add("AMA", name="Jane Doe")
    put_on_air(queue, guest["id"], 1_000)
    [entry] = queue.log()
    queue.annotate_appearance(entry["id"], "Great energy; invite again")
    assert queue.log()[0]["notes"] == "Great energy; invite again"


def test_a_queue_without_appearance_log_changes_statuses_but_logs_nothing(workspace, clock):
    rehearsal = GuestQueue(workspace.database(), clock=clock, appearance_log=False)
    guest = rehearsal.add("#1 Rehearsal", status="in_green_room", name="Ada")
    rehearsal.set_status(guest["id"], "on_air", 100)
    rehearsal.set_status(guest["id"], "done", 200)
    assert rehearsal.get(guest["id"])["status"] == "done"
    assert rehearsal.log() == []


def test_copying_bookings_into_a_show_leaves_them_booked_for_the_next_show(queue):
    booked = queue.add(None, status="confirmed", name="Ada", topic="Engines", talking_points=["Notes"])
    copies = queue.copy_booked_into("#1 Rehearsal")
    assert [(g["name"], g["status"], g["topic"], g["talking_points"]) for g in copies] == [
        ("Ada", "confirmed", "Engines", ["Notes"])
    ]
    assert [g["id"] for g in queue.list(None)] == [booked["id"]]


def test_closing_a_show_closes_the_open_log_entry_at_the_end(queue):
    guest = queue.add("#1 Show", status="in_green_room", name="Ada")
    queue.set_status(guest["id"], "on_air", 100)
    queue.close_show("#1 Show", rundown_names=[], aired_names=[], at_ms=500)
    assert queue.get(guest["id"])["status"] == "done"
    assert [(e["on_air_ms"], e["off_air_ms"]) for e in queue.log(show="#1 Show")] == [(100, 500)]
