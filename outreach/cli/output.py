"""Print records as a table, CSV or JSON without letting user data drive the terminal.

Names and notes come from files strangers wrote: control characters (ANSI escapes) are shown as ``\\x1b``
and rich markup is never interpreted.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Sequence
from typing import Any

import click

FORMATS = ("table", "csv", "json")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe_text(value: str) -> str:
    """Text with control characters made visible (``\\x1b``), so it cannot move the cursor or recolour."""
    return _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), value)


def spreadsheet_safe(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) gets a leading ``'`` (OWASP)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_cell(value: Any) -> Any:
    if isinstance(value, list):
        return spreadsheet_safe("; ".join(map(str, value)))
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else spreadsheet_safe(value)


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        return f"{value:+.1f}%"
    return str(value)


def print_records(records: Sequence[dict[str, Any]], columns: Sequence[str], output_format: str,
                  title: str | None = None) -> None:
    """Write ``records`` to stdout; CSV/JSON keep full values (lists stay lists in JSON)."""
    if output_format == "json":
        click.echo(json.dumps([{c: r.get(c) for c in columns} for r in records], ensure_ascii=False, indent=2))
    elif output_format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        for record in records:
            writer.writerow([csv_cell(record.get(c)) for c in columns])
    else:
        from rich.console import Console  # only tables need rich
        from rich.table import Table
        from rich.text import Text

        table = Table(title=title, show_lines=False)
        for column in columns:
            numeric = any(isinstance(r.get(column), int | float) and not isinstance(r.get(column), bool)
                          for r in records)
            justify = "right" if numeric else "left"
            table.add_column(column, justify=justify, overflow="fold")
        for record in records:
            table.add_row(*(Text(safe_text(cell(record.get(c)))) for c in columns))
        # emoji=False: our column names have no :emoji: codes, and rich then skips loading its emoji table.
        Console(soft_wrap=False, width=None if sys.stdout.isatty() else 200, emoji=False).print(table)
