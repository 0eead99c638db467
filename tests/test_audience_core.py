"""The pure rules of the audience record: minute buckets of what chat brought, follower deltas, gaps that are
never zeros, and the polling plan that leaves YouTube's quota to chat."""

import pytest

from livekit.core.audience import (
    CHAT,
    CHAT_MESSAGES,
    FOLLOWERS_TOTAL,
    MINUTE_MS,
    NEW_FOLLOWERS,
    NO_EARLIER_TOTAL,
    QUESTIONS,
    SUPER_CHAT_AMOUNT,
    SUPER_CHATS,
    TWITCH,
    UNAUTHORIZED,
    UNIQUE_CHATTERS,
    YOUTUBE,
    AudienceSample,
    ChatTally,
    follower_change,
    gap,
    measured,
    next_poll_at,
    samples_by_metric,
    youtube_poll_every_minutes,
)
from livekit.core.clock import FakeClock

#: A minute boundary (2023-11-14 22:14 UTC).
T0 = 1_700_000_040_000


def values(rows, platform, metric):
    return [row.value for row in samples_by_metric(rows)[(platform, metric)]]


def test_a_sample_has_a_value_or_a_reason_never_both_nor_neither():
    with pytest.raises(ValueError):
        AudienceSample(T0, TWITCH, "viewers", None, None)
    with pytest.raises(ValueError):
        AudienceSample(T0, TWITCH, "viewers", 0.0, "offline")


def test_a_sample_starts_on_its_minute():
    assert measured(T0 + 59_999, TWITCH, "viewers", 12).at_ms == T0
    with pytest.raises(ValueError):
        AudienceSample(T0 + 1, TWITCH, "viewers", 12.0)


def test_chat_is_counted_in_the_minute_each_line_arrived():
    clock = FakeClock(T0 + 10_000)
    tally = ChatTally()
    tally.open(clock.now_ms())
    tally.message("twitch", "m1", "ann", clock.now_ms())
    tally.message("twitch", "m2", "ann", clock.advance(5_000), question=True)
    tally.message("youtube", "y1", "ann", clock.advance(50_000))  # minute 1; same id on another platform
    rows = tally.close_before(clock.now_ms())
    assert values(rows, CHAT, CHAT_MESSAGES) == [2]
    assert values(rows, CHAT, UNIQUE_CHATTERS) == [1]
    assert values(rows, CHAT, QUESTIONS) == [1]


def test_unique_chatters_tell_the_same_id_on_two_platforms_apart():
    tally = ChatTally()
    tally.open(T0)
    tally.message("twitch", "m1", "42", T0 + 1)
    tally.message("youtube", "y1", "42", T0 + 2)
    tally.message("twitch", "m2", "42", T0 + 3)
    assert values(tally.close_all(T0 + 4), CHAT, UNIQUE_CHATTERS) == [2]


def test_a_redelivered_message_is_counted_once():
    tally = ChatTally()
    tally.open(T0)
    tally.message("twitch", "m1", "ann", T0 + 1_000)
    tally.message("twitch", "m1", "ann", T0 + 2_000)
    assert values(tally.close_all(T0 + 3_000), CHAT, CHAT_MESSAGES) == [1]


def test_a_quiet_minute_is_a_real_zero_and_the_current_minute_stays_open():
    tally = ChatTally()
    tally.open(T0)
    tally.message("twitch", "m1", "ann", T0 + 1_000)
    rows = tally.close_before(T0 + 2 * MINUTE_MS + 5_000)
    assert values(rows, CHAT, CHAT_MESSAGES) == [1, 0]
    tally.message("twitch", "m2", "bob", T0 + 2 * MINUTE_MS + 6_000)
    assert tally.close_before(T0 + 2 * MINUTE_MS + 7_000) == []
    assert values(tally.close_all(T0 + 2 * MINUTE_MS + 8_000), CHAT, CHAT_MESSAGES) == [1]


def test_chat_before_the_show_started_is_not_counted():
    tally = ChatTally()
    tally.message("twitch", "early", "ann", T0 - 5_000)
    tally.open(T0)
    assert values(tally.close_all(T0 + 1_000), CHAT, CHAT_MESSAGES) == [0]


def test_a_line_arriving_after_its_minute_closed_counts_in_the_oldest_open_minute():
    tally = ChatTally()
    tally.open(T0)
    tally.close_before(T0 + MINUTE_MS + 1)
    tally.message("twitch", "late", "ann", T0 + 30_000)
    assert [(row.at_ms, row.value) for row in tally.close_all(T0 + MINUTE_MS + 2)
            if row.metric == CHAT_MESSAGES] == [(T0 + MINUTE_MS, 1)]


def test_super_chats_are_counted_and_summed_in_currency_units():
    tally = ChatTally()
    tally.counts_super_chats = True
    tally.open(T0)
    tally.super_chat(T0 + 1_000, 5_000_000)
    tally.super_chat(T0 + 2_000, 1_990_000)
    rows = tally.close_all(T0 + MINUTE_MS)
    assert values(rows, YOUTUBE, SUPER_CHATS) == [2, 0]
    assert values(rows, YOUTUBE, SUPER_CHAT_AMOUNT) == [6.99, 0]


def test_follow_events_are_counted_per_minute_for_the_platforms_that_send_them():
    tally = ChatTally()
    tally.follows_from = {TWITCH}
    tally.open(T0)
    tally.follow(TWITCH, T0 + MINUTE_MS + 1)
    tally.follow(TWITCH, T0 + MINUTE_MS + 2)
    assert values(tally.close_all(T0 + MINUTE_MS + 3), TWITCH, NEW_FOLLOWERS) == [0, 2]


def test_new_followers_are_the_change_since_the_last_total_read():
    earlier = measured(T0, TWITCH, FOLLOWERS_TOTAL, 100)
    now = measured(T0 + 3 * MINUTE_MS, TWITCH, FOLLOWERS_TOTAL, 104)
    assert follower_change(earlier, now) == AudienceSample(T0 + 3 * MINUTE_MS, TWITCH, NEW_FOLLOWERS, 4.0)


def test_without_an_earlier_total_new_followers_is_a_gap_not_a_zero():
    first = measured(T0, TWITCH, FOLLOWERS_TOTAL, 100)
    assert follower_change(None, first).gap_reason == NO_EARLIER_TOTAL
    assert follower_change(gap(T0, TWITCH, FOLLOWERS_TOTAL, UNAUTHORIZED), first).gap_reason == NO_EARLIER_TOTAL


def test_a_failed_total_makes_new_followers_a_gap_with_the_same_reason():
    failed = gap(T0 + MINUTE_MS, TWITCH, FOLLOWERS_TOTAL, UNAUTHORIZED)
    assert follower_change(measured(T0, TWITCH, FOLLOWERS_TOTAL, 100), failed).gap_reason == UNAUTHORIZED


def test_youtube_is_polled_every_minute_with_a_full_quota():
    assert youtube_poll_every_minutes(10_000, 120 * MINUTE_MS, reserve_units=400) == 1


def test_youtube_polls_are_spaced_out_when_the_quota_is_nearly_gone():
    # 10% of (1,400 - 400) = 100 units = 50 polls for 120 minutes: every 3 minutes.
    assert youtube_poll_every_minutes(1_400, 120 * MINUTE_MS, reserve_units=400) == 3


def test_youtube_is_not_polled_when_only_the_reserve_is_left():
    assert youtube_poll_every_minutes(410, 60 * MINUTE_MS, reserve_units=400) is None


def test_the_next_poll_is_half_a_minute_into_a_minute():
    assert next_poll_at(T0 + 10_000) == T0 + 30_000
    assert next_poll_at(T0 + 30_000) == T0 + MINUTE_MS + 30_000
    assert next_poll_at(T0 + 45_000) == T0 + MINUTE_MS + 30_000
