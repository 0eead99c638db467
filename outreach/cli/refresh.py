"""`outreach refresh`: take a stats snapshot of every tracked YouTube channel and Twitch user."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

import click

from greenroom.cli import get_workspace
from greenroom.output import print_records
from greenroom.text import terminal_safe
from outreach.storage.influencers import find_influencer

COLUMNS = ("influencer_id", "name", "platform", "handle", "followers", "views", "videos", "error")


@click.command("refresh")
@click.argument("references", nargs=-1)
@click.option("--platform", "platforms", multiple=True, type=click.Choice(("youtube", "twitch")),
              help="Only this platform (repeatable). Default: both.")
@click.option("--format", "output_format", type=click.Choice(("table", "json")), default="table",
              show_default=True, help="table for reading, json for other tools.")
@click.pass_context
def refresh(ctx: click.Context, references: tuple[str, ...], platforms: tuple[str, ...], output_format: str) -> None:
    """Refresh follower/subscriber counts of everyone tracked (or of REFERENCES: ids, emails, platform:handle).

    YouTube: channels.list, 50 channels per call (1 quota unit each; @handles cost 1 unit each), counted
    against [youtube] daily_quota; key from $YOUTUBE_API_KEY, else the `livekit auth youtube` tokens. Twitch: Helix users + channels/followers with
    an app token from $TWITCH_CLIENT_ID / $TWITCH_CLIENT_SECRET. Each snapshot is kept, and 7/30-day growth
    is recomputed. Partial failure: a handle that fails (unknown, API error, quota used up, platform not
    configured) is listed with its error and the others are still refreshed; exit code 0 if at least one
    handle was refreshed, 1 if none could be.
    """
    from outreach.platforms.refresh import refresh_workspace  # the HTTP stack loads only when needed

    workspace = get_workspace(ctx)
    db = workspace.database()
    ids = [find_influencer(db, reference) for reference in references] or None
    import asyncio  # the event loop machinery loads only for commands that need it

    report = asyncio.run(refresh_workspace(workspace, db=db, influencer_ids=ids,
                                           platforms=platforms or ("youtube", "twitch")))
    rows = [asdict(line) for line in report.lines]
    if output_format == "json":
        click.echo(json.dumps({"lines": rows, "youtube_units": report.youtube_units,
                               "twitch_calls": report.twitch_calls}, ensure_ascii=False, indent=2))
    elif rows:
        print_records(rows, COLUMNS, "table")
    click.echo(terminal_safe(f"refreshed {report.refreshed}, failed {report.failed}; YouTube quota units used "
                             f"{report.youtube_units}, Twitch calls {report.twitch_calls}"), err=True)
    if report.lines and report.refreshed == 0:
        sys.exit(1)
