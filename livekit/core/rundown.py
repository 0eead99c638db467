"""The rundown: a show's planned segments, as an immutable value (parsed by :mod:`livekit.rundown`)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from greenroom.goals import Goal
from livekit.core.schedule import ScheduleError, ShowPlan


@dataclass(frozen=True)
class Prompt:
    """A line for the host, shown from ``at_ms`` into its segment (0 = from the segment's start)."""

    at_ms: int
    text: str


@dataclass(frozen=True)
class Segment:
    title: str
    duration_ms: int
    scene: str | None = None
    talking_points: tuple[str, ...] = ()
    prompts: tuple[Prompt, ...] = ()
    guest: str | None = None
    notes: str | None = None
    #: Where the segment and its scene were written (for `file:line` messages); not part of its value.
    line: int | None = field(default=None, compare=False, repr=False)
    scene_line: int | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.prompts, key=lambda prompt: prompt.at_ms))
        object.__setattr__(self, "prompts", ordered)

    def prompt_at(self, elapsed_ms: int) -> Prompt | None:
        """The latest prompt whose offset has been reached (ties: the one written last)."""
        current = None
        for prompt in self.prompts:
            if prompt.at_ms <= elapsed_ms:
                current = prompt
        return current

    def prompt_after(self, elapsed_ms: int) -> Prompt | None:
        """The first prompt still to come."""
        return next((prompt for prompt in self.prompts if prompt.at_ms > elapsed_ms), None)


@dataclass(frozen=True)
class Rundown:
    """A show's plan. ``stream``/``record``/``warning_ms`` are None when the config default applies."""

    title: str
    segments: tuple[Segment, ...]
    stream: bool | None = None
    record: bool | None = None
    warning_ms: int | None = None
    #: When the show is planned (rundown ``starts_at``/``timezone``/``ends_at``/``hard_out``), if it says.
    schedule: ShowPlan | None = None
    #: Where guests join the show and where it happens (rundown ``join_url``/``location``), if it says.
    join_url: str | None = None
    location: str | None = None
    #: What the show aims for (rundown ``goals:``, names from :data:`greenroom.goals.SHOW_GOALS`), in file order.
    goals: tuple[Goal, ...] = ()
    #: Labels that make shows comparable for baselines (rundown ``tags:``), besides having the same title.
    tags: tuple[str, ...] = ()
    #: The file it was read from, if any; not part of its value.
    source: str | None = field(default=None, compare=False, repr=False)

    def __iter__(self) -> Iterator[Segment]:
        return iter(self.segments)

    def __len__(self) -> int:
        return len(self.segments)

    @property
    def planned_total_ms(self) -> int:
        return sum(segment.duration_ms for segment in self.segments)

    def planned_starts_ms(self) -> list[int]:
        """Each segment's planned start, relative to the show's start."""
        starts, position = [], 0
        for segment in self.segments:
            starts.append(position)
            position += segment.duration_ms
        return starts

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready snapshot (stored with every show so a later edit of the file cannot change it).

        ``schedule``, ``join_url``, ``location``, ``goals`` and ``tags`` are present only when given, so a rundown without them keeps the
        content hash it had before rundowns could carry them (an interrupted show still finds its rundown
        to resume)."""
        data: dict[str, Any] = {
            "title": self.title,
            "stream": self.stream,
            "record": self.record,
            "warning_ms": self.warning_ms,
            "segments": [
                {
                    "title": segment.title,
                    "duration_ms": segment.duration_ms,
                    "scene": segment.scene,
                    "talking_points": list(segment.talking_points),
                    "prompts": [{"at_ms": p.at_ms, "text": p.text} for p in segment.prompts],
                    "guest": segment.guest,
                    "notes": segment.notes,
                }
                for segment in self.segments
            ],
        }
        if self.schedule is not None:
            data["schedule"] = self.schedule.to_dict()
        if self.join_url is not None:
            data["join_url"] = self.join_url
        if self.location is not None:
            data["location"] = self.location
        if self.goals:
            data["goals"] = {goal.name: goal.target for goal in self.goals}
        if self.tags:
            data["tags"] = list(self.tags)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str | None = None) -> Rundown:
        return cls(
            title=data["title"],
            stream=data.get("stream"),
            record=data.get("record"),
            warning_ms=data.get("warning_ms"),
            schedule=_stored_plan(data.get("schedule")),
            join_url=data.get("join_url"),
            location=data.get("location"),
            source=source,
            goals=tuple(Goal(name, float(target)) for name, target in (data.get("goals") or {}).items()),
            tags=tuple(data.get("tags") or ()),
            segments=tuple(
                Segment(
                    title=item["title"],
                    duration_ms=item["duration_ms"],
                    scene=item.get("scene"),
                    talking_points=tuple(item.get("talking_points", ())),
                    prompts=tuple(Prompt(p["at_ms"], p["text"]) for p in item.get("prompts", ())),
                    guest=item.get("guest"),
                    notes=item.get("notes"),
                )
                for item in data["segments"]
            ),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    @property
    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON: same plan, same hash, whatever the file's layout or format."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()


def _stored_plan(data: dict[str, Any] | None) -> ShowPlan | None:
    """The plan of a stored rundown snapshot; None for one that is no valid plan any more (a start in the
    year 9999, stored before plans were bounded): the show it belongs to still loads, reports and resumes."""
    if not data:
        return None
    try:
        return ShowPlan.from_dict(data)
    except ScheduleError:
        return None
