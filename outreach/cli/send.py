"""`outreach send --once`, `outreach run` and `outreach outbox list|resume|resolve`."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import click

from greenroom.cli import get_workspace
from greenroom.clock import utc_now
from greenroom.errors import GreenroomError
from greenroom.text import terminal_safe
from outreach.campaigns.settings import mailbox_settings, smtp_settings
from outreach.cli.numbers import LIMIT, ROW_ID
from outreach.storage import outbox as outbox_store


@click.command("send")
@click.option("--once", is_flag=True, required=True,
              help="Run one tick now: queue what is due and deliver the queue, then exit (required; "
                   "`outreach run` keeps going).")
@click.option("--dry-run", is_flag=True,
              help="Plan and render exactly what this tick would queue and list it; send and record nothing.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"]),
              help="Rehearse a campaign: act as if it were this UTC time (e.g. to see follow-ups due days "
                   "ahead). Only with --dry-run, --rehearse-to or the outbox/ transport (no [smtp]), so a real "
                   "email is never sent outside its window.")
@click.option("--rehearse-to", "rehearse_to", metavar="ADDRESS",
              help="Rehearse against the real SMTP servers: every email of this tick goes to ADDRESS only (envelope "
                   "and To rewritten, subject says whom it was for) and the database is not changed (the tick "
                   "runs on a throwaway copy: nothing recorded as sent, no sequence moves, nobody suppressed).")
@click.pass_context
def send(ctx: click.Context, once: bool, dry_run: bool, as_of: datetime | None, rehearse_to: str | None) -> None:
    """Send due campaign emails once. Without --dry-run this REALLY sends.

    Each email is recorded as `sending` before delivery and `sent` after. If the connection drops while
    the server may have accepted a message, it is marked `uncertain` and never re-sent automatically:
    decide with `outreach outbox resolve ID --sent|--retry`. Messages left `sending` by a crash become
    `uncertain` the next time a sender starts. Temporary (4xx) failures are retried with backoff
    (1 min ... 6 h), always inside the recipient's send window. A 5xx answer is read by its stage and
    RFC 3463 code: an unknown address (5.1.x) is bounced and suppressed; a refusal of the sender (quota
    5.4.5, policy 5.7.x, anything at MAIL FROM) pauses that mailbox and keeps its queue (see `outreach
    outbox list`, lift it with `outreach outbox resume ADDRESS`; a quota pause ends at local midnight); a
    content refusal (5.7.1/5.6.x at DATA) fails that message only. If a mailbox's server cannot be
    reached, its messages stay queued for the next tick while other mailboxes go on. Without an [smtp]
    section, emails are written to WORKSPACE/outbox/*.eml instead. With [imap], the inbox is read first
    so waiting replies stop their follow-ups (if it cannot be read, a warning is printed and sending goes on). Campaigns with `mailboxes:`
    send each person from one of several [mailboxes.NAME] (rotation, own caps and pauses, own SMTP).

    With --rehearse-to ADDRESS the tick runs on a copy of the database and every email goes to ADDRESS only.
    """
    # Sending, IMAP and the templates load only in the commands that send.
    from outreach.campaigns.replies import InboxSession, inbox_servers
    from outreach.service import describe_tick, send_once

    workspace = get_workspace(ctx)
    clock = utc_now
    if rehearse_to is not None:
        rehearse_to = rehearse_to.strip()
        if not re.fullmatch(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+", rehearse_to):
            raise click.BadParameter(f"{rehearse_to!r} is not an email address", param_hint="--rehearse-to")
        if dry_run:
            raise click.UsageError("--rehearse-to sends to ADDRESS for real; --dry-run sends nothing: pick one")
    sends_for_real = smtp_settings(workspace) is not None or any(
        mailbox.smtp is not None for mailbox in mailbox_settings(workspace).values())
    if as_of is not None:
        if not dry_run and rehearse_to is None and sends_for_real:
            raise GreenroomError("--as-of rehearses into outbox/ only: use --dry-run or --rehearse-to ADDRESS, or a "
                                 "workspace without [smtp]")
        rehearsed = as_of.replace(tzinfo=UTC)
        clock = lambda: rehearsed  # noqa: E731 - a fixed instant for the whole tick
    if rehearse_to is not None:
        from outreach.service import rehearse_once

        report = rehearse_once(workspace, rehearse_to, clock=clock)
        for item in report.queued:
            click.echo(f"rehearsal: {item['campaign']} step {item['step']} for {item['to']} from {item['from']}: "
                       f"{item['subject']}")
        click.echo(f"rehearsal: {report.sent} email(s) sent to {rehearse_to} only ({describe_tick(report)}); "
                   "the database was not changed.")
        for problem in report.errors:
            click.secho(f"not queued: {problem}", fg="yellow", err=True)
        if report.unreachable:
            ctx.exit(3)
        return
    if not dry_run and as_of is None and inbox_servers(workspace):
        inbox = InboxSession(workspace)
        try:
            click.echo(inbox.poll().describe())
        except GreenroomError as error:
            click.secho(f"warning: inbox not read, sending anyway: {error}", fg="yellow", err=True)
        finally:
            inbox.close()
    recovered, report = send_once(workspace, dry_run=dry_run, clock=clock)
    for row in recovered:
        click.echo(f"outbox #{row['id']} to {row['to_address']} was interrupted during delivery: now uncertain "
                   f"(decide with: outreach outbox resolve {row['id']} --sent|--retry)")
    if dry_run:
        for item in report.queued:
            click.echo(f"would queue: {item['campaign']} step {item['step']} to {item['to']}: {item['subject']} "
                       f"(from {item['from']})")
        click.echo(f"dry run: {len(report.queued)} email(s) would be queued; nothing was sent or recorded.")
    else:
        click.echo(describe_tick(report))
    for address, why in report.paused.items():
        click.secho(f"mailbox {address} paused, its queue is kept: the server said {why} "
                    f"(resume with: outreach outbox resume {address})", fg="yellow", err=True)
    if report.waiting_paused:
        click.echo(f"{report.waiting_paused} due email(s) wait for a paused mailbox (outreach outbox list)")
    for problem in report.errors:
        click.secho(f"not queued: {problem}", fg="yellow", err=True)
    for skipped in report.guest_skipped:
        click.echo(terminal_safe(f"guest email skipped: {skipped}"))
    for problem in report.sent_copy_problems:
        click.secho(f"warning: {problem}", fg="yellow", err=True)
    if report.transport_error:
        ctx.exit(3)


@click.command("run")
@click.option("--send-every", type=click.FloatRange(min=1), default=60.0, show_default=True,
              help="Seconds between send ticks.")
@click.option("--poll-every", type=click.FloatRange(min=5), default=120.0, show_default=True,
              help="Seconds between inbox polls when [imap] is configured (the inbox is also read right "
                   "before every send tick, so a waiting reply stops its follow-up).")
@click.pass_context
def run(ctx: click.Context, send_every: float, poll_every: float) -> None:
    """Foreground service: send due emails and read replies until SIGTERM or Ctrl-C.

    Works without a terminal (logs one line per tick that did something). Stops cleanly on SIGTERM: the
    message being delivered finishes and is recorded first. Failures of one tick are reported and the next
    tick tries again; state lives in the database, so restarting never repeats a send.
    """
    from outreach.service import OutreachService, sender_lock

    workspace = get_workspace(ctx)
    with sender_lock(workspace):
        service = OutreachService(workspace, send_every, poll_every, report=lambda line: click.echo(line))
        import asyncio  # the event loop machinery loads only for commands that need it

        asyncio.run(service.run())
    click.echo("stopped.")


@click.group("outbox")
def outbox() -> None:
    """Inspect the outbox, decide messages whose delivery is uncertain, resume paused mailboxes."""


@outbox.command("list")
@click.option("--state", type=click.Choice(outbox_store.STATES), help="Only messages in this state.")
@click.option("--limit", type=LIMIT, default=50, show_default=True, help="At most this many, newest first.")
@click.pass_context
def outbox_list(ctx: click.Context, state: str | None, limit: int) -> None:
    """List outbox messages (newest first), after each sending mailbox's count today, cap and pause."""
    from outreach.campaigns.sending import describe_usage, mailbox_usage

    workspace = get_workspace(ctx)
    db = workspace.database()
    for usage in mailbox_usage(db, mailbox_settings(workspace), utc_now()):
        click.echo(terminal_safe(describe_usage(usage)))
    for address, paused in outbox_store.paused_mailboxes(db, utc_now()).items():
        until = f" until {paused['paused_until']}" if paused["paused_until"] else " until resumed"
        click.echo(f"mailbox {address} PAUSED since {paused['paused_at']}{until}: {paused['pause_reason']} "
                   f"(outreach outbox resume {address})")
    rows = outbox_store.list_rows(db, state, limit)
    for row in rows:
        # The Message-ID is what a person searches their mail client for to settle an uncertain row.
        error = f"  ({row['last_error']})" if row["last_error"] else ""
        step = "" if row["step"] is None else f" step {row['step'] + 1}"  # a guest email has no step
        click.echo(terminal_safe(f"#{row['id']:<6} {row['state']:<10} {row['campaign']}{step} -> "
                                 f"{row['to_address']}  {row['message_id']}{error}"))
    if not rows:
        click.echo("outbox is empty" + (f" for state {state}" if state else ""))


@outbox.command("resume")
@click.argument("address")
@click.pass_context
def outbox_resume(ctx: click.Context, address: str) -> None:
    """Lift the pause of a sending mailbox the server refused (quota, policy): its queue goes out again."""
    if not outbox_store.resume_mailbox(get_workspace(ctx).database(), address):
        raise GreenroomError(f"mailbox {address} is not paused")
    click.echo(f"mailbox {address} resumed: its queued emails go out on the next tick")


@outbox.command("resolve")
@click.argument("message_id", type=ROW_ID)
@click.option("--sent", "decision", flag_value="sent", help="It did arrive: record it as sent and move the sequence on.")
@click.option("--retry", "decision", flag_value="retry", help="It did not arrive: queue it again (same Message-ID).")
@click.pass_context
def outbox_resolve(ctx: click.Context, message_id: int, decision: str | None) -> None:
    """Decide an `uncertain` message (one whose delivery was interrupted): --sent or --retry."""
    if decision is None:
        raise click.UsageError("say what happened: --sent or --retry")
    from outreach.campaigns.sending import resolve

    row = resolve(get_workspace(ctx).database(), message_id, decision == "sent", utc_now())
    click.echo(f"outbox #{message_id} is now {row['state']}")
