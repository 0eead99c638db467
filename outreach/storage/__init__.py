"""Persistence of outreach's influencers, campaigns and outbox in the workspace database."""

from sqlite_utils import Migrations

from outreach.storage.campaigns_schema import MIGRATIONS as CAMPAIGNS
from outreach.storage.schema import MIGRATIONS as INFLUENCERS


def migration_sets() -> list[Migrations]:
    """outreach's schema in the order it must run (campaigns refer to influencers), registered with
    ``greenroom.db`` through the ``greenroom.migrations`` entry point."""
    return [INFLUENCERS, CAMPAIGNS]
