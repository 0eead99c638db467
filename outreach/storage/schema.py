"""outreach's tables, created and evolved through sqlite-utils migrations (one step per change)."""

from sqlite_utils import Migrations

MIGRATIONS = Migrations("outreach")
