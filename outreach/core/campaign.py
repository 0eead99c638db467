"""A campaign definition (YAML) turned into checked values; every problem is reported as file:line."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from greenroom.errors import GreenroomError
from outreach.core.sendwindow import WEEKDAYS, SendWindow

STOP_RULES = ("reply", "bounce", "opt_out", "stage_change")
#: A follow-up further away than a year of working days is a typo (and the date arithmetic would overflow).
MAX_BUSINESS_DAYS = 365
_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,79}$")
_AUDIENCE_KEYS = ("niche", "stage", "tags", "kind", "owner", "ids")
_TOP_KEYS = {
    "name", "audience", "sender", "steps", "stop_on", "send_window", "daily_cap",
    "min_gap_minutes", "jitter_minutes", "start", "goal",
}


class CampaignError(GreenroomError):
    """The campaign file is invalid; the message starts with ``file:line:``."""


@dataclass(frozen=True)
class Sender:
    name: str
    address: str


@dataclass(frozen=True)
class Step:
    """One email of the sequence; follow-ups wait ``after_business_days`` after the previous send."""

    number: int
    template: str
    after_business_days: int = 0


@dataclass(frozen=True)
class Audience:
    """Who is enrolled: every given criterion must match (lists mean "any of")."""

    niche: tuple[str, ...] = ()
    stage: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    kind: tuple[str, ...] = ()
    owner: tuple[str, ...] = ()
    ids: tuple[int, ...] = ()

    def matches(self, person: Mapping[str, Any]) -> bool:
        """True when ``person`` (an influencer record: niches, stage, kind, owner, id) is in the audience.

        ``niche`` wants any of the listed niches, ``tags`` wants all of them (both read the niche tags).
        """
        def any_of(wanted: tuple[str, ...], value: Any) -> bool:
            return not wanted or (value or "").casefold() in {w.casefold() for w in wanted}

        niches = {str(n).casefold() for n in (person.get("niches") or ())}
        return (
            any_of(self.stage, person.get("stage"))
            and any_of(self.kind, person.get("kind"))
            and any_of(self.owner, person.get("owner"))
            and (not self.niche or bool(niches & {n.casefold() for n in self.niche}))
            and {t.casefold() for t in self.tags} <= niches
            and (not self.ids or person.get("id") in self.ids)
        )


@dataclass(frozen=True)
class Campaign:
    name: str
    sender: Sender
    steps: tuple[Step, ...]
    window: SendWindow
    audience: Audience = field(default_factory=Audience)
    stop_on: tuple[str, ...] = STOP_RULES
    daily_cap: int = 40
    min_gap: timedelta = timedelta(minutes=15)
    jitter: timedelta = timedelta(minutes=5)
    start: date | None = None
    goal_reply_rate: float | None = None


class _LineLoader(yaml.SafeLoader):
    """Keeps the line of every mapping key so validation can point at it."""


class _Mapping(dict):
    lines: dict[str, int]
    line: int


class _Sequence(list):
    lines: list[int]
    line: int


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _Mapping:
    result = _Mapping()
    result.lines = {}
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> _Sequence:
    result = _Sequence(loader.construct_object(child, deep=True) for child in node.value)
    result.lines = [child.start_mark.line + 1 for child in node.value]
    result.line = node.start_mark.line + 1
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


class _Checker:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, line: int, problem: str) -> CampaignError:
        return CampaignError(f"{self.source}:{line}: {problem}")

    def mapping(self, value: Any, line: int, what: str) -> _Mapping:
        if not isinstance(value, _Mapping):
            raise self.fail(line, f"{what} must be a mapping of settings")
        return value

    def text(self, parent: _Mapping, key: str, *, required: bool = True, default: str = "") -> str:
        if key not in parent:
            if required:
                raise self.fail(parent.line, f"missing required key {key!r}")
            return default
        value = parent[key]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(parent.lines[key], f"{key} must be a non-empty text")
        if "\r" in value or "\n" in value:
            raise self.fail(parent.lines[key], f"{key} must be on one line")
        return value.strip()

    def number(self, parent: _Mapping, key: str, default: float, *, integer: bool, minimum: float = 0) -> Any:
        if key not in parent:
            return default
        value = parent[key]
        ok = isinstance(value, int) if integer else isinstance(value, int | float)
        if isinstance(value, bool) or not ok or value < minimum:
            kind = "a whole number" if integer else "a number"
            raise self.fail(parent.lines[key], f"{key} must be {kind} >= {minimum:g}, got {value!r}")
        return value

    def texts(self, parent: _Mapping, key: str) -> tuple[str, ...]:
        value = parent[key]
        items = value if isinstance(value, list) else [value]
        if not items or not all(isinstance(item, str | int) and not isinstance(item, bool) for item in items):
            raise self.fail(parent.lines[key], f"{key} must be a text or a list of texts")
        return tuple(str(item) for item in items)


def parse_campaign(text: str, source: str) -> Campaign:
    """Parse and validate a campaign; ``source`` (the file name) prefixes every error."""
    check = _Checker(source)
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise check.fail(line, f"not valid YAML: {getattr(error, 'problem', None) or error}") from None
    top = check.mapping(data, 1, "a campaign file")
    for key in top:
        if key not in _TOP_KEYS:
            raise check.fail(top.lines[key], f"unknown key {key!r} (expected one of {', '.join(sorted(_TOP_KEYS))})")

    name = check.text(top, "name")
    if not _NAME_PATTERN.match(name):
        raise check.fail(top.lines["name"], "name may use letters, digits, spaces, '_', '.', '-' (max 80)")

    if "sender" not in top:
        raise check.fail(top.line, "missing required key 'sender'")
    sender_map = check.mapping(top["sender"], top.lines["sender"], "sender")
    address = check.text(sender_map, "address")
    if not re.fullmatch(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+", address):
        raise check.fail(sender_map.lines["address"], f"sender address {address!r} is not an email address")
    sender = Sender(check.text(sender_map, "name"), address)

    if "steps" not in top:
        raise check.fail(top.line, "missing required key 'steps'")
    raw_steps = top["steps"]
    if not isinstance(raw_steps, _Sequence) or not raw_steps:
        raise check.fail(top.lines["steps"], "steps must be a non-empty list")
    steps = []
    for index, (raw, line) in enumerate(zip(raw_steps, raw_steps.lines, strict=True)):
        step_map = check.mapping(raw, line, f"step {index + 1}")
        for key in step_map:
            if key not in ("template", "after_business_days"):
                raise check.fail(step_map.lines[key], f"unknown step key {key!r} (template, after_business_days)")
        wait = check.number(step_map, "after_business_days", 0 if index == 0 else -1, integer=True)
        if index > 0 and wait < 1:
            raise check.fail(step_map.line, f"follow-up step {index + 1} needs after_business_days >= 1")
        if wait > MAX_BUSINESS_DAYS:
            raise check.fail(step_map.lines["after_business_days"],
                             f"after_business_days may be at most {MAX_BUSINESS_DAYS}, got {wait}")
        if index == 0 and wait:
            raise check.fail(step_map.lines["after_business_days"], "the first step is sent at start; "
                             "use 'start' to delay it")
        steps.append(Step(index, check.text(step_map, "template"), wait))

    stop_on = STOP_RULES
    if "stop_on" in top:
        stop_on = check.texts(top, "stop_on")
        for rule in stop_on:
            if rule not in STOP_RULES:
                raise check.fail(top.lines["stop_on"], f"unknown stop rule {rule!r} ({', '.join(STOP_RULES)})")
        for required in ("reply", "bounce", "opt_out"):
            if required not in stop_on:
                raise check.fail(top.lines["stop_on"], f"stop rule {required!r} cannot be turned off")

    window = _parse_window(check, top)
    audience = Audience()
    if "audience" in top:
        audience_map = check.mapping(top["audience"], top.lines["audience"], "audience")
        values: dict[str, tuple[Any, ...]] = {}
        for key in audience_map:
            if key not in _AUDIENCE_KEYS:
                raise check.fail(audience_map.lines[key], f"unknown audience key {key!r} ({', '.join(_AUDIENCE_KEYS)})")
            values[key] = check.texts(audience_map, key)
        if "ids" in values:
            if not all(v.isdigit() for v in values["ids"]):
                raise check.fail(audience_map.lines["ids"], "ids must be influencer ids (numbers)")
            values["ids"] = tuple(int(v) for v in values["ids"])
        audience = Audience(**values)

    start = None
    if "start" in top:
        start = top["start"]
        if not isinstance(start, date):
            raise check.fail(top.lines["start"], f"start must be a date like 2026-12-01, got {start!r}")
    goal = None
    if "goal" in top:
        goal_map = check.mapping(top["goal"], top.lines["goal"], "goal")
        goal = float(check.number(goal_map, "reply_rate", 0.0, integer=False))
        if goal > 1:
            raise check.fail(goal_map.lines.get("reply_rate", goal_map.line), "goal reply_rate is a fraction (0..1)")
    return Campaign(
        name=name,
        sender=sender,
        steps=tuple(steps),
        window=window,
        audience=audience,
        stop_on=stop_on,
        daily_cap=check.number(top, "daily_cap", 40, integer=True, minimum=1),
        min_gap=timedelta(minutes=check.number(top, "min_gap_minutes", 15, integer=False)),
        jitter=timedelta(minutes=check.number(top, "jitter_minutes", 5, integer=False)),
        start=start,
        goal_reply_rate=goal,
    )


def _parse_window(check: _Checker, top: _Mapping) -> SendWindow:
    if "send_window" not in top:
        raise check.fail(top.line, "missing required key 'send_window' (days, hours, timezone)")
    window_map = check.mapping(top["send_window"], top.lines["send_window"], "send_window")
    for key in window_map:
        if key not in ("days", "hours", "timezone"):
            raise check.fail(window_map.lines[key], f"unknown send_window key {key!r} (days, hours, timezone)")
    timezone = check.text(window_map, "timezone")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise check.fail(window_map.lines["timezone"], f"unknown time zone {timezone!r}") from None
    days: tuple[int, ...] = (0, 1, 2, 3, 4)
    if "days" in window_map:
        names = [d.casefold()[:3] for d in check.texts(window_map, "days")]
        unknown = [d for d in names if d not in WEEKDAYS]
        if unknown:
            raise check.fail(window_map.lines["days"], f"unknown day {unknown[0]!r} (mon, tue, ... sun)")
        days = tuple(sorted({WEEKDAYS.index(d) for d in names}))
    opens, closes = time(9), time(17)
    if "hours" in window_map:
        hours = check.text(window_map, "hours")
        match = re.fullmatch(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})", hours)
        try:
            if not match:
                raise ValueError
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            opens = time(h1, m1)
            closes = time(23, 59, 59) if (h2, m2) == (24, 0) else time(h2, m2)
        except ValueError:
            raise check.fail(window_map.lines["hours"], f"hours must look like 09:00-17:00, got {hours!r}") from None
        if closes <= opens:
            raise check.fail(window_map.lines["hours"], "hours must end after they start")
    return SendWindow(days=frozenset(days), opens=opens, closes=closes, timezone=timezone)
