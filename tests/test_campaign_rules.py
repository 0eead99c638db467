"""Stop rules, start dates, gaps and the single-sender lock, driven tick by tick with an injected clock."""

from datetime import datetime, timedelta

import pytest

from greenroom.errors import GreenroomError
from outreach.campaigns.store import set_status
from outreach.service import sender_lock


@pytest.fixture
def sending(world, smtp_server):
    world.configure(smtp_server.config())
    return world, smtp_server


def test_stage_changed_by_a_person_stops_the_sequence(sending):
    world, smtp = sending
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start(follow_up_days=1)
    world.tick()
    world.db.execute("UPDATE influencers SET stage = 'negotiating' WHERE id = ?", [bo])
    world.advance(days=2)
    assert world.tick().stopped == 1
    assert world.enrollment(bo)["status"] == "stage_changed"
    assert len(smtp.handler.messages) == 1


def test_our_own_contacted_stage_does_not_count_as_a_stage_change(sending):
    world, smtp = sending
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start(follow_up_days=1)
    world.tick()
    assert world.db["influencers"].get(bo)["stage"] == "contacted"
    world.advance(days=1)
    world.tick()
    assert len(smtp.handler.messages) == 2


def test_start_date_holds_the_first_email_until_that_day(sending):
    world, smtp = sending
    world.add_person("Bo Fit", "bo@example.org")
    world.start(world.write_campaign().read_text() + "start: 2026-03-04\n")
    world.tick()
    world.advance(days=1)
    world.tick()
    assert smtp.handler.messages == []
    world.advance(days=1)
    world.tick()
    assert len(smtp.handler.messages) == 1


def test_min_gap_with_jitter_spaces_sends_from_one_mailbox(sending):
    world, smtp = sending
    for index in range(3):
        world.add_person(f"Person {index}", f"p{index}@example.org")
    world.start(gap=15, jitter=5)
    sent_at = []
    for _ in range(45):
        if world.tick().sent:
            sent_at.append(world.now)
        world.advance(minutes=1)
    gaps = [later - earlier for earlier, later in zip(sent_at, sent_at[1:], strict=False)]
    assert len(sent_at) == 3
    assert all(timedelta(minutes=15) <= gap <= timedelta(minutes=21) for gap in gaps)


def test_stopping_a_campaign_cancels_a_message_waiting_for_retry(sending):
    world, smtp = sending
    world.add_person("Bo Fit", "bo@example.org")
    smtp.handler.temporary.add("bo@example.org")
    world.start()
    world.tick()
    set_status(world.db, "spring", "stopped", world.now)
    smtp.handler.temporary.clear()
    world.advance(hours=3)
    world.tick()
    assert smtp.handler.messages == []
    assert world.outbox()[0]["state"] == "cancelled"


def test_a_second_sender_on_the_same_workspace_is_refused(world):
    with (sender_lock(world.workspace), pytest.raises(GreenroomError, match="another outreach sender"),
          sender_lock(world.workspace)):
        pass


def test_template_saved_in_a_non_utf8_encoding_fails_that_email_with_file_and_line(sending):
    world, smtp = sending
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start()
    folder = world.workspace.root / "templates" / "email"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "first-contact.md.j2").write_bytes("{% set subject %}Hi{% endset %}\nCafé\n".encode("latin-1"))
    report = world.tick()
    assert smtp.handler.messages == []
    assert "first-contact.md.j2:2: not UTF-8" in report.errors[0]
    assert world.enrollment(bo)["status"] == "failed"


def test_messages_held_back_by_an_smtp_outage_are_still_delivered_the_gap_apart(world, smtp_server):
    from tests.helpers import free_port

    world.configure(f'\n[smtp]\nhost = "127.0.0.1"\nport = {free_port()}\nsecurity = "none"\n')  # nobody listens
    for index in range(4):
        world.add_person(f"Person {index}", f"p{index}@example.org")
    world.start(gap=15)
    for _ in range(4):
        assert world.tick().transport_error
        world.advance(minutes=15)
    world.close()
    world.session = None
    world.configure(smtp_server.config())
    for _ in range(4):
        world.tick()
        world.advance(minutes=15)
    sent_at = sorted(datetime.fromisoformat(row["sent_at"]) for row in world.outbox() if row["state"] == "sent")
    assert len(smtp_server.handler.messages) == 4
    assert all(later - earlier >= timedelta(minutes=15) for earlier, later in zip(sent_at, sent_at[1:], strict=False))
