"""YouTube quota estimate, chat polling budget and chapter lines (pure rules)."""

from datetime import UTC, datetime

from livekit.platforms.rules import (
    chat_poll_interval_ms,
    quota_cost,
)


def ms(text):
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def test_estimated_costs_per_call():
    assert quota_cost("liveChatMessages.list") == 5
    assert quota_cost("liveBroadcasts.list") == 1
    assert quota_cost("liveBroadcasts.insert") == 50
    assert quota_cost("liveBroadcasts.transition") == 50
    assert quota_cost("liveBroadcasts.bind") == 50


def test_polling_never_goes_faster_than_youtube_asks():
    assert chat_poll_interval_ms(5_000, 10_000, 60_000) == 5_000


def test_polling_is_slowed_so_the_quota_lasts_until_the_planned_end():
    # 2,400 usable units (400 kept back) = 480 polls over 2 hours: one every 15 s.
    assert chat_poll_interval_ms(1_000, 2_800, 2 * 3_600_000) == 15_000


def test_without_quota_left_polling_waits_at_least_a_minute():
    assert chat_poll_interval_ms(1_000, 300, 3_600_000) == 3_600_000
    assert chat_poll_interval_ms(1_000, 0, 0) == 60_000
