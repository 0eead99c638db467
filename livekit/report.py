"""The after-show report: planned vs actual per segment, as a table, CSV, JSON, Markdown or VOD chapters.

Built from a :class:`~livekit.core.show.Show` (usually rebuilt from storage with
``ShowStore.load_show``), so it is the same whether the show ended cleanly or crashed and resumed.
Times are relative to the show's start; all user text is escaped for the chosen format.

The report follows what actually aired, by these rules:

- Every stay on a segment is an *airing* (start, end). A segment you came back to has several: the
  "actual start" column lists each airing's start, and its *actual* time (compared with the plan) is
  its total time on air over all its airings, holds excluded. An undone move (``undo``) never aired.
- A segment that aired is "aired" even when it was left with ``skip``; "skipped" is only for a segment
  dropped before it ever aired.
- Chapters (:func:`livekit.core.chapters.aired_chapters`) give each airing its own chapter in the order
  they aired, ``Title (part 2)`` for a return to a segment; airings of the same segment that touch
  merge, airings of no length are left out.
- Totals: the show's length is the sum of the segments' on-air time plus the time on hold, each counted
  once. The CSV has a ``hold`` row before the ``total`` row, so its ``actual_s`` column adds up to the
  total (the hold is not also hidden inside the segments' times).
- Recordings: each file OBS recorded during the show (an OBS restart mid-show ends one and the resync
  starts the next) is listed with its offset from the show's start and its length (none while it is still
  recording). Chapters stay relative to the show's start: for a later file, subtract its offset. The table
  lists them in its caption, Markdown in a "Recordings" section after the table, JSON as ``recordings``,
  CSV as trailing ``recording N`` rows after ``total`` (status ``recording``, the offset as
  ``actual_start_s``, ``start-end`` in ``airings_s``; ``actual_s`` stays empty so the column still adds up),
  and the chapters command warns when there is more than one file.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass

from rich.table import Table
from rich.text import Text

from greenroom.output import markdown_table, text_cell
from greenroom.text import markdown_escape, spreadsheet_safe
from livekit.core.chapters import aired_chapters, youtube_chapters
from livekit.core.durations import format_clock, format_signed
from livekit.core.show import SegmentState, Show, ShowStatus
from livekit.storage.shows import Recording

FORMATS = ("table", "csv", "json", "md", "chapters")


@dataclass(frozen=True)
class ReportRow:
    number: int
    title: str
    status: str  # aired | on air | skipped | not reached
    planned_start_ms: int
    actual_start_ms: int | None
    planned_ms: int
    actual_ms: int
    delta_ms: int | None  # actual − planned; None when the segment never aired
    airings: tuple[tuple[int, int | None], ...] = ()  # each (start, end) on air; end None while on air


@dataclass(frozen=True)
class RecordingRow:
    """One recording file: where it begins relative to the show's start (negative if OBS was recording
    before the show started), and its length (None while it is still recording)."""

    number: int
    offset_ms: int
    duration_ms: int | None

    def describe(self) -> str:
        """``Recording 2: from 12:41 (3:05)``, as the table and Markdown list it."""
        length = "still recording" if self.duration_ms is None else format_clock(self.duration_ms)
        return f"Recording {self.number}: from {format_clock(self.offset_ms)} ({length})"


@dataclass(frozen=True)
class ShowReport:
    show_id: int | None
    title: str
    status: str
    started_at_ms: int | None
    ended_at_ms: int | None
    planned_total_ms: int
    length_ms: int  # wall-clock length (so far, when still live)
    on_air_ms: int  # sum of the segments' actual durations (holds excluded)
    held_ms: int
    delta_ms: int  # length − planned total: positive = ran long
    rows: tuple[ReportRow, ...]
    recordings: tuple[RecordingRow, ...] = ()


def build_report(show: Show, *, show_id: int | None = None, now_ms: int | None = None,
                 recordings: Sequence[Recording] = ()) -> ShowReport:
    """The report of ``show``; ``recordings`` are its recording files as stored (``ShowStore.recordings``)."""
    snapshot = show.snapshot(now_ms)
    rows = []
    for status in snapshot.segments:
        aired = bool(status.airings)
        if status.state is SegmentState.CURRENT:
            label = "on air"
        elif aired:
            label = "aired"
        else:
            label = "skipped" if status.skipped else "not reached"
        rows.append(
            ReportRow(
                number=status.index + 1,
                title=status.title,
                status=label,
                planned_start_ms=status.planned_start_ms,
                actual_start_ms=status.actual_start_ms,
                planned_ms=status.planned_duration_ms,
                actual_ms=status.actual_duration_ms,
                delta_ms=status.actual_duration_ms - status.planned_duration_ms if aired else None,
                airings=status.airings,
            )
        )
    return ShowReport(
        show_id=show_id,
        title=snapshot.title,
        status=str(snapshot.status),
        started_at_ms=snapshot.started_at_ms,
        ended_at_ms=snapshot.ended_at_ms,
        planned_total_ms=snapshot.planned_total_ms,
        length_ms=snapshot.show_elapsed_ms,
        on_air_ms=sum(row.actual_ms for row in rows),
        held_ms=snapshot.held_total_ms,
        delta_ms=snapshot.show_elapsed_ms - snapshot.planned_total_ms
        if snapshot.status is ShowStatus.ENDED
        else snapshot.offset_ms,
        rows=tuple(rows),
        recordings=_recording_rows(recordings, snapshot.started_at_ms),
    )


def _recording_rows(recordings: Sequence[Recording], show_started_ms: int | None) -> tuple[RecordingRow, ...]:
    if not recordings:
        return ()
    origin = show_started_ms if show_started_ms is not None else recordings[0].started_ms
    return tuple(
        RecordingRow(number, recording.started_ms - origin,
                     None if recording.stopped_ms is None else recording.stopped_ms - recording.started_ms)
        for number, recording in enumerate(recordings, 1)
    )


#: Said wherever recordings are listed, so an editor knows how to use chapters with a later file.
CHAPTERS_NOTE = ("Chapters are relative to the show's start; for a recording that begins later, "
                 "subtract its offset.")


def _starts(row: ReportRow) -> str:
    """Each airing's start, so a revisited segment shows every time it went on air."""
    return ", ".join(format_clock(start) for start, _ in row.airings)


def _optional_signed(ms: int | None) -> str:
    return "" if ms is None else format_signed(ms)


def report_table(report: ShowReport) -> Table:
    """A rich table; titles are shown as typed: markup is not interpreted, escape sequences are made visible."""
    table = Table(title=text_cell(f"{report.title} ({report.status})"), show_footer=True)
    table.add_column("#", "", justify="right")
    table.add_column("segment", "total")
    table.add_column("status")
    table.add_column("planned start", justify="right")
    table.add_column("actual start", justify="right")
    table.add_column("planned", format_clock(report.planned_total_ms), justify="right")
    table.add_column("actual", format_clock(report.length_ms), justify="right")
    table.add_column("delta", format_signed(report.delta_ms), justify="right")
    for row in report.rows:
        delta = Text(_optional_signed(row.delta_ms), style="red" if (row.delta_ms or 0) > 0 else "green")
        table.add_row(
            str(row.number),
            text_cell(row.title),
            row.status,
            format_clock(row.planned_start_ms),
            _starts(row),
            format_clock(row.planned_ms),
            format_clock(row.actual_ms) if row.actual_start_ms is not None else "",
            delta,
        )
    caption = [f"held for {format_clock(report.held_ms)} in total"] if report.held_ms else []
    caption += [recording.describe() for recording in report.recordings]
    if len(report.recordings) > 1:
        caption.append(CHAPTERS_NOTE)
    if caption:
        table.caption = "\n".join(caption)
    return table


_CSV_COLUMNS = (
    "number", "title", "status", "planned_start_s", "actual_start_s", "planned_s", "actual_s", "delta_s", "airings_s",
)


def _seconds(ms: int | None) -> str:
    return "" if ms is None else f"{ms / 1000:.3f}".rstrip("0").rstrip(".")


def _csv_airings(row: ReportRow) -> str:
    """``start-end`` in seconds per airing, space-separated (``start-`` while on air)."""
    return " ".join(f"{_seconds(start)}-{_seconds(end)}" for start, end in row.airings)


def report_csv(report: ShowReport) -> str:
    """One row per segment, times in seconds, then a ``hold`` and a ``total`` row.

    The ``actual_s`` column adds up: the segments' on-air times plus the hold make the total length.
    """
    output = io.StringIO(newline="")
    writer = csv.writer(output, lineterminator="\n")
    writer.writerow(_CSV_COLUMNS)
    for row in report.rows:
        writer.writerow(
            [
                row.number,
                spreadsheet_safe(row.title),
                row.status,
                _seconds(row.planned_start_ms),
                _seconds(row.actual_start_ms),
                _seconds(row.planned_ms),
                _seconds(row.actual_ms) if row.actual_start_ms is not None else "",
                _seconds(row.delta_ms),
                _csv_airings(row),
            ]
        )
    writer.writerow(["", "hold", "", "", "", "0", _seconds(report.held_ms), _seconds(report.held_ms), ""])
    writer.writerow(
        ["", "total", report.status, "0", "0", _seconds(report.planned_total_ms), _seconds(report.length_ms),
         _seconds(report.delta_ms), ""]
    )
    for recording in report.recordings:
        end = None if recording.duration_ms is None else recording.offset_ms + recording.duration_ms
        writer.writerow(["", f"recording {recording.number}", "recording", "", _seconds(recording.offset_ms), "",
                         "", "", f"{_seconds(recording.offset_ms)}-{_seconds(end)}"])
    return output.getvalue()


def report_json(report: ShowReport) -> str:
    return json.dumps(dataclasses.asdict(report), indent=2, ensure_ascii=False) + "\n"


_MARKDOWN_COLUMNS = ("#", "segment", "status", "planned start", "actual start", "planned", "actual", "delta")
_MARKDOWN_RIGHT_ALIGNED = ("#", "planned start", "actual start", "planned", "actual", "delta")


def report_markdown(report: ShowReport) -> str:
    lines = [
        f"# {markdown_escape(report.title)}",
        "",
        f"Status: {report.status}. Planned {format_clock(report.planned_total_ms)}, "
        f"ran {format_clock(report.length_ms)} ({format_signed(report.delta_ms)})"
        + (f", held {format_clock(report.held_ms)}." if report.held_ms else "."),
        "",
    ]
    rows = [
        [str(row.number), markdown_escape(row.title), row.status, format_clock(row.planned_start_ms),
         _starts(row), format_clock(row.planned_ms),
         format_clock(row.actual_ms) if row.actual_start_ms is not None else "", _optional_signed(row.delta_ms)]
        for row in report.rows
    ]
    rows.append(["", "**total**", "", "", "", format_clock(report.planned_total_ms), format_clock(report.length_ms),
                 format_signed(report.delta_ms)])
    lines += markdown_table(_MARKDOWN_COLUMNS, rows, right_aligned=_MARKDOWN_RIGHT_ALIGNED)
    if report.recordings:
        lines += ["", "## Recordings", "", CHAPTERS_NOTE, ""]
        lines += [f"- {recording.describe()}" for recording in report.recordings]
    return "\n".join(lines) + "\n"


def report_chapters(report: ShowReport) -> tuple[str, list[str]]:
    """YouTube chapters from what aired, and warnings when YouTube would ignore them.

    One chapter per airing (see the module docstring); segments that never aired are left out; the first
    chapter is always ``00:00``.
    """
    aired = aired_chapters((row.title, row.airings) for row in report.rows)
    if not aired:
        return "", ["no segment has aired: there are no chapters"]
    lines, warnings = youtube_chapters(aired, end_ms=report.length_ms)
    if len(report.recordings) > 1:
        files = "; ".join(recording.describe() for recording in report.recordings)
        warnings = [*warnings, f"the show was recorded in {len(report.recordings)} files ({files}). {CHAPTERS_NOTE}"]
    return "\n".join(lines) + "\n", warnings
