"""Import people from a file: validate every row first, dedupe, merge, then write all of it in one transaction.

Nothing is written when a row is invalid (unless the caller skips invalid rows), and a field someone edited
by hand is never overwritten by a file: the row summary says which fields were kept.
"""

from __future__ import annotations

import contextlib
import gc
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from greenroom.clock import utc_now
from outreach.core.counts import NOT_KNOWN, CountColumn, InvalidCount
from outreach.core.influencer import (
    IDENTITY_PLATFORMS,
    KINDS,
    PLATFORMS,
    IdentityIndex,
    Person,
    apply_merge,
    describe_identity,
    merge_person,
    person_from_values,
)
from outreach.importing.columns import map_columns, parse_overrides
from outreach.importing.reader import ImportFileError, Source, open_source
from outreach.storage.influencers import known_timezones, name_problem, person_from_row, timestamp

#: How many problems an error message lists before summarising the rest.
MAX_LISTED_PROBLEMS = 20
#: Custom fields that columns in any language feed by name (shown as recognised in the mapping hint).
_NAMED_CUSTOM = frozenset({"custom.first_name", "custom.nickname", "custom.city"})
_COLUMNS = ("name", *PLATFORMS, "website", "country", "language", "timezone", "owner", "stage", "kind", "notes",
            "followers")


@dataclass(slots=True)
class RowOutcome:
    """What happened to one row: ``added``, ``merged``, ``skipped`` or ``invalid``, and why."""

    where: str
    action: str
    name: str = ""
    reason: str = ""
    influencer_id: int | None = None


@dataclass
class ImportReport:
    source: str
    mapping: dict[str, str]
    outcomes: list[RowOutcome] = field(default_factory=list)
    dry_run: bool = False
    #: Every header of the file, in order (the mapping leaves out ignored and empty ones).
    headers: list[str] = field(default_factory=list)
    #: How ambiguous follower counts were read (e.g. "',' is this column's decimal mark"), when there were any.
    counts_note: str | None = None
    skip_invalid: bool = False

    def mapping_hint(self) -> list[str]:
        """Which column feeds which field, and which ones were not recognised (kept as custom fields) or
        ignored: what a person checks in a dry run before importing a file with unusual headers."""
        recognised = [f"{header} → {target.removeprefix('custom.') if target in _NAMED_CUSTOM else target}"
                      for header, target in self.mapping.items()
                      if not target.startswith("custom.") or target in _NAMED_CUSTOM]
        custom = [header for header, target in self.mapping.items()
                  if target.startswith("custom.") and target not in _NAMED_CUSTOM]
        ignored = [header for header in self.headers if header.strip() and header not in self.mapping]
        lines = [f"columns: {', '.join(recognised)}"]
        if custom:
            lines.append(f"not recognised, kept as custom fields: {', '.join(custom)} "
                         f"(use --map \"COLUMN=FIELD\" to read one into a field)")
        if ignored:
            lines.append(f"ignored: {', '.join(ignored)}")
        if self.counts_note:
            lines.append(f"followers: {self.counts_note}")
        return lines

    @property
    def would_refuse(self) -> bool:
        """A dry run whose real import would write nothing: it has invalid rows and no --skip-invalid."""
        return self.dry_run and not self.skip_invalid and self.count("invalid") > 0

    def count(self, action: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.action == action)

    @property
    def summary(self) -> str:
        verb = "would be" if self.dry_run else "were"
        parts = [f"{self.count(action)} {action}" for action in ("added", "merged", "skipped", "invalid")]
        return f"{self.source}: {', '.join(parts)} ({len(self.outcomes)} rows; nothing {verb} written)" \
            if self.dry_run else f"{self.source}: {', '.join(parts)} ({len(self.outcomes)} rows)"


@dataclass(slots=True)
class _Target:
    """A person the import will write: new (``id`` None until written) or existing and touched."""

    person: Person
    where: str
    influencer_id: int | None = None
    hand_edited: frozenset[str] = frozenset()
    changes: list[str] = field(default_factory=list)
    #: Fields an earlier row of this file already set: a later duplicate row only fills gaps.
    #: None until a second row reaches this person: then the fields of the row that created it (a new
    #: person), or nothing (a known one). Computed late so a million new people carry no set each.
    set_by_file: set[str] | None = None

    def fields_set_by_file(self) -> set[str]:
        if self.set_by_file is None:
            created_by_file = self.influencer_id is None
            self.set_by_file = {*self.person.fields, *map("custom.{}".format, self.person.custom)} \
                if created_by_file else set()
        return self.set_by_file


def _values(row: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    """Header → raw value becomes field → raw value; several email/niche columns are joined."""
    values: dict[str, Any] = {}
    for header, target in mapping.items():
        raw = row.get(header)
        if raw is None or raw == "":
            continue
        if target in ("email", "niches"):
            parts = raw if isinstance(raw, list) else [raw]
            joined = ";".join(str(part) for part in parts)
            values[target] = f"{values[target]};{joined}" if target in values else joined
        else:
            values[target] = raw
    return values


def _load_index(db: sqlite_utils.Database) -> IdentityIndex:
    index = IdentityIndex()
    for row in db.execute("SELECT email, influencer_id FROM influencer_emails"):
        index.add(row[1], [("email", row[0])])
    columns = ", ".join(IDENTITY_PLATFORMS)
    for row in db.execute(f"SELECT id, {columns} FROM influencers"):  # noqa: S608 - fixed column names
        index.add(row[0], [(platform, value) for platform, value in zip(IDENTITY_PLATFORMS, row[1:],
                                                                         strict=True) if value])
    return index


def _describe_owner(owner: Any, targets: dict[Any, _Target]) -> str:
    if isinstance(owner, int):
        return f"#{owner}"
    return targets[owner].where


def _load_existing(db: sqlite_utils.Database, influencer_id: int, where: str) -> _Target:
    row = next(db.query("SELECT * FROM influencers WHERE id = ?", [influencer_id]))
    emails = [r[0] for r in db.execute(
        "SELECT email FROM influencer_emails WHERE influencer_id = ? ORDER BY rowid", [influencer_id])]
    return _Target(person_from_row(row, emails), where, influencer_id,
                   frozenset(json.loads(row["hand_edited"] or "[]")))


def import_file(
    db: sqlite_utils.Database,
    path: str | Path,
    *,
    mapping: Iterable[str] = (),
    kind: str | None = None,
    skip_invalid: bool = False,
    dry_run: bool = False,
    encoding: str | None = None,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import a CSV/JSON file of people. ``mapping`` holds ``COLUMN=FIELD`` overrides; ``kind`` applies to
    rows without a kind column. Raises :class:`ImportFileError` listing invalid rows (and writes nothing)
    unless ``skip_invalid``; ``dry_run`` reports every row's outcome (invalid ones too) without writing.
    ``progress(done, total)``."""
    path = Path(path)
    if kind is not None and kind not in KINDS:
        raise ImportFileError(f"--kind must be one of {', '.join(KINDS)}, got {kind!r}")
    source = open_source(path, encoding)
    columns = map_columns(source.headers, parse_overrides(mapping, str(path)), str(path))
    identity_fields = {"email", *IDENTITY_PLATFORMS}
    if not identity_fields & set(columns.values()):
        raise ImportFileError(
            f"{path}: no column for an email or a platform handle (columns: {', '.join(source.headers)}); "
            f"name one with --map COLUMN=email (or youtube, twitch, instagram, tiktok, x)")
    report = ImportReport(str(path), columns, dry_run=dry_run, headers=source.headers,
                          skip_invalid=skip_invalid)
    with _write_lock(db, dry_run), _no_cyclic_gc():
        counts = CountColumn()
        plan = _plan(db, source, columns, report, kind=kind, counts=counts, progress=progress)
        if not counts.consistent:
            # An ambiguous count ("1.234k") was read before the column showed how it writes numbers: read
            # the file again with the column's convention, so every row follows the same rule.
            counts = CountColumn(fixed=counts.decimal_mark)
            report.outcomes.clear()
            del plan  # a million-row plan is not kept while the next one is made
            plan = _plan(db, open_source(path, encoding), columns, report, kind=kind, counts=counts,
                         progress=progress)
        report.counts_note = counts.describe()
        _refuse_invalid(path, report, skip_invalid=skip_invalid or dry_run)
        if not dry_run:
            _write(db, path.name, plan.targets, plan.new_keys, now or utc_now())
            for outcome, owner in plan.owners:
                outcome.influencer_id = plan.targets[owner].influencer_id
    return report


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while planning and writing: an import creates millions of small
    objects that all stay alive until it ends, and each full collection walks every one of them again
    (20% of the CPU time at 200,000 rows, more at a million). Nothing an import makes is a cycle to free."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def _write_lock(db: sqlite_utils.Database, dry_run: bool) -> Iterator[None]:
    """Hold SQLite's write lock from the first read of known people to the commit (BEGIN IMMEDIATE), so a
    hand edit made meanwhile by another process can't be overwritten by what this import read before it."""
    if dry_run or db.conn.in_transaction:
        yield
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


@dataclass
class _Plan:
    """What an import will write: every target person by key, the new ones in order, and which row
    outcome gets which target's id once written."""

    targets: dict[Any, _Target] = field(default_factory=dict)
    new_keys: list[Any] = field(default_factory=list)
    owners: list[tuple[RowOutcome, Any]] = field(default_factory=list)


def _refuse_invalid(path: Path, report: ImportReport, *, skip_invalid: bool) -> None:
    invalid = [outcome for outcome in report.outcomes if outcome.action == "invalid"]
    if invalid and not skip_invalid:
        listed = [f"  {path} {o.where}: {o.reason}" for o in invalid[:MAX_LISTED_PROBLEMS]]
        more = len(invalid) - MAX_LISTED_PROBLEMS
        if more > 0:
            listed.append(f"  … and {more} more")
        raise ImportFileError(
            f"{path}: {len(invalid)} invalid row(s), nothing imported "
            f"(fix them, or pass --skip-invalid to import the rest):\n" + "\n".join(listed))


def _read_followers(values: dict[str, Any], counts: CountColumn, where: str) -> None:
    """Read the followers cell with its column's convention; a bad one is left for the row's validation."""
    raw = values.get("followers")
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) < 13:
        values["followers"] = int(raw)  # the common case, without the parser (at most MAX_COUNT)
    elif isinstance(raw, str) and raw.strip().lower() not in NOT_KNOWN:
        with contextlib.suppress(InvalidCount):
            values["followers"] = counts.read(raw, where)


def _plan(db: sqlite_utils.Database, source: Source, columns: dict[str, str], report: ImportReport, *,
          kind: str | None, counts: CountColumn, progress: Callable[[int, int], None] | None) -> _Plan:
    """Validate, dedupe and merge every row in memory (nothing written): the outcome of each row."""
    plan = _Plan()
    targets, new_keys, owners = plan.targets, plan.new_keys, plan.owners
    reads_followers = "followers" in columns.values()
    zones = known_timezones()
    index = _load_index(db)

    for number, row in enumerate(source.rows, start=1):
        if progress and number % 1000 == 0:
            progress(number, source.count)
        if row.problem:
            report.outcomes.append(RowOutcome(row.where, "invalid", reason=row.problem))
            continue
        values = _values(row.values, columns)
        if reads_followers:
            _read_followers(values, counts, row.where)
        person, problems = person_from_values(values, zones)
        if problem := name_problem(person.fields.get("name")):
            problems = [*problems, problem]
        if problems:
            report.outcomes.append(RowOutcome(row.where, "invalid", person.display_name(), "; ".join(problems)))
            continue
        if kind and "kind" not in person.fields:
            person.fields["kind"] = kind
        identities = person.identities()
        matches = index.matches(identities)
        if len(matches) > 1:
            described = ", ".join(
                f"{_describe_owner(owner, targets)} by {describe_identity(found[0])}" for owner, found in matches.items())
            report.outcomes.append(RowOutcome(row.where, "skipped", person.display_name(),
                                              f"matches more than one person ({described}); fix it by hand"))
            continue
        if not matches:
            key = ("new", len(new_keys))
            new_keys.append(key)
            targets[key] = _Target(person, row.where)
            index.add(key, identities)
            report.outcomes.append(RowOutcome(row.where, "added", person.display_name()))
            owners.append((report.outcomes[-1], key))
            continue
        owner, found = next(iter(matches.items()))
        if owner not in targets:
            targets[owner] = _load_existing(db, owner, row.where)
        target = targets[owner]
        merge = merge_person(target.person, person, target.hand_edited | target.fields_set_by_file())
        apply_merge(target.person, merge)
        index.add(owner, target.person.identities())  # a handle that was kept out does not point here
        label = _describe_owner(owner, targets)
        kept = _kept(merge.kept_hand_edited, target)
        target.fields_set_by_file().update(person.fields, map("custom.{}".format, person.custom))
        if not merge.changed:
            report.outcomes.append(RowOutcome(
                row.where, "skipped", target.person.display_name(),
                f"same person as {label} (by {describe_identity(found[0])}), nothing new{kept}",
                owner if isinstance(owner, int) else None))
            continue
        changed = [*merge.updates, *(f"custom.{k}" for k in merge.custom_updates)]
        changed += ["email"] * bool(merge.new_emails) + ["niches"] * bool(merge.new_niches)
        target.changes += [name for name in changed if name not in target.changes]
        report.outcomes.append(RowOutcome(
            row.where, "merged", target.person.display_name(),
            f"into {label} (by {describe_identity(found[0])}): {', '.join(changed)}{kept}",
            owner if isinstance(owner, int) else None))
        owners.append((report.outcomes[-1], owner))

    if progress:
        progress(source.count, source.count)
    return plan


def _kept(names: list[str], target: _Target) -> str:
    """The note on fields a row did not change: hand-edited ones, or set differently by an earlier row."""
    by_hand = [name for name in names if name in target.hand_edited]
    by_file = [name for name in names if name not in target.hand_edited]
    notes = [f"kept hand-edited {', '.join(by_hand)}"] * bool(by_hand)
    notes += [f"kept {', '.join(by_file)} from an earlier row"] * bool(by_file)
    return "".join(f"; {note}" for note in notes)


def _column_values(person: Person) -> list[Any]:
    values = [person.fields.get(column) for column in _COLUMNS]
    values[0] = values[0] or person.display_name()
    return values


@contextlib.contextmanager
def _fts_filled_in_bulk(db: sqlite_utils.Database, first_new_id: int) -> Iterator[None]:
    """Index new rows for full-text search in one statement instead of one trigger call per row (4x faster).

    Must run inside the import transaction: the insert trigger is dropped and re-created within it, so
    other connections never see it missing.
    """
    trigger = db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'influencers_ai'").fetchone()
    if trigger is None:
        yield
        return
    columns = ", ".join(f"[{column}]" for column in db["influencers_fts"].columns_dict)
    db.execute("DROP TRIGGER influencers_ai")
    yield
    db.execute(
        f"INSERT INTO influencers_fts (rowid, {columns}) "  # noqa: S608 - column names from the schema
        f"SELECT id, {columns} FROM influencers WHERE id >= ?", [first_new_id])
    db.execute(trigger[0])


#: json.dumps(..., ensure_ascii=False) builds a new encoder on every call: one shared encoder for a
#: million rows.
_to_json = json.JSONEncoder(ensure_ascii=False).encode
#: Page cache for the import transaction (KiB, as SQLite's negative cache_size): a million new rows go into
#: a dozen indexes (emails, handles, stage, owner, full text) in key order, not insertion order, and with the
#: default 2 MiB cache most of those inserts miss the cache.
IMPORT_CACHE_KIB = 256 * 1024


@contextlib.contextmanager
def _bulk_cache(db: sqlite_utils.Database) -> Iterator[None]:
    """A big page cache for the duration of the write only (SQLite allocates it as pages are used)."""
    previous = db.execute("PRAGMA cache_size").fetchone()[0]
    db.execute(f"PRAGMA cache_size = {-IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        db.execute(f"PRAGMA cache_size = {int(previous)}")


def _write(db: sqlite_utils.Database, source_name: str, targets: dict[Any, _Target], new_keys: list[Any],
           now: datetime, *, kind: str = "imported") -> None:
    """Insert new people and update touched ones, all in one transaction (new ids land in the targets).

    Each new person's history gets ``kind`` with ``source_name`` and where in it they came from; the fields
    of a new target's ``hand_edited`` are stored as edited by hand (later imports keep them). Rows are fed
    to ``executemany`` as generators, so a million-row import never holds all its SQL rows at once."""
    moment = timestamp(now)
    columns = ", ".join(_COLUMNS)
    placeholders = ", ".join("?" for _ in _COLUMNS)
    stage, kind_column = _COLUMNS.index("stage"), _COLUMNS.index("kind")
    new = [targets[key] for key in new_keys]
    touched = [(key, target) for key, target in targets.items() if isinstance(key, int) and target.changes]

    def people() -> Iterator[tuple[Any, ...]]:
        for target in new:
            person = target.person
            values = _column_values(person)
            values[stage] = values[stage] or "prospect"
            values[kind_column] = values[kind_column] or "influencer"
            yield (target.influencer_id, person.emails[0] if person.emails else None,
                   _to_json(person.niches), _to_json(person.custom) if person.custom else "{}",
                   json.dumps(sorted(target.hand_edited)) if target.hand_edited else "[]", moment, moment,
                   *values)

    def emails() -> Iterator[tuple[str, int | None]]:
        for target in new:
            for email in target.person.emails:
                yield email, target.influencer_id
        for key, target in touched:
            for email in target.person.emails:
                yield email, key

    def history() -> Iterator[tuple[int | None, str, str, str]]:
        for target in new:
            yield target.influencer_id, kind, f"{source_name} {target.where}".strip(), moment
        for key, target in touched:
            yield key, "merged", f"{source_name} from {target.where}: {', '.join(target.changes)}", moment

    try:
        with db.atomic(), _bulk_cache(db):
            next_id = (db.execute("SELECT max(id) FROM influencers").fetchone()[0] or 0) + 1
            for offset, target in enumerate(new):
                target.influencer_id = next_id + offset
            with _fts_filled_in_bulk(db, next_id):
                db.conn.executemany(
                    "INSERT INTO influencers (id, email, niches, custom, hand_edited, created_at, updated_at, "  # noqa: S608
                    f"{columns}) VALUES (?, ?, ?, ?, ?, ?, ?, {placeholders})", people())
            for key, target in touched:
                person = target.person
                db.conn.execute(
                    f"UPDATE influencers SET {', '.join(f'{c} = ?' for c in _COLUMNS)}, "  # noqa: S608
                    "email = coalesce(email, ?), niches = ?, custom = ?, updated_at = ? WHERE id = ?",
                    [*_column_values(person), person.emails[0] if person.emails else None,
                     json.dumps(person.niches, ensure_ascii=False), json.dumps(person.custom, ensure_ascii=False),
                     moment, key])
            db.conn.executemany("INSERT OR IGNORE INTO influencer_emails (email, influencer_id) VALUES (?, ?)",
                                emails())
            db.conn.executemany(
                "INSERT INTO influencer_activity (influencer_id, kind, detail, at) VALUES (?, ?, ?, ?)", history())
    except sqlite3.IntegrityError as error:
        raise ImportFileError(f"{source_name}: nothing written: the database refused the rows ({error})") from None
