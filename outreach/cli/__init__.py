"""The `outreach` command: a thin click layer over the outreach library."""

from greenroom.cli import tool_group
from outreach.cli.importing import import_command
from outreach.cli.influencers import influencers

main = tool_group(
    "outreach",
    """Track the influencers of your niche and email them personal sequences that stop on reply.

    Settings live in greenroom.toml in the workspace (see `outreach init`).
    """,
)
main.add_command(import_command)
main.add_command(influencers)
