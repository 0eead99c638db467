"""`outreach campaign start|pause|resume|stop|status`."""

from __future__ import annotations

from pathlib import Path

import click

from greenroom.cli import get_workspace
from greenroom.clock import utc_now


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
