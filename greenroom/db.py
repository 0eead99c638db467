"""The workspace database: one SQLite file, WAL, foreign keys on, schema owned by each tool's migrations.

Both tools apply every migration set when they open the file, so whichever runs first leaves the schema
complete (guests booked from outreach live next to shows run by livekit).
"""

from __future__ import annotations

import importlib
import sqlite3
from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

from greenroom.errors import GreenroomError

#: Modules exposing ``MIGRATIONS``; applied in this order.
MIGRATION_MODULES = ("livekit.storage.schema", "outreach.storage.schema", "outreach.storage.campaigns_schema")


def migration_sets() -> list[Migrations]:
    return [importlib.import_module(name).MIGRATIONS for name in MIGRATION_MODULES]


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
