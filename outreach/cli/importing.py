"""`outreach import FILE`: bring people in from a CSV or JSON file, with a per-row summary."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from greenroom.cli import get_workspace
from greenroom.text import terminal_safe
from outreach.core.influencer import FIELDS, KINDS

#: Below this many rows every row is listed; above it only merged, skipped and invalid rows are.
LIST_EVERY_ROW_UP_TO = 100


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--map", "mapping", multiple=True, metavar="COLUMN=FIELD",
              help=f"Read COLUMN into FIELD (repeatable); FIELD is one of {', '.join(FIELDS)}, custom.KEY, "
                   "or - to ignore the column. Unmapped headers are auto-detected (E-mail, YouTube URL, "
                   "Followers…); unknown ones become custom fields.")
@click.option("--kind", type=click.Choice(KINDS), help="Kind of the people in rows without a kind column "
              "(default influencer; brand/competitor feed `outreach report benchmark`).")
@click.option("--skip-invalid", is_flag=True,
              help="Import the valid rows even if some are invalid (they are listed). Without it, one "
                   "invalid row means nothing is written.")
@click.option("--dry-run", is_flag=True,
              help="Show which column feeds which field and what would be added, merged, skipped or invalid "
                   "(file, line, problem); write nothing.")
@click.option("--encoding", help="Text encoding of the file (default UTF-8, with or without BOM), e.g. cp1252 "
                                 "for a CSV saved by Excel on Windows; the error for a non-UTF-8 file names "
                                 "the likely one.")
@click.pass_context
def import_command(ctx: click.Context, file: Path, mapping: tuple[str, ...], kind: str | None,
                   skip_invalid: bool, dry_run: bool, encoding: str | None) -> None:
    """Import influencers from FILE (CSV with , ; or tab, or a JSON list of objects).

    People already known (same email or same YouTube/Twitch/Instagram/TikTok/X handle, also within the
    file) are merged: empty fields are filled, emails and niches added, but a field edited by hand is
    never overwritten. Everything is written in one transaction: on any error nothing is imported.
    Rows are listed with what happened and why (for files over 100 rows, only merged/skipped/invalid).
    """
    from outreach.importing import ImportFileError, import_file  # the readers load only when importing

    db = get_workspace(ctx).database()
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        with Progress(TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("import", total=None)
            report = import_file(db, file, mapping=mapping, kind=kind, skip_invalid=skip_invalid,
                                 dry_run=dry_run, encoding=encoding,
                                 progress=lambda done, total: bar.update(task, completed=done, total=total))
    else:
        report = import_file(db, file, mapping=mapping, kind=kind, skip_invalid=skip_invalid,
                             dry_run=dry_run, encoding=encoding)
    if dry_run:
        for line in report.mapping_hint():
            click.echo(terminal_safe(line))
    every_row = len(report.outcomes) <= LIST_EVERY_ROW_UP_TO
    for outcome in report.outcomes:
        if outcome.action == "added" and not every_row:
            continue
        who = f" {outcome.name}" if outcome.name else ""
        number = f" #{outcome.influencer_id}" if outcome.action == "added" and outcome.influencer_id else ""
        why = f": {outcome.reason}" if outcome.reason else ""
        where = f"{report.source} {outcome.where}" if outcome.action == "invalid" else outcome.where
        click.echo(terminal_safe(f"{where}: {outcome.action}{number}{who}{why}"))
    custom = sorted(target for target in report.mapping.values() if target.startswith("custom."))
    if custom and not dry_run:
        click.echo(terminal_safe(f"kept as custom fields: {', '.join(custom)}"))
    click.echo(terminal_safe(report.summary))
    if report.would_refuse:
        raise ImportFileError(f"{report.source}: {report.count('invalid')} invalid row(s): the import would "
                              f"write nothing (fix them, or pass --skip-invalid to import the rest)")
