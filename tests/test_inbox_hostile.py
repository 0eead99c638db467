"""Hostile mail changes nobody's state and cannot hold up the inbox: a From header that names someone else
than the domain the receiving server checked is not believed, headers and MIME structures too large to read
cheaply are refused before the standard library parses them, and what a stranger wrote never reaches the
terminal as escape sequences.

End-to-end tests go through the real Dovecot; the campaign sends through a real SMTP server.
"""

from __future__ import annotations

import pytest

from outreach.mail.inbox import (
    MAX_HEADER_FIELDS,
    MAX_MIME_PARAMETERS,
    MAX_MIME_PARTS,
    MAX_REFERENCES,
    UnreadableMessage,
    classify,
    parse,
    sender,
)
from tests.fixtures.mail import incoming

#: The attacker owns attacker.example, so the receiving server's DMARC check passes for that domain.
ATTACKERS_OWN_PASS = ("mx.brand.example; dmarc=pass header.from=attacker.example; "
                      "spf=pass smtp.mailfrom=attacker.example; dkim=pass header.d=attacker.example")
BOS_OWN_PASS = "mx.brand.example; dmarc=pass header.from=example.org; spf=pass smtp.mailfrom=example.org"


def suppressed(world):
    return {row[0] for row in world.db.execute("SELECT email FROM suppressions")}


def pending_reviews(world):
    return list(world.db.query("SELECT * FROM inbox_reviews WHERE status = 'pending' ORDER BY id"))


def inbox_records(world):
    return list(world.db.query("SELECT kind, reason FROM inbox_messages ORDER BY id"))


def opt_out_from(from_lines: bytes, authentication: str = ATTACKERS_OWN_PASS, **headers: str) -> bytes:
    """"Please unsubscribe me." with the given raw From line(s) in place of the usual one."""
    raw = incoming("placeholder@example.invalid", "unsubscribe", body="Please unsubscribe me.",
                   Authentication_Results=authentication, **headers)
    return raw.replace(b"From: placeholder@example.invalid", from_lines)


def started_with_bo(world) -> int:
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.tick()
    return bo


# ------------------------------------------------------------------------------------- forged From


FORGED_FROM = {
    "address-as-display-name": b"From: bo@example.org <eve@attacker.example>",
    "two-mailboxes": b"From: bo@example.org, eve@attacker.example",
    "address-glued-to-angle-address": b"From: <bo@example.org>eve@attacker.example",
    "two-from-headers-bo-first": b"From: bo@example.org\r\nFrom: eve@attacker.example",
    "two-from-headers-eve-first": b"From: eve@attacker.example\r\nFrom: bo@example.org",
}


@pytest.mark.parametrize("from_lines", FORGED_FROM.values(), ids=FORGED_FROM.keys())
def test_an_ambiguous_from_passing_dmarc_for_the_attackers_domain_suppresses_nobody_and_waits_for_review(
        mail_world, from_lines):
    world, smtp, imap = mail_world
    bo = started_with_bo(world)
    imap.deliver(opt_out_from(from_lines))
    world.inbox.poll()
    assert suppressed(world) == set()
    assert world.enrollment(bo)["status"] == "active"
    [waiting] = pending_reviews(world)
    assert "From" in waiting["reason"]


def test_a_dmarc_pass_for_another_domain_than_the_from_domain_is_not_believed(mail_world):
    world, smtp, imap = mail_world
    bo = started_with_bo(world)
    imap.deliver(opt_out_from(b"From: Bo Fit <bo@example.org>"))
    world.inbox.poll()
    assert suppressed(world) == set()
    assert world.enrollment(bo)["status"] == "active"
    [waiting] = pending_reviews(world)
    assert "dmarc=pass" in waiting["reason"] and "example.org" in waiting["reason"]


def test_a_dmarc_pass_for_the_from_domain_is_believed(mail_world):
    world, smtp, imap = mail_world
    bo = started_with_bo(world)
    imap.deliver(opt_out_from(b"From: Bo J. Fit <bo@example.org>", BOS_OWN_PASS))
    world.inbox.poll()
    assert suppressed(world) == {"bo@example.org"}
    assert world.enrollment(bo)["status"] == "opted_out"


def test_a_forged_opt_out_failing_dmarc_from_a_stranger_suppresses_nobody(mail_world):
    world, smtp, imap = mail_world
    started_with_bo(world)
    imap.deliver(opt_out_from(b"From: zed@example.net", "mx.brand.example; dmarc=fail header.from=example.net"))
    world.inbox.poll()
    assert suppressed(world) == set()


@pytest.mark.parametrize("value", [
    "bo@example.org <eve@attacker.example>",
    "bo@example.org, eve@attacker.example",
    "<bo@example.org>eve@attacker.example",
    "Bo <bo@example.org> eve@attacker.example",
    "friends: bo@example.org;",
    "eve@attacker.example <bo@example.org>",
    "bo",
])
def test_a_from_header_that_does_not_name_exactly_one_mailbox_is_doubted(value):
    message = parse(f"From: {value}\r\nSubject: hi\r\n\r\nhello\r\n".encode())
    assert sender(message).doubt


@pytest.mark.parametrize(("value", "address"), [
    ("Bo Fit <bo@example.org>", "bo@example.org"),
    ('"Fit, Bo" <Bo@Example.org>', "bo@example.org"),
    ("Bo J. Fit <bo@example.org>", "bo@example.org"),
    ("bo@example.org (Bo)", "bo@example.org"),
    ("=?utf-8?q?bo=40example.org?= <eve@attacker.example>", "eve@attacker.example"),
])
def test_a_from_header_naming_one_mailbox_is_read_as_that_mailbox(value, address):
    message = parse(f"From: {value}\r\nSubject: hi\r\n\r\nhello\r\n".encode())
    assert sender(message).address == address
    assert sender(message).doubt == ""


# ------------------------------------------------------------------------------ oversized headers


def opt_out_with(extra_headers: bytes = b"", *, subject: bytes = b"unsubscribe", body: bytes | None = None,
                 content_type: bytes = b"text/plain; charset=utf-8") -> bytes:
    """A DMARC-passing opt-out from Bo: believed and acted on if the inbox reads it."""
    return (b"From: Bo Fit <bo@example.org>\r\nTo: ana@brand.example\r\nSubject: " + subject + b"\r\n"
            b"Message-ID: <hostile@example.org>\r\nAuthentication-Results: " + BOS_OWN_PASS.encode() + b"\r\n"
            + extra_headers + b"MIME-Version: 1.0\r\nContent-Type: " + content_type + b"\r\n\r\n"
            + (body if body is not None else b"Please unsubscribe me.\r\n"))


def many_parts(count: int) -> bytes:
    parts = b"".join(b"--B\r\nContent-Type: text/plain\r\n\r\nPlease unsubscribe me.\r\n" for _ in range(count))
    return opt_out_with(content_type=b'multipart/mixed; boundary="B"', body=parts + b"--B--\r\n")


HOSTILE = {
    "subject-of-100k-characters": (opt_out_with(subject=b"unsubscribe " * 9000), "'Subject'"),
    "more-mime-parts-than-the-limit": (many_parts(MAX_MIME_PARTS + 1000), "MIME parts"),
    "more-header-lines-than-the-limit": (
        opt_out_with(b"".join(b"Received: from relay%d.example\r\n" % n for n in range(MAX_HEADER_FIELDS + 500))),
        "header fields"),
    "delivery-status-of-thousands-of-blocks": (
        opt_out_with(content_type=b'multipart/report; report-type=delivery-status; boundary="B"',
                     body=b"--B\r\nContent-Type: message/delivery-status\r\n\r\n"
                          + b"Final-Recipient: rfc822; x@example.org\r\n\r\n" * (MAX_MIME_PARTS + 1000) + b"--B--\r\n"),
        "MIME parts"),
    "content-type-of-thousands-of-parameters": (
        opt_out_with(content_type=b"text/plain; " + b"x=y; " * (MAX_MIME_PARAMETERS + 1000)), "MIME parameters"),
}


@pytest.mark.parametrize(("raw", "reason"), HOSTILE.values(), ids=HOSTILE.keys())
def test_a_message_too_large_to_read_cheaply_is_recorded_unparseable_and_changes_nobody(mail_world, raw, reason):
    world, smtp, imap = mail_world
    bo = started_with_bo(world)
    imap.deliver(raw)
    world.inbox.poll()
    [record] = inbox_records(world)
    assert record["kind"] == "unparseable"
    assert reason in record["reason"]
    assert suppressed(world) == set()
    assert world.enrollment(bo)["status"] == "active"


@pytest.mark.parametrize("raw", [raw for raw, _ in HOSTILE.values()], ids=HOSTILE.keys())
def test_a_message_over_a_header_limit_is_refused_by_parse(raw):
    with pytest.raises(UnreadableMessage):
        parse(raw)


def test_an_endless_references_header_is_cut_to_the_threads_first_and_newest_ids():
    ids = [f"<{n}@thread.example>" for n in range(20_000)]
    found = classify(parse(opt_out_with(b"References: " + " ".join(ids).encode() + b"\r\n")))
    assert len(found.references) == MAX_REFERENCES
    assert found.references[0] == ids[-1]
    assert found.references[-1] == ids[0]


def test_a_reply_threaded_only_by_an_endless_references_header_is_credited_to_our_email(mail_world):
    world, smtp, imap = mail_world
    bo = started_with_bo(world)
    ours = world.outbox()[0]["message_id"]
    references = " ".join([f"<{n}@thread.example>" for n in range(20_000)] + [ours])
    imap.deliver(incoming("bo@example.org", "Re: hello", body="Sounds good, tell me more.", References=references,
                          Authentication_Results=BOS_OWN_PASS))
    world.inbox.poll()
    assert world.enrollment(bo)["status"] == "replied"
    [record] = world.db.query("SELECT outbox_id FROM inbox_messages")
    assert record["outbox_id"] == world.outbox()[0]["id"]


# --------------------------------------------------------------------------------- review show


def test_review_show_prints_escape_sequences_from_the_email_as_visible_text(mail_world, outreach_cli):
    world, smtp, imap = mail_world
    started_with_bo(world)
    imap.deliver(incoming("bo@example.org", "stop\x1b[2J now", body="Please unsubscribe me.\x1b]0;pwned\x07\x1b[31mRED",
                          Authentication_Results="mx.brand.example; dmarc=fail header.from=example.org"))
    world.inbox.poll()
    shown = outreach_cli("inbox", "review", "show", "1")
    assert shown.exit_code == 0, shown.output
    assert "\x1b" not in shown.output and "\x07" not in shown.output
    assert "\\x1b]0;pwned\\x07\\x1b[31mRED" in shown.output
    assert "stop\\x1b[2J now" in shown.output
