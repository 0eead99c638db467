"""`livekit obs ...`: check and inspect the OBS Studio that shows will drive."""

from __future__ import annotations

import click

from greenroom.cli import get_workspace
from greenroom.text import terminal_safe
from livekit.obs.settings import PASSWORD_ENV, ObsSettings


def obs_connection_options(function):
    """--obs-host/--obs-port/--obs-password for `livekit obs status` and `livekit check`.

    `livekit run` declares its own (same names, defaults from the workspace) next to its other OBS switches.
    """
    function = click.option("--obs-password", default=None, metavar="PASSWORD",
                            help=f"obs-websocket password. Default: ${PASSWORD_ENV}, else [obs] password "
                                 "in secrets.toml. Prefer those: a password on the command line is "
                                 "visible to other users of this machine.")(function)
    function = click.option("--obs-port", type=click.IntRange(1, 65535), default=None,
                            help="obs-websocket port. Default: [obs] port in greenroom.toml, else 4455.")(function)
    function = click.option("--obs-host", default=None, metavar="HOST",
                            help="Host running OBS. Default: [obs] host in greenroom.toml, else 127.0.0.1.")(function)
    return function


@click.group("obs")
def obs() -> None:
    """Check the connection to OBS Studio (obs-websocket v5, OBS 28 or newer)."""


@obs.command("status")
@obs_connection_options
@click.pass_context
def status(ctx: click.Context, obs_host: str | None, obs_port: int | None, obs_password: str | None) -> None:
    """Show OBS's version, the scene on program and whether it is streaming or recording.

    Connects, asks, disconnects; changes nothing in OBS. Gives up after [obs] timeout seconds
    (default 5) if OBS does not answer; exits with status 2 and one line saying why (OBS not running,
    wrong password, request refused).
    """
    from livekit.obs.adapter import ObsAdapter  # obs-websocket loads only for the commands that talk to OBS

    settings = ObsSettings.from_workspace(get_workspace(ctx), host=obs_host, port=obs_port, password=obs_password)
    with ObsAdapter(settings.host, settings.port, settings.password, timeout=settings.timeout) as adapter:
        version = adapter.version()
        rows = [
            ("OBS", f"{settings.host}:{settings.port}"),
            ("OBS Studio", version.obs_version),
            ("obs-websocket", version.websocket_version),
            ("program scene", adapter.current_program_scene()),
            ("stream", adapter.stream_status().state),
            ("record", adapter.record_status().state),
        ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        click.echo(f"{label.ljust(width)}  {terminal_safe(value)}")  # OBS names are user data
