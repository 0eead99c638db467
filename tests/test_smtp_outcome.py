"""The SMTP answer classifier: stage + reply code + RFC 3463 enhanced code → what the outbox does."""

import pytest

from outreach.core.smtp_outcome import OutcomeKind, SmtpStage, classify, enhanced_code

MAIL, RCPT, DATA = SmtpStage.MAIL, SmtpStage.RCPT, SmtpStage.DATA
SENT, RETRY, BOUNCED, PAUSED, FAILED = (OutcomeKind.SENT, OutcomeKind.RETRY, OutcomeKind.BOUNCED,
                                        OutcomeKind.PAUSED, OutcomeKind.FAILED)


@pytest.mark.parametrize(("stage", "code", "text", "expected"), [
    # RFC 3463 X.1.x: addressing status, the recipient's address is wrong -> bounce and suppress
    (RCPT, 550, "5.1.1 <bo@x.org>: Recipient address rejected: User unknown", BOUNCED),
    (RCPT, 550, "5.1.2 bad destination system address", BOUNCED),
    (RCPT, 553, "5.1.3 bad destination mailbox address syntax", BOUNCED),
    (RCPT, 550, "5.1.10 Recipient address rejected: null MX", BOUNCED),
    (RCPT, 550, "5.2.1 mailbox disabled, not accepting messages", BOUNCED),
    (RCPT, 550, "Requested action not taken: mailbox unavailable", BOUNCED),  # no enhanced code
    (DATA, 550, "5.1.1 user unknown (reported after the message)", BOUNCED),
    # X.4.5 (system congestion / quota) and X.7.x at RCPT, anything at MAIL FROM: the sender -> pause
    (RCPT, 550, "5.4.5 <ana@brand.example>: Sender address rejected: daily quota exceeded", PAUSED),
    (RCPT, 554, "5.7.1 <bo@x.org>: Relay access denied", PAUSED),
    (RCPT, 550, "5.7.606 Access denied, banned sending IP", PAUSED),
    (RCPT, 554, "Transaction failed", PAUSED),
    (MAIL, 550, "5.1.8 bad sender's system address", PAUSED),
    (MAIL, 553, "sender address not allowed", PAUSED),
    (MAIL, 550, "5.7.1 Sender not authorized", PAUSED),
    (DATA, 550, "5.4.5 Daily user sending quota exceeded", PAUSED),
    (DATA, 550, "5.7.26 Unauthenticated email from brand.example is not accepted due to DMARC policy", PAUSED),
    # content at the end of DATA -> this message fails, nobody is suppressed
    (DATA, 550, "5.7.1 message content refused by local policy", FAILED),
    (DATA, 554, "5.6.0 Message contains invalid header", FAILED),
    (DATA, 552, "5.3.4 Message size exceeds fixed limit", FAILED),
    (DATA, 500, "5.5.2 line too long", FAILED),
    (DATA, 500, "Line too long", FAILED),
    (DATA, 552, "Too much mail data", FAILED),
    (RCPT, 552, "5.2.2 mailbox full", FAILED),
    # any 4xx -> retry
    (RCPT, 451, "4.3.0 try again later", RETRY),
    (RCPT, 450, "4.2.0 <bo@x.org>: Recipient address rejected: Greylisted", RETRY),
    (MAIL, 452, "4.3.1 Insufficient system storage", RETRY),
    (DATA, 421, "4.7.0 Try again later, closing connection", RETRY),
    (RCPT, 452, "4.5.3 too many recipients", RETRY),
    # success
    (DATA, 250, "2.0.0 Ok: queued as 4Fq1", SENT),
])
def test_answers_are_classified_by_stage_and_enhanced_code(stage, code, text, expected):
    assert classify(stage, code, text).kind is expected


def test_the_servers_full_text_is_kept_with_its_stage_and_code():
    outcome = classify(DATA, 550, "5.7.1 message content refused by local policy\n")
    assert outcome.detail == "DATA: 550 5.7.1 message content refused by local policy"
    assert (outcome.code, outcome.enhanced) == (550, "5.7.1")


@pytest.mark.parametrize(("text", "code"), [
    ("5.1.1 user unknown", "5.1.1"), ("  4.7.0 later", "4.7.0"), ("5.7.606 banned", "5.7.606"),
    ("550 user unknown", None), ("5.1 nope", None), ("3.1.1 not a class", None), ("", None),
])
def test_enhanced_codes_are_read_only_when_well_formed(text, code):
    assert enhanced_code(text) == code
