"""`livekit guests`: book guests before a show, see the queue, and export the permanent guest log."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from greenroom.cli import get_workspace
from greenroom.errors import GreenroomError
from greenroom.numbers import ROW_ID
from greenroom.output import console_for_output, text_cell, write_output
from greenroom.team import load_team
from livekit.core.wording import one_line
from livekit.guests import GuestQueue
from livekit.guests.core import GuestStatus
from livekit.guests.export import booking_rows, bookings_csv, bookings_json, log_csv, log_json, log_rows
from livekit.storage.shows import ShowStore

if TYPE_CHECKING:
    import sqlite_utils
    from rich.text import Text

SHOW_HELP = (
    "Which show: its id from `livekit shows` (e.g. 12 or '#12'), its full key as shown by "
    "`livekit guests list` (e.g. '#12 Launch AMA'), or a scheduled show's key from `livekit shows --upcoming`. "
    "Default: the next show that `livekit run` starts."
)


def _cells(*values: object) -> list[Text]:
    """Cells shown as typed: ``[red]Jo`` is not read as rich markup, an escape sequence in a note is made
    visible instead of reaching the terminal."""
    return [text_cell(value) for value in values]


@click.group("guests")
def guests() -> None:
    """Guests of shows: book them, list the queue, export the appearance log.

    During a show the queue is worked from the control room (/control) or the HTTP API.
    """


@guests.command("add")
@click.argument("name")
@click.option("--show", "show", default=None, help=SHOW_HELP)
@click.option("--pronouns", default="", help="Shown in the lower third, e.g. she/her.")
@click.option("--title", "title_or_handle", default="", help="Title or handle for the lower third, e.g. 'CEO, Acme'.")
@click.option("--contact", default="", help="How to reach them (private: never on screen).")
@click.option("--topic", default="", help="What the interview is about.")
@click.option("--point", "talking_points", multiple=True, help="A talking point for the host; repeat for several.")
@click.option("--notes", default="", help="Private notes for the team (never on screen or on the presenter view).")
@click.option("--booked-by", default="",
              help="Who on the team booked this guest (a team member when greenroom.toml names a team).")
@click.option("--status", type=click.Choice([GuestStatus.INVITED.value, GuestStatus.CONFIRMED.value]),
              default=GuestStatus.INVITED.value, show_default=True, help="Where the booking stands.")
@click.pass_context
def add(ctx: click.Context, name: str, show: str | None, pronouns: str, title_or_handle: str, contact: str,
        topic: str, talking_points: tuple[str, ...], notes: str, booked_by: str, status: str) -> None:
    """Book guest NAME for a show (default: the next show that starts). Nothing is saved if a field is invalid.

    A rundown segment whose `guest:` has the same name (case and spacing ignored) uses this booking.
    """
    workspace = get_workspace(ctx)
    booked_by = load_team(workspace.config).key_for(booked_by) or ""
    if show is not None and not show.strip().startswith("#") and not show.strip().isdigit():
        # Not a show id nor a stored '#12 Title' key: it names a scheduled show, and a typo must not
        # create a booking under a key no show will ever take.
        from livekit.guests.booking import bookable_show

        show = bookable_show(workspace.database(), show.strip())
    queue = GuestQueue(workspace.database())
    guest = queue.add(
        ShowStore(workspace.database()).show_key_for(show), status=status, name=name, pronouns=pronouns,
        title_or_handle=title_or_handle, contact=contact, topic=topic, talking_points=list(talking_points),
        notes=notes, booked_by=booked_by,
    )
    where = guest["show"] or "the next show"
    click.echo(f"guest {guest['id']}: {one_line(guest['lower_third'])} ({guest['status']}) booked for "
               f"{one_line(where)}")


@guests.command("list")
@click.option("--show", "show", default=None, help=SHOW_HELP)
@click.option("--owner", default=None,
              help="Only guests booked by this team member (key, name or email when greenroom.toml names a "
                   "team); without --show, their guests still to come in every show.")
@click.pass_context
def list_guests(ctx: click.Context, show: str | None, owner: str | None) -> None:
    """The queue of one show in order, with statuses (default: guests booked for the next show); with --owner,
    the guests one team member booked."""
    workspace = get_workspace(ctx)
    key = ShowStore(workspace.database()).show_key_for(show)
    queue = GuestQueue(workspace.database())
    if owner is None:
        rows, title = queue.list(key), f"Guests of {key or 'the next show'}"
    else:
        owner = load_team(workspace.config).key_for(owner) or ""
        if show is None:
            rows, title = queue.booked_by(owner), f"Guests booked by {owner} still to come"
        else:
            rows = [guest for guest in queue.list(key) if guest["booked_by"] == owner]
            title = f"Guests of {key} booked by {owner}"
    if not rows:
        message = f"no guests for {key or 'the next show'}" if owner is None else f"no {title[:1].lower()}{title[1:]}"
        click.echo(one_line(message))
        return
    from rich.table import Table

    # Across every show, each row names its show.
    across_shows = owner is not None and show is None
    table = Table(title=text_cell(title))
    columns = ("id", "#", "guest", "status", "topic", "booked by", "talking points")
    for column in (("show", *columns) if across_shows else columns):
        table.add_column(column)
    for position, guest in enumerate(rows, start=1):
        cells: list[object] = [guest["id"], position, guest["lower_third"], guest["status"].replace("_", " "),
                               guest["topic"], guest["booked_by"], len(guest["talking_points"])]
        if across_shows:
            cells.insert(0, guest["show"] or "the next show")
        table.add_row(*_cells(*cells))
    console_for_output(width=140).print(table)


def _day_start_ms(value: datetime.datetime | None) -> int | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return int(value.timestamp() * 1000)


@guests.command("log")
@click.option("--show", "show", default=None,
              help="Only this show: its id (12 or '#12') or its key ('#12 Launch AMA'). Default: every show.")
@click.option("--guest", "guest", default=None, help="Only guests whose name contains this text (any case).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]), default=None,
              help="Only appearances that started at or after this date/time (UTC).")
@click.option("--format", "-f", "output_format", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True, help="table for the terminal; csv (spreadsheet-safe) or json for the team's records.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (replaced atomically: complete or not at all) instead of standard output.")
@click.option("--bookings", is_flag=True,
              help="The log of bookings made from outreach instead (booked, moved, cancelled), oldest first.")
@click.pass_context
def log(ctx: click.Context, show: str | None, guest: str | None, since: datetime.datetime | None,
        output_format: str, output: Path | None, bookings: bool) -> None:
    """The permanent log of guest appearances: who was on air, in which show and segment, from when to when,
    booked by whom, and the outreach influencer they were booked from."""
    workspace = get_workspace(ctx)
    if bookings:
        _booking_log(workspace.database(), ShowStore(workspace.database()).show_key_for(show), guest, since,
                     output_format, output)
        return
    entries = GuestQueue(workspace.database()).log(
        show=ShowStore(workspace.database()).show_key_for(show), guest=guest, since_ms=_day_start_ms(since)
    )
    if output_format == "table":
        if output is not None:
            raise GreenroomError("--output needs --format csv or json")
        if not entries:
            click.echo("no guest appearances logged yet")
            return
        from rich.table import Table

        table = Table(title="Guest appearances")
        for column in ("id", "show", "segment", "guest", "influencer", "title", "on air (UTC)", "off air (UTC)", "min",
                       "booked by", "notes"):
            table.add_column(column)
        for entry, row in zip(entries, log_rows(entries), strict=True):
            minutes = "" if row["duration_s"] == "" else f"{row['duration_s'] / 60:.1f}"
            table.add_row(*_cells(entry["id"], row["show"], row["segment"], row["guest"], row["influencer"],
                                  row["title_or_handle"], row["on_air"], row["off_air"] or "on air", minutes,
                                  row["booked_by"], row["notes"]))
        console_for_output(width=140).print(table)
        return
    text = log_csv(entries) if output_format == "csv" else log_json(entries)
    write_output(text, output, f"wrote {len(entries)} appearances to {output}")


@guests.command("note")
@click.argument("appearance_id", type=ROW_ID)
@click.argument("text")
@click.pass_context
def note(ctx: click.Context, appearance_id: int, text: str) -> None:
    """Set the team's notes on one logged appearance (its id is in `livekit guests log`), e.g. how it went."""
    GuestQueue(get_workspace(ctx).database()).annotate_appearance(appearance_id, text)
    click.echo(f"noted appearance {appearance_id}")


def _booking_log(db: sqlite_utils.Database, show: str | None, guest: str | None,
                 since: datetime.datetime | None, output_format: str, output: Path | None) -> None:
    """`livekit guests log --bookings`: the booking changes, narrowed to one show (moved from or to it)."""
    from livekit.guests.booking import booking_changes

    if guest is not None:
        raise GreenroomError("--guest narrows appearances; the bookings log lists every booking")
    since_ms = _day_start_ms(since)
    changes = [change for change in booking_changes(db)
               if (show is None or show in (change.from_show, change.to_show))
               and (since_ms is None or change.at_ms >= since_ms)]
    if output_format != "table":
        text = bookings_csv(changes) if output_format == "csv" else bookings_json(changes)
        write_output(text, output, f"wrote {len(changes)} booking changes to {output}")
        return
    if output is not None:
        raise GreenroomError("--output needs --format csv or json")
    if not changes:
        click.echo("no bookings logged yet")
        return
    from rich.table import Table

    table = Table(title="Guest bookings")
    for column in ("at (UTC)", "guest", "influencer", "change", "from", "to", "booked by"):
        table.add_column(column)
    for row in booking_rows(changes):
        table.add_row(*_cells(row["at"], row["guest_id"], row["influencer"], row["change"], row["from_show"],
                              row["to_show"], row["booked_by"]))
    console_for_output(width=140).print(table)
