"""Goals: the names a show or a campaign can be measured by, their units, and how a result is judged.

Shared by livekit (rundown ``goals:``, the after-show report) and outreach (campaign goals), and by the
workspace's ``[goals]`` table in ``greenroom.toml``. Pure: values come in already read from YAML, CSV or
TOML; every problem is a :class:`GoalError` whose message names the goal, so each caller can add its own
``file:line`` or ``[goals] key``.

Units, as written by people:

- ``count``: a whole number, ``peak_viewers: 150``;
- ``number``: any number, ``avg_viewers: 80.5``, ``chat_per_viewer: 0.5``;
- ``percent``: written with ``%`` (``retention: 80%``, ``reply_rate: 15%``) so ``0.8`` and ``80`` are never
  confused; stored as the percentage (80.0), between 0 and 100.

Verdicts: no measured value is ``no data`` (never a zero), no target is ``no goal``; otherwise ``met`` when
the actual value reaches the target (for goals where less is better, such as ``bounce_rate``, when it stays
at or under it) and ``missed`` when it does not.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from greenroom.problems import did_you_mean


class GoalError(ValueError):
    """A goal name or value that cannot be used; the message says which and why."""


class Unit(StrEnum):
    COUNT = "count"
    NUMBER = "number"
    PERCENT = "percent"


class Verdict(StrEnum):
    MET = "met"
    MISSED = "missed"
    NO_GOAL = "no goal"
    NO_DATA = "no data"


@dataclass(frozen=True)
class GoalDefinition:
    name: str
    unit: Unit
    description: str
    #: False for goals where less is better (opt-outs, bounces): met when the actual stays at or under it.
    higher_is_better: bool = True


def _definitions(*items: GoalDefinition) -> dict[str, GoalDefinition]:
    return {item.name: item for item in items}


#: What a show is measured by (the after-show report computes each from the audience samples).
SHOW_GOALS: Mapping[str, GoalDefinition] = _definitions(
    GoalDefinition("peak_viewers", Unit.COUNT, "most concurrent viewers in any minute (all platforms)"),
    GoalDefinition("avg_viewers", Unit.NUMBER, "average concurrent viewers over the minutes with data"),
    GoalDefinition("questions", Unit.COUNT, "questions asked during the show"),
    GoalDefinition("new_followers", Unit.COUNT, "follows received during the show"),
    GoalDefinition("chat_per_viewer", Unit.NUMBER, "chat messages over the show per average viewer"),
    GoalDefinition("retention", Unit.PERCENT, "viewers at the end of the show vs at its start"),
    GoalDefinition("chat_per_minute", Unit.NUMBER, "chat messages per minute with data"),
)

#: What a campaign is measured by (outreach).
CAMPAIGN_GOALS: Mapping[str, GoalDefinition] = _definitions(
    GoalDefinition("reply_rate", Unit.PERCENT, "replies per email delivered"),
    GoalDefinition("interested", Unit.COUNT, "people who answered they are interested"),
    GoalDefinition("booked", Unit.COUNT, "guests booked from the campaign"),
    GoalDefinition("opt_out_rate", Unit.PERCENT, "opt-outs per email delivered", higher_is_better=False),
    GoalDefinition("bounce_rate", Unit.PERCENT, "bounces per email sent", higher_is_better=False),
)


@dataclass(frozen=True)
class Goal:
    """A target for one named metric; ``target`` is in the metric's unit (a percentage for percent goals)."""

    name: str
    target: float

    def describe(self, definitions: Mapping[str, GoalDefinition]) -> str:
        return format_value(definitions[self.name].unit, self.target)


def format_value(unit: Unit, value: float | None) -> str:
    """``150``, ``80.5``, ``80%``; an empty string for no value."""
    if value is None:
        return ""
    text = f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return f"{text}%" if unit is Unit.PERCENT else text


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def parse_goal(name: str, value: object, definitions: Mapping[str, GoalDefinition]) -> Goal:
    """The goal ``name: value`` as written (a number, or text such as ``"15%"``); raises :class:`GoalError`."""
    definition = definitions.get(name)
    if definition is None:
        raise GoalError(f"unknown goal {name!r}{did_you_mean(name, definitions)}; "
                        f"known goals: {', '.join(definitions)}")
    return Goal(name, _target(definition, value))


def parse_goals(values: Mapping[str, object], definitions: Mapping[str, GoalDefinition]) -> tuple[Goal, ...]:
    """Every goal of a mapping; raises :class:`GoalError` at the first problem (callers with line numbers
    call :func:`parse_goal` per entry to report them all)."""
    return tuple(parse_goal(name, value, definitions) for name, value in values.items())


def _target(definition: GoalDefinition, value: object) -> float:
    name = definition.name
    if isinstance(value, bool) or value is None:
        raise GoalError(f"goal {name} must be {_expected(definition)}, found {value!r}")
    percent = False
    if isinstance(value, str):
        text = value.strip()
        percent = text.endswith("%")
        if percent:
            text = text[:-1].strip()
        if not _NUMBER.match(text):
            raise GoalError(f"goal {name} must be {_expected(definition)}, found {value!r}")
        number = float(text)
    elif isinstance(value, int | float):
        number = float(value)
    else:
        raise GoalError(f"goal {name} must be {_expected(definition)}, found {value!r}")
    if not math.isfinite(number) or number < 0:
        raise GoalError(f"goal {name} must be {_expected(definition)}, found {value!r}")
    if number > MAX_TARGET:
        raise GoalError(f"goal {name} must be at most {MAX_TARGET:,.0f} (found {value!r}: a typo?)")
    if definition.unit is Unit.PERCENT:
        if not percent:
            raise GoalError(f"goal {name} is a percentage: write it with %, e.g. {format_value(Unit.PERCENT, 80)}"
                            f" (found {value!r})")
        if number > 100:
            raise GoalError(f"goal {name} must be at most 100%, found {value!r}")
    elif percent:
        raise GoalError(f"goal {name} is {_expected(definition)}, not a percentage (found {value!r})")
    elif definition.unit is Unit.COUNT and number != int(number):
        raise GoalError(f"goal {name} must be {_expected(definition)}, found {value!r}")
    return number


#: The largest target a goal may have: no audience, chat or campaign count comes near it, and beyond 2**53 a
#: float no longer holds the whole number typed.
MAX_TARGET = 1e12


def _expected(definition: GoalDefinition) -> str:
    return {Unit.COUNT: "a whole number of 0 or more", Unit.NUMBER: "a number of 0 or more",
            Unit.PERCENT: "a percentage such as 80%"}[definition.unit]


def verdict(definition: GoalDefinition, actual: float | None, target: float | None) -> Verdict:
    """How ``actual`` stands against ``target`` (see the module docstring)."""
    if actual is None:
        return Verdict.NO_DATA
    if target is None:
        return Verdict.NO_GOAL
    reached = actual >= target if definition.higher_is_better else actual <= target
    return Verdict.MET if reached else Verdict.MISSED


@dataclass(frozen=True)
class WorkspaceGoals:
    """``[goals]`` in greenroom.toml: targets for a period (``period = "30d"``), per show and per campaign."""

    period_days: int
    show: tuple[Goal, ...] = ()
    campaign: tuple[Goal, ...] = ()

    def show_goal(self, name: str) -> Goal | None:
        return next((goal for goal in self.show if goal.name == name), None)

    def campaign_goal(self, name: str) -> Goal | None:
        return next((goal for goal in self.campaign if goal.name == name), None)


DEFAULT_PERIOD_DAYS = 30
#: The longest period a report may look back (a century; Python's dates stop at the year 1). The command
#: lines check it on ``--since`` (:func:`greenroom.numbers.check_period_days`), the ``[goals]`` table here.
MAX_PERIOD_DAYS = 36_500
_PERIOD = re.compile(r"^(\d+)\s*([dwm])$")
_PERIOD_DAYS = {"d": 1, "w": 7, "m": 30}


def parse_period_days(text: str) -> int:
    """``30d``, ``4w``, ``3m`` (30-day months) as days; raises :class:`GoalError`."""
    match = _PERIOD.match(text.strip().lower())
    if match is None or int(match.group(1)) == 0:
        raise GoalError(f"period must be a number of days, weeks or months such as 30d, 4w or 3m, found {text!r}")
    return int(match.group(1)) * _PERIOD_DAYS[match.group(2)]


def parse_workspace_goals(table: Mapping[str, object]) -> WorkspaceGoals:
    """The ``[goals]`` table as read by tomllib: ``period``, then ``show.NAME`` and ``campaign.NAME`` goals.

    Raises :class:`GoalError` naming the key (``[goals] show.peak_viewers: ...``) for the first problem.
    """
    period = DEFAULT_PERIOD_DAYS
    groups: dict[str, tuple[Goal, ...]] = {"show": (), "campaign": ()}
    for key, value in table.items():
        if key == "period":
            if not isinstance(value, str):
                raise GoalError(f"[goals] period must be text such as \"30d\", found {value!r}")
            try:
                period = parse_period_days(value)
            except GoalError as error:
                raise GoalError(f"[goals] {error}") from None
            if period > MAX_PERIOD_DAYS:
                raise GoalError(f"[goals] period must be at most {MAX_PERIOD_DAYS:,} days (a century), found {value!r}")
            continue
        if key not in groups:
            raise GoalError(f"[goals] unknown key {key!r}: expected period, show.NAME or campaign.NAME")
        if not isinstance(value, Mapping):
            raise GoalError(f"[goals] {key} must be a table of goals such as {key}.NAME = 10, found {value!r}")
        definitions = SHOW_GOALS if key == "show" else CAMPAIGN_GOALS
        goals = []
        for name, target in value.items():
            try:
                goals.append(parse_goal(str(name), target, definitions))
            except GoalError as error:
                raise GoalError(f"[goals] {key}.{name}: {error}") from None
        groups[key] = tuple(goals)
    return WorkspaceGoals(period, groups["show"], groups["campaign"])
