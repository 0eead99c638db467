"""Reading YAML that people write (rundowns, campaigns) without the features that turn a small file huge.

A YAML anchor (``&a``) names a node and an alias (``*a``) repeats it. Nested aliases repeat a value
exponentially ("billion laughs"): a 739 KB rundown expanded to 1.5 GB when walked, so ``livekit check``
said OK and ``livekit run`` died. Hand-written rundowns and campaigns never need them, so the one rule is:
anchors and aliases are refused, at the line where the first one appears, before any value is built. So is
nesting deeper than :data:`greenroom.nesting.MAX_DEPTH` (the composer recurses once per level, and a few
kilobytes of ``[[[[`` ended in RecursionError). Files are also bounded in size before parsing (each caller
names its own limit).
"""

from __future__ import annotations

import yaml
from yaml.events import AliasEvent
from yaml.nodes import Node

from greenroom.nesting import MAX_DEPTH
from greenroom.problems import Problem


class YamlRefusedError(yaml.MarkedYAMLError):
    """The document uses what Greenroom refuses to read (an anchor or alias, runaway nesting);
    ``problem_mark`` is where."""


class YamlAliasError(YamlRefusedError):
    """The document uses an anchor or an alias."""


class YamlDepthError(YamlRefusedError):
    """Lists and mappings nested more than :data:`MAX_DEPTH` deep."""


class NoAliasSafeLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader that stops at the first anchor or alias, or at nesting deeper than
    :data:`MAX_DEPTH` (see the module docstring for why)."""

    _depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None) is not None:
            marker = f"*{event.anchor}" if isinstance(event, AliasEvent) else f"&{event.anchor}"
            raise YamlAliasError(
                problem=f"YAML anchors and aliases ({marker}) are not allowed here: write each value out in full",
                problem_mark=event.start_mark,
            )
        if self._depth >= MAX_DEPTH:
            raise YamlDepthError(
                problem=f"lists or mappings are nested inside each other more than {MAX_DEPTH} levels deep; "
                        "no Greenroom file needs that many",
                problem_mark=event.start_mark,
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def alias_problem(error: YamlRefusedError, source: str) -> Problem:
    """The ``file:line`` problem for a refused anchor, alias or runaway nesting."""
    mark = error.problem_mark
    return Problem(source, None if mark is None else mark.line + 1, str(error.problem))


def size_problem(text: str, source: str, limit: int, what: str) -> Problem | None:
    """A problem when ``text`` is longer than ``limit`` characters (checked before any parsing)."""
    if len(text) <= limit:
        return None
    return Problem(source, None, f"the file is {len(text):,} characters long; a {what} is limited to {limit:,}")
