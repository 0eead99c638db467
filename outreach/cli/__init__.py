"""The `outreach` command: a thin click layer over the outreach library.

Each subcommand's module is imported only when that command runs (see ``greenroom.cli.LazyGroup``), so a
quick ``outreach influencers list`` does not pay for the scheduler, mail templates or HTTP clients.
"""

from greenroom.cli import LazyCommand, tool_group

main = tool_group(
    "outreach",
    """Track the influencers of your niche and email them personal sequences that stop on reply.

    Settings live in greenroom.toml in the workspace (see `outreach init`).
    """,
    lazy_commands={
        "import": LazyCommand(
            "outreach.cli.importing:import_command",
            "Import influencers from FILE (CSV with , ; or tab, or a JSON list of objects).",
        ),
        "influencers": LazyCommand(
            "outreach.cli.influencers:influencers",
            "Browse, search, tag, edit and export the people you track.",
        ),
        "refresh": LazyCommand(
            "outreach.cli.refresh:refresh",
            "Refresh follower/subscriber counts of everyone tracked (or of REFERENCES: ids, emails, platform:handle).",
        ),
        "discover": LazyCommand(
            "outreach.cli.discover:discover_command",
            "Find channels of a niche, ranked by audience weighted by 30-day growth (known for tracked people).",
        ),
        "campaign": LazyCommand(
            "outreach.cli.campaign:campaign",
            "Start and control email sequences defined in YAML files.",
        ),
        "preview": LazyCommand(
            "outreach.cli.preview:preview",
            "Print exactly what would be sent (full headers) for CAMPAIGN (a YAML file or a started campaign's name).",
        ),
        "lint": LazyCommand(
            "outreach.cli.preview:lint",
            "Render every step for every recipient of CAMPAIGN and list each missing variable per recipient.",
        ),
        "send": LazyCommand("outreach.cli.send:send", "Send due campaign emails once."),
        "run": LazyCommand(
            "outreach.cli.send:run",
            "Foreground service: send due emails and read replies until SIGTERM or Ctrl-C.",
        ),
        "outbox": LazyCommand(
            "outreach.cli.send:outbox",
            "Inspect the outbox, decide messages whose delivery is uncertain, resume paused mailboxes.",
        ),
        "suppress": LazyCommand(
            "outreach.cli.suppress:suppress",
            "Addresses that must never be emailed (opt-outs, bounces, by hand).",
        ),
        "unsubscribe": LazyCommand(
            "outreach.cli.unsubscribe:unsubscribe",
            "One-click unsubscribe links (List-Unsubscribe, RFC 8058).",
        ),
        "mailbox": LazyCommand(
            "outreach.cli.mailbox:mailbox",
            "Sign in to Gmail and Microsoft 365 mailboxes with OAuth2 (auth = \"xoauth2\").",
        ),
        "inbox": LazyCommand(
            "outreach.cli.inbox:inbox",
            "Process new messages in the [imap] mailbox: replies stop sequences, opt-outs and bounces suppress.",
        ),
        "report": LazyCommand("outreach.cli.report:report", "Reports on outreach results."),
    },
)
