"""Checking a rundown's scene names against the scenes OBS actually has.

The check works on :class:`SceneUse` records, which the parsers collect even from a file with other
problems, so ``livekit check`` reports the file's problems and its scene problems in one run (fixing four
problems must not reveal a fifth).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from livekit.core.rundown import Rundown
from livekit.rundown.problems import Problem, SceneUse, did_you_mean


def scene_uses(rundown: Rundown) -> list[SceneUse]:
    """Every segment's scene in a valid rundown."""
    source = rundown.source or "<rundown>"
    return [
        SceneUse(source, segment.scene_line or segment.line, number, segment.title, segment.scene)
        for number, segment in enumerate(rundown.segments, start=1)
        if segment.scene is not None
    ]


def scene_problems(
    rundown: Rundown | Iterable[SceneUse], scenes: Collection[str], *, prompter_scene: str | None = None
) -> list[Problem]:
    """One problem per segment whose ``scene`` is not among ``scenes``, with the closest name suggested,
    or is ``prompter_scene``: that scene shows the host's private prompts and must never go on program."""
    uses = scene_uses(rundown) if isinstance(rundown, Rundown) else rundown
    problems = []
    for use in uses:
        if use.scene == prompter_scene:
            problems.append(
                Problem(
                    use.source,
                    use.line,
                    f"{use.where}: {use.scene!r} is the prompter scene "
                    "([obs] prompter_scene); it shows the host's private prompts and never goes on program",
                )
            )
        elif use.scene not in scenes:
            problems.append(
                Problem(use.source, use.line, f"{use.where}: OBS has no scene {use.scene!r}"
                        f"{did_you_mean(use.scene, scenes)}")
            )
    return problems
