"""Email templates written by users: sandboxed Jinja2, size-capped, one file holding subject and body.

A template sets its subject with ``{% set subject %}...{% endset %}``; the rest is the body. Files named
``*.md.j2`` are Markdown: the plain-text part is the rendered source and an HTML part is built from it
(user data HTML-escaped and Markdown-escaped there). ``*.txt.j2`` files give a plain-text email only.
"""

from __future__ import annotations

import operator
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
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
)
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from greenroom.errors import GreenroomError
from greenroom.templates import default_templates_dir

MAX_SOURCE_BYTES = 64 * 1024
MAX_OUTPUT_CHARS = 256 * 1024
MAX_SUBJECT_CHARS = 250
MAX_REPEAT = 100_000
TEMPLATE_SUFFIXES = (".md.j2", ".txt.j2")
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


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
    pass


class _SizeLimitedLoader(FileSystemLoader):
    def get_source(self, environment: Any, template: str) -> tuple[str, str, Any]:
        for folder in self.searchpath:
            path = Path(folder) / template
            if path.is_file() and path.stat().st_size > MAX_SOURCE_BYTES:
                raise EmailTemplateError(
                    f"{path}: template is {path.stat().st_size} bytes; the limit is {MAX_SOURCE_BYTES}"
                )
        return super().get_source(environment, template)


class _Environment(ImmutableSandboxedEnvironment):
    """Sandbox that also refuses huge repetitions (``'x' * 10**9``) before they eat the memory."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
        if op == "**" and isinstance(right, int) and abs(right) > 64:
            raise SecurityError("exponent too large")
        if op == "*":
            sizes = [len(x) for x in (left, right) if isinstance(x, str | list | tuple)]
            counts = [x for x in (left, right) if isinstance(x, int)]
            if sizes and counts and sizes[0] * max(counts[0], 0) > MAX_REPEAT:
                raise SecurityError(f"repetition longer than {MAX_REPEAT} characters")
            return operator.mul(left, right)
        return super().call_binop(context, op, left, right)


def _markdown_safe(value: Any) -> Any:
    """User data must stay text in the HTML part: no Markdown links or emphasis injected through a name."""
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return _MARKDOWN_SPECIALS.sub(r"\\\1", value)


class TemplateLibrary:
    """Loads and renders email templates from ``dirs`` (earlier folders win)."""

    def __init__(self, dirs: list[Path], undefined: type = _StrictUndefined) -> None:
        self.dirs = dirs
        loader = _SizeLimitedLoader([str(d) for d in dirs])
        common = dict(loader=loader, undefined=undefined, keep_trailing_newline=True)
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
            html = markdown.markdown(escaped_source, output_format="html")
        return RenderedEmail(subject=subject, text=text, html=html)

    def _load(self, env: _Environment, name: str) -> Template:
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

    def _render(
        self, env: _Environment, name: str, variables: Mapping[str, Any], need_subject: bool
    ) -> tuple[str, str]:
        template = self._load(env, name)
        filename = template.filename or name
        try:
            context = template.new_context(dict(variables))
            body = "".join(_capped(template.root_render_func(context), filename))
            subject = context.get_exported().get("subject")
        except EmailTemplateError:
            raise
        except (TemplateError, SecurityError, TypeError, ValueError, ArithmeticError, LookupError) as error:
            line = _template_line(template)
            problem = error.message if isinstance(error, TemplateError) and error.message else str(error)
            raise EmailTemplateError(f"{filename}:{line}: {problem}") from None
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
        self.sink.append(self._variable_name())
        return False


class LintLibrary(TemplateLibrary):
    """Renders with missing variables recorded instead of raised (``outreach lint``)."""

    def __init__(self, dirs: list[Path]) -> None:
        recorder = type("_Recorder", (_RecordingUndefined,), {"sink": []})
        self._sink: list[str] = recorder.sink
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
