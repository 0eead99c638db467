"""Scheduled shows: when a show is planned to start and end, in which time zone, and its hard out. No I/O.

People plan shows in local time ("Thursday 18:00 in Paris"); the database, the pages and the calendar feed
work in UTC epoch milliseconds plus the IANA zone name, so a show stays at 18:00 Paris time whatever the
machine's zone, and a daylight-saving change between now and the show moves nothing. A local time that does
not exist (02:30 on a spring-forward night) or happens twice (02:30 on a fall-back night) is refused with
a message that says so, never silently shifted by an hour.

The countdown and expected-end math take ``now_ms`` from the caller (the injected clock of
:mod:`livekit.core.clock`); the browser pages do the same arithmetic on the server-synced clock.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "EARLIEST_YEAR",
    "LATEST_YEAR",
    "LOCAL_TIME_HELP",
    "PLANNED_YEARS",
    "MAX_JOIN_URL_CHARS",
    "MAX_LOCATION_CHARS",
    "RUN_GRACE_MS",
    "ScheduleError",
    "ScheduleStatus",
    "ScheduledShow",
    "ShowPlan",
    "check_planned_moment",
    "expected_end_ms",
    "hard_out_after",
    "local_time",
    "next_scheduled",
    "parse_clock_time",
    "parse_join_url",
    "parse_local_datetime",
    "parse_location",
    "plan_show",
    "refuse_past_start",
    "schedule_for_run",
    "schedule_key",
    "time_zone",
    "to_utc_ms",
    "upcoming",
]

LOCAL_TIME_HELP = "a local date and time such as '2026-12-10 18:00'"
#: Shows are planned within these years (local time, both included). A date far outside is a typo, and
#: a time past 9999 cannot even be shown (``datetime`` stops there): bounding it keeps every listing,
#: calendar feed and invite of a planned show printable.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
PLANNED_YEARS = f"the years {EARLIEST_YEAR}–{LATEST_YEAR}"
#: The same bounds in epoch ms, a day wider on each side so that every zone's local times fit inside.
_EARLIEST_MS = int(datetime.datetime(EARLIEST_YEAR - 1, 12, 31, tzinfo=datetime.UTC).timestamp()) * 1000
_LATEST_MS = int(datetime.datetime(LATEST_YEAR + 1, 1, 2, tzinfo=datetime.UTC).timestamp()) * 1000
_CLOCK_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_MS = 1000
#: A join link goes into guests' emails and calendar invites: long enough for any meeting link, no longer.
MAX_JOIN_URL_CHARS = 2000
#: A location is one line of a calendar event ("Studio 2, 12 rue Oberkampf, Paris").
MAX_LOCATION_CHARS = 200
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: A join link is written as ``<url>`` in emails (a Markdown autolink): these would end it early.
_NOT_IN_JOIN_URL = re.compile(r"[\s<>\"]")


class ScheduleError(ValueError):
    """A planned time that cannot be used; the message is fit for a ``file:line:`` report or the terminal."""


class ScheduleStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


def time_zone(name: str) -> ZoneInfo:
    """The IANA zone ``name`` (``Europe/Paris``); a ScheduleError names the mistake otherwise."""
    cleaned = name.strip()
    try:
        if not cleaned:
            raise ValueError
        return ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"unknown time zone {name!r}: use an IANA name such as Europe/Paris or "
                            "America/New_York") from None


def parse_local_datetime(text: str) -> datetime.datetime:
    """A naive local date and time from ``2026-12-10 18:00`` (or ``T``, or with seconds). An offset such as
    ``+01:00`` is refused: the zone comes from ``timezone``/``--tz``, so the two can never disagree."""
    cleaned = text.strip()
    try:
        value = datetime.datetime.fromisoformat(cleaned)
    except ValueError:
        raise ScheduleError(f"{text!r} is not {LOCAL_TIME_HELP}") from None
    if value.tzinfo is not None:
        raise ScheduleError(f"{text!r} has a UTC offset: give the local time only, the time zone separately")
    if not re.search(r"\d[T ]\d", cleaned):
        raise ScheduleError(f"{text!r} has no time of day: expected {LOCAL_TIME_HELP}")
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ScheduleError(f"{text!r} is not in {PLANNED_YEARS}: shows are planned within them")
    return value


def parse_clock_time(text: str) -> datetime.time:
    """``HH:MM`` (24-hour), as a hard out is written."""
    match = _CLOCK_TIME.fullmatch(text.strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ScheduleError(f"{text!r} is not a time of day such as 19:30 (24-hour HH:MM)")
    return datetime.time(int(match.group(1)), int(match.group(2)))


def parse_join_url(text: str) -> str | None:
    """Where guests and the team join the show (a video call, the studio's page): an http(s) link of at most
    :data:`MAX_JOIN_URL_CHARS` characters, or None for an empty text (no link). It goes into emails and
    calendar invites, so anything else (another scheme, spaces, control characters) is refused here, when it
    is given, rather than silently left out of an invite later."""
    cleaned = text.strip()
    if not cleaned:
        return None
    if len(cleaned) > MAX_JOIN_URL_CHARS:
        raise ScheduleError(f"the join link is {len(cleaned)} characters long: at most {MAX_JOIN_URL_CHARS}")
    parts = urlsplit(cleaned)
    if (parts.scheme.lower() not in ("http", "https") or not parts.netloc
            or _CONTROL_CHARACTERS.search(cleaned) or _NOT_IN_JOIN_URL.search(cleaned)):
        raise ScheduleError(f"{text!r} is not a join link: expected an http(s) address such as "
                            "https://meet.example.com/weekly-qa (no spaces, quotes or angle brackets)")
    return cleaned


def parse_location(text: str) -> str | None:
    """Where the show happens, as one line of at most :data:`MAX_LOCATION_CHARS` characters (None for an
    empty text). Control characters, line breaks included, are refused: the location is a calendar field
    and an email line."""
    if _CONTROL_CHARACTERS.search(text.strip()):
        raise ScheduleError("the location must be one line of text (no line breaks or control characters)")
    cleaned = text.strip()
    if len(cleaned) > MAX_LOCATION_CHARS:
        raise ScheduleError(f"the location is {len(cleaned)} characters long: at most {MAX_LOCATION_CHARS}")
    return cleaned or None


def to_utc_ms(local: datetime.datetime, zone_name: str) -> int:
    """Epoch ms of the naive ``local`` time in ``zone_name``, refusing a time the clocks skip or repeat."""
    zone = time_zone(zone_name)
    earlier, later = local.replace(tzinfo=zone, fold=0), local.replace(tzinfo=zone, fold=1)
    shown = f"{local:%Y-%m-%d %H:%M}"
    if earlier.utcoffset() != later.utcoffset():
        round_trips = earlier.astimezone(datetime.UTC).astimezone(zone).replace(tzinfo=None) == local
        if round_trips:
            raise ScheduleError(
                f"{shown} happens twice in {zone.key} (the clocks go back that night): "
                "pick a time outside that hour"
            )
        raise ScheduleError(
            f"{shown} does not exist in {zone.key} (the clocks jump forward that night): pick another time"
        )
    return int(earlier.timestamp() * _MS)


def local_time(epoch_ms: int, zone_name: str) -> datetime.datetime:
    """The aware local time of ``epoch_ms`` in ``zone_name``; a ScheduleError for a moment far outside
    :data:`PLANNED_YEARS` (which ``datetime`` may not even represent)."""
    if side := _outside_years(epoch_ms):
        raise ScheduleError(f"a time {side} (epoch {epoch_ms} ms) is not in {PLANNED_YEARS}")
    return datetime.datetime.fromtimestamp(epoch_ms / _MS, tz=time_zone(zone_name))


def _outside_years(epoch_ms: int) -> str | None:
    """Which side of :data:`PLANNED_YEARS` a moment far outside them is on ("before 2000", "after 2100"),
    or None for one near enough to compute its local date."""
    if epoch_ms < _EARLIEST_MS:
        return f"before {EARLIEST_YEAR}"
    return f"after {LATEST_YEAR}" if epoch_ms > _LATEST_MS else None


def check_planned_moment(epoch_ms: int, zone_name: str, what: str) -> None:
    """Refuse ``epoch_ms`` (the show's ``what``: "start", "end", "hard out") unless its local date in
    ``zone_name`` is in :data:`PLANNED_YEARS`; the ScheduleError says when it would be."""
    if side := _outside_years(epoch_ms):
        raise ScheduleError(f"the show's {what} would be {side}: plan shows within {PLANNED_YEARS}")
    moment = local_time(epoch_ms, zone_name)
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise ScheduleError(f"the show's {what} would be {moment:%Y-%m-%d %H:%M} ({zone_name}): plan shows "
                            f"within {PLANNED_YEARS}")


def hard_out_after(starts_at_ms: int, zone_name: str, clock_time: datetime.time) -> int:
    """The first ``clock_time`` (local, in ``zone_name``) after the start: 19:30 for a show at 18:00 is
    the same evening; 00:30 is the night after."""
    start = local_time(starts_at_ms, zone_name).replace(tzinfo=None)
    candidate = datetime.datetime.combine(start.date(), clock_time)
    if candidate <= start:
        candidate += datetime.timedelta(days=1)
    return to_utc_ms(candidate, zone_name)


@dataclass(frozen=True)
class ShowPlan:
    """When a show is planned: start and end in epoch ms (UTC), its IANA zone, and an optional hard out
    (the moment it must be off air, whatever happens)."""

    starts_at_ms: int
    ends_at_ms: int
    timezone: str
    hard_out_ms: int | None = None

    def __post_init__(self) -> None:
        time_zone(self.timezone)
        for what, epoch_ms in (("start", self.starts_at_ms), ("end", self.ends_at_ms),
                               ("hard out", self.hard_out_ms)):
            if epoch_ms is not None:
                check_planned_moment(epoch_ms, self.timezone, what)
        if self.ends_at_ms <= self.starts_at_ms:
            raise ScheduleError(f"the show must end after it starts ({self._local(self.starts_at_ms)}), "
                                f"not at {self._local(self.ends_at_ms)}")
        if self.hard_out_ms is not None and self.hard_out_ms < self.ends_at_ms:
            raise ScheduleError(f"the show is planned to end at {self._local(self.ends_at_ms)}, after its hard out "
                                f"{self._local(self.hard_out_ms)}: shorten the rundown or move the hard out")

    def _local(self, epoch_ms: int) -> str:
        return f"{local_time(epoch_ms, self.timezone):%Y-%m-%d %H:%M}"

    @property
    def duration_ms(self) -> int:
        return self.ends_at_ms - self.starts_at_ms

    def local_start(self) -> datetime.datetime:
        return local_time(self.starts_at_ms, self.timezone)

    def local_end(self) -> datetime.datetime:
        return local_time(self.ends_at_ms, self.timezone)

    def local_hard_out(self) -> datetime.datetime | None:
        return None if self.hard_out_ms is None else local_time(self.hard_out_ms, self.timezone)

    def starts_in_ms(self, now_ms: int) -> int:
        """How long until the planned start (negative once it has passed): the "Starting in" countdown."""
        return self.starts_at_ms - now_ms

    def hard_out_in_ms(self, now_ms: int) -> int | None:
        """How long until the hard out (negative: past it)."""
        return None if self.hard_out_ms is None else self.hard_out_ms - now_ms

    def moved_to(self, starts_at_ms: int, timezone: str | None = None, *,
                 hard_out: datetime.time | None = None) -> ShowPlan:
        """The same show at another start: same length, same zone unless given, and a hard out at the same
        local clock time (or ``hard_out``) after the new start (the venue still closes at 20:00, DST or not)."""
        zone = timezone or self.timezone
        local_hard_out = self.local_hard_out()
        clock_time = hard_out or (None if local_hard_out is None else local_hard_out.time())
        hard_out_ms = None if clock_time is None else hard_out_after(starts_at_ms, zone, clock_time)
        return ShowPlan(starts_at_ms, starts_at_ms + self.duration_ms, zone, hard_out_ms)

    def with_hard_out(self, clock_time: datetime.time) -> ShowPlan:
        """The same plan with its hard out at ``clock_time`` (local), the first after the start."""
        return ShowPlan(self.starts_at_ms, self.ends_at_ms, self.timezone,
                        hard_out_after(self.starts_at_ms, self.timezone, clock_time))

    def to_dict(self) -> dict[str, int | str | None]:
        return {"starts_at_ms": self.starts_at_ms, "ends_at_ms": self.ends_at_ms, "timezone": self.timezone,
                "hard_out_ms": self.hard_out_ms}

    @classmethod
    def from_dict(cls, data: dict[str, int | str | None]) -> ShowPlan:
        hard_out = data.get("hard_out_ms")
        return cls(int(data["starts_at_ms"] or 0), int(data["ends_at_ms"] or 0), str(data["timezone"]),
                   None if hard_out is None else int(hard_out))


def plan_show(starts_at: str, timezone: str, *, planned_total_ms: int, ends_at: str | None = None,
              hard_out: str | None = None) -> ShowPlan:
    """A plan from what people write: local start, zone, and optionally a local end (default: start plus
    the rundown's total) and a hard out, either ``HH:MM`` (the first such time after the start) or a full
    local date and time."""
    starts_at_ms = to_utc_ms(parse_local_datetime(starts_at), timezone)
    ends_at_ms = (starts_at_ms + planned_total_ms if ends_at is None
                  else to_utc_ms(parse_local_datetime(ends_at), timezone))
    hard_out_ms = None
    if hard_out is not None:
        if _CLOCK_TIME.fullmatch(hard_out.strip()):
            hard_out_ms = hard_out_after(starts_at_ms, timezone, parse_clock_time(hard_out))
        else:
            hard_out_ms = to_utc_ms(parse_local_datetime(hard_out), timezone)
    return ShowPlan(starts_at_ms, ends_at_ms, timezone.strip(), hard_out_ms)


def refuse_past_start(plan: ShowPlan, now_ms: int) -> None:
    """A show cannot be scheduled (or moved) to start before now: that is a typo in the date, not a plan."""
    if plan.starts_at_ms <= now_ms:
        raise ScheduleError(f"{plan.local_start():%Y-%m-%d %H:%M} ({plan.timezone}) is in the past")


def expected_end_ms(*, planned_start_ms: int | None, planned_total_ms: int, now_ms: int,
                    live_expected_end_ms: int | None = None) -> int:
    """When the show is expected to end, as ``/control`` shows it. Live: the show core's expected end (now
    plus what is left, overtime included). Not started yet: the planned start plus the rundown's total, or,
    once the planned start has passed without a start, now plus the total (every second of delay moves
    the end)."""
    if live_expected_end_ms is not None:
        return live_expected_end_ms
    start = now_ms if planned_start_ms is None else max(planned_start_ms, now_ms)
    return start + planned_total_ms


@dataclass(frozen=True)
class ScheduledShow:
    """A show on the team's calendar. ``key`` never changes (guests are booked under it and it is the
    calendar UID); ``sequence`` counts the changes since it was scheduled (a calendar's SEQUENCE)."""

    key: str
    title: str
    plan: ShowPlan
    planned_total_ms: int
    rundown_path: str | None = None
    status: ScheduleStatus = ScheduleStatus.SCHEDULED
    sequence: int = 0
    #: Where guests join (see :func:`parse_join_url`) and where the show is (:func:`parse_location`).
    join_url: str | None = None
    location: str | None = None

    @property
    def cancelled(self) -> bool:
        return self.status is ScheduleStatus.CANCELLED

    def is_upcoming(self, now_ms: int) -> bool:
        """Not over yet: a show that has started but not reached its planned end is still upcoming."""
        return self.plan.ends_at_ms > now_ms

    def to_dict(self) -> dict[str, object]:
        start, end, hard_out = self.plan.local_start(), self.plan.local_end(), self.plan.local_hard_out()
        return {
            "key": self.key,
            "title": self.title,
            "status": self.status.value,
            "sequence": self.sequence,
            "timezone": self.plan.timezone,
            "starts_at": start.isoformat(),
            "ends_at": end.isoformat(),
            "hard_out": None if hard_out is None else hard_out.isoformat(),
            "starts_at_ms": self.plan.starts_at_ms,
            "ends_at_ms": self.plan.ends_at_ms,
            "hard_out_ms": self.plan.hard_out_ms,
            "planned_total_ms": self.planned_total_ms,
            "rundown_path": self.rundown_path,
            "join_url": self.join_url,
            "location": self.location,
        }


def upcoming(shows: Iterable[ScheduledShow], now_ms: int, *, include_cancelled: bool = False) -> list[ScheduledShow]:
    """Shows not over yet, soonest first (cancelled ones only when asked: a calendar must learn of them)."""
    kept = [show for show in shows if show.is_upcoming(now_ms) and (include_cancelled or not show.cancelled)]
    return sorted(kept, key=lambda show: (show.plan.starts_at_ms, show.key))


def next_scheduled(shows: Iterable[ScheduledShow], now_ms: int) -> ScheduledShow | None:
    """The scheduled (not cancelled) show that starts soonest and is not over yet."""
    remaining = upcoming(shows, now_ms)
    return remaining[0] if remaining else None


#: A run of a rundown is its scheduled show until this long after the show's planned end (or hard out): a
#: show that started late, or a resumed one, still counts down to and against its own schedule.
RUN_GRACE_MS = 6 * 3600 * _MS


def schedule_for_run(shows: Iterable[ScheduledShow], rundown_path: str, now_ms: int) -> ScheduledShow | None:
    """Which scheduled show a run of the rundown at ``rundown_path`` is: the soonest, not cancelled one of
    that rundown that is not over by more than :data:`RUN_GRACE_MS`."""
    candidates = [
        show for show in shows
        if show.rundown_path == rundown_path and not show.cancelled
        and max(show.plan.ends_at_ms, show.plan.hard_out_ms or 0) + RUN_GRACE_MS > now_ms
    ]
    return min(candidates, key=lambda show: (show.plan.starts_at_ms, show.key)) if candidates else None


def _slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:40].rstrip("-") or "show"


def schedule_key(title: str, plan: ShowPlan, taken: Iterable[str] = ()) -> str:
    """A readable key for a new scheduled show, e.g. ``2026-12-10-weekly-q-a``: the local date it was first
    planned for and its title, with ``-2``, ``-3``... when two shows would share it. Given once and kept
    when the show moves (it is the guests' booking reference and the calendar's UID)."""
    base = f"{plan.local_start():%Y-%m-%d}-{_slug(title)}"
    used = set(taken)
    key, number = base, 1
    while key in used:
        number += 1
        key = f"{base}-{number}"
    return key
