"""The YAML rundown format, parsed with PyYAML's node API so every key and value keeps its line.

Example::

    title: Weekly Q&A
    warning: 30s            # optional: when the warning phase starts (default from greenroom.toml)
    stream: false           # optional: start/stop streaming with the show
    record: true            # optional: start/stop recording with the show
    starts_at: 2026-12-10 18:00   # optional: the planned start, local time in `timezone`
    timezone: Europe/Paris  # required with starts_at: an IANA time zone
    ends_at: 2026-12-10 19:00     # optional: the planned end (default: start + the segments' total)
    hard_out: "19:15"       # optional: when it must be off air (HH:MM after the start, or date and time)
    join_url: https://meet.example.com/weekly-qa   # optional: where guests join (http/https), in their invites
    location: Studio 2, Paris   # optional: where the show happens (one line)
    tags: [qa, weekly]      # optional: shows sharing a tag (or the title) are compared for baselines
    goals:                  # optional: targets the after-show report judges (greenroom.goals.SHOW_GOALS)
      peak_viewers: 150
      retention: 80%        # percentages are written with %
    segments:
      - title: Intro
        duration: 1m30s     # 90s, 2m, 1h5m, 1:30, 1:02:03 or plain seconds
        scene: Camera       # OBS scene name
        guest: Ada Lovelace
        talking_points: [Welcome, Agenda]
        prompts:
          - Smile, say hello              # shown from the segment's start
          - {at: 1m, text: Plug the newsletter}
        notes: free text for the producer
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from greenroom.goals import SHOW_GOALS, Goal, GoalError, Unit, format_value, parse_goal
from greenroom.yaml_guard import NoAliasSafeLoader, YamlRefusedError, alias_problem, size_problem
from livekit.core.durations import format_duration, parse_duration
from livekit.core.rundown import Prompt, Rundown, Segment
from livekit.rundown.bounds import bad_guest, segment_too_long, show_too_long
from livekit.rundown.problems import Problem, Problems, RundownError, SceneUse, did_you_mean
from livekit.rundown.schedule import (
    SCHEDULE_KEYS,
    ScheduleFields,
    join_from_fields,
    schedule_fields,
    schedule_from_fields,
)

SHOW_KEYS = ("title", "warning", "stream", "record", *SCHEDULE_KEYS, "tags", "goals", "segments")
SEGMENT_KEYS = ("title", "duration", "scene", "guest", "talking_points", "prompts", "notes")
PROMPT_KEYS = ("at", "text")
MAX_SEGMENTS = 10_000
#: Rundowns are small; a longer text is a mistake (or an attack on the parser). Files are also capped in bytes.
MAX_RUNDOWN_CHARS = 1_000_000

_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_TRUE = {"yes", "true", "on", "y"}


def _kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return "nothing" if node.tag == _NULL else f"the value {node.value!r}"


def _line(node: Node) -> int:
    return node.start_mark.line + 1


class _Reader:
    """Walks the node tree once, collecting every problem instead of stopping at the first."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems = Problems(source)
        self.scene_uses: list[SceneUse] = []

    def problem(self, line: int | None, message: str) -> None:
        self.problems.add(line, message)

    def mapping(self, node: Node, known: tuple[str, ...], where: str) -> dict[str, tuple[Node, Node]]:
        """Keys to (key node, value node); reports duplicate and unknown keys."""
        if not isinstance(node, MappingNode):
            self.problem(_line(node), f"{where} must be a mapping of keys ({', '.join(known)}), found {_kind(node)}")
            return {}
        result: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.problem(_line(key_node), f"{where}: keys must be plain words, found {_kind(key_node)}")
                continue
            key = key_node.value
            if key in result:
                first = _line(result[key][0])
                self.problem(_line(key_node), f"{where}: duplicate key {key!r} (first given on line {first})")
                continue
            if key not in known:
                self.problem(_line(key_node), f"{where}: unknown key {key!r}{did_you_mean(key, known)}")
                continue
            result[key] = (key_node, value_node)
        return result

    def text(self, entry: tuple[Node, Node] | None, where: str, *, required: bool = False) -> str | None:
        if entry is None:
            return None
        key_node, node = entry
        if isinstance(node, ScalarNode) and node.tag != _NULL:
            value = node.value.strip()
            if value:
                return value
        if isinstance(node, ScalarNode):
            if required:
                self.problem(_line(key_node), f"{where}: {key_node.value} is empty")
            return None
        self.problem(_line(node), f"{where}: {key_node.value} must be text, found {_kind(node)}")
        return None

    def flag(self, entry: tuple[Node, Node] | None) -> bool | None:
        if entry is None:
            return None
        key_node, node = entry
        if isinstance(node, ScalarNode) and node.tag == _BOOL:
            return node.value.lower() in _TRUE
        self.problem(_line(node), f"{key_node.value} must be true or false, found {_kind(node)}")
        return None

    def duration(self, entry: tuple[Node, Node], where: str) -> int | None:
        key_node, node = entry
        if not isinstance(node, ScalarNode) or node.tag == _NULL:
            self.problem(_line(node), f"{where}: {key_node.value} must be a duration, found {_kind(node)}")
            return None
        try:
            duration = parse_duration(node.value)
        except ValueError as error:
            self.problem(_line(node), f"{where}: bad {key_node.value}: {error}")
            return None
        if too_long := segment_too_long(f"{where}: {key_node.value} {node.value.strip()}", duration):
            self.problem(_line(node), too_long)
            return None
        return duration

    def texts(self, entry: tuple[Node, Node] | None, where: str) -> tuple[str, ...]:
        """A list of text items; a single text is accepted as a list of one."""
        if entry is None:
            return ()
        key_node, node = entry
        if isinstance(node, ScalarNode):
            single = self.text(entry, where)
            return () if single is None else (single,)
        if not isinstance(node, SequenceNode):
            self.problem(_line(node), f"{where}: {key_node.value} must be a list of text, found {_kind(node)}")
            return ()
        items = []
        for item in node.value:
            if isinstance(item, ScalarNode) and item.tag != _NULL and item.value.strip():
                items.append(item.value.strip())
            else:
                self.problem(_line(item), f"{where}: each of {key_node.value} must be text, found {_kind(item)}")
        return tuple(items)

    def prompts(self, entry: tuple[Node, Node] | None, where: str, duration_ms: int | None) -> tuple[Prompt, ...]:
        if entry is None:
            return ()
        key_node, node = entry
        if not isinstance(node, SequenceNode):
            self.problem(_line(node), f"{where}: prompts must be a list, found {_kind(node)}")
            return ()
        prompts = []
        for item in node.value:
            if isinstance(item, ScalarNode):
                if item.tag == _NULL or not item.value.strip():
                    self.problem(_line(item), f"{where}: empty prompt")
                else:
                    prompts.append(Prompt(0, item.value.strip()))
                continue
            keys = self.mapping(item, PROMPT_KEYS, f"{where}, prompt")
            if isinstance(item, MappingNode) and not item.value:
                self.problem(_line(item), f"{where}: empty prompt")
            if not keys:
                continue
            text = self.text(keys.get("text"), f"{where}, prompt", required=True)
            if "text" not in keys:
                self.problem(_line(item), f"{where}: prompt has no text")
            at = 0
            if "at" in keys:
                given = self.duration(keys["at"], f"{where}, prompt")
                if given is None:
                    continue
                at = given
                if duration_ms is not None and at >= duration_ms:
                    self.problem(
                        _line(keys["at"][1]),
                        f"{where}: prompt at {format_duration(at)} is past the segment's end "
                        f"({format_duration(duration_ms)})",
                    )
            if text is not None:
                prompts.append(Prompt(at, text))
        return tuple(prompts)

    def goals(self, entry: tuple[Node, Node] | None) -> tuple[Goal, ...]:
        """``goals:``: a mapping of known goal names to typed values, each problem on its own line."""
        if entry is None:
            return ()
        keys = self.mapping(entry[1], tuple(SHOW_GOALS), "goals")
        goals = []
        for name, (_, value_node) in keys.items():
            value = value_node.value if isinstance(value_node, ScalarNode) and value_node.tag != _NULL else None
            if not isinstance(value_node, ScalarNode):
                value = _kind(value_node)
            try:
                goals.append(parse_goal(name, value, SHOW_GOALS))
            except GoalError as error:
                self.problem(_line(value_node), f"goals: {error}")
        return tuple(goals)

    def segment(self, node: Node, number: int) -> Segment | None:
        where = f"segment {number}"
        keys = self.mapping(node, SEGMENT_KEYS, where)
        if not isinstance(node, MappingNode):
            return None
        title = self.text(keys.get("title"), where, required=True)
        if "title" not in keys:
            self.problem(_line(node), f"{where}: missing title")
        where = f"segment {number} ({' '.join(title.split())})" if title else where
        duration = None
        if "duration" not in keys:
            self.problem(_line(node), f"{where}: missing duration")
        else:
            duration = self.duration(keys["duration"], where)
            if duration == 0:
                self.problem(_line(keys["duration"][1]), f"{where}: duration must be more than zero")
                duration = None
        scene = self.text(keys.get("scene"), where)
        if scene is not None:
            self.scene_uses.append(SceneUse(self.source, _line(keys["scene"][1]), number, title, scene))
        guest = self.text(keys.get("guest"), where)
        if guest is not None and (refused := bad_guest(where, guest)):
            self.problem(_line(keys["guest"][1]), refused)
        segment = Segment(
            title=title or "",
            duration_ms=duration or 0,
            scene=scene,
            guest=guest,
            notes=self.text(keys.get("notes"), where),
            talking_points=self.texts(keys.get("talking_points"), where),
            prompts=self.prompts(keys.get("prompts"), where, duration),
            line=_line(node),
            scene_line=_line(keys["scene"][1]) if "scene" in keys else None,
        )
        return segment if title and duration else None

    def rundown(self, root: Node | None) -> Rundown | None:
        if root is None:
            self.problem(1, "the file is empty: expected a show with title and segments")
            return None
        keys = self.mapping(root, SHOW_KEYS, "the show")
        if not isinstance(root, MappingNode):
            return None
        title = self.text(keys.get("title"), "the show", required=True)
        if "title" not in keys:
            self.problem(_line(root), "the show has no title")
        warning = None
        if "warning" in keys:
            warning = self.duration(keys["warning"], "the show")
        stream, record = self.flag(keys.get("stream")), self.flag(keys.get("record"))
        tags = self.texts(keys.get("tags"), "the show")
        goals = self.goals(keys.get("goals"))
        segments: list[Segment | None] = []
        if "segments" not in keys:
            self.problem(_line(root), "the show has no segments")
        else:
            node = keys["segments"][1]
            if not isinstance(node, SequenceNode):
                self.problem(_line(node), f"segments must be a list, found {_kind(node)}")
            elif not node.value:
                self.problem(_line(node), "segments is empty: a show needs at least one segment")
            elif len(node.value) > MAX_SEGMENTS:
                self.problem(_line(node), f"more than {MAX_SEGMENTS} segments")
            else:
                segments = [self.segment(item, number) for number, item in enumerate(node.value, start=1)]
        fields = {key: (self.text(keys[key], "the show"), _line(keys[key][1]))
                  for key in SCHEDULE_KEYS if key in keys}
        kept = tuple(s for s in segments if s is not None)
        total_ms = sum(s.duration_ms for s in kept)
        if too_long := show_too_long(total_ms):
            self.problem(_line(keys["segments"][1]), too_long)
        schedule = schedule_from_fields(ScheduleFields(fields, _line(root)), total_ms, self.problem)
        join_url, location = join_from_fields(ScheduleFields(fields, _line(root)), self.problem)
        if self.problems or title is None:
            return None
        return Rundown(
            title=title,
            segments=kept,
            stream=stream,
            record=record,
            warning_ms=warning,
            schedule=schedule,
            join_url=join_url,
            location=location,
            goals=goals,
            tags=tags,
            source=self.source,
        )


def parse_rundown_yaml(text: str, source: str = "<rundown>") -> Rundown:
    """Parse and validate; raises :class:`RundownError` listing every problem with its line.

    Anchors and aliases are refused (:mod:`greenroom.yaml_guard`): nested aliases expand a small file
    into gigabytes when the rundown is walked.
    """
    too_long = size_problem(text, source, MAX_RUNDOWN_CHARS, "rundown")
    if too_long is not None:
        raise RundownError([too_long])
    try:
        root = yaml.compose(text, Loader=NoAliasSafeLoader)
    except YamlRefusedError as error:
        raise RundownError([alias_problem(error, source)]) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = None if mark is None else mark.line + 1
        detail = " ".join(part for part in (error.context, error.problem) if part)
        raise RundownError([Problem(source, line, f"YAML syntax error: {detail}")]) from None
    except yaml.YAMLError as error:
        raise RundownError([Problem(source, None, f"YAML error: {error}")]) from None
    reader = _Reader(source)
    rundown = reader.rundown(root)
    if reader.problems or rundown is None:
        raise RundownError(reader.problems.in_line_order(), reader.scene_uses)
    return rundown


def _goal_value(goal: Goal) -> int | float | str:
    """As people write it: ``150``, ``0.5``, ``80%``."""
    unit = SHOW_GOALS[goal.name].unit
    if unit is Unit.PERCENT:
        return format_value(unit, goal.target)
    return int(goal.target) if goal.target == int(goal.target) else goal.target


def rundown_to_yaml(rundown: Rundown) -> str:
    """The YAML form people write: durations as ``1m30s``, start-of-segment prompts as plain strings."""
    show: dict[str, Any] = {"title": rundown.title}
    if rundown.warning_ms is not None:
        show["warning"] = format_duration(rundown.warning_ms)
    for key in ("stream", "record"):
        if getattr(rundown, key) is not None:
            show[key] = getattr(rundown, key)
    show.update(schedule_fields(rundown))
    if rundown.tags:
        show["tags"] = list(rundown.tags)
    if rundown.goals:
        show["goals"] = {goal.name: _goal_value(goal) for goal in rundown.goals}
    segments = []
    for segment in rundown.segments:
        item: dict[str, Any] = {"title": segment.title, "duration": format_duration(segment.duration_ms)}
        for key in ("scene", "guest"):
            if getattr(segment, key) is not None:
                item[key] = getattr(segment, key)
        if segment.talking_points:
            item["talking_points"] = list(segment.talking_points)
        if segment.prompts:
            item["prompts"] = [
                p.text if p.at_ms == 0 else {"at": format_duration(p.at_ms), "text": p.text} for p in segment.prompts
            ]
        if segment.notes is not None:
            item["notes"] = segment.notes
        segments.append(item)
    show["segments"] = segments
    return yaml.safe_dump(show, sort_keys=False, allow_unicode=True, width=100)
