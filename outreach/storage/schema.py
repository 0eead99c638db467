"""outreach's tables, created and evolved through sqlite-utils migrations (one step per change).

Plain tables with JSON stored as text so Datasette can browse them; never edit an applied step, add one.
"""

import sqlite_utils
from sqlite_utils import Migrations

MIGRATIONS = Migrations("outreach")


@MIGRATIONS(name="influencers")
def create_influencers(db: sqlite_utils.Database) -> None:
    """People, their extra emails, stats snapshots over time and an activity history."""
    db.table("influencers").create(
        {
            "id": int,
            "name": str,
            "email": str,
            "niches": str,
            "youtube": str,
            "twitch": str,
            "instagram": str,
            "tiktok": str,
            "x": str,
            "website": str,
            "country": str,
            "language": str,
            "timezone": str,
            "owner": str,
            "stage": str,
            "kind": str,
            "notes": str,
            "custom": str,
            "followers": int,
            "growth_7d": float,
            "growth_30d": float,
            "last_contacted_at": str,
            "hand_edited": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"name", "stage", "kind", "niches", "custom", "hand_edited", "created_at", "updated_at"},
        defaults={"stage": "prospect", "kind": "influencer", "niches": "[]", "custom": "{}", "hand_edited": "[]"},
    )
    # One person per email and per social handle: the importer dedupes, the indexes make sure.
    for column in ("email", "youtube", "twitch", "instagram", "tiktok", "x"):
        db.execute(
            f"CREATE UNIQUE INDEX idx_influencers_{column} ON influencers({column}) WHERE {column} IS NOT NULL"
        )
    for columns in (["stage"], ["kind"], ["owner"], ["followers"], ["last_contacted_at"], ["growth_30d"]):
        db.table("influencers").create_index(columns)

    db.table("influencer_emails").create(
        {"email": str, "influencer_id": int}, pk="email", foreign_keys=[("influencer_id", "influencers", "id")]
    )
    db.table("influencer_emails").create_index(["influencer_id"])

    db.table("influencer_stats").create(
        {
            "id": int,
            "influencer_id": int,
            "platform": str,
            "handle": str,
            "followers": int,
            "views": int,
            "videos": int,
            "taken_at": str,
        },
        pk="id",
        not_null={"influencer_id", "platform", "taken_at"},
        foreign_keys=[("influencer_id", "influencers", "id")],
    )
    db.table("influencer_stats").create_index(["influencer_id", "platform", "taken_at"])

    db.table("influencer_activity").create(
        {"id": int, "influencer_id": int, "kind": str, "detail": str, "at": str},
        pk="id",
        not_null={"influencer_id", "kind", "at"},
        foreign_keys=[("influencer_id", "influencers", "id")],
    )
    db.table("influencer_activity").create_index(["influencer_id", "at"])

    db.table("influencers").enable_fts(["name", "email", "niches", "notes", "owner"], create_triggers=True)


@MIGRATIONS(name="influencers_fts_reindex_only_searched_columns")
def reindex_only_searched_columns(db: sqlite_utils.Database) -> None:
    """Re-index a person's search text only when a searched column changes. Every email sent updates the
    person's stage and timestamps, and re-indexing the unchanged text then was a sixth of a send's cost."""
    db.execute('DROP TRIGGER IF EXISTS "influencers_au"')
    db.execute("""
        CREATE TRIGGER "influencers_au"
        AFTER UPDATE OF "id", "name", "email", "niches", "notes", "owner" ON "influencers" BEGIN
          INSERT INTO "influencers_fts" ("influencers_fts", rowid, "name", "email", "niches", "notes", "owner")
            VALUES ('delete', old.rowid, old."name", old."email", old."niches", old."notes", old."owner");
          INSERT INTO "influencers_fts" (rowid, "name", "email", "niches", "notes", "owner")
            VALUES (new.rowid, new."name", new."email", new."niches", new."notes", new."owner");
        END""")


#: What ``influencers search`` looks through: who a person is (name, primary email, every platform handle)
#: and what the team wrote about them.
_SEARCHED = ("name", "email", "niches", "notes", "owner", "youtube", "twitch", "instagram", "tiktok", "x")


@MIGRATIONS(name="influencers_fts_handles")
def search_handles(db: sqlite_utils.Database) -> None:
    """``influencers search`` also finds people by their YouTube, Twitch, Instagram, TikTok and X handles
    (``show`` already accepted them). The index is rebuilt from the table; the update trigger still fires
    only when a searched column changes (see :func:`reindex_only_searched_columns`). Plain statements,
    not ``enable_fts``, so the whole step stays inside the migration's transaction."""
    columns = ", ".join(f'"{column}"' for column in _SEARCHED)
    old = ", ".join(f'old."{column}"' for column in _SEARCHED)
    new = ", ".join(f'new."{column}"' for column in _SEARCHED)
    for trigger in ("influencers_ai", "influencers_ad", "influencers_au"):
        db.execute(f'DROP TRIGGER IF EXISTS "{trigger}"')
    db.execute('DROP TABLE IF EXISTS "influencers_fts"')
    db.execute(f'CREATE VIRTUAL TABLE "influencers_fts" USING FTS5 ({columns}, content="influencers")')
    db.execute("""INSERT INTO "influencers_fts" ("influencers_fts") VALUES ('rebuild')""")
    db.execute(f"""
        CREATE TRIGGER "influencers_ai" AFTER INSERT ON "influencers" BEGIN
          INSERT INTO "influencers_fts" (rowid, {columns}) VALUES (new.rowid, {new});
        END""")  # noqa: S608 - fixed column names
    db.execute(f"""
        CREATE TRIGGER "influencers_ad" AFTER DELETE ON "influencers" BEGIN
          INSERT INTO "influencers_fts" ("influencers_fts", rowid, {columns}) VALUES ('delete', old.rowid, {old});
        END""")  # noqa: S608 - fixed column names
    db.execute(f"""
        CREATE TRIGGER "influencers_au" AFTER UPDATE OF "id", {columns} ON "influencers" BEGIN
          INSERT INTO "influencers_fts" ("influencers_fts", rowid, {columns}) VALUES ('delete', old.rowid, {old});
          INSERT INTO "influencers_fts" (rowid, {columns}) VALUES (new.rowid, {new});
        END""")  # noqa: S608 - fixed column names


@MIGRATIONS(name="influencers_list_order_indexes")
def add_list_order_indexes(db: sqlite_utils.Database) -> None:
    """Indexes laid out in the orders ``influencers list`` shows, so a filtered first page is read from the
    top of an index and stops after its rows instead of sorting every match (1M people: seconds → ms).

    ``followers DESC`` replaces the ascending index (it serves the same ranges); ``country, followers
    DESC, stage`` answers the usual agency filter (a market, an audience size, a stage) in order and checks
    the stage without reading the row, ``language, followers DESC`` the same by language; ``name COLLATE
    NOCASE`` serves ``--sort name``."""
    db.execute("DROP INDEX IF EXISTS idx_influencers_followers")
    db.execute("CREATE INDEX idx_influencers_followers_desc ON influencers(followers DESC)")
    db.execute("CREATE INDEX idx_influencers_country_followers ON influencers(country, followers DESC, stage)")
    db.execute("CREATE INDEX idx_influencers_language_followers ON influencers(language, followers DESC)")
    db.execute("CREATE INDEX idx_influencers_name_nocase ON influencers(name COLLATE NOCASE)")
