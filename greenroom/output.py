"""Printing records for people (tables) and for other tools (CSV, JSON, Markdown), shared by both CLIs.

Every cell that reaches the terminal goes through :func:`greenroom.text.terminal_safe` and is a rich
``Text`` (never parsed as markup, so a name like ``[red]Jo`` prints as typed); every CSV cell goes through
:func:`greenroom.text.spreadsheet_safe`. rich is imported only when a table is printed, so commands that
print CSV or JSON do not pay for it at startup.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from greenroom.files import write_atomically
from greenroom.text import spreadsheet_safe, terminal_safe

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

FORMATS = ("table", "csv", "json")


def console_for_output(width: int = 120) -> Console:
    """The terminal's console, or one ``width`` columns wide when output goes to a file or pipe (so a
    redirected table is not squeezed into 80 columns)."""
    from rich.console import Console

    console = Console()
    return console if console.is_terminal else Console(width=width, force_terminal=False)


def text_cell(value: object) -> Text:
    """A table cell showing ``value`` exactly as typed: no rich markup, control characters made visible."""
    from rich.text import Text

    return Text(terminal_safe("" if value is None else str(value)))


def table_cell(value: Any) -> str:
    """How a record's value reads in a table: lists joined, dicts as JSON, floats as signed percentages
    (the only floats our records hold are growth figures)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        return f"{value:+.1f}%"
    return str(value)


def csv_cell(value: Any) -> Any:
    """A value for a CSV cell: lists joined with ``; ``, dicts as JSON, text that looks like a formula
    neutralised, None empty."""
    if isinstance(value, list):
        return spreadsheet_safe("; ".join(map(str, value)))
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else spreadsheet_safe(value)


def print_records(records: Sequence[dict[str, Any]], columns: Sequence[str], output_format: str,
                  title: str | None = None) -> None:
    """Write ``records`` to stdout as a table, CSV or JSON; CSV/JSON keep full values (lists stay lists
    in JSON). Numeric columns are right-aligned in the table."""
    if output_format == "json":
        click.echo(json.dumps([{c: r.get(c) for c in columns} for r in records], ensure_ascii=False, indent=2))
    elif output_format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        for record in records:
            writer.writerow([csv_cell(record.get(c)) for c in columns])
    else:
        from rich.table import Table

        table = Table(title=None if title is None else text_cell(title), show_lines=False)
        for column in columns:
            numeric = any(isinstance(r.get(column), int | float) and not isinstance(r.get(column), bool)
                          for r in records)
            table.add_column(column, justify="right" if numeric else "left", overflow="fold")
        for record in records:
            table.add_row(*(text_cell(table_cell(record.get(c))) for c in columns))
        console_for_output(width=200).print(table)


def markdown_table(columns: Sequence[str], rows: Iterable[Sequence[str]], *,
                   right_aligned: Collection[str] = ()) -> list[str]:
    """The lines of a Markdown table. Cells are Markdown already: escape user text with
    :func:`greenroom.text.markdown_escape` first (a caller may add its own markup, e.g. a bold total)."""
    lines = ["| " + " | ".join(columns) + " |",
             "|" + "|".join("---:" if column in right_aligned else "---" for column in columns) + "|"]
    lines += ["|" + "|".join(f" {cell} " if cell else " " for cell in row) + "|" for row in rows]
    return lines


def write_output(text: str, path: Path | None, done: str) -> None:
    """Text for another tool (CSV, JSON, Markdown): to standard output, or to ``path`` replaced atomically
    and then ``done`` (e.g. "wrote 3 appearances to log.csv") said on standard error, so a pipe only
    ever receives the data."""
    if path is None:
        click.echo(text, nl=False)
        return
    write_atomically(path, text)
    click.echo(done, err=True)
