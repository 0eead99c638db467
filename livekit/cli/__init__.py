"""The `livekit` command: a thin click layer over the livekit library.

Each subcommand's module is imported only when that command runs (see ``greenroom.cli.LazyGroup``), so
``livekit guests list`` does not pay for OBS, Twitch, YouTube or the web server.
"""

import click

from greenroom.cli import LazyCommand, get_workspace, tool_group

main = tool_group(
    "livekit",
    """Run live shows: a rundown drives OBS Studio, Twitch and YouTube; a control room in the browser.

    Settings live in greenroom.toml in the workspace (see `livekit init`).
    """,
    lazy_commands={
        "run": LazyCommand("livekit.cli.run:run", "Run the show in RUNDOWN (YAML or CSV)."),
        "obs": LazyCommand(
            "livekit.cli.obs:obs",
            "Check the connection to OBS Studio (obs-websocket v5, OBS 28 or newer).",
        ),
        "check": LazyCommand(
            "livekit.cli.check:check",
            "Check a rundown (YAML, or CSV when it ends in .csv) and print EVERY problem as file:line: message.",
        ),
        "rundown": LazyCommand(
            "livekit.cli.check:rundown",
            "Convert rundowns between YAML (for people) and CSV (for spreadsheets).",
        ),
        "report": LazyCommand(
            "livekit.cli.report:report",
            "Planned vs actual timing of a show (default: the latest), rebuilt from its stored event log, with its audience per segment and each show metric against its goal and baseline.",
        ),
        "shows": LazyCommand(
            "livekit.cli.report:shows",
            "List past and current shows, newest first: id, title, date, status (rehearsals marked), planned vs actual length.",
        ),
        "schedule": LazyCommand(
            "livekit.cli.schedule:schedule",
            "Schedule a show of RUNDOWN: a planned start in a time zone, a planned end (the rundown's total, or its ends_at) and an optional hard out; prints the show's key, which guests are booked under.",
        ),
        "vod": LazyCommand(
            "livekit.cli.vod:vod",
            "Set the VOD link of show SHOW_ID (see `livekit shows`): the recording of the whole show, whose timeline starts at the show's start like the chapters of `livekit report --format chapters`.",
        ),
        "guests": LazyCommand(
            "livekit.cli.guests:guests",
            "Guests of shows: book them, list the queue, export the appearance log.",
        ),
        "auth": LazyCommand("livekit.cli.auth:auth", "Authorise Greenroom on Twitch and YouTube."),
        "token": LazyCommand(
            "livekit.cli.token:token",
            "The control token: kept in the workspace (tokens/control-token, 0600) and reused by every `livekit run` and `--resume`, so open control rooms and Stream Deck buttons keep working.",
        ),
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
