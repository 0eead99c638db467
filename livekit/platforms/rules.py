"""Pure rules of the platform sessions (no I/O, clock injected): chat rate limit, YouTube call costs and
chat polling budget, and how a Twitch chat event reads as a question. Kept apart so they are tested exactly
and quickly. Retry delays are :class:`greenroom.backoff.Backoff`; the quota day and ledger both tools share
live in :mod:`greenroom.quota`; YouTube's chapter rules in :mod:`livekit.core.chapters`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class TokenBucket:
    """At most ``capacity`` sends per ``period_ms``, refilled continuously (Twitch: 20 or 100 per 30 s)."""

    def __init__(self, capacity: int, period_ms: int, now_ms: int) -> None:
        if capacity < 1 or period_ms < 1:
            raise ValueError("a token bucket needs a positive capacity and period")
        self.capacity = capacity
        self.period_ms = period_ms
        self._tokens = float(capacity)
        self._updated_ms = now_ms

    def _refill(self, now_ms: int) -> None:
        elapsed = max(0, now_ms - self._updated_ms)
        self._tokens = min(self.capacity, self._tokens + elapsed * self.capacity / self.period_ms)
        self._updated_ms = max(self._updated_ms, now_ms)

    def try_take(self, now_ms: int) -> bool:
        """Take one send if available; False means wait (see :meth:`wait_ms`)."""
        self._refill(now_ms)
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False

    def wait_ms(self, now_ms: int) -> int:
        """Milliseconds until one send is available."""
        self._refill(now_ms)
        missing = 1 - self._tokens
        return 0 if missing <= 0 else int(missing * self.period_ms / self.capacity) + 1


#: Estimated quota units per YouTube Data API call (estimates: Google's calculator may change them).
YOUTUBE_QUOTA_COSTS = {
    "list": 1,
    "liveChatMessages.list": 5,
    "insert": 50,
    "update": 50,
    "bind": 50,
    "transition": 50,
    "videos.update": 50,
}


def quota_cost(call: str) -> int:
    """Estimated units of one call, e.g. ``liveBroadcasts.insert`` → 50, ``liveChatMessages.list`` → 5."""
    if call in YOUTUBE_QUOTA_COSTS:
        return YOUTUBE_QUOTA_COSTS[call]
    return YOUTUBE_QUOTA_COSTS.get(call.rsplit(".", 1)[-1], 50)


#: Units kept back for the end of the show (transition complete + description update) and a few retries.
END_OF_SHOW_RESERVE = 400


def chat_poll_interval_ms(
    server_hint_ms: int,
    remaining_units: int,
    remaining_show_ms: int,
    *,
    minimum_ms: int = 1_000,
    reserve_units: int = END_OF_SHOW_RESERVE,
) -> int:
    """How long to wait before the next ``liveChatMessages.list``.

    Never faster than YouTube asks (``pollingIntervalMillis``), and never so fast that the remaining quota
    runs out before the planned end of the show (each poll costs 5 units, a reserve is kept for the end).
    """
    cost = quota_cost("liveChatMessages.list")
    affordable_polls = (remaining_units - reserve_units) // cost
    if affordable_polls <= 0:
        return max(server_hint_ms, minimum_ms, remaining_show_ms, 60_000)
    budget_interval = -(-max(0, remaining_show_ms) // affordable_polls)
    return max(server_hint_ms, minimum_ms, budget_interval)


# ---------------------------------------------------------------------------- Twitch chat events


@dataclass(frozen=True)
class TwitchChatLine:
    """What a ``channel.chat.message`` event means for question intake."""

    message_id: str
    author_id: str
    author_name: str
    text: str


def twitch_chat_line(event: dict[str, Any]) -> TwitchChatLine:
    """Read one ``channel.chat.message`` event as the EventSub reference describes it
    (https://dev.twitch.tv/docs/eventsub/eventsub-reference/#channel-chat-message-event):

    - a reply's text starts with a mention of the parent's author, and ``reply.parent_message_body`` is the
      parent's text: neither is part of the question, only what the viewer wrote;
    - a cheer's ``Cheer100`` tokens are ``cheermote`` fragments: the question is the text without them;
    - in a shared chat session a message sent in another channel carries ``source_broadcaster_user_*`` and
      ``source_message_id``: the source id is the identity (the same line seen through two channels is one
      question) and the author is shown with the channel it came from.
    """
    message = event.get("message") or {}
    fragments = message.get("fragments") or []
    if fragments:
        parts = [fragment for fragment in fragments if fragment.get("type") != "cheermote"]
        reply = event.get("reply") or {}
        if reply and parts and parts[0].get("type") == "mention":
            mentioned = (parts[0].get("mention") or {}).get("user_id")
            if mentioned is None or mentioned == reply.get("parent_user_id"):
                parts = parts[1:]
        text = "".join(str(fragment.get("text", "")) for fragment in parts)
    else:
        text = str(message.get("text", ""))
    chatter_id = str(event.get("chatter_user_id", ""))
    name = str(event.get("chatter_user_name") or event.get("chatter_user_login") or chatter_id)
    message_id = str(event.get("message_id", ""))
    source = event.get("source_broadcaster_user_id")
    if source and source != event.get("broadcaster_user_id"):
        channel = event.get("source_broadcaster_user_name") or event.get("source_broadcaster_user_login") or source
        name = f"{name} (from {channel}'s chat)"
    if source and event.get("source_message_id"):
        message_id = str(event["source_message_id"])
    return TwitchChatLine(message_id, chatter_id, name, " ".join(text.split()))
