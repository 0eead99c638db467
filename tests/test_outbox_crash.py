"""Crash safety: kill -9 a real `outreach send` mid-way through 1,000 emails, restart, nobody gets two."""

import collections
import os
import signal
import subprocess
import sys

import pytest

from outreach.campaigns.sending import resolve
from outreach.storage import outbox
from tests.helpers import eventually_blocking

CLI = [sys.executable, "-c", "from outreach.cli import main; main()"]
PEOPLE = 1000


def run_cli(workspace, *args, **kwargs):
    return subprocess.Popen([*CLI, "--workspace", str(workspace.root), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


def enroll_many(world, count):
    stamp = "2026-01-01T00:00:00+00:00"
    world.db["influencers"].insert_all(
        {"id": i, "name": f"Person {i}", "email": f"p{i}@example.org", "youtube": f"chan{i}", "stage": "prospect",
         "kind": "influencer", "niches": "[]", "custom": "{}", "hand_edited": "[]", "created_at": stamp,
         "updated_at": stamp}
        for i in range(1, count + 1)
    )
    world.db["influencer_emails"].insert_all(
        {"email": f"p{i}@example.org", "influencer_id": i} for i in range(1, count + 1))
    world.now = world.now.replace(year=2020)  # due at once, whatever today's date
    world.start(cap=5000)


@pytest.fixture
def big_campaign(world, smtp_server):
    world.configure(smtp_server.config())
    enroll_many(world, PEOPLE)
    return world, smtp_server


def send_then_signal(world, smtp, signum, *, after):
    """A real `outreach send --once`, sent ``signum`` once the server has ``after`` messages; it has exited."""
    process = run_cli(world.workspace, "send", "--once")
    eventually_blocking(lambda: len(smtp.handler.messages) >= after or process.poll() is not None, 60,
                        interval=0.005)
    os.kill(process.pid, signum)
    process.communicate(timeout=60)
    return process


def copies_per_recipient(smtp):
    return collections.Counter(m.recipients[0] for m in smtp.handler.messages)


@pytest.mark.subprocess
@pytest.mark.slow
def test_kill_9_during_a_1000_message_send_then_restart_delivers_exactly_one_copy_each(big_campaign):
    world, smtp = big_campaign
    process = run_cli(world.workspace, "send", "--once")
    eventually_blocking(lambda: len(smtp.handler.messages) >= 150 or process.poll() is not None, 60,
                        interval=0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    received_before_restart = len(smtp.handler.messages)
    assert 0 < received_before_restart < PEOPLE, "the sender must be killed mid-way"

    restart = run_cli(world.workspace, "send", "--once")
    out, err = restart.communicate(timeout=120)
    assert restart.returncode == 0, err
    copies = copies_per_recipient(smtp)
    assert max(copies.values()) == 1

    uncertain = outbox.uncertain_rows(world.db)
    assert len(uncertain) <= 1
    for row in uncertain:
        assert f"outbox #{row['id']} to {row['to_address']} was interrupted during delivery" in out
        resolve(world.db, row["id"], sent=copies[row["to_address"]] == 1, now=world.now)
    finish = run_cli(world.workspace, "send", "--once")
    finish.communicate(timeout=60)

    copies = copies_per_recipient(smtp)
    assert len(copies) == PEOPLE and set(copies.values()) == {1}
    states = dict(world.db.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
    assert states == {"sent": PEOPLE}


def test_a_row_left_sending_by_a_crash_becomes_uncertain_and_is_not_resent(world, smtp_server):
    world.configure(smtp_server.config())
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.db.execute("UPDATE enrollments SET next_due_at = NULL")
    world.db["outbox"].insert({
        "enrollment_id": 1, "campaign_id": 1, "influencer_id": 1, "step": 0, "to_address": "bo@example.org",
        "sender_address": "ana@brand.example", "message_id": "<crash@brand.example>", "raw": "Subject: x\r\n\r\nx",
        "state": "sending", "attempts": 1, "queued_at": "2026-03-02T09:00:00+00:00",
        "sending_at": "2026-03-02T09:00:01+00:00",
    })
    world.tick()
    world.advance(days=3)
    world.tick()
    assert smtp_server.handler.messages == []
    assert world.outbox()[0]["state"] == "uncertain"


def test_resolving_uncertain_as_retry_sends_it_once_more(world, smtp_server):
    world.configure(smtp_server.config())
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.tick()
    world.db.execute("UPDATE outbox SET state = 'uncertain'")
    world.db.execute("UPDATE enrollments SET status = 'active', next_step = 0, next_due_at = NULL")
    smtp_server.handler.reset()
    resolve(world.db, 1, sent=False, now=world.now)
    world.tick()
    assert len(smtp_server.handler.to("bo@example.org")) == 1
    assert world.outbox()[0]["state"] == "sent"


@pytest.mark.subprocess
def test_sigterm_stops_send_once_between_messages_and_a_restart_sends_the_rest_once(world, smtp_server):
    world.configure(smtp_server.config())
    enroll_many(world, 300)
    process = send_then_signal(world, smtp_server, signal.SIGTERM, after=20)
    assert process.returncode == 0
    assert len(smtp_server.handler.messages) < 300
    assert outbox.uncertain_rows(world.db) == []
    run_cli(world.workspace, "send", "--once").communicate(timeout=60)
    copies = copies_per_recipient(smtp_server)
    assert len(copies) == 300 and set(copies.values()) == {1}


@pytest.mark.subprocess
def test_kill_9_between_sending_and_moving_on_then_restart_moves_every_sequence_on_exactly_once(world, smtp_server):
    """Sequences move on a batch of emails at a time: whatever a SIGKILL interrupts, the next run finishes."""
    world.configure(smtp_server.config())
    enroll_many(world, 600)
    send_then_signal(world, smtp_server, signal.SIGKILL, after=250)
    pending = world.db.execute("SELECT count(*) FROM outbox WHERE sequence_pending = 1").fetchone()[0]
    run_cli(world.workspace, "send", "--once").communicate(timeout=120)

    sent = [row["influencer_id"] for row in world.db.query("SELECT influencer_id FROM outbox WHERE state = 'sent'")]
    assert pending > 0, "the kill must land while some sequences wait to move on"
    emailed = dict(world.db.execute(
        "SELECT influencer_id, count(*) FROM influencer_activity WHERE kind = 'emailed' GROUP BY influencer_id"))
    assert emailed == dict.fromkeys(sent, 1)
    moved = {row[0] for row in world.db.execute("SELECT influencer_id FROM enrollments WHERE next_step = 1")}
    assert moved == set(sent)
