"""Claiming a queued message re-checks, in the same statement, that the person may still be emailed."""

from outreach.campaigns.store import suppress
from outreach.storage import outbox


def queued_message(world):
    """Bo enrolled, with his first email planned and queued but not yet claimed for delivery."""
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.db.execute("UPDATE enrollments SET next_due_at = NULL")
    world.db["outbox"].insert({
        "enrollment_id": 1, "campaign_id": 1, "influencer_id": 1, "step": 0, "to_address": "Bo@Example.org",
        "sender_address": "ana@brand.example", "message_id": "<q@brand.example>", "raw": "Subject: x\r\n\r\nx",
        "state": "queued", "attempts": 0, "queued_at": "2026-03-02T09:00:00+00:00",
    })
    return outbox.due_rows(world.db, world.now)[0]


def test_suppression_committed_after_planning_makes_the_claim_fail(world):
    row = queued_message(world)
    world.db["suppressions"].insert({"email": "bo@example.org", "reason": "unsubscribe", "source": "inbox",
                                     "created_at": "2026-03-02T09:30:00+00:00"})
    assert outbox.claim(world.db, row["id"], world.now) is False
    assert world.outbox()[0]["state"] == "queued"


def test_opt_out_after_planning_means_the_message_is_never_sent(world):
    row = queued_message(world)
    suppress(world.db, "bo@example.org", "unsubscribe", "replied 'unsubscribe'", world.now)
    assert outbox.claim(world.db, row["id"], world.now) is False
    assert world.outbox()[0]["state"] == "cancelled"


def test_reply_that_stopped_the_sequence_after_planning_makes_the_claim_fail(world):
    row = queued_message(world)
    world.db.execute("UPDATE enrollments SET status = 'replied'")
    assert outbox.claim(world.db, row["id"], world.now) is False


def test_claim_still_takes_a_message_nobody_objects_to(world):
    row = queued_message(world)
    assert outbox.claim(world.db, row["id"], world.now) is True
    assert world.outbox()[0]["state"] == "sending"
