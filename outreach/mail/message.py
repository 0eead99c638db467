"""Well-formed outgoing emails (RFC 5322): threading, unsubscribe headers, the legal footer, no injection.

Every header line stays within 998 characters: display names are capped (:data:`MAX_DISPLAY_NAME`) and
long values are folded. The Message-ID is chosen once, when the message is queued, and kept through every
retry (a reply to any copy threads, and the inbox matches it to the outbox row); the ``Date`` is stamped
again when the message actually goes out (:func:`stamp_date`), so a retry after a backoff is not dated
hours in the past.
"""

from __future__ import annotations

import html
import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage
from email.parser import HeaderParser
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from urllib.parse import quote, urlencode

from greenroom.errors import GreenroomError
from outreach.core import unsubscribe_token
from outreach.core.campaign import Sender


#: RFC 5322 allows 998-character lines: long unsubscribe URLs stay intact instead of being encoded-word
#: folded; 7bit keeps non-ASCII bodies quoted-printable/base64 for any server.
class _CachedHeaderRegistry(HeaderRegistry):
    """The stock registry builds a new class with ``type()`` on every lookup; same classes, built once."""

    def __init__(self) -> None:
        super().__init__()
        self._built: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        built = self._built.get(key)
        if built is None:
            built = self._built[key] = super().__getitem__(name)
        return built


#: RFC 5322: a header or body line is at most 998 characters.
_LINE_LIMIT = 998
POLICY = SMTP.clone(max_line_length=_LINE_LIMIT, cte_type="7bit", header_factory=_CachedHeaderRegistry())
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]")  # incl. what str.splitlines() breaks on
#: Longest display name put in From/To: a 5,000-character name once made a server answer 500 at DATA.
MAX_DISPLAY_NAME = 200
_ADDRESS = re.compile(r"^[^@\s<>,;\"()\[\]\\]+@[^@\s<>,;\"()\[\]\\]+\.[^@\s<>,;\"()\[\]\\]+$")


class HeaderInjectionError(GreenroomError):
    """A header value built from data carries a line break or is not a plain address."""


@dataclass(frozen=True)
class Outgoing:
    """Everything one email needs; ``references`` are the earlier Message-IDs of the thread, oldest first."""

    from_name: str
    from_address: str
    to_name: str
    to_address: str
    subject: str
    text: str
    html: str | None
    message_id: str
    date: datetime
    physical_address: str
    unsubscribe_url: str | None = None
    references: tuple[str, ...] = field(default_factory=tuple)
    #: The workspace's unsubscribe key (``outreach.campaigns.unsubscribe``): required with ``unsubscribe_url``.
    unsubscribe_key: bytes | None = field(default=None, repr=False)


def new_message_id(sender_address: str) -> str:
    """A globally unique Message-ID in the sender's domain (assigned and stored before sending)."""
    return make_msgid(domain=sender_address.rpartition("@")[2])


def check_header(name: str, value: str) -> str:
    """Refuse CR/LF (and other control characters) in a header value that came from data."""
    if _CONTROL.search(value):
        raise HeaderInjectionError(f"refusing to send: the {name} header would contain a line break ({value!r})")
    return value


def check_address(name: str, value: str) -> str:
    check_header(name, value)
    if not _ADDRESS.match(value):
        raise HeaderInjectionError(f"refusing to send: {value!r} in {name} is not a single plain email address")
    return value


def display_name(name: str) -> str:
    """``name`` cut to :data:`MAX_DISPLAY_NAME` characters (with an ellipsis): a header line must stay
    under 998 characters, and no mail client shows more anyway."""
    name = name.strip()
    return name if len(name) <= MAX_DISPLAY_NAME else name[:MAX_DISPLAY_NAME - 1].rstrip() + "…"


def stamp_date(raw: str, moment: datetime) -> str:
    """``raw`` (a message built here) with its ``Date`` header set to ``moment``: the send time, not the
    queue time. Only the header block is touched (our Date line is never folded)."""
    newline = "\r\n"
    head, separator, body = raw.partition(newline * 2)
    if not separator:
        newline = "\n"
        head, separator, body = raw.partition(newline * 2)
    lines = head.split(newline)
    for index, line in enumerate(lines):
        if line.startswith("Date: "):
            lines[index] = f"Date: {format_datetime(moment)}"
            break
    return newline.join(lines) + separator + body


def unsubscribe_link(base_url: str, message_id: str, key: bytes) -> str:
    """The one-click URL for this message: ``base_url?t=TOKEN``, the token naming the message and signed
    with the workspace key (:mod:`outreach.core.unsubscribe_token`), so nobody can forge one for another."""
    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}{urlencode({'t': unsubscribe_token.sign(key, message_id)})}"


def _outgoing_unsubscribe_link(outgoing: Outgoing) -> str | None:
    if not outgoing.unsubscribe_url:
        return None
    if not outgoing.unsubscribe_key:
        raise GreenroomError("an unsubscribe_url needs the workspace's unsubscribe key to sign its links")
    return unsubscribe_link(outgoing.unsubscribe_url, outgoing.message_id, outgoing.unsubscribe_key)


def footer_text(outgoing: Outgoing, link: str | None = None) -> str:
    """The legal footer of the text part; ``link`` is the message's unsubscribe link when the caller has
    already signed it (signing is an HMAC, done once per message)."""
    link = link or _outgoing_unsubscribe_link(outgoing)
    how = f"reply \"unsubscribe\" or visit {link}" if link else "reply \"unsubscribe\""
    return f"\n-- \n{outgoing.physical_address}\nNot interested? {how[0].upper()}{how[1:]} and you won't hear from us again.\n"


def footer_html(outgoing: Outgoing, url: str | None = None) -> str:
    link = ""
    url = url or _outgoing_unsubscribe_link(outgoing)
    if url:
        link = f' or <a href="{html.escape(url, quote=True)}">unsubscribe here</a>'
    return (
        f'<hr><p style="font-size:12px;color:#666">{html.escape(outgoing.physical_address)}<br>'
        f"Not interested? Reply &quot;unsubscribe&quot;{link} and you won&#x27;t hear from us again.</p>"
    )


def build_message(outgoing: Outgoing) -> EmailMessage:
    """The complete email; raises :class:`HeaderInjectionError` before anything could be sent."""
    if not outgoing.physical_address.strip():
        raise GreenroomError("a physical postal address is required in every email ([outreach] physical_address)")
    check_address("From", outgoing.from_address)
    check_address("To", outgoing.to_address)
    message = EmailMessage(policy=POLICY)
    put = _header_setter(message)
    put("From", formataddr((display_name(check_header("From name", outgoing.from_name)), outgoing.from_address)))
    put("To", formataddr((display_name(check_header("To name", outgoing.to_name)), outgoing.to_address)))
    put("Subject", check_header("Subject", outgoing.subject))
    put("Date", format_datetime(outgoing.date))
    put("Message-ID", check_header("Message-ID", outgoing.message_id))
    if outgoing.references:
        for reference in outgoing.references:
            check_header("References", reference)
        put("In-Reply-To", outgoing.references[-1])
        put("References", " ".join(outgoing.references))
    mailto = f"mailto:{outgoing.from_address}?subject={quote('unsubscribe')}"
    link = _outgoing_unsubscribe_link(outgoing)
    if link:
        url = check_header("List-Unsubscribe", link)
        put("List-Unsubscribe", f"<{url}>, <{mailto}>")
        put("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
    else:
        put("List-Unsubscribe", f"<{mailto}>")
    text = outgoing.text + footer_text(outgoing, link)
    if outgoing.html is None:
        _set_text_body(message, text)
        return message
    html_text = f"<html><body>{outgoing.html}{footer_html(outgoing, link)}</body></html>"
    if not _set_plain_alternative(message, text, html_text):
        _set_text_body(message, text)
        message.add_alternative(html_text, subtype="html")
    return message


def _seven_bit(text: str) -> str | None:
    """``text`` as ``set_content`` stores a 7bit body (line ends made ``\\n``, a final one added), or None
    when it needs quoted-printable or base64 (non-ASCII, or a line over 998 characters)."""
    if not text.isascii():
        return None
    lines = text.encode("ascii").splitlines()  # bytes: exactly the line ends set_content splits on
    if any(len(line) > _LINE_LIMIT for line in lines):
        return None
    return b"\n".join(lines).decode("ascii") + "\n"


def _set_text_body(message: EmailMessage, text: str) -> None:
    """The text part, exactly as ``set_content`` would make it. Most outreach emails are plain ASCII with
    short lines, which ``set_content`` sends as 7bit after parsing and re-folding three MIME headers through
    the header registry (a third of the cost of a send); that case is written directly, the rest (accents,
    998+ character lines) still goes through ``set_content``, which picks quoted-printable or base64."""
    body = _seven_bit(text)
    if body is None:
        message.set_content(text)
        return
    message.set_raw("Content-Type", 'text/plain; charset="utf-8"')
    message.set_raw("Content-Transfer-Encoding", "7bit")
    message.set_raw("MIME-Version", "1.0")
    message.set_payload(body)


def _set_plain_alternative(message: EmailMessage, text: str, html_text: str) -> bool:
    """The text and HTML parts as ``set_content`` + ``add_alternative`` make them, header for header (the
    HTML part even carries its own MIME-Version, as theirs does), when both are 7bit; False otherwise.
    Those two calls move and re-parse every MIME header through the header registry, then the generator
    parses them again, twice per part: five times the cost of the rest of a Markdown email."""
    text_body, html_body = _seven_bit(text), _seven_bit(html_text)
    if text_body is None or html_body is None:
        return False
    text_part, html_part = EmailMessage(policy=POLICY), EmailMessage(policy=POLICY)
    text_part.set_raw("Content-Type", 'text/plain; charset="utf-8"')
    text_part.set_raw("Content-Transfer-Encoding", "7bit")
    text_part.set_payload(text_body)
    html_part.set_raw("Content-Type", 'text/html; charset="utf-8"')
    html_part.set_raw("Content-Transfer-Encoding", "7bit")
    html_part.set_raw("MIME-Version", "1.0")
    html_part.set_payload(html_body)
    message.set_raw("MIME-Version", "1.0")
    message.set_raw("Content-Type", f'multipart/alternative; boundary="{_boundary(text_body + html_body)}"')
    message.set_payload([text_part, html_part])
    return True


def _boundary(content: str) -> str:
    """A MIME boundary in the email package's own form, found nowhere in ``content``."""
    while True:
        boundary = f"{'=' * 15}{random.randrange(sys.maxsize):019d}=="
        if boundary not in content:
            return boundary


def message_bytes(message: EmailMessage) -> bytes:
    """``message.as_bytes()`` without its cost in the common case: the generator re-parses Content-Type
    (twice) for every part it writes. A single 7bit part whose headers were all stored raw (ASCII, short,
    checked for line breaks) serialises to exactly its header lines, a blank line and its body lines, all
    CRLF-terminated; anything else goes through the generator."""
    # The stored payload as it is: get_payload() would first parse Content-Transfer-Encoding through the
    # header registry, a third of this function's cost, only to return the same string.
    written = _written(message)
    return message.as_bytes() if written is None else written.encode("ascii")


_BOUNDARY = re.compile(r'multipart/alternative; boundary="([^"\r\n]+)"')


def _written(message: EmailMessage) -> str | None:
    """What the generator writes for ``message``, or None when only the generator knows (see
    :func:`message_bytes`): a 7bit part, or a multipart/alternative of them as :func:`_set_plain_alternative`
    makes it (boundary lines between the parts, the closing one after them)."""
    payload = vars(message).get("_payload")
    headers = list(message.raw_items())
    if not all(type(value) is str for _, value in headers):
        return None
    head = "".join(f"{name}: {value}\r\n" for name, value in headers) + "\r\n"
    if isinstance(payload, list):
        content_type = next((value for name, value in headers if name == "Content-Type"), "")
        found = _BOUNDARY.fullmatch(content_type) if len(payload) == 2 else None
        parts = [_written(part) for part in payload] if found else []
        if not found or any(part is None for part in parts):
            return None
        separator = f"--{found.group(1)}"
        return head + f"{separator}\r\n" + f"\r\n{separator}\r\n".join(parts) + f"\r\n{separator}--\r\n"  # type: ignore[arg-type]
    if not (isinstance(payload, str) and payload.isascii() and "\r" not in payload
            and ("Content-Transfer-Encoding", "7bit") in headers):
        return None
    return head + payload.replace("\n", "\r\n")


def _header_setter(message: EmailMessage) -> Callable[[str, str], None]:
    """Plain ASCII values (already checked for CR/LF) are stored as they are: parsing every header through
    the policy's header registry cost more than everything else in a send. Anything else, e.g. a name with
    accents, goes through the registry, which encodes it (RFC 2047)."""

    def put(name: str, value: str) -> None:
        if value.isascii() and len(name) + len(value) + 2 <= _LINE_LIMIT:
            message.set_raw(name, value)
        else:
            message[name] = value

    return put


def sender_named_in(raw: str | None, address: str) -> Sender:
    """The mailbox ``address`` with the display name its stored email ``raw`` carried in From: what later
    emails from it say, so the name a person already saw does not change (just the address when ``raw``
    is None or was sent from another address)."""
    if raw is not None:
        name, found = parseaddr(HeaderParser().parsestr(raw, headersonly=True).get("From", ""))
        if found.lower() == address:
            return Sender(name or found, found)
    return Sender(address, address)


def reply_subject(subject: str) -> str:
    """``Re: `` once, as mail clients do, so Gmail keeps the follow-up in the same thread."""
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"
