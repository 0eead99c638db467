"""`livekit vod SHOW_ID URL`: where a show's recording is published, for the guests' thank-you links."""

from __future__ import annotations

import click

from greenroom.cli import get_workspace
from greenroom.numbers import ROW_ID
from greenroom.text import terminal_safe
from livekit.guests.journey import set_show_vod


@click.command("vod")
@click.argument("show_id", type=ROW_ID)
@click.argument("url")
@click.pass_context
def vod(ctx: click.Context, show_id: int, url: str) -> None:
    """Set the VOD link of show SHOW_ID (see `livekit shows`): the recording of the whole show, whose
    timeline starts at the show's start like the chapters of `livekit report --format chapters`.

    Guests who went on air get their thank-you email once it is set, with a link to their own segment
    (``?t=754``, or ``?t=0h12m34s`` on Twitch)."""
    set_show_vod(get_workspace(ctx).database(), show_id, url)
    click.echo(f"show #{show_id}: VOD {terminal_safe(url.strip())}")
