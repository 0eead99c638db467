"""The `livekit` command: a thin click layer over the livekit library."""

from greenroom.cli import tool_group
from livekit.cli.auth import auth
from livekit.cli.check import check, rundown
from livekit.cli.guests import guests
from livekit.cli.obs import obs
from livekit.cli.report import report, shows
from livekit.cli.run import run

main = tool_group(
    "livekit",
    """Run live shows: a rundown drives OBS Studio, Twitch and YouTube; a control room in the browser.

    Settings live in greenroom.toml in the workspace (see `livekit init`).
    """,
)
main.add_command(run)
main.add_command(obs)
main.add_command(check)
main.add_command(rundown)
main.add_command(report)
main.add_command(shows)
main.add_command(guests)
main.add_command(auth)
