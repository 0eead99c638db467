"""YouTube chapters from actual starts: one builder for the report and the VOD description."""

from livekit.core.chapters import (
    CHAPTERS_MARKER,
    aired_chapters,
    description_with_chapters,
    youtube_chapter_plan,
    youtube_chapters,
)

S = 1000


def test_chapters_start_at_zero_are_ordered_and_use_minutes_or_hours():
    lines, _ = youtube_chapters([(3_725 * S, "Wrap-up"), (2 * S, "Intro"), (65 * S, "Q&A  with\nJane")])
    assert lines == ["00:00 Intro", "01:05 Q&A with Jane", "1:02:05 Wrap-up"]


def test_a_long_show_has_a_usable_list_and_no_warnings():
    assert youtube_chapters([(0, "A"), (60 * S, "B"), (120 * S, "C")], end_ms=180 * S) == (
        ["00:00 A", "01:00 B", "02:00 C"], [])


def test_too_few_chapters_are_still_listed_with_a_warning():
    assert youtube_chapters([(0, "Only")]) == (["00:00 Only"], ["YouTube needs at least 3 chapters; this show has 1"])


def test_a_chapter_shorter_than_ten_seconds_is_named():
    _, warnings = youtube_chapters([(0, "Intro"), (60 * S, "Blink"), (65 * S, "End")])
    assert warnings == ["chapter 'Blink' lasts 0:05; YouTube needs at least 10 seconds"]


def test_the_last_chapter_is_checked_only_when_the_show_length_is_known():
    starts = [(0, "A"), (60 * S, "B"), (120 * S, "C")]
    assert youtube_chapters(starts)[1] == []
    assert youtube_chapters(starts, end_ms=125 * S)[1] == ["chapter 'C' lasts 0:05; YouTube needs at least 10 seconds"]


def test_chapters_follow_the_airings_and_a_revisited_segment_gets_a_part_2():
    segments = [("Intro", [(0, 60 * S), (180 * S, 240 * S)]), ("Talk", [(60 * S, 180 * S)]), ("Outro", [])]
    assert aired_chapters(segments) == [(0, "Intro"), (60 * S, "Talk"), (180 * S, "Intro (part 2)")]


def test_airings_of_no_length_are_left_out_and_what_then_touches_merges():
    segments = [("Intro", [(0, 60 * S), (60 * S, 90 * S)]), ("Talk", [(60 * S, 60 * S), (90 * S, None)])]
    assert aired_chapters(segments) == [(0, "Intro"), (90 * S, "Talk")]


def test_a_valid_plan_is_written_as_is():
    plan = youtube_chapter_plan([(0, "A"), (60 * S, "B"), (120 * S, "C")], end_ms=180 * S)
    assert (plan.lines, plan.notes, plan.problem) == (["00:00 A", "01:00 B", "02:00 C"], [], None)


def test_what_aired_before_the_video_started_collapses_into_the_chapter_at_zero():
    plan = youtube_chapter_plan([(-40 * S, "Countdown"), (-15 * S, "Intro"), (50 * S, "Talk"), (200 * S, "Q&A")])
    assert plan.lines == ["00:00 Intro", "00:50 Talk", "03:20 Q&A"]
    assert plan.notes == ["chapter 'Countdown' aired before the YouTube video started: left out"]


def test_a_chapter_shorter_than_ten_seconds_is_left_out_and_the_previous_one_runs_on():
    plan = youtube_chapter_plan([(0, "Intro"), (60 * S, "Blink"), (65 * S, "Talk"), (300 * S, "End")])
    assert plan.lines == ["00:00 Intro", "01:05 Talk", "05:00 End"]
    assert plan.notes == ["chapter 'Blink' lasted 0:05; YouTube needs at least 10 seconds: left out"]


def test_a_short_first_chapter_gives_zero_to_the_next_one():
    plan = youtube_chapter_plan([(0, "Oops"), (4 * S, "Intro"), (60 * S, "Talk"), (120 * S, "End")])
    assert plan.lines == ["00:00 Intro", "01:00 Talk", "02:00 End"]


def test_chapters_in_the_same_second_keep_only_the_later_one():
    plan = youtube_chapter_plan([(0, "A"), (60 * S, "B"), (60 * S + 400, "B again"), (120 * S, "C")])
    assert plan.lines == ["00:00 A", "01:00 B again", "02:00 C"]


def test_a_last_chapter_cut_short_by_the_end_is_left_out():
    plan = youtube_chapter_plan([(0, "A"), (60 * S, "B"), (120 * S, "C"), (175 * S, "Bye")], end_ms=180 * S)
    assert plan.lines == ["00:00 A", "01:00 B", "02:00 C"]


def test_a_show_that_cannot_make_three_valid_chapters_gets_a_clear_problem_and_no_lines():
    plan = youtube_chapter_plan([(0, "Intro"), (5 * S, "Blink"), (60 * S, "Talk")])
    assert plan.lines == []
    assert plan.problem == ("this show cannot make valid YouTube chapters: 2 chapter(s) of at least 10 seconds, "
                            "YouTube needs at least 3; chapters not written")


def test_angle_brackets_never_reach_the_description():
    plan = youtube_chapter_plan([(0, "Intro"), (60 * S, "<script> & me"), (120 * S, "A > B")])
    assert plan.lines == ["00:00 Intro", "01:00 ‹script› & me", "02:00 A › B"]


def test_the_team_text_above_the_marker_is_kept_and_an_old_block_replaced():
    first = description_with_chapters("Our launch show.", ["00:00 Intro"])
    assert first == f"Our launch show.\n\n{CHAPTERS_MARKER}\n00:00 Intro"
    edited = first.replace("Our launch show.", "Our launch show.\nLinks: example.org")
    assert description_with_chapters(edited, ["00:00 Hello"]) == (
        f"Our launch show.\nLinks: example.org\n\n{CHAPTERS_MARKER}\n00:00 Hello")
    assert description_with_chapters("", ["00:00 Intro"]) == f"{CHAPTERS_MARKER}\n00:00 Intro"
