"""The guest appearance log as CSV or JSON for the team (times in UTC ISO 8601 and epoch ms)."""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Iterable, Mapping
from typing import Any

from greenroom.text import spreadsheet_safe

LOG_COLUMNS = (
    "show", "segment", "guest", "influencer", "pronouns", "title_or_handle", "topic", "booked_by", "on_air", "off_air",
    "duration_s", "notes",
)


def influencer_label(influencer_id: int | None) -> str:
    """How the log names the outreach influencer a guest was booked from (``influencer #12``), or ``""``."""
    return "" if influencer_id is None else f"influencer #{influencer_id}"


def iso_utc(ms: int | None) -> str:
    if ms is None:
        return ""
    return datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.UTC).isoformat(timespec="seconds")


def log_rows(entries: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One flat, human-readable row per appearance (``off_air`` empty while still on air)."""
    return [
        {
            "show": entry["show"] or "",
            "segment": entry["segment"],
            "guest": entry["guest_name"],
            "influencer": influencer_label(entry["influencer_id"]),
            "pronouns": entry["pronouns"],
            "title_or_handle": entry["title_or_handle"],
            "topic": entry["topic"],
            "booked_by": entry["booked_by"],
            "on_air": iso_utc(entry["on_air_ms"]),
            "off_air": iso_utc(entry["off_air_ms"]),
            "duration_s": "" if entry["duration_ms"] is None else round(entry["duration_ms"] / 1000),
            "notes": entry["notes"],
        }
        for entry in entries
    ]


def log_csv(entries: Iterable[Mapping[str, Any]]) -> str:
    output = io.StringIO(newline="")
    writer = csv.DictWriter(output, fieldnames=LOG_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in log_rows(entries):
        writer.writerow({key: spreadsheet_safe(value) for key, value in row.items()})
    return output.getvalue()


def log_json(entries: Iterable[Mapping[str, Any]]) -> str:
    """Every stored field (epoch ms included) plus the ISO times."""
    items = [
        {**dict(entry), "on_air": iso_utc(entry["on_air_ms"]), "off_air": iso_utc(entry["off_air_ms"])}
        for entry in entries
    ]
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


BOOKING_COLUMNS = ("at", "guest_id", "influencer", "change", "from_show", "to_show", "booked_by")


def booking_rows(changes: Iterable[Any]) -> list[dict[str, Any]]:
    """One flat row per booking change (:class:`livekit.guests.booking.BookingChange`); a show of None is
    "the next show"."""
    return [
        {
            "at": iso_utc(change.at_ms),
            "guest_id": change.guest_id,
            "influencer": influencer_label(change.influencer_id),
            "change": change.change,
            "from_show": "" if change.change == "booked" else change.from_show or "the next show",
            "to_show": "" if change.change == "cancelled" else change.to_show or "the next show",
            "booked_by": change.booked_by,
        }
        for change in changes
    ]


def bookings_csv(changes: Iterable[Any]) -> str:
    output = io.StringIO(newline="")
    writer = csv.DictWriter(output, fieldnames=BOOKING_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in booking_rows(changes):
        writer.writerow({key: spreadsheet_safe(value) for key, value in row.items()})
    return output.getvalue()


def bookings_json(changes: Iterable[Any]) -> str:
    return json.dumps(booking_rows(changes), ensure_ascii=False, indent=2) + "\n"
