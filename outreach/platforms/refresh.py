"""Refresh audience stats from YouTube and Twitch: one snapshot per handle, growth recomputed, errors per handle.

:func:`refresh_stats` is what `outreach refresh` runs once and what `outreach run` schedules (a cron job on
the asyncio loop): a failing handle, a missing credential or a used-up quota is reported on its lines and
never stops the others.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlite_utils

from greenroom.clock import utc_now
from greenroom.workspace import Workspace
from outreach.core.influencer import is_youtube_channel_id
from outreach.platforms.twitch import TwitchHelixClient
from outreach.platforms.youtube import CHANNELS_PER_CALL, PlatformError, QuotaBudget, YouTubeStatsClient
from outreach.storage.influencers import add_snapshot, update_audience

#: Concurrent Helix calls (Twitch allows 800 points a minute per app).
TWITCH_CONCURRENCY = 8
#: Kinds whose streaming activity is fetched too (the benchmark report compares it).
ACTIVITY_KINDS = ("brand", "competitor")


@dataclass
class RefreshLine:
    influencer_id: int
    name: str
    platform: str
    handle: str
    followers: int | None = None
    views: int | None = None
    videos: int | None = None
    error: str | None = None


@dataclass
class RefreshReport:
    lines: list[RefreshLine] = field(default_factory=list)
    youtube_units: int = 0
    twitch_calls: int = 0

    @property
    def refreshed(self) -> int:
        return sum(1 for line in self.lines if line.error is None)

    @property
    def failed(self) -> int:
        return sum(1 for line in self.lines if line.error is not None)


def _targets(db: sqlite_utils.Database, platform: str, ids: list[int] | None) -> list[dict[str, Any]]:
    sql = f"SELECT id, name, kind, {platform} AS handle FROM influencers WHERE {platform} IS NOT NULL"  # noqa: S608
    params: list[Any] = []
    if ids is not None:
        sql += f" AND id IN ({', '.join('?' for _ in ids)})"
        params = list(ids)
    return list(db.query(sql + " ORDER BY id", params))


def _line(row: dict[str, Any], platform: str) -> RefreshLine:
    return RefreshLine(row["id"], row["name"], platform, row["handle"])


async def _refresh_youtube(db: sqlite_utils.Database, client: YouTubeStatsClient | None, now: datetime,
                           rows: list[dict[str, Any]], report: RefreshReport) -> None:
    lines = {row["id"]: _line(row, "youtube") for row in rows}
    report.lines += lines.values()
    if not rows:
        return
    if client is None:
        for line in lines.values():
            line.error = "YouTube not configured: set YOUTUBE_API_KEY (or [youtube] api_key in secrets.toml)"
        return
    budget = QuotaBudget(db, client.daily_quota, now)
    client.use_budget(budget)
    by_channel = [row for row in rows if is_youtube_channel_id(row["handle"])]
    by_handle = [row for row in rows if not is_youtube_channel_id(row["handle"])]
    stopped: str | None = None
    for start in range(0, len(by_channel), CHANNELS_PER_CALL):
        batch = by_channel[start:start + CHANNELS_PER_CALL]
        if stopped:
            for row in batch:
                lines[row["id"]].error = stopped
            continue
        try:
            found = await client.channels([row["handle"] for row in batch])
        except PlatformError as error:
            for row in batch:
                lines[row["id"]].error = str(error)
            stopped = f"not refreshed: {error}" if error.quota else None
            continue
        for row in batch:
            stats = found.get(row["handle"])
            _record(db, lines[row["id"]], None if stats is None else (stats.subscribers, stats.views, stats.videos), now,
                    "no such YouTube channel")
    for row in by_handle:
        if stopped:
            lines[row["id"]].error = stopped
            continue
        try:
            stats = await client.channel_for_handle(row["handle"])
        except PlatformError as error:
            lines[row["id"]].error = str(error)
            stopped = f"not refreshed: {error}" if error.quota else None
            continue
        _record(db, lines[row["id"]], None if stats is None else (stats.subscribers, stats.views, stats.videos), now,
                f"no YouTube channel with handle @{row['handle']}")
    report.youtube_units += budget.spent_here


def _record(db: sqlite_utils.Database, line: RefreshLine, values: tuple[int | None, ...] | None, now: datetime,
            missing: str) -> None:
    if values is None:
        line.error = missing
        return
    line.followers, line.views, line.videos = values
    add_snapshot(db, line.influencer_id, line.platform, line.handle, followers=line.followers, views=line.views,
                 videos=line.videos, taken_at=now)


async def _refresh_twitch(db: sqlite_utils.Database, client: TwitchHelixClient | None, now: datetime,
                          rows: list[dict[str, Any]], report: RefreshReport) -> None:
    lines = {row["id"]: _line(row, "twitch") for row in rows}
    report.lines += lines.values()
    if not rows:
        return
    if client is None:
        for line in lines.values():
            line.error = "Twitch not configured: set TWITCH_CLIENT_ID and TWITCH_CLIENT_SECRET"
        return
    calls_before = client.calls
    try:
        users = await client.users(sorted({row["handle"] for row in rows}))
    except PlatformError as error:
        for line in lines.values():
            line.error = str(error)
        return
    limit = asyncio.Semaphore(TWITCH_CONCURRENCY)
    since = now - timedelta(days=30)

    async def one(row: dict[str, Any]) -> tuple[int | None, int | None, str | None]:
        user = users.get(row["handle"])
        if user is None:
            return None, None, "no such Twitch user"
        async with limit:
            try:
                followers = await client.follower_total(user.user_id)
                broadcasts = None
                if row["kind"] in ACTIVITY_KINDS:
                    videos = await client.videos(user.user_id)
                    broadcasts = sum(1 for video in videos if _parse_time(video.get("created_at")) >= since)
                return followers, broadcasts, None
            except PlatformError as error:
                return None, None, str(error)

    results = await asyncio.gather(*(one(row) for row in rows))
    for row, (followers, broadcasts, problem) in zip(rows, results, strict=True):
        line = lines[row["id"]]
        if problem:
            line.error = problem
            continue
        line.followers, line.videos = followers, broadcasts
        add_snapshot(db, line.influencer_id, "twitch", line.handle, followers=followers, videos=broadcasts,
                     taken_at=now)
    report.twitch_calls += client.calls - calls_before


def _parse_time(value: str | None) -> datetime:
    if not value:
        return datetime.min.replace(tzinfo=UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def refresh_stats(db: sqlite_utils.Database, youtube_client: YouTubeStatsClient | None,
                        twitch_client: TwitchHelixClient | None, now: datetime, *,
                        influencer_ids: list[int] | None = None,
                        platforms: tuple[str, ...] = ("youtube", "twitch")) -> RefreshReport:
    """Take a stats snapshot of every tracked YouTube channel and Twitch user (or of ``influencer_ids``),
    then recompute each person's audience and 7/30-day growth. A missing client (``None``) marks its lines
    as not configured; per-handle failures are reported in the lines, never raised.

    For Twitch, ``videos`` of a snapshot is the number of broadcasts in the previous 30 days (brands and
    competitors only); for YouTube it is the channel's total video count.
    """
    report = RefreshReport()
    youtube_rows = _targets(db, "youtube", influencer_ids) if "youtube" in platforms else []
    twitch_rows = _targets(db, "twitch", influencer_ids) if "twitch" in platforms else []
    await asyncio.gather(
        _refresh_youtube(db, youtube_client, now, youtube_rows, report),
        _refresh_twitch(db, twitch_client, now, twitch_rows, report),
    )
    with db.atomic():
        for influencer_id in sorted({line.influencer_id for line in report.lines if line.error is None}):
            update_audience(db, influencer_id, now)
    report.lines.sort(key=lambda line: (line.influencer_id, line.platform))
    return report


async def refresh_workspace(workspace: Workspace, *, db: sqlite_utils.Database | None = None,
                            now: datetime | None = None, influencer_ids: list[int] | None = None,
                            platforms: tuple[str, ...] = ("youtube", "twitch")) -> RefreshReport:
    """:func:`refresh_stats` with clients built from the workspace settings and always released afterwards
    (what `outreach refresh` and a scheduled job call). ``db`` must belong to the calling (loop) thread."""
    from outreach.platforms.settings import twitch_helix_client, youtube_stats_client

    youtube = youtube_stats_client(workspace) if "youtube" in platforms else None
    twitch = twitch_helix_client(workspace) if "twitch" in platforms else None
    try:
        return await refresh_stats(db or workspace.database(), youtube, twitch, now or utc_now(),
                                   influencer_ids=influencer_ids, platforms=platforms)
    finally:
        if twitch is not None:
            await twitch.close()
        if youtube is not None:
            youtube.close()
