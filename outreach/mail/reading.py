"""What the person wrote: the new text of an incoming email, without quoted history or signature.

The classifier must read only the person's own words. Our emails end with a footer that says
"Reply "unsubscribe"", and a reply quoted Outlook-style (no ``>``, a "From: … Sent: …" block) carries that
footer along: read whole, a "yes" becomes an opt-out. So :func:`visible_text` cuts the quoted history and
the signature, and drops our footer wherever it still appears.

Why mail-parser-reply (``mailparser_reply``) splits the history:
- it is maintained (1.36, 2025) and multilingual: "On … wrote:", "Le … a écrit :", "Am … schrieb …:",
  "Il … ha scritto:", Outlook header blocks ("From:/Sent:", "Von:/Gesendet:", "De :/Envoyé :",
  "Da:/Inviato:", …), "-----Original Message-----" and the Outlook underscore line; pure Python, no deps;
- ``email-reply-parser`` (0.5.12, 2020) knows only the English "On … wrote:" and ``>`` quoting, so every
  Outlook and non-English reply keeps its history — exactly issue 13's failure 1;
- ``talon`` (1.4.4) is unmaintained since 2017 and pulls in lxml, cssselect, scikit-learn-era pins.
Its gaps are filled here, each with a reason: it has no Portuguese, its Spanish header needs two spaces
before "escribió", it keeps ``>``-quoted text of bottom-posted replies, and its French Outlook header
misses the no-break space Outlook writes before the colon. Its signature detection is not used: it cuts
at any line that starts like a sign-off, so "Thanks, but please unsubscribe me." would vanish as a
signature (a missed opt-out); here a signature starts only at a line that is nothing but a sign-off
("Best regards,", "-- ", "Sent from my iPhone"), with the library's sign-off words plus Portuguese ones.

The HTML part is used when there is no usable text/plain part, converted by the standard library's
``html.parser`` (no network, no entity expansion beyond HTML's own, no recursion, size-capped):
``<blockquote>`` and the quote containers of Gmail, Yahoo, Thunderbird and Outlook become ``>`` lines so
they are cut like any other quoted history.
"""

from __future__ import annotations

import re
import textwrap
from email.message import EmailMessage, Message
from html.parser import HTMLParser

from mailparser_reply import EmailReplyParser
from mailparser_reply.constants import MAIL_LANGUAGES

#: A reply longer than this is cut before parsing: the person's words come first, and the splitter's
#: regular expressions must not run over megabytes of forwarded history.
MAX_INPUT_CHARS = 64_000
#: The visible text returned is at most this long; the classifier needs the first paragraphs only.
MAX_VISIBLE_CHARS = 8_000
#: Lines are wrapped at this length before the history splitter reads them (see :func:`_wrapped`).
MAX_LINE_CHARS = 1_000
#: A signature is the sign-off line and at most this many lines after it (name, role, phone, links).
MAX_SIGNATURE_LINES = 8
#: MIME parts looked at before giving up (a message with thousands of parts is not a personal reply).
MAX_PARTS = 200

_LANGUAGES = ["en", "de", "fr", "es", "it"]

#: Our own footer (outreach.mail.message.footer_text/footer_html): "Not interested? Reply "unsubscribe"
#: [or visit …] and you won't hear from us again." Dropped wherever it appears, quoted or not.
_OUR_FOOTER = re.compile(
    r"^[>\s]*(?:not interested\?\s*)?reply\s*[\"'“”«]+\s*unsubscribe\s*[\"'“”»]+.*$"
    r"|^[>\s]*.*you won'?t hear from us again\.?\s*$"
    r"|^[>\s]*not interested\?\s*reply\b.*$",
    re.IGNORECASE | re.MULTILINE,
)

_ATTRIBUTION = (
    # Portuguese (Gmail): "Em ter., 24 de nov. de 2026 às 10:02, Sam <sam@x> escreveu:"
    r"^Em\s.{4,300}?escreveu:\s*$",
    # Spanish with one space (the library wants two): "El mar, 24 nov 2026 a las 10:02, Sam escribió:"
    r"^El\s.{4,300}?escribi[óo]:\s*$",
    # Italian Gmail: "Il giorno mar 24 nov 2026 alle ore 10:02 Sam <sam@x> ha scritto:"
    r"^Il\s.{4,300}?ha scritto:\s*$",
    # Any client that writes the attribution on one line in English, French or German.
    r"^On\s.{4,300}?wrote:\s*$",
    r"^Le\s.{4,300}?a\s+[ée]crit\s*:\s*$",
    r"^Am\s.{4,300}?schrieb.{0,200}:\s*$",
    # Outlook's separators and "original message" lines in the six languages, and forwarded messages.
    r"^_{20,}\s*$",
    r"^-{3,}\s*(?:Original Message|Message d'origine|Ursprüngliche Nachricht|Mensaje original|"
    r"Messaggio originale|Mensagem original|Forwarded message|Message transféré|Weitergeleitete Nachricht|"
    r"Mensaje reenviado|Messaggio inoltrato|Mensagem encaminhada)\s*-{3,}\s*$",
    r"^Begin forwarded message:\s*$",
    # Outlook header blocks: a From-like line followed within two lines by a Sent/Date-like line.
    r"^\*?(?:From|De|Von|Da)\s*\*?\s*:.*\n(?:.*\n)?\*?(?:Sent|Date|Envoyé|Gesendet|Datum|Enviado(?: el)?|Fecha|"
    r"Inviato|Data)\s*\*?\s*:",
)
#: Attribution lines under which a reply may be bottom-posted (Outlook header blocks are never).
_BOTTOM_POSTED_AFTER = re.compile(r"^(?:On|Le|Am|El|Il|Em)\s", re.IGNORECASE)
_HISTORY = re.compile("|".join(f"(?:{pattern})" for pattern in _ATTRIBUTION), re.IGNORECASE | re.MULTILINE)

_SIGN_OFF_WORDS = [
    pattern
    for language in _LANGUAGES + ["pt"]
    for pattern in MAIL_LANGUAGES.get(language, {}).get("signatures", [])
] + [
    r"atenciosamente", r"abra[çc]os?", r"cumprimentos", r"obrigad[oa]", r"un abrazo", r"saludos",
    r"saluti", r"un saluto", r"a presto", r"bien [àa] vous", r"merci", r"danke", r"lg", r"vg", r"cheers",
    r"best wishes", r"regards", r"many thanks", r"thanks", r"thank you", r"best", r"grazie", r"gracias",
]
_SENT_FROM = r"(?:sent from|get outlook for|envoy[ée] (?:depuis|de)|von meinem|gesendet von|enviado desde|" \
             r"enviado do|inviato da)\b"
#: A line that is a sign-off and nothing else: only then is what follows a signature.
_SIGN_OFF_LINE = re.compile(
    rf"^\s*(?:--\s*|_{{2,}}\s*|{_SENT_FROM}.*|(?:{'|'.join(_SIGN_OFF_WORDS)})[\s,.!]*(?-i:[A-Z][\w'-]*)?[\s,.!]*)$",
    re.IGNORECASE,
)

#: Thanks-words end a message as often as they open one ("Merci.\nRetirez-moi de votre liste."): after
#: one, a signature is only what has no sentence in it.
_GRATITUDE_LINE = re.compile(
    r"^\s*(?:many thanks|thanks(?: a lot)?|thank you|thx|merci(?: beaucoup)?|danke(?: sch[öo]n)?|vielen dank|"
    r"grazie(?: mille)?|(?:muchas )?gracias|obrigad[oa])[\s,.!]*(?-i:[A-Z][\w'-]*)?[\s,.!]*$",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?:\S+\s+){2,}\S*[.!?]\s*$")

_BLOCK_TAGS = frozenset({
    "p", "div", "br", "li", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "pre", "ul", "ol",
    "section", "article", "header", "footer", "td",
})
_SKIPPED_TAGS = frozenset({"script", "style", "head", "title", "template", "noscript"})
_VOID_TAGS = frozenset({"br", "hr", "img", "meta", "link", "input", "col", "area", "base", "wbr", "source"})
#: Containers in which mail clients put the quoted message (Gmail, Yahoo, Thunderbird, Outlook).
_QUOTE_CLASSES = re.compile(r"gmail_quote|yahoo_quoted|moz-cite-prefix")
#: Outlook (desktop, web, mobile) does not wrap the quoted message: its header block starts it and
#: everything after that point is history.
_QUOTE_REST = re.compile(r"divRplyFwdMsg|appendonsend|OutlookMessageHeader|x_divRplyFwdMsg")


class _HtmlToText(HTMLParser):
    """Plain text of an HTML body; quoted blocks come out as ``>`` lines. Iterative, so depth is no risk."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._pieces: list[str] = []
        self._open: list[tuple[str, bool, bool]] = []  # (tag, skipped, quoted)
        self._length = 0
        self._rest_quoted = False

    def _skipping(self) -> bool:
        return any(skipped for _, skipped, _ in self._open)

    def _quoted(self) -> bool:
        return self._rest_quoted or any(quoted for _, _, quoted in self._open)

    def _emit(self, text: str) -> None:
        if self._length < MAX_INPUT_CHARS:
            self._pieces.append(text)
            self._length += len(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        marks = " ".join(value or "" for name, value in attrs if name in ("class", "id", "type"))
        self._rest_quoted = self._rest_quoted or bool(_QUOTE_REST.search(marks))
        quoted = tag == "blockquote" or bool(_QUOTE_CLASSES.search(marks))
        if tag in _BLOCK_TAGS:
            self._emit("\n")
        if tag not in _VOID_TAGS and len(self._open) < 1000:
            self._open.append((tag, tag in _SKIPPED_TAGS, quoted))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                break
        if tag in _BLOCK_TAGS:
            self._emit("\n")

    def handle_data(self, data: str) -> None:
        if self._skipping():
            return
        if self._quoted():
            self._emit("".join(f"> {line}\n" for line in data.splitlines() if line.strip()))
        else:
            self._emit(re.sub(r"[ \t\r\n]+", " ", data))

    def text(self) -> str:
        lines = (line.strip() for line in "".join(self._pieces).splitlines())
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> str:
    """Readable text of an HTML body, quoted blocks as ``>`` lines; at most :data:`MAX_INPUT_CHARS`."""
    parser = _HtmlToText()
    parser.feed(html[: MAX_INPUT_CHARS * 4])
    parser.close()
    return parser.text()[:MAX_INPUT_CHARS]


def _decoded(part: Message) -> str:
    """A text part's content; an unknown or lying charset degrades to replacement characters, not an error."""
    try:
        content = part.get_content() if isinstance(part, EmailMessage) else None
        if isinstance(content, str):
            return content
    except (LookupError, ValueError, AssertionError, UnicodeError):
        pass
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, "replace")
    except LookupError:
        return payload.decode("utf-8", "replace")


def _body_parts(message: Message) -> tuple[Message | None, Message | None]:
    """The first inline text/plain and text/html parts, not looking inside attached or forwarded messages."""
    plain = html = None
    stack: list[Message] = [message]
    seen = 0
    while stack and seen < MAX_PARTS:
        part = stack.pop(0)
        seen += 1
        if part.is_multipart():
            if part.get_content_type() == "message/rfc822":
                continue
            payload = part.get_payload()
            if isinstance(payload, list):
                stack[0:0] = [child for child in payload if isinstance(child, Message)]
            continue
        if str(part.get("Content-Disposition", "")).strip().lower().startswith("attachment"):
            continue
        content_type = part.get_content_type()
        if content_type == "text/plain" and plain is None:
            plain = part
        elif content_type == "text/html" and html is None:
            html = part
    return plain, html


def message_text(message: Message) -> str:
    """The body as text: text/plain when it says something, else the HTML part converted; size-capped."""
    plain, html = _body_parts(message)
    text = _decoded(plain)[:MAX_INPUT_CHARS] if plain is not None else ""
    if not text.strip() and html is not None:
        text = html_to_text(_decoded(html)[: MAX_INPUT_CHARS * 4])
    return text


def _normalized(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u200b", "").replace("\ufeff", "")
    # Yahoo and some webmails indent the quoted history instead of marking it: indentation carries nothing.
    return "\n".join(line.strip() for line in text.split("\n"))


def _without_quoted_lines(text: str) -> str:
    """Lines quoted with ``>`` are someone else's words (also what interleaved answers are set between)."""
    return "\n".join(line for line in text.split("\n") if not line.lstrip().startswith(">"))


def _before_history(text: str) -> str:
    """The text before the first attribution line or header block. A bottom-posted reply (nothing before
    an "On … wrote:" line, whose quote was ``>`` lines already dropped) is the text after that line."""
    match = _HISTORY.search(text)
    if match is None:
        return text
    before = text[: match.start()]
    if before.strip() or not _BOTTOM_POSTED_AFTER.match(match.group()):
        return before
    after = text[match.end():]
    following = _HISTORY.search(after)
    return after[: following.start()] if following else after


def _without_signature(text: str) -> str:
    """Cut at the first line after the first that is nothing but a sign-off ("Best regards,", "-- ",
    "Sent from my iPhone") and is followed by at most :data:`MAX_SIGNATURE_LINES` lines: a sentence that
    merely starts like one ("Thanks, but unsubscribe me") stays, and so does a long text after "Thanks",
    or a sentence after a thanks-line."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if index == 0 or not line.strip() or not _SIGN_OFF_LINE.match(line):
            continue
        rest = [following for following in lines[index + 1:] if following.strip()]
        if _GRATITUDE_LINE.match(line) and any(_SENTENCE.search(following) for following in rest):
            continue
        if len(rest) <= MAX_SIGNATURE_LINES:
            return "\n".join(lines[:index])
    return text


def _wrapped(text: str) -> str:
    """Long lines broken at :data:`MAX_LINE_CHARS`: the library's header patterns are quadratic per line."""
    return "\n".join(
        "\n".join(textwrap.wrap(line, MAX_LINE_CHARS)) if len(line) > MAX_LINE_CHARS else line
        for line in text.split("\n")
    )


def _latest_reply(text: str) -> str:
    """The library's latest reply; nothing when the text starts with a header block (a forward, or a
    bottom-post under an Outlook block, which cannot be told from quoted history: a human reads it)."""
    parsed = EmailReplyParser(languages=list(_LANGUAGES)).read(_wrapped(text[: MAX_VISIBLE_CHARS * 2]))
    if not parsed.replies or parsed.replies[0].headers:
        return ""
    return parsed.replies[0].content


def visible_text_of(text: str) -> str:
    """The new words in a reply's text body (see the module docstring for what is cut and why)."""
    text = _without_quoted_lines(_normalized(text[:MAX_INPUT_CHARS]))
    text = _OUR_FOOTER.sub("", text)
    text = _before_history(text)
    text = _latest_reply(text)
    text = _without_signature(text)
    text = _OUR_FOOTER.sub("", text)
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in text.split("\n")))
    return text.strip()[:MAX_VISIBLE_CHARS]


def visible_text(message: EmailMessage) -> str:
    """The new text the person wrote in ``message``: quoted history and signature stripped, the HTML part
    used when there is no text part, our own footer never included, at most :data:`MAX_VISIBLE_CHARS`."""
    return visible_text_of(message_text(message))
