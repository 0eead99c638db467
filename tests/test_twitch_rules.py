"""Chat notice rate limit (pure rules, injected time)."""

import pytest

from livekit.platforms.rules import TokenBucket


def test_a_normal_account_sends_at_most_20_notices_per_30_seconds():
    bucket = TokenBucket(20, 30_000, now_ms=0)
    assert sum(bucket.try_take(0) for _ in range(25)) == 20


def test_the_bucket_refills_continuously():
    bucket = TokenBucket(20, 30_000, now_ms=0)
    for _ in range(20):
        bucket.try_take(0)
    assert not bucket.try_take(1_499)
    assert bucket.try_take(1_500)


def test_wait_ms_says_when_the_next_send_is_possible():
    bucket = TokenBucket(100, 30_000, now_ms=0)
    for _ in range(100):
        bucket.try_take(0)
    assert bucket.wait_ms(0) == 301
    assert bucket.try_take(bucket.wait_ms(0))


def test_a_clock_step_backwards_never_adds_sends():
    bucket = TokenBucket(1, 30_000, now_ms=10_000)
    assert bucket.try_take(10_000)
    assert not bucket.try_take(0)


def test_a_bucket_needs_positive_sizes():
    with pytest.raises(ValueError):
        TokenBucket(0, 30_000, now_ms=0)
