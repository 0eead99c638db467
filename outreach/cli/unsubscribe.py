"""`outreach unsubscribe serve`: receive the one-click unsubscribes of sent emails (RFC 8058)."""

from __future__ import annotations

import click

from greenroom.cli import get_workspace
from greenroom.errors import ConfigError


@click.group("unsubscribe")
def unsubscribe() -> None:
    """One-click unsubscribe links (List-Unsubscribe, RFC 8058)."""


@unsubscribe.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; keep loopback and put an HTTPS reverse proxy in front.")
@click.option("--port", default=8788, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (the reverse proxy forwards [outreach] unsubscribe_url here).")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Unsubscribe whoever POSTs a valid one-click link; a GET shows a confirm button. Stops on SIGTERM."""
    import asyncio

    from greenroom.clock import utc_now
    from outreach.campaigns.settings import outreach_settings
    from outreach.campaigns.unsubscribe_server import UnsubscribeService, serve_until_stopped

    workspace = get_workspace(ctx)
    settings = outreach_settings(workspace)
    if not settings.unsubscribe_url or not settings.unsubscribe_key:
        raise ConfigError(f"{workspace.config_path}: set [outreach] unsubscribe_url to the public https:// "
                          "address your reverse proxy forwards to this server")
    service = UnsubscribeService(workspace.database(), settings.unsubscribe_key, utc_now,
                                 lambda line: click.echo(line))
    asyncio.run(serve_until_stopped(service, settings.unsubscribe_url, host, port,
                                    lambda line: click.echo(line)))
