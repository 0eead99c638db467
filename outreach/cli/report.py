"""`outreach report ...`: results of outreach work."""

from __future__ import annotations

import click

from greenroom.cli import get_workspace
from outreach.cli.reports import benchmark_command


@click.group("report")
def report() -> None:
    """Reports on outreach results."""


@report.command("campaign")
@click.argument("name")
@click.pass_context
def campaign(ctx: click.Context, name: str) -> None:
    """Per step and template of campaign NAME: queued, sent, replied, bounced, opted out, reply rate, median
    time to reply; overall reply rate against the campaign's goal and the baseline of earlier campaigns."""
    from outreach.campaigns.report import campaign_report, format_report  # the campaign store loads Jinja2

    click.echo(format_report(campaign_report(get_workspace(ctx).database(), name)))


report.add_command(benchmark_command)
