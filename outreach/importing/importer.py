"""Import people from a file in one streaming pass: validate, dedupe and merge each row, write them in chunks,
all inside one transaction that is committed only after the last row.

Memory stays bounded whatever the size of the file: rows are read one at a time, new people are written every
:data:`ROWS_PER_CHUNK` rows, and what the import remembers of everyone already written is compact (a Bloom
filter of emails and handles, confirmed by the database's unique indexes, and a few bytes per new person).
Nothing is committed when a row is invalid (unless the caller skips invalid rows) or when anything fails
midway: the transaction is rolled back. A dry run is the same import rolled back at the end, so the plan it
shows is exactly what the import does. A field someone edited by hand is never overwritten by a file: the
row summary says which fields were kept.
"""

from __future__ import annotations

import contextlib
import gc
import json
import pickle
import sqlite3
import tempfile
import weakref
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
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
    Person,
    apply_merge,
    describe_identity,
    merge_person,
    person_from_values,
)
from outreach.importing.columns import map_columns, parse_overrides
from outreach.importing.reader import ImportFileError, Source, SourceRow, open_source
from outreach.storage.influencers import known_timezones, name_problem, person_from_row, timestamp

#: How many problems an error message lists before summarising the rest.
MAX_LISTED_PROBLEMS = 20
#: A report keeps the outcome of every row up to this many rows (``outreach import`` lists them all); above
#: it, only merged, skipped and invalid rows are kept (and listed) and added ones are only counted.
KEEP_EVERY_ROW_UP_TO = 100
#: New people are written every this many rows: what the import holds in memory besides compact indexes.
ROWS_PER_CHUNK = 10_000
#: A report holds this many outcomes in memory; later ones wait in a temporary file (see _Outcomes).
OUTCOMES_IN_MEMORY = 10_000
#: Custom fields that columns in any language feed by name (shown as recognised in the mapping hint).
_NAMED_CUSTOM = frozenset({"custom.first_name", "custom.nickname", "custom.city"})
_COLUMNS = ("name", *PLATFORMS, "website", "country", "language", "timezone", "owner", "stage", "kind", "notes",
            "followers")
#: Columns an insert fills when a row leaves them empty (a display name, the first stage, the usual kind):
#: they are not "set by the file", so a later row of the same file may still fill them.
_DEFAULTED = ("name", "stage", "kind")


@dataclass(slots=True)
class RowOutcome:
    """What happened to one row: ``added``, ``merged``, ``skipped`` or ``invalid``, and why."""

    where: str
    action: str
    name: str = ""
    reason: str = ""
    influencer_id: int | None = None


class _Outcomes(Sequence[RowOutcome]):
    """Row outcomes in file order. The first OUTCOMES_IN_MEMORY stay in memory; later ones are pickled to a
    temporary file in batches, so a re-import of a million known people (each row listed as skipped, about
    340 bytes an outcome) keeps its memory flat. Read back in order when iterated."""

    def __init__(self, outcomes: Iterable[RowOutcome] = ()) -> None:
        self._memory: list[RowOutcome] = []
        self._batch: list[RowOutcome] = []
        self._file: Any = None
        self._batches = 0
        self._stored = 0
        for outcome in outcomes:
            self.append(outcome)

    def append(self, outcome: RowOutcome) -> None:
        if len(self._memory) < OUTCOMES_IN_MEMORY:
            self._memory.append(outcome)
            return
        self._batch.append(outcome)
        if len(self._batch) >= OUTCOMES_IN_MEMORY:
            if self._file is None:
                self._file = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the report (finalizer below)
                weakref.finalize(self, self._file.close)
            pickle.dump(self._batch, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._batches += 1
            self._stored += len(self._batch)
            self._batch = []

    def __len__(self) -> int:
        return len(self._memory) + self._stored + len(self._batch)

    def __iter__(self) -> Iterator[RowOutcome]:
        yield from self._memory
        if self._file is not None:
            self._file.seek(0)
            for _ in range(self._batches):
                yield from pickle.load(self._file)  # noqa: S301 - written by this object, never by a user
            self._file.seek(0, 2)
        yield from self._batch

    def __getitem__(self, index: int) -> RowOutcome:  # type: ignore[override]
        if 0 <= index < len(self._memory):
            return self._memory[index]
        return list(self)[index]


@dataclass
class ImportReport:
    source: str
    mapping: dict[str, str]
    #: Every row's outcome for a file of up to KEEP_EVERY_ROW_UP_TO rows; above that, the rows that were
    #: not simply added (see :meth:`count` for the numbers of each).
    outcomes: _Outcomes = field(default_factory=_Outcomes)
    dry_run: bool = False
    #: Every header of the file, in order (the mapping leaves out ignored and empty ones).
    headers: list[str] = field(default_factory=list)
    #: How ambiguous follower counts were read (e.g. "',' is this column's decimal mark"), when there were any.
    counts_note: str | None = None
    skip_invalid: bool = False
    #: How many rows the file had (not counting blank lines).
    rows: int = 0
    _tally: Counter[str] = field(default_factory=Counter, repr=False)

    def record(self, outcome: RowOutcome) -> None:
        """Count a row's outcome and keep it, unless it is one more added row of a large file."""
        self._count(outcome.action)
        if outcome.action != "added" or self.rows <= KEEP_EVERY_ROW_UP_TO:
            self.outcomes.append(outcome)

    @property
    def keeps_every_row(self) -> bool:
        """Whether the next row's outcome is kept even if it is added (so whether to build it at all)."""
        return self.rows < KEEP_EVERY_ROW_UP_TO

    def count_added(self) -> None:
        """Count one added row whose outcome is not kept (a large file): nothing is built for it."""
        self._count("added")

    def _count(self, action: str) -> None:
        self.rows += 1
        self._tally[action] += 1
        if self.rows == KEEP_EVERY_ROW_UP_TO + 1:
            self.outcomes = _Outcomes(kept for kept in self.outcomes if kept.action != "added")

    def restart(self) -> None:
        """Forget every outcome: the file is read again."""
        self.outcomes = _Outcomes()
        self._tally.clear()
        self.rows = 0

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
        return self._tally[action]

    @property
    def summary(self) -> str:
        verb = "would be" if self.dry_run else "were"
        parts = [f"{self.count(action)} {action}" for action in ("added", "merged", "skipped", "invalid")]
        return f"{self.source}: {', '.join(parts)} ({self.rows} rows; nothing {verb} written)" \
            if self.dry_run else f"{self.source}: {', '.join(parts)} ({self.rows} rows)"


@dataclass(slots=True)
class _Target:
    """A person the import writes, held in memory from the row that reaches them until their chunk is
    written: new (created by a row of this file) or stored (loaded to merge a row into)."""

    person: Person
    where: str
    influencer_id: int | None = None
    hand_edited: frozenset[str] = frozenset()
    #: Fields the rows of this file changed on a stored person (for its "merged" history line).
    changes: tuple[str, ...] = ()
    #: Fields an earlier row of this file already set: a later duplicate row only fills gaps.
    #: None until a second row reaches this person: then the fields of the row that created it (a new
    #: person), or nothing (a stored one). Computed late so a million new people carry no set each.
    set_by_file: set[str] | None = None
    #: Created by this import (a stored person's first row is one that merged into them).
    created: bool = True
    #: Changed since it was last written (a stored person is updated when its chunk is written).
    dirty: bool = False

    def fields_set_by_file(self) -> set[str]:
        if self.set_by_file is None:
            self.set_by_file = {*self.person.fields, *map("custom.{}".format, self.person.custom)} \
                if self.created else set()
        return self.set_by_file


#: Fields that several columns may feed at once (their values are joined).
_JOINED = frozenset({"email", "niches"})


def _values(row: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    """A JSON item's values by key become field → raw value; several email/niche keys are joined."""
    values: dict[str, Any] = {}
    for header, target in mapping.items():
        raw = row.get(header)
        if raw is None or raw == "":
            continue
        if target in _JOINED:
            parts = raw if isinstance(raw, list) else [raw]
            joined = ";".join(str(part) for part in parts)
            values[target] = f"{values[target]};{joined}" if target in values else joined
        else:
            values[target] = raw
    return values


def _cell_plan(mapping: dict[str, str], headers: list[str]) -> tuple[tuple[int, str], ...]:
    """Which cell of a CSV row feeds which field, in the mapping's order."""
    return tuple((headers.index(header), target) for header, target in mapping.items())


def _cell_values(cells: list[str], plan: tuple[tuple[int, str], ...]) -> dict[str, Any]:
    """A CSV row's cells become field → raw value, as :func:`_values` does for a JSON item."""
    values: dict[str, Any] = {}
    width = len(cells)
    for index, target in plan:
        if index < width and (raw := cells[index]):
            values[target] = f"{values[target]};{raw}" if target in values and target in _JOINED else raw
    return values


class _IdentityFilter:
    """Which emails and handles may already belong to someone: one bit per identity in a table of at least
    32 bits per identity expected (a one-hash Bloom filter), 16 MiB for 3 million identities where a dict
    of them took hundreds, and never more than 64 MiB (with tens of millions, more false alarms).

    "No" is certain, so a new person costs no database lookup; "maybe" is confirmed or refuted by the
    database's unique indexes (at most about 3% of new identities are false alarms)."""

    def __init__(self, expected: int) -> None:
        bits = 1 << min(max(20, (max(expected, 1) * 32 - 1).bit_length()), 29)
        self._mask = bits - 1
        self._bits = bytearray(bits >> 3)

    def check_and_add(self, identity: tuple[str, str]) -> bool:
        """Whether ``identity`` may have been added before; it is added in any case."""
        position = hash(identity) & self._mask
        byte, bit = position >> 3, 1 << (position & 7)
        seen = self._bits[byte] & bit
        self._bits[byte] |= bit
        return bool(seen)


def _stored_identities(db: sqlite_utils.Database) -> Iterator[tuple[str, str]]:
    for (email,) in db.execute("SELECT email FROM influencer_emails"):
        yield "email", email
    columns = ", ".join(IDENTITY_PLATFORMS)
    for row in db.execute(f"SELECT {columns} FROM influencers"):  # noqa: S608 - fixed column names
        for platform, value in zip(IDENTITY_PLATFORMS, row, strict=True):
            if value:
                yield platform, value


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
    moment = now or utc_now()
    with _import_transaction(db, keep=not dry_run) as start_over, _no_cyclic_gc(), _bulk_cache(db), \
            _refused_by_database(path.name):
        counts = CountColumn()
        _Import(db, source, columns, report, kind=kind, counts=counts, moment=moment,
                refuse_invalid=not (skip_invalid or dry_run), progress=progress).run()
        if not counts.consistent:
            # An ambiguous count ("1.234k") was read before the column showed how it writes numbers: read
            # the file again with the column's convention, so every row follows the same rule.
            start_over()
            report.restart()
            counts = CountColumn(fixed=counts.decimal_mark)
            _Import(db, open_source(path, encoding), columns, report, kind=kind, counts=counts, moment=moment,
                    refuse_invalid=not (skip_invalid or dry_run), progress=progress).run()
        report.counts_note = counts.describe()
        _refuse_invalid(path, report, skip_invalid=skip_invalid or dry_run)
    return report


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector during an import: it creates millions of short-lived objects,
    none of them in a cycle (reference counting frees them), and collections triggered by their number
    would only walk them for nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def _import_transaction(db: sqlite_utils.Database, *, keep: bool) -> Iterator[Callable[[], None]]:
    """One transaction for the whole import, committed at the end only when ``keep`` (a dry run rolls back
    what it wrote to compute its plan), rolled back on any error. Yields a function that undoes everything
    written so far, to read the file again.

    Holds SQLite's write lock from the first read of known people to the commit (BEGIN IMMEDIATE), so a hand
    edit made meanwhile by another process can't be overwritten by what this import read before it. Inside a
    caller's transaction, a savepoint does the same."""
    began = not db.conn.in_transaction
    if began:
        db.execute("BEGIN IMMEDIATE")
    db.execute("SAVEPOINT import_file")

    def undo() -> None:
        db.execute("ROLLBACK TO import_file")

    try:
        yield undo
    except BaseException:
        undo()
        db.execute("RELEASE import_file")
        if began:
            db.execute("ROLLBACK")
        raise
    if not keep:
        undo()
    db.execute("RELEASE import_file")
    if began:
        db.execute("COMMIT" if keep else "ROLLBACK")


@contextlib.contextmanager
def _refused_by_database(source_name: str) -> Iterator[None]:
    try:
        yield
    except sqlite3.IntegrityError as error:
        raise ImportFileError(f"{source_name}: nothing written: the database refused the rows ({error})") from None


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


def _kept(names: list[str], target: _Target) -> str:
    """The note on fields a row did not change: hand-edited ones, or set differently by an earlier row."""
    by_hand = [name for name in names if name in target.hand_edited]
    by_file = [name for name in names if name not in target.hand_edited]
    notes = [f"kept hand-edited {', '.join(by_hand)}"] * bool(by_hand)
    notes += [f"kept {', '.join(by_file)} from an earlier row"] * bool(by_file)
    return "".join(f"; {note}" for note in notes)


class _Import:
    """One pass over a file: each row validated, matched against everyone known (stored before, or written
    by this import), merged or added, and written chunk by chunk.

    What it keeps between chunks is compact: the identity filter, the line number and three "given" flags of
    each new person (8 and 1 bytes), and for each stored person a row merged into, the fields this file set
    and changed on them. Everything else about a person is read back from the database when a later row
    reaches them."""

    def __init__(self, db: sqlite_utils.Database, source: Source, columns: dict[str, str], report: ImportReport,
                 *, kind: str | None, counts: CountColumn, moment: datetime, refuse_invalid: bool,
                 progress: Callable[[int, int], None] | None) -> None:
        self.db, self.source, self.columns, self.report = db, source, columns, report
        self.kind, self.counts, self.refuse_invalid, self.progress = kind, counts, refuse_invalid, progress
        known_people = db.execute("SELECT count(*) FROM influencers").fetchone()[0]
        self.writer = _Writer(db, source.path.name, moment,
                              rebuild_indexes=source.count >= max(known_people, ROWS_PER_CHUNK))
        self.first_new_id = self.writer.next_id
        self.next_id = self.first_new_id
        known_emails = db.execute("SELECT count(*) FROM influencer_emails").fetchone()[0]
        self.seen = _IdentityFilter(known_emails + 2 * known_people + 3 * source.count)
        for identity in _stored_identities(db):
            self.seen.check_and_add(identity)
        #: Line (or item) number of each new person's row, by id - first_new_id.
        self.created_numbers = array("q")
        #: Which of name, stage and kind a file row gave each new person (bit per _DEFAULTED field).
        self.created_given = bytearray()
        #: Stored people that rows of the file matched: (the first such row, fields the file set on them,
        #: fields it changed).
        self.stored_touched: dict[int, tuple[str, frozenset[str], tuple[str, ...]]] = {}
        self._shared_sets: dict[frozenset[str], frozenset[str]] = {}
        #: Handles a row replaced: they still point at their person until the import ends (as every handle a
        #: person had during the import does), though the database no longer holds them.
        self.former_handles: dict[tuple[str, str], int] = {}
        self.refused = False
        self._new_chunk()

    def _new_chunk(self) -> None:
        #: People held in memory until the chunk is written, by id: new ones and stored ones merged into.
        self.chunk: dict[int, _Target] = {}
        self.chunk_new: list[_Target] = []
        #: The chunk's people read back from the database (stored before, or written by an earlier chunk).
        self.chunk_loaded: dict[int, _Target] = {}
        #: Identities of the chunk's people that the database does not hold yet.
        self.pending: dict[tuple[str, str], int] = {}

    def run(self) -> None:
        source, columns, counts = self.source, self.columns, self.counts
        reads_followers = "followers" in columns.values()
        zones = known_timezones()
        plan = _cell_plan(columns, source.headers)
        for number, row in enumerate(source.rows, start=1):
            if self.progress and number % 1000 == 0:
                self.progress(number, source.count)
            if row.problem:
                self._invalid(RowOutcome(row.where, "invalid", reason=row.problem))
                continue
            values = _cell_values(row.values, plan) if isinstance(row.values, list) \
                else _values(row.values, columns)
            if reads_followers:
                _read_followers(values, counts, row.where)
            person, problems = person_from_values(values, zones)
            if problem := name_problem(person.fields.get("name")):
                problems = [*problems, problem]
            if problems:
                self._invalid(RowOutcome(row.where, "invalid", person.display_name(), "; ".join(problems)))
                continue
            if self.refused:
                continue  # nothing will be written: only the other invalid rows are still looked for
            if self.kind and "kind" not in person.fields:
                person.fields["kind"] = self.kind
            self._place(row, person)
            if len(self.chunk) >= ROWS_PER_CHUNK:
                self._write_chunk()
        if not self.refused:
            self._write_chunk()
            self.writer.merged_history(self.stored_touched)
            if not self.report.dry_run:  # a dry run is rolled back, which puts them back without rebuilding
                self.writer.close()
        if self.progress:
            self.progress(source.count, source.count)

    def _invalid(self, outcome: RowOutcome) -> None:
        self.report.record(outcome)
        if self.refuse_invalid:
            self.refused = True

    def _place(self, row: SourceRow, person: Person) -> None:
        """Add the row's person, merge them into the one person they match, or skip them."""
        report = self.report
        identities = person.identities()
        matches = self._matches(identities)
        if len(matches) > 1:
            described = ", ".join(f"{self._describe(owner)} by {describe_identity(found[0])}"
                                  for owner, found in matches.items())
            report.record(RowOutcome(row.where, "skipped", person.display_name(),
                                     f"matches more than one person ({described}); fix it by hand"))
            return
        if not matches:
            self._add(row, person, identities)
            return
        owner, found = next(iter(matches.items()))
        target = self._target(owner, row.where)
        merge = merge_person(target.person, person, target.hand_edited | target.fields_set_by_file())
        for platform in IDENTITY_PLATFORMS:
            if platform in merge.updates and (replaced := target.person.fields.get(platform)):
                self.former_handles.setdefault((platform, replaced), owner)
        apply_merge(target.person, merge)
        for identity in target.person.identities():  # a handle that was kept out does not point here
            self.pending.setdefault(identity, owner)
            self.seen.check_and_add(identity)
        label = self._describe(owner)
        kept = _kept(merge.kept_hand_edited, target)
        target.fields_set_by_file().update(person.fields, map("custom.{}".format, person.custom))
        stored_id = None if target.created else owner
        if not merge.changed:
            report.record(RowOutcome(
                row.where, "skipped", target.person.display_name(),
                f"same person as {label} (by {describe_identity(found[0])}), nothing new{kept}", stored_id))
            return
        target.dirty = True
        changed = [*merge.updates, *(f"custom.{k}" for k in merge.custom_updates)]
        changed += ["email"] * bool(merge.new_emails) + ["niches"] * bool(merge.new_niches)
        target.changes += tuple(name for name in changed if name not in target.changes)
        report.record(RowOutcome(
            row.where, "merged", target.person.display_name(),
            f"into {label} (by {describe_identity(found[0])}): {', '.join(changed)}{kept}",
            owner if not report.dry_run or not target.created else None))

    def _add(self, row: SourceRow, person: Person, identities: list[tuple[str, str]]) -> None:
        influencer_id = self.next_id
        self.next_id += 1
        target = _Target(person, row.where, influencer_id)
        self.chunk[influencer_id] = target
        self.chunk_new.append(target)
        for identity in identities:
            self.pending.setdefault(identity, influencer_id)
        self.created_numbers.append(row.number)
        if self.report.keeps_every_row:
            self.report.record(RowOutcome(row.where, "added", person.display_name(),
                                          influencer_id=None if self.report.dry_run else influencer_id))
        else:
            self.report.count_added()

    def _matches(self, identities: list[tuple[str, str]]) -> dict[int, list[tuple[str, str]]]:
        """Owner id → the identities by which the row matched them (in the row's order)."""
        found: dict[int, list[tuple[str, str]]] = {}
        for identity in identities:
            if not self.seen.check_and_add(identity):
                continue
            owner = self.pending.get(identity) or self.former_handles.get(identity)
            if owner is None:
                owner = self.writer.owner(identity)
            if owner is not None:
                found.setdefault(owner, []).append(identity)
        return found

    def _describe(self, owner: int) -> str:
        """How a message names a person: ``#12`` when stored before, else the row that added them."""
        if owner < self.first_new_id:
            return f"#{owner}"
        return f"{self.source.place} {self.created_numbers[owner - self.first_new_id]}"

    def _target(self, owner: int, where: str) -> _Target:
        """The person ``owner`` in memory: from this chunk, else read back from the database."""
        target = self.chunk.get(owner)
        if target is not None:
            return target
        target = self.writer.load(owner, where)
        if owner >= self.first_new_id:
            target.where = self._describe(owner)
            given = self.created_given[owner - self.first_new_id]
            for bit, name in enumerate(_DEFAULTED):
                if not given & (1 << bit):
                    target.person.fields.pop(name, None)  # filled in by the insert, not by the file
        else:
            target.created = False
            first_where, set_by_file, changes = self.stored_touched.get(owner, (where, frozenset(), ()))
            target.where, target.set_by_file, target.changes = first_where, set(set_by_file), changes
        self.chunk[owner] = self.chunk_loaded[owner] = target
        return target

    def _write_chunk(self) -> None:
        """Write the chunk's new people and its changed loaded ones; remember what later chunks need."""
        self.writer.insert(self.chunk_new)
        self.created_given.extend(_given(target.person.fields) for target in self.chunk_new)
        for owner, target in self.chunk_loaded.items():
            if target.created:
                self.created_given[owner - self.first_new_id] = _given(target.person.fields)
            else:
                set_by_file = frozenset(target.fields_set_by_file())
                self.stored_touched[owner] = (target.where, self._shared_sets.setdefault(set_by_file, set_by_file),
                                              target.changes)
            if target.dirty:
                self.writer.update(owner, target.person, defaults=target.created)
        self._new_chunk()


def _given(fields: dict[str, Any]) -> int:
    """Which of :data:`_DEFAULTED` a person's own fields hold, one bit each."""
    return ("name" in fields) | ("stage" in fields) << 1 | ("kind" in fields) << 2


def _column_values(person: Person, *, defaults: bool) -> list[Any]:
    """The person's values for :data:`_COLUMNS`; a missing name is their display name, and with ``defaults``
    a missing stage and kind are the first stage and the usual kind."""
    values = list(map(person.fields.get, _COLUMNS))
    values[0] = values[0] or person.display_name()
    if defaults:
        values[_STAGE] = values[_STAGE] or "prospect"
        values[_KIND] = values[_KIND] or "influencer"
    return values


_STAGE, _KIND = _COLUMNS.index("stage"), _COLUMNS.index("kind")
#: json.dumps(..., ensure_ascii=False) builds a new encoder on every call: one shared encoder for a
#: million rows.
_to_json = json.JSONEncoder(ensure_ascii=False).encode
#: Page cache for the import transaction (KiB, as SQLite's negative cache_size): new rows go into the email
#: and handle indexes in key order, not insertion order, and with the default 2 MiB cache most of those
#: inserts miss the cache. 64 MiB imports a million rows as fast as 256 MiB did (measured) with 220 MiB
#: less peak memory.
IMPORT_CACHE_KIB = 64 * 1024


@contextlib.contextmanager
def _bulk_cache(db: sqlite_utils.Database) -> Iterator[None]:
    """A big page cache for the duration of the write only (SQLite allocates it as pages are used)."""
    previous = db.execute("PRAGMA cache_size").fetchone()[0]
    db.execute(f"PRAGMA cache_size = {-IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        db.execute(f"PRAGMA cache_size = {int(previous)}")


class _Writer:
    """Writes people the way an import does, chunk by chunk inside the caller's transaction: new people with
    their emails, their history line (``kind`` with the source and where in it they came from) and their
    full-text entries; changed ones updated in place.

    New people are indexed for full-text search one statement per chunk instead of one trigger call per row
    (4x faster): the insert trigger is dropped while the writer is open (see :meth:`close`). With
    ``rebuild_indexes`` (an import at least as large as the table), the table's indexes that no import reads
    (the list orders and filters, not the unique email and handle ones) are dropped too and built again at
    the end: sorting a million keys once costs a few seconds, inserting them one by one in random key order
    costs several times more. Other connections never see any of it missing: it all happens in the one
    transaction."""

    def __init__(self, db: sqlite_utils.Database, source_name: str, now: datetime, *, kind: str = "imported",
                 rebuild_indexes: bool = False) -> None:
        self.db, self.source_name, self.kind = db, source_name, kind
        #: CREATE INDEX statements of the indexes dropped until :meth:`close`.
        self._dropped_indexes: list[str] = []
        self._rebuild_indexes = rebuild_indexes
        self.moment = timestamp(now)
        self.next_id = (db.execute("SELECT max(id) FROM influencers").fetchone()[0] or 0) + 1
        trigger = db.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'influencers_ai'").fetchone()
        #: The full-text insert trigger, while it is dropped (None: not dropped, or no full-text index).
        self._trigger: str | None = None
        self._fts_trigger = trigger[0] if trigger else None
        self._fts_columns = ", ".join(f"[{column}]" for column in db["influencers_fts"].columns_dict) \
            if trigger else ""
        columns = ", ".join(_COLUMNS)
        self._insert = ("INSERT INTO influencers (id, email, niches, custom, hand_edited, created_at, "  # noqa: S608
                        f"updated_at, {columns}) VALUES (?, ?, ?, ?, ?, ?, ?, {', '.join('?' for _ in _COLUMNS)})")
        self._update = (f"UPDATE influencers SET {', '.join(f'{c} = ?' for c in _COLUMNS)}, "  # noqa: S608
                        "email = coalesce(email, ?), niches = ?, custom = ?, updated_at = ? WHERE id = ?")
        self._handle_owner = {platform: f"SELECT id FROM influencers WHERE {platform} = ?"  # noqa: S608
                              for platform in IDENTITY_PLATFORMS}

    def owner(self, identity: tuple[str, str]) -> int | None:
        """Who holds this email or handle in the database (this import's written chunks included)."""
        platform, value = identity
        query = "SELECT influencer_id FROM influencer_emails WHERE email = ?" if platform == "email" \
            else self._handle_owner[platform]
        row = self.db.conn.execute(query, (value,)).fetchone()
        return row[0] if row else None

    def load(self, influencer_id: int, where: str) -> _Target:
        row = next(self.db.query("SELECT * FROM influencers WHERE id = ?", [influencer_id]))
        emails = [r[0] for r in self.db.execute(
            "SELECT email FROM influencer_emails WHERE influencer_id = ? ORDER BY rowid", [influencer_id])]
        return _Target(person_from_row(row, emails), where, influencer_id,
                       frozenset(json.loads(row["hand_edited"] or "[]")))

    def insert(self, new: list[_Target]) -> None:
        """Insert new people (their ``influencer_id`` given: consecutive, from :attr:`next_id` on). The fields
        of a target's ``hand_edited`` are stored as edited by hand (later imports keep them)."""
        if not new:
            return
        conn, moment = self.db.conn, self.moment
        if self._trigger is None and self._fts_trigger:
            self.db.execute("DROP TRIGGER influencers_ai")
            self._trigger = self._fts_trigger
        if self._rebuild_indexes:
            self._rebuild_indexes = False
            self._drop_unread_indexes()

        def people() -> Iterator[tuple[Any, ...]]:
            for target in new:
                person = target.person
                yield (target.influencer_id, person.emails[0] if person.emails else None,
                       _to_json(person.niches), _to_json(person.custom) if person.custom else "{}",
                       json.dumps(sorted(target.hand_edited)) if target.hand_edited else "[]", moment, moment,
                       *_column_values(person, defaults=True))

        conn.executemany(self._insert, people())
        first, last = new[0].influencer_id, new[-1].influencer_id
        if self._trigger:
            conn.execute(
                f"INSERT INTO influencers_fts (rowid, {self._fts_columns}) "  # noqa: S608 - names from the schema
                f"SELECT id, {self._fts_columns} FROM influencers WHERE id BETWEEN ? AND ?", [first, last])
        conn.executemany("INSERT OR IGNORE INTO influencer_emails (email, influencer_id) VALUES (?, ?)",
                         ((email, target.influencer_id) for target in new for email in target.person.emails))
        conn.executemany(
            "INSERT INTO influencer_activity (influencer_id, kind, detail, at) VALUES (?, ?, ?, ?)",
            ((target.influencer_id, self.kind, f"{self.source_name} {target.where}".strip(), moment)
             for target in new))

    def update(self, influencer_id: int, person: Person, *, defaults: bool) -> None:
        """Write a person's merged state over their row; emails they gained are added."""
        self.db.conn.execute(self._update, [
            *_column_values(person, defaults=defaults), person.emails[0] if person.emails else None,
            _to_json(person.niches), _to_json(person.custom), self.moment, influencer_id])
        self.db.conn.executemany("INSERT OR IGNORE INTO influencer_emails (email, influencer_id) VALUES (?, ?)",
                                 ((email, influencer_id) for email in person.emails))

    def merged_history(self, touched: dict[int, tuple[str, frozenset[str], tuple[str, ...]]]) -> None:
        """One "merged" history line per stored person the file changed, naming every field it changed."""
        self.db.conn.executemany(
            "INSERT INTO influencer_activity (influencer_id, kind, detail, at) VALUES (?, ?, ?, ?)",
            ((influencer_id, "merged", f"{self.source_name} from {where}: {', '.join(changes)}", self.moment)
             for influencer_id, (where, _, changes) in touched.items() if changes))

    def _drop_unread_indexes(self) -> None:
        for _, name, unique, origin, _ in self.db.execute("PRAGMA index_list(influencers)").fetchall():
            if origin == "c" and not unique:
                sql = self.db.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?",
                                      [name]).fetchone()[0]
                self.db.execute(f'DROP INDEX "{name}"')
                self._dropped_indexes.append(sql)

    def close(self) -> None:
        """Put the full-text insert trigger and the dropped indexes back."""
        if self._trigger is not None:
            self.db.execute(self._trigger)
            self._trigger = None
        for sql in self._dropped_indexes:
            self.db.execute(sql)
        self._dropped_indexes.clear()
