"""`outreach influencers list|show|search|add|tag|set|export`: browse and edit the people you track."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from greenroom.cli import get_workspace
from greenroom.errors import GreenroomError
from greenroom.output import FORMATS, print_records, write_output
from greenroom.team import load_team
from greenroom.text import terminal_safe
from outreach.cli.numbers import COUNT, DAYS, LIMIT, MAX_DAYS
from outreach.core.influencer import FIELDS, KINDS, STAGES, InvalidValue
from outreach.storage.influencers import (
    EXPORT_COLUMNS,
    LIST_COLUMNS,
    Filter,
    activity,
    export_rows,
    find_influencer,
    get_influencer,
    list_influencers,
    set_fields,
    tag,
)

SORTS = ("followers", "growth", "name", "id")


def filter_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """The filters shared by list, search and export (they combine with AND)."""
    options = [
        click.option("--niche", help="Only people tagged with this niche."),
        click.option("--stage", type=click.Choice(STAGES), help="Only people at this pipeline stage."),
        click.option("--kind", type=click.Choice(KINDS), help="Only influencers, brands or competitors."),
        click.option("--owner", help="Only people owned by this team member."),
        click.option("--country", help="Only people in this country (as imported, e.g. FR or US)."),
        click.option("--language", help="Only people speaking this language (as imported, e.g. fr)."),
        click.option("--min-followers", type=COUNT, help="Audience at least this big."),
        click.option("--max-followers", type=COUNT, help="Audience at most this big."),
        click.option("--growth", "min_growth", type=float, metavar="PERCENT",
                     help="30-day audience growth at least PERCENT (after `outreach refresh`)."),
        click.option("--not-contacted-days", type=DAYS, metavar="N",
                     help=f"Not emailed in the last N days (or never); at most {MAX_DAYS}."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _filter(options: dict[str, Any], search: str | None = None) -> Filter:
    return Filter(search=search, **{key: options.get(key) for key in (
        "niche", "stage", "kind", "owner", "country", "language", "min_followers", "max_followers", "min_growth", "not_contacted_days")})


@click.group("influencers")
def influencers() -> None:
    """Browse, search, tag, edit and export the people you track."""


@influencers.command("list")
@filter_options
@click.option("--sort", type=click.Choice(SORTS), default="followers", show_default=True, help="Order of rows.")
@click.option("--limit", type=LIMIT, default=50, show_default=True, help="At most this many rows.")
@click.option("--all", "show_all", is_flag=True, help="Every matching row (ignores --limit).")
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table for reading, csv or json for other tools.")
@click.pass_context
def list_command(ctx: click.Context, sort: str, limit: int, show_all: bool, output_format: str,
                 **options: Any) -> None:
    """List influencers, biggest audience first, narrowed by the filters (`--owner`: a team member's key, name or
    email when a team is configured in greenroom.toml).

    Appearances on shows move a stage to `appeared` on every `outreach send`/`run` tick, on `show`, and here
    when `--stage` filters by stage; a plain list does not load livekit's booking API (start-up time)."""
    workspace = get_workspace(ctx)
    db = workspace.database()
    options["owner"] = load_team(workspace.config).key_for(options.get("owner"))
    if options.get("stage"):
        from outreach.guest_booking import record_all_appearances  # livekit's booking API loads only here

        record_all_appearances(db)
    records = list_influencers(db, _filter(options), limit=None if show_all else limit, order=sort)
    print_records(records, LIST_COLUMNS, output_format)


@influencers.command("search")
@click.argument("words", nargs=-1, required=True)
@filter_options
@click.option("--limit", type=LIMIT, default=50, show_default=True, help="At most this many rows.")
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table for reading, csv or json for other tools.")
@click.pass_context
def search_command(ctx: click.Context, words: tuple[str, ...], limit: int, output_format: str,
                   **options: Any) -> None:
    """Full-text search over name, email, platform handles, niches, notes and owner (word prefixes match: `spee` finds speedrun)."""
    db = get_workspace(ctx).database()
    records = list_influencers(db, _filter(options, " ".join(words)), limit=limit)
    print_records(records, LIST_COLUMNS, output_format)


@influencers.command("show")
@click.argument("reference")
@click.option("--format", "output_format", type=click.Choice(("table", "json")), default="table",
              show_default=True, help="table for reading, json for other tools.")
@click.pass_context
def show_command(ctx: click.Context, reference: str, output_format: str) -> None:
    """Everything about one person: REFERENCE is an id, an email, or platform:handle (e.g. twitch:ana).

    Their history lists emails, stage changes and guest bookings; their appearances on shows (show, segment,
    on-air time, duration, the team's notes from `livekit guests note`) come from livekit's guest log.
    """
    from outreach.guest_booking import appearances, record_appearances  # livekit's API loads only here

    db = get_workspace(ctx).database()
    influencer_id = find_influencer(db, reference)
    record_appearances(db, influencer_id)
    record = get_influencer(db, influencer_id)
    record["activity"] = activity(db, record["id"])
    record["appearances"] = appearances(db, record["id"])
    if output_format == "json":
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
        return
    for key in ("id", "name", "emails", "kind", "stage", "owner", "niches", "youtube", "twitch", "instagram",
                "tiktok", "x", "website", "country", "language", "timezone", "followers", "growth_7d",
                "growth_30d", "last_contacted_at", "notes", "custom", "hand_edited"):
        value = record.get(key)
        if value in (None, [], {}, ""):
            continue
        if isinstance(value, list):
            value = ", ".join(map(str, value))
        elif isinstance(value, dict):
            value = json.dumps(value, ensure_ascii=False)
        click.echo(terminal_safe(f"{key:>18}: {value}"))
    for stat in record["stats"]:
        click.echo(terminal_safe(f"{'stats':>18}: {stat['platform']} {stat['handle']}: {stat['followers']} followers, "
                                 f"{stat['views']} views, {stat['videos']} videos ({stat['taken_at']})"))
    for event in record["activity"]:
        click.echo(terminal_safe(f"{'history':>18}: {event['at']} {event['kind']} {event['detail'] or ''}".rstrip()))
    for appearance in record["appearances"]:
        segment = f" / {appearance['segment']}" if appearance["segment"] else ""
        minutes = "on air" if appearance["duration_s"] is None else f"{appearance['duration_s'] / 60:.1f} min"
        notes = f": {appearance['notes']}" if appearance["notes"] else ""
        click.echo(terminal_safe(f"{'appearance':>18}: {appearance['on_air']} {appearance['show']}{segment} "
                                 f"({minutes}){notes}"))


#: Option of each field `influencers add` takes (messages name the option, not the field).
ADD_OPTIONS = {"name": "--name", "email": "--email", "niches": "--tag", "youtube": "--youtube", "twitch": "--twitch",
               "instagram": "--instagram", "tiktok": "--tiktok", "x": "--x", "website": "--website",
               "country": "--country", "language": "--language", "timezone": "--timezone", "owner": "--owner",
               "stage": "--stage", "kind": "--kind", "notes": "--notes", "followers": "--followers",
               "custom.first_name": "--first-name", "custom.nickname": "--nickname", "profile": "--profile"}


@influencers.command("add")
@click.option("--name", help="Full name (default: the first handle, or the email's local part).")
@click.option("--email", "emails", multiple=True, metavar="ADDRESS",
              help="Email address (repeatable; the first is primary). `Name <address>` is accepted.")
@click.option("--profile", "profiles", multiple=True, metavar="URL",
              help="A channel or profile address; its platform is read from it, e.g. "
                   "https://www.youtube.com/@ana or https://twitch.tv/ana (repeatable).")
@click.option("--youtube", help="YouTube channel id (UC…), @handle or channel URL.")
@click.option("--twitch", help="Twitch login or URL.")
@click.option("--instagram", help="Instagram username or URL.")
@click.option("--tiktok", help="TikTok username or URL.")
@click.option("--x", "x_handle", help="X/Twitter handle or URL.")
@click.option("--website", help="Web site.")
@click.option("--followers", help="Audience as typed anywhere: 12500, 12.5k, 1.234, 1 234, 1,2 Mio.")
@click.option("--country", help="Country (two-letter codes are upper-cased).")
@click.option("--language", help="Language, e.g. fr.")
@click.option("--timezone", help="IANA time zone, e.g. Europe/Paris (sending windows use it).")
@click.option("--tag", "tags", multiple=True, metavar="NICHE", help="Niche tag (repeatable).")
@click.option("--first-name", help="What templates greet them with (influencer.first_name).")
@click.option("--nickname", help="influencer.nickname in templates.")
@click.option("--owner", help="Team member who owns them.")
@click.option("--stage", type=click.Choice(STAGES), help="Pipeline stage (default prospect).")
@click.option("--kind", type=click.Choice(KINDS), help="influencer (default), brand or competitor.")
@click.option("--notes", help="Free text notes.")
@click.option("--custom", "custom", multiple=True, metavar="KEY=VALUE", help="A custom field (repeatable).")
@click.pass_context
def add_command(ctx: click.Context, emails: tuple[str, ...], profiles: tuple[str, ...], tags: tuple[str, ...],
                custom: tuple[str, ...], x_handle: str | None, **options: str | None) -> None:
    """Add one influencer and print their id, validated like an import row.

    Refused when their email or a handle already belongs to someone (where an import would merge): change
    that person with `outreach influencers set` instead. Fields given here count as edited by hand: later
    imports never overwrite them. Example: `outreach influencers add --name "Ana Lopez" --email
    ana@example.com --profile https://twitch.tv/anaplays --followers 12,5k --country FR --tag speedrun`.
    """
    from outreach.importing.adding import add_influencer, platform_of

    values: dict[str, object] = {
        {"first_name": "custom.first_name", "nickname": "custom.nickname"}.get(name, name): value
        for name, value in options.items() if value is not None}
    if x_handle is not None:
        values["x"] = x_handle
    if emails:
        values["email"] = list(emails)
    if tags:
        values["niches"] = list(tags)
    for url in profiles:
        try:
            platform = platform_of(url)
        except InvalidValue as error:
            raise click.BadParameter(str(error), param_hint="--profile") from None
        if values.get(platform) not in (None, url):
            raise click.BadParameter(f"{url!r} and {ADD_OPTIONS[platform]} {values[platform]!r} are two "
                                     f"{platform} handles: give one", param_hint="--profile")
        values[platform] = url
    for pair in custom:
        key, separator, value = pair.partition("=")
        if not separator or not key.strip():
            raise click.BadParameter(f"{pair!r} must look like KEY=VALUE", param_hint="--custom")
        values[f"custom.{key.strip()}"] = value
    db = get_workspace(ctx).database()
    influencer_id = add_influencer(db, values, ADD_OPTIONS)
    record = get_influencer(db, influencer_id)
    click.echo(terminal_safe(f"added #{influencer_id} {record['name']}"))


@influencers.command("set")
@click.argument("reference")
@click.argument("assignments", nargs=-1, required=True, metavar="FIELD=VALUE...")
@click.pass_context
def set_command(ctx: click.Context, reference: str, assignments: tuple[str, ...]) -> None:
    """Edit fields by hand, e.g. `set 12 stage=negotiating owner=sam custom.budget=500`.

    Fields: name, email (becomes primary), niches (replaces), youtube, twitch, instagram, tiktok, x,
    website, country, language, timezone (IANA), owner, stage, kind, notes, followers, custom.KEY
    (empty value removes it); first_name and nickname (what templates greet with, e.g. `set 12
    first_name=Pat`; stored as custom.first_name/custom.nickname). Fields set here are never overwritten
    by later imports. All or nothing.
    """
    values: dict[str, str] = {}
    for assignment in assignments:
        name, separator, value = assignment.partition("=")
        if not separator or not name.strip():
            raise GreenroomError(f"{assignment!r} must look like FIELD=VALUE (fields: {', '.join(FIELDS)}, custom.KEY)")
        values[name.strip()] = value
    db = get_workspace(ctx).database()
    record = set_fields(db, find_influencer(db, reference), values)
    click.echo(terminal_safe(f"#{record['id']} {record['name']}: set {', '.join(values)}"))


@influencers.command("tag")
@click.argument("references", nargs=-1, required=True)
@click.option("--add", "add", multiple=True, metavar="NICHE", help="Niche tag to add (repeatable).")
@click.option("--remove", "remove", multiple=True, metavar="NICHE", help="Niche tag to remove (repeatable).")
@click.pass_context
def tag_command(ctx: click.Context, references: tuple[str, ...], add: tuple[str, ...],
                remove: tuple[str, ...]) -> None:
    """Add or remove niche tags on one or more people (ids, emails or platform:handle). All or nothing."""
    if not add and not remove:
        raise GreenroomError("nothing to do: give --add NICHE and/or --remove NICHE")
    db = get_workspace(ctx).database()
    ids = [find_influencer(db, reference) for reference in references]
    changed = tag(db, ids, add=add, remove=remove)
    click.echo(f"{changed} of {len(ids)} people changed")


@influencers.command("book")
@click.argument("reference")
@click.option("--show", "show", default=None,
              help="Key of a scheduled show (see `livekit shows --upcoming`) or a show id of `livekit shows`. "
                   "Default: the next scheduled show (the next show that `livekit run` starts when none is).")
@click.option("--topic", default="", help="What the interview is about (shown to the team and the host).")
@click.option("--point", "talking_points", multiple=True, help="A talking point for the host; repeat for several.")
@click.option("--booked-by", default=None,
              help="Who on the team booked them (default: the influencer's owner); a team member when "
                   "greenroom.toml names a team.")
@click.option("--move", "move", is_flag=True, help="Move their booking still to come to --show instead of booking.")
@click.option("--cancel", "cancel", is_flag=True, help="Cancel their booking still to come.")
@click.option("--from", "from_show", default=None,
              help="With --move/--cancel: which booking, by its show key or id, when they have several.")
@click.pass_context
def book_command(ctx: click.Context, reference: str, show: str | None, topic: str,
                 talking_points: tuple[str, ...], booked_by: str | None, move: bool, cancel: bool,
                 from_show: str | None) -> None:
    """Book an influencer who said yes as a live-show guest (REFERENCE: id, email or platform:handle).

    Creates a confirmed guest in livekit's queue (name, handle for the lower third, contact, owner as
    "booked by"), records "booked as guest" in their history and moves their stage to agreed. Running it
    again for the same show shows the existing booking. Declined, do-not-contact and suppressed people are
    refused, and so are unknown, cancelled and past shows. `--move --show KEY` and `--cancel` change the
    booking; both are recorded in their history and in livekit's guest log.
    """
    from outreach.guest_booking import (  # livekit's booking API loads only for booking
        book_influencer,
        cancel_influencer_booking,
        move_influencer_booking,
    )

    if move and cancel:
        raise GreenroomError("--move and --cancel cannot go together")
    if from_show is not None and not (move or cancel):
        raise GreenroomError("--from says which booking --move or --cancel changes")
    if (move or cancel) and (topic or talking_points or booked_by):
        raise GreenroomError("--topic, --point and --booked-by are for a new booking, not --move or --cancel")
    if cancel and show is not None:
        raise GreenroomError("--cancel takes the booking to cancel as --from KEY, not --show")
    workspace = get_workspace(ctx)
    db = workspace.database()
    if cancel:
        guest = cancel_influencer_booking(db, reference, from_show=from_show, from_given=from_show is not None)
        click.echo(terminal_safe(f"cancelled: guest {guest['id']} {guest['name']} for {guest['show'] or 'the next show'}"))
        return
    if move:
        guest, left = move_influencer_booking(db, reference, show=show, from_show=from_show,
                                              from_given=from_show is not None)
        click.echo(terminal_safe(f"moved: guest {guest['id']} {guest['name']} from {left or 'the next show'} "
                                 f"to {guest['show'] or 'the next show'}"))
        return
    guest, created = book_influencer(db, reference, show=show, topic=topic, talking_points=talking_points,
                                     booked_by=booked_by, team=load_team(workspace.config))
    where = guest["show"] or "the next show"
    verb = "booked" if created else "already booked"
    click.echo(terminal_safe(f"{verb}: guest {guest['id']} {guest['lower_third']} ({guest['status']}) for {where}"))


@influencers.command("export")
@filter_options
@click.option("--format", "output_format", type=click.Choice(("csv", "json")), default="csv", show_default=True,
              help="csv (re-importable with `outreach import`) or json.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (replaced only once fully written) instead of stdout.")
@click.pass_context
def export_command(ctx: click.Context, output_format: str, output: Path | None, **options: Any) -> None:
    """Export every matching person with all emails, handles and custom fields."""
    db = get_workspace(ctx).database()
    rows = export_rows(db, list_influencers(db, _filter(options), order="id"))
    columns = list(EXPORT_COLUMNS)
    if output_format == "csv":
        # One custom.KEY column per custom field, so the file re-imports into the same fields.
        keys = sorted({key for row in rows for key in row["custom"]})
        columns = [c for c in columns if c != "custom"] + [f"custom.{key}" for key in keys]
        for row in rows:
            row.update({f"custom.{key}": value for key, value in row["custom"].items()})
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        print_records(rows, columns, output_format)
    write_output(buffer.getvalue(), output, f"exported {len(rows)} people to {output}")
