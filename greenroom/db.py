"""The workspace database: one SQLite file, WAL, foreign keys on, schema owned by each tool's migrations.

Every installed tool's migration sets are applied whenever any tool opens the file, so whichever runs first
leaves the schema complete (a guest booked from outreach lives next to the shows livekit runs).

greenroom does not know its clients: a tool registers its sets as an entry point in the
:data:`MIGRATIONS_ENTRY_POINT` group (``pyproject.toml``), naming a function that returns them in the order
they must run. greenroom's own set (the shared quota table) runs first, then the tools in name order.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

from greenroom import quota
from greenroom.errors import GreenroomError
from greenroom.files import PRIVATE_MODE

#: Entry-point group of the tools' migration sets: ``tool = "package.module:function"``, the function
#: returning that tool's :class:`~sqlite_utils.Migrations` in order.
MIGRATIONS_ENTRY_POINT = "greenroom.migrations"


@cache
def migration_sets() -> tuple[Migrations, ...]:
    """greenroom's own sets, then each registered tool's, in a fixed order (loaded once per process)."""
    from importlib.metadata import entry_points  # only when a database is opened

    registered = sorted(entry_points(group=MIGRATIONS_ENTRY_POINT), key=lambda point: point.name)
    if not registered:
        raise GreenroomError(
            f"no tool registered its database schema ({MIGRATIONS_ENTRY_POINT} entry points): "
            "is greenroom installed (pip install -e .)?"
        )
    sets: list[Migrations] = [quota.MIGRATIONS]
    for point in registered:
        tool_sets: Callable[[], list[Migrations]] = point.load()
        sets.extend(tool_sets())
    return tuple(sets)


#: The largest INTEGER SQLite stores: a bigger Python int makes sqlite3 raise OverflowError, so an id or
#: count beyond it names nothing (:mod:`greenroom.numbers` refuses it on the command line).
SQLITE_MAX_INT = 2**63 - 1

#: How long a write waits for another connection's write lock (an import, a sender, the inbox) before it
#: gives up with "database is locked" (see :func:`greenroom.cli.GreenroomGroup`, which says so plainly).
BUSY_TIMEOUT_S = 30

#: Files SQLite keeps next to the database; they hold the same data (recent writes, shared memory index).
SIDE_FILE_SUFFIXES = ("-wal", "-shm", "-journal")


def make_database_private(path: Path) -> None:
    """Create ``path`` 0600 if it does not exist yet, and take group/other access away from it and from its
    ``-wal``/``-shm``/``-journal`` files if they have any.

    The database holds contacts, guest notes and show logs: nobody but its owner should read it. SQLite
    creates the WAL and SHM files later with the database file's own permissions, so a private database
    file keeps them private too; files left by an older version are tightened here. No umask change: the
    umask is process-wide and other threads may be creating files at the same moment. A file owned by
    someone else (a shared workspace) is left as it is.
    """
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_MODE))
    except FileExistsError:
        pass
    except OSError:
        return  # connect reports an unusable path in its own words
    for candidate in (path, *(path.with_name(path.name + suffix) for suffix in SIDE_FILE_SUFFIXES)):
        try:
            mode = stat.S_IMODE(candidate.stat().st_mode)
            if mode & 0o077:
                candidate.chmod(mode & ~0o077)
        except (FileNotFoundError, PermissionError):
            continue


def open_database(path: Path | str, *, migrate: bool = True) -> sqlite_utils.Database:
    """Open (creating if needed, private to its owner) the workspace DB for this thread; sqlite3
    connections are per-thread."""
    if str(path) != ":memory:":
        make_database_private(Path(path))
    try:
        connection = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except sqlite3.OperationalError as error:
        raise GreenroomError(f"{path}: cannot open database: {error}") from None
    db = sqlite_utils.Database(connection)
    try:
        db.execute("PRAGMA foreign_keys = ON")
        db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        if str(path) != ":memory:":
            db.enable_wal()
            db.execute("PRAGMA synchronous = NORMAL")
        if migrate:
            for migrations in migration_sets():
                migrations.apply(db)
    except sqlite3.DatabaseError as error:
        connection.close()
        if is_locked(error):
            raise  # busy, not broken: another command is setting it up or writing (see greenroom.cli)
        raise GreenroomError(f"{path}: not a usable Greenroom database: {error}") from None
    return db


def is_locked(error: sqlite3.Error) -> bool:
    """SQLite gave up waiting for another connection's lock (SQLITE_BUSY, "database is locked") after
    :data:`BUSY_TIMEOUT_S`: the database is fine, another command is writing to it."""
    return getattr(error, "sqlite_errorname", "").startswith("SQLITE_BUSY") or "database is locked" in str(error)


@contextlib.contextmanager
def fewer_checkpoints(db: sqlite_utils.Database, pages: int = 10_000) -> Iterator[None]:
    """Many small transactions in a row (one per email sent) with the WAL copied back into the database
    every ``pages`` pages instead of SQLite's default 1,000.

    The commits themselves do not wait for the disk (``synchronous = NORMAL``); a checkpoint does, inside
    whichever commit crosses the mark. At about six pages per email that was one fsync every ~170 emails;
    measured with ``scripts/bench_send.py``, 0.07-0.13 s of 1.0-1.2 s per 1,000 emails. The log grows to
    at most ``pages`` pages (40 MB) meanwhile; a crash loses nothing (the next connection reads the log).
    """
    before = int(db.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
    db.execute(f"PRAGMA wal_autocheckpoint = {int(pages)}")
    try:
        yield
    finally:
        db.execute(f"PRAGMA wal_autocheckpoint = {before}")
