"""`outreach inbox --once`: read new mail now (`outreach run` polls on its own)."""

from __future__ import annotations

import click

from greenroom.cli import get_workspace


@click.command("inbox")
@click.option("--once", is_flag=True, required=True, help="Poll the [imap] mailbox once, then exit (required).")
@click.pass_context
def inbox(ctx: click.Context, once: bool) -> None:
    """Process new messages in the [imap] mailbox: replies stop sequences, opt-outs and bounces suppress.

    Replies are matched by In-Reply-To/References to the Message-IDs we sent, else by sender address.
    Auto-replies (out-of-office) are recorded but do not stop anything. Each message is processed once
    (tracked by UIDVALIDITY and UID); messages stay unread. If the server fails mid-way, what was
    processed stays processed and the rest is read next time.
    """
    from outreach.campaigns.replies import InboxSession  # IMAP and the campaign store load only here

    session = InboxSession(get_workspace(ctx))
    try:
        click.echo(session.poll().describe())
    finally:
        session.close()
