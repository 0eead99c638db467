"""Records the audience of a running show once a minute, in the background of the runner's one loop.

Why it cannot slow a cue: the cue path (``ShowRunner.act`` and the clock task) never waits for anything
here. Polling is its own task; Twitch's calls are non-blocking aiohttp requests on the loop, YouTube's run
on the YouTube session's own worker thread; each reading has a timeout, and a slow platform only delays its
own minute's row. What runs on the loop per chat line is one dictionary update (:class:`ChatTally`), and
once a minute a handful of rows are written in one transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import sqlite_utils

from greenroom.db import open_database
from greenroom.errors import GreenroomError
from livekit.core.audience import (
    FOLLOWERS_TOTAL,
    MINUTE_MS,
    NEW_FOLLOWERS,
    NOT_POLLED,
    UNAVAILABLE,
    AudienceSample,
    ChatTally,
    follower_change,
    gap,
    minute_of,
    next_poll_at,
)
from livekit.core.clock import Clock
from livekit.platforms.audience import POLLED_METRICS, AudienceSource
from livekit.questions.core import ChatMessage, IntakeOutcome
from livekit.questions.intake import QuestionIntake
from livekit.storage import audience as audience_storage

log = logging.getLogger(__name__)

#: Longest one platform's reading may take before its minute is written as a gap.
READ_TIMEOUT_S = 20.0
#: How long a write waits for another writer before its rows are kept for the next minute (the loop must
#: not stall: the runner's own connection waits as briefly).
BUSY_TIMEOUT_MS = 250
#: Longest the last reading at the end of the show may take (the show's end waits for it).
FINAL_READ_TIMEOUT_S = 5.0
#: After the planned end, plan the quota as if this much show were still left (as chat polling does).
OVERRUN_ALLOWANCE_MS = 10 * MINUTE_MS


class AudienceRecorder:
    """The ``audience_samples`` rows of one show: polled figures from ``sources``, counted ones from the
    intake's chat lines. :meth:`sample` is the whole of a minute's work and is called directly by tests."""

    def __init__(self, db: sqlite_utils.Database, show_id: int, clock: Clock, sources: Sequence[AudienceSource],
                 *, planned_show_ms: int, read_timeout_s: float = READ_TIMEOUT_S) -> None:
        self.db = db
        self.show_id = show_id
        self.clock = clock
        self.sources = list(sources)
        self.planned_show_ms = planned_show_ms
        self.read_timeout_s = read_timeout_s
        self.tally = ChatTally()
        self._own_authors: frozenset[tuple[str, str]] = frozenset()
        self._intake: QuestionIntake | None = None
        self._started_ms: int | None = None
        self._next_due: dict[str, int] = {}
        self._polled_minute: dict[str, int] = {}
        self._last_polled_minute: int | None = None
        self._last_total: dict[str, AudienceSample] = {}
        self._unsaved: list[AudienceSample] = []
        self._task: asyncio.Task[None] | None = None
        self.rows_written = 0
        self._owned_db = False
        for source in self.sources:
            source.attach(self.tally)

    @classmethod
    def for_database(cls, database_path: Path, show_id: int, clock: Clock, sources: Sequence[AudienceSource],
                     *, planned_show_ms: int) -> AudienceRecorder:
        """A recorder with its own connection to the workspace database (closed by :meth:`close`): WAL with
        ``synchronous = NORMAL``, so a minute's rows cost no fsync on the loop (the runner's own connection
        keeps ``FULL`` for the show's journal, which must survive a power cut; a lost minute of audience
        need not), and a short busy timeout, so another writer never holds up the loop."""
        db = open_database(database_path)
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        recorder = cls(db, show_id, clock, sources, planned_show_ms=planned_show_ms)
        recorder._owned_db = True
        return recorder

    def attach(self, intake: QuestionIntake) -> None:
        """Count every chat line the intake receives (not the text: platform, id, author, minute)."""
        self._intake = intake
        intake.add_chat_listener(self._chat_line)

    def _chat_line(self, message: ChatMessage, outcome: IntakeOutcome) -> None:
        if self._intake is not None and (message.platform, message.author_id) in self._intake.rules.own_author_ids:
            return  # the bot's notices and the host's own lines are not audience
        self.tally.message(message.platform, message.message_id, message.author_id, message.received_ms,
                           question=outcome is IntakeOutcome.ACCEPTED)

    # ------------------------------------------------------------------ the show's life
    def start(self, started_ms: int) -> None:
        """The show started (or was resumed) at ``started_ms``: count from its minute and poll in the
        background, first at once, then once a minute."""
        if self._started_ms is not None:
            return  # once per show: a stopped recorder is not started again
        self.begin(started_ms)
        self._task = asyncio.ensure_future(self._poll_forever())
        self._task.set_name("audience")

    def begin(self, started_ms: int) -> None:
        """Count from now (the show's start, or the moment a resumed show is picked up again: the minutes
        before belong to the runner that recorded them) without polling in the background; the caller calls
        :meth:`sample` (tests with an injected clock; :meth:`start` once a minute). ``started_ms`` is the
        show's real start, from which the quota plan counts."""
        self._started_ms = started_ms
        self.tally.open(max(started_ms, self.clock.now_ms()))

    async def _poll_forever(self) -> None:
        while True:
            try:
                await self.sample()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the audience is never worth stopping a show for
                log.warning("the audience sample failed: %s", error)
            now = self.clock.now_ms()
            await asyncio.sleep((next_poll_at(now) - now) / 1000)

    async def finish(self, ended_ms: int) -> None:
        """The show ended at ``ended_ms``: stop polling, read the last minute if it was not read yet, and
        write every minute's counts up to the end."""
        await self.stop()
        if self._started_ms is None:
            return
        rows: list[AudienceSample] = []
        if self._last_polled_minute != minute_of(ended_ms):
            rows += await self._read_all(ended_ms, timeout_s=min(self.read_timeout_s, FINAL_READ_TIMEOUT_S))
        self._follow_counting()
        rows += self.tally.close_all(ended_ms)
        self._store(rows)

    async def stop(self) -> None:
        """Stop polling (the runner closes); minutes already over are written, the current one is not."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def close(self) -> None:
        """Stop polling and close the connection :meth:`for_database` opened."""
        await self.stop()
        if self._owned_db:
            self._owned_db = False
            self.db.conn.close()

    # ------------------------------------------------------------------ one minute
    async def sample(self) -> list[AudienceSample]:
        """Read every platform for the current minute, close the chat minutes that are over, store all
        (one transaction). Returns the rows of this call."""
        now = self.clock.now_ms()
        rows = await self._read_all(now)
        self._follow_counting()
        rows += self.tally.close_before(now)
        self._store(rows)
        return rows

    def _follow_counting(self) -> None:
        """The tally writes ``new_followers`` for the platforms whose follows arrive as events right now."""
        self.tally.follows_from = {source.platform for source in self.sources if source.counts_follows}

    async def _read_all(self, now_ms: int, timeout_s: float | None = None) -> list[AudienceSample]:
        self._last_polled_minute = minute_of(now_ms)
        timeout = self.read_timeout_s if timeout_s is None else timeout_s
        readings = await asyncio.gather(*(self._read(source, now_ms, timeout) for source in self.sources))
        return [row for rows in readings for row in rows]

    def _remaining_show_ms(self, now_ms: int) -> int:
        started = self._started_ms if self._started_ms is not None else now_ms
        return max(self.planned_show_ms - (now_ms - started), OVERRUN_ALLOWANCE_MS)

    async def _read(self, source: AudienceSource, now_ms: int, timeout_s: float) -> list[AudienceSample]:
        minute = minute_of(now_ms)
        every = source.every_minutes(self._remaining_show_ms(now_ms))
        if self._polled_minute.get(source.platform) == minute:
            return []  # read already this minute (the show started in it): that reading stands
        if every is None or minute < self._next_due.get(source.platform, minute):
            metrics = POLLED_METRICS if source.counts_follows else (*POLLED_METRICS, NEW_FOLLOWERS)
            return [gap(minute, source.platform, metric, NOT_POLLED) for metric in metrics]
        self._next_due[source.platform] = minute + every * MINUTE_MS
        self._polled_minute[source.platform] = minute
        try:
            readings = await asyncio.wait_for(source.read(now_ms), timeout_s)
        except TimeoutError:
            readings = [gap(minute, source.platform, metric, UNAVAILABLE) for metric in POLLED_METRICS]
        rows = list(readings)
        for reading in readings:
            if reading.metric == FOLLOWERS_TOTAL:
                if not source.counts_follows:
                    rows.append(follower_change(self._last_total.get(source.platform), reading))
                if reading.value is not None:
                    self._last_total[source.platform] = reading
        return rows

    def _store(self, rows: list[AudienceSample]) -> None:
        """Write ``rows`` (and any a busy database refused before); on failure keep them for the next minute."""
        pending = self._unsaved + rows
        try:
            self.rows_written += audience_storage.record(self.db, self.show_id, pending)
        except (sqlite3.OperationalError, GreenroomError) as error:
            log.warning("audience rows of show %s kept for the next minute: %s", self.show_id, error)
            self._unsaved = pending
            return
        self._unsaved = []
