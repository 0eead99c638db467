"""The after-show report: planned vs actual per segment in every format, and YouTube chapters."""

import csv
import io
import json

import pytest
from rich.console import Console

from livekit.core import FakeClock, Rundown, Segment, Show
from livekit.report import (
    build_report,
    report_chapters,
    report_csv,
    report_json,
    report_markdown,
    report_table,
)
from livekit.storage.shows import Recording, ShowStore

S = 1000
RUNDOWN = Rundown(
    "Weekly Q&A",
    (Segment("Intro", 60 * S), Segment("Interview", 120 * S), Segment("Games", 60 * S), Segment("Outro", 30 * S)),
)


def ran_show(clock, journal=None):
    """Intro runs 70 s, Interview 100 s with a 20 s hold, Games is skipped, Outro runs 30 s."""
    show = Show(RUNDOWN, clock, journal=journal)
    show.start()
    clock.advance(70 * S)
    show.next()
    clock.advance(50 * S)
    show.hold()
    clock.advance(20 * S)
    show.resume()
    clock.advance(50 * S)
    show.skip(2)
    show.next()
    clock.advance(30 * S)
    show.next()
    return show


@pytest.fixture
def result():
    return build_report(ran_show(FakeClock()), show_id=7)


def test_each_segment_shows_planned_and_actual_start_duration_and_delta(result):
    assert [(r.title, r.status, r.planned_start_ms, r.actual_start_ms, r.planned_ms, r.actual_ms, r.delta_ms)
            for r in result.rows] == [
        ("Intro", "aired", 0, 0, 60 * S, 70 * S, 10 * S),
        ("Interview", "aired", 60 * S, 70 * S, 120 * S, 100 * S, -20 * S),
        ("Games", "skipped", 180 * S, None, 60 * S, 0, None),
        ("Outro", "aired", 240 * S, 190 * S, 30 * S, 30 * S, 0),
    ]


def test_totals_compare_the_show_length_with_the_plan(result):
    assert (result.planned_total_ms, result.length_ms, result.on_air_ms, result.held_ms, result.delta_ms) == (
        270 * S, 220 * S, 200 * S, 20 * S, -50 * S,
    )


def test_csv_has_a_row_per_segment_then_hold_and_total_in_seconds(result):
    rows = list(csv.reader(io.StringIO(report_csv(result))))
    assert rows[0] == ["number", "title", "status", "planned_start_s", "actual_start_s", "planned_s", "actual_s",
                       "delta_s", "airings_s", "avg_viewers", "peak_viewers", "retention_pct", "chat_per_minute",
                       "questions", "viewer_gap_minutes", "metric_actual", "metric_goal", "metric_baseline"]
    assert rows[1][:9] == ["1", "Intro", "aired", "0", "0", "60", "70", "10", "0-70"]
    assert rows[3][:9] == ["3", "Games", "skipped", "180", "", "60", "", "", ""]
    assert rows[-2][:9] == ["", "hold", "", "", "", "0", "20", "20", ""]
    assert rows[-1][:9] == ["", "total", "ended", "0", "0", "270", "220", "-50", ""]


def test_without_audience_samples_the_csv_audience_columns_are_empty_and_no_goal_rows_follow(result):
    rows = list(csv.reader(io.StringIO(report_csv(result))))
    assert {cell for row in rows[1:] for cell in row[9:]} == {""}
    assert rows[-1][1] == "total"


def test_the_csv_actual_column_adds_up_to_the_total_counting_the_hold_once(result):
    *rows, total = list(csv.DictReader(io.StringIO(report_csv(result))))
    assert sum(float(row["actual_s"] or 0) for row in rows) == float(total["actual_s"]) == 220


def test_csv_titles_cannot_run_as_spreadsheet_formulas():
    rundown = Rundown("T", (Segment("=HYPERLINK(\"http://evil\")", 5 * S),))
    show = Show(rundown, FakeClock())
    show.start()
    rows = list(csv.reader(io.StringIO(report_csv(build_report(show)))))
    assert rows[1][1] == "'=HYPERLINK(\"http://evil\")"


def test_json_carries_every_row_and_the_totals(result):
    data = json.loads(report_json(result))
    assert (data["show_id"], data["status"], len(data["rows"]), data["delta_ms"]) == (7, "ended", 4, -50 * S)


def test_markdown_is_a_table_with_totals(result):
    text = report_markdown(result)
    assert "| 2 | Interview | aired | 1:00 | 1:10 | 2:00 | 1:40 | -0:20 |" in text
    assert "| | **total** | | | | 4:30 | 3:40 | -0:50 |" in text


def test_markdown_escapes_user_text_so_it_cannot_inject_markup_but_keeps_ampersands():
    rundown = Rundown("Launch | <b>AMA</b>", (Segment("Cold open & welcome", 5 * S), Segment("[x](y)", 5 * S)))
    show = Show(rundown, FakeClock())
    show.start()
    text = report_markdown(build_report(show))
    assert text.startswith("# Launch \\| &lt;b&gt;AMA&lt;/b&gt;\n")
    assert "| 1 | Cold open & welcome | on air |" in text
    assert "| 2 | \\[x\\](y) | not reached |" in text


def test_the_rich_table_shows_escape_sequences_in_titles_harmlessly():
    show = Show(Rundown("Show", (Segment("Intro\x1b[2J", 5 * S),)), FakeClock())
    show.start()
    console = Console(file=io.StringIO(), width=140)
    console.print(report_table(build_report(show)))
    assert "Intro\\x1b[2J" in console.file.getvalue()
    assert "\x1b[2J" not in console.file.getvalue()


def test_the_rich_table_prints_titles_literally_not_as_markup():
    rundown = Rundown("[bold]T[/bold]", (Segment("[red]Intro[/red]", 5 * S),))
    show = Show(rundown, FakeClock())
    show.start()
    console = Console(file=io.StringIO(), width=140)
    console.print(report_table(build_report(show)))
    assert "[red]Intro[/red]" in console.file.getvalue()


def test_chapters_use_actual_starts_and_leave_out_what_never_aired(result):
    text, warnings = report_chapters(result)
    assert text == "00:00 Intro\n01:10 Interview\n03:10 Outro\n"
    assert warnings == []


def test_chapters_of_a_long_show_use_hours_after_the_first_hour():
    clock = FakeClock()
    rundown = Rundown("Long", (Segment("A", 3_600 * S), Segment("B", 60 * S), Segment("C", 60 * S)))
    show = Show(rundown, clock)
    show.start()
    for _ in range(3):
        clock.advance(3_723 * S)
        show.next()
    text, _ = report_chapters(build_report(show))
    assert text == "00:00 A\n1:02:03 B\n2:04:06 C\n"


def test_too_few_or_too_short_chapters_are_still_printed_with_warnings():
    clock = FakeClock()
    show = Show(Rundown("Short", (Segment("A", 5 * S), Segment("B", 60 * S))), clock)
    show.start()
    clock.advance(5 * S)
    show.next()
    clock.advance(60 * S)
    show.next()
    text, warnings = report_chapters(build_report(show))
    assert text == "00:00 A\n00:05 B\n"
    assert warnings == [
        "YouTube needs at least 3 chapters; this show has 2",
        "chapter 'A' lasts 0:05; YouTube needs at least 10 seconds",
    ]


def test_report_command_defaults_to_the_latest_show(workspace, livekit_cli):
    store = ShowStore(workspace.database(), FakeClock())
    store.create_show(Rundown("Older", (Segment("X", 5 * S),)))
    show_id = store.create_show(RUNDOWN)
    ran_show(store.clock, journal=store.journal_for(show_id))
    outcome = livekit_cli("report", "--format", "chapters")
    assert outcome.exit_code == 0, outcome.output
    assert outcome.stdout == "00:00 Intro\n01:10 Interview\n03:10 Outro\n"


def test_report_command_writes_a_file(workspace, tmp_path, livekit_cli):
    store = ShowStore(workspace.database(), FakeClock())
    show_id = store.create_show(RUNDOWN)
    ran_show(store.clock, journal=store.journal_for(show_id))
    target = tmp_path / "report.md"
    outcome = livekit_cli("report", show_id, "-f", "md", "-o", target)
    assert outcome.exit_code == 0, outcome.output
    assert target.read_text().startswith("# Weekly Q&A\n")


def test_shows_command_lists_planned_and_actual_length(workspace, livekit_cli):
    store = ShowStore(workspace.database(), FakeClock())
    show_id = store.create_show(RUNDOWN)
    ran_show(store.clock, journal=store.journal_for(show_id))
    outcome = livekit_cli("shows")
    assert outcome.exit_code == 0, outcome.output
    line = next(line for line in outcome.stdout.splitlines() if "Weekly" in line)
    assert [cell.strip() for cell in line.split("│")[4:8]] == ["ended", "4:30", "3:40", "-0:50"]


def test_report_without_any_show_says_so_in_one_line(livekit_cli):
    outcome = livekit_cli("report")
    assert (outcome.exit_code, outcome.stderr) == (2, "Error: no shows yet in this workspace\n")


def test_report_of_an_unknown_show_names_it(livekit_cli):
    outcome = livekit_cli("report", 42)
    assert outcome.stderr == "Error: no show 42 in this workspace (see `livekit shows`)\n"


def revisited_show(clock):
    """Intro 60 s, Interview 100 s, back to Intro for 40 s, Interview again 20 s, then Outro 30 s."""
    show = Show(RUNDOWN, clock)
    show.start()
    for wait, move in ((60, "next"), (100, "back"), (40, "next"), (20, "skip_games"), (30, "end")):
        clock.advance(wait * S)
        if move == "skip_games":
            show.skip(2)
            show.next()
        else:
            getattr(show, move)()
    return show


def test_a_revisited_segment_lists_each_airing_and_counts_its_total_time_on_air():
    report = build_report(revisited_show(FakeClock()))
    intro, interview = report.rows[0], report.rows[1]
    assert (intro.actual_start_ms, intro.actual_ms, intro.delta_ms) == (0, 100 * S, 40 * S)
    assert intro.airings == ((0, 60 * S), (160 * S, 200 * S))
    assert (interview.actual_ms, interview.airings) == (120 * S, ((60 * S, 160 * S), (200 * S, 220 * S)))
    assert "| 1 | Intro | aired | 0:00 | 0:00, 2:40 | 1:00 | 1:40 | +0:40 |" in report_markdown(report)


def test_a_revisited_segment_gets_a_chapter_at_each_airing():
    text, warnings = report_chapters(build_report(revisited_show(FakeClock())))
    assert text == "00:00 Intro\n01:00 Interview\n02:40 Intro (part 2)\n03:20 Interview (part 2)\n03:40 Outro\n"
    assert warnings == []


def test_a_segment_left_with_skip_after_it_aired_is_reported_as_aired():
    clock = FakeClock()
    show = Show(RUNDOWN, clock)
    show.start()
    clock.advance(15 * S)
    show.skip()
    assert build_report(show).rows[0].status == "aired"


def test_an_undone_skip_leaves_no_trace_in_the_report_or_the_chapters():
    clock = FakeClock()
    show = Show(RUNDOWN, clock)
    show.start()
    clock.advance(15 * S)
    show.skip()
    clock.advance(3 * S)
    show.undo()
    clock.advance(42 * S)
    report = build_report(show)
    assert [(row.status, row.actual_ms) for row in report.rows[:2]] == [("on air", 60 * S), ("not reached", 0)]
    assert report_chapters(report)[0] == "00:00 Intro\n"


def split_recording_report():
    """The show of :func:`ran_show` (200 s), recorded from its start for 120 s, then, after OBS restarted,
    from 125 s until the end."""
    clock = FakeClock()
    show = ran_show(clock)
    start = show.snapshot().started_at_ms
    files = [Recording(start, start + 120 * S), Recording(start + 125 * S, start + 200 * S)]
    return build_report(show, recordings=files)


def test_each_recording_has_its_offset_from_the_show_start_and_its_length():
    report = split_recording_report()
    assert [(r.number, r.offset_ms, r.duration_ms) for r in report.recordings] == [(1, 0, 120 * S), (2, 125 * S, 75 * S)]


def test_a_recording_still_running_has_no_length():
    show = ran_show(FakeClock())
    report = build_report(show, recordings=[Recording(show.snapshot().started_at_ms + 5 * S)])
    assert [(r.offset_ms, r.duration_ms) for r in report.recordings] == [(5 * S, None)]
    assert report.recordings[0].describe() == "Recording 1: from 0:05 (still recording)"


def test_markdown_lists_the_recordings_with_offsets_and_says_chapters_follow_the_show_start():
    text = report_markdown(split_recording_report())
    assert "## Recordings" in text
    assert "- Recording 1: from 0:00 (2:00)\n- Recording 2: from 2:05 (1:15)" in text
    assert "relative to the show's start" in text


def test_the_table_lists_the_recordings_under_it():
    console = Console(file=io.StringIO(), width=140)
    console.print(report_table(split_recording_report()))
    printed = console.file.getvalue()
    assert "Recording 1: from 0:00 (2:00)" in printed
    assert "Recording 2: from 2:05 (1:15)" in printed


def test_json_has_the_recordings():
    data = json.loads(report_json(split_recording_report()))
    assert data["recordings"] == [{"number": 1, "offset_ms": 0, "duration_ms": 120 * S},
                                  {"number": 2, "offset_ms": 125 * S, "duration_ms": 75 * S}]


def test_csv_lists_recordings_after_the_total_without_changing_the_sums():
    rows = list(csv.DictReader(io.StringIO(report_csv(split_recording_report()))))
    total = next(index for index, row in enumerate(rows) if row["title"] == "total")
    recordings = rows[total + 1:]
    assert [(r["title"], r["status"], r["actual_start_s"], r["actual_s"], r["airings_s"]) for r in recordings] == [
        ("recording 1", "recording", "0", "", "0-120"),
        ("recording 2", "recording", "125", "", "125-200"),
    ]


def test_chapters_warn_when_the_show_was_recorded_in_several_files():
    _, warnings = report_chapters(split_recording_report())
    assert any("recorded in 2 files" in warning and "from 2:05" in warning for warning in warnings)


def test_a_report_without_recordings_lists_none():
    report = build_report(ran_show(FakeClock()))
    assert report.recordings == ()
    assert "Recordings" not in report_markdown(report)
