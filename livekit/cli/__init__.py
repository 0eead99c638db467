"""The `livekit` command: a thin click layer over the livekit library.

Each subcommand's module is imported only when that command runs (see ``greenroom.cli.LazyGroup``), so
``livekit guests list`` does not pay for OBS, Twitch, YouTube or the web server.
"""

import click

from greenroom.cli import get_workspace, tool_group

main = tool_group(
    "livekit",
    """Run live shows: a rundown drives OBS Studio, Twitch and YouTube; a control room in the browser.

    Settings live in greenroom.toml in the workspace (see `livekit init`).
    """,
    lazy_commands={
        "run": "livekit.cli.run:run",
        "obs": "livekit.cli.obs:obs",
        "check": "livekit.cli.check:check",
        "rundown": "livekit.cli.check:rundown",
        "report": "livekit.cli.report:report",
        "shows": "livekit.cli.report:shows",
        "schedule": "livekit.cli.schedule:schedule",
        "vod": "livekit.cli.vod:vod",
        "guests": "livekit.cli.guests:guests",
        "auth": "livekit.cli.auth:auth",
        "token": "livekit.cli.token:token",
    },
)


def _init_with_control_token(init: click.Command) -> click.Command:
    """`livekit init` also creates the workspace's control token, so it exists before the first show."""
    callback = init.callback
    assert callback is not None

    @click.pass_context
    def init_and_token(ctx: click.Context) -> None:
        ctx.invoke(callback)
        from livekit.runner.control_token import control_token_path, stored_control_token

        workspace = get_workspace(ctx)
        existed = control_token_path(workspace).exists()
        stored_control_token(workspace)
        if not existed:
            click.echo(f"created {control_token_path(workspace)} (control token, mode 0600; `livekit token show`)")

    init.callback = init_and_token
    return init


_init_with_control_token(main.commands["init"])
