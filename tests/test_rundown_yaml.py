"""YAML rundowns: what a correct file gives, and every mistake reported as file:line: message at once."""

from pathlib import Path

import pytest

from livekit.core.rundown import Prompt
from livekit.rundown import RundownError, load_rundown, parse_rundown_yaml, validate_rundown

DATA = Path(__file__).parent / "data"


def messages(text: str) -> list[str]:
    with pytest.raises(RundownError) as caught:
        parse_rundown_yaml(text, "show.yaml")
    return [str(problem) for problem in caught.value.problems]


def test_a_correct_rundown_gives_its_show_settings():
    rundown = load_rundown(DATA / "rundown-good.yaml")
    assert (rundown.title, rundown.warning_ms, rundown.stream, rundown.record) == ("Weekly Q&A", 20_000, True, True)


def test_a_correct_rundown_gives_every_segment_with_exact_durations():
    rundown = load_rundown(DATA / "rundown-good.yaml")
    assert [(s.title, s.duration_ms, s.scene) for s in rundown.segments] == [
        ("Intro", 90_000, "Camera"),
        ("Interview", 3_723_000, "Interview"),
        ("Outro", 45_000, None),
    ]


def test_plain_prompts_start_with_the_segment_and_timed_ones_at_their_offset():
    intro = load_rundown(DATA / "rundown-good.yaml").segments[0]
    assert intro.prompts == (Prompt(0, "Smile, say hello"), Prompt(60_000, "Plug the newsletter"))


def test_guest_notes_and_a_single_talking_point_are_kept():
    interview = load_rundown(DATA / "rundown-good.yaml").segments[1]
    assert interview.guest == "Ada Lovelace"
    assert interview.talking_points == ("Her new book",)
    assert interview.notes == 'Lower third: "Mathematician"'


def test_unquoted_clock_durations_are_read_as_written_not_as_yaml_sexagesimal():
    rundown = parse_rundown_yaml("title: T\nsegments:\n  - {title: A, duration: 1:30}\n")
    assert rundown.segments[0].duration_ms == 90_000


def test_every_problem_of_a_broken_file_is_reported_at_once_with_its_line():
    _, problems = validate_rundown(DATA / "rundown-broken.yaml")
    name = str(DATA / "rundown-broken.yaml")
    assert [str(p) for p in problems] == [
        f"{name}:2: the show: unknown key 'warnign' (did you mean 'warning'?)",
        f"{name}:5: segment 1 (Intro): bad duration: '90x' is not a duration such as 90s, 2m, 1h5m, "
        "1m30s, 1:30, 1:02:03 or plain seconds",
        f"{name}:7: segment 2: unknown key 'titel' (did you mean 'title'?)",
        f"{name}:7: segment 2: missing title",
        f"{name}:12: segment 3 (Interview): prompt at 3m is past the segment's end (2m)",
        f"{name}:14: segment 3: duplicate key 'title' (first given on line 9)",
        f"{name}:15: segment 4: missing title",
    ]


def test_a_yaml_syntax_error_names_its_line():
    _, problems = validate_rundown(DATA / "rundown-syntax-error.yaml")
    assert len(problems) == 1
    assert problems[0].line == 5
    assert problems[0].message.startswith("YAML syntax error")


def test_a_file_that_is_a_list_is_not_a_show():
    _, problems = validate_rundown(DATA / "rundown-not-a-mapping.yaml")
    assert [p.message for p in problems] == [
        "the show must be a mapping of keys (title, warning, stream, record, starts_at, timezone, ends_at, hard_out, "
        "join_url, location, tags, goals, segments), found a list"
    ]


def test_a_show_without_segments_is_refused():
    _, problems = validate_rundown(DATA / "rundown-empty-segments.yaml")
    assert [(p.line, p.message) for p in problems] == [
        (2, "segments is empty: a show needs at least one segment")
    ]


def test_an_empty_file_is_refused():
    assert messages("") == ["show.yaml:1: the file is empty: expected a show with title and segments"]


def test_a_missing_show_title_and_segments_are_both_reported():
    assert messages("warning: 10s\n") == ["show.yaml:1: the show has no title", "show.yaml:1: the show has no segments"]


def test_a_missing_duration_is_reported_on_the_segment_line():
    assert messages("title: T\nsegments:\n  - title: A\n") == ["show.yaml:3: segment 1 (A): missing duration"]


def test_a_zero_duration_is_refused():
    assert messages("title: T\nsegments:\n  - {title: A, duration: 0s}\n") == [
        "show.yaml:3: segment 1 (A): duration must be more than zero"
    ]


def test_a_prompt_exactly_at_the_segment_end_is_past_it():
    text = "title: T\nsegments:\n  - title: A\n    duration: 1m\n    prompts:\n      - {at: 60, text: late}\n"
    assert messages(text) == ["show.yaml:6: segment 1 (A): prompt at 1m is past the segment's end (1m)"]


def test_a_timed_prompt_needs_text():
    text = "title: T\nsegments:\n  - title: A\n    duration: 1m\n    prompts:\n      - {at: 10s}\n"
    assert messages(text) == ["show.yaml:6: segment 1 (A): prompt has no text"]


def test_stream_must_be_a_boolean():
    text = "title: T\nstream: maybe\nsegments:\n  - {title: A, duration: 5}\n"
    assert messages(text) == ["show.yaml:2: stream must be true or false, found the value 'maybe'"]


def test_a_list_where_text_is_expected_is_reported():
    text = "title: T\nsegments:\n  - title: [A, B]\n    duration: 5\n"
    assert "segment 1: title must be text, found a list" in messages(text)[0]


def test_a_missing_file_is_reported_not_raised():
    _, problems = validate_rundown(DATA / "no-such-rundown.yaml")
    assert [p.message for p in problems] == ["no such file"]


def test_a_file_that_is_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: T\nsegments:\n  - {title: Caf\xe9, duration: 5}\n".encode("latin-1"))
    _, problems = validate_rundown(path)
    assert [(p.line, p.message) for p in problems] == [(3, "not UTF-8 text (save the file as UTF-8)")]


def test_the_error_message_lists_all_problems_one_per_line():
    with pytest.raises(RundownError) as caught:
        load_rundown(DATA / "rundown-broken.yaml")
    assert len(str(caught.value).splitlines()) == 7


def test_the_shipped_sample_show_is_valid():
    rundown = load_rundown(Path(__file__).parent.parent / "templates" / "rundowns" / "sample-show.yaml")
    assert len(rundown.segments) == 4
    assert any(segment.guest for segment in rundown.segments)


def test_an_empty_prompt_is_reported():
    text = "title: T\nsegments:\n  - title: A\n    duration: 1m\n    prompts:\n      - {}\n      - ''\n"
    assert messages(text) == ["show.yaml:6: segment 1 (A): empty prompt", "show.yaml:7: segment 1 (A): empty prompt"]


def test_the_shipped_sample_show_has_goals_and_a_tag_for_its_report():
    rundown = load_rundown(Path(__file__).parent.parent / "templates" / "rundowns" / "sample-show.yaml")
    assert [goal.name for goal in rundown.goals] == ["peak_viewers", "questions", "retention"]
    assert rundown.tags == ("demo",)
