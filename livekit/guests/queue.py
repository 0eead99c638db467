"""The guest queue over the workspace database: every change validated by the core, then written atomically.

Which show a guest belongs to: the ``show`` column holds the show's key, ``#<show id> <title>``
(:func:`livekit.storage.shows.show_key`), unique per run of a rundown. A guest added without a show
(``show=None``) is booked for "the next show": :meth:`GuestQueue.claim_for_show` moves such guests into
the show that starts. A rundown segment's ``guest`` (a name) is matched to the
queue by name (case- and space-insensitive); :meth:`GuestQueue.ensure_rundown_guests` creates missing
ones as *confirmed*.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Callable, Iterable
from typing import Any, cast

import sqlite_utils

from livekit.core.clock import wall_clock_ms
from livekit.guests.core import (
    ACTIVE_STATUSES,
    EDITABLE_FIELDS,
    GuestError,
    GuestStatus,
    UnknownGuest,
    check_transition,
    clean_fields,
    closing_status,
    lower_third_text,
    next_statuses,
    normalise_name,
    parse_status,
    reorder,
)

Clock = Callable[[], int]



class GuestQueue:
    """Guests of shows and their appearance log. Use one instance per thread (sqlite3 connections are)."""

    def __init__(self, db: sqlite_utils.Database, *, clock: Clock = wall_clock_ms, appearance_log: bool = True) -> None:
        """``appearance_log=False`` (a rehearsal) changes statuses as usual but writes nothing to the
        permanent appearance log: a test run is not an appearance."""
        self.db = db
        self.clock = clock
        self.appearance_log = appearance_log

    # -- reading ---------------------------------------------------------------------------------

    def get(self, guest_id: int) -> dict[str, Any]:
        rows = self._guests("SELECT * FROM guests WHERE id = ?", [guest_id])
        if not rows:
            raise UnknownGuest(f"no guest with id {guest_id}")
        return rows[0]

    def list(self, show: str | None) -> builtins.list[dict[str, Any]]:
        """Guests of one show (``None``: booked for the next show) in queue order."""
        return self._guests("SELECT * FROM guests WHERE show IS ? ORDER BY position, id", [show])

    def booked_by(self, member: str) -> builtins.list[dict[str, Any]]:
        """Guests ``member`` booked who are still coming, in every show ("the next show" first, then by show
        key and queue order)."""
        statuses = sorted(status.value for status in ACTIVE_STATUSES)
        marks = ", ".join("?" for _ in statuses)
        return self._guests(
            f"SELECT * FROM guests WHERE booked_by = ? AND status IN ({marks}) "  # noqa: S608 - marks only
            "ORDER BY show IS NOT NULL, show, position, id",
            [member, *statuses],
        )

    def on_air(self, show: str | None) -> dict[str, Any] | None:
        """The guest who went on air most recently and still is, or None."""
        rows = self._guests(
            "SELECT * FROM guests WHERE show IS ? AND status = 'on_air' "
            "ORDER BY status_changed_ms DESC, id DESC LIMIT 1",
            [show],
        )
        return rows[0] if rows else None

    def lower_third(self, show: str | None) -> str:
        """Lower-third text for the guest on air (``Jane Doe (she/her) — CEO, Acme``), or ``""``."""
        return lower_third_text(self.on_air(show))

    def log(
        self,
        *,
        show: str | None = None,
        guest: str | None = None,
        since_ms: int | None = None,
        until_ms: int | None = None,
        influencer_id: int | None = None,
    ) -> builtins.list[dict[str, Any]]:
        """The permanent appearance log, oldest first; ``guest`` matches a name, case-insensitively,
        ``influencer_id`` keeps the appearances of guests booked from that outreach record."""
        clauses: builtins.list[str] = []
        params: builtins.list[Any] = []
        if influencer_id is not None:
            clauses.append("influencer_id = ?")
            params.append(influencer_id)
        if show is not None:
            clauses.append("show = ?")
            params.append(show)
        if guest is not None:
            clauses.append("guest_name LIKE ? ESCAPE '\\'")
            escaped = guest.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params.append(f"%{escaped}%")
        if since_ms is not None:
            clauses.append("on_air_ms >= ?")
            params.append(since_ms)
        if until_ms is not None:
            clauses.append("on_air_ms < ?")
            params.append(until_ms)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        cursor = self.db.execute(
            f"SELECT * FROM guest_appearances {where} ORDER BY on_air_ms, id",  # noqa: S608 - fixed clauses
            params,
        )
        columns = [column[0] for column in cursor.description]
        entries = []
        for row in cursor.fetchall():
            entry = dict(zip(columns, row, strict=True))
            off_air = entry["off_air_ms"]
            entry["duration_ms"] = None if off_air is None else off_air - entry["on_air_ms"]
            entries.append(entry)
        return entries

    # -- changing --------------------------------------------------------------------------------

    def add(
        self, show: str | None, *, status: GuestStatus | str = GuestStatus.INVITED, **fields: Any
    ) -> dict[str, Any]:
        """Add a guest at the end of the show's queue (``show=None``: the next show)."""
        cleaned = clean_fields(fields, require_name=True)
        initial = parse_status(status)
        if initial not in (GuestStatus.INVITED, GuestStatus.CONFIRMED, GuestStatus.IN_GREEN_ROOM):
            raise GuestError(
                f"a new guest starts as invited, confirmed or in_green_room, not {initial.value}"
            )
        now = self.clock()
        row = {
            "show": show,
            "status": initial.value,
            "status_changed_ms": now,
            "created_ms": now,
            **{key: value for key, value in cleaned.items() if key != "talking_points"},
            "talking_points": json.dumps(cleaned.get("talking_points", []), ensure_ascii=False),
        }
        with self.db.atomic():
            row["position"] = self._next_position(show)
            columns = ", ".join(row)
            marks = ", ".join("?" for _ in row)
            cursor = self.db.execute(
                f"INSERT INTO guests ({columns}) VALUES ({marks})",  # noqa: S608 - columns are ours
                list(row.values()),
            )
        return self.get(cast(int, cursor.lastrowid))  # a successful INSERT always has a rowid

    def update(self, guest_id: int, **fields: Any) -> dict[str, Any]:
        """Change a guest's details (not the status: see :meth:`set_status`)."""
        cleaned = clean_fields(fields, require_name=False)
        self.get(guest_id)
        if not cleaned:
            return self.get(guest_id)
        if "talking_points" in cleaned:
            cleaned["talking_points"] = json.dumps(cleaned["talking_points"], ensure_ascii=False)
        assignments = ", ".join(f"{key} = ?" for key in cleaned)
        with self.db.atomic():
            self.db.execute(
                f"UPDATE guests SET {assignments} WHERE id = ?",  # noqa: S608 - keys validated by the core
                [*cleaned.values(), guest_id],
            )
        return self.get(guest_id)

    def set_status(
        self, guest_id: int, status: GuestStatus | str, at_ms: int | None = None, *, segment: str = ""
    ) -> dict[str, Any]:
        """Move a guest to ``status``; going on air opens an appearance (``segment``: the title of the segment
        live at that moment, kept in the log), leaving the air closes it."""
        guest = self.get(guest_id)
        target = check_transition(guest["status"], status)
        at_ms = self.clock() if at_ms is None else at_ms
        with self.db.atomic():
            self.db.execute(
                "UPDATE guests SET status = ?, status_changed_ms = ? WHERE id = ?",
                [target.value, at_ms, guest_id],
            )
            if guest["status"] == GuestStatus.ON_AIR and self.appearance_log:
                self.db.execute(
                    "UPDATE guest_appearances SET off_air_ms = ? WHERE guest_id = ? AND off_air_ms IS NULL",
                    [max(at_ms, 0), guest_id],
                )
            if target == GuestStatus.ON_AIR and self.appearance_log:
                self.db.execute(
                    "INSERT INTO guest_appearances (show, guest_id, guest_name, pronouns, title_or_handle,"
                    " topic, booked_by, on_air_ms, segment, influencer_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        guest["show"],
                        guest_id,
                        guest["name"],
                        guest["pronouns"],
                        guest["title_or_handle"],
                        guest["topic"],
                        guest["booked_by"],
                        at_ms,
                        segment,
                        guest["influencer_id"],
                    ],
                )
        return self.get(guest_id)

    def check_in(self, guest_id: int, at_ms: int | None = None) -> dict[str, Any]:
        """The guest has arrived: they wait in the green room."""
        return self.set_status(guest_id, GuestStatus.IN_GREEN_ROOM, at_ms)

    def move(self, guest_id: int, position: int) -> builtins.list[dict[str, Any]]:
        """Put a guest at ``position`` (0-based) in their show's queue; returns the new queue."""
        show = self.get(guest_id)["show"]
        ids = [guest["id"] for guest in self.list(show)]
        order = reorder(ids, guest_id, position)
        with self.db.atomic():
            for index, each_id in enumerate(order):
                self.db.execute("UPDATE guests SET position = ? WHERE id = ?", [index, each_id])
        return self.list(show)

    def reassign(self, guest_id: int, show: str | None) -> dict[str, Any]:
        """Move a guest who is still coming to another show's queue (at its end); a guest on air or whose
        show is over stays where they are."""
        guest = self.get(guest_id)
        if guest["status"] not in ACTIVE_STATUSES or guest["status"] == GuestStatus.ON_AIR:
            raise GuestError(f"guest {guest['name']!r} is {guest['status'].replace('_', ' ')}: only a guest "
                             "still coming can move to another show")
        with self.db.atomic():
            self.db.execute("UPDATE guests SET show = ?, position = ? WHERE id = ?",
                            [show, self._next_position(show), guest_id])
        return self.get(guest_id)

    def remove(self, guest_id: int) -> None:
        """Delete a guest who never went on air; their appearances stay in the log."""
        guest = self.get(guest_id)
        if guest["status"] == GuestStatus.ON_AIR:
            raise GuestError(f"guest {guest['name']!r} is on air: take them off air first")
        with self.db.atomic():
            self.db.execute("DELETE FROM guests WHERE id = ?", [guest_id])

    def annotate_appearance(self, appearance_id: int, notes: str) -> None:
        """Add the team's notes to one logged appearance (how it went, follow-ups)."""
        cleaned = clean_fields({"notes": notes}, require_name=False)["notes"]
        with self.db.atomic():
            cursor = self.db.execute(
                "UPDATE guest_appearances SET notes = ? WHERE id = ?", [cleaned, appearance_id]
            )
        if cursor.rowcount == 0:
            raise GuestError(f"no guest appearance with id {appearance_id}")

    def claim_for_show(self, show: str, *, scheduled: str | None = None) -> builtins.list[dict[str, Any]]:
        """Move guests booked for "the next show" (and still coming) into ``show``, and those booked for the
        ``scheduled`` show's key (`livekit schedule`) when the run is that show; returns its queue."""
        waiting = [guest for guest in self._booked(scheduled) if guest["status"] in ACTIVE_STATUSES]
        with self.db.atomic():
            position = self._next_position(show)
            for offset, guest in enumerate(waiting):
                self.db.execute(
                    "UPDATE guests SET show = ?, position = ? WHERE id = ?",
                    [show, position + offset, guest["id"]],
                )
        return self.list(show)

    def _booked(self, scheduled: str | None) -> builtins.list[dict[str, Any]]:
        """Guests booked ahead: for "the next show", then for the scheduled show ``scheduled`` if given."""
        return self.list(None) + (self.list(scheduled) if scheduled is not None else [])

    def copy_booked_into(self, show: str, *, scheduled: str | None = None) -> builtins.list[dict[str, Any]]:
        """Copy guests booked for "the next show" or the ``scheduled`` show (and still coming) into ``show``,
        leaving the bookings in place: a rehearsal sees the real guests without using them up. Returns
        ``show``'s queue."""
        waiting = [guest for guest in self._booked(scheduled) if guest["status"] in ACTIVE_STATUSES
                   and guest["status"] != GuestStatus.ON_AIR]
        with self.db.atomic():
            for guest in waiting:
                fields = {key: guest[key] for key in EDITABLE_FIELDS}
                self.add(show, status=guest["status"], **fields)
        return self.list(show)

    def close_show(self, show: str, *, rundown_names: Iterable[str], aired_names: Iterable[str],
                   at_ms: int) -> builtins.list[dict[str, Any]]:
        """The show ended at ``at_ms``: every guest goes off air (their log entry gets its off-air time),
        rundown guests end done or no-show (see :func:`livekit.guests.core.closing_status`).

        ``aired_names``: the guests of rundown segments that aired. A guest with a logged appearance in
        this show counts as having appeared too (someone put on air by hand). Returns the show's queue.
        """
        in_rundown = {normalise_name(name) for name in rundown_names}
        aired = {normalise_name(name) for name in aired_names}
        logged = {row[0] for row in self.db.execute(
            "SELECT DISTINCT guest_id FROM guest_appearances WHERE show = ?", [show]).fetchall()}
        with self.db.atomic():
            for guest in self.list(show):
                name = normalise_name(guest["name"])
                target = closing_status(guest["status"], appeared=guest["id"] in logged or name in aired,
                                        in_rundown=name in in_rundown)
                if target is not None:
                    self.set_status(guest["id"], target, at_ms)
        return self.list(show)

    def ensure_rundown_guests(self, show: str, names: Iterable[str]) -> builtins.list[dict[str, Any]]:
        """Match a rundown's guest names to the show's queue, adding missing ones as confirmed.

        Returns the matched guests in rundown order (each name once).
        """
        by_name = {normalise_name(guest["name"]): guest for guest in self.list(show)}
        matched: builtins.list[dict[str, Any]] = []
        seen: set[str] = set()
        for name in names:
            key = normalise_name(name or "")
            if not key or key in seen:
                continue
            seen.add(key)
            guest = by_name.get(key)
            if guest is None:
                guest = self.add(show, status=GuestStatus.CONFIRMED, name=" ".join(name.split()))
                by_name[key] = guest
            matched.append(guest)
        return matched

    # -- helpers ---------------------------------------------------------------------------------

    def _next_position(self, show: str | None) -> int:
        row = self.db.execute("SELECT MAX(position) FROM guests WHERE show IS ?", [show]).fetchone()
        return 0 if row[0] is None else row[0] + 1

    def _guests(self, sql: str, params: builtins.list[Any]) -> builtins.list[dict[str, Any]]:
        cursor = self.db.execute(sql, params)
        columns = [column[0] for column in cursor.description]
        guests = []
        for row in cursor.fetchall():
            guest = dict(zip(columns, row, strict=True))
            guest["talking_points"] = json.loads(guest["talking_points"] or "[]")
            guest["lower_third"] = lower_third_text(guest)
            guest["next_statuses"] = next_statuses(guest["status"])
            guests.append(guest)
        return guests
