"""Replies, auto-replies, opt-outs and bounces read from a real IMAP server (dovecot) act on campaigns."""

from email.message import EmailMessage

import pytest

from outreach.campaigns.replies import InboxSession
from tests.helpers import OutputLines, eventually_blocking


@pytest.fixture
def mail_world(world, smtp_server, imap_server, monkeypatch):
    monkeypatch.setenv("GREENROOM_IMAP_PASSWORD", imap_server.password)
    world.configure(smtp_server.config() + imap_server.config())
    world.inbox = InboxSession(world.workspace, clock=lambda: world.now)
    yield world, smtp_server, imap_server
    world.inbox.close()


def incoming(sender, subject, body="Sounds good, let's talk!", in_reply_to=None, **headers):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "Ana Example <ana@brand.example>"
    message["Subject"] = subject
    message["Message-ID"] = f"<{abs(hash((sender, subject, body)))}@mail.example.org>"
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def bounce_for(recipient, original_id):
    """A Postfix-style RFC 3464 delivery status notification."""
    return (
        "From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\r\n"
        "To: ana@brand.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce-1@mx.example.org>\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.org\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 no such user\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: ana@brand.example\r\nTo: {recipient}\r\nMessage-ID: {original_id}\r\nSubject: hi\r\n\r\n"
        "--B--\r\n"
    ).encode()


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
