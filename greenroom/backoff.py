"""How long to wait before retrying something that failed: the one backoff of the project.

Reconnecting to OBS, retrying a Twitch or YouTube call, polling chat after an error: each waits longer
after every failure (doubling, up to a cap) so an outage is not hammered, and starts again from the
first delay once a call succeeds. Optional jitter spreads clients that failed together so they do not
retry in lockstep. Pure: the randomness is injected and nothing sleeps here; callers sleep the delay.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Delays of ``first_ms``, ``first_ms * factor``, ... capped at ``max_ms``, in integer milliseconds.

    ``jitter`` (0 to 1) shortens each delay by up to that fraction, drawn from ``rand`` (a function
    returning a float in [0, 1)); the default 0 gives exact, repeatable delays.
    """

    first_ms: int = 1_000
    max_ms: int = 60_000
    factor: float = 2.0
    jitter: float = 0.0
    rand: Callable[[], float] = field(default=random.random, repr=False, compare=False)
    attempts: int = 0

    def __post_init__(self) -> None:
        if self.first_ms < 0 or self.max_ms < self.first_ms or self.factor < 1 or not 0 <= self.jitter <= 1:
            raise ValueError("a backoff needs 0 <= first_ms <= max_ms, factor >= 1 and jitter within 0..1")

    def delay_ms(self, attempt: int) -> int:
        """The wait before retry number ``attempt`` (0 = the first retry)."""
        # Exponent capped: past the cap the delay no longer grows, and a float must not overflow.
        delay = min(float(self.max_ms), self.first_ms * self.factor ** min(attempt, 64))
        if self.jitter:
            delay *= 1 - self.jitter * self.rand()
        return int(delay)

    def next_delay_ms(self) -> int:
        """The wait before the next retry; each call counts one more failure."""
        delay = self.delay_ms(self.attempts)
        self.attempts += 1
        return delay

    def reset(self) -> None:
        """After a success: the next failure waits ``first_ms`` again."""
        self.attempts = 0

    def delays_ms(self) -> Iterator[int]:
        """A fresh, endless series of waits for one retry loop (does not touch :attr:`attempts`)."""
        attempt = 0
        while True:
            yield self.delay_ms(attempt)
            attempt += 1
