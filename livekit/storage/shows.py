"""Crash-safe show storage: a ``shows`` row per show and an append-only ``show_events`` log.

Every event is committed (its own transaction, ``synchronous=FULL`` on this connection) before the
show core applies it, so after ``kill -9`` — or a power cut — :meth:`ShowStore.load_show` replays the
log and the show resumes on the right segment with the right elapsed times. Timestamps are epoch
milliseconds (see :mod:`livekit.core.clock`), valid across processes.

Beside the journal, ``show_recordings`` keeps the recording files OBS made during a show (not show-core
events: the show does not replay them). An OBS restart mid-show ends one file and the runner's resync starts
the next, so a show can have several; the report lists each with its offset.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sqlite3
from dataclasses import dataclass
from typing import cast

import sqlite_utils

from greenroom.db import SQLITE_MAX_INT
from greenroom.errors import GreenroomError
from livekit.core.clock import Clock, SystemClock
from livekit.core.rundown import Rundown
from livekit.core.show import DEFAULT_WARNING_MS, Show, ShowError, ShowEvent


def show_key(show_id: int, title: str) -> str:
    """How guests and questions name a show: unique per run, readable in the guest log."""
    return f"#{show_id} {title}"


class DatabaseBusy(GreenroomError):
    """Another process holds the workspace database's write lock; the event was not stored (retry)."""


class ShowNotFound(GreenroomError):
    """No show with that id in this workspace."""


def show_key_for(db: sqlite_utils.Database, reference: str | None) -> str | None:
    """A user's show reference as guests and questions store it: ``None`` is "the next show", an id
    (``12`` or ``#12``) becomes that show's key (``#12 Launch AMA``), anything else is taken as a key.

    Read-only, so it needs no :class:`ShowStore` (which makes its connection fsync every commit)."""
    if reference is None:
        return None
    match = re.fullmatch(r"#?(\d+)", reference.strip())
    if not match:
        return reference
    show_id = int(match.group(1))
    # An id beyond SQLite's integers (2**63 - 1) names no show; sqlite3 would raise OverflowError for it.
    row = None if show_id > SQLITE_MAX_INT else db.execute("SELECT title FROM shows WHERE id = ?",
                                                            [show_id]).fetchone()
    if row is None:
        raise ShowNotFound(f"no show {show_id} in this workspace (see `livekit shows`)")
    return show_key(show_id, row[0])


@dataclass(frozen=True)
class ShowRecord:
    """One row of ``shows``. Times are epoch ms; ``planned_ms`` is the rundown's total."""

    id: int
    title: str
    rundown_path: str | None
    rundown_hash: str
    status: str
    warning_ms: int
    planned_ms: int
    created_ms: int
    started_ms: int | None
    ended_ms: int | None
    #: A rehearsal (`livekit run --rehearsal`): it used up no bookings and logged no guest appearances.
    rehearsal: bool = False

    @property
    def actual_ms(self) -> int | None:
        """Length as run (None until the show has ended)."""
        if self.started_ms is None or self.ended_ms is None:
            return None
        return self.ended_ms - self.started_ms


@dataclass(frozen=True)
class Recording:
    """One recording file OBS made during a show, in epoch ms; ``stopped_ms`` is None while it runs (or
    when no runner saw it stop)."""

    started_ms: int
    stopped_ms: int | None = None


#: A recording noted as starting this close to the start of the one still open is that same file, seen
#: again (a resumed runner finding OBS still recording), not a new one.
SAME_RECORDING_MS = 2000

_COLUMNS = ("id, title, rundown_path, rundown_hash, status, warning_ms, planned_ms, created_ms, started_ms, ended_ms, "
            "rehearsal")


class ShowStore:
    """Shows in the workspace database (one store per thread, like its sqlite_utils.Database)."""

    def __init__(self, db: sqlite_utils.Database, clock: Clock | None = None, *, read_only: bool = False) -> None:
        """``read_only``: only reads (a report inside another tool's transaction, where the connection's
        safety level cannot change); never write events through such a store."""
        self.db = db
        self.clock = clock or SystemClock()
        if not read_only:
            # An event must survive a power cut, not only a crash: fsync every commit on this connection.
            db.execute("PRAGMA synchronous = FULL")

    def create_show(self, rundown: Rundown, *, default_warning_ms: int = DEFAULT_WARNING_MS,
                    rehearsal: bool = False) -> int:
        """Store a new show (status ready) with a frozen copy of its rundown; returns its id."""
        warning = rundown.warning_ms if rundown.warning_ms is not None else default_warning_ms
        cursor = self.db.execute(
            "INSERT INTO shows (title, rundown_path, rundown_hash, rundown_json, warning_ms, planned_ms, "
            "status, created_ms, rehearsal) VALUES (?, ?, ?, ?, ?, ?, 'ready', ?, ?)",
            [
                rundown.title,
                rundown.source,
                rundown.content_hash,
                rundown.to_json(),
                warning,
                rundown.planned_total_ms,
                self.clock.now_ms(),
                int(rehearsal),
            ],
        )
        return cast(int, cursor.lastrowid)  # a successful INSERT always has a rowid

    def append_event(self, show_id: int, event: ShowEvent) -> int:
        """Append one event and update the show's status, in one committed transaction; returns its seq."""
        self.get(show_id)
        try:
            return self._append(show_id, event)
        except sqlite3.IntegrityError as error:
            raise GreenroomError(
                f"show {show_id}: event {event.type!r} not saved ({error}); is another `livekit run` "
                "running this show?"
            ) from None
        except sqlite3.OperationalError as error:
            raise DatabaseBusy(
                f"show {show_id}: event {event.type!r} not saved yet: the workspace database is busy ({error})"
            ) from None

    def discard_unstarted(self, show_id: int) -> None:
        """Forget a show that never started (e.g. its control room could not listen), so it is not resumed."""
        with self.db.conn:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(
                "DELETE FROM shows WHERE id = ? AND status = 'ready' "
                "AND NOT EXISTS (SELECT 1 FROM show_events WHERE show_id = ?)",
                [show_id, show_id],
            )

    def _append(self, show_id: int, event: ShowEvent) -> int:
        # IMMEDIATE takes the write lock up front, so a busy database waits (busy_timeout) instead of
        # failing at once when a read would have to be upgraded to a write.
        with self.db.conn:
            self.db.execute("BEGIN IMMEDIATE")
            row = self.db.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM show_events WHERE show_id = ?", [show_id]
            ).fetchone()
            seq = int(row[0])
            self.db.execute(
                "INSERT INTO show_events (show_id, seq, type, segment, at_ms, payload) VALUES (?, ?, ?, ?, ?, ?)",
                [show_id, seq, event.type, event.segment, event.at_ms, json.dumps(dict(event.payload))],
            )
            if event.type == "start":
                self.db.execute(
                    "UPDATE shows SET status = 'live', started_ms = ? WHERE id = ?", [event.at_ms, show_id]
                )
            elif event.ends_show:
                self.db.execute(
                    "UPDATE shows SET status = 'ended', ended_ms = ? WHERE id = ?", [event.at_ms, show_id]
                )
        return seq

    def events(self, show_id: int) -> list[ShowEvent]:
        rows = self.db.execute(
            "SELECT type, segment, at_ms, payload FROM show_events WHERE show_id = ? ORDER BY seq", [show_id]
        ).fetchall()
        return [ShowEvent(kind, segment, at_ms, json.loads(payload)) for kind, segment, at_ms, payload in rows]

    def rundown(self, show_id: int) -> Rundown:
        """The rundown exactly as the show was created with it."""
        record = self.get(show_id)
        (text,) = self.db.execute("SELECT rundown_json FROM shows WHERE id = ?", [show_id]).fetchone()
        return Rundown.from_dict(json.loads(text), source=record.rundown_path)

    def load_show(self, show_id: int, *, journal: bool = True) -> Show:
        """Rebuild the show by replaying its events; with ``journal`` its next operations are stored here."""
        record = self.get(show_id)
        rundown = self.rundown(show_id)
        try:
            show = Show.replay(
                rundown, self.events(show_id), self.clock, default_warning_ms=record.warning_ms
            )
        except ShowError as error:
            raise GreenroomError(f"show {show_id}: its event log cannot be replayed: {error}") from None
        if journal:
            show.journal = self.journal_for(show_id)
        return show

    def new_show(self, rundown: Rundown, *, default_warning_ms: int = DEFAULT_WARNING_MS) -> tuple[int, Show]:
        """Create a show and return it ready to start, journalled into this store."""
        show_id = self.create_show(rundown, default_warning_ms=default_warning_ms)
        return show_id, self.load_show(show_id)

    def journal_for(self, show_id: int):
        """The callable a :class:`Show` uses to persist each event before applying it."""

        def journal(event: ShowEvent) -> None:
            self.append_event(show_id, event)

        return journal

    def recording_started(self, show_id: int, at_ms: int) -> None:
        """OBS's record output became active at ``at_ms``: a new file. A recording still open is the same
        file when it began within :data:`SAME_RECORDING_MS` (nothing changes); otherwise its end went
        unseen (OBS died with a runner that was not watching) and it is closed at ``at_ms``, the latest it
        can have ended."""
        self.get(show_id)
        with self.db.conn:
            self.db.execute("BEGIN IMMEDIATE")
            open_row = self.db.execute(
                "SELECT id, started_ms FROM show_recordings WHERE show_id = ? AND stopped_ms IS NULL "
                "ORDER BY started_ms DESC, id DESC LIMIT 1", [show_id]
            ).fetchone()
            if open_row is not None and abs(open_row[1] - at_ms) <= SAME_RECORDING_MS:
                return
            self.db.execute("UPDATE show_recordings SET stopped_ms = MAX(started_ms, ?) "
                            "WHERE show_id = ? AND stopped_ms IS NULL", [at_ms, show_id])
            self.db.execute("INSERT INTO show_recordings (show_id, started_ms) VALUES (?, ?)", [show_id, at_ms])

    def recording_stopped(self, show_id: int, at_ms: int) -> None:
        """The recording file in progress ended at ``at_ms`` (OBS stopped recording, went away, or the show
        ended). Idempotent: with no open recording nothing changes."""
        with self.db.conn:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("UPDATE show_recordings SET stopped_ms = MAX(started_ms, ?) "
                            "WHERE show_id = ? AND stopped_ms IS NULL", [at_ms, show_id])

    def recordings(self, show_id: int) -> list[Recording]:
        """The show's recording files in the order they began."""
        rows = self.db.execute(
            "SELECT started_ms, stopped_ms FROM show_recordings WHERE show_id = ? ORDER BY started_ms, id",
            [show_id],
        ).fetchall()
        return [Recording(started, stopped) for started, stopped in rows]

    def show_key_for(self, reference: str | None) -> str | None:
        """See the module function :func:`show_key_for`."""
        return show_key_for(self.db, reference)

    def get(self, show_id: int) -> ShowRecord:
        row = self.db.execute(f"SELECT {_COLUMNS} FROM shows WHERE id = ?", [show_id]).fetchone()  # noqa: S608
        if row is None:
            raise ShowNotFound(f"no show {show_id} in this workspace (see `livekit shows`)")
        return _record(row)

    def find_unfinished(
        self, *, rundown_hash: str | None = None, rundown_path: str | None = None, rehearsal: bool | None = None
    ) -> list[ShowRecord]:
        """Shows not ended (newest first), optionally for one rundown and of one kind (rehearsal or real):
        what a restarted runner resumes."""
        where: list[str] = ["status != 'ended'"]
        params: list[object] = []
        if rehearsal is not None:
            where.append("rehearsal = ?")
            params.append(int(rehearsal))
        if rundown_hash is not None:
            where.append("rundown_hash = ?")
            params.append(rundown_hash)
        if rundown_path is not None:
            where.append("rundown_path = ?")
            params.append(rundown_path)
        return self._records(" AND ".join(where), params)

    def list_shows(self) -> list[ShowRecord]:
        """Every show, newest first."""
        return self._records("1 = 1", [])

    def latest_show_id(self) -> int | None:
        shows = self.list_shows()
        return shows[0].id if shows else None

    def _records(self, where: str, params: list) -> list[ShowRecord]:
        try:
            rows = self.db.execute(
                f"SELECT {_COLUMNS} FROM shows WHERE {where} ORDER BY created_ms DESC, id DESC",  # noqa: S608
                params,
            ).fetchall()
        except sqlite3.OperationalError as error:
            raise GreenroomError(f"cannot read shows: {error}") from None
        return [_record(row) for row in rows]


def _record(row: tuple) -> ShowRecord:
    """A ``shows`` row (columns as in ``_COLUMNS``) as a record; SQLite stores the rehearsal flag as 0/1."""
    record = ShowRecord(*row)
    return dataclasses.replace(record, rehearsal=bool(record.rehearsal))
