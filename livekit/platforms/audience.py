"""Reading the audience from the platforms during a show: one reading per platform and minute, every
failure turned into a gap with its reason (never a zero, never an exception).

- Twitch: Get Streams ``viewer_count`` (https://dev.twitch.tv/docs/api/reference/#get-streams; no stream
  listed means offline) and Get Channel Followers ``total``
  (https://dev.twitch.tv/docs/api/reference/#get-channel-followers: ``total`` is given to any token, the
  list itself needs ``moderator:read:followers``), through the session's twitchio client on the loop; when
  the bot's token has that scope, each follow arrives as a ``channel.follow`` event and is counted in its
  minute instead of the total's change.
- YouTube: ``videos.list?part=liveStreamingDetails`` ``concurrentViewers``
  (https://developers.google.com/youtube/v3/docs/videos/list: absent before the broadcast is live, after it
  ended, or when the channel hides it) and ``channels.list?part=statistics&mine=true`` ``subscriberCount``,
  both on the session's one worker thread (googleapiclient blocks) and charged to the shared quota ledger;
  Super Chats are counted from the chat pages the session already reads
  (https://developers.google.com/youtube/v3/live/docs/liveChatMessages: ``superChatDetails.amountMicros``).
"""

from __future__ import annotations

from typing import Any, Protocol

from livekit.core.audience import (
    FOLLOWERS_TOTAL,
    HIDDEN,
    NOT_CONNECTED,
    OFFLINE,
    QUOTA_EXCEEDED,
    TWITCH,
    UNAUTHORIZED,
    UNAVAILABLE,
    VIEWERS,
    YOUTUBE,
    AudienceSample,
    ChatTally,
    gap,
    measured,
    youtube_poll_every_minutes,
)
from livekit.platforms.auth import AuthError
from livekit.platforms.base import PlatformSession
from livekit.platforms.rules import END_OF_SHOW_RESERVE
from livekit.platforms.twitch import TwitchSession
from livekit.platforms.youtube import QUOTA_REASONS, YouTubeSession, _reason

#: The figures every poll reads, in order: concurrent viewers and the follower (subscriber) total.
POLLED_METRICS = (VIEWERS, FOLLOWERS_TOTAL)


class AudienceSource(Protocol):
    """What the recorder polls once a minute: never raises, a failed figure is a gap with its reason."""

    platform: str

    @property
    def counts_follows(self) -> bool:
        """Whether follows arrive as events now (counted by the tally), not as a change of the total."""

    def attach(self, tally: ChatTally) -> None:
        """Hand the tally what the session counts itself (Super Chats, follow events)."""

    def every_minutes(self, remaining_show_ms: int) -> int | None:
        """How many minutes apart polls may be now (None: do not poll), per the platform's quota plan."""

    async def read(self, now_ms: int) -> list[AudienceSample]:
        """Viewers and follower total of the minute of ``now_ms``, values or gaps."""


def twitch_gap_reason(error: BaseException) -> str:
    """Why a Twitch reading failed, as a gap reason."""
    import twitchio

    if isinstance(error, AuthError | twitchio.InvalidTokenException):
        return UNAUTHORIZED
    if isinstance(error, twitchio.HTTPException) and error.status == 401:
        return UNAUTHORIZED
    if isinstance(error, ConnectionError):
        return NOT_CONNECTED
    return UNAVAILABLE


def youtube_gap_reason(error: BaseException) -> str:
    """Why a YouTube reading failed, as a gap reason (quotaExceeded is told apart: it lasts till midnight PT)."""
    from google.auth.exceptions import RefreshError
    from googleapiclient.errors import HttpError

    if isinstance(error, AuthError | RefreshError):
        return UNAUTHORIZED
    if isinstance(error, HttpError):
        if error.status_code == 403 and _reason(error) in QUOTA_REASONS:
            return QUOTA_EXCEEDED
        if error.status_code == 401:
            return UNAUTHORIZED
    return UNAVAILABLE


class TwitchAudience:
    """Twitch viewers and followers, read with the session's client (Helix's rate limit, 800 points a minute,
    leaves plenty for two calls a minute: polled every minute)."""

    platform = TWITCH

    def __init__(self, session: TwitchSession) -> None:
        self.session = session

    @property
    def counts_follows(self) -> bool:
        """``channel.follow`` is subscribed (the bot's token has ``moderator:read:followers``): each follow is
        counted in its minute. Otherwise the change of the follower total is (see
        :func:`livekit.core.audience.follower_change`)."""
        return self.session.follows_by_event

    def attach(self, tally: ChatTally) -> None:
        self.session.follow_listener = lambda received_ms: tally.follow(TWITCH, received_ms)

    def every_minutes(self, remaining_show_ms: int) -> int | None:
        return 1

    async def read(self, now_ms: int) -> list[AudienceSample]:
        if not self.session.connected:
            return [gap(now_ms, TWITCH, metric, NOT_CONNECTED) for metric in POLLED_METRICS]
        return [await self._viewers(now_ms), await self._followers(now_ms)]

    async def _viewers(self, now_ms: int) -> AudienceSample:
        session = self.session
        try:
            client = session._require_client()
            streams = [stream async for stream in client.fetch_streams(user_ids=[session.broadcaster_id],
                                                                       max_results=1)]
        except Exception as error:  # a reading that fails is a gap; the show never hears of it
            return gap(now_ms, TWITCH, VIEWERS, twitch_gap_reason(error))
        if not streams:
            return gap(now_ms, TWITCH, VIEWERS, OFFLINE)
        return measured(now_ms, TWITCH, VIEWERS, streams[0].viewer_count)

    async def _followers(self, now_ms: int) -> AudienceSample:
        session = self.session
        try:
            client = session._require_client()
            followers = await client.create_partialuser(session.broadcaster_id).fetch_followers(
                first=1, token_for=session.broadcaster_id)
        except Exception as error:  # a reading that fails is a gap; the show never hears of it
            return gap(now_ms, TWITCH, FOLLOWERS_TOTAL, twitch_gap_reason(error))
        return measured(now_ms, TWITCH, FOLLOWERS_TOTAL, followers.total)


class YouTubeAudience:
    """YouTube concurrent viewers and subscribers (2 quota units a poll, on the session's worker thread)."""

    platform = YOUTUBE

    def __init__(self, session: YouTubeSession) -> None:
        self.session = session

    #: YouTube sends no event per subscription: new subscribers are the change of ``subscriberCount``.
    counts_follows = False

    def attach(self, tally: ChatTally) -> None:
        tally.counts_super_chats = True
        self.session.super_chat_listener = tally.super_chat

    def every_minutes(self, remaining_show_ms: int) -> int | None:
        return youtube_poll_every_minutes(self.session.ledger.remaining(), remaining_show_ms,
                                          reserve_units=END_OF_SHOW_RESERVE)

    async def read(self, now_ms: int) -> list[AudienceSample]:
        return [await self._viewers(now_ms), await self._subscribers(now_ms)]

    async def _viewers(self, now_ms: int) -> AudienceSample:
        broadcast = self.session.broadcast
        if broadcast is None:
            return gap(now_ms, YOUTUBE, VIEWERS, OFFLINE)
        video_id = broadcast["id"]
        try:
            found = await self.session.call(
                "videos.list", lambda yt: yt.videos().list(part="liveStreamingDetails", id=video_id))
        except Exception as error:  # a reading that fails is a gap; the show never hears of it
            return gap(now_ms, YOUTUBE, VIEWERS, youtube_gap_reason(error))
        items: list[dict[str, Any]] = found.get("items") or []
        details = items[0].get("liveStreamingDetails", {}) if items else {}
        if "concurrentViewers" in details:
            return measured(now_ms, YOUTUBE, VIEWERS, int(details["concurrentViewers"]))
        # Live (started, not ended) but no figure: the channel hides its viewer count.
        live = bool(details.get("actualStartTime")) and not details.get("actualEndTime")
        return gap(now_ms, YOUTUBE, VIEWERS, HIDDEN if live else OFFLINE)

    async def _subscribers(self, now_ms: int) -> AudienceSample:
        try:
            found = await self.session.call(
                "channels.list", lambda yt: yt.channels().list(part="statistics", mine=True))
        except Exception as error:  # a reading that fails is a gap; the show never hears of it
            return gap(now_ms, YOUTUBE, FOLLOWERS_TOTAL, youtube_gap_reason(error))
        items: list[dict[str, Any]] = found.get("items") or []
        statistics = items[0].get("statistics", {}) if items else {}
        if not items or statistics.get("hiddenSubscriberCount") or "subscriberCount" not in statistics:
            return gap(now_ms, YOUTUBE, FOLLOWERS_TOTAL, HIDDEN if items else UNAVAILABLE)
        return measured(now_ms, YOUTUBE, FOLLOWERS_TOTAL, int(statistics["subscriberCount"]))


def audience_sources(sessions: list[PlatformSession]) -> list[AudienceSource]:
    """One source per platform session the runner has (Twitch, YouTube)."""
    sources: list[AudienceSource] = []
    for session in sessions:
        if isinstance(session, TwitchSession):
            sources.append(TwitchAudience(session))
        elif isinstance(session, YouTubeSession) and session.settings.enabled:
            sources.append(YouTubeAudience(session))
    return sources
