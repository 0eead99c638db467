"""The after-show report: planned vs actual per segment, audience per segment, each show metric against its
goal and baseline; as a table, CSV, JSON, Markdown, self-contained HTML or VOD chapters.

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
- Audience (from the per-minute ``audience_samples``, rules in :mod:`livekit.core.segment_audience`): each
  segment's average and peak viewers, retention (viewers at its end vs its start, %), chat per minute and
  questions, and its minutes whose viewers are a gap (no data from a platform: left out, never a zero).
- Goals: every show metric (:data:`greenroom.goals.SHOW_GOALS`) as actual / goal / baseline with a verdict
  (met, missed, no goal, no data). The goal comes from the rundown's ``goals:``, else from the workspace's
  ``[goals] show.NAME``; the baseline from earlier comparable shows (:mod:`livekit.core.baseline`).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rich.table import Table
from rich.text import Text

from greenroom.goals import SHOW_GOALS, Goal, Unit, format_value, verdict
from greenroom.output import markdown_table, text_cell
from greenroom.text import markdown_escape, spreadsheet_safe
from livekit.core.baseline import Baseline
from livekit.core.chapters import aired_chapters, youtube_chapters
from livekit.core.durations import format_clock, format_signed
from livekit.core.segment_audience import Sample, SegmentAudience, SegmentWindow, show_audience
from livekit.core.show import SegmentState, Show, ShowStatus
from livekit.storage.shows import Recording

FORMATS = ("table", "csv", "json", "md", "html", "chapters")


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
    guest: str | None = None
    audience: SegmentAudience | None = None  # None when the show has no audience samples


@dataclass(frozen=True)
class GoalLine:
    """One show metric: actual / goal / baseline and the verdict against the goal."""

    name: str
    unit: str
    actual: float | None
    goal: float | None
    goal_source: str | None  # "rundown" | "workspace" | None
    baseline: float | None
    baseline_shows: tuple[int, ...]  # the shows the baseline is the median of (newest first)
    verdict: str

    def cells(self) -> tuple[str, str, str, str]:
        """actual, goal, baseline (with how many shows), verdict: as text for the table and Markdown."""
        unit = Unit(self.unit)
        baseline = format_value(unit, _rounded(self.baseline))
        if self.baseline is not None:
            count = len(self.baseline_shows)
            baseline += f" ({count} show{'s' if count != 1 else ''})"
        actual = "no data" if self.actual is None else format_value(unit, _rounded(self.actual))
        return actual, format_value(unit, self.goal), baseline, self.verdict


@dataclass(frozen=True)
class ViewerPoint:
    """Viewers in the minute starting ``offset_ms`` after the show's start (0 for the minute the show started
    in, which began a little before it); None is a gap."""

    offset_ms: int
    viewers: float | None
    gap_reason: str | None = None


@dataclass(frozen=True)
class GapRow:
    offset_ms: int
    metric: str
    platform: str
    reason: str


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
    goals: tuple[GoalLine, ...] = ()
    baseline: str = ""  # how the baseline was chosen, e.g. "median of the last 5 comparable"
    viewers: tuple[ViewerPoint, ...] = ()  # the viewer curve, minute by minute (empty: no samples)
    gaps: tuple[GapRow, ...] = ()


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def build_report(show: Show, *, show_id: int | None = None, now_ms: int | None = None,
                 recordings: Sequence[Recording] = (), samples: Sequence[Sample] = (),
                 workspace_goals: Sequence[Goal] = (), baselines: dict[str, Baseline] | None = None,
                 baseline_label: str = "") -> ShowReport:
    """The report of ``show``; ``recordings`` are its recording files as stored (``ShowStore.recordings``),
    ``samples`` its audience samples, ``workspace_goals`` the ``[goals] show.*`` targets (the rundown's own
    ``goals:`` win), ``baselines`` per metric name (:func:`livekit.core.baseline.baselines`)."""
    snapshot = show.snapshot(now_ms)
    audience = None
    if samples and snapshot.started_at_ms is not None:
        origin = snapshot.started_at_ms
        windows = [
            SegmentWindow(status.title, show.rundown.segments[status.index].guest,
                          tuple((origin + start, None if end is None else origin + end)
                                for start, end in status.airings))
            for status in snapshot.segments
        ]
        audience = show_audience(samples, started_ms=origin, ended_ms=snapshot.ended_at_ms, segments=windows)
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
                guest=show.rundown.segments[status.index].guest,
                audience=None if audience is None else audience.segments[status.index],
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
        goals=_goal_lines(show.rundown.goals, workspace_goals, audience.metrics if audience else {}, baselines or {}),
        baseline=baseline_label,
        viewers=() if audience is None else tuple(
            ViewerPoint(_since_start(minute.at_ms, snapshot.started_at_ms), minute.value,
                        "; ".join(f"{gap.platform}: {gap.reason}" for gap in minute.gaps) or None)
            for minute in audience.viewers),
        gaps=() if audience is None else tuple(
            GapRow(_since_start(gap.at_ms, snapshot.started_at_ms), gap.metric, gap.platform, gap.reason)
            for gap in audience.gaps),
    )


def _since_start(at_ms: int, started_at_ms: int | None) -> int:
    """Where an audience minute sits in the show: the show's opening minute began before it, at 0:00."""
    return max(0, at_ms - (started_at_ms or 0))


def _goal_lines(rundown_goals: Sequence[Goal], workspace_goals: Sequence[Goal], metrics: Mapping[str, float | None],
                baselines: dict[str, Baseline]) -> tuple[GoalLine, ...]:
    """Every show metric, or none at all when there is nothing to say: no samples, goals or baselines (a show
    run before audience was recorded keeps its report as it was)."""
    own = {goal.name: goal.target for goal in rundown_goals}
    shared = {goal.name: goal.target for goal in workspace_goals}
    if not (metrics or own or shared or any(b.value is not None for b in baselines.values())):
        return ()
    lines = []
    for name, definition in SHOW_GOALS.items():
        target = own.get(name, shared.get(name))
        source = "rundown" if name in own else "workspace" if name in shared else None
        actual = metrics.get(name)
        baseline = baselines.get(name, Baseline(None, ()))
        lines.append(GoalLine(name, str(definition.unit), actual, target, source, baseline.value,
                              baseline.show_ids, str(verdict(definition, actual, target))))
    return tuple(lines)


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
    if report.viewers:
        for name in AUDIENCE_COLUMNS:
            table.add_column(name, justify="right")
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
            *(_audience_cells(row) if report.viewers else ()),
        )
    caption = [f"held for {format_clock(report.held_ms)} in total"] if report.held_ms else []
    caption += [recording.describe() for recording in report.recordings]
    if len(report.recordings) > 1:
        caption.append(CHAPTERS_NOTE)
    if report.viewers and any(point.viewers is None for point in report.viewers):
        caption.append(GAPS_NOTE)
    if caption:
        table.caption = "\n".join(caption)
    return table


def goals_table(report: ShowReport) -> Table:
    """Each show metric: actual / goal / baseline and the verdict."""
    table = Table(title=f"Goals (baseline: {report.baseline or 'none'})")
    for name in GOAL_COLUMNS:
        table.add_column(name, justify="left" if name in ("metric", "verdict") else "right")
    styles = {"met": "green", "missed": "red"}
    for line in report.goals:
        actual, goal, baseline, result = line.cells()
        table.add_row(line.name, actual, goal, baseline, Text(result, style=styles.get(result, "")))
    return table


#: The per-segment audience columns (table, Markdown, HTML), when the show has audience samples.
AUDIENCE_COLUMNS = ("avg viewers", "peak viewers", "retention", "chat/min", "questions", "gap minutes")
GOAL_COLUMNS = ("metric", "actual", "goal", "baseline", "verdict")
#: Said wherever the audience has gaps.
GAPS_NOTE = ("Gap minutes: a platform gave no audience figure; they are left out of averages and peaks, "
             "not counted as zero.")


def _figure(value: float | None, suffix: str = "") -> str:
    """Audience figures as shown: at most one decimal (``82.5``, ``80``); empty for no data."""
    if value is None:
        return ""
    return f"{value:.1f}".removesuffix(".0") + suffix


def _audience_cells(row: ReportRow) -> list[str]:
    audience = row.audience
    if audience is None:
        return [""] * len(AUDIENCE_COLUMNS)
    return [_figure(audience.avg_viewers), _figure(audience.peak_viewers), _figure(audience.retention_percent, "%"),
            _figure(audience.chat_per_minute), _figure(audience.questions),
            str(audience.gap_minutes) if audience.minutes else ""]


_CSV_COLUMNS = (
    "number", "title", "status", "planned_start_s", "actual_start_s", "planned_s", "actual_s", "delta_s", "airings_s",
    "avg_viewers", "peak_viewers", "retention_pct", "chat_per_minute", "questions", "viewer_gap_minutes",
    "metric_actual", "metric_goal", "metric_baseline",
)
_NO_AUDIENCE = [""] * 6
_NO_METRIC = [""] * 3


def _csv_number(value: float | None) -> str:
    """Full precision (rounded to 4 decimals) for other tools; empty for no data."""
    return "" if value is None else f"{round(value, 4):.4f}".rstrip("0").rstrip(".")


def _csv_audience(row: ReportRow) -> list[str]:
    audience = row.audience
    if audience is None:
        return _NO_AUDIENCE
    return [_csv_number(audience.avg_viewers), _csv_number(audience.peak_viewers),
            _csv_number(audience.retention_percent), _csv_number(audience.chat_per_minute),
            _csv_number(audience.questions), str(audience.gap_minutes) if audience.minutes else ""]


def _seconds(ms: int | None) -> str:
    return "" if ms is None else f"{ms / 1000:.3f}".rstrip("0").rstrip(".")


def _csv_airings(row: ReportRow) -> str:
    """``start-end`` in seconds per airing, space-separated (``start-`` while on air)."""
    return " ".join(f"{_seconds(start)}-{_seconds(end)}" for start, end in row.airings)


def report_csv(report: ShowReport) -> str:
    """One row per segment, times in seconds, then a ``hold`` and a ``total`` row.

    The ``actual_s`` column adds up: the segments' on-air times plus the hold make the total length.
    Segments carry their audience columns (empty without samples); after the recordings, one ``goal`` row per
    show metric: its name as title, the verdict as status, and ``metric_actual``/``metric_goal``/
    ``metric_baseline`` (percent metrics in percent).
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
                *_csv_audience(row),
                *_NO_METRIC,
            ]
        )
    blank = _NO_AUDIENCE + _NO_METRIC
    writer.writerow(["", "hold", "", "", "", "0", _seconds(report.held_ms), _seconds(report.held_ms), "", *blank])
    writer.writerow(
        ["", "total", report.status, "0", "0", _seconds(report.planned_total_ms), _seconds(report.length_ms),
         _seconds(report.delta_ms), "", *blank]
    )
    for recording in report.recordings:
        end = None if recording.duration_ms is None else recording.offset_ms + recording.duration_ms
        writer.writerow(["", f"recording {recording.number}", "recording", "", _seconds(recording.offset_ms), "",
                         "", "", f"{_seconds(recording.offset_ms)}-{_seconds(end)}", *blank])
    for line in report.goals:
        writer.writerow(["", line.name, line.verdict, "", "", "", "", "", "", *_NO_AUDIENCE,
                         _csv_number(line.actual), _csv_number(line.goal), _csv_number(line.baseline)])
    return output.getvalue()


def report_json(report: ShowReport, *, chart: str | None = None) -> str:
    """Everything in the report; ``chart`` is the PNG file written next to it (``--chart``), if any."""
    data = dataclasses.asdict(report)
    data["chart"] = chart
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


_MARKDOWN_COLUMNS = ("#", "segment", "status", "planned start", "actual start", "planned", "actual", "delta")
_MARKDOWN_RIGHT_ALIGNED = ("#", "planned start", "actual start", "planned", "actual", "delta")


def report_markdown(report: ShowReport, *, chart: str | None = None) -> str:
    """``chart``: the PNG file written next to it (``--chart``), linked as an image."""
    lines = [
        f"# {markdown_escape(report.title)}",
        "",
        f"Status: {report.status}. Planned {format_clock(report.planned_total_ms)}, "
        f"ran {format_clock(report.length_ms)} ({format_signed(report.delta_ms)})"
        + (f", held {format_clock(report.held_ms)}." if report.held_ms else "."),
        "",
    ]
    audience = bool(report.viewers)
    rows = [
        [str(row.number), markdown_escape(row.title), row.status, format_clock(row.planned_start_ms),
         _starts(row), format_clock(row.planned_ms),
         format_clock(row.actual_ms) if row.actual_start_ms is not None else "", _optional_signed(row.delta_ms),
         *(_audience_cells(row) if audience else ())]
        for row in report.rows
    ]
    rows.append(["", "**total**", "", "", "", format_clock(report.planned_total_ms), format_clock(report.length_ms),
                 format_signed(report.delta_ms), *([""] * len(AUDIENCE_COLUMNS) if audience else ())])
    columns = (*_MARKDOWN_COLUMNS, *(AUDIENCE_COLUMNS if audience else ()))
    lines += markdown_table(columns, rows,
                            right_aligned=(*_MARKDOWN_RIGHT_ALIGNED, *(AUDIENCE_COLUMNS if audience else ())))
    if audience and any(point.viewers is None for point in report.viewers):
        lines += ["", GAPS_NOTE]
    if chart is not None:
        lines += ["", f"![Viewers over the show]({_markdown_link(chart)})"]
    if report.goals:
        lines += ["", "## Goals", "", f"Baseline: {report.baseline or 'none'}.", ""]
        lines += markdown_table(GOAL_COLUMNS, [[line.name, *line.cells()] for line in report.goals],
                                right_aligned=("actual", "goal", "baseline"))
    if report.gaps:
        lines += ["", "## Audience gaps", ""]
        lines += [f"- {format_clock(gap.offset_ms)} {gap.metric} on {gap.platform}: {markdown_escape(gap.reason)}"
                  for gap in report.gaps]
    if report.recordings:
        lines += ["", "## Recordings", "", CHAPTERS_NOTE, ""]
        lines += [f"- {recording.describe()}" for recording in report.recordings]
    return "\n".join(lines) + "\n"


_HTML_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;padding:1rem;max-width:1200px;
color:#1d2430;background:#fff;line-height:1.4}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.15rem;margin-top:1.6rem}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border-bottom:1px solid #dde3ea;padding:.3rem .5rem;text-align:left;white-space:nowrap}
td.n,th.n{text-align:right}tfoot td{font-weight:600}
.met{color:#1b7a33;font-weight:600}.missed{color:#b3261e;font-weight:600}.note{color:#5a6472;font-size:.9rem}
#chart img{max-width:100%;height:auto;border:1px solid #dde3ea}
"""


def report_html(report: ShowReport, *, chart_png: bytes | None = None, chart_note: str | None = None) -> str:
    """One self-contained page: the chart embedded as a ``data:`` URI, no script, nothing fetched (a
    Content-Security-Policy forbids it), every user text escaped. ``chart_note`` replaces a missing chart."""
    import base64
    from html import escape

    def cell(text: str, numeric: bool = False) -> str:
        return f'<td class="n">{escape(text)}</td>' if numeric else f"<td>{escape(text)}</td>"

    def header(names: Sequence[str], numeric: Sequence[str]) -> str:
        return "".join(f'<th class="n">{escape(n)}</th>' if n in numeric else f"<th>{escape(n)}</th>"
                       for n in names)

    audience = bool(report.viewers)
    columns = (*_MARKDOWN_COLUMNS, *(AUDIENCE_COLUMNS if audience else ()))
    numeric = (*_MARKDOWN_RIGHT_ALIGNED, *AUDIENCE_COLUMNS)
    body = []
    for row in report.rows:
        cells = [str(row.number), row.title + (f" (with {row.guest})" if row.guest else ""), row.status,
                 format_clock(row.planned_start_ms), _starts(row), format_clock(row.planned_ms),
                 format_clock(row.actual_ms) if row.actual_start_ms is not None else "",
                 _optional_signed(row.delta_ms), *(_audience_cells(row) if audience else ())]
        body.append("<tr>" + "".join(cell(text, name in numeric) for name, text in zip(columns, cells,
                                                                                          strict=True)) + "</tr>")
    total = ["", "total", "", "", "", format_clock(report.planned_total_ms), format_clock(report.length_ms),
             format_signed(report.delta_ms), *([""] * len(AUDIENCE_COLUMNS) if audience else ())]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
        "style-src 'unsafe-inline'\">",
        f"<title>{escape(report.title)} — after-show report</title>",
        f"<style>{_HTML_STYLE}</style></head><body>",
        f"<h1>{escape(report.title)}</h1>",
        f'<p class="summary">Status: {escape(report.status)}. Planned {format_clock(report.planned_total_ms)}, '
        f"ran {format_clock(report.length_ms)} ({format_signed(report.delta_ms)})"
        + (f", held {format_clock(report.held_ms)}." if report.held_ms else ".") + "</p>",
        '<section id="chart"><h2>Viewers over the show</h2>',
    ]
    if chart_png is not None:
        encoded = base64.b64encode(chart_png).decode("ascii")
        parts.append(f'<img src="data:image/png;base64,{encoded}" width="1000" height="420" '
                     f'alt="Viewers per minute over {escape(report.title)}, with segment bands">')
    else:
        parts.append(f'<p class="note">{escape(chart_note or "no chart")}</p>')
    parts.append("</section>")
    parts += ['<section id="segments"><h2>Segments</h2><div class="scroll"><table>',
              f"<thead><tr>{header(columns, numeric)}</tr></thead>",
              "<tbody>" + "".join(body) + "</tbody>",
              "<tfoot><tr>" + "".join(cell(text, name in numeric) for name, text in zip(columns, total, strict=True))
              + "</tr></tfoot></table></div>"]
    if audience and any(point.viewers is None for point in report.viewers):
        parts.append(f'<p class="note">{escape(GAPS_NOTE)}</p>')
    parts.append("</section>")
    if report.goals:
        parts += ['<section id="goals"><h2>Goals</h2>',
                  f'<p class="note">Baseline: {escape(report.baseline or "none")}.</p>',
                  '<div class="scroll"><table>',
                  f"<thead><tr>{header(GOAL_COLUMNS, ('actual', 'goal', 'baseline'))}</tr></thead><tbody>"]
        for line in report.goals:
            actual, goal, baseline, result = line.cells()
            parts.append(f"<tr><td>{escape(line.name)}</td>{cell(actual, True)}{cell(goal, True)}"
                         f'{cell(baseline, True)}<td class="{escape(result.replace(" ", "-"))}">{escape(result)}'
                         "</td></tr>")
        parts.append("</tbody></table></div></section>")
    if report.gaps:
        parts.append('<section id="gaps"><h2>Audience gaps</h2><ul>')
        parts += [f"<li>{format_clock(gap.offset_ms)} {escape(gap.metric)} on {escape(gap.platform)}: "
                  f"{escape(gap.reason)}</li>" for gap in report.gaps]
        parts.append("</ul></section>")
    if report.recordings:
        parts.append(f'<section id="recordings"><h2>Recordings</h2><p class="note">{escape(CHAPTERS_NOTE)}</p><ul>')
        parts += [f"<li>{escape(recording.describe())}</li>" for recording in report.recordings]
        parts.append("</ul></section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _markdown_link(path: str) -> str:
    """A file name as a Markdown link target: spaces and brackets percent-encoded."""
    from urllib.parse import quote

    return quote(path, safe="/._-~")


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
