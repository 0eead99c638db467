"""`livekit report` and `livekit shows`: what happened, planned vs actual, from the stored event log."""

from __future__ import annotations

import datetime
from pathlib import Path

import click
from rich.table import Table

from greenroom.cli import get_workspace
from greenroom.errors import GreenroomError
from greenroom.output import console_for_output, text_cell, write_output
from livekit.core.durations import format_clock, format_signed
from livekit.report import (
    FORMATS,
    build_report,
    report_chapters,
    report_csv,
    report_json,
    report_markdown,
    report_table,
)
from livekit.storage.shows import ShowStore


@click.command("report")
@click.argument("show_id", metavar="[SHOW_ID]", type=int, required=False)
@click.option("--format", "-f", "output_format", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table: for the terminal; csv/json/md: planned vs actual per segment with totals; "
                   "chapters: YouTube chapter list, one chapter per airing of a segment (a return is 'Title (part 2)'; "
                   "warns on stderr when YouTube would ignore it: fewer than 3 chapters or one shorter than 10 s, "
                   "and when the show was recorded in several files).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (replaced atomically) instead of standard output.")
@click.pass_context
def report(ctx: click.Context, show_id: int | None, output_format: str, output: Path | None) -> None:
    """Planned vs actual timing of a show (default: the latest), rebuilt from its stored event log.

    Works for a show that is still live or crashed (times up to now); see `livekit shows` for ids. Lists the
    recording files OBS made during the show (an OBS restart splits the recording) with their offsets from
    the show's start; chapters are relative to the show's start.
    """
    store = ShowStore(get_workspace(ctx).database())
    if show_id is None:
        show_id = store.latest_show_id()
        if show_id is None:
            raise GreenroomError("no shows yet in this workspace")
    result = build_report(store.load_show(show_id, journal=False), show_id=show_id,
                          recordings=store.recordings(show_id))
    if output_format == "table":
        if output is not None:
            raise GreenroomError("--output needs --format csv, json, md or chapters")
        console_for_output().print(report_table(result))
        return
    if output_format == "chapters":
        text, warnings = report_chapters(result)
        for warning in warnings:
            click.secho(f"warning: {warning}", fg="yellow", err=True)
    else:
        text = {"csv": report_csv, "json": report_json, "md": report_markdown}[output_format](result)
    write_output(text, output, f"wrote {output}")


@click.command("shows")
@click.option("--limit", "-n", type=click.IntRange(1), default=50, show_default=True, help="Show at most this many.")
@click.pass_context
def shows(ctx: click.Context, limit: int) -> None:
    """List past and current shows, newest first: id, title, date, status (rehearsals marked), planned vs
    actual length."""
    records = ShowStore(get_workspace(ctx).database()).list_shows()[:limit]
    if not records:
        click.echo("no shows yet in this workspace")
        return
    table = Table()
    for name in ("id", "title", "date", "status", "planned", "actual", "delta"):
        table.add_column(name, justify="right" if name in ("id", "planned", "actual", "delta") else "left")
    for record in records:
        moment = record.started_ms or record.created_ms
        date = datetime.datetime.fromtimestamp(moment / 1000).strftime("%Y-%m-%d %H:%M")
        actual = record.actual_ms
        table.add_row(
            str(record.id),
            text_cell(record.title),
            date,
            f"{record.status} (rehearsal)" if record.rehearsal else record.status,
            format_clock(record.planned_ms),
            "" if actual is None else format_clock(actual),
            "" if actual is None else format_signed(actual - record.planned_ms),
        )
    console_for_output().print(table)
