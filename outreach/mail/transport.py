"""Delivering finished messages: one reused SMTP connection, or .eml files in the workspace outbox.

Every outcome is classified so the outbox can act on it: ``sent``; ``retry`` (4xx or not delivered);
``bounced`` (5xx for the recipient); ``uncertain`` (the link died while the server may have accepted DATA).
Blocking: call only from one worker thread, never from the asyncio loop.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from greenroom.errors import GreenroomError
from greenroom.files import write_atomically
from outreach.mail.tls import verified_context

log = logging.getLogger(__name__)


class TransportUnavailable(GreenroomError):
    """The server cannot be reached or refuses us (login, sender): nothing was sent; try again later."""


@dataclass(frozen=True)
class Delivery:
    status: str  # sent | retry | bounced | uncertain
    detail: str = ""


class Transport(Protocol):
    def send(self, sender: str, recipient: str, raw: bytes, name: str) -> Delivery: ...

    def close(self) -> None: ...


class EmlTransport:
    """No ``[smtp]``: each message becomes ``outbox/<name>.eml`` (written whole, then renamed into place)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, sender: str, recipient: str, raw: bytes, name: str) -> Delivery:
        self.folder.mkdir(parents=True, exist_ok=True)
        final = self.folder / f"{name}.eml"
        write_atomically(final, raw)
        return Delivery("sent", str(final))

    def close(self) -> None:
        return None


class SmtpTransport:
    """One SMTP session reused for every message (mailmerge logs in once per message)."""

    def __init__(self, host: str, port: int, security: str, username: str | None, password: str | None,
                 timeout: float = 30.0, *, ca_file: Path | None = None) -> None:
        self.host, self.port, self.security = host, port, security
        self.username, self._password, self.timeout = username, password, timeout
        self.ca_file = ca_file
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
            if self.username:
                smtp.login(self.username, self._password or "")
        except smtplib.SMTPAuthenticationError as error:
            raise TransportUnavailable(
                f"SMTP login as {self.username} at {self.host}:{self.port} refused: {error.smtp_code}"
            ) from None
        except (OSError, smtplib.SMTPException) as error:
            raise TransportUnavailable(f"cannot reach SMTP server {self.host}:{self.port}: {error}") from None
        self._smtp = smtp
        return smtp

    def send(self, sender: str, recipient: str, raw: bytes, name: str) -> Delivery:
        """MAIL, RCPT, DATA step by step, so a failure's phase tells whether anything could have arrived."""
        smtp = self._connect()
        try:
            smtp.ehlo_or_helo_if_needed()
            code, reply = smtp.mail(sender)
            if code != 250:
                self._reset()
                if 500 <= code < 600:
                    raise TransportUnavailable(f"SMTP server refused sender {sender}: {code} {reply!r}")
                return Delivery("retry", f"MAIL FROM: {code} {reply.decode(errors='replace')}")
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                self._reset()
                status = "bounced" if 500 <= code < 600 else "retry"
                return Delivery(status, f"RCPT TO: {code} {reply.decode(errors='replace')}")
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPHeloError, OSError) as error:
            self._drop()
            return Delivery("retry", f"connection lost before DATA: {error}")
        try:
            code, reply = smtp.data(raw)
        except smtplib.SMTPDataError as error:
            self._reset()
            status = "bounced" if 500 <= error.smtp_code < 600 else "retry"
            return Delivery(status, f"DATA: {error.smtp_code} {_text(error.smtp_error)}")
        except (TimeoutError, smtplib.SMTPServerDisconnected, OSError) as error:
            self._drop()
            return Delivery("uncertain", f"connection lost during DATA: {error}")
        if code != 250:
            self._reset()
            return Delivery("bounced" if 500 <= code < 600 else "retry", f"DATA: {code}")
        return Delivery("sent", reply.decode(errors="replace"))

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
