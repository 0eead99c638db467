"""What the show runner may ask of a streaming platform, and the status every session reports.

A session never lets a platform outage stop the show: failures turn into ``status()["state"] ==
"degraded"`` with a human reason, and the session retries in the background with backoff.

``status()`` also says how the user should read it: ``"health"`` is ``"ok"``, ``"recovering"`` (every problem
is being retried by the session itself), ``"failed"`` (some problem needs the user) or ``"off"``; ``"reason"``
is the text of the problems and ``"fix"`` the first command or action that fixes a failed one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from greenroom.backoff import Backoff
from livekit.core.clock import Clock

logger = logging.getLogger(__name__)

State = Literal["ok", "degraded", "off"]
Health = Literal["ok", "recovering", "failed", "off"]


class PlatformSession(Protocol):
    """One per platform; the runner calls these from its asyncio loop. None of them raises for outages."""

    name: str

    async def start(self) -> None:
        """Connect and check authorisation; degrade (never raise) when the platform is unreachable."""

    def show_started_at(self, started_ms: int) -> None:
        """The show's real start (epoch ms), told before :meth:`on_show_start`; after a ``--resume`` it is
        earlier than the session itself."""

    async def on_show_start(self, title: str, category: str | None) -> None: ...

    async def on_segment_start(self, index: int, title: str, guest: str | None) -> None: ...

    async def on_show_end(self, chapters: list[tuple[int, str]]) -> None:
        """``chapters`` are (offset seconds from the show's start, segment title) of the actual starts."""

    def status(self) -> dict[str, Any]:
        """``{"state": "ok"|"degraded"|"off", "detail": str, "quota_used_today": int|None, ...}``."""

    async def close(self) -> None: ...


@dataclass
class SessionStatus:
    """The mutable status of a session; ``on_change`` lets the runner push it to the control room."""

    platform: str
    clock: Clock
    state: State = "off"
    detail: str = "not started"
    since_ms: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    #: areas whose problem the session is retrying by itself, and the user's fix for the others.
    recovering: set[str] = field(default_factory=set)
    fixes: dict[str, str] = field(default_factory=dict)
    on_change: Callable[[dict[str, Any]], None] | None = None

    def set(self, state: State, detail: str) -> None:
        if (state, detail) == (self.state, self.detail):
            return
        self.state, self.detail, self.since_ms = state, detail, self.clock.now_ms()
        if state == "degraded":
            logger.warning("%s degraded: %s", self.platform, detail)
        self._changed()

    def problem(self, area: str, reason: str, *, recovering: bool = False, fix: str | None = None) -> None:
        """Record a failing area (e.g. ``chat``); the session is degraded while any problem remains.

        ``recovering``: the session retries this by itself; ``fix``: what the user must do otherwise."""
        changed = (area in self.recovering) != recovering or self.fixes.get(area) != fix
        self.problems[area] = reason
        if recovering:
            self.recovering.add(area)
        else:
            self.recovering.discard(area)
        if fix:
            self.fixes[area] = fix
        else:
            self.fixes.pop(area, None)
        self._recompute()
        if changed:
            self._changed()

    def resolved(self, area: str) -> None:
        self.recovering.discard(area)
        self.fixes.pop(area, None)
        if self.problems.pop(area, None) is not None:
            self._recompute()

    @property
    def health(self) -> Health:
        if self.state == "off":
            return "off"
        if not self.problems:
            return "ok"
        return "recovering" if set(self.problems) <= self.recovering else "failed"

    def _recompute(self) -> None:
        if self.state == "off" and not self.problems:
            return
        if self.problems:
            self.set("degraded", "; ".join(f"{area}: {reason}" for area, reason in self.problems.items()))
        else:
            self.set("ok", "connected")

    def update(self, **extra: Any) -> None:
        self.extra.update(extra)
        self._changed()

    def as_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "state": self.state,
            "detail": self.detail,
            "since_ms": self.since_ms,
            "quota_used_today": None,
            "health": self.health,
            "reason": "; ".join(self.problems.values()),
            "fix": next(iter(self.fixes.values()), None),
            **self.extra,
        }

    def _changed(self) -> None:
        if self.on_change is not None:
            try:
                self.on_change(self.as_dict())
            except Exception:
                logger.exception("%s status listener failed", self.platform)


class BackgroundTasks:
    """Retries and pollers a session owns: all cancelled on close, none left to crash the loop."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coroutine: Awaitable[Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coroutine)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def pending(self) -> list[asyncio.Task[Any]]:
        return [task for task in self._tasks if not task.done()]

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("background task %s failed: %s", task.get_name(), type(task.exception()).__name__)

    async def cancel_all(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()


Describe = Callable[[BaseException], tuple[str, bool]]


async def retrying(
    attempt: Callable[[], Awaitable[Any]],
    *,
    status: SessionStatus,
    area: str,
    describe: Describe,
    attempts: int = 5,
    backoff: Backoff | None = None,
) -> bool:
    """Run ``attempt`` until it succeeds, backing off between tries; failures show in ``status`` under ``area``.

    ``describe`` turns an exception into (reason for the user, worth retrying). Returns True on success.
    """
    backoff = backoff or Backoff()
    for number in range(attempts):
        try:
            await attempt()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # every platform failure degrades the session, none reaches the show
            reason, retry = describe(error)
            status.problem(area, reason)
            if not retry or number == attempts - 1:
                return False
            await asyncio.sleep(backoff.next_delay_ms() / 1000)
            continue
        status.resolved(area)
        return True
    return False
