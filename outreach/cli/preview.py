"""`outreach preview` and `outreach lint`: see every email before anything is sent."""

from __future__ import annotations

import random

import click

from greenroom.cli import get_workspace
from greenroom.clock import utc_now
from outreach.campaigns.settings import outreach_settings
from outreach.cli.numbers import LIMIT, ROW_ID


@click.command("preview")
@click.argument("campaign")
@click.option("--person", "person_id", type=ROW_ID, help="Preview for this influencer id.")
@click.option("--sample", type=LIMIT, help="Preview for N recipients picked at random.")
@click.option("--step", "steps", type=LIMIT, multiple=True,
              help="Only this step (1 = first email); repeatable. Default: every step.")
@click.pass_context
def preview(ctx: click.Context, campaign: str, person_id: int | None, sample: int | None, steps: tuple[int, ...]) -> None:
    """Print exactly what would be sent (full headers) for CAMPAIGN (a YAML file or a started campaign's name).

    Default: the first recipient. Nothing is stored or sent; Message-IDs and dates shown are examples.
    """
    from outreach.campaigns.preview import find_target  # Jinja2 and Markdown load only when rendering
    from outreach.campaigns.preview import preview as render_preview

    workspace = get_workspace(ctx)
    db = workspace.database()
    target = find_target(db, campaign)
    if person_id is not None:
        people = [person_id]
    elif sample:
        people = random.sample(target.people, min(sample, len(target.people)))
    else:
        people = target.people[:1]
    if not people:
        raise click.ClickException("nobody to preview: the campaign has no recipients")
    settings = outreach_settings(workspace)
    for pid, step, text in render_preview(db, workspace.root, settings, target.campaign, people, utc_now(),
                                          list(steps) or None):
        click.echo(f"===== influencer #{pid}, step {step} =====")
        click.echo(text)


@click.command("lint")
@click.argument("campaign")
@click.pass_context
def lint(ctx: click.Context, campaign: str) -> None:
    """Render every step for every recipient of CAMPAIGN and list each missing variable per recipient.

    Exits 1 if anything is missing (nothing is sent either way).
    """
    from outreach.campaigns.preview import find_target  # Jinja2 and Markdown load only when rendering
    from outreach.campaigns.store import lint_campaign

    workspace = get_workspace(ctx)
    db = workspace.database()
    target = find_target(db, campaign)
    problems = lint_campaign(db, target.campaign, workspace.root, target.people)
    for pid, name, step, template, missing in problems:
        click.echo(f"#{pid} {name}: step {step} ({template}) misses {', '.join(missing)}")
    steps = len(target.campaign.steps)
    click.echo(f"checked {len(target.people)} recipient(s) x {steps} step(s): "
               f"{len(problems) or 'no'} problem(s)")
    if problems:
        ctx.exit(1)
