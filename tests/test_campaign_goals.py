"""Campaign goals and baselines: `goals:` in the campaign file, `[goals] campaign.*` in the workspace, and
the campaign report's actual / goal / baseline per goal metric, overall and per step, on the campaigns of
tests/management_world.py (launch: 60% replies; five comparable earlier campaigns: 10..50%; Creator 0, in
every one of them, has agreed: each counts one booked)."""

from __future__ import annotations

import json

import pytest

from greenroom.goals import Goal
from outreach.campaigns.report import campaign_report
from outreach.core.campaign import CampaignError, parse_campaign
from outreach.core.campaign_baseline import CampaignBaselineChoice
from tests.fixtures.mail import campaign_yaml
from tests.management_world import seed_month


def test_goals_in_a_campaign_file_are_read_with_their_units():
    campaign = parse_campaign(campaign_yaml() + "goals:\n  reply_rate: 15%\n  booked: 3\n", "c.yaml")
    assert (campaign.goal("reply_rate"), campaign.goal("booked"), campaign.goal("interested")) == (15.0, 3.0, None)


def test_an_unknown_goal_name_is_a_file_line_problem():
    with pytest.raises(CampaignError, match=r"c\.yaml:14: unknown goal 'bookd' \(did you mean 'booked'\?\)"):
        parse_campaign(campaign_yaml() + "goals:\n  reply_rate: 15%\n  bookd: 3\n", "c.yaml")


def test_the_older_goal_reply_rate_fraction_still_counts_as_the_reply_rate_goal():
    assert parse_campaign(campaign_yaml() + "goal:\n  reply_rate: 0.2\n", "c.yaml").goal("reply_rate") == 20.0


@pytest.fixture
def month(workspace):
    db = workspace.database()
    seed_month(db)
    definition = db.execute("SELECT definition FROM campaigns WHERE name = 'launch'").fetchone()[0]
    db.execute("UPDATE campaigns SET definition = ? WHERE name = 'launch'",
               [definition + "goals:\n  reply_rate: 70%\n  bounce_rate: 10%\n"])
    db.conn.commit()
    return db


def lines_of(report, step=None):
    return {line.name: (line.actual, line.goal, line.baseline, line.verdict) for line in report.goals
            if line.step == step}


def test_overall_goal_metrics_stand_against_the_campaign_goal_and_the_median_of_five(month):
    overall = lines_of(campaign_report(month, "launch"))
    assert overall["reply_rate"] == (60.0, 70.0, 30.0, "missed")
    assert overall["bounce_rate"] == (100 / 11, 10.0, 0.0, "met")


def test_a_workspace_goal_applies_where_the_campaign_sets_none(month):
    report = campaign_report(month, "launch", workspace_goals=(Goal("reply_rate", 50), Goal("booked", 1)))
    assert (lines_of(report)["reply_rate"][1], lines_of(report)["booked"]) == (70.0, (1.0, 1, 1.0, "met"))


def test_each_step_has_its_own_actual_and_baseline_and_the_rate_goals(month):
    assert lines_of(campaign_report(month, "launch"), step=1)["reply_rate"] == (60.0, 70.0, 30.0, "missed")


def test_the_baseline_can_be_the_last_n_comparable_or_one_named_campaign(month):
    last_two = campaign_report(month, "launch", baseline=CampaignBaselineChoice(count=2))
    named = campaign_report(month, "launch", baseline=CampaignBaselineChoice(campaign="old-0"))
    assert (lines_of(last_two)["reply_rate"][2], lines_of(named)["reply_rate"][2]) == (45.0, 10.0)


def test_the_command_lists_goal_lines_as_json_with_the_chosen_baseline(month, outreach_cli):
    result = outreach_cli("report", "campaign", "launch", "--format", "json", "--goals", "--baseline", "last:2")
    assert result.exit_code == 0, result.output
    first = json.loads(result.output)[0]
    assert (first["scope"], first["goal"], first["actual"], first["baseline"], first["baseline_campaigns"]) == (
        "overall", "reply_rate", 60.0, 45.0, 2)


def test_the_markdown_report_has_the_goal_table(month, outreach_cli):
    result = outreach_cli("report", "campaign", "launch", "--format", "md")
    assert "| overall | reply_rate | 60% | 70% | 30% (5 campaigns) | missed |" in result.output
