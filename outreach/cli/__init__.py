"""The `outreach` command: a thin click layer over the outreach library.

Each subcommand's module is imported only when that command runs (see ``greenroom.cli.LazyGroup``), so a
quick ``outreach influencers list`` does not pay for the scheduler, mail templates or HTTP clients.
"""

from greenroom.cli import tool_group

main = tool_group(
    "outreach",
    """Track the influencers of your niche and email them personal sequences that stop on reply.

    Settings live in greenroom.toml in the workspace (see `outreach init`).
    """,
    lazy_commands={
        "import": "outreach.cli.importing:import_command",
        "influencers": "outreach.cli.influencers:influencers",
        "refresh": "outreach.cli.refresh:refresh",
        "discover": "outreach.cli.discover:discover_command",
        "campaign": "outreach.cli.campaign:campaign",
        "preview": "outreach.cli.preview:preview",
        "lint": "outreach.cli.preview:lint",
        "send": "outreach.cli.send:send",
        "run": "outreach.cli.send:run",
        "outbox": "outreach.cli.send:outbox",
        "suppress": "outreach.cli.suppress:suppress",
        "unsubscribe": "outreach.cli.unsubscribe:unsubscribe",
        "mailbox": "outreach.cli.mailbox:mailbox",
        "inbox": "outreach.cli.inbox:inbox",
        "report": "outreach.cli.report:report",
    },
)
