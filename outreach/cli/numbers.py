"""Click types for numbers that end up in SQLite, whose INTEGER stops at 2**63 - 1.

A bigger number would raise OverflowError deep in sqlite3; these refuse it at the command line instead.
"""

from __future__ import annotations

import click

SQLITE_MAX_INT = 2**63 - 1

#: A row id (outbox message, influencer): 1 .. 2**63 - 1.
ROW_ID = click.IntRange(1, SQLITE_MAX_INT)
#: A count or threshold compared in SQL (followers, days): 0 .. 2**63 - 1.
COUNT = click.IntRange(0, SQLITE_MAX_INT)
#: A ``--limit``: 1 .. 2**63 - 1.
LIMIT = click.IntRange(1, SQLITE_MAX_INT)
