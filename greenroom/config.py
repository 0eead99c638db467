"""Typed access to ``greenroom.toml``: every bad or missing value is reported with its key and file."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from greenroom.errors import ConfigError, GreenroomError
from greenroom.files import FileReadError, read_text_bounded
from greenroom.nesting import too_deep

T = TypeVar("T")
#: greenroom.toml and the secrets file are a page each; a file this long is a mistake (or a link to a device).
MAX_TOML_BYTES = 1_000_000
_MISSING: Any = object()
_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false", list: "a list"}


def load_toml(path: Path, what: str, error: type[GreenroomError]) -> dict[str, Any]:
    """A workspace TOML file (``what``: "settings", "secrets") read within :data:`MAX_TOML_BYTES`; every
    problem (not a regular file, too long, not TOML, nested past what the parser follows) is an ``error``
    naming the file."""
    try:
        text = read_text_bounded(path, MAX_TOML_BYTES, what)
        return tomllib.loads(text)
    except FileReadError as problem:
        raise error(str(problem)) from None
    except tomllib.TOMLDecodeError as problem:
        raise error(f"{path}: not valid TOML: {problem}") from None
    except RecursionError:
        raise error(too_deep(path, text)) from None


@dataclass
class Config:
    """Settings read from one TOML file; an absent file behaves as an empty one so defaults apply."""

    path: Path
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Config:
        if not path.exists():
            return cls(path)
        return cls(path, load_toml(path, "settings", ConfigError))

    def section(self, name: str) -> dict[str, Any]:
        value = self.data.get(name, {})
        if not isinstance(value, dict):
            raise ConfigError(f"{self.path}: [{name}] must be a table of settings")
        return value

    def has(self, section: str, key: str) -> bool:
        return key in self.section(section)

    def get(self, section: str, key: str, kind: type[T], default: T = _MISSING) -> T:
        """Return ``[section] key`` as ``kind``; a missing key without default is an error naming both."""
        values = self.section(section)
        if key not in values:
            if default is _MISSING:
                raise ConfigError(f"{self.path}: missing setting [{section}] {key}")
            return default
        value = values[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            expected = _TYPE_NAMES.get(kind, kind.__name__)
            raise ConfigError(f"{self.path}: [{section}] {key} must be {expected}, got {value!r}")
        return value

    def choice(self, section: str, key: str, choices: tuple[str, ...], default: str) -> str:
        value = self.get(section, key, str, default)
        if value not in choices:
            raise ConfigError(
                f"{self.path}: [{section}] {key} must be one of {', '.join(choices)}, got {value!r}"
            )
        return value

    def named_tables(self, section: str, key_pattern: re.Pattern[str], key_rule: str,
                     fields: tuple[str, ...]) -> list[tuple[str, dict[str, Any]]]:
        """The ``[section.KEY]`` tables (team members, mailboxes), each checked the same way: a key of the
        form ``key_pattern`` (else ``key_rule`` says what a key may be), a table, only known ``fields``."""
        tables = []
        for key, table in self.section(section).items():
            where = f"{self.path}: [{section}.{key}]"
            if not key_pattern.fullmatch(key):
                raise ConfigError(f"{where}: {key_rule}")
            if not isinstance(table, dict):
                raise ConfigError(f"{where} must be a table of settings")
            unknown = sorted(set(table) - set(fields))
            if unknown:
                raise ConfigError(f"{where}: unknown setting(s) {', '.join(repr(name) for name in unknown)}; "
                                  f"use {', '.join(fields)}")
            tables.append((key, table))
        return tables
