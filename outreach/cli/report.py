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
@click.option("--baseline", "baseline_text", default="last:5", show_default=True, metavar="CHOICE",
              help="Compare with the median of the last N comparable campaigns (last:N: same audience tag or "
                   "template family) or with one campaign (campaign:NAME).")
@click.option("--goals", "goal_lines", is_flag=True,
              help="csv/json: one record per goal metric (overall and per step) instead of one per step.")
@click.pass_context
def campaign(ctx: click.Context, name: str, output_format: str, baseline_text: str, goal_lines: bool) -> None:
    """Per step and template of campaign NAME: queued, sent, replied, interested, declined, opted out,
    bounced, auto-replies, uncertain (waiting in `outreach inbox review`), reply rate, median time to reply;
    then reply, interested, booked, opt-out and bounce rates overall and per step as actual / goal / baseline
    with a verdict (goals from the campaign's `goals:`, else `[goals] campaign.NAME` in greenroom.toml)."""
    from greenroom.errors import ConfigError, GreenroomError
    from greenroom.goals import GoalError, parse_workspace_goals
    from outreach.campaigns.report import (  # the campaign store loads Jinja2
        COLUMNS,
        GOAL_COLUMNS,
        campaign_report,
        format_markdown,
        format_report,
        goal_records,
        report_records,
    )
    from outreach.core.campaign_baseline import CampaignBaselineError, parse_campaign_baseline

    try:
        choice = parse_campaign_baseline(baseline_text)
    except CampaignBaselineError as error:
        raise GreenroomError(str(error)) from None
    workspace = get_workspace(ctx)
    try:
        shared = parse_workspace_goals(workspace.config.section("goals")).campaign
    except GoalError as error:
        raise ConfigError(f"{workspace.config.path}: {error}") from None
    try:
        result = campaign_report(workspace.database(), name, workspace_goals=shared, baseline=choice)
    except CampaignBaselineError as error:
        raise GreenroomError(str(error)) from None
    if output_format == "table":
        click.echo(format_report(result))
    elif output_format == "md":
        click.echo(format_markdown(result))
    elif goal_lines:
        print_records(goal_records(result), (*GOAL_COLUMNS, "baseline_campaigns"), output_format)
    else:
        print_records(report_records(result), COLUMNS, output_format)


report.add_command(benchmark_command)
