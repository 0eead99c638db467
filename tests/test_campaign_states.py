"""Campaign, enrollment and outbox states: StrEnums whose values are the text the database holds."""

import pytest

from outreach.core.campaign import (
    CampaignStatus,
    CampaignStatusError,
    EnrollmentStatus,
    OutboxState,
    check_campaign_transition,
)
from outreach.core.influencer import KINDS, STAGES, Kind, Stage, stage_after_activity


@pytest.mark.parametrize(
    ("current", "wanted"),
    [("active", "paused"), ("paused", "active"), ("active", "stopped"), ("paused", "stopped")],
)
def test_pausing_resuming_and_stopping_are_allowed_from_a_live_campaign(current, wanted):
    assert check_campaign_transition("spring", current, wanted) is CampaignStatus(wanted)


@pytest.mark.parametrize(("current", "wanted"), [("stopped", "active"), ("stopped", "paused"), ("active", "active")])
def test_a_stopped_campaign_stays_stopped_and_a_status_cannot_be_set_twice(current, wanted):
    with pytest.raises(CampaignStatusError, match=f"campaign 'spring' is {current}; cannot make it {wanted}"):
        check_campaign_transition("spring", current, wanted)


def test_state_values_are_the_text_stored_in_the_database():
    assert [str(status) for status in CampaignStatus] == ["active", "paused", "stopped"]
    assert "opted_out" in set(EnrollmentStatus) and "stage_changed" in set(EnrollmentStatus)
    assert [str(state) for state in OutboxState] == [
        "queued", "sending", "sent", "failed", "bounced", "uncertain", "cancelled",
    ]


def test_command_line_choices_are_the_plain_text_values_in_pipeline_order():
    assert [*STAGES] == ["prospect", "contacted", "replied", "negotiating", "agreed", "appeared", "declined", "do-not-contact"]
    assert [*STAGES] == [stage.value for stage in Stage]
    assert all(type(choice) is str for choice in (*STAGES, *KINDS))
    assert KINDS == ("influencer", "brand", "competitor") == tuple(Kind)


def test_an_unknown_stage_is_left_alone_by_activities():
    assert stage_after_activity("custom-stage", "emailed") == "custom-stage"
