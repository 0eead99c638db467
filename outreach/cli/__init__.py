"""The `outreach` command: a thin click layer over the outreach library."""

from greenroom.cli import tool_group
from outreach.cli.campaign import campaign
from outreach.cli.discover import discover_command
from outreach.cli.importing import import_command
from outreach.cli.inbox import inbox
from outreach.cli.influencers import influencers
from outreach.cli.preview import lint, preview
from outreach.cli.refresh import refresh
from outreach.cli.report import report
from outreach.cli.reports import benchmark_command
from outreach.cli.send import outbox, run, send
from outreach.cli.suppress import suppress

main = tool_group(
    "outreach",
    """Track the influencers of your niche and email them personal sequences that stop on reply.

    Settings live in greenroom.toml in the workspace (see `outreach init`).
    """,
)
main.add_command(import_command)
main.add_command(influencers)
main.add_command(refresh)
main.add_command(discover_command)
main.add_command(campaign)
main.add_command(preview)
main.add_command(lint)
main.add_command(send)
main.add_command(run)
main.add_command(outbox)
main.add_command(suppress)
main.add_command(inbox)
main.add_command(report)
report.add_command(benchmark_command)
