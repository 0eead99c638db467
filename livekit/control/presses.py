"""What the producer pressed recently: one rule for every transport (web, HTTP, Stream Deck, terminal).

Two slips are caught here. A **double press** (the same navigation again within
:data:`DOUBLE_PRESS_MS`) is one intent sent twice: a bounced key, two people at two screens, a Stream
Deck retry; the second press is refused. A **confirmation**: ending a show stops the recording, so
``show.end`` goes ahead only when asked twice within :data:`CONFIRM_WINDOW_MS` (or with
``confirm=true``); a first press that is not confirmed in time expires, so a stray second press minutes
later asks again instead of ending the show.

This module is pure: the clock is injected; the runner keeps one :class:`Presses` per show.
"""

from __future__ import annotations

from collections.abc import Callable

#: How long a first press waits for its confirmation.
CONFIRM_WINDOW_MS = 5_000
#: The same navigation pressed again within this many ms (without ``expect``) is a double press.
DOUBLE_PRESS_MS = 1_000


class Presses:
    """Recent presses by action name (``show.next``), on the injected millisecond clock."""

    def __init__(self, clock_ms: Callable[[], int], *, confirm_window_ms: int = CONFIRM_WINDOW_MS,
                 double_press_ms: int = DOUBLE_PRESS_MS) -> None:
        self._clock_ms = clock_ms
        self.confirm_window_ms = confirm_window_ms
        self.double_press_ms = double_press_ms
        self._asked_at: dict[str, int] = {}
        self._done_at: dict[str, int] = {}

    # -- confirmations ---------------------------------------------------------------------------

    def confirmed(self, action: str) -> bool:
        """True when ``action`` was asked for within the window (the confirmation is then used up);
        otherwise this press is remembered as the first one and the answer is False."""
        now = self._clock_ms()
        asked_at = self._asked_at.pop(action, None)
        if asked_at is not None and 0 <= now - asked_at <= self.confirm_window_ms:
            return True
        self._asked_at[action] = now
        return False

    def pending(self, action: str) -> bool:
        """True while a first press of ``action`` waits for its confirmation."""
        asked_at = self._asked_at.get(action)
        return asked_at is not None and 0 <= self._clock_ms() - asked_at <= self.confirm_window_ms

    def cancel(self, action: str) -> None:
        """Forget a first press (the show ended another way, or the producer changed their mind)."""
        self._asked_at.pop(action, None)

    # -- double presses --------------------------------------------------------------------------

    def done(self, action: str) -> None:
        """``action`` was carried out just now."""
        self._done_at[action] = self._clock_ms()

    def is_double_press(self, action: str) -> bool:
        """True when ``action`` was carried out less than :attr:`double_press_ms` ago."""
        done_at = self._done_at.get(action)
        return done_at is not None and 0 <= self._clock_ms() - done_at < self.double_press_ms

    def forget_done(self) -> None:
        """After an undo the next press is a new decision, never the second half of a double press."""
        self._done_at.clear()
