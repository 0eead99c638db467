"""`livekit token`: the workspace's control token for /control and the HTTP API (see README "The token")."""

from __future__ import annotations

import os
import sys

import click

from greenroom.cli import get_workspace
from livekit.runner.control_token import (
    TOKEN_ENV,
    control_token_path,
    rotate_control_token,
    stored_control_token,
)


@click.group("token")
def token() -> None:
    """The control token: kept in the workspace (tokens/control-token, 0600) and reused by every
    `livekit run` and `--resume`, so open control rooms and Stream Deck buttons keep working."""


@token.command("show")
@click.pass_context
def show(ctx: click.Context) -> None:
    """Say where the token is; on a terminal also print it and the /control link (never into a log)."""
    workspace = get_workspace(ctx)
    value = stored_control_token(workspace)
    assert value is not None  # created when missing
    click.echo(f"Control token: {control_token_path(workspace)} (mode 0600)")
    if os.environ.get(TOKEN_ENV):
        click.echo(f"${TOKEN_ENV} is set: `livekit run` uses it instead of this file.")
    if sys.stdout.isatty():
        click.echo(f"Token:         {value}")
        click.echo(f"Control room:  {_control_url(ctx)}#token={value}")
    else:
        click.echo("Not a terminal: the token is not printed (read the file).")


@token.command("rotate")
@click.pass_context
def rotate(ctx: click.Context) -> None:
    """Replace the token with a new one. The old one is refused from the next `livekit run` (a running
    show keeps the token it started with until it is restarted or resumed)."""
    workspace = get_workspace(ctx)
    value = rotate_control_token(workspace)
    click.echo(f"New control token written to {control_token_path(workspace)} (mode 0600).")
    if sys.stdout.isatty():
        click.echo(f"Control room:  {_control_url(ctx)}#token={value}")


def _control_url(ctx: click.Context) -> str:
    config = get_workspace(ctx).config
    host = config.get("web", "host", str, "127.0.0.1")
    port = config.get("web", "port", int, 8787)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - a bind-all address is not a URL host
    return f"http://{shown}:{port}/control"
