"""Replies, auto-replies, opt-outs and bounces read from a real IMAP server (dovecot) act on campaigns."""

import pytest

from tests.fixtures.mail import bounce_for, incoming
from tests.helpers import OutputLines, eventually_blocking


def activity_kinds(world, person_id):
    return [r[0] for r in world.db.execute(
        "SELECT kind FROM influencer_activity WHERE influencer_id = ? ORDER BY id", [person_id])]


def test_reply_between_steps_stops_the_sequence_and_marks_the_person_replied(mail_world):
    world, smtp, imap = mail_world
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start(follow_up_days=2)
    world.tick()
    first = smtp.handler.messages[0].message
    imap.deliver(incoming("Bo <bo@example.org>", f"Re: {first['Subject']}", in_reply_to=first["Message-ID"]))
    summary = world.inbox.poll()
    assert summary.kinds["reply"] == 1
    world.advance(days=7)
    world.tick()
    assert len(smtp.handler.messages) == 1
    assert world.enrollment(bo)["status"] == "replied"
    assert world.db["influencers"].get(bo)["stage"] == "replied"
    assert "replied" in activity_kinds(world, bo)
    assert world.outbox()[0]["outcome"] == "replied"


def test_reply_without_threading_headers_is_matched_by_sender_address(mail_world):
    world, smtp, imap = mail_world
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.tick()
    imap.deliver(incoming("bo@example.org", "About your show"))
    world.inbox.poll()
    assert world.enrollment(bo)["status"] == "replied"


def test_out_of_office_pauses_the_sequence_then_it_resumes(mail_world):
    world, smtp, imap = mail_world
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start(follow_up_days=1)
    world.tick()
    first = smtp.handler.messages[0].message
    imap.deliver(incoming("bo@example.org", "Out of Office: back Monday", body="I am away.",
                          in_reply_to=first["Message-ID"], Auto_Submitted="auto-replied"))
    assert world.inbox.poll().kinds["auto_reply"] == 1
    world.advance(days=2)
    world.tick()
    assert len(smtp.handler.to("bo@example.org")) == 1
    assert world.enrollment(bo)["status"] == "active"
    world.advance(days=6)
    world.tick()
    assert len(smtp.handler.to("bo@example.org")) == 2
    assert "auto-replied" in activity_kinds(world, bo)


def test_delivery_status_bounce_marks_bounced_and_suppresses(mail_world):
    world, smtp, imap = mail_world
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start(follow_up_days=1)
    world.tick()
    imap.deliver(bounce_for("bo@example.org", world.outbox()[0]["message_id"]))
    assert world.inbox.poll().kinds["bounce"] == 1
    assert world.enrollment(bo)["status"] == "bounced"
    assert world.db.execute("SELECT reason FROM suppressions WHERE email = 'bo@example.org'").fetchone() == ("bounce",)
    world.advance(days=3)
    world.tick()
    assert len(smtp.handler.messages) == 1


def test_reply_asking_to_stop_suppresses_the_address(mail_world):
    world, smtp, imap = mail_world
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.tick()
    first = smtp.handler.messages[0].message
    imap.deliver(incoming("bo@example.org", f"Re: {first['Subject']}", body="Please unsubscribe me.\n\n> Hi Bo",
                          in_reply_to=first["Message-ID"]))
    assert world.inbox.poll().kinds["unsubscribe"] == 1
    assert world.enrollment(bo)["status"] == "opted_out"
    assert world.db.execute("SELECT reason FROM suppressions WHERE email = 'bo@example.org'").fetchone() == ("opt-out",)


def test_each_message_is_processed_only_once(mail_world):
    world, smtp, imap = mail_world
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.tick()
    imap.deliver(incoming("bo@example.org", "Re: hello"))
    assert world.inbox.poll().total == 1
    assert world.inbox.poll().total == 0
    assert activity_kinds(world, bo).count("replied") == 1


@pytest.mark.subprocess
def test_run_service_polls_the_inbox_and_a_reply_stops_the_follow_up(mail_world, imap_server):
    import os
    import signal
    import subprocess
    import sys
    import time

    world, smtp, imap = mail_world
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.now = world.now.replace(year=2020)
    world.start(follow_up_days=1)
    world.tick()
    first = smtp.handler.messages[0].message
    imap.deliver(incoming("bo@example.org", f"Re: {first['Subject']}", in_reply_to=first["Message-ID"]))
    world.session.close()
    world.session = None
    process = subprocess.Popen(
        [sys.executable, "-c", "from outreach.cli import main; main()", "--workspace", str(world.workspace.root),
         "run", "--send-every", "1", "--poll-every", "5"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "GREENROOM_IMAP_PASSWORD": imap.password, "PYTHONUNBUFFERED": "1"},
    )
    try:
        output = OutputLines(process.stdout)
        eventually_blocking(lambda: output.contains("inbox: 1 reply"), 20, describe=output.so_far)
        # The behaviour under test needs time to pass: with --send-every 1, at least one more send tick
        # runs after the reply was read, and that tick must not send the follow-up.
        time.sleep(1.5)
        os.kill(process.pid, signal.SIGTERM)
        process.wait(20)
        out, err = output.finish(), process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
    assert "inbox: 1 reply" in out, out + err
    assert world.enrollment(bo)["status"] == "replied"
    assert len(smtp.handler.messages) == 1


def test_send_once_reads_the_inbox_first_so_a_waiting_reply_stops_the_follow_up(mail_world, outreach_cli):
    world, smtp, imap = mail_world
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.now = world.now.replace(year=2020)
    world.start(follow_up_days=1)
    world.tick()
    first = smtp.handler.messages[0].message
    imap.deliver(incoming("bo@example.org", f"Re: {first['Subject']}", in_reply_to=first["Message-ID"]))
    world.session.close()
    world.session = None
    result = outreach_cli("send", "--once")
    assert result.exit_code == 0, result.output
    assert "inbox: 1 reply" in result.output
    assert world.enrollment(bo)["status"] == "replied"
    assert len(smtp.handler.messages) == 1


def test_an_old_message_from_the_person_does_not_stop_a_newer_sequence(mail_world):
    world, smtp, imap = mail_world
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.tick()
    imap.deliver(incoming("bo@example.org", "Our chat last year", Date="Sun, 01 Feb 2026 10:00:00 +0000"))
    summary = world.inbox.poll()
    assert summary.unmatched == 1
    assert world.enrollment(bo)["status"] == "active"
