"""What may change in a running campaign, given what it already sent: the rules behind ``campaign edit``.

A campaign's definition is copied into the DB at start. Editing it later must never make what people
already received inconsistent: a step that went out to someone keeps its template (the subject lives in
the template, and a follow-up threads under the first subject), and the sender of a conversation already
started cannot change. Everything that only shapes *future* sends (cap, window, gaps, later steps, waits)
may change at any time; pending due times are then re-planned so they fall inside the new window.

Pure: the caller reads what was sent and which steps are pending, and applies the result.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from greenroom.errors import GreenroomError
from greenroom.goals import CAMPAIGN_GOALS
from greenroom.problems import Problem, ProblemsError
from greenroom.yaml_guard import NoAliasSafeLoader
from outreach.core.campaign import Audience, Campaign, parse_campaign
from outreach.core.sendwindow import WEEKDAYS, SendWindow, add_business_days

#: Campaign fields with their own rule below; any other field (added later) may change only before anyone
#: was contacted, like the sender.
_KNOWN_FIELDS = {
    "name", "sender", "steps", "window", "audience", "stop_on", "daily_cap", "min_gap", "jitter", "start",
    "goal_reply_rate", "goals",
}


class CampaignEditError(ProblemsError):
    """The new definition changes something that was already sent; one ``file:line: why`` per refusal."""


class SettingsEditError(GreenroomError):
    """A setting given as an option could not be written into this campaign file's layout."""


@dataclass(frozen=True)
class Delivered:
    """What the campaign already did, read from its outbox: per step, how many people it went to.

    A step counts once its email is rendered (queued or further, except cancelled or failed): a queued
    email no longer follows its template, so changing the template would not change what that person gets.
    """

    by_step: Mapping[int, int] = dataclasses.field(default_factory=dict)

    @property
    def anyone(self) -> bool:
        return any(self.by_step.values())


@dataclass(frozen=True)
class Difference:
    """One readable line of the diff, e.g. ``daily_cap: 40 -> 20``."""

    what: str
    before: str
    after: str

    def __str__(self) -> str:
        if not self.before:
            return f"{self.what}: {self.after}"
        return f"{self.what}: {self.before} -> {self.after}"


@dataclass(frozen=True)
class CampaignEdit:
    """The allowed differences between the stored and the new definition, and what they ask of the DB."""

    differences: tuple[Difference, ...]
    window_changed: bool = False
    start_changed: bool = False
    #: Steps (0-based) whose ``after_business_days`` changed: their pending due times are computed again.
    retimed_steps: frozenset[int] = frozenset()
    #: How many steps the new definition has: sequences waiting for a removed step are complete.
    step_count: int = 0
    audience_changed: bool = False

    @property
    def empty(self) -> bool:
        return not self.differences


@dataclass(frozen=True)
class PendingStep:
    """An active enrollment waiting for ``step`` at ``due_at`` (not yet queued)."""

    enrollment_id: int
    step: int
    due_at: datetime
    timezone: str | None
    enrolled_at: datetime
    #: When the previous step went to this person (None for the first step).
    previous_sent_at: datetime | None = None


@dataclass(frozen=True)
class Replan:
    """New due times by enrollment id, and the sequences that end because their next step was removed."""

    moved: dict[int, datetime] = dataclasses.field(default_factory=dict)
    completed: tuple[int, ...] = ()


# ------------------------------------------------------------------------------------------- the diff


def compare_campaigns(old: Campaign, new: Campaign, new_text: str, source: str, delivered: Delivered) -> CampaignEdit:
    """The differences from ``old`` to ``new`` (parsed from ``new_text``), or :class:`CampaignEditError`
    listing every refused one at its line in ``source``."""
    lines = _Lines(new_text)
    problems: list[Problem] = []
    differences: list[Difference] = []

    def refuse(line: int | None, message: str) -> None:
        problems.append(Problem(source, line, message))

    if new.name != old.name:
        refuse(lines.top("name"), f"the name identifies the campaign ({old.name!r}); it cannot be renamed by edit")
    if new.sender is None and old.sender is None and new.mailboxes != old.mailboxes:
        # Rotation: people already contacted keep the mailbox recorded on their enrollment, so the list may
        # change; only first emails from now on rotate over the new list.
        differences.append(Difference("mailboxes", ", ".join(old.mailboxes), ", ".join(new.mailboxes)))
    elif new.sender != old.sender:
        differences.append(Difference("sender", _sender(old), _sender(new)))
        if delivered.anyone:
            refuse(lines.top("sender"), f"sender cannot change: {_people(sum(delivered.by_step.values()))} already "
                   f"received email from {_sender(old)} (start a new campaign for a new sender)")
    differences += _window_differences(old.window, new.window)
    for label, before, after in (
        ("daily_cap", old.daily_cap, new.daily_cap),
        ("min_gap_minutes", _minutes(old.min_gap), _minutes(new.min_gap)),
        ("jitter_minutes", _minutes(old.jitter), _minutes(new.jitter)),
        ("stop_on", ", ".join(old.stop_on), ", ".join(new.stop_on)),
        ("start", old.start or "none", new.start or "none"),
        ("goal reply_rate", old.goal_reply_rate or "none", new.goal_reply_rate or "none"),
        ("goals", _goals(old) or "none", _goals(new) or "none"),
    ):
        if before != after:
            differences.append(Difference(label, str(before), str(after)))
    if new.audience != old.audience:
        differences.append(Difference("audience", _audience(old.audience), _audience(new.audience)))
    step_differences, retimed = _step_differences(old, new, delivered, lines, refuse)
    differences += step_differences
    for extra in dataclasses.fields(Campaign):
        if extra.name in _KNOWN_FIELDS:
            continue
        before, after = getattr(old, extra.name), getattr(new, extra.name)
        if before != after:
            differences.append(Difference(extra.name, str(before), str(after)))
            if delivered.anyone:
                refuse(lines.top(extra.name), f"{extra.name} cannot change once people were contacted")
    if problems:
        raise CampaignEditError(sorted(problems, key=lambda problem: problem.line or 0))
    return CampaignEdit(
        differences=tuple(differences),
        window_changed=new.window != old.window,
        start_changed=new.start != old.start,
        retimed_steps=frozenset(retimed),
        step_count=len(new.steps),
        audience_changed=new.audience != old.audience,
    )


def _step_differences(
    old: Campaign, new: Campaign, delivered: Delivered, lines: _Lines, refuse: Any,
) -> tuple[list[Difference], set[int]]:
    differences: list[Difference] = []
    retimed: set[int] = set()
    for index in range(max(len(old.steps), len(new.steps))):
        label = f"step {index + 1}"
        sent_to = delivered.by_step.get(index, 0)
        if index >= len(new.steps):
            removed = old.steps[index]
            differences.append(Difference(f"{label} removed", removed.template, ""))
            if sent_to:
                refuse(lines.top("steps"), f"{label} ({removed.template}) was already sent to {_people(sent_to)}; "
                       "it cannot be removed")
            continue
        step = new.steps[index]
        if index >= len(old.steps):
            wait = f", {step.after_business_days} business days after step {index}" if index else ""
            differences.append(Difference(f"{label} added", "", f"{step.template}{wait}"))
            continue
        before = old.steps[index]
        if step.template != before.template:
            differences.append(Difference(f"{label} template", before.template, step.template))
            if sent_to:
                refuse(lines.step(index, "template"),
                       f"{label} was already sent to {_people(sent_to)}: its template (and subject) cannot change "
                       f"from {before.template} to {step.template}; add a new step instead")
        if step.after_business_days != before.after_business_days:
            differences.append(Difference(f"{label} after_business_days", str(before.after_business_days),
                                          str(step.after_business_days)))
            retimed.add(index)
    return differences, retimed


def _window_differences(old: SendWindow, new: SendWindow) -> list[Difference]:
    differences = []
    if old.days != new.days:
        differences.append(Difference("send_window days", _days(old.days), _days(new.days)))
    if (old.opens, old.closes) != (new.opens, new.closes):
        differences.append(Difference("send_window hours", _hours(old), _hours(new)))
    if old.timezone != new.timezone:
        differences.append(Difference("send_window timezone", old.timezone, new.timezone))
    return differences


def _people(count: int) -> str:
    return "1 person" if count == 1 else f"{count} people"


def _sender(campaign: Campaign) -> str:
    if campaign.sender is None:
        return "mailboxes " + ", ".join(campaign.mailboxes)
    return f"{campaign.sender.name} <{campaign.sender.address}>"


def _minutes(value: timedelta) -> str:
    return f"{value.total_seconds() / 60:g}"


def _days(days: Iterable[int]) -> str:
    return ", ".join(WEEKDAYS[day] for day in sorted(days)) or "none"


def _hours(window: SendWindow) -> str:
    closes = "24:00" if window.closes == time(23, 59, 59) else f"{window.closes:%H:%M}"
    return f"{window.opens:%H:%M}-{closes}"


def _audience(audience: Audience) -> str:
    parts = [f"{field.name}={','.join(map(str, value))}"
             for field in dataclasses.fields(Audience) if (value := getattr(audience, field.name))]
    return "; ".join(parts) or "everyone"


class _Lines:
    """Lines of the keys of a campaign text (already validated by :func:`parse_campaign`)."""

    def __init__(self, text: str) -> None:
        root = yaml.compose(text, Loader=NoAliasSafeLoader)  # noqa: S506 - SafeLoader subclass
        self._top: dict[str, yaml.Node] = {}
        self._keys: dict[str, int] = {}
        if isinstance(root, yaml.MappingNode):
            for key, value in root.value:
                self._keys[str(key.value)] = key.start_mark.line + 1
                self._top[str(key.value)] = value

    def top(self, key: str) -> int | None:
        return self._keys.get(key)

    def step(self, index: int, key: str) -> int | None:
        steps = self._top.get("steps")
        if not isinstance(steps, yaml.SequenceNode) or index >= len(steps.value):
            return self.top("steps")
        step = steps.value[index]
        if isinstance(step, yaml.MappingNode):
            for key_node, _ in step.value:
                if key_node.value == key:
                    return int(key_node.start_mark.line) + 1
        return int(step.start_mark.line) + 1


# -------------------------------------------------------------------------------------------- re-plan


def replan(pending: Iterable[PendingStep], new: Campaign, edit: CampaignEdit) -> Replan:
    """New due times for pending steps the edit affects; existing progress (the step reached) is kept.

    A changed wait counts again from when the previous step went out; a changed start moves first steps
    not yet sent; after a window change a due time outside the new window moves to its next opening in
    the recipient's zone. A sequence waiting for a step that no longer exists is complete.
    """
    moved: dict[int, datetime] = {}
    completed: list[int] = []
    for step in pending:
        if step.step >= edit.step_count:
            completed.append(step.enrollment_id)
            continue
        due = step.due_at
        if step.step == 0 and edit.start_changed:
            due = _first_due(new, step.enrolled_at)
        elif step.step in edit.retimed_steps and step.previous_sent_at is not None:
            due = add_business_days(step.previous_sent_at, new.steps[step.step].after_business_days,
                                    step.timezone, new.window.timezone)
        if edit.window_changed or due != step.due_at:
            due = new.window.next_opening(due, step.timezone)
        if due != step.due_at:
            moved[step.enrollment_id] = due
    return Replan(moved, tuple(completed))


def _first_due(campaign: Campaign, enrolled_at: datetime) -> datetime:
    """As at start: at enrolment, or the campaign's start date (midnight in its zone) if later."""
    if campaign.start is None:
        return enrolled_at
    opening = datetime.combine(campaign.start, time(0), ZoneInfo(campaign.window.timezone))
    return max(enrolled_at, opening)


# ---------------------------------------------------------------------------- edits given as options


@dataclass(frozen=True)
class SettingsEdit:
    """Settings changed from the command line (``--daily-cap 40``...); None leaves a setting as it is."""

    daily_cap: int | None = None
    hours: str | None = None
    days: tuple[str, ...] | None = None
    timezone: str | None = None
    min_gap_minutes: float | None = None
    jitter_minutes: float | None = None

    def empty(self) -> bool:
        return all(getattr(self, field.name) is None for field in dataclasses.fields(self))


def parse_days(text: str) -> tuple[str, ...]:
    """``mon-fri``, ``sat,sun`` or ``mon-wed,fri`` as day names in week order; ValueError when unreadable."""
    chosen: set[int] = set()
    for part in (piece.strip().casefold() for piece in text.split(",")):
        ends = [end.strip()[:3] for end in part.split("-")]
        if not part or len(ends) > 2 or any(end not in WEEKDAYS for end in ends):
            raise ValueError(f"days must look like mon-fri or mon,wed,fri, got {text!r}")
        first, last = WEEKDAYS.index(ends[0]), WEEKDAYS.index(ends[-1])
        chosen.update(day % 7 for day in range(first, last + 7 + 1 if last < first else last + 1))
    return tuple(WEEKDAYS[day] for day in sorted(chosen))


def check_hours(text: str) -> str:
    """``09:00-17:00`` as given, or ValueError (the same shape the campaign file accepts)."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})", text.strip())
    if not match:
        raise ValueError(f"window must look like 09:00-17:00, got {text!r}")
    h1, m1, h2, m2 = (int(group) for group in match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2) or (h2, m2) <= (h1, m1):
        raise ValueError(f"window must be hours of one day that end after they start, got {text!r}")
    return text.strip()


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (an IANA name such as Europe/London)") from None
    return name


def edited_text(text: str, edit: SettingsEdit) -> str:
    """The campaign text with the settings of ``edit`` written in, everything else (comments, order) kept.

    Each value is replaced where it stands, or added to its mapping when absent; the result is parsed
    again and must hold exactly the wanted values.
    """
    changes: list[tuple[tuple[str, ...], str]] = []
    if edit.daily_cap is not None:
        changes.append((("daily_cap",), str(edit.daily_cap)))
    if edit.min_gap_minutes is not None:
        changes.append((("min_gap_minutes",), f"{edit.min_gap_minutes:g}"))
    if edit.jitter_minutes is not None:
        changes.append((("jitter_minutes",), f"{edit.jitter_minutes:g}"))
    if edit.hours is not None:
        changes.append((("send_window", "hours"), json.dumps(edit.hours)))
    if edit.days is not None:
        changes.append((("send_window", "days"), f"[{', '.join(edit.days)}]"))
    if edit.timezone is not None:
        changes.append((("send_window", "timezone"), json.dumps(edit.timezone)))
    for path, value in changes:  # one at a time: each edit moves the positions of what follows
        text = _write_value(text, path, value)
    result = parse_campaign(text, "the edited campaign")
    _check_written(result, edit)
    return text


def _write_value(text: str, path: tuple[str, ...], value: str) -> str:
    node = yaml.compose(text, Loader=NoAliasSafeLoader)  # noqa: S506 - SafeLoader subclass
    for depth, key in enumerate(path):
        if not isinstance(node, yaml.MappingNode) or not node.value:
            raise SettingsEditError(f"cannot edit {'.'.join(path)}: {'.'.join(path[:depth]) or 'the file'} is not a mapping")
        found = next((pair for pair in node.value if pair[0].value == key), None)
        if found is None:
            return _insert_key(text, node, key, value if depth == len(path) - 1 else None)
        if depth == len(path) - 1:
            return _replace_node(text, found[1], value)
        node = found[1]
    raise AssertionError("unreachable")


def _insert_key(text: str, mapping: yaml.MappingNode, key: str, value: str | None) -> str:
    if value is None:
        raise SettingsEditError(f"cannot add {key!r}: it is missing from the campaign file")
    first = mapping.value[0][0].start_mark
    if mapping.flow_style:
        return f"{text[:first.index]}{key}: {value}, {text[first.index:]}"
    line_start = first.index - first.column
    return f"{text[:line_start]}{' ' * first.column}{key}: {value}\n{text[line_start:]}"


def _replace_node(text: str, node: yaml.Node, value: str) -> str:
    start = node.start_mark.index
    if isinstance(node, yaml.SequenceNode | yaml.MappingNode) and not node.flow_style and node.value:
        last = node.value[-1]
        end = (last[1] if isinstance(last, tuple) else last).end_mark.index
    else:
        end = node.end_mark.index
    return f"{text[:start]}{value}{text[end:]}"


def _check_written(result: Campaign, edit: SettingsEdit) -> None:
    """Guard against a write landing elsewhere than meant (an unusual layout): refuse rather than guess."""
    wanted: dict[str, tuple[Any, Any]] = {}
    if edit.daily_cap is not None:
        wanted["daily_cap"] = (result.daily_cap, edit.daily_cap)
    if edit.min_gap_minutes is not None:
        wanted["min_gap_minutes"] = (result.min_gap, timedelta(minutes=edit.min_gap_minutes))
    if edit.jitter_minutes is not None:
        wanted["jitter_minutes"] = (result.jitter, timedelta(minutes=edit.jitter_minutes))
    if edit.hours is not None:
        wanted["hours"] = (_hours(result.window).replace(" ", ""), _normal_hours(edit.hours))
    if edit.days is not None:
        wanted["days"] = (_days(result.window.days), ", ".join(edit.days))
    if edit.timezone is not None:
        wanted["timezone"] = (result.window.timezone, edit.timezone)
    for what, (got, meant) in wanted.items():
        if got != meant:
            raise SettingsEditError(f"could not write {what} into this campaign file's layout; edit it with --file")


def _normal_hours(hours: str) -> str:
    opens, closes = (part.strip() for part in hours.split("-"))
    return "-".join(f"{int(h):02d}:{m}" for h, m in (part.split(":") for part in (opens, closes)))


def _goals(campaign: Campaign) -> str:
    """``reply_rate: 15%, booked: 3``: the ``goals:`` as written, for the list of differences."""
    return ", ".join(f"{goal.name}: {goal.describe(CAMPAIGN_GOALS)}" for goal in campaign.goals)
