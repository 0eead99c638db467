"""Reading rundown files by extension (writing them goes through :func:`greenroom.files.write_atomically`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from livekit.core.rundown import Rundown
from livekit.rundown.csv_format import parse_rundown_csv
from livekit.rundown.problems import Problem, RundownError, SceneUse
from livekit.rundown.scenes import scene_uses
from livekit.rundown.yaml_format import parse_rundown_yaml

#: Rundowns are small; a larger file is a mistake (or an attack on the parser).
MAX_RUNDOWN_BYTES = 1_000_000


@dataclass(frozen=True)
class RundownCheck:
    """What reading a rundown file found: the rundown when usable, every problem, and the segments'
    scenes (read even from a file with problems, so a scene check can run in the same pass)."""

    rundown: Rundown | None
    problems: list[Problem]
    scene_uses: tuple[SceneUse, ...] = field(default=())


def validate_rundown(path: str | Path) -> tuple[Rundown | None, list[Problem]]:
    """The rundown (when usable) and every problem in the file; ``.csv`` is CSV, anything else YAML."""
    checked = check_rundown_file(path)
    return checked.rundown, checked.problems


def check_rundown_file(path: str | Path) -> RundownCheck:
    """Read and validate a rundown file (``.csv`` is CSV, anything else YAML); never raises."""
    path = Path(path)
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_RUNDOWN_BYTES:
            return RundownCheck(
                None, [Problem(name, None, f"file is {size} bytes; rundowns are limited to {MAX_RUNDOWN_BYTES}")]
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        return RundownCheck(None, [Problem(name, None, "no such file")])
    except IsADirectoryError:
        return RundownCheck(None, [Problem(name, None, "is a folder, not a rundown file")])
    except OSError as error:
        return RundownCheck(None, [Problem(name, None, f"cannot read: {error.strerror}")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return RundownCheck(None, [Problem(name, line, "not UTF-8 text (save the file as UTF-8)")])
    parse = parse_rundown_csv if path.suffix.lower() == ".csv" else parse_rundown_yaml
    try:
        rundown = parse(text, name)
    except RundownError as error:
        return RundownCheck(None, error.problems, error.scene_uses)
    return RundownCheck(rundown, [], tuple(scene_uses(rundown)))


def load_rundown(path: str | Path) -> Rundown:
    """Read a rundown file, raising :class:`RundownError` with all its problems."""
    rundown, problems = validate_rundown(path)
    if problems or rundown is None:
        raise RundownError(problems)
    return rundown

