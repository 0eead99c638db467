"""Rundown files: YAML written by people, CSV for spreadsheets; every problem reported as file:line.

Public API::

    load_rundown(path) -> Rundown                  # .csv or YAML; raises RundownError listing ALL problems
    validate_rundown(path) -> (Rundown | None, [Problem])
    check_rundown_file(path) -> RundownCheck       # also the segments' scenes, read even from a broken file
    parse_rundown_yaml(text, source) / parse_rundown_csv(text, source) -> Rundown
    rundown_to_yaml(rundown) / rundown_to_csv(rundown) -> str
    scene_problems(rundown or [SceneUse], scenes) -> [Problem]   # scenes: the names OBS knows
"""

from livekit.rundown.csv_format import parse_rundown_csv, rundown_to_csv
from livekit.rundown.files import RundownCheck, check_rundown_file, load_rundown, validate_rundown
from livekit.rundown.problems import Problem, RundownError
from livekit.rundown.scenes import SceneUse, scene_problems
from livekit.rundown.yaml_format import parse_rundown_yaml, rundown_to_yaml

__all__ = [
    "Problem",
    "RundownCheck",
    "RundownError",
    "SceneUse",
    "check_rundown_file",
    "load_rundown",
    "parse_rundown_csv",
    "parse_rundown_yaml",
    "rundown_to_csv",
    "rundown_to_yaml",
    "scene_problems",
    "validate_rundown",
]
