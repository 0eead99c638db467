"""Incoming mail: read new messages over IMAP and tell replies, auto-replies, opt-outs and bounces apart.

Classification is a pure function of the message; :class:`ImapReader` is the blocking adapter (imaplib on
one worker thread). Messages are read with BODY.PEEK so the mailbox's \\Seen flags are left to the human.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import imaplib
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.errors import InvalidHeaderDefect
from email.headerregistry import AddressHeader
from email.message import EmailMessage, Message
from email.policy import EmailPolicy
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from typing import Any

from flufl.bounce import all_failures

from greenroom.errors import GreenroomError
from outreach.core.intent import classify_intent
from outreach.mail.oauth import MailboxAuthError, MailboxTokens, OAuthSettings, XOAuth2Exchange
from outreach.mail.reading import visible_text
from outreach.mail.tls import verified_context

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_BOUNCE_SENDER = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailer)@", re.IGNORECASE)
_QUOTED_MESSAGE_ID = re.compile(r"^\s*message-id:\s*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)
_RESULT = re.compile(r"\b(dmarc|spf|dkim)\s*=\s*([a-z]+)([^;]*)", re.IGNORECASE)
_PROPERTY = re.compile(r"\b(smtp\.mailfrom|header\.from|header\.d|header\.i)\s*=\s*\"?([^\s;\"]+)", re.IGNORECASE)

#: Messages larger than this are skipped (recorded ``too_large``) without downloading them.
MAX_MESSAGE_BYTES = 10 * 1024 * 1024
#: Real mail nests a handful of levels; a deeper tree is malformed or an attack on the parser's recursion.
MAX_MIME_DEPTH = 20
#: More multipart containers than this (nested or not) is no real email; it is checked before parsing.
MAX_MULTIPARTS = 100
_MULTIPART = re.compile(rb"content-type:\s*multipart/", re.IGNORECASE)
#: A bounce naming more failed recipients than this is not a bounce of one email of ours.
MAX_BOUNCED_RECIPIENTS = 50

# The standard library parses header values (get_unstructured, address lists, MIME parameters) in time that
# grows faster than their length: a 1 MB References header took 10 s, a 200 KB Subject 2.5 s, 200,000 MIME
# parts 49 s. These limits are enforced while the parser reads each header, before any value is parsed.
#: MIME parts in one message, delivery-status blocks and attached messages included.
MAX_MIME_PARTS = 1000
#: Header fields in one header block (the message's own, or one part's).
MAX_HEADER_FIELDS = 1000
#: One header field, unfolded. The message's own References is exempt: it is cut to :data:`MAX_REFERENCES`.
MAX_HEADER_CHARS = 16 * 1024
#: All header fields of all parts together (References of the message itself not counted).
MAX_HEADER_TOTAL_CHARS = 256 * 1024
#: MIME parameters (``;`` in Content-* fields) of all parts together: each costs the parser most.
MAX_MIME_PARAMETERS = 2000
#: Message-IDs kept from References for threading: the first (the thread's start) and the newest.
MAX_REFERENCES = 100


class InboxError(GreenroomError):
    """The IMAP server cannot be reached or refuses the login."""


class UnreadableMessage(GreenroomError):
    """A message the inbox cannot read safely (too deep, broken structure): recorded and skipped."""


@dataclass(frozen=True)
class TextReading:
    """What the person's own words mean: the fields of the reading helper's ``Intent`` in inbox terms."""

    kind: str  # reply | interested | declined | unsubscribe | auto_reply | unknown
    confident: bool = True
    return_date: _dt.date | None = None
    reason: str = ""


@dataclass(frozen=True)
class Authentication:
    """The receiving server's verdict (``Authentication-Results``): None when it added none."""

    passed: bool | None
    detail: str = ""


@dataclass(frozen=True)
class Classified:
    """What an incoming message means for outreach."""

    kind: str  # reply | interested | declined | unsubscribe | auto_reply | unknown | bounce | delayed
    from_address: str | None
    subject: str
    message_id: str | None
    #: Message-IDs this message answers, the most specific first: In-Reply-To, then References newest-first.
    references: tuple[str, ...] = ()
    #: Permanently failed recipients (a bounce) or temporarily delayed ones (``delayed``).
    bounced: tuple[str, ...] = field(default_factory=tuple)
    date: datetime | None = None
    confident: bool = True
    return_date: _dt.date | None = None
    reason: str = ""
    authentication: Authentication = Authentication(None)
    excerpt: str = ""
    #: Why the From header cannot be believed (:func:`sender`); ``from_address`` is then only a guess.
    sender_doubt: str = ""


class _HeaderBudget:
    """What one parse may read: counted as the parser meets each part and header field, so a message over a
    limit is refused before any header value is parsed (see :data:`MAX_HEADER_CHARS` and its neighbours)."""

    def __init__(self) -> None:
        self.parts = 0
        self.fields_in_part = 0
        self.total_chars = 0
        self.parameters = 0
        self.open = True

    def part(self) -> None:
        if not self.open:
            return
        self.parts += 1
        self.fields_in_part = 0
        if self.parts > MAX_MIME_PARTS:
            raise UnreadableMessage(f"more than {MAX_MIME_PARTS} MIME parts")

    def field(self, name: str, value: str) -> None:
        if not self.open:
            return
        self.fields_in_part += 1
        if self.fields_in_part > MAX_HEADER_FIELDS:
            raise UnreadableMessage(f"more than {MAX_HEADER_FIELDS} header fields in one part")
        if self.parts == 1 and name.strip().lower() == "references":
            return  # cut to the newest ids after parsing (_trim_references), never parsed whole
        length = len(name) + len(value)
        if length > MAX_HEADER_CHARS:
            raise UnreadableMessage(f"header {name.strip()[:40]!r} is {length} characters long "
                                    f"(limit {MAX_HEADER_CHARS})")
        self.total_chars += length
        if self.total_chars > MAX_HEADER_TOTAL_CHARS:
            raise UnreadableMessage(f"headers longer than {MAX_HEADER_TOTAL_CHARS} characters in all")
        if name.strip().lower().startswith("content-"):
            self.parameters += value.count(";")
            if self.parameters > MAX_MIME_PARAMETERS:
                raise UnreadableMessage(f"more than {MAX_MIME_PARAMETERS} MIME parameters")


class _BoundedPolicy(EmailPolicy):
    """``policy.default`` that reports every part and header field to a :class:`_HeaderBudget`."""

    budget: Any = None

    def header_source_parse(self, sourcelines: list[str]) -> tuple[str, str]:
        name, value = super().header_source_parse(sourcelines)
        self.budget.field(name, value)
        return name, value


def _bounded_message(policy: _BoundedPolicy) -> EmailMessage:
    policy.budget.part()
    return EmailMessage(policy=policy)


def _parse_bounded(raw: bytes) -> EmailMessage:
    """``message_from_bytes(raw, policy=policy.default)`` within the limits above; every part ends up with
    ``policy.default`` (the budget is for reading, not for what is done with the message afterwards)."""
    budget = _HeaderBudget()
    options: dict[str, Any] = {"budget": budget, "message_factory": _bounded_message}
    bounded = _BoundedPolicy(**options)
    message = message_from_bytes(raw, policy=bounded)
    budget.open = False
    stack: list[Message] = [message]
    while stack:
        part = stack.pop()
        part.policy = policy.default
        payload = part.get_payload() if part.is_multipart() else None
        if isinstance(payload, list):
            stack.extend(child for child in payload if isinstance(child, Message))
    assert isinstance(message, EmailMessage)
    return message


def _trim_references(message: EmailMessage) -> None:
    """References cut to the first and the newest Message-IDs (:data:`MAX_REFERENCES` in all), found in the
    raw value so an endless header is never parsed: threading needs the newest, RFC 5322 3.6.4 keeps the first."""
    raw = [value for name, value in message.raw_items() if name.strip().lower() == "references"]
    if len(raw) == 1 and len(raw[0]) <= MAX_HEADER_CHARS:
        return
    ids = _MESSAGE_ID.findall(" ".join(raw))
    if len(ids) > MAX_REFERENCES:
        ids = ids[:1] + ids[-(MAX_REFERENCES - 1):]
    del message["References"]
    if ids:
        message["References"] = " ".join(ids)


def parse(raw: bytes) -> EmailMessage:
    """The message, or :class:`UnreadableMessage` when its MIME tree is deeper than :data:`MAX_MIME_DEPTH`,
    has more than :data:`MAX_MULTIPARTS` multipart containers (counted before parsing: the standard
    library's parser recurses once per level and would exhaust the stack on a deep one), or more parts,
    header fields or header text than the limits above (counted while parsing, before any value is read)."""
    multiparts = len(_MULTIPART.findall(raw))
    if multiparts > MAX_MULTIPARTS:
        raise UnreadableMessage(f"MIME structure with {multiparts} multipart parts (limit {MAX_MULTIPARTS})")
    message = _parse_bounded(raw)
    _trim_references(message)
    stack: list[tuple[Message, int]] = [(message, 1)]
    while stack:
        part, depth = stack.pop()
        if depth > MAX_MIME_DEPTH:
            raise UnreadableMessage(f"MIME parts nested more than {MAX_MIME_DEPTH} deep")
        payload = part.get_payload() if part.is_multipart() or part.get_content_maintype() == "message" else None
        if isinstance(payload, list):
            stack.extend((child, depth + 1) for child in payload if isinstance(child, Message))
    return message


def _ids(value: str | None) -> list[str]:
    return _MESSAGE_ID.findall(str(value or ""))


def _header(message: EmailMessage, name: str) -> str:
    try:
        return str(message.get(name, "") or "")
    except (ValueError, IndexError, TypeError):
        return ""


#: The intent kinds of :mod:`outreach.core.intent` in the inbox's terms (an opt-out is ``unsubscribe``, an
#: out-of-office an ``auto_reply`` that pauses the sequence).
_INTENT_KINDS = {"reply": "reply", "interested": "interested", "declined": "declined", "opt_out": "unsubscribe",
                 "out_of_office": "auto_reply", "unknown": "unknown"}


def read_text(words: str, subject: str, auto_submitted: bool, arrived: _dt.date | None) -> TextReading:
    """The one place that decides what the person's words mean: :func:`outreach.core.intent.classify_intent`
    on what they wrote (``words``: :func:`outreach.mail.reading.visible_text`); ``arrived`` resolves return
    dates written without a year."""
    intent = classify_intent(words, subject, auto_submitted=auto_submitted, reference=arrived)
    return TextReading(_INTENT_KINDS.get(str(intent.kind), "unknown"), intent.confident, intent.return_date,
                       intent.reason)


@dataclass(frozen=True)
class Sender:
    """Who the From header names; ``doubt`` says why it cannot be believed (then nothing acts on its own)."""

    address: str | None
    doubt: str = ""


def _raw_values(message: Message, name: str) -> list[str]:
    """The unparsed values of every ``name`` field (no header registry, so nothing is parsed)."""
    return [str(value) for field_name, value in message.raw_items() if field_name.strip().lower() == name]


def sender(message: EmailMessage) -> Sender:
    """The one mailbox of the message's one From header, read strictly.

    Receiving servers verify the address they read in From (DMARC's ``header.from``); Python 3.11's
    ``getaddresses`` reads ``bo@example.org <eve@attacker.example>`` as Bo, so a message would pass for
    Bo while the server checked eve's domain. So the header registry reads it, and anything it finds
    ambiguous (invalid syntax, a group, several mailboxes, several From fields) or that the older reader
    reads differently is a doubt: the best guess is kept, for review, and nothing acts on it.
    """
    values = _raw_values(message, "from")
    if not values:
        return Sender(None, "no From header")
    shown = " ".join(values[0].split())[:120]
    try:
        header = message["From"]
        mailboxes = [a.addr_spec.lower() for a in header.addresses] if isinstance(header, AddressHeader) else []
        grouped = isinstance(header, AddressHeader) and any(g.display_name is not None for g in header.groups)
        invalid = any(isinstance(defect, InvalidHeaderDefect) for defect in getattr(header, "defects", ()))
    except (ValueError, IndexError, TypeError, AttributeError):
        mailboxes, grouped, invalid = [], False, True
    loose = [address.lower() for _, address in getaddresses([values[0]]) if "@" in address]
    candidates = mailboxes or loose
    guess = candidates[0] if candidates else None
    if len(values) > 1:
        return Sender(guess, f"{len(values)} From headers (the first: {shown}): which one sent it is unclear")
    if len(mailboxes) != 1 or grouped or invalid or loose != mailboxes or "@" not in mailboxes[0]:
        return Sender(guess, f"From header {shown!r} does not name exactly one sender unambiguously")
    return Sender(guess)


def _domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip().strip(">").lower()


def _aligned(domain: str, from_domain: str) -> bool:
    """Relaxed alignment (RFC 7489 3.1), without the public suffix list: the same domain, or one a subdomain
    of the other (never a bare top-level name)."""
    if not domain or not from_domain or "." not in domain or "." not in from_domain:
        return False
    return domain == from_domain or domain.endswith("." + from_domain) or from_domain.endswith("." + domain)


def authenticate(message: EmailMessage, from_address: str | None) -> Authentication:
    """The topmost ``Authentication-Results`` (the one our receiving server added): a DMARC pass whose
    ``header.from`` is the From domain, or an SPF/DKIM pass for a domain aligned with it. A pass for
    another domain proves only that the attacker's own domain is theirs. No such header means there is
    nothing to check."""
    headers = _raw_values(message, "authentication-results")
    if not headers:
        return Authentication(None)
    verdict = " ".join(headers[0].split())
    from_domain = _domain(from_address or "")
    for method, result, properties in _RESULT.findall(verdict):
        if result.lower() != "pass":
            continue
        accepted = ("header.from",) if method.lower() == "dmarc" else ("smtp.mailfrom", "header.d", "header.i")
        for name, value in _PROPERTY.findall(properties):
            if name.lower() in accepted and _aligned(_domain(value), from_domain):
                return Authentication(True, f"{method.lower()}=pass aligned with {from_domain}")
    summary = ", ".join(f"{m.lower()}={r.lower()}" for m, r, _ in _RESULT.findall(verdict)) or "no result"
    return Authentication(False, f"Authentication-Results: {summary} (nothing passes aligned with {from_domain})")


def _attached_headers(part: Message) -> Message | None:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return payload[0]
    if isinstance(payload, str):
        return _parse_bounded(payload.encode("utf-8", "replace"))
    return None


def _delivery_status(message: EmailMessage) -> tuple[list[str], list[str], list[str]]:
    """(failed recipients, delayed recipients, original Message-IDs) from an RFC 3464 report and Mailman's
    detectors (``flufl.bounce``) for the formats other servers use."""
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
            inner = _attached_headers(part)
            if inner is not None:
                originals += _ids(_header(inner, "Message-ID"))  # type: ignore[arg-type]
        elif part.get_content_maintype() == "text":
            with contextlib.suppress(LookupError, ValueError, AttributeError):
                originals += _QUOTED_MESSAGE_ID.findall(part.get_content())
    temporary, permanent = all_failures(message)
    failed += [address.decode("utf-8", "replace").lower() for address in permanent]
    delayed += [address.decode("utf-8", "replace").lower() for address in temporary]
    return list(dict.fromkeys(failed)), list(dict.fromkeys(delayed)), originals


def _date(message: EmailMessage) -> datetime | None:
    """The Date header as an aware datetime; None when missing or unreadable (then no date guard applies)."""
    try:
        value = parsedate_to_datetime(_header(message, "Date"))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _is_bounce(message: EmailMessage, from_address: str | None) -> bool:
    if message.get_content_type() == "multipart/report" and \
            str(message.get_param("report-type", "")).lower() == "delivery-status":
        return True
    return bool(from_address and _BOUNCE_SENDER.match(from_address)) or _header(message, "Return-Path").strip() == "<>"


def classify(message: EmailMessage) -> Classified:
    """Bounce (RFC 3464 and other servers' formats), auto-reply (RFC 3834 and vendor headers/subjects), opt-out,
    declined, or a reply. Who it concerns and whether to believe it is decided later, against the database."""
    who = sender(message)
    words = visible_text(message)
    from_address = who.address
    subject = _header(message, "Subject")
    message_ids = _ids(_header(message, "Message-ID"))
    in_reply_to = _ids(_header(message, "In-Reply-To"))
    references = tuple(dict.fromkeys(in_reply_to + list(reversed(_ids(_header(message, "References"))))))
    base = Classified(kind="reply", from_address=from_address, subject=subject,
                      message_id=message_ids[0] if message_ids else None, references=references,
                      date=_date(message),
                      authentication=Authentication(False, who.doubt) if who.doubt else authenticate(message, from_address),
                      excerpt=words[:500], sender_doubt=who.doubt)
    if _is_bounce(message, from_address):
        failed, delayed, originals = _delivery_status(message)
        base = replace(base, references=tuple(dict.fromkeys(references + tuple(originals))))
        if failed:
            return replace(base, kind="bounce", bounced=tuple(failed[:MAX_BOUNCED_RECIPIENTS + 1]))
        if delayed or message.get_content_type() == "multipart/report":
            return replace(base, kind="delayed", bounced=tuple(delayed[:MAX_BOUNCED_RECIPIENTS + 1]))
    auto_submitted = _header(message, "Auto-Submitted").strip().lower()
    precedence = _header(message, "Precedence").strip().lower()
    automatic = bool((auto_submitted and auto_submitted != "no") or message.get("X-Autoreply")
                     or message.get("X-Autorespond") or precedence in ("auto_reply", "bulk", "junk"))
    arrived = base.date.date() if base.date is not None else None
    reading = read_text(words, subject, automatic, arrived)
    return replace(base, kind=reading.kind, confident=reading.confident, return_date=reading.return_date,
                   reason=reading.reason)


@dataclass(frozen=True)
class Fetched:
    """One message; ``raw`` is None when it was over :data:`MAX_MESSAGE_BYTES` (``size``) and not downloaded."""

    uid: int
    raw: bytes | None
    size: int = 0


class ImapReader:
    """Blocking IMAP access: call from one worker thread only. With ``oauth`` it signs in with
    AUTHENTICATE XOAUTH2 (:mod:`outreach.mail.oauth`) instead of LOGIN."""

    def __init__(self, host: str, port: int, security: str, username: str | None, password: str | None,
                 folder: str = "INBOX", timeout: float = 30.0, *, ca_file: Path | None = None,
                 oauth: OAuthSettings | None = None) -> None:
        self.host, self.port, self.security, self.folder, self.timeout = host, port, security, folder, timeout
        self.username, self._password = username, password
        self.ca_file = ca_file
        self._tokens = MailboxTokens(oauth, username or "") if oauth is not None else None

    def _tls_context(self) -> ssl.SSLContext:
        return verified_context(self.ca_file, InboxError, "IMAP")

    def connect(self) -> imaplib.IMAP4:
        """A logged-in connection (TLS as configured); the caller logs out."""
        try:
            if self.security == "ssl":
                client: imaplib.IMAP4 = imaplib.IMAP4_SSL(self.host, self.port, ssl_context=self._tls_context(),
                                                          timeout=self.timeout)
            else:
                client = imaplib.IMAP4(self.host, self.port, timeout=self.timeout)
                if self.security == "starttls":
                    client.starttls(self._tls_context())
        except imaplib.IMAP4.error as error:
            raise InboxError(f"IMAP server {self.host}:{self.port} refused the connection: {error}") from None
        except OSError as error:
            raise InboxError(f"cannot reach IMAP server {self.host}:{self.port}: {error}") from None
        try:
            if self._tokens is not None:
                self._authenticate_with_token(client)
            else:
                client.login(self.username or "", self._password or "")
        except MailboxAuthError as error:
            _close_quietly(client)
            raise InboxError(f"IMAP sign-in to {self.host}:{self.port}: {error}") from None
        except imaplib.IMAP4.error as error:
            _close_quietly(client)
            raise InboxError(f"IMAP login as {self.username} at {self.host}:{self.port} refused: {error}") from None
        except OSError as error:
            _close_quietly(client)
            raise InboxError(f"cannot reach IMAP server {self.host}:{self.port}: {error}") from None
        except InboxError:
            _close_quietly(client)
            raise
        return client

    def _authenticate_with_token(self, client: imaplib.IMAP4) -> None:
        """AUTHENTICATE XOAUTH2; a refused token is refreshed once and tried again, then the error names the
        mailbox, never the token."""
        assert self._tokens is not None
        if "AUTH=XOAUTH2" not in client.capabilities:
            raise InboxError(f"IMAP server {self.host}:{self.port} does not offer AUTHENTICATE XOAUTH2: "
                             "check [imap] host and port, or use auth = \"password\"")
        refused = ""
        for refresh in (False, True):
            exchange = XOAuth2Exchange(self.username or "", self._tokens.access_token(refresh=refresh).value)
            try:
                client.authenticate("XOAUTH2", exchange.as_bytes)
                return
            except imaplib.IMAP4.abort:
                raise
            except imaplib.IMAP4.error as error:
                refused = f"{_imap_error_text(error)}{', ' + exchange.refusal if exchange.refusal else ''}"
        raise InboxError(
            f"IMAP sign-in for mailbox {self.username} at {self.host}:{self.port} refused the OAuth2 access token, "
            f"also right after a refresh ({refused}): check that the app may read this mailbox (IMAP enabled, "
            f"scope granted), or sign in again: {self._tokens.settings.login_command()}"
        )

    @staticmethod
    def _size(client: imaplib.IMAP4, uid: int) -> int:
        """RFC822.SIZE, asked before the body so an oversized message is never downloaded."""
        _, parts = client.uid("fetch", str(uid), "(RFC822.SIZE)")
        for part in parts:
            text = part[0] if isinstance(part, tuple) else part
            found = re.search(rb"RFC822\.SIZE (\d+)", text or b"")
            if found:
                return int(found.group(1))
        return 0

    def fetch_new(self, after_uid: dict[int, int]) -> tuple[int, Iterator[Fetched]]:
        """UIDVALIDITY and the messages whose UID is above ``after_uid[uidvalidity]`` (0 if unknown)."""
        client = self.connect()
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
                    size = self._size(client, uid)
                    if size > MAX_MESSAGE_BYTES:
                        yield Fetched(uid, None, size)
                        continue
                    _, parts = client.uid("fetch", str(uid), "(BODY.PEEK[])")
                    raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
                    if raw is not None:
                        yield Fetched(uid, raw, len(raw))
            finally:
                with contextlib.suppress(imaplib.IMAP4.error, OSError):
                    client.logout()

        return validity, messages()


def _imap_error_text(error: imaplib.IMAP4.error) -> str:
    """imaplib's error text (``AUTHENTICATE command error: BAD [b'...']``) as plain words."""
    return str(error).replace("b'", "").replace("']", "]")[:200]


def _close_quietly(client: imaplib.IMAP4) -> None:
    """Drop a connection whose sign-in failed (no LOGOUT: the server may be gone)."""
    with contextlib.suppress(OSError):
        client.shutdown()
