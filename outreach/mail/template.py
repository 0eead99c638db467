"""Email templates written by users: sandboxed Jinja2, size-capped, one file holding subject and body.

A template sets its subject with ``{% set subject %}...{% endset %}``; the rest is the body. Files named
``*.md.j2`` are Markdown: the plain-text part is the rendered source and an HTML part is built from it
(user data HTML-escaped and Markdown-escaped there). ``*.txt.j2`` files give a plain-text email only.
"""

from __future__ import annotations

import functools
import operator
import re
import sys
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from string import Formatter
from typing import Any

import markdown
from jinja2 import (
    ChainableUndefined,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    Undefined,
    nodes,
    pass_environment,
)
from jinja2.compiler import CodeGenerator, Frame, operators, optimizeconst
from jinja2.exceptions import SecurityError
from jinja2.filters import make_attrgetter
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Namespace
from markupsafe import Markup, escape

from greenroom.errors import GreenroomError
from greenroom.templates import default_templates_dir
from greenroom.text import markdown_escape

MAX_SOURCE_BYTES = 64 * 1024
MAX_OUTPUT_CHARS = 256 * 1024
MAX_SUBJECT_CHARS = 250
MAX_REPEAT = 100_000
TEMPLATE_SUFFIXES = (".md.j2", ".txt.j2")


class EmailTemplateError(GreenroomError):
    """A template cannot be loaded or rendered; the message names the file and line."""


class Record(dict):
    """Template data (``influencer``, ``owner``...) that knows its own name for error messages."""

    def __init__(self, label: str, values: Mapping[str, Any]) -> None:
        super().__init__(values)
        self._greenroom_label = label


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str | None


def template_dirs(workspace_root: Path | None) -> list[Path]:
    """Where email templates are looked up: the workspace's own first, then Greenroom's defaults."""
    dirs = [workspace_root / "templates" / "email"] if workspace_root else []
    return [*dirs, default_templates_dir() / "email"]


class _Labelled:
    """Undefined values that say ``influencer.nickname`` rather than ``'dict object' has no attribute``."""

    _undefined_obj: Any
    _undefined_name: Any
    _undefined_hint: str | None

    def _variable_name(self) -> str:
        owner = self._undefined_obj
        label = getattr(owner, "_greenroom_label", None)
        if owner is None or type(owner).__name__ == "_MissingType":
            return str(self._undefined_name)
        if label:
            return f"{label}.{self._undefined_name}"
        return str(self._undefined_name)

    @property
    def _undefined_message(self) -> str:
        if self._undefined_hint:
            return self._undefined_hint
        return f"{self._variable_name()} is undefined"


class _StrictUndefined(_Labelled, StrictUndefined):
    """A missing variable fails as soon as it is printed, iterated or looked into, but may be tested as in
    stock Jinja: ``x | default("y")``, ``x is defined`` and ``x or "y"`` (it is false) all work."""

    def __bool__(self) -> bool:  # type: ignore[override]  # StrictUndefined's raises; stock Jinja's is False
        return False


class _SizeLimitedLoader(FileSystemLoader):
    def get_source(self, environment: Any, template: str) -> tuple[str, str, Any]:
        for folder in self.searchpath:
            path = Path(folder) / template
            if path.is_file() and path.stat().st_size > MAX_SOURCE_BYTES:
                raise EmailTemplateError(
                    f"{path}: template is {path.stat().st_size} bytes; the limit is {MAX_SOURCE_BYTES}"
                )
        return super().get_source(environment, template)


# ------------------------------------------------------------------------------ resource limits
#
# A template is code written by a user. Besides the sandbox (no Python internals), every way a template can
# grow a value is metered against a per-render budget, and each value it builds is capped, *before* the
# value is built: concatenation (``~``, ``+``), repetition (``*``), ``%`` and ``str.format`` widths,
# growing filters (center, indent, wordwrap, join, replace, format, batch, slice) and string methods
# (center, ljust, rjust, zfill, expandtabs, join, replace, translate). Every printed piece, every copy made
# by a filter, method or slice, and every loop step is charged too, so no sequence of small steps (a
# thousand variables, nested loops, ``{% set %}`` blocks) can add up to more than MAX_RENDER_WORK.
#
# Sizes are *deep* (:func:`_text_size`): ``[[1] * 20000] * 5000`` holds one list 5,000 times, cheap in
# memory but 100 million items to anything that walks it. So two rules hold together:
# - every value a template builds (list, tuple and dict literals, ``+``, ``*``, slices, and the result of
#   every filter, test and call) is charged its deep size, so nothing reachable is bigger than the budget;
# - every operation that may walk its operands (every filter, every test, every call of a function or
#   method, every comparison, every lookup by a non-text key) is charged their deep sizes *before* it runs,
#   so a loop cannot walk a big value again and again for one loop step each.
# The few operations whose work is not linear in those sizes have their own model, charged first: ``sum``
# (adds step by step, each addition charged like ``+``), ``striptags`` (copies the text once per tag) and
# ``round`` (computes 10 ** precision). Bytes are not available (``str.encode``, ``int.to_bytes``): nothing
# in an email needs them and they would need every rule twice.

#: No single value a template builds may be longer than a whole email.
MAX_VALUE_CHARS = MAX_OUTPUT_CHARS
#: Characters built plus loop steps, per render: bounds both memory and time.
MAX_RENDER_WORK = 2_000_000
#: Widest field in ``%`` or ``str.format`` formatting.
MAX_FORMAT_WIDTH = 1000
#: Biggest integer a template may compute (``**`` and ``*`` on numbers).
MAX_INT_BITS = 4096
_STEP_FILTER = "_greenroom_step"
_REFUSED_METHODS = frozenset({"encode", "to_bytes"})
_NOTHING_TO_WALK = (int, float, type(None), Undefined)
_DROPPED_FILTERS = frozenset({"urlize"})  # target/rel repeated for every link: an amplifier, useless in email
_STRINGIFYING_FILTERS = frozenset({
    "capitalize", "center", "e", "escape", "forceescape", "format", "indent", "lower", "pprint", "replace",
    "safe", "string", "striptags", "title", "tojson", "trim", "truncate", "upper", "urlencode", "wordcount",
    "wordwrap", "xmlattr",
})
_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[a-zA-Z%]")


class _Budget:
    __slots__ = ("left",)

    def __init__(self, units: int) -> None:
        self.left = units


_BUDGET: ContextVar[_Budget | None] = ContextVar("email_template_budget", default=None)


def _charge(units: int) -> None:
    budget = _BUDGET.get()
    if budget is None:  # compile-time constant folding: only the per-value cap applies
        return
    budget.left -= units
    if budget.left < 0:
        raise SecurityError(f"template does too much work (more than {MAX_RENDER_WORK:,} characters built "
                            "or loop steps)")


def _allow(length: int, what: str) -> None:
    """Refuse to build ``what`` when it would exceed MAX_VALUE_CHARS; charge it otherwise."""
    if length > MAX_VALUE_CHARS:
        raise SecurityError(f"{what} would be {length:,} characters long; the limit is {MAX_VALUE_CHARS:,}")
    _charge(length)


def _text_size(value: Any, limit: int = MAX_VALUE_CHARS) -> int:
    """About how long ``str(value)`` is, without building it; counting stops once past ``limit``."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, Undefined):  # never iterated or turned into text here: `default` must see it intact
        return 9
    if isinstance(value, Namespace):
        value = value._Namespace__attrs
    if isinstance(value, Mapping):
        total = 2
        for key, item in value.items():
            total += _text_size(key, limit - total) + _text_size(item, limit - total) + 4
            if total > limit:
                break
        return total
    if isinstance(value, Collection) and not isinstance(value, bytes | range):  # lists, sets, dict views...
        total = 2
        for item in value:
            total += _text_size(item, limit - total) + 2
            if total > limit:
                break
        return total
    if isinstance(value, int) and not isinstance(value, bool):
        return value.bit_length() // 3 + 2
    return 64


def _metered_str(value: Any) -> str:
    """``str(value)``, charged (and capped) on its size *before* it is built: the one way guard code turns
    a template's value into text. ``str()`` of a list holding a 100,000-item list 100,000 times is 30 GB."""
    if not isinstance(value, str):
        _allow(_text_size(value), f"text of a {type(value).__name__}")
    return str(value)


def _format_fields(widths: list[str], what: str) -> None:
    for width in widths:
        if width == "*" or "{" in width:
            raise SecurityError(f"{what}: computed field widths are not allowed")
        if width and int(width) > MAX_FORMAT_WIDTH:
            raise SecurityError(f"{what}: field width {width} is over the limit of {MAX_FORMAT_WIDTH}")


def _formatted_size(text: str, fields: int, values: list[Any]) -> int:
    biggest = max((_text_size(v) for v in values), default=0)
    return len(text) + fields * (biggest + MAX_FORMAT_WIDTH)


def _check_percent(text: str, args: Any) -> None:
    """``text % args``: widths bounded, and the result's worst-case size allowed, before formatting."""
    found = _PERCENT_FIELD.findall(text)
    _format_fields([w for pair in found for w in pair], "% formatting")
    values = list(args.values()) if isinstance(args, Mapping) else list(args) if isinstance(args, tuple) else [args]
    _allow(_formatted_size(text, len(found), values), "formatted text")


def _check_format(text: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    """``text.format(...)``: the same bounds as ``%``."""
    fields = [(spec or "") for _, field, spec, _ in Formatter().parse(text) if field is not None]
    _format_fields([w for spec in fields for w in re.findall(r"\d+|\{", spec)], "str.format")
    values = [*args, *(kwargs.values())]
    if len(args) == 1 and isinstance(args[0], Mapping):
        values += list(args[0].values())  # format_map
    _allow(_formatted_size(text, len(fields), values), "formatted text")


def _count_steps(iterable: Any) -> Iterator[Any]:
    """Every ``{% for %}`` iterates through this: each step is charged, so nested loops cannot run forever."""
    for item in iterable:
        _charge(1)
        yield item


def _charge_sizes(values: Iterable[Any]) -> None:
    """Charge the deep size of each value, before an operation that may walk it; counting stops once the
    budget is spent, so measuring costs no more than the budget it charges."""
    budget = _BUDGET.get()
    if budget is None:
        return
    for value in values:
        if isinstance(value, str | range):  # a range is short as text, but ``max`` walks every number
            budget.left -= len(value)
        elif not isinstance(value, _NOTHING_TO_WALK):
            budget.left -= _text_size(value, budget.left + 1)
    _charge(0)  # raises once the budget is spent


def _charged_items(items: Iterator[Any]) -> Iterator[Any]:
    for item in items:
        _charge(1)
        _charge_sizes((item,))
        yield item


def _charge_result(result: Any) -> Any:
    """A value an operation built is charged its deep size (an iterator: each item as it comes)."""
    if isinstance(result, bytes | bytearray):
        raise SecurityError("bytes are not available in templates")
    if isinstance(result, Iterator):
        return _charged_items(result)
    _charge_sizes((result,))
    return result


def _work(name: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> int:
    """Work filter ``name`` does beyond walking its arguments once, for the filters where that is more."""
    if name == "striptags" and args:
        text = _metered_str(args[0])
        return len(text) * (text.count("<") + 1)  # markupsafe copies the whole text once per tag removed
    if name == "round":
        precision = args[1] if len(args) > 1 else kwargs.get("precision", 0)
        return abs(precision) if isinstance(precision, int) else 0  # floor/ceil compute 10 ** precision
    return 0


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _growth(name: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> int | None:
    """Worst-case size of what filter ``name`` builds from ``args`` (the value first), or None if it only
    copies or shrinks its input."""
    def arg(index: int, key: str, default: Any) -> Any:
        return args[index] if len(args) > index else kwargs.get(key, default)

    if name not in ("center", "indent", "wordwrap", "replace", "batch", "slice"):
        return None  # default, first, length...: nothing built, and no str() of an undefined value
    text = _metered_str(args[0]) if args and name not in ("batch", "slice") else ""
    if name == "center":
        return max(len(text), _int(arg(1, "width", 80), 0))
    if name == "indent":
        width = arg(1, "width", 4)
        per_line = len(width) if isinstance(width, str) else _int(width, 0)
        return len(text) + (text.count("\n") + 1) * max(per_line, 0)
    if name == "wordwrap":
        lines = len(text) // max(_int(arg(1, "width", 79), 1), 1) + text.count("\n") + 1
        return len(text) + lines * len(_metered_str(arg(3, "wrapstring", None) or "\n"))
    if name == "replace":
        old, new, count = _metered_str(arg(1, "old", "")), _metered_str(arg(2, "new", "")), arg(3, "count", None)
        hits = text.count(old) if old else len(text) + 1
        if isinstance(count, int) and count >= 0:
            hits = min(hits, count)
        return len(text) + hits * max(len(new) - len(old), 0)
    if name in ("batch", "slice"):
        return _int(arg(1, "linecount" if name == "batch" else "slices", 0), 0)
    return None


class _MeteredCodeGenerator(CodeGenerator):
    """Compiles templates so that every printed piece and every ``~`` goes through the environment's meter."""

    def _output_const_repr(self, group: Iterable[Any]) -> str:
        return f"environment.metered_text({super()._output_const_repr(group)})"

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        super()._output_child_pre(node, frame, finalize)
        self.write("environment.metered_value(")

    def _output_child_post(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        self.write(")")
        super()._output_child_post(node, frame, finalize)

    def visit_Getitem(self, node: nodes.Getitem, frame: Frame) -> None:
        if not isinstance(node.arg, nodes.Slice):  # jinja compiles slices to plain Python: meter them
            super().visit_Getitem(node, frame)
            return
        self.write("environment.metered_slice(")
        self.visit(node.node, frame)
        self.write(", slice(")
        for index, part in enumerate((node.arg.start, node.arg.stop, node.arg.step)):
            self.write(", " if index else "")
            if part is None:
                self.write("None")
            else:
                self.visit(part, frame)
        self.write("))")

    def visit_List(self, node: nodes.List, frame: Frame) -> None:
        self.write("environment.built(")
        super().visit_List(node, frame)
        self.write(")")

    def visit_Tuple(self, node: nodes.Tuple, frame: Frame) -> None:
        if node.ctx != "load":  # ``{% for a, b in ... %}``: a target, not a value
            super().visit_Tuple(node, frame)
            return
        self.write("environment.built(")
        super().visit_Tuple(node, frame)
        self.write(")")

    def visit_Dict(self, node: nodes.Dict, frame: Frame) -> None:
        self.write("environment.built(")
        super().visit_Dict(node, frame)
        self.write(")")

    @optimizeconst
    def visit_Compare(self, node: nodes.Compare, frame: Frame) -> None:
        self.write("(environment.compared(")
        self.visit(node.expr, frame)
        self.write(")")
        for operand in node.ops:
            self.visit(operand, frame)
        self.write(")")

    def visit_Operand(self, node: nodes.Operand, frame: Frame) -> None:
        self.write(f" {operators[node.op]} environment.compared(")
        self.visit(node.expr, frame)
        self.write(")")

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        if frame.eval_ctx.volatile:
            join = "(markup_join if context.eval_ctx.volatile else str_join)"
        else:
            join = "markup_join" if frame.eval_ctx.autoescape else "str_join"
        self.write(f"environment.metered_concat({join}, (")
        for item in node.nodes:
            self.visit(item, frame)
            self.write(", ")
        self.write("))")


class _Environment(ImmutableSandboxedEnvironment):
    """The sandbox, with every way of growing a value metered and capped (see the section comment above)."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    code_generator_class = _MeteredCodeGenerator

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals.pop("lipsum", None)  # lipsum(n=10**9) builds n paragraphs
        filters = {**self.filters, "sum": self._metered_sum}
        self.filters = {name: self._guarded(name, func) for name, func in filters.items()
                        if name not in _DROPPED_FILTERS}
        self.filters[_STEP_FILTER] = _count_steps
        self.tests = {name: self._guarded_test(func) for name, func in self.tests.items()}

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Filter(loop.iter, _STEP_FILTER, [], [], None, None, lineno=loop.lineno)
        return tree

    def _guarded(self, name: str, func: Any) -> Any:
        skip = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0
        stringifies = name in _STRINGIFYING_FILTERS

        @functools.wraps(func)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            values = args[skip:]
            _charge_sizes(values)
            _charge_sizes(kwargs.values())
            _charge(_work(name, values, kwargs))
            if values and stringifies and not isinstance(values[0], str):
                _allow(_text_size(values[0]), f"|{name} of a {type(values[0]).__name__}")
            if name == "join" and values:
                items = list(values[0])
                attribute = values[2] if len(values) > 2 else kwargs.get("attribute")
                if attribute is not None:
                    items = list(map(make_attrgetter(self, attribute), items))
                    kwargs.pop("attribute", None)
                    values = values[:2]
                separator = _metered_str(values[1] if len(values) > 1 else kwargs.get("d", ""))
                _allow(sum(_text_size(item) for item in items) + len(separator) * max(len(items) - 1, 0),
                       "|join")
                args = (*args[:skip], items, *values[1:])
            elif name == "format" and values:
                _check_percent(_metered_str(values[0]), kwargs or tuple(values[1:]))
            elif values:
                size = _growth(name, values, kwargs)
                if size is not None:
                    _allow(size, f"|{name}")
            return _charge_result(func(*args, **kwargs))

        return guarded

    @staticmethod
    def _guarded_test(func: Any) -> Any:
        skip = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0

        @functools.wraps(func)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            _charge_sizes(args[skip:])
            _charge_sizes(kwargs.values())
            return func(*args, **kwargs)

        return guarded

    @pass_environment
    def _metered_sum(self, environment: Any, iterable: Any, attribute: Any = None, start: Any = 0) -> Any:
        """Jinja's ``sum``, but text, lists and tuples are added one at a time through ``+``, each addition
        charged: ``sum(start=[])`` of 5,000 lists copies a growing list 5,000 times."""
        if attribute is not None:
            iterable = map(make_attrgetter(environment, attribute), iterable)
        items = list(_charged_items(iter(iterable)))
        sum((), start)  # Python's checks of ``start`` (no text: "use ''.join(seq) instead"), as stock Jinja
        if isinstance(start, int | float) and all(isinstance(item, int | float) for item in items):
            return sum(items, start)  # numbers: Python's own sum, exactly as stock Jinja
        total = start
        for item in items:
            total = self.call_binop(None, "+", total, item)
        return total

    def built(self, value: Any) -> Any:
        """A list, tuple or dict literal: charged its deep size (``[x, x]`` is twice ``x``)."""
        _charge_sizes((value,))
        return value

    def compared(self, value: Any) -> Any:
        """An operand of ``==``, ``<``, ``in``...: comparing walks it."""
        _charge_sizes((value,))
        return value

    def getitem(self, obj: Any, argument: Any) -> Any:
        if not isinstance(argument, str | int | slice):  # a tuple key is hashed item by item
            _charge_sizes((argument,))
        return super().getitem(obj, argument)

    def metered_text(self, text: str) -> str:
        _charge(len(text))
        return text

    def metered_value(self, value: Any) -> Any:
        if isinstance(value, str):
            _charge(len(value))
        else:
            _allow(_text_size(value), f"printed {type(value).__name__}")
        return value

    def metered_concat(self, join: Any, parts: tuple[Any, ...]) -> str:
        _allow(sum(_text_size(part) for part in parts), "text joined with ~")
        return join(parts)

    def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
        if op == "**":
            if isinstance(right, int) and abs(right) > 64:
                raise SecurityError("exponent too large")
            if isinstance(left, int) and isinstance(right, int) and left.bit_length() * max(right, 0) > MAX_INT_BITS:
                raise SecurityError(f"number larger than {MAX_INT_BITS} bits")
            return left**right
        if op == "*":
            sequences = [x for x in (left, right) if isinstance(x, str | list | tuple)]
            counts = [x for x in (left, right) if isinstance(x, int)]
            if sequences and counts:
                times = max(counts[0], 0)
                length = len(sequences[0]) * times
                if length > MAX_REPEAT:
                    raise SecurityError(f"repetition longer than {MAX_REPEAT} characters")
                _charge(length)
                if not isinstance(sequences[0], str):  # [[1] * 20000] * 5000: 100 million items deep
                    budget = _BUDGET.get()
                    limit = budget.left // max(times, 1) + 1 if budget else MAX_VALUE_CHARS
                    _charge(_text_size(sequences[0], limit) * times)
            elif len(counts) == 2 and left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise SecurityError(f"number larger than {MAX_INT_BITS} bits")
            return operator.mul(left, right)
        if op == "+":
            if isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple):
                _allow(len(left) + len(right), "text joined with +")
                if not isinstance(left, str):
                    _charge_sizes((left, right))
            return operator.add(left, right)
        if op == "%" and isinstance(left, str):
            _check_percent(left, right)
            return operator.mod(left, right)
        return super().call_binop(context, op, left, right)

    def metered_slice(self, obj: Any, part: slice) -> Any:
        value = obj[part]
        if isinstance(value, str | list | tuple):
            _charge_sizes((value,))
        return value

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        formatter = super().wrap_str_format(value)
        if formatter is None:
            return None
        text = value.__self__

        def checked(*args: Any, **kwargs: Any) -> str:
            _check_format(text, args, kwargs)
            return formatter(*args, **kwargs)

        return checked

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - jinja's signature
        owner = getattr(__obj, "__self__", None)
        name = getattr(__obj, "__name__", "")
        if name in _REFUSED_METHODS and isinstance(owner, str | int):
            raise SecurityError(f"{type(owner).__name__}.{name} is not available in templates (bytes)")
        if isinstance(owner, str | list | tuple | Mapping):
            _charge_sizes((owner,))
        _charge_sizes(args)
        _charge_sizes(kwargs.values())
        if isinstance(owner, str):
            if name == "join" and args:
                items = list(args[0])
                _allow(sum(_text_size(i) for i in items) + len(owner) * max(len(items) - 1, 0), "str.join")
                args = (items, *args[1:])
            elif name in ("center", "ljust", "rjust", "zfill"):
                _allow(max(len(owner), _int(args[0] if args else kwargs.get("width"), 0)), f"str.{name}")
            elif name == "expandtabs":
                tab = _int(args[0] if args else kwargs.get("tabsize", 8), 8)
                _allow(len(owner) + owner.count("\t") * max(tab, 0), "str.expandtabs")
            elif name == "replace":
                _allow(_growth("replace", (owner, *args), kwargs) or 0, "str.replace")
            elif name == "translate" and args and isinstance(args[0], Mapping):
                longest = max((_text_size(v) for v in args[0].values()), default=1)
                _allow(len(owner) * max(longest, 1), "str.translate")
        return _charge_result(super().call(__context, __obj, *args, **kwargs))


def _markdown_safe(value: Any) -> Any:
    """User data must stay text in the HTML part: no HTML, Markdown links or emphasis injected through a name.

    HTML-escaped first (as autoescape would, quotes included), then escaped by the project's one Markdown
    rule (:func:`greenroom.text.markdown_escape`); marked safe so autoescape does not escape it twice.
    """
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return Markup(markdown_escape(str(escape(value))))


_converters = threading.local()


def _markdown_to_html(source: str) -> str:
    """Python-Markdown reads ``\\|`` as a literal pipe only with its tables extension; our escaper writes
    it for table cells, so teach the plain converter too (no tables are enabled in emails).

    One converter per thread, reset before each email as Python-Markdown documents for reuse: building
    one (its parser, patterns and regexes) cost more than converting an email with it.
    """
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = _converters.markdown = markdown.Markdown(output_format="html")
        converter.ESCAPED_CHARS = [*converter.ESCAPED_CHARS, "|"]
    return str(converter.reset().convert(source))


class TemplateLibrary:
    """Loads and renders email templates from ``dirs`` (earlier folders win)."""

    def __init__(self, dirs: list[Path], undefined: type = _StrictUndefined) -> None:
        self.dirs = dirs
        loader = _SizeLimitedLoader([str(d) for d in dirs])
        # auto_reload off: a library lives for one tick or one command, so a template need not be stat()ed
        # again before every email it renders.
        common = dict(loader=loader, undefined=undefined, keep_trailing_newline=True, auto_reload=False)
        self._text_env = _Environment(autoescape=False, **common)
        self._html_env = _Environment(autoescape=True, finalize=_markdown_safe, **common)

    def path_of(self, name: str) -> Path:
        for folder in self.dirs:
            if (folder / name).is_file():
                return folder / name
        raise EmailTemplateError(
            f"email template {name!r} not found in {' or '.join(str(d) for d in self.dirs)}"
        )

    def check(self, name: str) -> None:
        """Load and compile ``name`` now, so syntax errors surface before anything is sent."""
        self._load(self._text_env, name)

    def render(self, name: str, variables: Mapping[str, Any], *, need_subject: bool = True) -> RenderedEmail:
        """Render subject, text and (for Markdown) HTML; any problem names the template file and line.

        Follow-ups reuse the first email's subject (threading), so their templates may omit it.
        """
        if not name.endswith(TEMPLATE_SUFFIXES):
            raise EmailTemplateError(f"email template {name!r} must end with .md.j2 or .txt.j2")
        subject, text = self._render(self._text_env, name, variables, need_subject)
        html = None
        if name.endswith(".md.j2"):
            _, escaped_source = self._render(self._html_env, name, variables, need_subject)
            html = _markdown_to_html(escaped_source)
        return RenderedEmail(subject=subject, text=text, html=html)

    def _load(self, env: _Environment, name: str) -> Template:
        budget = _BUDGET.set(_Budget(MAX_RENDER_WORK))  # constant folding runs filters while compiling
        try:
            return env.get_template(name)
        except TemplateNotFound:
            raise EmailTemplateError(
                f"email template {name!r} not found in {' or '.join(str(d) for d in self.dirs)}"
            ) from None
        except TemplateSyntaxError as error:
            raise EmailTemplateError(f"{error.filename or name}:{error.lineno}: {error.message}") from None
        except UnicodeDecodeError as error:
            line = error.object[:error.start].count(b"\n") + 1
            raise EmailTemplateError(
                f"{self.path_of(name)}:{line}: not UTF-8 (byte 0x{error.object[error.start]:02x}); "
                "save the template as UTF-8"
            ) from None
        except OSError as error:
            raise EmailTemplateError(f"email template {name!r} cannot be read: {error}") from None
        finally:
            _BUDGET.reset(budget)

    def _render(
        self, env: _Environment, name: str, variables: Mapping[str, Any], need_subject: bool
    ) -> tuple[str, str]:
        template = self._load(env, name)
        filename = template.filename or name
        budget = _BUDGET.set(_Budget(MAX_RENDER_WORK))
        try:
            context = template.new_context(dict(variables))
            body = "".join(_capped(template.root_render_func(context), filename))
            subject = context.get_exported().get("subject")
        except EmailTemplateError:
            raise
        except (TemplateError, SecurityError, TypeError, ValueError, ArithmeticError, LookupError,
                RecursionError) as error:
            line = _template_line(template)
            problem = error.message if isinstance(error, TemplateError) and error.message else str(error)
            raise EmailTemplateError(f"{filename}:{line}: {problem}") from None
        finally:
            _BUDGET.reset(budget)
        if subject is None and not need_subject:
            return "", body.strip("\n") + "\n"
        if subject is None:
            raise EmailTemplateError(f"{filename}: sets no subject (add {{% set subject %}}...{{% endset %}})")
        subject = str(subject).strip()
        if len(subject) > MAX_SUBJECT_CHARS:
            raise EmailTemplateError(f"{filename}: subject longer than {MAX_SUBJECT_CHARS} characters")
        if not subject:
            raise EmailTemplateError(f"{filename}: subject renders empty")
        return subject, body.strip("\n") + "\n"


def _capped(chunks: Iterator[str], filename: str) -> Iterator[str]:
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > MAX_OUTPUT_CHARS:
            raise EmailTemplateError(f"{filename}: rendered output exceeds {MAX_OUTPUT_CHARS} characters")
        yield chunk


def _template_line(template: Template) -> int | str:
    """The template line being rendered when the error was raised, from the compiled code's line map."""
    line: int | str = "?"
    traceback = sys.exc_info()[2]
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == template.filename:
            line = template.get_corresponding_lineno(traceback.tb_lineno)
        traceback = traceback.tb_next
    return line


class _RecordingUndefined(_Labelled, ChainableUndefined):
    """Lint mode: note every missing variable and keep rendering, to list them all at once."""

    sink: list[str] = []

    def __str__(self) -> str:
        self.sink.append(self._variable_name())
        return ""

    def __iter__(self) -> Iterator[Any]:
        self.sink.append(self._variable_name())
        return iter(())

    def __bool__(self) -> bool:
        return False  # ``x or "y"``, ``{% if x %}``: the template handles the missing value itself


class LintLibrary(TemplateLibrary):
    """Renders with missing variables recorded instead of raised (``outreach lint``)."""

    def __init__(self, dirs: list[Path]) -> None:
        self._sink: list[str] = []
        recorder = type("_Recorder", (_RecordingUndefined,), {"sink": self._sink})
        super().__init__(dirs, undefined=recorder)

    def missing_variables(self, name: str, variables: Mapping[str, Any], *, need_subject: bool = True) -> list[str]:
        """Every variable the template uses that ``variables`` lacks, in first-use order."""
        self._sink.clear()
        try:
            self.render(name, variables, need_subject=need_subject)
        except EmailTemplateError as error:
            if "subject renders empty" not in str(error):
                raise
        return list(dict.fromkeys(self._sink))
