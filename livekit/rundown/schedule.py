"""A rundown's schedule keys (``starts_at``, ``timezone``, ``ends_at``, ``hard_out``, and where guests join:
``join_url``, ``location``), shared by the YAML and CSV formats: read with each key's line so a mistake is reported as ``file:line``, and written back."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from livekit.core.durations import format_clock
from livekit.core.rundown import Rundown
from livekit.core.schedule import (
    ScheduleError,
    ShowPlan,
    check_planned_moment,
    hard_out_after,
    parse_clock_time,
    parse_join_url,
    parse_local_datetime,
    parse_location,
    time_zone,
    to_utc_ms,
)

__all__ = ["JOIN_KEYS", "SCHEDULE_KEYS", "ScheduleFields", "join_from_fields", "schedule_fields",
           "schedule_from_fields"]

#: Where the show is joined: independent of its time (a rundown scheduled with ``--at`` keeps them).
JOIN_KEYS = ("join_url", "location")
SCHEDULE_KEYS = ("starts_at", "timezone", "ends_at", "hard_out", *JOIN_KEYS)


@dataclass(frozen=True)
class ScheduleFields:
    """The schedule keys a file gave: key -> (text, or None when empty, line)."""

    values: Mapping[str, tuple[str | None, int | None]]
    #: Where the show starts in the file, for a problem that belongs to no one key.
    show_line: int | None = None

    def text(self, key: str) -> str | None:
        return self.values[key][0] if key in self.values else None

    def line(self, key: str) -> int | None:
        return self.values[key][1] if key in self.values else self.show_line


def _local_ms(text: str, zone: str) -> int:
    return to_utc_ms(parse_local_datetime(text), zone)


def schedule_from_fields(fields: ScheduleFields, planned_total_ms: int,
                         problem: Callable[[int | None, str], None]) -> ShowPlan | None:
    """The plan the keys describe (None when there is none), reporting each mistake through ``problem``."""
    if not any(key not in JOIN_KEYS for key in fields.values):
        return None
    starts_at, zone = fields.text("starts_at"), fields.text("timezone")
    if starts_at is None:
        for key in ("timezone", "ends_at", "hard_out"):
            if key in fields.values:
                problem(fields.line(key), f"{key} needs starts_at (when the show is planned to start)")
        return None
    if zone is None:
        problem(fields.line("starts_at"), "starts_at needs timezone (an IANA name such as Europe/Paris)")
        return None
    try:
        time_zone(zone)
    except ScheduleError as error:
        problem(fields.line("timezone"), f"bad timezone: {error}")
        return None
    try:
        start = _local_ms(starts_at, zone)
    except ScheduleError as error:
        problem(fields.line("starts_at"), f"bad starts_at: {error}")
        return None
    end = start + planned_total_ms
    ends_at = fields.text("ends_at")
    if ends_at is not None:
        try:
            end = _local_ms(ends_at, zone)
        except ScheduleError as error:
            problem(fields.line("ends_at"), f"bad ends_at: {error}")
            return None
        if end <= start:
            problem(fields.line("ends_at"), f"ends_at ({ends_at}) must be after starts_at ({starts_at})")
            return None
    else:
        try:
            check_planned_moment(end, zone, "end")
        except ScheduleError as error:
            problem(fields.line("starts_at"), f"bad starts_at: {error} (the segments last {format_clock(planned_total_ms)})")
            return None
    hard_out_ms = None
    hard_out = fields.text("hard_out")
    if hard_out is not None:
        try:
            if ":" in hard_out and "-" not in hard_out:
                hard_out_ms = hard_out_after(start, zone, parse_clock_time(hard_out))
            else:
                hard_out_ms = _local_ms(hard_out, zone)
        except ScheduleError as error:
            problem(fields.line("hard_out"), f"bad hard_out: {error}")
            return None
    try:
        return ShowPlan(start, end, zone.strip(), hard_out_ms)
    except ScheduleError as error:
        problem(fields.line("hard_out" if hard_out is not None else "ends_at"), str(error))
        return None


def join_from_fields(fields: ScheduleFields, problem: Callable[[int | None, str], None]
                     ) -> tuple[str | None, str | None]:
    """``(join_url, location)`` as the keys give them (None when absent), reporting each mistake."""
    found: list[str | None] = []
    for key, parse in (("join_url", parse_join_url), ("location", parse_location)):
        text = fields.text(key)
        try:
            found.append(None if text is None else parse(text))
        except ScheduleError as error:
            problem(fields.line(key), f"bad {key}: {error}")
            found.append(None)
    return found[0], found[1]


def _written(moment: datetime.datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}" if moment.second else f"{moment:%Y-%m-%d %H:%M}"


def schedule_fields(rundown: Rundown) -> dict[str, str]:
    """The schedule keys as people write them (only the join keys given for an unscheduled rundown);
    ``ends_at`` only when it is not simply the start plus the segments' total."""
    joined = {key: value for key, value in (("join_url", rundown.join_url), ("location", rundown.location))
              if value is not None}
    plan = rundown.schedule
    if plan is None:
        return joined
    fields = {"starts_at": _written(plan.local_start()), "timezone": plan.timezone}
    if plan.ends_at_ms != plan.starts_at_ms + rundown.planned_total_ms:
        fields["ends_at"] = _written(plan.local_end())
    hard_out = plan.local_hard_out()
    if hard_out is not None:
        fields["hard_out"] = _written(hard_out)
    return fields | joined
