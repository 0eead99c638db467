"""`outreach report ...`: results of outreach work."""

from __future__ import annotations

import click

from greenroom.cli import get_workspace
from greenroom.output import FORMATS, print_records
from outreach.cli.reports import benchmark_command


@click.group("report")
def report() -> None:
    """Reports on outreach results."""


@report.command("campaign")
@click.argument("name")
@click.option("--format", "output_format", type=click.Choice((*FORMATS, "md")), default="table",
              show_default=True, help="table, csv, json or md (Markdown).")
@click.pass_context
def campaign(ctx: click.Context, name: str, output_format: str) -> None:
    """Per step and template of campaign NAME: queued, sent, replied, interested, declined, opted out,
    bounced, auto-replies, uncertain (waiting in `outreach inbox review`), reply rate, median time to reply;
    overall reply rate against the campaign's goal and the baseline of earlier campaigns."""
    from outreach.campaigns.report import (  # the campaign store loads Jinja2
        COLUMNS,
        campaign_report,
        format_markdown,
        format_report,
        report_records,
    )

    result = campaign_report(get_workspace(ctx).database(), name)
    if output_format == "table":
        click.echo(format_report(result))
    elif output_format == "md":
        click.echo(format_markdown(result))
    else:
        print_records(report_records(result), COLUMNS, output_format)


report.add_command(benchmark_command)
