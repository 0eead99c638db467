"""The after-show report's audience: per-segment figures, goal verdicts and baselines, worked out by hand
on a synthetic show whose viewer curve is written straight into ``audience_samples``.

The show (epoch-minute aligned, started by ``livekit`` time at T0): Intro 2 min, Interview 3 min (with Ada
Lovelace), Outro 1 min. Per minute (0..5):

    twitch viewers   40  60  80  90  70  50
    youtube viewers  10  20  20  --  20  20     (minute 3: quotaExceeded, a gap)
    total            50  80 100  gap 90  70
    chat messages     5  10  30  40  20   5
    questions         0   1   4   6   3   0
    new followers     1   2   3  --   2   1     (minute 3: missing scope, a gap)

Intro: avg 65, peak 80, retention 160%, chat 7.5/min, 1 question. Interview: avg 95 (the gap left out),
peak 100, retention 90%, 30 chat/min, 13 questions, 1 gap minute. Outro: avg 70, peak 70, no retention
(one minute), 5/min, 0 questions. Show: peak 100, avg 78, retention 140%, 14 questions, 9 new followers,
110/6 chat per minute, 110/78 chat per viewer.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
import sqlite_utils

from greenroom.goals import Goal
from livekit.core import FakeClock, Rundown, Segment
from livekit.core.audience import AudienceSample
from livekit.report import build_report, report_csv, report_html, report_json, report_markdown
from livekit.report_data import audience_samples
from livekit.storage.audience import record
from livekit.storage.shows import ShowStore

MINUTE = 60_000
T0 = 1_800_000_000_000 - 1_800_000_000_000 % MINUTE
RUNDOWN = Rundown(
    "Weekly Q&A",
    (Segment("Intro", 2 * MINUTE), Segment("Interview", 3 * MINUTE, guest="Ada Lovelace"),
     Segment("Outro", MINUTE)),
    tags=("qa",),
    goals=(Goal("peak_viewers", 150), Goal("avg_viewers", 75), Goal("questions", 20), Goal("retention", 80),
           Goal("chat_per_minute", 10)),
)
CURVE = {
    ("twitch", "viewers"): [40, 60, 80, 90, 70, 50],
    ("youtube", "viewers"): [10, 20, 20, None, 20, 20],
    ("chat", "chat_messages"): [5, 10, 30, 40, 20, 5],
    ("chat", "questions"): [0, 1, 4, 6, 3, 0],
    ("twitch", "new_followers"): [1, 2, 3, None, 2, 1],
}
GAP_REASONS = {"viewers": "quotaExceeded", "new_followers": "token lacks moderator:read:followers"}


def record_samples(db: sqlite_utils.Database, show_id: int, started_ms: int,
                   curve: dict[tuple[str, str], list[float | None]]) -> None:
    """Writes the curve the way the recorder does (livekit.storage.audience), a gap where a value is None."""
    record(db, show_id, [
        AudienceSample(started_ms + minute * MINUTE, platform, metric, value,
                     GAP_REASONS[metric] if value is None else None)
        for (platform, metric), values in curve.items() for minute, value in enumerate(values)])


def run_show(db: sqlite_utils.Database, clock: FakeClock, rundown: Rundown, *, rehearsal: bool = False) -> int:
    """Runs every segment for its planned time; returns the show's id."""
    store = ShowStore(db, clock)
    show_id = store.create_show(rundown, rehearsal=rehearsal)
    show = store.load_show(show_id)
    show.start()
    for segment in rundown.segments:
        clock.advance(segment.duration_ms)
        show.next()
    return show_id


@pytest.fixture
def db(workspace):
    return workspace.database()


@pytest.fixture
def show_id(db):
    clock = FakeClock(T0)
    show_id = run_show(db, clock, RUNDOWN)
    record_samples(db, show_id, T0, CURVE)
    return show_id


@pytest.fixture
def report(db, show_id):
    store = ShowStore(db)
    return build_report(store.load_show(show_id, journal=False), show_id=show_id,
                        samples=audience_samples(db, show_id), workspace_goals=(Goal("new_followers", 5),))


def test_each_segment_has_average_and_peak_viewers_retention_chat_per_minute_and_questions(report):
    assert [(row.title, row.audience.avg_viewers, row.audience.peak_viewers, row.audience.retention_percent,
             row.audience.chat_per_minute, row.audience.questions) for row in report.rows] == [
        ("Intro", 65, 80, 160, 7.5, 1),
        ("Interview", 95, 100, 90, 30, 13),
        ("Outro", 70, 70, None, 5, 0),
    ]


def test_a_gap_minute_is_left_out_and_counted_as_a_gap_never_as_zero(report):
    interview = report.rows[1].audience
    assert (interview.minutes, interview.gap_minutes) == (3, 1)
    assert [point.viewers for point in report.viewers] == [50, 80, 100, None, 90, 70]
    assert report.viewers[3].gap_reason == "youtube: quotaExceeded"


def test_every_gap_is_listed_with_its_platform_and_reason(report):
    assert [(gap.offset_ms, gap.metric, gap.platform, gap.reason) for gap in report.gaps] == [
        (3 * MINUTE, "new_followers", "twitch", "token lacks moderator:read:followers"),
        (3 * MINUTE, "viewers", "youtube", "quotaExceeded"),
    ]


def test_show_metrics_against_their_goals(report):
    lines = {line.name: (line.actual, line.goal, line.goal_source, line.verdict) for line in report.goals}
    assert lines == {
        "peak_viewers": (100, 150, "rundown", "missed"),
        "avg_viewers": (78, 75, "rundown", "met"),
        "questions": (14, 20, "rundown", "missed"),
        "new_followers": (9, 5, "workspace", "met"),
        "chat_per_viewer": (pytest.approx(110 / 78), None, None, "no goal"),
        "retention": (140, 80, "rundown", "met"),
        "chat_per_minute": (pytest.approx(110 / 6), 10, "rundown", "met"),
    }


def test_a_metric_without_any_sample_is_no_data(db, workspace):
    clock = FakeClock(T0)
    show_id = run_show(db, clock, RUNDOWN)
    record_samples(db, show_id, T0, {("twitch", "viewers"): [10, 20, 30, 40, 50, 60]})
    report = build_report(ShowStore(db).load_show(show_id, journal=False), samples=audience_samples(db, show_id))
    verdicts = {line.name: line.verdict for line in report.goals}
    assert (verdicts["questions"], verdicts["peak_viewers"], verdicts["chat_per_viewer"]) == (
        "no data", "missed", "no data")


def test_samples_outside_the_show_are_ignored(db):
    show_id = run_show(db, FakeClock(T0), RUNDOWN)
    record_samples(db, show_id, T0 - MINUTE, {("twitch", "viewers"): [999, 10, 10, 10, 10, 10, 10, 999]})
    report = build_report(ShowStore(db).load_show(show_id, journal=False), samples=audience_samples(db, show_id))
    assert {line.name: line.actual for line in report.goals}["peak_viewers"] == 10


def test_csv_carries_the_audience_columns_and_one_row_per_show_metric(report):
    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    interview = rows[1]
    assert [interview[c] for c in ("avg_viewers", "peak_viewers", "retention_pct", "chat_per_minute", "questions",
                                   "viewer_gap_minutes")] == ["95", "100", "90", "30", "13", "1"]
    goal_rows = {row["title"]: (row["status"], row["metric_actual"], row["metric_goal"]) for row in rows[5:]}
    assert goal_rows["retention"] == ("met", "140", "80")
    assert goal_rows["chat_per_viewer"] == ("no goal", "1.4103", "")


def test_json_has_the_curve_the_segments_audience_and_the_goals(report):
    data = json.loads(report_json(report, chart="chart.png"))
    assert data["rows"][1]["audience"]["avg_viewers"] == 95
    assert [point["viewers"] for point in data["viewers"]] == [50, 80, 100, None, 90, 70]
    assert data["goals"][0] == {"name": "peak_viewers", "unit": "count", "actual": 100, "goal": 150,
                                "goal_source": "rundown", "baseline": None, "baseline_shows": [],
                                "verdict": "missed"}
    assert data["chart"] == "chart.png"


def test_markdown_shows_audience_columns_goals_gaps_and_links_the_chart(report):
    text = report_markdown(report, chart="weekly chart.png")
    assert "| 2 | Interview | aired |" in text and "| 95 | 100 | 90% | 30 | 13 | 1 |" in text
    assert "| retention | 140% | 80% | | met |" in text
    assert "![Viewers over the show](weekly%20chart.png)" in text
    assert "- 3:00 viewers on youtube: quotaExceeded" in text
    assert "not counted as zero" in text


def test_html_escapes_user_text_and_embeds_the_chart_as_a_data_uri(db):
    rundown = Rundown("<script>alert(1)</script> & co", (Segment("<b>Intro</b>", MINUTE, guest="O'Brien <x>"),))
    show_id = run_show(db, FakeClock(T0), rundown)
    record_samples(db, show_id, T0, {("twitch", "viewers"): [10]})
    report = build_report(ShowStore(db).load_show(show_id, journal=False), samples=audience_samples(db, show_id))
    page = report_html(report, chart_png=b"\x89PNG fake")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    assert "&lt;b&gt;Intro&lt;/b&gt; (with O&#x27;Brien &lt;x&gt;)" in page
    assert 'src="data:image/png;base64,iVBORyBmYWtl"' in page
    assert "http://" not in page and "https://" not in page


def test_html_says_why_the_chart_is_missing(report):
    page = report_html(report, chart_note="chart skipped: matplotlib is not installed")
    assert '<p class="note">chart skipped: matplotlib is not installed</p>' in page and "<img" not in page


def test_a_show_without_samples_reports_as_before(db):
    show_id = run_show(db, FakeClock(T0), RUNDOWN.__class__("Plain", RUNDOWN.segments))
    report = build_report(ShowStore(db).load_show(show_id, journal=False), samples=audience_samples(db, show_id))
    assert (report.viewers, report.goals, report.rows[0].audience) == ((), (), None)
    assert "avg viewers" not in report_markdown(report)


DAY = 86_400_000


@pytest.fixture
def earlier(db):
    """Before the show: six comparable shows with peaks 10..60 (the newest comparable by its tag only), a
    rehearsal and a show of another title (neither comparable); after it, one more that is not earlier."""
    clock = FakeClock(T0 - 30 * DAY)
    ids = {}
    for peak in (10, 20, 30, 40, 50, 60):
        rundown = RUNDOWN if peak < 60 else Rundown("Special", RUNDOWN.segments, tags=("QA",))
        ids[peak] = run_show(db, clock, rundown)
        record_samples(db, ids[peak], clock.now_ms() - 6 * MINUTE, {("twitch", "viewers"): [peak, peak]})
        clock.advance(DAY)
    for peak, rundown, rehearsal in ((1000, RUNDOWN, True), (500, Rundown("Cooking", RUNDOWN.segments), False)):
        ids[peak] = run_show(db, clock, rundown, rehearsal=rehearsal)
        record_samples(db, ids[peak], clock.now_ms() - 6 * MINUTE, {("twitch", "viewers"): [peak]})
        clock.advance(DAY)
    later = FakeClock(T0 + DAY)
    ids[2000] = run_show(db, later, RUNDOWN)
    record_samples(db, ids[2000], T0 + DAY, {("twitch", "viewers"): [2000]})
    return ids


def test_the_baseline_is_the_median_of_the_last_five_comparable_shows(db, show_id, earlier):
    from livekit.core.baseline import Baseline, BaselineChoice
    from livekit.report_data import show_baselines

    found = show_baselines(db, show_id, BaselineChoice(), ["peak_viewers", "questions"])
    assert found["peak_viewers"] == Baseline(40, tuple(earlier[peak] for peak in (60, 50, 40, 30, 20)))
    assert found["questions"] == Baseline(None, ())


def test_last_n_and_one_show_baselines(db, show_id, earlier):
    from livekit.core.baseline import BaselineChoice
    from livekit.report_data import show_baselines

    assert show_baselines(db, show_id, BaselineChoice(count=10), ["peak_viewers"])["peak_viewers"].value == 35
    one = show_baselines(db, show_id, BaselineChoice(show_id=earlier[500]), ["peak_viewers"])["peak_viewers"]
    assert (one.value, one.show_ids) == (500, (earlier[500],))


def test_the_report_command_shows_goal_and_baseline_side_by_side(workspace, show_id, earlier, livekit_cli):
    outcome = livekit_cli("report", show_id, "--format", "json", "--baseline", "last:10")
    assert outcome.exit_code == 0, outcome.output
    data = json.loads(outcome.stdout)
    peak = next(line for line in data["goals"] if line["name"] == "peak_viewers")
    assert (peak["actual"], peak["goal"], peak["baseline"], len(peak["baseline_shows"])) == (100, 150, 35, 6)
    assert data["baseline"] == "median of the last 10 comparable"


def test_the_table_lists_the_goals_after_the_segments(workspace, show_id, earlier, livekit_cli):
    outcome = livekit_cli("report", show_id)
    assert outcome.exit_code == 0, outcome.output
    line = next(line for line in outcome.stdout.splitlines() if "peak_viewers" in line)
    assert [cell.strip() for cell in line.split("│")[1:6]] == ["peak_viewers", "100", "150", "40 (5 shows)",
                                                               "missed"]


@pytest.mark.parametrize(("given", "message"), [
    ("last", "must be last:N (N comparable shows) or show:ID, found 'last'"),
    ("show:0", "must be last:N (N comparable shows) or show:ID, found 'show:0'"),
])
def test_a_bad_baseline_option_is_refused(workspace, show_id, livekit_cli, given, message):
    outcome = livekit_cli("report", "--baseline", given)
    assert outcome.exit_code == 2 and message in outcome.stderr


def test_a_baseline_show_that_does_not_exist_is_named(workspace, show_id, livekit_cli):
    outcome = livekit_cli("report", "--baseline", "show:99")
    assert outcome.stderr == "Error: --baseline show:99: no such show (see `livekit shows`)\n"


def test_the_chart_is_a_png_written_next_to_any_format(workspace, show_id, tmp_path, livekit_cli):
    chart, target = tmp_path / "viewers.png", tmp_path / "report.md"
    outcome = livekit_cli("report", "-f", "md", "-o", target, "--chart", chart)
    assert outcome.exit_code == 0, outcome.output
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert f"![Viewers over the show]({chart})" in target.read_text()


def test_without_matplotlib_the_report_still_works_and_says_the_chart_is_skipped(
        workspace, show_id, tmp_path, livekit_cli, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "matplotlib", None)  # as if the charts extra were not installed
    target = tmp_path / "report.html"
    outcome = livekit_cli("report", "-f", "html", "-o", target)
    assert outcome.exit_code == 0, outcome.output
    assert "warning: chart skipped: matplotlib is not installed (pip install 'greenroom[charts]')" in outcome.stderr
    assert "chart skipped: matplotlib is not installed" in target.read_text() and "<img" not in target.read_text()


def test_workspace_goals_come_from_greenroom_toml(workspace, show_id, livekit_cli):
    with workspace.config_path.open("a") as config:
        config.write('\n[goals]\nperiod = "30d"\nshow.new_followers = 12\nshow.chat_per_viewer = 2\n')
    data = json.loads(livekit_cli("report", "-f", "json").stdout)
    lines = {line["name"]: (line["goal"], line["goal_source"], line["verdict"]) for line in data["goals"]}
    assert lines["new_followers"] == (12, "workspace", "missed")
    assert lines["chat_per_viewer"] == (2, "workspace", "missed")


def test_a_bad_workspace_goal_names_the_file_and_key(workspace, show_id, livekit_cli):
    with workspace.config_path.open("a") as config:
        config.write('\n[goals]\nshow.viewers = 12\n')
    outcome = livekit_cli("report")
    assert outcome.exit_code != 0
    assert f"{workspace.config_path}: [goals] show.viewers: unknown goal 'viewers'" in outcome.stderr


def test_a_segment_aired_twice_counts_the_minutes_of_both_airings():
    from livekit.core.segment_audience import SegmentWindow, show_audience

    samples = [AudienceSample(T0 + minute * MINUTE, "twitch", "viewers", value, None)
               for minute, value in enumerate([10, 20, 30, 40])]
    windows = [SegmentWindow("A", None, ((T0, T0 + MINUTE), (T0 + 2 * MINUTE, T0 + 3 * MINUTE))),
               SegmentWindow("B", None, ((T0 + MINUTE, T0 + 2 * MINUTE), (T0 + 3 * MINUTE, None)))]
    audience = show_audience(samples, started_ms=T0, ended_ms=None, segments=windows)
    assert [(segment.avg_viewers, segment.retention_percent) for segment in audience.segments] == [
        (20, 300), (30, 200)]


def test_a_platform_missing_a_minute_makes_that_minute_a_gap():
    from livekit.core.segment_audience import minute_totals

    samples = [AudienceSample(T0, "twitch", "viewers", 10, None), AudienceSample(T0, "youtube", "viewers", 5, None),
               AudienceSample(T0 + MINUTE, "twitch", "viewers", 12, None)]
    assert [(total.value, [gap.reason for gap in total.gaps]) for total in minute_totals(samples, "viewers")] == [
        (15, []), (None, ["no sample"])]


def one_minute_segments_started_at(started_ms: int, count: int) -> list:
    from livekit.core.segment_audience import SegmentWindow

    return [SegmentWindow(f"S{n + 1}", None, ((started_ms + n * MINUTE, started_ms + (n + 1) * MINUTE),))
            for n in range(count)]


def minute_samples(metric: str, platform: str, values: list[float]) -> list[AudienceSample]:
    return [AudienceSample(T0 + minute * MINUTE, platform, metric, value, None) for minute, value in enumerate(values)]


def test_a_show_started_seconds_after_a_clock_minute_keeps_that_minute_for_its_first_segment():
    from livekit.core.segment_audience import show_audience

    started = T0 + 1_565  # the demo's sample show in one CI run: 20 chat lines a minute, four segments
    samples = minute_samples("chat_messages", "chat", [20, 20, 20, 20, 0]) + minute_samples(
        "viewers", "twitch", [62, 81, 74, 66, 61])
    audience = show_audience(samples, started_ms=started, ended_ms=started + 4 * MINUTE,
                             segments=one_minute_segments_started_at(started, 4))
    assert [segment.avg_viewers for segment in audience.segments][0] == 62
    assert audience.metrics["peak_viewers"] == 81


def test_the_seconds_of_the_minute_a_show_ends_in_do_not_count_as_a_quiet_minute():
    from livekit.core.segment_audience import show_audience

    started = T0 + 1_565
    samples = minute_samples("chat_messages", "chat", [20, 20, 20, 20, 0])
    audience = show_audience(samples, started_ms=started, ended_ms=started + 4 * MINUTE,
                             segments=one_minute_segments_started_at(started, 4))
    assert all(segment.chat_per_minute is not None and segment.chat_per_minute > 19
               for segment in audience.segments)
    assert audience.metrics["chat_per_minute"] == pytest.approx(20)


def test_a_minute_shared_by_two_segments_belongs_to_the_one_on_air_longest():
    from livekit.core.segment_audience import SegmentWindow, show_audience

    windows = [SegmentWindow("Short", None, ((T0, T0 + 20_000),)), SegmentWindow("Long", None, ((T0 + 20_000, None),))]
    audience = show_audience(minute_samples("viewers", "twitch", [10, 30]), started_ms=T0, ended_ms=None,
                             segments=windows)
    assert [(segment.minutes, segment.avg_viewers) for segment in audience.segments] == [(0, None), (2, 20)]


def test_the_opening_minute_of_a_show_started_mid_minute_is_at_0_00_in_the_curve_and_the_gaps(db):
    show_id = run_show(db, FakeClock(T0 + 2_000), RUNDOWN)
    record_samples(db, show_id, T0, {("twitch", "viewers"): [None, 10, 10, 10, 10, 10, 10]})
    report = build_report(ShowStore(db).load_show(show_id, journal=False), samples=audience_samples(db, show_id))
    assert [(point.offset_ms, point.viewers) for point in report.viewers][:2] == [(0, None), (MINUTE - 2_000, 10)]
    assert [(gap.offset_ms, gap.reason) for gap in report.gaps] == [(0, "quotaExceeded")]
    assert "- 0:00 viewers on twitch: quotaExceeded" in report_markdown(report)
