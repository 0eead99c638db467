"""The `livekit` command: a thin click layer over the livekit library."""

from greenroom.cli import tool_group
from livekit.cli.obs import obs

main = tool_group(
    "livekit",
    """Run live shows: a rundown drives OBS Studio, Twitch and YouTube; a control room in the browser.

    Settings live in greenroom.toml in the workspace (see `livekit init`).
    """,
)
main.add_command(obs)
