"""`outreach report benchmark`: brands and competitors side by side from kept snapshots."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from outreach.core.benchmark import InvalidPeriod, StatPoint, parse_period, platform_figures
from outreach.storage.influencers import add_snapshot, set_fields

NOW = datetime(2026, 6, 1, tzinfo=UTC)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_period_accepts_days_weeks_and_months():
    assert [parse_period(text).days for text in ("30d", "4w", "3m")] == [30, 28, 90]
    with pytest.raises(InvalidPeriod, match="such as 7d"):
        parse_period("a month")


def test_youtube_figures_compare_with_the_snapshot_at_the_period_start():
    points = [StatPoint("youtube", 1000, 40, NOW - timedelta(days=45)), StatPoint("youtube", 1200, 50, NOW - timedelta(days=30)),
              StatPoint("youtube", 1500, 58, NOW)]
    figures = platform_figures(points, NOW, timedelta(days=30))
    assert (figures.audience, figures.gained, figures.growth_percent, figures.activity) == (1500, 300, 25.0, 8)


def test_a_single_snapshot_gives_audience_but_no_growth():
    figures = platform_figures([StatPoint("twitch", 80, 3, NOW)], NOW, timedelta(days=30))
    assert (figures.audience, figures.gained, figures.activity) == (80, None, 3)


@pytest.fixture
def rivals(workspace):
    db = workspace.database()
    for name, kind in (("Our Brand", "brand"), ("Rival Co", "competitor"), ("Some Creator", "influencer")):
        db["influencers"].insert({"name": name, "kind": kind, "stage": "prospect", "niches": "[]", "custom": "{}",
                                  "hand_edited": "[]", "created_at": "x", "updated_at": "x"})
    now = datetime.now(UTC)
    for influencer_id, before, after in ((1, 1000, 1100), (2, 5000, 4500), (3, 10, 20)):
        add_snapshot(db, influencer_id, "youtube", "UC", followers=before, videos=10, taken_at=now - timedelta(days=31))
        add_snapshot(db, influencer_id, "youtube", "UC", followers=after, videos=14, taken_at=now)
    add_snapshot(db, 1, "twitch", "ourbrand", followers=300, videos=6, taken_at=now)
    return db


def test_csv_lists_brands_and_competitors_biggest_audience_first(rivals, outreach_cli):
    result = outreach_cli("report", "benchmark", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["name"], r["audience"], r["youtube_growth_%"], r["youtube_uploads"]) for r in rows] == [
        ("Rival Co", "4500", "-10.0", "4"), ("Our Brand", "1400", "10.0", "4")]
    assert rows[1]["twitch_broadcasts_30d"] == "6"


def test_markdown_escapes_table_breaking_names(rivals, outreach_cli):
    set_fields(rivals, 2, {"name": "Rival | <b>Co</b>"})
    result = outreach_cli("report", "benchmark", "--format", "md", "--since", "4w")
    assert "| Rival \\| &lt;b&gt;Co&lt;/b&gt; | competitor | 4500 | -10.0% |" in result.output


def test_png_chart_is_written(rivals, tmp_path, outreach_cli):
    chart = tmp_path / "bench.png"
    result = outreach_cli("report", "benchmark", "--png", str(chart), "--format", "json")
    assert result.exit_code == 0, result.output
    assert chart.read_bytes().startswith(PNG_SIGNATURE)
    assert len(json.loads(result.stdout)["rows"]) == 2


def test_no_brand_or_competitor_is_explained(outreach_cli):
    result = outreach_cli("report", "benchmark")
    assert result.exit_code == 2
    assert "nobody of kind brand or competitor yet" in result.output
