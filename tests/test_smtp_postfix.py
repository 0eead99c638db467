"""Sending through a real Postfix whose rules refuse a sender (quota), a recipient and some content.

Each answer is Postfix's own (``check_sender_access``, ``check_recipient_access``, ``body_checks``,
``header_checks``), read by its stage and RFC 3463 code.
"""

import pytest
from click.testing import CliRunner

from outreach.cli import main
from outreach.service import describe_tick
from tests.helpers import eventually_blocking

SENDER = "ana@brand.example"


@pytest.fixture
def through_postfix(world, postfix, smtp_server):
    world.configure(postfix.smtp_config())
    return world, postfix, smtp_server


def _reconnect(world) -> None:
    """A new SMTP session: Postfix's smtpd reads its tables when it starts, so changed rules need one."""
    world.close()
    world.session = None


def _suppressed(world) -> list[str]:
    return [row[0] for row in world.db.execute("SELECT email FROM suppressions ORDER BY email")]


def test_an_accepted_email_is_relayed_by_postfix_to_its_recipient(through_postfix):
    world, _, sink = through_postfix
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    assert world.tick().sent == 1
    assert world.outbox()[0]["state"] == "sent"


def test_a_sender_quota_refusal_pauses_the_mailbox_keeps_the_queue_and_suppresses_nobody(through_postfix):
    world, postfix, sink = through_postfix
    postfix.rules(sender_access=f"{SENDER} 550 5.4.5 daily quota exceeded")
    world.add_person("Bo Fit", "bo@example.org")
    world.add_person("Cy Cook", "cy@example.org")
    world.start()
    report = world.tick()
    assert report.sent == report.bounced == 0
    assert "5.4.5" in report.paused[SENDER] and "daily quota exceeded" in report.paused[SENDER]
    assert f"mailbox {SENDER} paused (queue kept): RCPT TO: 550 5.4.5" in describe_tick(report)  # `outreach run` log
    assert [row["state"] for row in world.outbox()] == ["queued", "queued"]
    assert _suppressed(world) == []
    assert [world.enrollment(i)["status"] for i in (1, 2)] == ["active", "active"]
    paused = world.db.execute("SELECT pause_reason, paused_until FROM mailboxes WHERE address = ?",
                              [SENDER]).fetchone()
    assert "Sender address rejected: daily quota exceeded" in paused[0]
    assert paused[1] is not None  # a quota ends with the day


def test_a_paused_mailbox_sends_nothing_until_resumed_then_delivers_its_queue(through_postfix):
    world, postfix, sink = through_postfix
    postfix.rules(sender_access=f"{SENDER} 550 5.7.1 sender blocked by policy")
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.tick()
    postfix.rules()
    _reconnect(world)
    world.advance(minutes=10)
    assert world.tick().sent == 0
    listing = CliRunner().invoke(main, ["--workspace", str(world.workspace.root), "outbox", "list"])
    assert f"mailbox {SENDER} PAUSED" in listing.output and "sender blocked by policy" in listing.output
    resumed = CliRunner().invoke(main, ["--workspace", str(world.workspace.root), "outbox", "resume", SENDER])
    assert resumed.exit_code == 0, resumed.output
    assert world.tick().sent == 1
    eventually_blocking(lambda: sink.handler.to("bo@example.org"), describe=postfix.log)


def test_an_unknown_recipient_is_bounced_and_suppressed(through_postfix):
    world, postfix, _ = through_postfix
    postfix.rules(recipient_access="ghost@example.org 550 5.1.1 no such user")
    world.add_person("Bo Fit", "bo@example.org")
    world.add_person("Gus Host", "ghost@example.org")
    world.start()
    report = world.tick()
    assert (report.sent, report.bounced) == (1, 1)
    assert _suppressed(world) == ["ghost@example.org"]
    assert "5.1.1" in world.outbox()[1]["last_error"]


def test_a_content_refusal_fails_that_message_only_with_the_servers_full_text(through_postfix):
    world, postfix, _ = through_postfix
    postfix.rules(body_checks="/live interview/ REJECT 5.7.1 message content refused by local policy")
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    report = world.tick()
    assert (report.sent, report.failed, report.bounced) == (0, 1, 0)
    row = world.outbox()[0]
    assert row["state"] == "failed"
    assert "550 5.7.1 message content refused by local policy" in row["last_error"]
    assert row["last_error"].startswith("DATA: ")
    assert _suppressed(world) == []
    assert world.db.execute("SELECT paused_at FROM mailboxes").fetchall() in ([], [(None,)])


def test_a_header_rule_refusal_is_a_content_failure_not_a_bounce(through_postfix):
    world, postfix, _ = through_postfix
    postfix.rules(header_checks="/^Subject:.*live interview/ REJECT 5.7.1 subject refused")
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    assert world.tick().failed == 1
    assert "5.7.1 subject refused" in world.outbox()[0]["last_error"]
    assert _suppressed(world) == []


def test_a_five_thousand_character_name_is_delivered_with_every_header_line_within_998(through_postfix):
    world, _, sink = through_postfix
    world.add_person("Bo " + "F" * 5000, "bo@example.org")
    world.start()
    assert world.tick().sent == 1
    raw = eventually_blocking(lambda: sink.handler.to("bo@example.org"))[0].data
    head = raw.split(b"\r\n\r\n")[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= 998


def test_outreach_send_says_which_mailbox_paused_and_why(through_postfix):
    world, postfix, _ = through_postfix
    postfix.rules(sender_access=f"{SENDER} 550 5.4.5 daily quota exceeded")
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.close()
    result = CliRunner().invoke(main, ["--workspace", str(world.workspace.root), "send", "--once"])
    assert f"mailbox {SENDER} paused, its queue is kept" in result.output
    assert "Sender address rejected: daily quota exceeded" in result.output
    assert f"outreach outbox resume {SENDER}" in result.output
