"""YouTube quota estimate, chat polling budget and chapter lines (pure rules)."""

from datetime import UTC, datetime

from livekit.platforms.rules import (
    chapter_lines,
    chapter_warnings,
    chat_poll_interval_ms,
    describe_with_chapters,
    quota_cost,
)


def ms(text):
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def test_estimated_costs_per_call():
    assert quota_cost("liveChatMessages.list") == 5
    assert quota_cost("liveBroadcasts.list") == 1
    assert quota_cost("liveBroadcasts.insert") == 50
    assert quota_cost("liveBroadcasts.transition") == 50
    assert quota_cost("liveBroadcasts.bind") == 50


def test_polling_never_goes_faster_than_youtube_asks():
    assert chat_poll_interval_ms(5_000, 10_000, 60_000) == 5_000


def test_polling_is_slowed_so_the_quota_lasts_until_the_planned_end():
    # 2,400 usable units (400 kept back) = 480 polls over 2 hours: one every 15 s.
    assert chat_poll_interval_ms(1_000, 2_800, 2 * 3_600_000) == 15_000


def test_without_quota_left_polling_waits_at_least_a_minute():
    assert chat_poll_interval_ms(1_000, 300, 3_600_000) == 3_600_000
    assert chat_poll_interval_ms(1_000, 0, 0) == 60_000


def test_chapter_lines_start_at_zero_and_use_minutes_or_hours():
    assert chapter_lines([(3_725, "Wrap-up"), (2, "Intro"), (65, "Q&A  with\nJane")]) == [
        "00:00 Intro",
        "01:05 Q&A with Jane",
        "1:02:05 Wrap-up",
    ]


def test_chapter_warnings_explain_why_youtube_may_not_show_them():
    assert chapter_warnings([(0, "Intro"), (60, "Blink"), (65, "End")]) == [
        "chapters shorter than 10 s are ignored by YouTube: Blink"
    ]
    assert chapter_warnings([(0, "Only")]) == ["YouTube shows chapters only when there are at least 3"]


def test_chapters_are_appended_to_the_description_and_replaced_on_rewrite():
    first = describe_with_chapters("Our launch show.", [(0, "Intro")])
    assert first == "Our launch show.\n\nChapters:\n00:00 Intro"
    assert describe_with_chapters(first, [(0, "Hello")]) == "Our launch show.\n\nChapters:\n00:00 Hello"
    assert describe_with_chapters("", [(0, "Intro")]) == "Chapters:\n00:00 Intro"
