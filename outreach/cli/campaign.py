"""`outreach campaign start|pause|resume|stop|status|edit|sync|history`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from greenroom.cli import get_workspace
from greenroom.clock import utc_now
from outreach.cli.numbers import LIMIT
from outreach.core.campaign_changes import SettingsEdit, check_hours, check_timezone, parse_days


@click.group("campaign")
def campaign() -> None:
    """Start and control email sequences defined in YAML files."""


@campaign.command("start")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show who would be enrolled and who left out; change nothing.")
@click.pass_context
def start(ctx: click.Context, file: Path, dry_run: bool) -> None:
    """Enroll the audience of the campaign in FILE; emails then go out with `outreach run` / `send --once`.

    Never enrolls suppressed or bounced addresses, do-not-contact or declined people, or anyone already
    active in another campaign; prints who was left out and why. All or nothing: if the file is invalid or
    any template misses a variable for any recipient, nothing is enrolled.
    """
    from outreach.campaigns.store import start_campaign  # Jinja2 and Markdown load only when needed

    workspace = get_workspace(ctx)
    result = start_campaign(workspace.database(), file, workspace.root, utc_now(), dry_run=dry_run)
    for pid, name, reason in result.left_out:
        click.echo(f"left out #{pid} {name}: {reason}")
    verb = "would enroll" if dry_run else "enrolled"
    click.echo(f"{verb} {len(result.enrolled)} people, left out {len(result.left_out)}")


def _status_command(name: str, status: str, help_text: str) -> click.Command:
    @click.command(name, help=help_text)
    @click.argument("campaign_name")
    @click.pass_context
    def command(ctx: click.Context, campaign_name: str) -> None:
        from outreach.campaigns.store import set_status

        stored = set_status(get_workspace(ctx).database(), campaign_name, status, utc_now())
        click.echo(f"campaign {stored.name} is {stored.status}")

    return command


campaign.add_command(_status_command("pause", "paused", "Pause CAMPAIGN_NAME: nothing is queued or sent until resume."))
campaign.add_command(_status_command("resume", "active", "Resume a paused CAMPAIGN_NAME."))
campaign.add_command(_status_command(
    "stop", "stopped", "Stop CAMPAIGN_NAME for good: active sequences end, queued emails are cancelled."))


@campaign.command("status")
@click.argument("campaign_name", required=False)
@click.pass_context
def status(ctx: click.Context, campaign_name: str | None) -> None:
    """Enrollments by status and outbox by state, for one campaign or all."""
    from outreach.campaigns.store import status_rows

    rows = status_rows(get_workspace(ctx).database(), campaign_name)
    for row in rows:
        enrolled = ", ".join(f"{k} {v}" for k, v in sorted(row["enrollments"].items())) or "nobody"
        queue = ", ".join(f"{k} {v}" for k, v in sorted(row["outbox"].items())) or "empty"
        click.echo(f"{row['name']} [{row['status']}]: enrollments: {enrolled}; outbox: {queue}; "
                   f"next due: {row['next_due_at'] or '-'}")
    if not rows:
        click.echo("no campaigns yet (outreach campaign start FILE)")
    from outreach.campaigns.sending import describe_usage, mailbox_usage
    from outreach.campaigns.settings import mailbox_settings

    workspace = get_workspace(ctx)  # and each sending mailbox: count today, cap, pause
    for usage in mailbox_usage(workspace.database(), mailbox_settings(workspace), utc_now()):
        click.echo(describe_usage(usage))


def _option_value(parse: Callable[[str], Any]) -> Callable[[click.Context, click.Parameter, str | None], Any]:
    """A click callback turning a checker's ValueError into a usage error naming the option."""
    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
        if value is None:
            return None
        try:
            return parse(value)
        except ValueError as error:
            raise click.BadParameter(str(error)) from None

    return callback


@campaign.command("edit")
@click.argument("campaign_name")
@click.option("--file", "file", type=click.Path(dir_okay=False, path_type=Path),
              help="The whole campaign file again: allowed differences are applied, others refused with file:line.")
@click.option("--daily-cap", type=LIMIT, help="Emails per sending mailbox per local day.")
@click.option("--window", callback=_option_value(check_hours), help="Send hours, e.g. 09:00-17:00.")
@click.option("--days", callback=_option_value(parse_days), help="Send days, e.g. mon-fri or mon,wed,fri.")
@click.option("--timezone", callback=_option_value(check_timezone),
              help="The campaign's zone (for people whose own zone is unknown), e.g. Europe/London.")
@click.option("--min-gap", type=click.FloatRange(min=0), help="Minutes between two sends of a mailbox.")
@click.option("--jitter", type=click.FloatRange(min=0), help="Random extra minutes added to each gap.")
@click.option("--dry-run", is_flag=True, help="Show the differences and what would be re-planned; change nothing.")
@click.pass_context
def edit(ctx: click.Context, campaign_name: str, file: Path | None, daily_cap: int | None, window: str | None,
         days: tuple[str, ...] | None, timezone: str | None, min_gap: float | None, jitter: float | None,
         dry_run: bool) -> None:
    """Change a running or paused campaign: cap, send window, gaps, and steps nobody received yet.

    With options, only those settings change. With --file, the whole definition is replaced if every
    difference is allowed: a step someone already received keeps its template (and subject), the sender
    stays once anyone was contacted; an audience change is stored for `outreach campaign sync`, which
    enrolls the newly matching people. Pending due times move into a new window; progress is kept.
    """
    from outreach.campaigns.changes import edit_campaign, edit_campaign_settings
    from outreach.campaigns.store import read_campaign_file

    settings = SettingsEdit(daily_cap=daily_cap, hours=window, days=days, timezone=timezone,
                            min_gap_minutes=min_gap, jitter_minutes=jitter)
    if file is not None and not settings.empty():
        raise click.UsageError("give either --file or setting options, not both")
    if file is None and settings.empty():
        raise click.UsageError("nothing to change: give --file NEW.yaml or options such as --daily-cap 40")
    workspace = get_workspace(ctx)
    db = workspace.database()
    if file is not None:
        _, text = read_campaign_file(file)
        outcome = edit_campaign(db, campaign_name, text, str(file), workspace.root, utc_now(), dry_run=dry_run)
    else:
        outcome = edit_campaign_settings(db, campaign_name, settings, workspace.root, utc_now(), dry_run=dry_run)
    if outcome.edit.empty:
        click.echo(f"campaign {outcome.campaign}: no differences, nothing changed")
        return
    for difference in outcome.edit.differences:
        click.echo(f"  {difference}")
    verb = "would get" if dry_run else "got"
    click.echo(f"{len(outcome.replan.moved)} pending step(s) {verb} a new due time")
    if outcome.replan.completed:
        click.echo(f"{len(outcome.replan.completed)} sequence(s) {'would end' if dry_run else 'ended'}: "
                   "their next step was removed")
    if outcome.retries_moved:
        click.echo(f"{len(outcome.retries_moved)} queued retr{'y' if len(outcome.retries_moved) == 1 else 'ies'} "
                   f"{'would move' if dry_run else 'moved'} into the new send window")
    if outcome.edit.audience_changed:
        click.echo(f"audience changed: nobody is enrolled or removed by edit; "
                   f"`outreach campaign sync {outcome.campaign}` enrolls the newly matching people")
    click.echo("dry run: nothing changed" if dry_run else f"campaign {outcome.campaign} updated")


@campaign.command("sync")
@click.argument("campaign_name")
@click.option("--dry-run", is_flag=True, help="Show who would be enrolled and who skipped; change nothing.")
@click.pass_context
def sync(ctx: click.Context, campaign_name: str, dry_run: bool) -> None:
    """Enroll people who now match CAMPAIGN_NAME's audience (imported or changed since it started).

    Same rules as `campaign start`: suppressed, do-not-contact or declined people, people without an
    email address or active in another campaign are skipped, with the reasons counted; nobody is enrolled
    in the same campaign twice. Their first step falls due as at start.
    """
    from outreach.campaigns.changes import sync_campaign

    workspace = get_workspace(ctx)
    outcome = sync_campaign(workspace.database(), campaign_name, workspace.root, utc_now(), dry_run=dry_run)
    verb = "would enroll" if dry_run else "enrolled"
    for pid, name, email in outcome.enrolment.enrolled:
        click.echo(f"{verb} #{pid} {name} <{email}>")
    for pid, name, reason in outcome.enrolment.left_out:
        click.echo(f"skipped #{pid} {name}: {reason}")
    skipped = outcome.skipped_by_reason()
    reasons = "".join(f"; {count} {reason}" for reason, count in skipped.items())
    click.echo(f"{verb} {len(outcome.enrolment.enrolled)} people, skipped {sum(skipped.values())}{reasons}")
    if dry_run:
        click.echo("dry run: nothing changed")


@campaign.command("history")
@click.argument("campaign_name")
@click.pass_context
def history(ctx: click.Context, campaign_name: str) -> None:
    """Every edit and sync of CAMPAIGN_NAME, oldest first: when, what changed, the counts."""
    from outreach.campaigns.changes import history as change_history

    changes = change_history(get_workspace(ctx).database(), campaign_name)
    for change in changes:
        totals = {key: sum(value.values()) if isinstance(value, dict) else value
                  for key, value in change["counts"].items()}
        counts = ", ".join(f"{key} {value}" for key, value in totals.items() if value)
        click.echo(f"{change['at']} {change['kind']} ({change['source']}){': ' + counts if counts else ''}")
        for line in change["summary"]:
            click.echo(f"  {line}")
    if not changes:
        click.echo(f"campaign {campaign_name}: no edits or syncs yet")
