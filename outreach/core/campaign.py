"""A campaign definition (YAML) turned into checked values; every problem is reported as file:line."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from greenroom.errors import GreenroomError
from greenroom.goals import CAMPAIGN_GOALS, Goal, GoalError, parse_goal
from greenroom.problems import Problem, Problems, ProblemsError
from greenroom.yaml_guard import NoAliasSafeLoader, YamlRefusedError, alias_problem, size_problem
from outreach.core.enrollment import EnrollmentStatus  # noqa: F401 - re-exported: its lifecycle lives there
from outreach.core.sendwindow import WEEKDAYS, SendWindow

STOP_RULES = ("reply", "bounce", "opt_out", "stage_change")
#: A follow-up further away than a year of working days is a typo (and the date arithmetic would overflow).
MAX_BUSINESS_DAYS = 365
#: A campaign is a page of settings; a longer text is a mistake (or an attack on the parser).
MAX_CAMPAIGN_CHARS = 1_000_000
_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,79}$")
_AUDIENCE_KEYS = ("niche", "stage", "tags", "kind", "owner", "ids")
_TOP_KEYS = {
    "name", "audience", "sender", "mailboxes", "steps", "stop_on", "send_window", "daily_cap",
    "min_gap_minutes", "jitter_minutes", "start", "goal", "goals",
}


class CampaignStatus(StrEnum):
    """A campaign's status; the value is what the ``campaigns.status`` column holds."""

    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"


#: Which status a campaign may move to from each status; stopping is for good.
CAMPAIGN_TRANSITIONS: dict[CampaignStatus, frozenset[CampaignStatus]] = {
    CampaignStatus.ACTIVE: frozenset({CampaignStatus.PAUSED, CampaignStatus.STOPPED}),
    CampaignStatus.PAUSED: frozenset({CampaignStatus.ACTIVE, CampaignStatus.STOPPED}),
    CampaignStatus.STOPPED: frozenset(),
}


class OutboxState(StrEnum):
    """One email's delivery state (``outbox.state``): ``sending`` is committed before delivery starts, and a
    row still ``sending`` after a crash becomes ``uncertain`` until a person resolves it."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BOUNCED = "bounced"
    UNCERTAIN = "uncertain"
    CANCELLED = "cancelled"


class CampaignStatusError(GreenroomError):
    """A status change the campaign's current status does not allow (e.g. resuming a stopped campaign)."""


def check_campaign_transition(name: str, current: str, wanted: str) -> CampaignStatus:
    """``wanted`` as a status, if a campaign that is ``current`` may move there; else CampaignStatusError."""
    target = CampaignStatus(wanted)
    if target not in CAMPAIGN_TRANSITIONS[CampaignStatus(current)]:
        raise CampaignStatusError(f"campaign {name!r} is {current}; cannot make it {wanted}")
    return target


class CampaignError(ProblemsError):
    """The campaign file is invalid; the message lists every problem, one ``file:line: problem`` per line."""


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
    """``sender`` (one mailbox) or ``mailboxes`` (names of ``[mailboxes.NAME]`` in the workspace config, rotated
    per person: each enrollment keeps the mailbox of its first email for every follow-up)."""

    name: str
    sender: Sender | None
    steps: tuple[Step, ...]
    window: SendWindow
    audience: Audience = field(default_factory=Audience)
    stop_on: tuple[str, ...] = STOP_RULES
    daily_cap: int = 40
    min_gap: timedelta = timedelta(minutes=15)
    jitter: timedelta = timedelta(minutes=5)
    start: date | None = None
    goal_reply_rate: float | None = None
    mailboxes: tuple[str, ...] = ()
    #: ``goals:`` (reply_rate: 15%, interested: 5, booked: 3, opt_out_rate, bounce_rate), in file order.
    goals: tuple[Goal, ...] = ()

    def goal(self, name: str) -> float | None:
        """The target of goal ``name``: from ``goals:``, else the older ``goal: reply_rate`` (a fraction)."""
        found = next((goal.target for goal in self.goals if goal.name == name), None)
        if found is None and name == "reply_rate" and self.goal_reply_rate is not None:
            return self.goal_reply_rate * 100.0
        return found


class _LineLoader(NoAliasSafeLoader):
    """Keeps the line of every mapping key so validation can point at it; refuses anchors and aliases
    (:mod:`greenroom.yaml_guard`: nested aliases make a small file expand into gigabytes)."""


class _Mapping(dict[str, Any]):
    lines: dict[str, int]
    line: int


class _Sequence(list[Any]):
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
    """Reads checked values out of the YAML tree; a bad value is recorded in ``problems`` and the reader gets
    ``None`` (or the default), so parsing carries on and every problem of the file is reported at once."""

    def __init__(self, source: str) -> None:
        self.problems = Problems(source)

    def problem(self, line: int, message: str) -> None:
        self.problems.add(line, message)

    def mapping(self, value: Any, line: int, what: str) -> _Mapping | None:
        if not isinstance(value, _Mapping):
            self.problem(line, f"{what} must be a mapping of settings")
            return None
        return value

    def known_keys(self, parent: _Mapping, known: Collection[str], what: str) -> None:
        for key in parent:
            if key not in known:
                self.problem(parent.lines[key], f"unknown {what} {key!r} ({', '.join(known)})")

    def text(self, parent: _Mapping, key: str) -> str | None:
        """A required one-line text."""
        if key not in parent:
            self.problem(parent.line, f"missing required key {key!r}")
            return None
        value = parent[key]
        if not isinstance(value, str) or not value.strip():
            self.problem(parent.lines[key], f"{key} must be a non-empty text")
            return None
        if "\r" in value or "\n" in value:
            self.problem(parent.lines[key], f"{key} must be on one line")
            return None
        return value.strip()

    def number(self, parent: _Mapping, key: str, default: float, *, integer: bool, minimum: float = 0) -> Any:
        """``default`` when absent, None (and a problem) when not a number >= ``minimum``."""
        if key not in parent:
            return default
        value = parent[key]
        ok = isinstance(value, int) if integer else isinstance(value, int | float)
        if isinstance(value, bool) or not ok or value < minimum:
            kind = "a whole number" if integer else "a number"
            self.problem(parent.lines[key], f"{key} must be {kind} >= {minimum:g}, got {value!r}")
            return None
        return value

    def texts(self, parent: _Mapping, key: str) -> tuple[str, ...] | None:
        value = parent[key]
        items = value if isinstance(value, list) else [value]
        if not items or not all(isinstance(item, str | int) and not isinstance(item, bool) for item in items):
            self.problem(parent.lines[key], f"{key} must be a text or a list of texts")
            return None
        return tuple(str(item) for item in items)


def parse_campaign(text: str, source: str, known_mailboxes: Collection[str] | None = None) -> Campaign:
    """Parse and validate a campaign; raises :class:`CampaignError` listing every problem as ``source:line:``.

    ``known_mailboxes`` (the workspace's ``[mailboxes.NAME]`` names) makes an unknown name in ``mailboxes``
    a problem; None skips that check (a stored definition re-read without the config)."""
    check = _Checker(source)
    too_long = size_problem(text, source, MAX_CAMPAIGN_CHARS, "campaign file")
    if too_long is not None:
        raise CampaignError([too_long])
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except YamlRefusedError as error:
        raise CampaignError([alias_problem(error, source)]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise CampaignError([Problem(source, line, f"not valid YAML: {getattr(error, 'problem', None) or error}")]) from None
    if not isinstance(data, _Mapping):
        raise CampaignError([Problem(source, 1, "a campaign file must be a mapping of settings")])
    top = data
    for key in top:
        if key not in _TOP_KEYS:
            check.problem(top.lines[key], f"unknown key {key!r} (expected one of {', '.join(sorted(_TOP_KEYS))})")

    name = check.text(top, "name")
    if name is not None and not _NAME_PATTERN.match(name):
        check.problem(top.lines["name"], "name may use letters, digits, spaces, '_', '.', '-' (max 80)")
    sender, mailboxes = _parse_senders(check, top, known_mailboxes)
    steps = _parse_steps(check, top)
    stop_on = _parse_stop_rules(check, top)
    window = _parse_window(check, top)
    audience = _parse_audience(check, top)

    start = None
    if "start" in top:
        start = top["start"]
        if not isinstance(start, date):
            check.problem(top.lines["start"], f"start must be a date like 2026-12-01, got {start!r}")
    goal = None
    if "goal" in top:
        goal_map = check.mapping(top["goal"], top.lines["goal"], "goal")
        if goal_map is not None:
            goal = check.number(goal_map, "reply_rate", 0.0, integer=False)
            if goal is not None and goal > 1:
                check.problem(goal_map.lines.get("reply_rate", goal_map.line), "goal reply_rate is a fraction (0..1)")
    goals = _parse_goals(check, top)
    daily_cap = check.number(top, "daily_cap", 40, integer=True, minimum=1)
    min_gap = check.number(top, "min_gap_minutes", 15, integer=False)
    jitter = check.number(top, "jitter_minutes", 5, integer=False)

    if check.problems or name is None or (sender is None and not mailboxes) or window is None:
        raise CampaignError(check.problems.in_line_order())
    return Campaign(
        name=name,
        sender=sender,
        steps=steps,
        window=window,
        audience=audience,
        stop_on=stop_on,
        daily_cap=daily_cap,
        min_gap=timedelta(minutes=min_gap),
        jitter=timedelta(minutes=jitter),
        start=start,
        goal_reply_rate=None if goal is None else float(goal),
        mailboxes=mailboxes,
        goals=goals,
    )


def _parse_goals(check: _Checker, top: _Mapping) -> tuple[Goal, ...]:
    """``goals:`` as a mapping of campaign goal names (``greenroom.goals.CAMPAIGN_GOALS``); every unknown
    name or bad value is a problem at its own line."""
    if "goals" not in top:
        return ()
    goal_map = check.mapping(top["goals"], top.lines["goals"], "goals")
    if goal_map is None:
        return ()
    goals = []
    for name, value in goal_map.items():
        try:
            goals.append(parse_goal(str(name), value, CAMPAIGN_GOALS))
        except GoalError as error:
            check.problem(goal_map.lines[name], str(error))
    return tuple(goals)


def _parse_senders(
    check: _Checker, top: _Mapping, known: Collection[str] | None
) -> tuple[Sender | None, tuple[str, ...]]:
    """``sender: {name, address}`` or ``mailboxes: [kim, sam]``: exactly one of them."""
    if "mailboxes" not in top:
        if "sender" not in top:
            check.problem(top.line, "missing required key 'sender' (or 'mailboxes': names of [mailboxes.NAME])")
            return None, ()
        return _parse_sender(check, top), ()
    line = top.lines["mailboxes"]
    if "sender" in top:
        check.problem(top.lines["sender"], "use either 'sender' or 'mailboxes', not both")
    names = check.texts(top, "mailboxes") or ()
    if not names:
        return None, ()
    lines = top["mailboxes"].lines if isinstance(top["mailboxes"], _Sequence) else [line] * len(names)
    for name, name_line in zip(names, lines, strict=True):
        if known is not None and name not in known:
            hint = f"known: {', '.join(sorted(known))}" if known else "none configured"
            check.problem(name_line, f"unknown mailbox {name!r}: no [mailboxes.{name}] in the workspace config "
                                     f"({hint})")
    if len(set(names)) != len(names):
        check.problem(line, "a mailbox is named twice in 'mailboxes'")
    return None, tuple(dict.fromkeys(names))


def _parse_sender(check: _Checker, top: _Mapping) -> Sender | None:
    sender_map = check.mapping(top["sender"], top.lines["sender"], "sender")
    if sender_map is None:
        return None
    address = check.text(sender_map, "address")
    if address is not None and not re.fullmatch(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+", address):
        check.problem(sender_map.lines["address"], f"sender address {address!r} is not an email address")
        address = None
    name = check.text(sender_map, "name")
    if name is None or address is None:
        return None
    return Sender(name, address)


def _parse_steps(check: _Checker, top: _Mapping) -> tuple[Step, ...]:
    if "steps" not in top:
        check.problem(top.line, "missing required key 'steps'")
        return ()
    raw_steps = top["steps"]
    if not isinstance(raw_steps, _Sequence) or not raw_steps:
        check.problem(top.lines["steps"], "steps must be a non-empty list")
        return ()
    steps = []
    for index, (raw, line) in enumerate(zip(raw_steps, raw_steps.lines, strict=True)):
        step_map = check.mapping(raw, line, f"step {index + 1}")
        if step_map is None:
            continue
        check.known_keys(step_map, ("template", "after_business_days"), "step key")
        wait = check.number(step_map, "after_business_days", 0 if index == 0 else -1, integer=True)
        if wait is None:
            pass
        elif index > 0 and wait < 1:
            check.problem(step_map.line, f"follow-up step {index + 1} needs after_business_days >= 1")
        elif wait > MAX_BUSINESS_DAYS:
            check.problem(step_map.lines["after_business_days"],
                          f"after_business_days may be at most {MAX_BUSINESS_DAYS}, got {wait}")
        elif index == 0 and wait:
            check.problem(step_map.lines["after_business_days"], "the first step is sent at start; "
                          "use 'start' to delay it")
        template = check.text(step_map, "template")
        if template is not None and wait is not None:
            steps.append(Step(index, template, wait))
    return tuple(steps)


def _parse_stop_rules(check: _Checker, top: _Mapping) -> tuple[str, ...]:
    if "stop_on" not in top:
        return STOP_RULES
    stop_on = check.texts(top, "stop_on")
    if stop_on is None:
        return STOP_RULES
    for rule in stop_on:
        if rule not in STOP_RULES:
            check.problem(top.lines["stop_on"], f"unknown stop rule {rule!r} ({', '.join(STOP_RULES)})")
    for required in ("reply", "bounce", "opt_out"):
        if required not in stop_on:
            check.problem(top.lines["stop_on"], f"stop rule {required!r} cannot be turned off")
    return stop_on


def _parse_audience(check: _Checker, top: _Mapping) -> Audience:
    if "audience" not in top:
        return Audience()
    audience_map = check.mapping(top["audience"], top.lines["audience"], "audience")
    if audience_map is None:
        return Audience()
    values: dict[str, tuple[Any, ...]] = {}
    for key in audience_map:
        if key not in _AUDIENCE_KEYS:
            check.problem(audience_map.lines[key], f"unknown audience key {key!r} ({', '.join(_AUDIENCE_KEYS)})")
            continue
        texts = check.texts(audience_map, key)
        if texts is not None:
            values[key] = texts
    if "ids" in values:
        if all(value.isdigit() for value in values["ids"]):
            values["ids"] = tuple(int(value) for value in values["ids"])
        else:
            check.problem(audience_map.lines["ids"], "ids must be influencer ids (numbers)")
            del values["ids"]
    return Audience(**values)


def _parse_window(check: _Checker, top: _Mapping) -> SendWindow | None:
    if "send_window" not in top:
        check.problem(top.line, "missing required key 'send_window' (days, hours, timezone)")
        return None
    window_map = check.mapping(top["send_window"], top.lines["send_window"], "send_window")
    if window_map is None:
        return None
    check.known_keys(window_map, ("days", "hours", "timezone"), "send_window key")
    timezone = check.text(window_map, "timezone")
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            check.problem(window_map.lines["timezone"], f"unknown time zone {timezone!r}")
            timezone = None
    days: tuple[int, ...] = (0, 1, 2, 3, 4)
    if "days" in window_map:
        names = [day.casefold()[:3] for day in check.texts(window_map, "days") or ()]
        unknown = [day for day in names if day not in WEEKDAYS]
        if unknown:
            check.problem(window_map.lines["days"], f"unknown day {unknown[0]!r} (mon, tue, ... sun)")
        days = tuple(sorted({WEEKDAYS.index(day) for day in names if day in WEEKDAYS}))
    opens, closes = time(9), time(17)
    if "hours" in window_map:
        hours = _parse_hours(check, window_map)
        if hours is None:
            return None
        opens, closes = hours
    if timezone is None:
        return None
    return SendWindow(days=frozenset(days), opens=opens, closes=closes, timezone=timezone)


def _parse_hours(check: _Checker, window_map: _Mapping) -> tuple[time, time] | None:
    hours = check.text(window_map, "hours")
    if hours is None:
        return None
    match = re.fullmatch(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})", hours)
    try:
        if not match:
            raise ValueError
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        opens = time(h1, m1)
        closes = time(23, 59, 59) if (h2, m2) == (24, 0) else time(h2, m2)
    except ValueError:
        check.problem(window_map.lines["hours"], f"hours must look like 09:00-17:00, got {hours!r}")
        return None
    if closes <= opens:
        check.problem(window_map.lines["hours"], "hours must end after they start")
        return None
    return opens, closes
