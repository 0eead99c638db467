"""`outreach discover`: find channels of a niche on YouTube and Twitch, ranked, and add the chosen ones."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from greenroom.cli import get_workspace
from greenroom.clock import utc_now
from greenroom.errors import GreenroomError
from greenroom.output import print_records
from greenroom.text import terminal_safe
from greenroom.workspace import Workspace
from outreach.core.discovery import Candidate

COLUMNS = ("rank", "platform", "handle", "name", "followers", "live_viewers", "videos", "growth_30d", "tracked")


async def run_discovery(workspace: Workspace, youtube_keywords: str | None, twitch_category: str | None,
                        limit: int) -> list[Candidate]:
    # Imported here: the HTTP stack is only loaded by the commands that talk to platforms.
    from outreach.platforms.discover import discover
    from outreach.platforms.settings import twitch_helix_client, youtube_stats_client

    db = workspace.database()
    youtube = youtube_stats_client(workspace) if youtube_keywords else None
    twitch = twitch_helix_client(workspace) if twitch_category else None
    try:
        return await discover(db, youtube, twitch, utc_now(), youtube_keywords=youtube_keywords,
                              twitch_category=twitch_category, limit=limit)
    finally:
        if twitch is not None:
            await twitch.close()
        if youtube is not None:
            youtube.close()


def _picked(spec: str, count: int) -> list[int]:
    try:
        numbers = [int(part) for part in spec.replace(" ", "").split(",") if part]
    except ValueError:
        raise GreenroomError(f"--pick {spec!r} must be rank numbers such as 1,3,4") from None
    wrong = [number for number in numbers if not 1 <= number <= count]
    if wrong:
        raise GreenroomError(f"--pick: no rank {wrong[0]} (there are {count} results)")
    return numbers


@click.command("discover")
@click.option("--youtube", "youtube_keywords", metavar="KEYWORDS",
              help="Search YouTube channels (search.list costs 100 quota units, plus 1 for their statistics).")
@click.option("--twitch-category", metavar="NAME", help="Streamers live now in this Twitch category.")
@click.option("--limit", type=click.IntRange(1, 50), default=25, show_default=True, help="Results per platform.")
@click.option("--add", "add_all", is_flag=True, help="Store every result not yet tracked as a prospect.")
@click.option("--pick", metavar="RANKS", help="Store only these results (rank numbers, e.g. 1,3) as prospects.")
@click.option("--niche", help="Niche tag given to added prospects (default: the keywords or category).")
@click.option("--format", "output_format", type=click.Choice(("table", "json")), default="table",
              show_default=True, help="table for reading, json for other tools.")
@click.pass_context
def discover_command(ctx: click.Context, youtube_keywords: str | None, twitch_category: str | None, limit: int,
                     add_all: bool, pick: str | None, niche: str | None, output_format: str) -> None:
    """Find channels of a niche, ranked by audience weighted by 30-day growth (known for tracked people).

    People already tracked are marked. Nothing is stored unless --add or --pick is given; added people are
    prospects with a first stats snapshot. If one platform fails the command stops with its error and
    nothing is added.
    """
    if not youtube_keywords and not twitch_category:
        raise GreenroomError("give --youtube KEYWORDS and/or --twitch-category NAME")
    workspace = get_workspace(ctx)
    import asyncio  # the event loop machinery loads only for commands that need it

    candidates = asyncio.run(run_discovery(workspace, youtube_keywords, twitch_category, limit))
    chosen: list[Candidate] = []
    if pick:
        chosen = [candidates[number - 1] for number in _picked(pick, len(candidates))]
    elif add_all:
        chosen = list(candidates)
    added: list[int] = []
    if chosen:
        from outreach.platforms.discover import add_prospects

        source = " / ".join(filter(None, [youtube_keywords and f"youtube search {youtube_keywords!r}",
                                          twitch_category and f"twitch category {twitch_category!r}"]))
        added = add_prospects(workspace.database(), chosen, niche or youtube_keywords or twitch_category or "",
                              source, utc_now())
    rows = [{**asdict(candidate), "rank": number, "tracked": f"#{candidate.influencer_id}"
             if candidate.influencer_id else ""} for number, candidate in enumerate(candidates, start=1)]
    if output_format == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        print_records(rows, COLUMNS, "table")
    click.echo(terminal_safe(f"{len(candidates)} found, {sum(1 for c in candidates if c.tracked) - len(added)} "
                             f"already tracked, {len(added)} added as prospects"), err=True)
