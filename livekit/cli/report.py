"""`livekit report` and `livekit shows`: what happened, planned vs actual, from the stored event log."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import click
from rich.table import Table

from greenroom.cli import get_workspace
from greenroom.errors import GreenroomError
from greenroom.numbers import ROW_ID
from greenroom.output import console_for_output, text_cell, write_output
from greenroom.text import terminal_safe
from livekit.core.durations import format_clock, format_signed
from livekit.core.wording import one_line
from livekit.report import (
    FORMATS,
    ShowReport,
    build_report,
    goals_table,
    report_chapters,
    report_csv,
    report_html,
    report_json,
    report_markdown,
    report_table,
)
from livekit.storage.shows import ShowStore


def _baseline_choice(ctx: click.Context, param: click.Parameter, value: str):
    from livekit.core.baseline import BaselineError, parse_baseline

    try:
        return parse_baseline(value)
    except BaselineError as error:
        raise click.BadParameter(str(error).removeprefix("--baseline ")) from None


@click.command("report")
@click.argument("show_id", metavar="[SHOW_ID]", type=ROW_ID, required=False)
@click.option("--format", "-f", "output_format", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table: for the terminal; csv/json/md: planned vs actual and audience per segment with totals, "
                   "then each show metric against its goal and baseline; html: the same as one self-contained page "
                   "with the viewers chart embedded; "
                   "chapters: YouTube chapter list, one chapter per airing of a segment (a return is 'Title (part 2)'; "
                   "warns on stderr when YouTube would ignore it: fewer than 3 chapters or one shorter than 10 s, "
                   "and when the show was recorded in several files).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (replaced atomically) instead of standard output.")
@click.option("--baseline", "baseline", default="last:5", show_default=True, metavar="last:N|show:ID",
              callback=_baseline_choice,
              help="Compare with the median of the last N comparable shows (same rundown title or a shared tag; "
                   "rehearsals never count), or with one show.")
@click.option("--chart", "chart_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the viewers chart (PNG: viewers per minute, segment bands, guests) to this file; "
                   "md and json link to it. Needs matplotlib (the charts extra); without it the chart is skipped "
                   "with a warning.")
@click.pass_context
def report(ctx: click.Context, show_id: int | None, output_format: str, output: Path | None,
           baseline, chart_path: Path | None) -> None:
    """Planned vs actual timing of a show (default: the latest), rebuilt from its stored event log, with its
    audience per segment and each show metric against its goal and baseline.

    Works for a show that is still live or crashed (times up to now); see `livekit shows` for ids. Lists the
    recording files OBS made during the show (an OBS restart splits the recording) with their offsets from
    the show's start; chapters are relative to the show's start. Goals come from the rundown's `goals:`, else
    from `[goals] show.NAME` in greenroom.toml.
    """
    from greenroom.goals import SHOW_GOALS
    from livekit.report_data import audience_samples, show_baselines, workspace_show_goals

    workspace = get_workspace(ctx)
    db = workspace.database()
    store = ShowStore(db)
    if show_id is None:
        show_id = store.latest_show_id()
        if show_id is None:
            raise GreenroomError("no shows yet in this workspace")
    show = store.load_show(show_id, journal=False)
    try:
        found = show_baselines(db, show_id, baseline, list(SHOW_GOALS))
    except ValueError as error:
        raise GreenroomError(str(error)) from None
    result = build_report(show, show_id=show_id, recordings=store.recordings(show_id),
                          samples=audience_samples(db, show_id), workspace_goals=workspace_show_goals(workspace.config),
                          baselines=found, baseline_label=baseline.describe())
    if output_format == "table" and output is not None:
        raise GreenroomError("--output needs --format csv, json, md, html or chapters")
    chart_png, chart_note = _chart(result, wanted=chart_path is not None or output_format == "html")
    if chart_path is not None and chart_png is not None:
        from greenroom.files import write_atomically

        write_atomically(chart_path, chart_png)
        click.echo(f"wrote the chart to {chart_path}", err=True)
    chart_link = str(chart_path) if chart_path is not None and chart_png is not None else None
    if output_format == "table":
        # The audience columns need room when the table goes to a file or a pipe.
        console = console_for_output(width=170 if result.viewers else 120)
        console.print(report_table(result))
        if result.goals:
            console.print(goals_table(result))
        return
    if output_format == "chapters":
        text, warnings = report_chapters(result)
        for warning in warnings:
            click.secho(f"warning: {one_line(warning)}", fg="yellow", err=True)
    elif output_format == "html":
        text = report_html(result, chart_png=chart_png, chart_note=chart_note)
    elif output_format == "csv":
        text = report_csv(result)
    elif output_format == "json":
        text = report_json(result, chart=chart_link)
    else:
        text = report_markdown(result, chart=chart_link)
    write_output(text, output, f"wrote {output}")


def _chart(result: ShowReport, *, wanted: bool) -> tuple[bytes | None, str | None]:
    """The chart PNG, or why there is none (also warned on stderr)."""
    if not wanted:
        return None, None
    from livekit.report_chart import ChartUnavailable, viewers_chart_png

    try:
        return viewers_chart_png(result), None
    except ChartUnavailable as error:
        click.secho(f"warning: {error}", fg="yellow", err=True)
        return None, str(error)


@click.command("shows")
@click.option("--limit", "-n", type=click.IntRange(1), default=50, show_default=True, help="Show at most this many.")
@click.option("--upcoming", is_flag=True, help="Scheduled shows not over yet, soonest first (`livekit schedule`), "
              "in their own time zone; cancelled ones are marked.")
@click.option("--format", "-f", "output_format", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="With --upcoming: table for the terminal, json for scripts.")
@click.option("--ics", is_flag=True, help="With --upcoming: the team calendar as an iCalendar (.ics) feed, one event "
              "per scheduled show (stable UID, SEQUENCE = its changes, cancelled ones STATUS:CANCELLED).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="With --format json or --ics: write to this file (replaced atomically) instead of standard output.")
@click.pass_context
def shows(ctx: click.Context, limit: int, upcoming: bool, output_format: str, ics: bool, output: Path | None) -> None:
    """List past and current shows, newest first: id, title, date, status (rehearsals marked), planned vs
    actual length. With --upcoming: the scheduled shows to come."""
    if not upcoming:
        if ics or output_format != "table" or output is not None:
            raise GreenroomError("--format json, --ics and --output go with --upcoming")
        _past_shows(ctx, limit)
        return
    _upcoming_shows(ctx, limit, output_format, ics, output)


def _upcoming_shows(ctx: click.Context, limit: int, output_format: str, ics: bool, output: Path | None) -> None:
    from greenroom.clock import wall_clock_ms
    from livekit.schedule import unreadable_shows, upcoming_shows

    now = wall_clock_ms()
    db = get_workspace(ctx).database()
    scheduled = upcoming_shows(db, now_ms=now, include_cancelled=True)[:limit]
    # Named on stderr, whatever the format (the JSON and the feed stay valid), so they can be cancelled.
    for broken in unreadable_shows(db):
        if not broken.cancelled:
            click.secho(f"warning: {terminal_safe(str(broken.unusable()))}", fg="yellow", err=True)
    if ics:
        if output_format != "table":
            raise GreenroomError("--ics is a format of its own: drop --format")
        from livekit.calendar import calendar_feed

        feed = calendar_feed(scheduled, now_ms=now).decode("utf-8")
        write_output(feed, output, f"wrote {len(scheduled)} scheduled shows to {output}")
        return
    if output_format == "json":
        text = json.dumps([show.to_dict() for show in scheduled], indent=2, ensure_ascii=False) + "\n"
        write_output(text, output, f"wrote {len(scheduled)} scheduled shows to {output}")
        return
    if output is not None:
        raise GreenroomError("--output needs --format json or --ics")
    if not scheduled:
        click.echo("no upcoming shows scheduled (see `livekit schedule`)")
        return
    table = Table()
    for name in ("key", "title", "starts (local)", "ends", "hard out", "zone", "where", "status", "changes"):
        table.add_column(name)
    for show in scheduled:
        start, end, hard_out = show.plan.local_start(), show.plan.local_end(), show.plan.local_hard_out()
        table.add_row(
            text_cell(show.key), text_cell(show.title), f"{start:%a %Y-%m-%d %H:%M}", f"{end:%H:%M}",
            "" if hard_out is None else f"{hard_out:%H:%M}", show.plan.timezone,
            text_cell(show.location), show.status.value,
            str(show.sequence),
        )
    console_for_output(width=140).print(table)
    # Below the table, whole: a link wrapped across table lines cannot be copied.
    for show in scheduled:
        if show.join_url:
            click.echo(f"join {terminal_safe(show.key)}: {terminal_safe(show.join_url)}")


def _past_shows(ctx: click.Context, limit: int) -> None:
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
