"""Delivering finished messages: one reused SMTP connection, or .eml files in the workspace outbox.

Every answer is classified by its SMTP stage and RFC 3463 enhanced status code
(:mod:`outreach.core.smtp_outcome`) so the outbox can act on it: ``sent``; ``retry`` (4xx or not delivered);
``bounced`` (the address does not exist); ``paused`` (the server refuses this sender: quota, policy);
``failed`` (this message's content); ``uncertain`` (the link died while the server may have accepted DATA).
Blocking: call only from one worker thread, never from the asyncio loop.
"""

from __future__ import annotations

import contextlib
import logging
import re
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from greenroom.errors import GreenroomError
from greenroom.files import write_atomically
from outreach.core.smtp_outcome import OutcomeKind, SmtpOutcome, SmtpStage, classify
from outreach.mail.oauth import MailboxAuthError, MailboxTokens, OAuthSettings, XOAuth2Exchange
from outreach.mail.tls import certificate_hint, verified_context

log = logging.getLogger(__name__)


class TransportUnavailable(GreenroomError):
    """The server cannot be reached or refuses us (login, sender): nothing was sent; try again later."""


@dataclass(frozen=True)
class Delivery:
    """``status`` is an :class:`OutcomeKind` value; ``outcome`` keeps the server's answer when there was one."""

    status: str  # sent | retry | bounced | paused | failed | uncertain
    detail: str = ""
    outcome: SmtpOutcome | None = None

    @classmethod
    def of(cls, outcome: SmtpOutcome) -> Delivery:
        return cls(outcome.kind.value, outcome.detail, outcome)


#: The caller's claim of a message (its ``sending``, committed), which a transport makes while the server
#: works on MAIL FROM: True to go on, False when the message may no longer go (stopped or suppressed a
#: moment ago). It must be made before any byte of the message leaves.
Claim = Callable[[], bool]

def _already_claimed() -> bool:
    """The claim of a caller that made it before calling ``send``."""
    return True


#: ``Delivery.status`` when the claim refused the message: nothing was sent (the server saw MAIL and RSET).
WITHDRAWN = "withdrawn"


class Transport(Protocol):
    def send(self, sender: str, recipient: str, raw: bytes, name: str, claim: Claim | None = None) -> Delivery:
        """Deliver ``raw``. ``claim``, when given, is called exactly once unless this raises
        :class:`TransportUnavailable` (then never): a False claim returns :data:`WITHDRAWN`."""
        ...

    def close(self) -> None: ...


class EmlTransport:
    """No ``[smtp]``: each message becomes ``outbox/<name>.eml`` (written whole, then renamed into place)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, sender: str, recipient: str, raw: bytes, name: str, claim: Claim | None = None) -> Delivery:
        if claim is not None and not claim():
            return Delivery(WITHDRAWN)
        self.folder.mkdir(parents=True, exist_ok=True)
        final = self.folder / f"{name}.eml"
        write_atomically(final, raw)
        return Delivery("sent", str(final))

    def close(self) -> None:
        return None


class SmtpTransport:
    """One SMTP session reused for every message (mailmerge logs in once per message).

    With ``oauth`` it signs in with AUTH XOAUTH2 (:mod:`outreach.mail.oauth`) instead of a password.
    """

    def __init__(self, host: str, port: int, security: str, username: str | None, password: str | None,
                 timeout: float = 30.0, *, ca_file: Path | None = None, oauth: OAuthSettings | None = None) -> None:
        self.host, self.port, self.security = host, port, security
        self.username, self._password, self.timeout = username, password, timeout
        self.ca_file = ca_file
        self._tokens = MailboxTokens(oauth, username or "") if oauth is not None else None
        self._smtp: smtplib.SMTP | None = None

    def _tls_context(self) -> ssl.SSLContext:
        return verified_context(self.ca_file, TransportUnavailable, "SMTP")

    def _connect(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        try:
            if self.security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                                      context=self._tls_context())
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
                if self.security == "starttls":
                    smtp.starttls(context=self._tls_context())
            self._sign_in(smtp)
        except MailboxAuthError as error:
            raise TransportUnavailable(f"SMTP sign-in to {self.host}:{self.port}: {error}") from None
        except smtplib.SMTPAuthenticationError as error:
            raise TransportUnavailable(
                f"SMTP login as {self.username} at {self.host}:{self.port} refused: {error.smtp_code}"
            ) from None
        except (OSError, smtplib.SMTPException) as error:
            raise TransportUnavailable(
                f"cannot reach SMTP server {self.host}:{self.port}: {error}{certificate_hint(error, 'smtp')}"
            ) from None
        self._smtp = smtp
        return smtp

    def _sign_in(self, smtp: smtplib.SMTP) -> None:
        """Password or token sign-in; a connection whose sign-in failed is closed, not left open."""
        try:
            if self._tokens is not None:
                self._sign_in_with_token(smtp)
            elif self.username:
                smtp.login(self.username, self._password or "")
        except BaseException:
            with contextlib.suppress(OSError):
                smtp.close()
            raise

    def _sign_in_with_token(self, smtp: smtplib.SMTP) -> None:
        """AUTH XOAUTH2 with the mailbox's access token; a refused token is refreshed once and tried again
        (it may have been revoked or re-scoped before its expiry), then the mailbox is named, never the token."""
        assert self._tokens is not None
        smtp.ehlo_or_helo_if_needed()
        offered = smtp.esmtp_features.get("auth", "").upper().split() if smtp.has_extn("auth") else []
        if "XOAUTH2" not in offered:
            raise TransportUnavailable(
                f"SMTP server {self.host}:{self.port} does not offer AUTH XOAUTH2 (it offers "
                f"{' '.join(offered) or 'no AUTH'}): check [smtp] host and port, or use auth = \"password\""
            )
        refused = ""
        for refresh in (False, True):
            exchange = XOAuth2Exchange(self.username or "", self._tokens.access_token(refresh=refresh).value)
            try:
                smtp.auth("XOAUTH2", exchange, initial_response_ok=True)
                return
            except smtplib.SMTPAuthenticationError as error:
                refused = f"{error.smtp_code}{', ' + exchange.refusal if exchange.refusal else ''}"
        raise TransportUnavailable(
            f"SMTP sign-in for mailbox {self.username} at {self.host}:{self.port} refused the OAuth2 access "
            f"token, also right after a refresh ({refused}): check that the app may send mail for this mailbox "
            f"(SMTP AUTH enabled, scope granted), or sign in again: {self._tokens.settings.login_command()}"
        )

    def send(self, sender: str, recipient: str, raw: bytes, name: str, claim: Claim | None = None) -> Delivery:
        """MAIL, RCPT, DATA step by step: the stage of a refusal says whom it is about (sender, recipient,
        content) and whether anything could have arrived. (PIPELINING, RFC 2920, was measured: through the
        local Postfix it made no difference to the wall time, 1.35x vs 1.37x the floor, so it is not used.)

        ``claim`` runs while the server works on MAIL FROM, between sending it and reading the answer: the
        caller's commit then costs no time of its own (measured with ``scripts/bench_send.py``: the claim's
        transaction was a fifth of what Greenroom added to the floor). Nothing of the message has left yet,
        and a False claim ends the transaction with RSET."""
        smtp = self._connect()
        take = claim or _already_claimed
        claimed: bool | None = None  # not asked yet
        try:
            smtp.ehlo_or_helo_if_needed()
            smtp.putcmd("mail", f"FROM:{_angle(sender)}")
            claimed = self._claim(take)
            code, reply = smtp.getreply()
            if not claimed:
                self._reset()
                return Delivery(WITHDRAWN)
            if code != 250:
                self._reset()
                return Delivery.of(classify(SmtpStage.MAIL, code, _text(reply)))
            smtp.putcmd("rcpt", f"TO:{_angle(recipient)}")
            code, reply = smtp.getreply()
            if code not in (250, 251):
                self._reset()
                return Delivery.of(classify(SmtpStage.RCPT, code, _text(reply)))
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPHeloError, OSError) as error:
            self._drop()
            if claimed is None:
                claimed = self._claim(take)
            if not claimed:
                return Delivery(WITHDRAWN)
            return Delivery(OutcomeKind.RETRY.value, f"connection lost before DATA: {error}")
        try:
            code, reply = smtp.data(raw)
        except smtplib.SMTPDataError as error:
            self._reset()
            return Delivery.of(classify(SmtpStage.DATA, error.smtp_code, _text(error.smtp_error)))
        except (TimeoutError, smtplib.SMTPServerDisconnected, OSError) as error:
            self._drop()
            return Delivery(OutcomeKind.UNCERTAIN.value, f"connection lost during DATA: {error}")
        return self._delivered(code, reply)

    def _claim(self, claim: Claim) -> bool:
        """The caller's claim; if it raises, the connection (a MAIL FROM answer unread) is closed first."""
        try:
            return claim()
        except BaseException:
            self._drop()
            raise

    def _delivered(self, code: int, reply: bytes) -> Delivery:
        """The server's answer to the end of DATA."""
        outcome = classify(SmtpStage.DATA, code, _text(reply))
        if outcome.kind is not OutcomeKind.SENT:
            self._reset()
            return Delivery.of(outcome)
        return Delivery(OutcomeKind.SENT.value, outcome.text, outcome)

    def _reset(self) -> None:
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            with contextlib.suppress(OSError):
                smtp.close()

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._drop()


def _text(reply: bytes | str) -> str:
    """A server's reply text; smtplib gives bytes, except for a few errors it makes up itself (str)."""
    return reply if isinstance(reply, str) else reply.decode(errors="replace")


#: An address smtplib's ``quoteaddr`` would return as ``<address>`` unchanged (a dot-atom local part and
#: domain): written directly, without its RFC 2822 parse, which cost ~0.1 ms per address.
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                       r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")


def _angle(address: str) -> str:
    """The address as MAIL FROM / RCPT TO carry it, exactly as ``smtplib.quoteaddr`` makes it."""
    return f"<{address}>" if _DOT_ATOM.fullmatch(address) else smtplib.quoteaddr(address)
