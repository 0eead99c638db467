"""YouTube chapters from actual starts: one builder for the report and the VOD description."""

from livekit.core.chapters import aired_chapters, youtube_chapters

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
