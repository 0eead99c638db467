"""Influencers in the workspace database: read, edit by hand, filter, search, stats and activity.

Everything other modules need goes through here (e.g. campaigns call :func:`record_activity` when they email
someone); the rules themselves live in :mod:`outreach.core.influencer`.
"""

from __future__ import annotations

import json
import sqlite3
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import sqlite_utils

from greenroom.clock import utc_now
from greenroom.db import SQLITE_MAX_INT
from greenroom.errors import GreenroomError
from outreach.core.benchmark import StatPoint
from outreach.core.influencer import (
    FIELDS,
    IDENTITY_PLATFORMS,
    PLATFORMS,
    STAGES,
    InvalidValue,
    Person,
    Snapshot,
    growth_percent,
    latest_audience,
    normalise_country,
    normalise_field,
    normalise_niches,
    stage_after_activity,
)

#: Columns shown by ``list`` and written by ``export`` (JSON columns decoded).
LIST_COLUMNS = ("id", "name", "email", "kind", "stage", "owner", "niches", "followers", "growth_7d", "growth_30d",
                "youtube", "twitch", "country", "last_contacted_at")
EXPORT_COLUMNS = ("id", "name", "email", "emails", "niches", *PLATFORMS, "website", "country", "language",
                  "timezone", "owner", "stage", "kind", "notes", "followers", "growth_7d", "growth_30d",
                  "last_contacted_at", "custom", "created_at", "updated_at")


class InfluencerNotFound(GreenroomError):
    """No influencer matches the id, email or handle given."""


class InvalidEdit(GreenroomError):
    """A hand edit that cannot be applied (bad value, or an email/handle owned by someone else)."""


@lru_cache(maxsize=1)
def known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def timestamp(moment: datetime) -> str:
    """Outreach stores times as UTC ISO-8601 text to the second, so text order is time order (CONTRIBUTING.md:
    one convention for time); every outreach table goes through this pair."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse_timestamp(text: str) -> datetime:
    """The aware datetime back from :func:`timestamp`'s text."""
    return datetime.fromisoformat(text)


# ------------------------------------------------------------------------------------------ reading


def decode_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A DB row with its JSON text columns decoded."""
    record = dict(row)
    for column, empty in (("niches", []), ("custom", {}), ("hand_edited", [])):
        if column in record:
            record[column] = json.loads(record[column]) if record[column] else empty
    return record


def person_from_row(row: Mapping[str, Any], emails: Iterable[str]) -> Person:
    record = decode_row(row)
    fields = {name: record.get(name) for name in ("name", *PLATFORMS, "website", "country", "language",
                                                   "timezone", "owner", "stage", "kind", "notes", "followers")}
    ordered = [record["email"]] if record.get("email") else []
    ordered += [email for email in emails if email not in ordered]
    return Person(fields={k: v for k, v in fields.items() if v is not None}, emails=ordered,
                  niches=list(record["niches"]), custom=dict(record["custom"]))


def get_influencer(db: sqlite_utils.Database, influencer_id: int) -> dict[str, Any]:
    """One influencer with ``emails`` (primary first), decoded JSON columns and the latest stats per platform."""
    rows = list(db.query("SELECT * FROM influencers WHERE id = ?", [influencer_id]))
    if not rows:
        raise InfluencerNotFound(f"no influencer #{influencer_id}")
    record = decode_row(rows[0])
    others = [r["email"] for r in db.query(
        "SELECT email FROM influencer_emails WHERE influencer_id = ? ORDER BY rowid", [influencer_id])]
    record["emails"] = ([record["email"]] if record["email"] else []) + [e for e in others if e != record["email"]]
    record["stats"] = list(db.query(
        """SELECT platform, handle, followers, views, videos, max(taken_at) AS taken_at FROM influencer_stats
           WHERE influencer_id = ? GROUP BY platform ORDER BY platform""", [influencer_id]))
    return record


def find_influencer(db: sqlite_utils.Database, reference: str | int) -> int:
    """Resolve ``12``, ``#12``, an email, or ``platform:handle`` / a profile URL to an influencer id."""
    text = str(reference).strip()
    if text.lstrip("#").isdigit() and text.isascii():
        influencer_id = int(text.lstrip("#"))
        if influencer_id <= SQLITE_MAX_INT and \
                db.execute("SELECT 1 FROM influencers WHERE id = ?", [influencer_id]).fetchone():
            return influencer_id
        raise InfluencerNotFound(f"no influencer #{influencer_id}")
    if "@" in text and ":" not in text and not text.startswith("@"):
        try:
            email = normalise_field("email", text, ())[0]
        except InvalidValue as error:
            raise InfluencerNotFound(str(error)) from None
        row = db.execute("SELECT influencer_id FROM influencer_emails WHERE email = ?", [email]).fetchone()
        if row:
            return row[0]
        raise InfluencerNotFound(f"no influencer with email {email}")
    platform, _, handle = text.partition(":")
    if handle and platform in PLATFORMS and not handle.startswith("//"):
        candidates = [(platform, handle)]
    else:
        candidates = [(p, text) for p in IDENTITY_PLATFORMS]
    for platform, value in candidates:
        try:
            normal = normalise_field(platform, value, ())
        except InvalidValue:
            continue
        row = db.execute(f"SELECT id FROM influencers WHERE {platform} = ?",  # noqa: S608 - known column
                         [normal]).fetchone()
        if row:
            return row[0]
    raise InfluencerNotFound(f"no influencer matches {text!r} (try an id, an email or platform:handle)")


# --------------------------------------------------------------------------------------- activity


def record_activity(
    db: sqlite_utils.Database, influencer_id: int, kind: str, detail: str = "", at: datetime | None = None
) -> None:
    """Append to a person's history; 'emailed' and 'replied' also advance the pipeline stage.

    Other modules call this (campaigns: emailed/replied/bounced; livekit: booked as guest).
    """
    with db.atomic():
        record_activities(db, kind, [(influencer_id, detail, at or utc_now())])


def record_activities(db: sqlite_utils.Database, kind: str, entries: Sequence[tuple[int, str, datetime]]) -> None:
    """:func:`record_activity` of one ``kind`` for each ``(influencer_id, detail, at)``, inside the caller's
    transaction; a person named twice moves on from the stage the first entry left."""
    if not entries:
        return
    ids = sorted({influencer_id for influencer_id, _, _ in entries})
    stages = dict(db.execute("SELECT id, stage FROM influencers WHERE id IN (SELECT value FROM json_each(?))",
                             [json.dumps(ids)]).fetchall())
    updates = []
    for influencer_id, _, at in entries:
        if influencer_id not in stages:
            raise InfluencerNotFound(f"no influencer #{influencer_id}")
        stages[influencer_id] = stage_after_activity(stages[influencer_id], kind)
        moment = timestamp(at)
        updates.append((stages[influencer_id], moment, kind == "emailed", moment, influencer_id))
    db.conn.executemany("INSERT INTO influencer_activity (influencer_id, kind, detail, at) VALUES (?, ?, ?, ?)",
                        [(influencer_id, kind, detail, timestamp(at)) for influencer_id, detail, at in entries])
    db.conn.executemany(
        """UPDATE influencers SET stage = ?, updated_at = ?,
           last_contacted_at = CASE WHEN ? THEN max(coalesce(last_contacted_at, ''), ?)
                                    ELSE last_contacted_at END
           WHERE id = ?""", updates)


def activity(db: sqlite_utils.Database, influencer_id: int) -> list[dict[str, Any]]:
    return list(db.query(
        "SELECT kind, detail, at FROM influencer_activity WHERE influencer_id = ? ORDER BY at, id", [influencer_id]))


# ------------------------------------------------------------------------------------- hand edits


def _owner_of(db: sqlite_utils.Database, column: str, value: str) -> int | None:
    if column == "email":
        row = db.execute("SELECT influencer_id FROM influencer_emails WHERE email = ?", [value]).fetchone()
    else:
        row = db.execute(f"SELECT id FROM influencers WHERE {column} = ?",  # noqa: S608 - known column
                         [value]).fetchone()
    return row[0] if row else None


#: Longest name kept (import and ``set``): it becomes an email's To header, whose line is at most 998.
MAX_NAME_CHARS = 200
#: ``first_name=`` and ``nickname=`` are the custom fields templates greet with (see outreach.core.names).
GREETING_FIELDS = {"first_name": "custom.first_name", "nickname": "custom.nickname"}


def name_problem(name: str | None) -> str | None:
    """Why ``name`` cannot be stored (too long), or None."""
    if name and len(name) > MAX_NAME_CHARS:
        return f"name is {len(name):,} characters long; at most {MAX_NAME_CHARS} (it goes into email headers)"
    return None


def set_fields(
    db: sqlite_utils.Database, influencer_id: int, values: Mapping[str, str], now: datetime | None = None
) -> dict[str, Any]:
    """Edit fields by hand: values are normalised, and each field is remembered as hand-edited so later imports
    keep it. ``email`` makes that address primary (the old one is kept); ``niches`` replaces the tags;
    ``custom.KEY`` sets one custom field (empty value removes it); ``first_name``/``nickname`` are
    ``custom.first_name``/``custom.nickname``. All or nothing."""
    values = {GREETING_FIELDS.get(name, name): value for name, value in values.items()}
    record = get_influencer(db, influencer_id)
    moment = timestamp(now or utc_now())
    updates: dict[str, Any] = {}
    custom = dict(record["custom"])
    hand_edited = list(record["hand_edited"])
    new_email = None
    for name, raw in values.items():
        if name not in FIELDS and not name.startswith("custom."):
            raise InvalidEdit(f"unknown field {name!r} (known: {', '.join(FIELDS)}, custom.KEY)")
        try:
            value = normalise_field(name, raw, known_timezones())
        except InvalidValue as error:
            raise InvalidEdit(f"{name}: {error}") from None
        if name == "name" and (problem := name_problem(value)):
            raise InvalidEdit(problem)
        if name == "email":
            if not value or len(value) != 1:
                raise InvalidEdit("email: give exactly one address (it becomes the primary one)")
            new_email = value[0]
            owner = _owner_of(db, "email", new_email)
            if owner not in (None, influencer_id):
                raise InvalidEdit(f"email {new_email} already belongs to influencer #{owner}")
            updates["email"] = new_email
        elif name == "niches":
            updates["niches"] = json.dumps(value or [], ensure_ascii=False)
        elif name.startswith("custom."):
            key = name.removeprefix("custom.")
            if value is None:
                custom.pop(key, None)
            else:
                custom[key] = value
            updates["custom"] = json.dumps(custom, ensure_ascii=False)
        else:
            if name in ("name", "stage", "kind") and value is None:
                raise InvalidEdit(f"{name} cannot be empty")
            if name in IDENTITY_PLATFORMS and value is not None:
                owner = _owner_of(db, name, value)
                if owner not in (None, influencer_id):
                    raise InvalidEdit(f"{name} {value} already belongs to influencer #{owner}")
            updates[name] = value
        if name not in hand_edited:
            hand_edited.append(name)
    updates["hand_edited"] = json.dumps(hand_edited)
    updates["updated_at"] = moment
    with db.atomic():
        db.table("influencers").update(influencer_id, updates)
        if new_email:
            db.execute("INSERT OR IGNORE INTO influencer_emails (email, influencer_id) VALUES (?, ?)",
                       [new_email, influencer_id])
        detail = ", ".join(f"{name}={raw}" for name, raw in values.items())
        db.execute("INSERT INTO influencer_activity (influencer_id, kind, detail, at) VALUES (?, 'edited', ?, ?)",
                   [influencer_id, detail, moment])
    return get_influencer(db, influencer_id)


def tag(
    db: sqlite_utils.Database, influencer_ids: Iterable[int], add: Iterable[str] = (), remove: Iterable[str] = (),
    now: datetime | None = None,
) -> int:
    """Add/remove niche tags on several people at once (niches become hand-edited: imports then leave them
    alone); returns how many changed."""
    adding, removing = normalise_niches(list(add)), set(normalise_niches(list(remove)))
    moment = timestamp(now or utc_now())
    changed = 0
    with db.atomic():
        for influencer_id in influencer_ids:
            record = get_influencer(db, influencer_id)
            current = record["niches"]
            niches = [n for n in current if n not in removing] + [n for n in adding if n not in current]
            if niches == current:
                continue
            hand_edited = record["hand_edited"] + ["niches"] * ("niches" not in record["hand_edited"])
            db.table("influencers").update(influencer_id, {
                "niches": json.dumps(niches, ensure_ascii=False), "updated_at": moment,
                "hand_edited": json.dumps(hand_edited)})
            db.execute(
                "INSERT INTO influencer_activity (influencer_id, kind, detail, at) VALUES (?, 'tagged', ?, ?)",
                [influencer_id, f"niches={', '.join(niches)}", moment])
            changed += 1
    return changed


# ---------------------------------------------------------------------------------- list and search


@dataclass
class Filter:
    """What ``influencers list`` narrows down by; every criterion is optional and they combine with AND."""

    niche: str | None = None
    stage: str | None = None
    kind: str | None = None
    owner: str | None = None
    country: str | None = None
    language: str | None = None
    min_followers: int | None = None
    max_followers: int | None = None
    min_growth: float | None = None
    not_contacted_days: int | None = None
    search: str | None = None


#: Above this many full-text matches ``search`` reads the list order's index from the top and keeps the
#: matching people until the page is full; at or below it, it fetches the matches and sorts them.
BROAD_SEARCH = 5_000


def _where(criteria: Filter, now: datetime, broad_search: bool = False) -> tuple[str, list[Any]]:
    """WHERE text and parameters. ``+stage``, ``+kind`` and ``+owner`` keep SQLite from choosing their
    one-column indexes for a list: a stage or kind holds a large share of everyone, and reading all of
    them to sort beats nothing; walking an index in list order and checking these on the way stops after
    one page (and ``country, followers, stage`` checks the stage inside the index)."""
    clauses: list[str] = []
    params: list[Any] = []
    if criteria.stage:
        if criteria.stage not in STAGES:
            raise GreenroomError(f"unknown stage {criteria.stage!r} (one of: {', '.join(STAGES)})")
        clauses.append("+stage = ?")
        params.append(criteria.stage)
    if criteria.kind:
        clauses.append("+kind = ?")
        params.append(criteria.kind)
    if criteria.owner:
        clauses.append("+owner = ?")
        params.append(criteria.owner)
    if criteria.country:
        clauses.append("country = ?")
        params.append(normalise_country(criteria.country))
    if criteria.language:
        clauses.append("language = ?")
        params.append(criteria.language.strip().lower())
    if criteria.min_followers is not None:
        clauses.append("followers >= ?")
        params.append(criteria.min_followers)
    if criteria.max_followers is not None:
        clauses.append("followers <= ?")
        params.append(criteria.max_followers)
    if criteria.min_growth is not None:
        clauses.append("growth_30d >= ?")
        params.append(criteria.min_growth)
    if criteria.not_contacted_days is not None:
        clauses.append("(last_contacted_at IS NULL OR last_contacted_at < ?)")
        params.append(timestamp(now - timedelta(days=criteria.not_contacted_days)))
    if criteria.niche:
        # Cheap text pre-filter first, exact JSON membership second: fast on 100k rows.
        niche = normalise_niches(criteria.niche)
        for tag_name in niche:
            clauses.append("niches LIKE ? AND EXISTS (SELECT 1 FROM json_each(influencers.niches) WHERE value = ?)")
            params += [f"%{json.dumps(tag_name, ensure_ascii=False)[1:-1]}%", tag_name]
    if criteria.search:
        # A broad search is checked against the matches while walking the list order (``+id``: not by
        # looking every match up); a narrow one looks its few matches up and sorts them.
        column = "+id" if broad_search else "id"
        clauses.append(f"{column} IN (SELECT rowid FROM influencers_fts WHERE influencers_fts MATCH ?)")  # noqa: S608
        params.append(fts_query(criteria.search))
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def fts_query(text: str) -> str:
    """User words → an FTS5 query of quoted prefix terms, so punctuation can never be an FTS syntax error."""
    words = [word.replace('"', "") for word in text.split()]
    terms = [f'"{word}"*' for word in words if word]
    if not terms:
        raise GreenroomError("search needs at least one word")
    return " ".join(terms)


#: ``list`` orders. Written so an index can deliver the order (``DESC NULLS LAST`` is how an index on
#: ``followers DESC`` is laid out, unknown audiences last): with ``LIMIT`` SQLite then stops after the
#: first page instead of sorting every match (``followers IS NULL, followers DESC`` sorted all of them).
ORDERS = {
    "followers": "followers DESC NULLS LAST, id",
    "growth": "growth_30d DESC NULLS LAST, id",
    "name": "name COLLATE NOCASE, id",
    "id": "id",
}


def search_is_broad(db: sqlite_utils.Database, criteria: Filter | None) -> bool:
    """True when the search words match more than :data:`BROAD_SEARCH` people (counting stops there)."""
    if criteria is None or not criteria.search:
        return False
    try:
        row = db.execute(
            "SELECT count(*) FROM (SELECT 1 FROM influencers_fts WHERE influencers_fts MATCH ? LIMIT ?)",
            [fts_query(criteria.search), BROAD_SEARCH + 1],
        ).fetchone()
    except sqlite3.OperationalError as error:
        raise GreenroomError(f"cannot search for that: {error}") from None
    return bool(row[0] > BROAD_SEARCH)


def list_query(
    criteria: Filter | None = None, *, limit: int | None = None, order: str = "followers", now: datetime | None = None,
    broad_search: bool = False,
) -> tuple[str, list[Any]]:
    """The SQL and parameters :func:`list_influencers` runs (benchmarks time the same text through sqlite3);
    ``broad_search`` is :func:`search_is_broad`'s answer."""
    where, params = _where(criteria or Filter(), now or utc_now(), broad_search)
    sql = f"SELECT * FROM influencers{where} ORDER BY {ORDERS[order]}"  # noqa: S608 - clauses are fixed text
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return sql, params


def list_influencers(
    db: sqlite_utils.Database, criteria: Filter | None = None, *, limit: int | None = None,
    order: str = "followers", now: datetime | None = None,
) -> list[dict[str, Any]]:
    """People matching ``criteria``, biggest audience first (or by ``order``: name, id, growth)."""
    sql, params = list_query(criteria, limit=limit, order=order, now=now, broad_search=search_is_broad(db, criteria))
    try:
        return [decode_row(row) for row in db.query(sql, params)]
    except sqlite3.OperationalError as error:
        raise GreenroomError(f"cannot search for that: {error}") from None


def export_rows(db: sqlite_utils.Database, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records with every email attached, in :data:`EXPORT_COLUMNS` order (``custom`` stays a dict)."""
    emails: dict[int, list[str]] = {}
    for row in db.query("SELECT influencer_id, email FROM influencer_emails ORDER BY rowid"):
        emails.setdefault(row["influencer_id"], []).append(row["email"])
    rows = []
    for record in records:
        ordered = [record["email"]] if record.get("email") else []
        ordered += [e for e in emails.get(record["id"], []) if e not in ordered]
        rows.append({column: (ordered if column == "emails" else record.get(column)) for column in EXPORT_COLUMNS})
    return rows


# ------------------------------------------------------------------------------------------- stats


def add_snapshot(
    db: sqlite_utils.Database, influencer_id: int, platform: str, handle: str, *, followers: int | None,
    views: int | None = None, videos: int | None = None, taken_at: datetime,
) -> None:
    db.execute(
        """INSERT INTO influencer_stats (influencer_id, platform, handle, followers, views, videos, taken_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)""",
        [influencer_id, platform, handle, followers, views, videos, timestamp(taken_at)],
    )


def snapshots(db: sqlite_utils.Database, influencer_id: int) -> list[Snapshot]:
    return [
        Snapshot(row["platform"], row["followers"], datetime.fromisoformat(row["taken_at"]))
        for row in db.query(
            "SELECT platform, followers, taken_at FROM influencer_stats WHERE influencer_id = ? ORDER BY taken_at",
            [influencer_id])
    ]


def update_audience(db: sqlite_utils.Database, influencer_id: int, now: datetime) -> None:
    """Recompute the denormalised audience and 7/30-day growth that ``list`` filters and sorts on."""
    history = snapshots(db, influencer_id)
    if not history:
        return
    db.table("influencers").update(influencer_id, {
        "followers": latest_audience(history),
        "growth_7d": growth_percent(history, now, 7),
        "growth_30d": growth_percent(history, now, 30),
    })


def stat_points(db: sqlite_utils.Database, influencer_ids: Iterable[int]) -> dict[int, list[StatPoint]]:
    """Every stats snapshot of these people, oldest first, as the benchmark core reads them."""
    ids = list(influencer_ids)
    points: dict[int, list[StatPoint]] = {influencer_id: [] for influencer_id in ids}
    if not ids:
        return points
    placeholders = ", ".join("?" for _ in ids)
    for row in db.query(
        "SELECT influencer_id, platform, followers, videos, taken_at FROM influencer_stats "  # noqa: S608
        f"WHERE influencer_id IN ({placeholders}) ORDER BY taken_at, id", ids,
    ):
        points[row["influencer_id"]].append(
            StatPoint(row["platform"], row["followers"], row["videos"], datetime.fromisoformat(row["taken_at"])))
    return points
