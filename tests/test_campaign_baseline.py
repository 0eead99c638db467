"""Campaign baselines: the median of the last comparable campaigns (same audience tag or template family)."""

import pytest

from outreach.core.campaign_baseline import (
    CampaignBaselineChoice,
    CampaignBaselineError,
    PastCampaign,
    campaign_baselines,
    campaign_rates,
    chosen_campaigns,
    comparable_campaigns,
    parse_campaign_baseline,
    template_family,
)


def campaign(number: int, tags: tuple[str, ...] = ("gaming",), template: str = "invite.md.j2") -> PastCampaign:
    return PastCampaign(number, f"c{number}", number, tags, template)


def test_template_family_drops_extensions_and_a_trailing_version():
    assert [template_family(name) for name in ("invite-v2.md.j2", "Invite_3.md.j2", "invite.md.j2")] == [
        "invite", "invite", "invite"]


def test_comparable_campaigns_share_a_tag_or_a_template_family_and_came_earlier_newest_first():
    current = campaign(10, ("gaming",), "launch.md.j2")
    others = [campaign(1, ("GAMING",), "x.md.j2"), campaign(2, ("food",), "launch-v1.md.j2"),
              campaign(3, ("food",), "other.md.j2"), campaign(11, ("gaming",), "launch.md.j2")]
    assert [c.campaign_id for c in comparable_campaigns(current, others)] == [2, 1]


def test_only_the_last_five_comparable_campaigns_count_by_default():
    found = comparable_campaigns(campaign(20), [campaign(number) for number in range(1, 20)])
    assert [c.campaign_id for c in found] == [19, 18, 17, 16, 15]


def test_the_baseline_is_the_median_of_the_campaigns_with_data():
    chosen = [campaign(number) for number in (5, 4, 3, 2)]
    rates = {5: {"reply_rate": 50.0}, 4: {"reply_rate": 10.0}, 3: {"reply_rate": None}, 2: {"reply_rate": 30.0}}
    baseline = campaign_baselines(["reply_rate"], chosen, rates)["reply_rate"]
    assert (baseline.value, baseline.campaign_ids) == (30.0, (5, 4, 2))


def test_baseline_choices_are_last_n_or_one_named_campaign():
    assert parse_campaign_baseline("last:10") == CampaignBaselineChoice(count=10)
    assert parse_campaign_baseline("campaign:spring launch") == CampaignBaselineChoice(campaign="spring launch")
    with pytest.raises(CampaignBaselineError, match="last:N"):
        parse_campaign_baseline("last:0")


def test_a_named_baseline_campaign_must_exist_and_not_be_the_one_reported():
    current, other = campaign(2), campaign(1)
    assert chosen_campaigns(CampaignBaselineChoice(campaign="c1"), current, [current, other]) == [other]
    with pytest.raises(CampaignBaselineError, match="no such campaign"):
        chosen_campaigns(CampaignBaselineChoice(campaign="c9"), current, [current, other])


def test_rates_are_percentages_of_people_delivered_and_bounces_of_people_sent():
    assert campaign_rates(delivered=10, replied=6, interested=2, booked=1, opted_out=1, bounced=1, sent=11) == {
        "reply_rate": 60.0, "interested": 2.0, "booked": 1.0, "opt_out_rate": 10.0, "bounce_rate": 100 / 11}
