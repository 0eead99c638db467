"""What an SMTP server's answer means for the outbox, from the SMTP stage, the reply code and the RFC 3463
enhanced status code (``5.1.1``) at the start of the reply text.

Pure: no sockets, no database. The transport records (stage, code, text); this module says what to do:

========================  ==============================================  ==================================
outcome                   answers                                         the outbox then
========================  ==============================================  ==================================
``sent``                  2xx at the end of DATA                          records the send
``retry``                 any 4xx; a lost connection before DATA          retries with backoff in the window
``bounced``               5.1.x (bad address), 5.2.1 (mailbox disabled),  bounces and suppresses the address
                          a bare 550/551/553 at RCPT
``paused``                anything 5xx at MAIL FROM; 5.4.5 (quota, rate)  pauses the sending mailbox, keeps
                          anywhere; 5.7.x at RCPT; 5.7.x at DATA except   its queue, shows the server's text
                          5.7.1 (e.g. 5.7.26 DMARC); 554 at RCPT
``failed``                5.7.1, 5.6.x, 5.3.x, 5.5.x, 5.2.2/5.2.3 and a   fails this message only;
                          bare 500/552/554 at DATA (content, size, a too  nothing is suppressed
                          long header); 5.2.2/5.2.3 at RCPT (mailbox
                          full)
``uncertain``             the link died during DATA                       waits for a person
========================  ==============================================  ==================================

Why the stage matters: Postfix reports a sender restriction (``Sender address rejected: daily quota
exceeded``) at RCPT by default (``smtpd_delay_reject``), so a 5xx at RCPT is not always about the recipient;
the enhanced code tells them apart (5.1.x is the address, 5.4.5 and 5.7.x are the sender or policy).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class SmtpStage(StrEnum):
    MAIL = "MAIL FROM"
    RCPT = "RCPT TO"
    DATA = "DATA"


class OutcomeKind(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    BOUNCED = "bounced"
    PAUSED = "paused"
    FAILED = "failed"
    UNCERTAIN = "uncertain"


@dataclass(frozen=True)
class SmtpOutcome:
    """The decision and the server's own words (kept whole: they are what a person needs to act)."""

    kind: OutcomeKind
    stage: SmtpStage | None
    code: int | None
    enhanced: str | None
    text: str

    @property
    def detail(self) -> str:
        """One line for ``last_error`` and logs: ``RCPT TO: 550 5.1.1 <bo@x>: user unknown``."""
        answer = " ".join(part for part in (str(self.code) if self.code else "", self.text) if part)
        return f"{self.stage}: {answer}" if self.stage else answer


#: RFC 3463: class.subject.detail, class 2, 4 or 5; subject and detail up to three digits.
_ENHANCED = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})\b")


def enhanced_code(text: str) -> str | None:
    """The enhanced status code a reply's text starts with (``"5.1.1"``), or None."""
    found = _ENHANCED.match(text)
    return ".".join(found.groups()) if found else None


def classify(stage: SmtpStage, code: int, text: str) -> SmtpOutcome:
    """What ``code``/``text`` answered at ``stage`` means (see the module's table)."""
    enhanced = enhanced_code(text)
    kind = _kind(stage, code, enhanced)
    return SmtpOutcome(kind, stage, code, enhanced, text.strip())


def _kind(stage: SmtpStage, code: int, enhanced: str | None) -> OutcomeKind:
    if 200 <= code < 300:
        return OutcomeKind.SENT if stage is SmtpStage.DATA else OutcomeKind.RETRY  # never final before DATA
    if code < 500 or (enhanced is not None and enhanced.startswith("4.")):
        return OutcomeKind.RETRY
    subject, detail = _subject_detail(enhanced)
    if stage is SmtpStage.MAIL or (subject, detail) == (4, 5):
        return OutcomeKind.PAUSED
    if stage is SmtpStage.RCPT:
        return _at_rcpt(code, subject, detail)
    return _at_data(code, subject, detail)


def _subject_detail(enhanced: str | None) -> tuple[int | None, int | None]:
    if enhanced is None:
        return None, None
    _, subject, detail = (int(part) for part in enhanced.split("."))
    return subject, detail


def _at_rcpt(code: int, subject: int | None, detail: int | None) -> OutcomeKind:
    if subject == 1 or (subject, detail) == (2, 1):
        return OutcomeKind.BOUNCED
    if subject == 2:
        return OutcomeKind.FAILED  # mailbox full or message too big for it: not this address's fault
    if subject == 7 or code == 554:
        return OutcomeKind.PAUSED  # policy: relaying denied, sender blocked, reputation
    if subject == 3:
        return OutcomeKind.FAILED
    return OutcomeKind.BOUNCED  # a bare 550/551/553, or 5.0.0/5.5.x: the classic "no such mailbox"


def _at_data(code: int, subject: int | None, detail: int | None) -> OutcomeKind:
    if subject == 1 or (subject, detail) == (2, 1):
        return OutcomeKind.BOUNCED  # servers that check recipients only after the message (LMTP, some MX)
    if subject == 7 and detail != 1:
        return OutcomeKind.PAUSED  # 5.7.26 DMARC, 5.7.27 SPF...: the sender's authentication
    return OutcomeKind.FAILED
