"""`outreach suppress add|list|remove`: the global do-not-email list, checked at enrolment and at send time."""

from __future__ import annotations

import click

from greenroom.cli import get_workspace
from greenroom.clock import utc_now


@click.group("suppress")
def suppress() -> None:
    """Addresses that must never be emailed (opt-outs, bounces, by hand)."""


@suppress.command("add")
@click.argument("emails", nargs=-1)
@click.option("--message-id", "message_ids", multiple=True, metavar="ID",
              help="Also suppress the recipient of the sent email with this Message-ID (repeatable).")
@click.option("--reason", default="manual", show_default=True, help="Why (shown in the list; 'bounce' counts as a hard bounce).")
@click.pass_context
def add(ctx: click.Context, emails: tuple[str, ...], message_ids: tuple[str, ...], reason: str) -> None:
    """Suppress EMAILS (and the recipients of --message-id emails) now: their active sequences stop and
    queued emails to them are cancelled."""
    from outreach.campaigns.store import suppress as add_suppression  # Jinja2 loads only when needed
    from outreach.campaigns.unsubscribe import suppress_recipient

    if not emails and not message_ids:
        raise click.UsageError("give at least one EMAIL or --message-id")
    db = get_workspace(ctx).database()
    for message_id in message_ids:
        sent, added = suppress_recipient(db, message_id, reason, "cli", utc_now())
        click.echo(f"{sent.to_address.lower()}: {'suppressed' if added else 'already suppressed'} "
                   f"(recipient of {sent.message_id})")
    for email in emails:
        added = add_suppression(db, email, reason, "cli", utc_now())
        click.echo(f"{email.strip().lower()}: {'suppressed' if added else 'already suppressed'}")


@suppress.command("list")
@click.pass_context
def list_(ctx: click.Context) -> None:
    """Show the suppression list."""
    from outreach.campaigns.store import suppression_list

    rows = suppression_list(get_workspace(ctx).database())
    for row in rows:
        click.echo(f"{row['email']}\t{row['reason']}\t{row['source'] or ''}\t{row['created_at']}")
    if not rows:
        click.echo("no suppressed addresses")


@suppress.command("remove")
@click.argument("emails", nargs=-1, required=True)
@click.pass_context
def remove(ctx: click.Context, emails: tuple[str, ...]) -> None:
    """Take EMAILS off the list (stopped sequences are not restarted)."""
    from outreach.campaigns.store import unsuppress

    db = get_workspace(ctx).database()
    for email in emails:
        click.echo(f"{email.strip().lower()}: {'removed' if unsuppress(db, email) else 'was not suppressed'}")
