"""`outreach report benchmark`: your brand and its competitors side by side (table, md, csv, json, PNG chart)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path

import click

from greenroom.cli import get_workspace
from greenroom.clock import utc_now
from greenroom.errors import GreenroomError
from greenroom.files import write_atomically
from greenroom.goals import GoalError, parse_period_days
from greenroom.numbers import check_period_days
from greenroom.output import csv_cell, markdown_table, print_records, table_cell
from greenroom.text import markdown_escape
from outreach.core.benchmark import BenchmarkRow, InvalidPeriod, benchmark, parse_period
from outreach.storage.influencers import stat_points

COLUMNS = ("name", "kind", "audience", "growth_%", "youtube_subscribers", "youtube_growth_%", "youtube_uploads",
           "twitch_followers", "twitch_growth_%", "twitch_broadcasts_30d")


def _markdown(records: Sequence[dict[str, object]], title: str) -> str:
    # Names are user text (escaped); figures are ours, and a "+4.0%" must not be read as a list marker.
    rows = [[markdown_escape(v) if isinstance(v := record[c], str) else table_cell(v) for c in COLUMNS]
            for record in records]
    lines = [f"## {markdown_escape(title)}", "",
             *markdown_table(COLUMNS, rows, right_aligned=[c for c in COLUMNS if c not in ("name", "kind")])]
    return "\n".join(lines) + "\n"


def render_png(rows: Sequence[BenchmarkRow], path: Path, title: str) -> None:
    """Two panels: audience per platform (stacked bars) and growth over the period; written atomically."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise GreenroomError("--png needs matplotlib: pip install 'greenroom[charts]'") from None
    names = [row.name for row in rows]
    youtube = [row.youtube.audience or 0 for row in rows]
    twitch = [row.twitch.audience or 0 for row in rows]
    growth = [row.growth_percent or 0.0 for row in rows]
    figure, (audience_axes, growth_axes) = plt.subplots(1, 2, figsize=(11, 1.2 + 0.5 * max(len(rows), 2)))
    positions = range(len(rows))
    audience_axes.barh(positions, youtube, color="#c4302b", label="YouTube subscribers")
    audience_axes.barh(positions, twitch, left=youtube, color="#6441a5", label="Twitch followers")
    audience_axes.set_yticks(list(positions), names)
    audience_axes.invert_yaxis()
    audience_axes.set_title("Audience")
    audience_axes.legend(loc="lower right", fontsize="small")
    growth_axes.barh(positions, growth, color=["#2e7d32" if g >= 0 else "#c62828" for g in growth])
    growth_axes.set_yticks(list(positions), [""] * len(rows))
    growth_axes.invert_yaxis()
    growth_axes.axvline(0, color="black", linewidth=0.8)
    growth_axes.set_title("Growth %")
    figure.suptitle(title)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    write_atomically(path, buffer.getvalue())


@click.command("benchmark")
@click.option("--since", "period_text", default="30d", show_default=True, metavar="PERIOD",
              help="Compare with the snapshots from this long ago: 7d, 4w, 3m (30-day months).")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(("brand", "competitor", "influencer")),
              help="Kinds to include (repeatable). Default: brand and competitor.")
@click.option("--format", "output_format", type=click.Choice(("table", "md", "csv", "json")), default="table",
              show_default=True, help="table for reading, md for a document, csv/json for other tools.")
@click.option("--png", "png_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also draw a chart of audience and growth into this PNG file (needs matplotlib).")
@click.pass_context
def benchmark_command(ctx: click.Context, period_text: str, kinds: tuple[str, ...], output_format: str,
                      png_path: Path | None) -> None:
    """Brands and competitors side by side: audience, growth over the period, uploads (YouTube) and
    broadcasts in the last 30 days (Twitch), from the snapshots `outreach refresh` keeps.

    People without snapshots show empty figures; run `outreach refresh` first.
    """
    try:
        # Days first (whole numbers, no timedelta): a period of 10**24 days must be refused, not overflow.
        check_period_days(parse_period_days(period_text))
        period = parse_period(period_text)
    except (InvalidPeriod, GoalError) as error:
        raise GreenroomError(f"--since: {error}") from None
    db = get_workspace(ctx).database()
    chosen = kinds or ("brand", "competitor")
    people = [(row["id"], row["name"], row["kind"]) for row in db.query(
        f"SELECT id, name, kind FROM influencers WHERE kind IN ({', '.join('?' for _ in chosen)})",  # noqa: S608
        list(chosen))]
    if not people:
        raise GreenroomError(f"nobody of kind {' or '.join(chosen)} yet: import them with "
                             "`outreach import FILE --kind competitor` or `outreach influencers set ID kind=brand`")
    now = utc_now()
    rows = benchmark(people, stat_points(db, [p[0] for p in people]), now, period)
    records = [row.flat() for row in rows]
    title = f"Benchmark over the last {period.days} days ({now:%Y-%m-%d})"
    if output_format == "md":
        click.echo(_markdown(records, title), nl=False)
    elif output_format == "json":
        click.echo(json.dumps({"title": title, "rows": records}, ensure_ascii=False, indent=2))
    elif output_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows([[csv_cell(record[c]) for c in COLUMNS] for record in records])
        click.echo(buffer.getvalue(), nl=False)
    else:
        print_records(records, COLUMNS, "table", title=title)
    if png_path is not None:
        render_png(rows, png_path, title)
        click.echo(f"chart written to {png_path}", err=True)
