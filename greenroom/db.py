"""The workspace database: one SQLite file, WAL, foreign keys on, schema owned by each tool's migrations.

Every installed tool's migration sets are applied whenever any tool opens the file, so whichever runs first
leaves the schema complete (a guest booked from outreach lives next to the shows livekit runs).

greenroom does not know its clients: a tool registers its sets as an entry point in the
:data:`MIGRATIONS_ENTRY_POINT` group (``pyproject.toml``), naming a function that returns them in the order
they must run. greenroom's own set (the shared quota table) runs first, then the tools in name order.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from functools import cache
from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

from greenroom import quota
from greenroom.errors import GreenroomError

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


def open_database(path: Path | str, *, migrate: bool = True) -> sqlite_utils.Database:
    """Open (creating if needed) the workspace DB for this thread; sqlite3 connections are per-thread."""
    try:
        connection = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    except sqlite3.OperationalError as error:
        raise GreenroomError(f"{path}: cannot open database: {error}") from None
    db = sqlite_utils.Database(connection)
    try:
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA busy_timeout = 30000")
        if str(path) != ":memory:":
            db.enable_wal()
            db.execute("PRAGMA synchronous = NORMAL")
        if migrate:
            for migrations in migration_sets():
                migrations.apply(db)
    except sqlite3.DatabaseError as error:
        connection.close()
        raise GreenroomError(f"{path}: not a usable Greenroom database: {error}") from None
    return db
