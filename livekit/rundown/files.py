"""Reading rundown files by extension (writing them goes through :func:`greenroom.files.write_atomically`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from greenroom.files import FileReadError, FileTooLargeError, read_bytes_bounded
from livekit.core.rundown import Rundown
from livekit.rundown.csv_format import parse_rundown_csv
from livekit.rundown.problems import Problem, RundownError, SceneUse
from livekit.rundown.scenes import scene_uses
from livekit.rundown.yaml_format import parse_rundown_yaml

#: Rundowns are small; a larger file is a mistake (or an attack on the parser). Never read further than
#: this: a rundown path may name a device or a file that never ends.
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
    """Read and validate a rundown file (``.csv`` is CSV, anything else YAML); never raises. Only a regular
    file (or a symlink to one) of at most :data:`MAX_RUNDOWN_BYTES` is read: a folder, FIFO or device
    (``/dev/zero``) is a problem naming the file."""
    path = Path(path)
    name = str(path)
    try:
        raw = read_bytes_bounded(path, MAX_RUNDOWN_BYTES, "rundown")
    except FileTooLargeError as error:
        size = f"{error.size} bytes" if error.size is not None else f"over {MAX_RUNDOWN_BYTES} bytes"
        return RundownCheck(None, [Problem(name, None, f"file is {size}; rundowns are limited to {MAX_RUNDOWN_BYTES}")])
    except FileReadError as error:
        return RundownCheck(None, [Problem(name, None, error.problem)])
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

