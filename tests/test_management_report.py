"""`greenroom report`: the report to management over a period, checked against the month of
tests/management_world.py, whose figures are worked out by hand in its docstring."""

from __future__ import annotations

import pytest

from greenroom.goals import Goal, WorkspaceGoals
from management.data import management_data
from management.report import highlights, report_html, report_markdown
from tests.management_world import DAY, NOW, RUNDOWN, add_show, seed_month

GOALS = WorkspaceGoals(30, show=(Goal("avg_viewers", 95),), campaign=(Goal("reply_rate", 50),))


@pytest.fixture
def month(workspace):
    db = workspace.database()
    seed_month(db)
    return db


def test_only_shows_started_in_the_period_are_reported(month):
    data = management_data(month, GOALS, until_ms=NOW, days=30)
    assert [show.started_ms for show in data.shows] == [NOW - 2 * DAY, NOW - DAY]


def test_segments_of_the_same_title_are_ranked_by_retention(month):
    data = management_data(month, GOALS, until_ms=NOW, days=30)
    assert [(kind.title, kind.airings, kind.retention) for kind in data.segment_kinds] == [
        ("Q&A", 2, 92.0), ("Sponsor read", 2, 71.0)]


def test_campaigns_in_the_period_are_compared_with_the_median_of_the_last_five_comparable(month):
    [launch] = management_data(month, GOALS, until_ms=NOW, days=30).campaigns
    assert (launch.name, launch.rates["reply_rate"], launch.baselines["reply_rate"], launch.baseline_count) == (
        "launch", 60.0, 30.0, 5)


def test_workspace_goals_stand_on_the_median_of_the_period_and_count_who_met_them(month):
    data = management_data(month, GOALS, until_ms=NOW, days=30)
    assert [(g.scope, g.name, g.actual, g.met, g.measured, g.verdict) for g in data.goals] == [
        ("show", "avg_viewers", 91.8, 0, 2, "missed"), ("campaign", "reply_rate", 60.0, 1, 1, "met")]


def test_three_highlights_are_derived_from_the_numbers(month):
    assert highlights(management_data(month, GOALS, until_ms=NOW, days=30)) == [
        "Q&A segments kept 92% of viewers; Sponsor read 71%.",
        "1 of 1 campaigns beat their baseline reply rate; launch replied at 60% against 30%; 1 guest(s) booked.",
        "Our Brand grew +10.0%, ahead of the fastest competitor Rival Co at -10.0%.",
    ]


def test_pipeline_counts_influencers_per_stage_in_pipeline_order(month):
    pipeline = dict(management_data(month, GOALS, until_ms=NOW, days=30).pipeline)
    assert (pipeline["prospect"], pipeline["agreed"], list(pipeline)[0]) == (10, 1, "prospect")


def test_html_escapes_user_text_and_fetches_nothing(month):
    add_show(month, NOW - 3 * DAY, RUNDOWN.__class__("<script>alert(1)</script>", RUNDOWN.segments))
    page = report_html(management_data(month, GOALS, until_ms=NOW, days=30))
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in page


def test_markdown_has_the_same_sections_as_the_html(month):
    data = management_data(month, GOALS, until_ms=NOW, days=30)
    text = report_markdown(data)
    headings = [line[3:] for line in text.splitlines() if line.startswith("## ")]
    assert headings == ["Highlights", "Goals for the period", "Shows: audience and engagement",
                        "Segments: who kept the audience", "Outreach: campaigns against their baseline",
                        "Outreach: pipeline by stage", "Own brand and competitors"]
    assert all(f"<h2>{heading.replace('&', '&amp;')}</h2>" in report_html(data) for heading in headings)


def test_the_command_writes_the_html_report_to_the_output_file(month, greenroom_cli, tmp_path):
    target = tmp_path / "report.html"
    result = greenroom_cli("report", "--since", "4w", "--format", "html", "--output", target)
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_a_bad_period_is_one_line_naming_the_option(greenroom_cli):
    result = greenroom_cli("report", "--since", "soon")
    assert result.exit_code != 0 and "--since: period must be" in result.output


def test_an_empty_workspace_gets_a_report_that_says_what_is_missing(greenroom_cli):
    result = greenroom_cli("report", "--format", "md")
    assert result.exit_code == 0, result.output
    assert "No show in this period." in result.output and "No campaign sent in the period" in result.output
