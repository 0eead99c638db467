"""Click types for numbers typed on the command line that end up in SQLite or in date arithmetic, shared by
every tool: SQLite's INTEGER stops at 2**63 - 1 (a bigger number raises OverflowError deep in sqlite3) and
``datetime`` at the year 1 (a day count of millions raises in ``timedelta``). These refuse such a number
at the command line, with click's usual "Invalid value for ..." message, instead.
"""

from __future__ import annotations

import click

from greenroom.db import SQLITE_MAX_INT
from greenroom.goals import MAX_PERIOD_DAYS

__all__ = ["COUNT", "DAYS", "LIMIT", "MAX_DAYS", "ROW_ID", "SQLITE_MAX_INT", "check_period_days"]
#: The most days a period option may reach back (``--since``, ``--not-contacted-days``): a century, the
#: same limit as ``[goals] period``.
MAX_DAYS = MAX_PERIOD_DAYS

#: A row id (show, appearance, outbox message, influencer, review): 1 .. 2**63 - 1.
ROW_ID = click.IntRange(1, SQLITE_MAX_INT)
#: A count or threshold compared in SQL (followers): 0 .. 2**63 - 1.
COUNT = click.IntRange(0, SQLITE_MAX_INT)
#: A ``--limit``: 1 .. 2**63 - 1.
LIMIT = click.IntRange(1, SQLITE_MAX_INT)
#: A number of days back from today: 0 .. :data:`MAX_DAYS`.
DAYS = click.IntRange(0, MAX_DAYS)


def check_period_days(days: int, option: str = "--since") -> int:
    """``days`` (from a period such as ``30d``, ``4w``, ``3m``) if it is at most :data:`MAX_DAYS`; a
    click.BadParameter naming ``option`` and the limit otherwise."""
    if days > MAX_DAYS:
        raise click.BadParameter(f"{days} days is more than the {MAX_DAYS} days (a century) a period may span",
                                 param_hint=f"'{option}'")
    return days
