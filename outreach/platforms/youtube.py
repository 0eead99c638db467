"""YouTube channel statistics and channel search through google-api-python-client (YouTube Data API v3).

googleapiclient blocks and is not thread-safe, so every call runs on this client's single worker thread;
the asyncio loop only awaits it. Each call is charged against the day's quota *before* it is sent, in the
quota store shared with livekit (``greenroom.quota``: same API project, same Pacific-time quota day).
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlite_utils

from greenroom.errors import GreenroomError
from greenroom.quota import DEFAULT_DAILY_QUOTA, YOUTUBE, QuotaExceeded, QuotaStore

#: Units per call (https://developers.google.com/youtube/v3/determine_quota_cost).
CHANNELS_LIST_COST = 1
SEARCH_LIST_COST = 100
#: channels.list accepts at most 50 ids per call.
CHANNELS_PER_CALL = 50


class PlatformError(GreenroomError):
    """A platform call failed; ``quota`` is True when the day's quota is used up (stop calling)."""

    def __init__(self, message: str, *, quota: bool = False) -> None:
        super().__init__(message)
        self.quota = quota


@dataclass(frozen=True)
class ChannelStats:
    channel_id: str
    title: str
    handle: str | None
    subscribers: int | None
    views: int | None
    videos: int | None


class QuotaBudget:
    """A batch job's share of the day's YouTube quota: each charge is checked against the total every process
    has spent (:class:`greenroom.quota.QuotaStore`) and refused if it would go over, so a job stops early
    instead of being cut off by YouTube half way."""

    def __init__(self, db: sqlite_utils.Database, daily_limit: int, now: datetime) -> None:
        self._now_ms = int(now.timestamp() * 1000)
        self._store = QuotaStore(db, YOUTUBE)
        self.ledger = self._store.ledger(self._now_ms, daily_limit)
        self.spent_here = 0

    def charge(self, units: int, what: str) -> None:
        try:
            self._store.spend_within_limit(self.ledger, what, units, self._now_ms)
        except QuotaExceeded as error:
            raise PlatformError(str(error), quota=True) from None
        self.spent_here += units


def _count(value: Any) -> int | None:
    return int(value) if value not in (None, "") else None


def _stats(item: dict[str, Any]) -> ChannelStats:
    statistics = item.get("statistics", {})
    snippet = item.get("snippet", {})
    hidden = statistics.get("hiddenSubscriberCount", False)
    custom_url = snippet.get("customUrl")
    return ChannelStats(
        channel_id=item["id"],
        title=snippet.get("title", ""),
        handle=custom_url.removeprefix("@").lower() if custom_url else None,
        subscribers=None if hidden else _count(statistics.get("subscriberCount")),
        views=_count(statistics.get("viewCount")),
        videos=_count(statistics.get("videoCount")),
    )


def describe_http_error(error: Exception) -> PlatformError:
    """An HttpError as one line (status, Google's reason and message); quota errors flagged."""
    status = getattr(getattr(error, "resp", None), "status", "?")
    reason, message = "", str(error)
    content = getattr(error, "content", b"")
    try:
        details = json.loads(content.decode("utf-8"))["error"]
        message = details.get("message", message)
        reason = (details.get("errors") or [{}])[0].get("reason", "")
    except (ValueError, KeyError, AttributeError, TypeError):
        pass
    quota = reason in ("quotaExceeded", "dailyLimitExceeded", "rateLimitExceeded")
    return PlatformError(f"YouTube API {status} {reason}: {message}".replace("  ", " "), quota=quota)


class YouTubeStatsClient:
    """The read-only YouTube calls outreach needs, on one worker thread, charged to a :class:`QuotaBudget`."""

    def __init__(self, *, api_key: str | None = None, credentials: Any = None, api_endpoint: str | None = None,
                 daily_quota: int = DEFAULT_DAILY_QUOTA) -> None:
        if not api_key and credentials is None:
            raise GreenroomError("YouTube needs an API key ($YOUTUBE_API_KEY or [youtube] api_key in secrets.toml)")
        self._api_key = api_key
        self._credentials = credentials
        self._api_endpoint = api_endpoint
        self.daily_quota = daily_quota
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="youtube-stats")
        self._service: Any = None
        self.budget: QuotaBudget | None = None

    def use_budget(self, budget: QuotaBudget) -> None:
        self.budget = budget

    def _build(self) -> Any:
        if self._service is None:
            from googleapiclient.discovery import build

            options = {"api_endpoint": self._api_endpoint} if self._api_endpoint else None
            self._service = build("youtube", "v3", developerKey=self._api_key, credentials=self._credentials,
                                  client_options=options, cache_discovery=False, static_discovery=True)
        return self._service

    async def _call(self, units: int, what: str, request: Callable[[Any], Any]) -> dict[str, Any]:
        if self.budget is not None:
            self.budget.charge(units, what)

        def work() -> dict[str, Any]:
            from googleapiclient.errors import HttpError

            try:
                return request(self._build()).execute(num_retries=1)
            except HttpError as error:
                raise describe_http_error(error) from None
            except OSError as error:
                raise PlatformError(f"YouTube API unreachable: {error}") from None

        return await asyncio.get_running_loop().run_in_executor(self._executor, work)

    async def channels(self, channel_ids: Sequence[str]) -> dict[str, ChannelStats]:
        """Statistics of many channels, 50 ids per call (1 unit each); unknown ids are simply absent."""
        found: dict[str, ChannelStats] = {}
        for start in range(0, len(channel_ids), CHANNELS_PER_CALL):
            batch = list(channel_ids[start:start + CHANNELS_PER_CALL])
            response = await self._call(CHANNELS_LIST_COST, f"channels.list of {len(batch)} channels",
                                        functools.partial(_channels_page, ids=batch))
            for item in response.get("items", []):
                stats = _stats(item)
                found[stats.channel_id] = stats
        return found

    async def channel_for_handle(self, handle: str) -> ChannelStats | None:
        """The channel whose handle is ``@handle`` (1 unit), or None."""
        response = await self._call(CHANNELS_LIST_COST, f"channels.list for @{handle}",
                                    lambda service: service.channels().list(
                                        part="snippet,statistics", forHandle=f"@{handle}"))
        items = response.get("items", [])
        return _stats(items[0]) if items else None

    async def search_channels(self, query: str, max_results: int = 25) -> list[str]:
        """Channel ids matching ``query`` (search.list: 100 units)."""
        response = await self._call(SEARCH_LIST_COST, f"search.list for {query!r}",
                                    lambda service: service.search().list(
                                        part="snippet", q=query, type="channel", maxResults=max_results))
        return [item["id"]["channelId"] for item in response.get("items", []) if "channelId" in item.get("id", {})]

    def close(self) -> None:
        self._executor.shutdown(wait=True)


def _channels_page(service: Any, *, ids: list[str]) -> Any:
    """The ``channels.list`` request for up to 50 channel ids."""
    return service.channels().list(part="snippet,statistics", id=",".join(ids), maxResults=50)
