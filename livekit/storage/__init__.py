"""Persistence of livekit's shows, guests and questions in the workspace database."""

from sqlite_utils import Migrations

from livekit.storage.schema import MIGRATIONS


def migration_sets() -> list[Migrations]:
    """livekit's schema, registered with ``greenroom.db`` through the ``greenroom.migrations`` entry point."""
    return [MIGRATIONS]
