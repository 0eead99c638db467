"""Nobody can forge the inbox and nothing can jam it: forged bounces and opt-outs change nobody's state,
one broken message never holds up the rest, and replies are credited to the email they answer.

Every message goes through the real Dovecot; the campaign sends through a real SMTP server.
"""

import json
import re
from email.message import EmailMessage
from pathlib import Path

import pytest

from outreach.campaigns.replies import decide
from outreach.mail.inbox import MAX_MIME_DEPTH, UnreadableMessage, parse
from tests.fixtures.mail import bounce_for, incoming

OWN_MAILBOX = "ana@brand.example"


def suppressed(world):
    return {row[0] for row in world.db.execute("SELECT email FROM suppressions")}


def pending_reviews(world):
    return list(world.db.query("SELECT * FROM inbox_reviews WHERE status = 'pending' ORDER BY id"))


def first_email_to(smtp, address):
    return smtp.handler.to(address)[0].message


def forged_report(recipients, original_id="<never-sent@attacker.example>"):
    """A multipart/report listing many recipients as failed, about an email we never sent."""
    blocks = "".join(f"Final-Recipient: rfc822; {r}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n" for r in recipients)
    return (
        "From: MAILER-DAEMON@attacker.example\r\nTo: ana@brand.example\r\nSubject: Undelivered Mail\r\n"
        "Message-ID: <forged-bounce@attacker.example>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nUndeliverable.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; attacker.example\r\n\r\n"
        f"{blocks}"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: ana@brand.example\r\nMessage-ID: {original_id}\r\nSubject: hi\r\n\r\n--B--\r\n"
    ).encode()


NINE = ["bo@example.org", "di@example.org", OWN_MAILBOX, *(f"fan{n}@example.net" for n in range(6))]


def test_a_forged_bounce_listing_nine_addresses_suppresses_nobody(mail_world):
    world, smtp, imap = mail_world
    world.add_person("Bo Fit", "bo@example.org")
    world.add_person("Di Dance", "di@example.org")
    world.start()
    world.tick()
    imap.deliver(forged_report(NINE))
    world.inbox.poll()
    assert suppressed(world) == set()
    assert [r["proposed"] for r in pending_reviews(world)] == ["bounce"]


def test_a_bounce_of_our_email_suppresses_only_the_address_that_email_went_to(mail_world):
    world, smtp, imap = mail_world
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.add_person("Di Dance", "di@example.org")
    world.start()
    world.tick()
    imap.deliver(forged_report(NINE, first_email_to(smtp, "bo@example.org")["Message-ID"]))
    world.inbox.poll()
    assert suppressed(world) == {"bo@example.org"}
    assert world.enrollment(bo)["status"] == "bounced"


def test_a_bounce_without_our_message_id_goes_to_review_not_suppression(mail_world):
    world, smtp, imap = mail_world
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.tick()
    imap.deliver(bounce_for("bo@example.org", "<someone-elses@mail.example>"))
    world.inbox.poll()
    assert suppressed(world) == set()
    assert world.enrollment(bo)["status"] == "active"
    assert pending_reviews(world)[0]["proposed"] == "bounce"


def test_in_reply_to_of_someone_elses_email_from_another_sender_opts_nobody_out(mail_world):
    world, smtp, imap = mail_world
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.tick()
    bo_email = first_email_to(smtp, "bo@example.org")
    imap.deliver(incoming("eve@attacker.example", f"Re: {bo_email['Subject']}", body="Please unsubscribe me.",
                          in_reply_to=bo_email["Message-ID"]))
    world.inbox.poll()
    assert suppressed(world) == set()
    assert world.enrollment(bo)["status"] == "active"
    assert "eve@attacker.example" in pending_reviews(world)[0]["reason"]


def test_a_forged_from_that_fails_dmarc_changes_nothing_and_waits_for_review(mail_world):
    world, smtp, imap = mail_world
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.tick()
    imap.deliver(incoming("bo@example.org", "unsubscribe", body="Please unsubscribe me.",
                          Authentication_Results="mx.brand.example; dmarc=fail header.from=example.org; "
                                                 "spf=fail smtp.mailfrom=attacker.example; dkim=none"))
    summary = world.inbox.poll()
    assert summary.review == 1
    assert suppressed(world) == set()
    assert world.enrollment(bo)["status"] == "active"
    assert "dmarc=fail" in pending_reviews(world)[0]["reason"]


def test_an_opt_out_waiting_in_review_stops_every_email_until_decided_then_suppresses(mail_world):
    world, smtp, imap = mail_world
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start(follow_up_days=1)
    world.tick()
    imap.deliver(incoming("bo@example.org", "unsubscribe", body="Please unsubscribe me.",
                          Authentication_Results="mx.brand.example; dmarc=fail header.from=example.org"))
    world.inbox.poll()
    world.advance(days=3)
    world.tick()
    assert len(smtp.handler.to("bo@example.org")) == 1
    decide(world.db, pending_reviews(world)[0]["id"], "opt-out", world.now)
    assert suppressed(world) == {"bo@example.org"}
    assert world.enrollment(bo)["status"] == "opted_out"


def test_a_review_decided_as_ignore_lets_the_sequence_go_on(mail_world):
    world, smtp, imap = mail_world
    world.add_person("Bo Fit", "bo@example.org")
    world.start(follow_up_days=1)
    world.tick()
    imap.deliver(incoming("bo@example.org", "hello", Authentication_Results="mx.brand.example; dmarc=fail"))
    world.inbox.poll()
    decide(world.db, pending_reviews(world)[0]["id"], "ignore", world.now)
    world.advance(days=3)
    world.tick()
    assert len(smtp.handler.to("bo@example.org")) == 2


def test_an_aligned_dkim_pass_is_believed(mail_world):
    world, smtp, imap = mail_world
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.tick()
    imap.deliver(incoming("bo@example.org", "Re: hello",
                          Authentication_Results="mx.brand.example; dkim=pass header.d=mail.example.org; "
                                                 "spf=softfail smtp.mailfrom=bounce.esp.example"))
    world.inbox.poll()
    assert world.enrollment(bo)["status"] == "replied"


def test_a_date_in_year_9999_does_not_pass_for_a_message_newer_than_the_enrolment(mail_world):
    world, smtp, imap = mail_world
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.tick()
    imap.deliver(incoming("bo@example.org", "Our chat last year", body="Please unsubscribe me.",
                          Date="Fri, 31 Dec 9999 10:00:00 +0000"))
    world.inbox.poll()
    assert world.enrollment(bo)["status"] == "active"
    assert suppressed(world) == set()
    assert "future" in pending_reviews(world)[0]["reason"]


def deeply_nested(levels):
    head = "From: x@example.net\r\nTo: ana@brand.example\r\nSubject: nested\r\nMIME-Version: 1.0\r\n"
    opening = "".join(f'Content-Type: multipart/mixed; boundary="b{n}"\r\n\r\n--b{n}\r\n' for n in range(levels))
    closing = "".join(f"\r\n--b{n}--\r\n" for n in reversed(range(levels)))
    return (head + opening + "Content-Type: text/plain\r\n\r\nhi\r\n" + closing).encode()


def test_a_deeply_nested_message_is_recorded_unparseable_and_later_replies_are_still_read(mail_world):
    world, smtp, imap = mail_world
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.tick()
    imap.deliver(deeply_nested(3000))
    imap.deliver(incoming("bo@example.org", "Re: hello"))
    summary = world.inbox.poll()
    assert summary.kinds["unparseable"] == 1
    assert world.enrollment(bo)["status"] == "replied"
    reason = world.db.execute("SELECT reason FROM inbox_messages WHERE kind = 'unparseable'").fetchone()[0]
    assert "MIME" in reason
    assert world.inbox.poll().total == 0


def test_a_message_over_the_size_limit_is_skipped_without_download_and_recorded(mail_world, monkeypatch):
    from outreach.mail import inbox

    world, smtp, imap = mail_world
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.tick()
    imap.deliver(incoming("fan@example.net", "Big file", body="x" * 40_000))
    imap.deliver(incoming("bo@example.org", "Re: hello"))
    monkeypatch.setattr(inbox, "MAX_MESSAGE_BYTES", 20_000)
    summary = world.inbox.poll()
    assert summary.kinds["too_large"] == 1
    assert world.enrollment(bo)["status"] == "replied"


def test_a_reply_to_the_follow_up_is_credited_to_the_follow_up(mail_world):
    world, smtp, imap = mail_world
    world.add_person("Bo Fit", "bo@example.org")
    world.start(follow_up_days=1)
    world.tick()
    world.advance(days=2)
    world.tick()
    first, follow_up = (r.message for r in smtp.handler.to("bo@example.org"))
    reply = EmailMessage()
    reply["From"], reply["To"], reply["Subject"] = "bo@example.org", OWN_MAILBOX, f"Re: {follow_up['Subject']}"
    reply["Message-ID"] = "<reply-to-2@example.org>"
    reply["In-Reply-To"] = follow_up["Message-ID"]
    reply["References"] = f"{first['Message-ID']} {follow_up['Message-ID']}"
    reply.set_content("Yes, let's talk.")
    imap.deliver(reply.as_bytes())
    world.inbox.poll()
    assert [(r["step"], r["outcome"]) for r in world.outbox()] == [(0, None), (1, "replied")]


def test_not_interested_declines_the_sequence_without_suppressing_the_person(mail_world):
    world, smtp, imap = mail_world
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start(follow_up_days=1)
    world.tick()
    bo_email = first_email_to(smtp, "bo@example.org")
    imap.deliver(incoming("bo@example.org", f"Re: {bo_email['Subject']}", body="Not interested, thanks.",
                          in_reply_to=bo_email["Message-ID"]))
    world.inbox.poll()
    world.advance(days=3)
    world.tick()
    assert world.enrollment(bo)["status"] == "declined"
    assert suppressed(world) == set()
    assert len(smtp.handler.to("bo@example.org")) == 1


def test_review_commands_list_show_and_decide(mail_world, outreach_cli):
    world, smtp, imap = mail_world
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.tick()
    imap.deliver(incoming("bo@example.org", "stop", body="Please unsubscribe me.",
                          Authentication_Results="mx.brand.example; dmarc=fail"))
    world.inbox.poll()
    listed = outreach_cli("inbox", "review", "list", "--format", "csv")
    assert listed.exit_code == 0, listed.output
    assert "dmarc=fail" in listed.output and "Bo Fit" in listed.output
    shown = outreach_cli("inbox", "review", "show", "1")
    assert "Please unsubscribe me." in shown.output
    decided = outreach_cli("inbox", "review", "decide", "1", "--as", "opt-out")
    assert decided.exit_code == 0, decided.output
    assert world.enrollment(bo)["status"] == "opted_out"
    again = outreach_cli("inbox", "review", "decide", "1", "--as", "reply")
    assert "already decided" in again.output


def test_report_counts_declines_auto_replies_and_uncertain_per_step_in_every_format(mail_world, outreach_cli):
    world, smtp, imap = mail_world
    world.add_person("Bo Fit", "bo@example.org")
    world.add_person("Di Dance", "di@example.org")
    world.add_person("Cy Cook", "cy@example.org")
    world.start()
    world.tick()
    for address, body, extra in (("bo@example.org", "Not interested.", {}),
                                 ("di@example.org", "I am away.", {"Auto_Submitted": "auto-replied"}),
                                 ("cy@example.org", "hello", {"Authentication_Results": "mx; dmarc=fail"})):
        sent = first_email_to(smtp, address)
        imap.deliver(incoming(address, f"Re: {sent['Subject']}", body=body, in_reply_to=sent["Message-ID"], **extra))
    world.inbox.poll()
    result = outreach_cli("report", "campaign", "spring", "--format", "json")
    assert result.exit_code == 0, result.output
    step = json.loads(result.output)[0]
    assert (step["declined"], step["auto-reply"], step["uncertain"]) == (1, 1, 1)
    assert "| step |" in outreach_cli("report", "campaign", "spring", "--format", "md").output
    assert outreach_cli("report", "campaign", "spring", "--format", "csv").output.startswith("step,template,")


def test_a_message_nested_deeper_than_the_cap_is_refused_before_anything_reads_it():
    parse(deeply_nested(MAX_MIME_DEPTH - 1))
    with pytest.raises(UnreadableMessage, match="nested"):
        parse(deeply_nested(MAX_MIME_DEPTH + 5))


FORGED = sorted((Path(__file__).parent / "data" / "inbox-forged").glob("*.eml"))


@pytest.mark.parametrize("path", FORGED, ids=[p.stem for p in FORGED])
def test_forged_and_malformed_messages_change_nobody_and_are_recorded_as_expected(mail_world, path):
    """Each file names its expected inbox record in ``X-Greenroom-Expect``; ``{sent:ADDRESS}`` stands for the
    Message-ID of our email to that address."""
    world, smtp, imap = mail_world
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.add_person("Di Dance", "di@example.org")
    world.start()
    world.tick()
    raw = path.read_bytes()
    for row in world.outbox():
        raw = raw.replace(f"{{sent:{row['to_address']}}}".encode(), row["message_id"].encode())
    expected = re.search(rb"^X-Greenroom-Expect: (\S+)", raw, re.MULTILINE).group(1).decode()
    imap.deliver(raw)
    world.inbox.poll()
    assert suppressed(world) == set()
    assert world.enrollment(bo)["status"] == "active"
    assert [r[0] for r in world.db.execute("SELECT kind FROM inbox_messages")] == [expected]


def exim_bounce(recipient, original_id):
    """Exim's plain-text bounce (no multipart/report): read by flufl.bounce's detectors."""
    return (
        "From: Mail Delivery System <Mailer-Daemon@mx.example.org>\r\nTo: ana@brand.example\r\n"
        "Subject: Mail delivery failed: returning message to sender\r\nMessage-ID: <exim-1@mx.example.org>\r\n"
        f"X-Failed-Recipients: {recipient}\r\nAuto-Submitted: auto-replied\r\n\r\n"
        "This message was created automatically by mail delivery software.\r\n\r\n"
        "A message that you sent could not be delivered to one or more of its\r\n"
        "recipients. This is a permanent error. The following address(es) failed:\r\n\r\n"
        f"  {recipient}\r\n    SMTP error from remote mail server after RCPT TO:<{recipient}>:\r\n"
        "    550 5.1.1 User unknown\r\n\r\n"
        "------ This is a copy of the message, including all the headers. ------\r\n\r\n"
        f"Message-ID: {original_id}\r\nFrom: ana@brand.example\r\nTo: {recipient}\r\nSubject: hi\r\n\r\nHello\r\n"
    ).encode()


def test_an_exim_bounce_quoting_our_message_id_bounces_that_person(mail_world):
    world, smtp, imap = mail_world
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.tick()
    imap.deliver(exim_bounce("bo@example.org", first_email_to(smtp, "bo@example.org")["Message-ID"]))
    assert world.inbox.poll().kinds["bounce"] == 1
    assert world.enrollment(bo)["status"] == "bounced"


def test_an_exim_bounce_for_an_email_we_never_sent_suppresses_nobody(mail_world):
    world, smtp, imap = mail_world
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.tick()
    imap.deliver(exim_bounce("bo@example.org", "<not-ours@attacker.example>"))
    world.inbox.poll()
    assert suppressed(world) == set()


def exchange_ndr(recipient, original_id):
    """A Microsoft 365 / Exchange Online non-delivery report: RFC 3464 with Exchange's diagnostic codes."""
    boundary = "ndr-boundary-1"
    return (
        "From: Microsoft Outlook <postmaster@brand.onmicrosoft.com>\r\nTo: ana@brand.example\r\n"
        "Subject: Undeliverable: hi\r\nMessage-ID: <ndr-1@brand.onmicrosoft.com>\r\n"
        "Date: Mon, 30 Nov 2026 10:00:00 +0000\r\nAuto-Submitted: auto-replied\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\r\nMIME-Version: 1.0\r\n\r\n'
        f"--{boundary}\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        f"Your message to {recipient} couldn't be delivered.\r\n{recipient.split('@')[0]} wasn't found at "
        f"{recipient.split('@')[1]}.\r\n\r\n"
        f"--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns;AM0PR01MB1234.eurprd01.prod.exchangelabs.com\r\n\r\n"
        f"Final-Recipient: rfc822;{recipient}\r\nAction: failed\r\nStatus: 5.1.10\r\n"
        "Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup\r\n\r\n"
        f"--{boundary}\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: ana@brand.example\r\nTo: {recipient}\r\nSubject: hi\r\nMessage-ID: {original_id}\r\n\r\n"
        f"--{boundary}--\r\n"
    ).encode()


def yahoo_failure_notice(recipient, original_id):
    """Yahoo's plain-text "Failure Notice" (no RFC 3464 parts), read by flufl.bounce's Yahoo detector."""
    return (
        "From: MAILER-DAEMON@yahoo.com\r\nTo: ana@brand.example\r\nSubject: Failure Notice\r\n"
        "Message-ID: <yahoo-1@yahoo.com>\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\n\r\n"
        "Sorry, we were unable to deliver your message to the following address.\r\n\r\n"
        f"<{recipient}>:\r\n554: delivery error: dd This user doesn't have a yahoo.com account ({recipient}) [0]"
        " - mta1234.mail.ne1.yahoo.com\r\n\r\n--- Below this line is a copy of the message.\r\n\r\n"
        f"From: ana@brand.example\r\nTo: {recipient}\r\nSubject: hi\r\nMessage-ID: {original_id}\r\n\r\nHello\r\n"
    ).encode()


@pytest.mark.parametrize("bounce", [exchange_ndr, yahoo_failure_notice], ids=["microsoft-365", "yahoo"])
def test_a_provider_bounce_quoting_our_message_id_bounces_that_person(mail_world, bounce):
    world, smtp, imap = mail_world
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.tick()
    imap.deliver(bounce("bo@example.org", first_email_to(smtp, "bo@example.org")["Message-ID"]))
    assert world.inbox.poll().kinds["bounce"] == 1
    assert world.enrollment(bo)["status"] == "bounced"


@pytest.mark.parametrize("bounce", [exchange_ndr, yahoo_failure_notice], ids=["microsoft-365", "yahoo"])
def test_a_provider_bounce_for_an_email_we_never_sent_suppresses_nobody(mail_world, bounce):
    world, smtp, imap = mail_world
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.tick()
    imap.deliver(bounce("bo@example.org", "<not-ours@attacker.example>"))
    world.inbox.poll()
    assert suppressed(world) == set()
