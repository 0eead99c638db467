"""The audience during a show, minute by minute (pure: the caller passes every time and every reading).

A show's audience is kept as one row per (platform, metric, minute): the start of the minute in UTC epoch
ms, the value, and, when the platform gave nothing, *why* (``gap_reason``) with no value. A failed poll is
a gap, never a zero: a zero would read as "nobody watched" in an average and in a retention figure, where
the truth is "we do not know".

Two kinds of figures meet here:

- **polled** ones (concurrent viewers, follower/subscriber totals) are read from the platform once per
  minute at most; YouTube's are rationed by :func:`youtube_poll_every_minutes` so the shared daily quota
  still lasts for chat polling and the end of the show;
- **counted** ones (chat messages, unique chatters, questions, Super Chats, new followers from
  ``channel.follow``) come from what the runner already receives; :class:`ChatTally` buckets them by the
  minute the line arrived. Those counts are real zeros when nothing arrived: we were listening.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

MINUTE_MS = 60_000

#: ``platform`` of the platform-independent counts (chat lines from every platform together).
CHAT = "chat"
TWITCH = "twitch"
YOUTUBE = "youtube"

VIEWERS = "viewers"
CHAT_MESSAGES = "chat_messages"
UNIQUE_CHATTERS = "unique_chatters"
QUESTIONS = "questions"
FOLLOWERS_TOTAL = "followers_total"
NEW_FOLLOWERS = "new_followers"
SUPER_CHATS = "super_chats"
SUPER_CHAT_AMOUNT = "super_chat_amount"
METRICS = (VIEWERS, CHAT_MESSAGES, UNIQUE_CHATTERS, QUESTIONS, FOLLOWERS_TOTAL, NEW_FOLLOWERS, SUPER_CHATS,
           SUPER_CHAT_AMOUNT)

# Why a minute has no value (``gap_reason``).
#: The platform does not show the stream live (Twitch Get Streams lists nothing; YouTube gives no
#: ``concurrentViewers`` because the broadcast is not live yet or is over).
OFFLINE = "offline"
#: The platform refused the token (HTTP 401, a revoked or expired token).
UNAUTHORIZED = "unauthorized"
#: YouTube answered ``quotaExceeded`` / ``dailyLimitExceeded``.
QUOTA_EXCEEDED = "quota_exceeded"
#: The platform failed (5xx, 429, timeout, unreachable) or refused the call for another reason.
UNAVAILABLE = "unavailable"
#: The session is not connected to the platform (still connecting, or never could).
NOT_CONNECTED = "not_connected"
#: Not polled this minute: the quota plan spaces YouTube's polls out (see :func:`youtube_poll_every_minutes`).
NOT_POLLED = "not_polled"
#: The channel hides the figure (YouTube ``hiddenSubscriberCount``, a broadcast hiding its viewer count).
HIDDEN = "hidden"
#: The previous total is unknown (the first reading, or the last one was a gap): no delta this minute.
NO_EARLIER_TOTAL = "no_earlier_total"
GAP_REASONS = (OFFLINE, UNAUTHORIZED, QUOTA_EXCEEDED, UNAVAILABLE, NOT_CONNECTED, NOT_POLLED, HIDDEN,
               NO_EARLIER_TOTAL)


def minute_of(ms: int) -> int:
    """The start (epoch ms, UTC) of the minute ``ms`` falls in."""
    return ms - ms % MINUTE_MS


@dataclass(frozen=True)
class AudienceSample:
    """One row of ``audience_samples``: ``value`` None exactly when ``gap_reason`` says why."""

    at_ms: int
    platform: str
    metric: str
    value: float | None
    gap_reason: str | None = None

    def __post_init__(self) -> None:
        if (self.value is None) == (self.gap_reason is None):
            raise ValueError("an audience sample has either a value or a gap reason, never both nor neither")
        if self.at_ms % MINUTE_MS:
            raise ValueError(f"an audience sample starts on a minute, not at {self.at_ms}")


def measured(at_ms: int, platform: str, metric: str, value: float) -> AudienceSample:
    return AudienceSample(minute_of(at_ms), platform, metric, float(value))


def gap(at_ms: int, platform: str, metric: str, reason: str) -> AudienceSample:
    return AudienceSample(minute_of(at_ms), platform, metric, None, reason)


def follower_change(earlier: AudienceSample | None, now: AudienceSample) -> AudienceSample:
    """``new_followers`` for the minute of ``now`` (a ``followers_total`` reading): the change since the
    last total read (net: an unfollow counts down). Summed over a show it is the total after minus the
    total before, however the polls were spaced. Without two readings it is a gap, never a zero."""
    if now.value is None:
        return gap(now.at_ms, now.platform, NEW_FOLLOWERS, now.gap_reason or UNAVAILABLE)
    if earlier is None or earlier.value is None:
        return gap(now.at_ms, now.platform, NEW_FOLLOWERS, NO_EARLIER_TOTAL)
    return measured(now.at_ms, now.platform, NEW_FOLLOWERS, now.value - earlier.value)


@dataclass
class _Minute:
    messages: int = 0
    chatters: set[tuple[str, str]] = field(default_factory=set)
    questions: int = 0
    super_chats: int = 0
    super_chat_micros: int = 0
    follows: dict[str, int] = field(default_factory=dict)


class ChatTally:
    """Per-minute counts of what the runner already receives; keeps counts and ids, never the text.

    Every minute from the first one tracked (:meth:`open`) to the last one closed gets rows, zeros
    included: a quiet minute is a real zero. A redelivered message (same platform and id, EventSub
    delivers at least once) is counted once. ``follows_from`` names the platforms whose follows arrive as
    events (Twitch ``channel.follow``); only they get counted ``new_followers`` rows. ``counts_super_chats``:
    YouTube's chat is read, so a minute without a Super Chat is a zero (otherwise only minutes with one).
    """

    #: How many recent message ids are remembered for dedupe (redeliveries come within seconds).
    REMEMBERED_IDS = 50_000

    def __init__(self) -> None:
        self._minutes: dict[int, _Minute] = {}
        self._first: int | None = None
        self._closed_until: int | None = None
        # Insertion-ordered so the oldest id is dropped first; OrderedDict pops from the front in O(1)
        # (a plain dict slows down when its first entries are deleted over and over).
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()
        self.follows_from: set[str] = set()
        self.counts_super_chats = False

    def open(self, at_ms: int) -> None:
        """Start counting at the minute of ``at_ms`` (the show's start)."""
        if self._first is None:
            self._first = minute_of(at_ms)
            self._closed_until = self._first

    def _bucket(self, at_ms: int) -> _Minute | None:
        minute = minute_of(at_ms)
        if self._closed_until is None:
            return None  # not counting yet: the show has not started
        minute = max(minute, self._closed_until)  # a late line joins the oldest open minute
        return self._minutes.setdefault(minute, _Minute())

    def message(self, platform: str, message_id: str, author_id: str, received_ms: int, *,
                question: bool = False) -> None:
        """One chat line received (``question``: it became a new question)."""
        key = (platform, message_id)
        if key in self._seen:
            return
        self._seen[key] = None
        if len(self._seen) > self.REMEMBERED_IDS:
            self._seen.popitem(last=False)
        bucket = self._bucket(received_ms)
        if bucket is None:
            return
        bucket.messages += 1
        bucket.chatters.add((platform, author_id))
        bucket.questions += int(question)

    def super_chat(self, received_ms: int, amount_micros: int) -> None:
        """One YouTube Super Chat (``superChatDetails.amountMicros``; the currency is not tracked)."""
        bucket = self._bucket(received_ms)
        if bucket is not None:
            bucket.super_chats += 1
            bucket.super_chat_micros += amount_micros

    def follow(self, platform: str, received_ms: int) -> None:
        """One follow event (Twitch ``channel.follow``)."""
        bucket = self._bucket(received_ms)
        if bucket is not None:
            bucket.follows[platform] = bucket.follows.get(platform, 0) + 1

    def close_before(self, now_ms: int) -> list[AudienceSample]:
        """Rows of every minute that ended by ``now_ms`` and was not closed yet (the current one stays open)."""
        return self._close(minute_of(now_ms))

    def close_all(self, end_ms: int) -> list[AudienceSample]:
        """Rows of every open minute up to and including the one ``end_ms`` falls in (the show ended)."""
        return self._close(minute_of(end_ms) + MINUTE_MS)

    def _close(self, until: int) -> list[AudienceSample]:
        if self._closed_until is None:
            return []
        rows: list[AudienceSample] = []
        for minute in range(self._closed_until, until, MINUTE_MS):
            counts = self._minutes.pop(minute, None) or _Minute()
            rows += [measured(minute, CHAT, CHAT_MESSAGES, counts.messages),
                     measured(minute, CHAT, UNIQUE_CHATTERS, len(counts.chatters)),
                     measured(minute, CHAT, QUESTIONS, counts.questions)]
            if self.counts_super_chats or counts.super_chats:
                rows += [measured(minute, YOUTUBE, SUPER_CHATS, counts.super_chats),
                         measured(minute, YOUTUBE, SUPER_CHAT_AMOUNT, counts.super_chat_micros / 1_000_000)]
            rows += [measured(minute, platform, NEW_FOLLOWERS, counts.follows.get(platform, 0))
                     for platform in sorted(self.follows_from)]
        self._closed_until = max(self._closed_until, until)
        return rows


# ---------------------------------------------------------------------------- polling plan

#: Polls are taken this far into their minute, so a poll late by up to half a minute still lands in it.
POLL_OFFSET_MS = 30_000
#: Quota units of one YouTube audience poll: videos.list (concurrent viewers) + channels.list (subscribers).
YOUTUBE_UNITS_PER_POLL = 2
#: The share of the quota left (above the end-of-show reserve) audience polling may plan to spend; the rest
#: stays for chat polling, which is what questions depend on.
YOUTUBE_AUDIENCE_SHARE = 0.1


def next_poll_at(now_ms: int, offset_ms: int = POLL_OFFSET_MS) -> int:
    """When the next poll is due: ``offset_ms`` into the current minute if that is still ahead, else into
    the next one."""
    due = minute_of(now_ms) + offset_ms
    return due if due > now_ms else due + MINUTE_MS


def youtube_poll_every_minutes(remaining_units: int, remaining_show_ms: int, *, reserve_units: int,
                               share: float = YOUTUBE_AUDIENCE_SHARE,
                               units_per_poll: int = YOUTUBE_UNITS_PER_POLL) -> int | None:
    """Poll YouTube's audience every N minutes (None: not at all) so the polls left in the show spend at most
    ``share`` of the units above ``reserve_units`` (the reserve the chat poller keeps for the end of the show).

    At 2 units a minute a two-hour show takes 240 of the default 10,000: polling every minute is the norm;
    the plan spaces polls out only when the day's quota is nearly gone."""
    budget = int((remaining_units - reserve_units) * share)
    affordable = budget // units_per_poll
    if affordable <= 0:
        return None
    minutes_left = max(1, -(-max(0, remaining_show_ms) // MINUTE_MS))
    return max(1, -(-minutes_left // affordable))


def due_this_minute(minute_ms: int, first_minute_ms: int, every_minutes: int | None) -> bool:
    """Whether a platform polled every ``every_minutes`` minutes from ``first_minute_ms`` polls in ``minute_ms``."""
    if every_minutes is None:
        return False
    return ((minute_ms - first_minute_ms) // MINUTE_MS) % every_minutes == 0


def samples_by_metric(samples: Iterable[AudienceSample]) -> dict[tuple[str, str], list[AudienceSample]]:
    """Rows grouped by (platform, metric), each list in time order (for reports and tests)."""
    grouped: dict[tuple[str, str], list[AudienceSample]] = {}
    for sample in sorted(samples, key=lambda s: (s.platform, s.metric, s.at_ms)):
        grouped.setdefault((sample.platform, sample.metric), []).append(sample)
    return grouped
