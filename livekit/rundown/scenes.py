"""Checking a rundown's scene names against the scenes OBS actually has."""

from __future__ import annotations

from collections.abc import Collection

from livekit.core.rundown import Rundown
from livekit.rundown.problems import Problem, did_you_mean


def scene_problems(rundown: Rundown, scenes: Collection[str], *, prompter_scene: str | None = None) -> list[Problem]:
    """One problem per segment whose ``scene`` is not among ``scenes``, with the closest name suggested,
    or is ``prompter_scene``: that scene shows the host's private prompts and must never go on program."""
    source = rundown.source or "<rundown>"
    problems = []
    for number, segment in enumerate(rundown.segments, start=1):
        if segment.scene is not None and segment.scene == prompter_scene:
            problems.append(
                Problem(
                    source,
                    segment.scene_line or segment.line,
                    f"segment {number} ({segment.title}): {segment.scene!r} is the prompter scene "
                    "([obs] prompter_scene); it shows the host's private prompts and never goes on program",
                )
            )
        elif segment.scene is not None and segment.scene not in scenes:
            problems.append(
                Problem(
                    source,
                    segment.scene_line or segment.line,
                    f"segment {number} ({segment.title}): OBS has no scene {segment.scene!r}"
                    f"{did_you_mean(segment.scene, scenes)}",
                )
            )
    return problems
