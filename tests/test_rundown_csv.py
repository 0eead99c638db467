"""CSV rundowns for spreadsheets: same model as YAML, errors as file:line, and a lossless round trip."""

from pathlib import Path

import pytest

from livekit.core.rundown import Prompt, Rundown, Segment
from livekit.rundown import (
    RundownError,
    load_rundown,
    parse_rundown_csv,
    parse_rundown_yaml,
    rundown_to_csv,
    rundown_to_yaml,
    validate_rundown,
)

DATA = Path(__file__).parent / "data"


def test_yaml_to_csv_to_yaml_gives_the_same_rundown():
    original = load_rundown(DATA / "rundown-good.yaml")
    back = parse_rundown_yaml(rundown_to_yaml(parse_rundown_csv(rundown_to_csv(original))))
    assert back == original


def test_the_sample_show_survives_the_round_trip():
    original = load_rundown(Path(__file__).parent.parent / "templates" / "rundowns" / "sample-show.yaml")
    assert parse_rundown_csv(rundown_to_csv(original)) == original


def test_csv_export_writes_settings_lines_then_a_header_and_one_row_per_segment():
    lines = rundown_to_csv(load_rundown(DATA / "rundown-good.yaml")).splitlines()
    assert lines[:5] == [
        "# title: Weekly Q&A",
        "# warning: 20s",
        "# stream: true",
        "# record: true",
        "title,duration,scene,guest,notes,talking_points,prompts",
    ]
    assert lines[5] == 'Intro,1m30s,Camera,,,Welcome | Agenda,"Smile, say hello | 1m=Plug the newsletter"'


def test_a_spreadsheet_export_with_quoted_settings_and_reordered_columns_is_read():
    rundown = load_rundown(DATA / "rundown-spreadsheet.csv")
    assert rundown.title == "From a spreadsheet, with a comma"
    assert rundown.record is True
    assert rundown.segments[0] == Segment(
        "Intro", 120_000, talking_points=("One", "Two"), prompts=(Prompt(0, "Hi"), Prompt(60_000, "Plug the newsletter"))
    )
    assert rundown.segments[1].duration_ms == 30_000


def test_unknown_settings_and_columns_are_reported_with_suggestions():
    _, problems = validate_rundown(DATA / "rundown-broken.csv")
    name = str(DATA / "rundown-broken.csv")
    assert [str(p) for p in problems] == [
        f"{name}:2: unknown setting 'warnig' (did you mean 'warning'?)",
        f"{name}:3: header: unknown column 'gueest' (did you mean 'guest'?)",
    ]


def test_bad_rows_are_all_reported_on_the_line_where_the_row_starts():
    _, problems = validate_rundown(DATA / "rundown-bad-rows.csv")
    assert [(p.line, p.message) for p in problems] == [
        (3, "segment 1 (Intro): prompt at 2m is past the segment's end (1m)"),
        (4, "segment 2: missing title"),
        (5, "segment 3 (Multi line): bad duration: 'abc' is not a duration such as 90s, 2m, 1h5m, 1m30s, "
            "1:30, 1:02:03 or plain seconds"),
    ]


def test_a_csv_without_a_title_line_says_how_to_add_one():
    with pytest.raises(RundownError, match=r"x.csv:1: missing the show title: start the file with a line '# title"):
        parse_rundown_csv("title,duration\nIntro,1m\n", "x.csv")


def test_a_csv_without_the_duration_column_is_refused_at_the_header():
    with pytest.raises(RundownError, match=r"x.csv:2: header: missing column 'duration'"):
        parse_rundown_csv("# title: T\ntitle,scene\nIntro,Cam\n", "x.csv")


def test_a_header_without_rows_has_no_segments():
    with pytest.raises(RundownError, match=r"x.csv:2: no segments"):
        parse_rundown_csv("# title: T\ntitle,duration\n", "x.csv")


def test_a_start_prompt_that_looks_timed_is_exported_unambiguously():
    rundown = Rundown("T", (Segment("A", 60_000, prompts=(Prompt(0, "5s=not an offset"),)),))
    text = rundown_to_csv(rundown)
    assert "0s=5s=not an offset" in text
    assert parse_rundown_csv(text) == rundown


def test_text_containing_the_list_separator_cannot_be_exported():
    rundown = Rundown("T", (Segment("A", 60_000, talking_points=("this | that",)),))
    with pytest.raises(RundownError, match=r"segment 1 \(A\): a talking point or prompt contains '\|'"):
        rundown_to_csv(rundown)
