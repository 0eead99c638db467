"""Incoming mail: read new messages over IMAP and tell replies, auto-replies, opt-outs and bounces apart.

Classification is a pure function of the message; :class:`ImapReader` is the blocking adapter (imaplib on
one worker thread). Messages are read with BODY.PEEK so the mailbox's \\Seen flags are left to the human.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from greenroom.errors import GreenroomError
from outreach.mail.tls import verified_context

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_OUT_OF_OFFICE = re.compile(
    r"(out of (the )?office|automatic reply|auto[- ]?reply|autoreply|away from (my|the) (desk|office)|"
    r"on vacation|on holiday|abwesenheit|absence|r[ée]ponse automatique|respuesta autom[áa]tica)",
    re.IGNORECASE,
)
_UNSUBSCRIBE = re.compile(
    r"\b(unsubscribe|opt[- ]?out|remove me|take me off|stop (emailing|contacting|sending)|"
    r"do not (email|contact)|don'?t (email|contact) me)\b",
    re.IGNORECASE,
)


class InboxError(GreenroomError):
    """The IMAP server cannot be reached or refuses the login."""


@dataclass(frozen=True)
class Classified:
    """What an incoming message means for outreach."""

    kind: str  # reply | auto_reply | unsubscribe | bounce | delayed
    from_address: str | None
    subject: str
    message_id: str | None
    references: tuple[str, ...] = ()
    bounced: tuple[str, ...] = field(default_factory=tuple)
    date: datetime | None = None


def parse(raw: bytes) -> EmailMessage:
    return message_from_bytes(raw, policy=policy.default)


def _ids(value: str | None) -> list[str]:
    return _MESSAGE_ID.findall(str(value or ""))


def _header(message: EmailMessage, name: str) -> str:
    try:
        return str(message.get(name, "") or "")
    except (ValueError, IndexError, TypeError):
        return ""


def _first_text(message: EmailMessage) -> str:
    try:
        body = message.get_body(("plain",))
        return body.get_content() if body is not None else ""
    except (KeyError, LookupError, ValueError):
        return ""


def _new_text(text: str) -> str:
    """The reply's own words: quoted lines and everything after an "On ... wrote:" line are dropped."""
    lines = []
    for line in text.splitlines():
        if line.startswith(">") or re.match(r"^On .* wrote:\s*$", line) or line.strip() == "-- ":
            break
        lines.append(line)
    return "\n".join(lines)[:4000]


def _delivery_status(message: EmailMessage) -> tuple[list[str], list[str], list[str]]:
    """(failed recipients, delayed recipients, original Message-IDs) from an RFC 3464 report."""
    failed, delayed, originals = [], [], []
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type == "message/delivery-status":
            for block in part.get_payload():
                if not isinstance(block, Message):
                    continue
                action = str(block.get("Action", "")).strip().lower()
                status = str(block.get("Status", "")).strip()
                recipient = str(block.get("Final-Recipient") or block.get("Original-Recipient") or "")
                address = recipient.split(";", 1)[-1].strip().strip("<>").lower()
                if not address:
                    continue
                if action == "failed" or status.startswith("5"):
                    failed.append(address)
                elif action == "delayed" or status.startswith("4"):
                    delayed.append(address)
        elif content_type in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload and isinstance(payload[0], Message) else None
            if inner is None and isinstance(payload, str):
                inner = message_from_bytes(payload.encode("utf-8", "replace"), policy=policy.default)
            if inner is not None:
                originals += _ids(inner.get("Message-ID"))
    return failed, delayed, originals


def _date(message: EmailMessage) -> datetime | None:
    """The Date header as an aware datetime; None when missing or unreadable (then no date guard applies)."""
    try:
        value = parsedate_to_datetime(_header(message, "Date"))
    except (TypeError, ValueError, IndexError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def classify(message: EmailMessage) -> Classified:
    """Bounce (RFC 3464), auto-reply (RFC 3834 and common vendor headers/subjects), opt-out, or a reply."""
    senders = getaddresses([_header(message, "From")])
    from_address = senders[0][1].lower() if senders and senders[0][1] else None
    subject = _header(message, "Subject")
    message_ids = _ids(_header(message, "Message-ID"))
    message_id = message_ids[0] if message_ids else None
    references = tuple(dict.fromkeys(_ids(_header(message, "In-Reply-To")) + _ids(_header(message, "References"))))
    base = Classified(kind="reply", from_address=from_address, subject=subject, message_id=message_id,
                      references=references, date=_date(message))
    if message.get_content_type() == "multipart/report" and \
            str(message.get_param("report-type", "")).lower() == "delivery-status":
        failed, delayed, originals = _delivery_status(message)
        base = replace(base, references=tuple(dict.fromkeys(references + tuple(originals))))
        if failed:
            return replace(base, kind="bounce", bounced=tuple(failed))
        return replace(base, kind="delayed", bounced=tuple(delayed))
    # An opt-out wins over auto-reply markers: a mail client or helpdesk may stamp Auto-Submitted on it.
    if _UNSUBSCRIBE.search(subject) or _UNSUBSCRIBE.search(_new_text(_first_text(message))):
        return replace(base, kind="unsubscribe")
    auto_submitted = _header(message, "Auto-Submitted").strip().lower()
    precedence = _header(message, "Precedence").strip().lower()
    if (auto_submitted and auto_submitted != "no") or message.get("X-Autoreply") or message.get("X-Autorespond") \
            or precedence in ("auto_reply", "bulk", "junk") or _OUT_OF_OFFICE.search(subject):
        return replace(base, kind="auto_reply")
    return base


@dataclass(frozen=True)
class Fetched:
    uid: int
    raw: bytes


class ImapReader:
    """Blocking IMAP access: call from one worker thread only."""

    def __init__(self, host: str, port: int, security: str, username: str | None, password: str | None,
                 folder: str = "INBOX", timeout: float = 30.0, *, ca_file: Path | None = None) -> None:
        self.host, self.port, self.security, self.folder, self.timeout = host, port, security, folder, timeout
        self.username, self._password = username, password
        self.ca_file = ca_file

    def _tls_context(self) -> ssl.SSLContext:
        return verified_context(self.ca_file, InboxError, "IMAP")

    def _connect(self) -> imaplib.IMAP4:
        try:
            if self.security == "ssl":
                client: imaplib.IMAP4 = imaplib.IMAP4_SSL(self.host, self.port, ssl_context=self._tls_context(),
                                                          timeout=self.timeout)
            else:
                client = imaplib.IMAP4(self.host, self.port, timeout=self.timeout)
                if self.security == "starttls":
                    client.starttls(self._tls_context())
            client.login(self.username or "", self._password or "")
        except imaplib.IMAP4.error as error:
            raise InboxError(f"IMAP login as {self.username} at {self.host}:{self.port} refused: {error}") from None
        except OSError as error:
            raise InboxError(f"cannot reach IMAP server {self.host}:{self.port}: {error}") from None
        return client

    def fetch_new(self, after_uid: dict[int, int]) -> tuple[int, Iterator[Fetched]]:
        """UIDVALIDITY and the messages whose UID is above ``after_uid[uidvalidity]`` (0 if unknown)."""
        client = self._connect()
        status, _ = client.select(self.folder, readonly=True)
        if status != "OK":
            client.logout()
            raise InboxError(f"IMAP folder {self.folder!r} cannot be opened on {self.host}")
        validity = int(client.response("UIDVALIDITY")[1][0])
        last = after_uid.get(validity, 0)

        def messages() -> Iterator[Fetched]:
            try:
                _, data = client.uid("search", f"UID {last + 1}:*")
                uids = sorted(int(u) for u in (data[0] or b"").split() if int(u) > last)
                for uid in uids:
                    _, parts = client.uid("fetch", str(uid), "(BODY.PEEK[])")
                    raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
                    if raw is not None:
                        yield Fetched(uid, raw)
            finally:
                with contextlib.suppress(imaplib.IMAP4.error, OSError):
                    client.logout()

        return validity, messages()
