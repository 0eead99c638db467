"""Find new people of a niche: YouTube channel search and Twitch streams of a category, ranked, marked
when already tracked, and optionally stored as prospects."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import datetime
from typing import cast

import sqlite_utils

from greenroom.errors import GreenroomError
from outreach.core.discovery import Candidate, rank
from outreach.core.influencer import normalise_niches
from outreach.platforms.twitch import TwitchHelixClient
from outreach.platforms.youtube import QuotaBudget, YouTubeStatsClient
from outreach.storage.influencers import add_snapshot, timestamp, update_audience


async def discover_youtube(db: sqlite_utils.Database, client: YouTubeStatsClient, keywords: str, now: datetime,
                           limit: int = 25) -> list[Candidate]:
    """search.list (100 units) then channels.list for their statistics (1 unit)."""
    client.use_budget(QuotaBudget(db, client.daily_quota, now))
    ids = await client.search_channels(keywords, max_results=limit)
    stats = await client.channels(ids) if ids else {}
    return [Candidate("youtube", s.channel_id, s.title, s.subscribers, s.views, s.videos, alias=s.handle)
            for s in stats.values()]


async def discover_twitch(client: TwitchHelixClient, category: str, limit: int = 25) -> list[Candidate]:
    """The category (exact name preferred), its live streams, and each streamer's follower total."""
    categories = await client.search_categories(category)
    if not categories:
        raise GreenroomError(f"no Twitch category matches {category!r}")
    chosen = next((c for c in categories if c["name"].lower() == category.lower()), categories[0])
    streams = (await client.streams_in_category(chosen["id"], first=min(100, limit)))[:limit]
    limit_calls = asyncio.Semaphore(8)

    async def followers(user_id: str) -> int:
        async with limit_calls:
            return await client.follower_total(user_id)

    totals = await asyncio.gather(*(followers(stream["user_id"]) for stream in streams))
    return [Candidate("twitch", stream["user_login"].lower(), stream["user_name"], total,
                      live_viewers=stream["viewer_count"]) for stream, total in zip(streams, totals, strict=True)]


def mark_tracked(db: sqlite_utils.Database, candidates: Sequence[Candidate]) -> None:
    """Attach the influencer id (and known growth) of candidates already in the database."""
    for candidate in candidates:
        row = db.execute(
            f"SELECT id, growth_30d FROM influencers WHERE {candidate.platform} IN (?, ?)",  # noqa: S608
            [candidate.handle, candidate.alias or candidate.handle]).fetchone()
        if row:
            candidate.influencer_id, candidate.growth_30d = row[0], row[1]


async def discover(db: sqlite_utils.Database, youtube: YouTubeStatsClient | None, twitch: TwitchHelixClient | None,
                   now: datetime, *, youtube_keywords: str | None = None, twitch_category: str | None = None,
                   limit: int = 25) -> list[Candidate]:
    """Both searches (whichever were asked for), ranked best first, tracked people marked."""
    found: list[Candidate] = []
    if youtube_keywords:
        if youtube is None:
            raise GreenroomError("YouTube search needs $YOUTUBE_API_KEY (or [youtube] api_key in secrets.toml)")
        found += await discover_youtube(db, youtube, youtube_keywords, now, limit)
    if twitch_category:
        if twitch is None:
            raise GreenroomError("Twitch search needs $TWITCH_CLIENT_ID and $TWITCH_CLIENT_SECRET")
        found += await discover_twitch(twitch, twitch_category, limit)
    mark_tracked(db, found)
    return rank(found)


def add_prospects(db: sqlite_utils.Database, candidates: Sequence[Candidate], niche: str, source: str,
                  now: datetime) -> list[int]:
    """Store untracked candidates as prospects with a first stats snapshot; returns their new ids."""
    moment = timestamp(now)
    added: list[int] = []
    with db.atomic():
        for candidate in candidates:
            if candidate.tracked:
                continue
            influencer_id = cast(int, db.table("influencers").insert({
                "name": candidate.name or candidate.handle, candidate.platform: candidate.handle,
                "niches": json.dumps(normalise_niches(niche), ensure_ascii=False),
                "stage": "prospect", "kind": "influencer",
                "custom": "{}", "hand_edited": "[]", "created_at": moment, "updated_at": moment,
            }).last_pk)  # a new row's rowid
            add_snapshot(db, influencer_id, candidate.platform, candidate.handle, followers=candidate.followers,
                         views=candidate.views, videos=candidate.videos, taken_at=now)
            update_audience(db, influencer_id, now)
            db.execute("INSERT INTO influencer_activity (influencer_id, kind, detail, at) VALUES (?, ?, ?, ?)",
                       [influencer_id, "discovered", source, moment])
            candidate.influencer_id = influencer_id
            added.append(influencer_id)
    return added
