"""The CSV rundown format, for spreadsheets: one row per segment, show settings in ``# key: value`` lines.

Layout (the header row may list the columns in any order; only ``title`` and ``duration`` are required)::

    # title: Weekly Q&A
    # warning: 30s
    # stream: false
    # record: true
    # starts_at: 2026-12-10 18:00
    # timezone: Europe/Paris
    # hard_out: 19:15
    # join_url: https://meet.example.com/weekly-qa
    # location: Studio 2 (Paris)
    # tags: qa | weekly
    # goals: peak_viewers=150 | retention=80%
    title,duration,scene,guest,notes,talking_points,prompts
    Intro,1m30s,Camera,Ada Lovelace,,Welcome | Agenda,Smile | 1m=Plug the newsletter

``tags`` and ``goals`` are lists joined by `` | `` like the list cells; each goal is ``name=value`` with the
names and units of :data:`greenroom.goals.SHOW_GOALS` (percentages written with ``%``).
The ``# key: value`` lines come before the header (``title`` is required; a spreadsheet that quotes them
or pads them with empty cells is fine). List cells are joined by `` | ``; a prompt is ``text`` (shown
from the segment's start) or ``OFFSET=text`` such as ``1m30s=Plug the newsletter``. Because of that,
exported text may not contain `` | ``, and a start-of-segment prompt that itself looks like
``OFFSET=...`` is written as ``0s=...``.

Spreadsheet formulas: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as
a formula when the CSV is opened in Excel, LibreOffice or Google Sheets, so export writes such a cell with a
leading ``'`` (:func:`greenroom.text.spreadsheet_safe`), which spreadsheets show as text; so does a cell
that is such text behind ``'`` already. Import removes that one ``'`` again, so what the user typed round-trips: ``=SUM(A1)`` is exported as ``'=SUM(A1)`` and imported
as ``=SUM(A1)``; a cell the user typed as ``'=x`` is exported as ``''=x`` and imported as ``'=x``. A ``'``
before anything else (``'Tis the season``) is kept as typed both ways.
"""

from __future__ import annotations

import csv
import io

from greenroom.goals import SHOW_GOALS, Goal, GoalError, format_value, parse_goal
from greenroom.text import spreadsheet_safe
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

COLUMNS = ("title", "duration", "scene", "guest", "notes", "talking_points", "prompts")
REQUIRED_COLUMNS = ("title", "duration")
SETTINGS = ("title", "warning", "stream", "record", *SCHEDULE_KEYS, "tags", "goals")
SEPARATOR = " | "
_FLAGS = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}


def _formula_after_quotes(text: str) -> bool:
    """Whether ``text`` is, after any leading ``'``, something a spreadsheet would run as a formula."""
    unquoted = text.lstrip("'")
    return spreadsheet_safe(unquoted) != unquoted


def _export_cell(text: str) -> str:
    """``text`` as a cell no spreadsheet runs as a formula, and that :func:`_typed` reads back unchanged."""
    return "'" + text if _formula_after_quotes(text) else text


def _typed(cell: str) -> str:
    """What the user typed, from a cell written by :func:`_export_cell` (the inverse of it)."""
    return cell[1:] if cell.startswith("'") and _formula_after_quotes(cell) else cell


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split("|") if part.strip()]


def _parse_prompt(item: str) -> Prompt:
    offset, equals, text = item.partition("=")
    if equals and text.strip():
        try:
            return Prompt(parse_duration(offset.strip()), text.strip())
        except ValueError:
            pass
    return Prompt(0, item)


def parse_rundown_csv(text: str, source: str = "<rundown.csv>") -> Rundown:
    """Parse and validate; raises :class:`RundownError` listing every problem with its line."""
    problems = Problems(source)
    problem = problems.add

    reader = csv.reader(io.StringIO(text, newline=""))
    settings: dict[str, str] = {}
    setting_lines: dict[str, int] = {}
    header: list[str] | None = None
    header_line = 0
    segments: list[Segment] = []
    scene_uses: list[SceneUse] = []
    rows_read = 0
    previous_line = 0
    try:
        for row in reader:
            line, previous_line = previous_line + 1, reader.line_num
            cells = [cell.strip() for cell in row]
            if not any(cells):
                continue
            if header is None and cells[0].startswith("#"):
                _read_setting(" ".join(c for c in cells if c)[1:], line, settings, problem)
                setting_lines.update({key: line for key in settings if key not in setting_lines})
                continue
            if header is None:
                header, header_line = _read_header(cells, line, problem), line
                if header is None:
                    break
                continue
            rows_read += 1
            values = {name: _typed(cell) for name, cell in zip(header, cells, strict=False)}
            if values.get("scene"):
                scene_uses.append(SceneUse(source, line, rows_read, values.get("title") or None, values["scene"]))
            segment = _read_segment(values, rows_read, line, cells, header, problem)
            if segment is not None:
                segments.append(segment)
    except csv.Error as error:
        problem(reader.line_num, f"CSV syntax error: {error}")
    if "title" not in settings:
        problem(1, "missing the show title: start the file with a line '# title: Your show'")
    if header is None and not any(p.message.startswith("header") for p in problems):
        problem(None, f"no header row: expected columns {', '.join(COLUMNS)}")
    elif header is not None and not rows_read:
        problem(header_line, "no segments: add one row per segment below the header")
    warning = None
    if "warning" in settings:
        try:
            warning = parse_duration(settings["warning"])
        except ValueError as error:
            problem(setting_lines.get("warning"), f"bad warning: {error}")
        too_long = None if warning is None else segment_too_long(f"warning {settings['warning']}", warning)
        if too_long:
            problem(setting_lines.get("warning"), too_long)
            warning = None
    flags: dict[str, bool | None] = {}
    for key in ("stream", "record"):
        value = settings.get(key)
        flags[key] = None if value is None else _FLAGS.get(value.lower())
        if value is not None and flags[key] is None:
            problem(None, f"{key} must be true or false, found {value!r}")
    total_ms = sum(segment.duration_ms for segment in segments)
    if too_long := show_too_long(total_ms):
        problem(header_line or None, too_long)
    goals = _read_goals(settings.get("goals", ""), setting_lines.get("goals"), problem)
    schedule_given = {key: (settings[key], setting_lines.get(key)) for key in SCHEDULE_KEYS if key in settings}
    schedule = schedule_from_fields(ScheduleFields(schedule_given, 1), total_ms, problem)
    join_url, location = join_from_fields(ScheduleFields(schedule_given, 1), problem)
    if problems:
        raise RundownError(problems.in_line_order(), scene_uses)
    return Rundown(
        title=settings["title"],
        segments=tuple(segments),
        warning_ms=warning,
        stream=flags["stream"],
        record=flags["record"],
        schedule=schedule,
        join_url=join_url,
        location=location,
        goals=goals,
        tags=tuple(_split(settings.get("tags", ""))),
        source=source,
    )


def _read_goals(text: str, line: int | None, problem) -> tuple[Goal, ...]:
    """``name=value | name=value``; each bad item reported on the setting's line."""
    goals: list[Goal] = []
    for item in _split(text):
        name, equals, value = item.partition("=")
        name = name.strip()
        if not equals:
            problem(line, f"goals: expected name=value, found {item!r}")
        elif any(goal.name == name for goal in goals):
            problem(line, f"goals: {name} is given twice")
        else:
            try:
                goals.append(parse_goal(name, value.strip(), SHOW_GOALS))
            except GoalError as error:
                problem(line, f"goals: {error}")
    return tuple(goals)


def _read_setting(text: str, line: int, settings: dict[str, str], problem) -> None:
    key, colon, value = text.partition(":")
    key, value = key.strip().lower(), value.strip()
    if not colon:
        problem(line, f"expected '# key: value' before the header, found '#{text}'")
    elif key not in SETTINGS:
        problem(line, f"unknown setting {key!r}{did_you_mean(key, SETTINGS)}")
    elif key in settings:
        problem(line, f"duplicate setting {key!r}")
    elif not value:
        problem(line, f"setting {key!r} is empty")
    else:
        settings[key] = value


def _read_header(cells: list[str], line: int, problem) -> list[str] | None:
    names = [cell.lower() for cell in cells]
    ok = True
    for index, name in enumerate(names):
        if name and name not in COLUMNS:
            problem(line, f"header: unknown column {cells[index]!r}{did_you_mean(name, COLUMNS)}")
            ok = False
        elif name and names.index(name) != index:
            problem(line, f"header: duplicate column {name!r}")
            ok = False
    for required in REQUIRED_COLUMNS:
        if required not in names:
            problem(line, f"header: missing column {required!r}")
            ok = False
    return names if ok else None


def _read_segment(values: dict[str, str], number: int, line: int, cells: list[str], header: list[str], problem):
    if len(cells) > len(header) and any(cells[len(header):]):
        problem(line, f"segment {number}: more cells than header columns")
    title = values.get("title", "")
    where = f"segment {number} ({' '.join(title.split())})" if title else f"segment {number}"
    if not title:
        problem(line, f"{where}: missing title")
    duration = None
    if not values.get("duration"):
        problem(line, f"{where}: missing duration")
    else:
        try:
            duration = parse_duration(values["duration"])
        except ValueError as error:
            problem(line, f"{where}: bad duration: {error}")
        if duration == 0:
            problem(line, f"{where}: duration must be more than zero")
            duration = None
        too_long = None if duration is None else segment_too_long(f"{where}: duration {values['duration']}", duration)
        if too_long:
            problem(line, too_long)
            duration = None
    prompts = []
    for item in _split(values.get("prompts", "")):
        prompt = _parse_prompt(item)
        if duration is not None and prompt.at_ms >= duration:
            problem(
                line,
                f"{where}: prompt at {format_duration(prompt.at_ms)} is past the segment's end "
                f"({format_duration(duration)})",
            )
        prompts.append(prompt)
    if values.get("guest") and (refused := bad_guest(where, values["guest"])):
        problem(line, refused)
        return None
    if not title or duration is None:
        return None
    return Segment(
        title=title,
        duration_ms=duration,
        scene=values.get("scene") or None,
        guest=values.get("guest") or None,
        notes=values.get("notes") or None,
        talking_points=tuple(_split(values.get("talking_points", ""))),
        prompts=tuple(prompts),
        line=line,
        scene_line=line,
    )


def rundown_to_csv(rundown: Rundown) -> str:
    """The CSV form; raises :class:`RundownError` if some text cannot survive the `` | `` lists."""
    source = rundown.source or "<rundown>"
    problems = []
    output = io.StringIO(newline="")
    writer = csv.writer(output, lineterminator="\n")
    writer.writerow([f"# title: {rundown.title}"])
    if rundown.warning_ms is not None:
        writer.writerow([f"# warning: {format_duration(rundown.warning_ms)}"])
    for key in ("stream", "record"):
        if getattr(rundown, key) is not None:
            writer.writerow([f"# {key}: {'true' if getattr(rundown, key) else 'false'}"])
    for key, value in schedule_fields(rundown).items():
        writer.writerow([f"# {key}: {value}"])
    if rundown.tags:
        writer.writerow([f"# tags: {SEPARATOR.join(rundown.tags)}"])
    if rundown.goals:
        goals = (f"{goal.name}={format_value(SHOW_GOALS[goal.name].unit, goal.target)}" for goal in rundown.goals)
        writer.writerow([f"# goals: {SEPARATOR.join(goals)}"])
    writer.writerow(COLUMNS)
    for number, segment in enumerate(rundown.segments, start=1):
        listed = [*segment.talking_points, *(p.text for p in segment.prompts)]
        if any("|" in text for text in listed):
            problems.append(
                Problem(source, segment.line, f"segment {number} ({segment.title}): a talking point or prompt "
                        "contains '|', which the CSV format uses to separate items")
            )
            continue
        prompts = []
        for prompt in segment.prompts:
            if prompt.at_ms or _parse_prompt(prompt.text) != prompt:
                prompts.append(f"{format_duration(prompt.at_ms)}={prompt.text}")
            else:
                prompts.append(prompt.text)
        writer.writerow(
            [
                _export_cell(segment.title),
                format_duration(segment.duration_ms),
                _export_cell(segment.scene or ""),
                _export_cell(segment.guest or ""),
                _export_cell(segment.notes or ""),
                _export_cell(SEPARATOR.join(segment.talking_points)),
                _export_cell(SEPARATOR.join(prompts)),
            ]
        )
    if problems:
        raise RundownError(problems)
    return output.getvalue()
