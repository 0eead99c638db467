"""Documents nested deeper than any real one, e.g. ``[[[[...`` thousands of levels: refused with a line.

Hand-written rundowns, campaigns and settings, and the JSON that spreadsheets and CRMs export, nest a few
levels. The parsers recurse once per level or more: PyYAML's composer, Python's TOML reader and its JSON
decoder all stop with ``RecursionError`` somewhere near a thousand levels, which reached users as
"unexpected failure" instead of a message naming the file. YAML is limited while it is composed, at
:data:`MAX_DEPTH` levels, with the line from the parser (:mod:`greenroom.yaml_guard`); for TOML and JSON the
parser's own limit is caught and :func:`line_too_deep` names the line where the nesting runs away.
"""

from __future__ import annotations

import re
from pathlib import Path

#: Levels of lists and mappings inside each other that a document may use.
MAX_DEPTH = 100

# A double-quoted string (JSON, TOML basic string: brackets inside do not count), a bracket, or a line end.
_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[\[\]{}\n]')


def line_too_deep(text: str, limit: int = MAX_DEPTH) -> int:
    """The line where brackets (``[`` and ``{`` outside double-quoted strings) first stand more than
    ``limit`` deep; 1 when they never do (the parser gave up earlier, on something this count missed)."""
    depth, line = 0, 1
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token == "\n":
            line += 1
        elif token in "[{":
            depth += 1
            if depth > limit:
                return line
        elif token in "]}":
            depth = max(depth - 1, 0)
    return 1


def too_deep(path: Path | str, text: str) -> str:
    """``FILE line N: ...`` for a document its parser could not follow to the bottom."""
    return too_deep_at(path, line_too_deep(text))


def too_deep_at(path: Path | str, line: int) -> str:
    """The same message when the line is already known (a streaming parser counts the depth itself)."""
    return (f"{path} line {line}: lists or tables are nested inside each other more than "
            f"{MAX_DEPTH} levels deep; no Greenroom file needs that many")
