"""`livekit schedule`: put a show on the team's calendar, move it, or cancel it."""

from __future__ import annotations

from pathlib import Path

import click

from greenroom.cli import get_workspace
from greenroom.errors import GreenroomError
from greenroom.text import terminal_safe
from livekit.core.schedule import (
    LOCAL_TIME_HELP,
    ScheduledShow,
    ScheduleError,
    parse_clock_time,
    parse_join_url,
    parse_local_datetime,
    parse_location,
    plan_show,
    refuse_past_start,
    to_utc_ms,
)
from livekit.core.wording import one_line
from livekit.rundown import load_rundown
from livekit.storage.schedule import KEEP, ScheduleStore


def describe(show: ScheduledShow) -> str:
    """``Weekly Q&A: Thu 2026-12-10 18:00–19:00 Europe/Paris (hard out 19:15)``, for the terminal."""
    start, end, hard_out = show.plan.local_start(), show.plan.local_end(), show.plan.local_hard_out()
    end_time = f"{end:%H:%M:%S}" if end.second else f"{end:%H:%M}"
    end_text = end_time if end.date() == start.date() else f"{end:%a %Y-%m-%d} {end_time}"
    text = f"{one_line(show.title)}: {start:%a %Y-%m-%d %H:%M}–{end_text} {show.plan.timezone}"
    if hard_out is not None:
        text += f" (hard out {hard_out:%H:%M})"
    if show.location:
        text += f" at {terminal_safe(show.location)}"
    if show.join_url:
        text += f", join {terminal_safe(show.join_url)}"
    if show.cancelled:
        text += " — cancelled"
    return text


def _zone(workspace_zone: str | None, *candidates: str | None) -> str:
    for zone in (*candidates, workspace_zone):
        if zone:
            return zone
    raise GreenroomError("which time zone? Pass --tz (an IANA name such as Europe/Paris), write timezone: in the "
                         "rundown, or set [show] timezone in greenroom.toml")


@click.command("schedule")
@click.argument("rundown_path", metavar="[RUNDOWN]", required=False,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--at", "at", default=None, help=f"Planned start: {LOCAL_TIME_HELP}, local time in --tz "
              "(default: the rundown's starts_at).")
@click.option("--tz", "tz", default=None, help="IANA time zone of --at, e.g. Europe/Paris (default: the rundown's "
              "timezone, then [show] timezone in greenroom.toml; with --move: the show's zone).")
@click.option("--hard-out", "hard_out", default=None,
              help="When the show must be off air, HH:MM local (the first such time after the start).")
@click.option("--join-url", "join_url", default=None, metavar="URL",
              help="Where guests join the show, an http(s) link put in their invites (default: the rundown's "
              "join_url; with --move: changes it, \"\" removes it).")
@click.option("--location", "location", default=None, metavar="TEXT",
              help="Where the show happens, one line (default: the rundown's location; with --move: changes it, "
              "\"\" removes it).")
@click.option("--move", "move_key", default=None, metavar="KEY",
              help="Change the scheduled show KEY: new start (--at), join link or location.")
@click.option("--cancel", "cancel_key", default=None, metavar="KEY", help="Cancel the scheduled show KEY.")
@click.pass_context
def schedule(ctx: click.Context, rundown_path: Path | None, at: str | None, tz: str | None, hard_out: str | None,
             join_url: str | None, location: str | None, move_key: str | None, cancel_key: str | None) -> None:
    """Schedule a show of RUNDOWN: a planned start in a time zone, a planned end (the rundown's total, or its
    ends_at) and an optional hard out; prints the show's key, which guests are booked under.

    With --move KEY or --cancel KEY, change a scheduled show instead (its times, join link or location); every
    change is kept and raises the show's sequence number (what calendar updates are numbered by, so booked
    guests get an updated invite). A local time that does not exist or happens twice (a daylight-saving
    night) is refused.
    """
    workspace = get_workspace(ctx)
    store = ScheduleStore(workspace.database())
    workspace_zone = workspace.config.get("show", "timezone", str, "") or None
    chosen = [name for name, value in (("RUNDOWN", rundown_path), ("--move", move_key), ("--cancel", cancel_key))
              if value is not None]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of RUNDOWN (schedule a show), --move KEY or --cancel KEY")
    try:
        if cancel_key is not None:
            if at or tz or hard_out or join_url is not None or location is not None:
                raise click.UsageError("--cancel takes no --at, --tz, --hard-out, --join-url or --location")
            show, changed = store.cancel(cancel_key)
            what = describe(show) if isinstance(show, ScheduledShow) else f"{one_line(show.title)}: {show.problem}"
            click.echo(f"{'cancelled' if changed else 'already cancelled'} {terminal_safe(show.key)} ({what}), "
                       f"sequence {show.sequence}")
            return
        if move_key is not None:
            if at is None and join_url is None and location is None:
                raise click.UsageError("--move needs --at (the new planned start), --join-url or --location")
            if at is None and (tz or hard_out):
                raise click.UsageError("--tz and --hard-out go with --at when moving a show")
            current = store.get(move_key)
            plan = None
            if at is not None:
                zone = tz or current.plan.timezone
                plan = current.plan.moved_to(to_utc_ms(parse_local_datetime(at), zone), zone,
                                             hard_out=None if hard_out is None else parse_clock_time(hard_out))
                refuse_past_start(plan, store.clock.now_ms())
            show = store.move(move_key, plan,
                              join_url=KEEP if join_url is None else parse_join_url(join_url),
                              location=KEEP if location is None else parse_location(location))
            if show.sequence == current.sequence:
                click.echo(f"nothing to change for {show.key} ({describe(show)}), sequence {show.sequence}")
                return
            click.echo(f"{'moved' if plan else 'changed'} {show.key} to {describe(show)}, sequence {show.sequence}")
            return
        assert rundown_path is not None
        rundown = load_rundown(rundown_path)
        planned = rundown.schedule
        if at is None and planned is None:
            raise click.UsageError("when? Pass --at, or write starts_at: (with timezone:) in the rundown")
        if at is None and planned is not None:
            if tz is not None:
                raise click.UsageError("--tz goes with --at (the rundown's starts_at has its own timezone)")
            plan = planned if hard_out is None else planned.with_hard_out(parse_clock_time(hard_out))
        else:
            assert at is not None
            zone = _zone(workspace_zone, tz, planned.timezone if planned else None)
            rundown_hard_out = planned.local_hard_out() if planned else None
            # A rundown that plans its own end (ends_at) keeps that length at the new start.
            length = planned.duration_ms if planned else rundown.planned_total_ms
            plan = plan_show(at, zone, planned_total_ms=length,
                             hard_out=hard_out or (f"{rundown_hard_out:%H:%M}" if rundown_hard_out else None))
        refuse_past_start(plan, store.clock.now_ms())
        show = store.schedule(rundown.title, plan, planned_total_ms=rundown.planned_total_ms,
                              rundown_path=str(rundown_path.resolve()),
                              join_url=rundown.join_url if join_url is None else parse_join_url(join_url),
                              location=rundown.location if location is None else parse_location(location))
    except ScheduleError as error:
        raise GreenroomError(str(error)) from None
    click.echo(f"scheduled {show.key}: {describe(show)}")
    click.echo(f"book guests for it with: livekit guests add NAME --show {show.key}")
