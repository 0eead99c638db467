"""`outreach inbox --once`: read new mail now (`outreach run` polls on its own); `outreach inbox review`:
the messages a person must decide."""

from __future__ import annotations

import click

from greenroom.cli import get_workspace
from greenroom.output import FORMATS, print_records
from greenroom.text import terminal_safe
from outreach.cli.numbers import ROW_ID

DECISION_CHOICES = ("opt-out", "reply", "interested", "declined", "out-of-office", "ignore")


@click.group("inbox", invoke_without_command=True)
@click.option("--once", is_flag=True, help="Poll the [imap] mailbox once, then exit.")
@click.pass_context
def inbox(ctx: click.Context, once: bool) -> None:
    """Process new messages in the [imap] mailbox: replies stop sequences, opt-outs and bounces suppress.

    Replies are matched by In-Reply-To/References to the Message-IDs we sent (the nearest one gets the
    credit), else by sender address. "Not interested" declines the sequence; an out-of-office pauses it
    until the return date. A message acts only if it comes from one of that person's addresses and passes
    the receiving server's DMARC/SPF/DKIM check (when it made one); a bounce only for an address we sent
    the referenced email to. Anything else, or anything unclear, waits in `outreach inbox review`, and no
    email goes to that person meanwhile. Each message is processed once (UIDVALIDITY and UID); messages
    stay unread; an unreadable or oversized one is recorded and skipped.
    """
    if ctx.invoked_subcommand is not None:
        return
    if not once:
        raise click.UsageError("say --once to poll now, or use `outreach inbox review`")
    from outreach.campaigns.replies import InboxSession  # IMAP and the campaign store load only here

    session = InboxSession(get_workspace(ctx))
    try:
        click.echo(session.poll().describe())
    finally:
        session.close()


@inbox.group("review")
def review_group() -> None:
    """Messages waiting for a person: unsure meaning, failed authentication, unmatched bounces."""


@review_group.command("list")
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="table", show_default=True,
              help="Output format.")
@click.pass_context
def review_list(ctx: click.Context, output_format: str) -> None:
    """Pending reviews, oldest first."""
    from outreach.campaigns import review

    rows = review.pending(get_workspace(ctx).database())
    print_records(rows, ["id", "proposed", "person", "from_address", "subject", "reason", "created_at"],
                  output_format)


@review_group.command("show")
@click.argument("review_id", type=ROW_ID)
@click.pass_context
def review_show(ctx: click.Context, review_id: int) -> None:
    """One review: who, what the inbox thought, why it did not act, and the start of the message.

    Everything shown was written by whoever sent the email: escape sequences are printed as visible text
    (``\\x1b``), never sent to the terminal.
    """
    from outreach.campaigns import review

    item = review.get(get_workspace(ctx).database(), review_id)
    for name in ("id", "status", "decision", "proposed", "reason", "person", "from_address", "subject",
                 "message_id", "received_at", "created_at"):
        if item.get(name) is not None:
            click.echo(terminal_safe(f"{name}: {item[name]}"))
    click.echo("")
    click.echo(terminal_safe(item.get("excerpt") or ""))


@review_group.command("decide")
@click.argument("review_id", type=ROW_ID)
@click.option("--as", "decision", type=click.Choice(DECISION_CHOICES), required=True,
              help="What the message is: opt-out suppresses for good, ignore lets the sequence go on.")
@click.pass_context
def review_decide(ctx: click.Context, review_id: int, decision: str) -> None:
    """Decide review REVIEW_ID; it acts as if the inbox had been sure."""
    from greenroom.clock import utc_now
    from outreach.campaigns.replies import decide

    item = decide(get_workspace(ctx).database(), review_id, decision, utc_now())
    click.echo(f"review #{item['id']} decided: {decision} ({item.get('person') or item.get('from_address') or '-'})")
