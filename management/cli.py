"""The `greenroom` command: reports for the people the social media team answers to.

A third command rather than a subcommand of `livekit` or `outreach`: a manager's report spans both tools
(shows and campaigns, plus the competitor benchmark), so putting it under either would make one tool
depend on the other, which the import contracts forbid.
"""

from __future__ import annotations

from pathlib import Path

import click

from greenroom.cli import get_workspace, tool_group

main = tool_group(
    "greenroom",
    """Reports to management over livekit's shows and outreach's campaigns, pipeline and benchmark.

    Settings live in greenroom.toml in the workspace ([goals] for the period's targets).
    """,
)


@main.command("report")
@click.option("--since", "period_text", default="30d", show_default=True, metavar="PERIOD",
              help="The period before now to report on: 7d, 4w, 3m (30-day months).")
@click.option("--format", "output_format", type=click.Choice(("html", "md")), default="md", show_default=True,
              help="html: one self-contained page (charts inline, opens from disk); md: Markdown.")
@click.option("--output", "output_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to this file (replaced atomically) instead of standard output.")
@click.pass_context
def report(ctx: click.Context, period_text: str, output_format: str, output_path: Path | None) -> None:
    """One report over the period: goals and where each stands, three highlights, shows (audience,
    engagement, best and worst segments, guests), outreach (campaigns against their baseline, guests
    booked, pipeline by stage) and the own brand against its competitors."""
    from greenroom.clock import wall_clock_ms
    from greenroom.errors import GreenroomError
    from greenroom.goals import GoalError, parse_period_days
    from greenroom.numbers import check_period_days
    from greenroom.output import write_output
    from management.data import management_data, workspace_goals
    from management.report import report_html, report_markdown

    try:
        days = check_period_days(parse_period_days(period_text))
    except GoalError as error:
        raise GreenroomError(f"--since: {error}") from None
    workspace = get_workspace(ctx)
    data = management_data(workspace.database(), workspace_goals(workspace.config), until_ms=wall_clock_ms(),
                           days=days)
    text = report_html(data) if output_format == "html" else report_markdown(data)
    write_output(text, output_path, f"report written to {output_path}")


#: Where `greenroom datasette-metadata` writes, inside the workspace, by default.
DATASETTE_METADATA = "datasette-metadata.yml"


@main.command("datasette-metadata")
@click.option("--output", "output_path", type=click.Path(dir_okay=False, path_type=Path),
              help=f"Where to write it. Default: {DATASETTE_METADATA} in the workspace.")
@click.pass_context
def datasette_metadata(ctx: click.Context, output_path: Path | None) -> None:
    """Write Datasette's metadata file (canned queries: audience per segment, reply rate per template,
    guests per owner) so `datasette greenroom.db --metadata datasette-metadata.yml` explores the workspace."""
    from greenroom.files import write_atomically
    from greenroom.templates import default_templates_dir

    target = output_path or get_workspace(ctx).path(DATASETTE_METADATA)
    write_atomically(target, (default_templates_dir() / "datasette" / "metadata.yml").read_bytes())
    click.echo(f"wrote {target}: datasette {get_workspace(ctx).database_path} --metadata {target}")
