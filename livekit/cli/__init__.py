"""The `livekit` command: a thin click layer over the livekit library.

Each subcommand's module is imported only when that command runs (see ``greenroom.cli.LazyGroup``), so
``livekit guests list`` does not pay for OBS, Twitch, YouTube or the web server.
"""

from greenroom.cli import tool_group

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
        "guests": "livekit.cli.guests:guests",
        "auth": "livekit.cli.auth:auth",
    },
)
