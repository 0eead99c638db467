"""Rundown problems: the shared ``file:line: message`` reporting of :mod:`greenroom.problems`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from greenroom.problems import Problem, Problems, ProblemsError, did_you_mean

__all__ = ["Problem", "Problems", "RundownError", "SceneUse", "did_you_mean"]


@dataclass(frozen=True)
class SceneUse:
    """A segment's ``scene``, where it was written; ``title`` is None when the segment has no usable title.

    The parsers collect these even from a file with other problems, so the OBS scene check
    (:mod:`livekit.rundown.scenes`) can run in the same pass as the file check.
    """

    source: str
    line: int | None
    number: int
    title: str | None
    scene: str

    @property
    def where(self) -> str:
        return f"segment {self.number}" if self.title is None else f"segment {self.number} ({self.title})"


class RundownError(ProblemsError):
    """A rundown that cannot be used; carries every problem found, not just the first.

    ``scene_uses`` are the segments' scenes that could still be read, so OBS scene names can be checked
    in the same run as the file's other problems.
    """

    def __init__(self, problems: Sequence[Problem], scene_uses: Iterable[SceneUse] = ()) -> None:
        super().__init__(problems)
        self.scene_uses = tuple(scene_uses)
