"""A delivered message is recorded as sent even when scheduling its follow-up goes wrong."""

import random
import sqlite3
from dataclasses import replace

import pytest

from outreach.campaigns.sending import TickReport, queue_due, send_due
from outreach.campaigns.settings import outreach_settings
from outreach.campaigns.store import StoredCampaign, campaigns_by_id
from outreach.mail.template import TemplateLibrary, template_dirs
from outreach.service import open_transport


def unschedulable(stored: StoredCampaign) -> StoredCampaign:
    """The same campaign with a follow-up so far away that the date arithmetic overflows."""
    steps = list(stored.campaign.steps)
    steps[1] = replace(steps[1], after_business_days=3_000_000)
    return replace(stored, campaign=replace(stored.campaign, steps=tuple(steps)))


def test_message_delivered_stays_sent_when_its_follow_up_cannot_be_scheduled(world, smtp_server):
    world.configure(smtp_server.config())
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    report = TickReport()
    library = TemplateLibrary(template_dirs(world.workspace.root))
    with world.db.atomic():
        queue_due(world.db, library, outreach_settings(world.workspace), world.now, random.Random(1), report)
    campaigns = {cid: unschedulable(stored) for cid, stored in campaigns_by_id(world.db).items()}
    transport = open_transport(world.workspace)
    try:
        send_due(world.db, transport, lambda: world.now, report, campaigns=campaigns)
    finally:
        transport.close()
    assert len(smtp_server.handler.to("bo@example.org")) == 1
    assert world.outbox()[0]["state"] == "sent"
    assert report.sent == 1
    assert "was sent, but its sequence could not move on" in report.errors[0]


def test_each_email_is_recorded_sent_before_the_next_one_reaches_the_server(world, smtp_server, monkeypatch):
    """Recording a delivery shares a transaction with the next claim (one commit per email), but it is
    committed before any byte of the next message goes out: a crash then leaves at most one row unsure."""
    world.configure(smtp_server.config())
    people = [world.add_person(f"Person {n}", f"p{n}@example.org") for n in range(4)]
    world.start(daily_cap=100, min_gap_minutes=0, jitter_minutes=0)
    seen_by_server: list[list[str]] = []
    accept = smtp_server.handler.handle_DATA

    async def snapshot_then_accept(server, session, envelope):
        reader = sqlite3.connect(world.workspace.database_path)  # what is committed, seen from outside
        try:
            seen_by_server.append([state for (state,) in reader.execute(
                "SELECT state FROM outbox WHERE state IN ('sent', 'sending') ORDER BY id")])
        finally:
            reader.close()
        return await accept(server, session, envelope)

    monkeypatch.setattr(smtp_server.handler, "handle_DATA", snapshot_then_accept)
    report = world.tick()
    assert report.sent == len(people)
    assert seen_by_server == [["sent"] * earlier + ["sending"] for earlier in range(len(people))]


def test_after_a_tick_every_sent_sequence_has_moved_on_and_each_history_says_emailed_once(world, smtp_server):
    world.configure(smtp_server.config())
    people = [world.add_person(f"Person {n}", f"p{n}@example.org") for n in range(250)]
    world.start(daily_cap=1000, min_gap_minutes=0, jitter_minutes=0)
    report = world.tick()
    assert report.sent == len(people) and report.errors == []
    assert {(e["next_step"], e["next_due_at"] is not None) for e in
            world.db.query("SELECT next_step, next_due_at FROM enrollments")} == {(1, True)}
    emailed = dict(world.db.execute(
        "SELECT influencer_id, count(*) FROM influencer_activity WHERE kind = 'emailed' GROUP BY influencer_id"))
    assert emailed == dict.fromkeys(people, 1)
    assert world.db.execute("SELECT count(*) FROM outbox WHERE sequence_pending IS NOT NULL").fetchone()[0] == 0


def test_a_person_suppressed_while_the_email_before_theirs_goes_out_gets_no_rcpt_and_no_data(
        world, smtp_server, monkeypatch):
    """Each claim is made while the server answers MAIL FROM; a refused one ends that SMTP transaction
    with RSET before the recipient or a byte of the message is named, and the email is cancelled."""
    world.configure(smtp_server.config())
    world.add_person("Ana First", "first@example.org")
    world.add_person("Bo Later", "later@example.org")
    world.start(daily_cap=100, min_gap_minutes=0, jitter_minutes=0)
    commands: list[str] = []
    accept, recipient = smtp_server.handler.handle_DATA, smtp_server.handler.handle_RCPT

    async def on_mail(server, session, envelope, address, mail_options):
        commands.append("MAIL")
        envelope.mail_from = address
        return "250 OK"

    async def on_rcpt(server, session, envelope, address, rcpt_options):
        commands.append(f"RCPT {address}")
        return await recipient(server, session, envelope, address, rcpt_options)

    async def on_rset(server, session, envelope):
        commands.append("RSET")
        return "250 OK"

    async def suppress_the_next_then_accept(server, session, envelope):
        commands.append("DATA")
        writer = sqlite3.connect(world.workspace.database_path, timeout=10)  # another process, in effect
        with writer:
            writer.execute("INSERT INTO suppressions (email, reason, source, created_at) VALUES "
                           "('later@example.org', 'unsubscribe', 'inbox', '2026-03-02T09:00:00+00:00')")
        writer.close()
        return await accept(server, session, envelope)

    for hook, handler in (("handle_MAIL", on_mail), ("handle_RCPT", on_rcpt), ("handle_RSET", on_rset),
                          ("handle_DATA", suppress_the_next_then_accept)):
        monkeypatch.setattr(smtp_server.handler, hook, handler, raising=False)
    report = world.tick()
    assert (report.sent, report.cancelled) == (1, 1)
    assert commands == ["MAIL", "RCPT first@example.org", "DATA", "MAIL", "RSET"]
    assert [row["state"] for row in world.outbox()] == ["sent", "cancelled"]
    assert smtp_server.handler.to("later@example.org") == []


def test_a_database_error_claiming_the_next_email_leaves_the_delivered_one_recorded_sent(world, smtp_server):
    """The claim's transaction also records the email before it; when that transaction fails, the email
    that went out must still end ``sent`` (not ``sending``, which a restart would turn into ``uncertain``)."""
    world.configure(smtp_server.config())
    world.add_person("Ana First", "first@example.org")
    world.add_person("Bo Second", "second@example.org")
    world.start(daily_cap=100, min_gap_minutes=0, jitter_minutes=0)
    world.db.execute("""CREATE TRIGGER disk_trouble BEFORE UPDATE OF state ON outbox
                        WHEN NEW.state = 'sending' AND OLD.to_address = 'second@example.org'
                        BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END""")
    with pytest.raises(sqlite3.IntegrityError, match="disk I/O error"):
        world.tick()
    states = {row["to_address"]: row["state"] for row in world.outbox()}
    assert states == {"first@example.org": "sent", "second@example.org": "queued"}
    assert len(smtp_server.handler.to("first@example.org")) == 1
    assert world.db.execute("SELECT count(*) FROM influencer_activity WHERE kind = 'emailed'").fetchone()[0] == 1
