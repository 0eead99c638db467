"""Making text that strangers wrote safe for where it goes: a terminal, a spreadsheet, a Markdown page.

Guest names and notes, rundown titles, influencer names and OBS scene names are user data. Printed raw,
an escape sequence in a note can recolour or clear the producer's terminal, ``=HYPERLINK(...)`` runs as a
formula when a CSV export is opened, and ``|`` or ``[x](y)`` breaks a Markdown table or plants a link.
Each function here is the project's one rule for one destination; all are pure.
"""

from __future__ import annotations

import re
from typing import Any

# C0 controls except tab and newline, DEL, C1 controls (ESC starts ANSI sequences; CSI is \x9b), and the
# bidirectional overrides that make text display in a different order than it reads (Trojan Source).
_TERMINAL_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """``text`` with control characters shown as escapes (ESC becomes the four characters ``\\x1b``).

    The sequence is made visible rather than dropped, so what the user typed can still be recognised and
    fixed. Tabs and newlines are kept: tables and multi-line messages use them.
    """
    return _TERMINAL_UNSAFE.sub(_visible, text)


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


#: A cell starting with one of these is run as a formula by Excel, LibreOffice and Google Sheets.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading ``'`` (OWASP CSV injection); other values
    (numbers, None) are returned unchanged, so ``-3`` stays a number while the text ``=cmd`` becomes ``'=cmd``."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]|])")
_BLOCK_START = re.compile(r"^([#+-]|\d+(?=[.)]))")


def markdown_escape(text: str) -> str:
    """``text`` as literal Markdown inline text: safe in a table cell, a heading or a paragraph.

    The one rule: whitespace runs (newlines included) become one space, since a newline ends a table row
    or starts a block; ``\\ ` * _ [ ] |`` get a backslash (no emphasis, code, links or extra table
    columns); ``<`` and ``>`` become ``&lt;`` ``&gt;`` (no HTML or autolinks; every Markdown renderer reads
    the entities, not every one reads ``\\<``); a leading ``#``, ``+``, ``-`` or ``1.`` is escaped so the
    text cannot become a heading or a list. Nothing else is touched: ``Q&A``, ``(live)`` and ``v1.2!``
    print as typed.
    """
    flat = " ".join(text.split())
    escaped = _MARKDOWN_PUNCTUATION.sub(r"\\\1", flat).replace("<", "&lt;").replace(">", "&gt;")
    return _BLOCK_START.sub(_escape_block_start, escaped, count=1)


def _escape_block_start(match: re.Match[str]) -> str:
    marker = match.group()
    return "\\" + marker if not marker.isdigit() else marker + "\\"
