"""Campaign YAML files: valid ones become values, invalid ones are reported as file:line: problem."""

from datetime import date, time, timedelta

import pytest

from outreach.core.campaign import CampaignError, parse_campaign
from tests.fixtures.mail import campaign_yaml


def test_valid_campaign_file_is_parsed_into_steps_window_and_limits():
    campaign = parse_campaign(campaign_yaml(cap=25, gap=15, jitter=5) + "start: 2026-03-09\n", "c.yaml")
    assert [s.template for s in campaign.steps] == ["first-contact.md.j2", "follow-up.md.j2"]
    assert campaign.steps[1].after_business_days == 2
    assert campaign.daily_cap == 25
    assert campaign.min_gap == timedelta(minutes=15)
    assert campaign.jitter == timedelta(minutes=5)
    assert campaign.start == date(2026, 3, 9)
    assert campaign.window.opens == time(0) and len(campaign.window.days) == 7


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace("daily_cap", "daily_kap"), r"c\.yaml:9: unknown key 'daily_kap'"),
        (lambda t: t.replace("timezone: UTC", "timezone: Mars/Olympus"), r"c\.yaml:8: unknown time zone"),
        (lambda t: t.replace('"00:00-24:00"', '"17:00-09:00"'), r"c\.yaml:8: hours must end after they start"),
        (lambda t: t.replace("    after_business_days: 2\n", ""), r"c\.yaml:6: follow-up step 2 needs after_business_days"),
        (lambda t: t.replace("ana@brand.example", "ana at brand"), r"c\.yaml:3: sender address"),
        (lambda t: t + "stop_on: [reply, stage_change]\n", r"c\.yaml:12: stop rule 'bounce' cannot be turned off"),
        (lambda t: t.replace("daily_cap: 1000", "daily_cap: 0"), r"c\.yaml:9: daily_cap must be a whole number >= 1"),
        (lambda t: t.replace("steps:", "steps: [\n"), r"c\.yaml:\d+: not valid YAML"),
    ],
)
def test_invalid_campaign_is_reported_with_file_and_line(change, message):
    with pytest.raises(CampaignError, match=message):
        parse_campaign(change(campaign_yaml()), "c.yaml")


def test_audience_matches_stage_niche_and_all_tags():
    campaign = parse_campaign(campaign_yaml(audience="{stage: prospect, niche: [fitness, food], tags: [vegan]}"), "c")
    assert campaign.audience.matches({"stage": "prospect", "niches": ["food", "vegan"]})
    assert not campaign.audience.matches({"stage": "prospect", "niches": ["food"]})
    assert not campaign.audience.matches({"stage": "replied", "niches": ["food", "vegan"]})


def test_follow_up_more_than_a_year_of_business_days_away_is_refused_with_file_and_line():
    text = campaign_yaml(follow_up_days=3_000_000)
    with pytest.raises(CampaignError, match=r"c\.yaml:7: after_business_days may be at most 365, got 3000000"):
        parse_campaign(text, "c.yaml")


def test_every_problem_of_a_campaign_file_is_reported_with_its_line():
    text = (
        campaign_yaml()
        .replace("ana@brand.example", "ana at brand")
        .replace("timezone: UTC", "timezone: Mars/Olympus")
        .replace("daily_cap: 1000", "daily_cap: 0")
    )
    with pytest.raises(CampaignError) as caught:
        parse_campaign(text, "c.yaml")
    assert [str(problem) for problem in caught.value.problems] == [
        "c.yaml:3: sender address 'ana at brand' is not an email address",
        "c.yaml:8: unknown time zone 'Mars/Olympus'",
        "c.yaml:9: daily_cap must be a whole number >= 1, got 0",
    ]
    assert str(caught.value).splitlines() == [str(problem) for problem in caught.value.problems]


def test_a_campaign_file_that_is_not_a_mapping_is_one_problem_on_line_1():
    with pytest.raises(CampaignError, match=r"^c\.yaml:1: a campaign file must be a mapping of settings$"):
        parse_campaign("- just a list\n", "c.yaml")
