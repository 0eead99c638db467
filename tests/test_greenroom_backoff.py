"""Retry delays: doubling up to a cap, starting over after a success, optional jitter from injected randomness."""

import pytest

from greenroom.backoff import Backoff


def test_delays_double_up_to_the_cap_and_start_over_after_a_reset():
    backoff = Backoff(first_ms=1_000, max_ms=5_000)
    assert [backoff.next_delay_ms() for _ in range(5)] == [1_000, 2_000, 4_000, 5_000, 5_000]
    backoff.reset()
    assert backoff.next_delay_ms() == 1_000


def test_the_default_waits_one_second_then_grows_to_a_minute():
    backoff = Backoff()
    assert [backoff.delay_ms(attempt) for attempt in (0, 1, 5, 6, 1_000_000)] == [
        1_000, 2_000, 32_000, 60_000, 60_000]


def test_each_retry_loop_gets_a_fresh_series_without_touching_the_failure_count():
    backoff = Backoff(first_ms=250, max_ms=5_000)
    first_loop = backoff.delays_ms()
    assert [next(first_loop) for _ in range(6)] == [250, 500, 1_000, 2_000, 4_000, 5_000]
    second_loop = backoff.delays_ms()
    assert next(second_loop) == 250
    assert backoff.attempts == 0


def test_a_slower_growth_factor_is_honoured():
    assert [Backoff(first_ms=100, max_ms=1_000, factor=1.5).delay_ms(n) for n in range(4)] == [100, 150, 225, 337]


def test_jitter_shortens_a_delay_by_up_to_its_fraction_using_the_injected_randomness():
    assert Backoff(first_ms=1_000, jitter=0.5, rand=lambda: 0.0).delay_ms(0) == 1_000
    assert Backoff(first_ms=1_000, jitter=0.5, rand=lambda: 0.5).delay_ms(1) == 1_500
    assert Backoff(first_ms=1_000, jitter=0.5, rand=lambda: 0.999).delay_ms(0) == 500


@pytest.mark.parametrize("settings", [
    {"first_ms": -1}, {"first_ms": 10, "max_ms": 5}, {"factor": 0.5}, {"jitter": 1.5},
])
def test_nonsense_settings_are_refused(settings):
    with pytest.raises(ValueError):
        Backoff(**settings)
