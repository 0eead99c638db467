"""`outreach campaign edit`: a running campaign's cap, window, gaps and unsent steps change; what people
already received cannot. The pure rules first (fast), then the command against a real workspace."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from outreach.core.campaign import parse_campaign
from outreach.core.campaign_changes import (
    CampaignEditError,
    Delivered,
    PendingStep,
    SettingsEdit,
    compare_campaigns,
    edited_text,
    parse_days,
    replan,
)
from tests.fixtures.mail import campaign_yaml

SAMPLE = Path(__file__).resolve().parent.parent / "templates" / "campaigns" / "sample-campaign.yaml"
MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def campaign(text: str):
    return parse_campaign(text, "new.yaml")


def three_steps(third: str = "follow-up.md.j2") -> str:
    second = "    after_business_days: 2\n"
    return campaign_yaml().replace(second, f"{second}  - template: {third}\n    after_business_days: 4\n")


# ------------------------------------------------------------------------------------- pure rules


def test_option_edits_keep_the_files_comments_and_layout():
    text = SAMPLE.read_text()
    edited = edited_text(text, SettingsEdit(daily_cap=12, hours="10:00-16:00", days=parse_days("mon-thu")))
    assert "daily_cap: 12                # per sending mailbox, per local day" in edited
    assert 'hours: "10:00-16:00"' in edited
    assert "days: [mon, tue, wed, thu]" in edited
    assert edited.splitlines()[0] == text.splitlines()[0]
    assert len(edited.splitlines()) == len(text.splitlines())


def test_option_edit_adds_a_setting_the_file_left_to_its_default():
    text = campaign_yaml().replace("daily_cap: 1000\n", "")
    assert campaign(edited_text(text, SettingsEdit(daily_cap=25))).daily_cap == 25


def test_days_read_as_ranges_and_lists_in_week_order():
    assert parse_days("mon-fri") == ("mon", "tue", "wed", "thu", "fri")
    assert parse_days("sat-mon") == ("mon", "sat", "sun")
    assert parse_days("fri,mon") == ("mon", "fri")
    with pytest.raises(ValueError, match="mon-fri"):
        parse_days("someday")


def test_removing_a_step_someone_received_is_refused_at_the_steps_line():
    old = campaign(campaign_yaml())
    shorter = campaign_yaml().replace("  - template: follow-up.md.j2\n    after_business_days: 2\n", "")
    with pytest.raises(CampaignEditError, match=r"new.yaml:4: step 2 \(follow-up.md.j2\) was already sent to 3 people"):
        compare_campaigns(old, campaign(shorter), shorter, "new.yaml", Delivered({0: 5, 1: 3}))


def test_the_sender_cannot_change_once_anyone_was_contacted():
    old = campaign(campaign_yaml())
    other = campaign_yaml().replace("ana@brand.example", "bo@brand.example")
    compare_campaigns(old, campaign(other), other, "new.yaml", Delivered())
    with pytest.raises(CampaignEditError, match="new.yaml:3: sender cannot change: 1 person already received"):
        compare_campaigns(old, campaign(other), other, "new.yaml", Delivered({0: 1}))


def test_a_campaign_cannot_be_renamed_by_edit():
    renamed = campaign_yaml(name="autumn")
    with pytest.raises(CampaignEditError, match="new.yaml:1: the name identifies the campaign"):
        compare_campaigns(campaign(campaign_yaml()), campaign(renamed), renamed, "new.yaml", Delivered())


def test_a_removed_unsent_step_completes_the_sequences_waiting_for_it():
    old = campaign(three_steps())
    new_text = campaign_yaml()
    edit = compare_campaigns(old, campaign(new_text), new_text, "new.yaml", Delivered({0: 1, 1: 1}))
    waiting = PendingStep(7, 2, MONDAY, None, MONDAY - timedelta(days=9), MONDAY - timedelta(days=4))
    assert replan([waiting], campaign(new_text), edit).completed == (7,)


def test_a_longer_wait_counts_again_from_the_previous_send():
    old = campaign(campaign_yaml())
    longer = campaign_yaml(follow_up_days=5)
    edit = compare_campaigns(old, campaign(longer), longer, "new.yaml", Delivered({0: 1}))
    waiting = PendingStep(7, 1, MONDAY + timedelta(days=2), None, MONDAY, previous_sent_at=MONDAY)
    assert replan([waiting], campaign(longer), edit).moved == {7: MONDAY + timedelta(days=7)}


# ---------------------------------------------------------------------------------- the command


def test_daily_cap_edit_takes_effect_on_the_next_tick(world, outreach_cli):
    for index in range(3):
        world.add_person(f"Person {index}", f"p{index}@example.org")
    world.start()
    result = outreach_cli("campaign", "edit", "spring", "--daily-cap", "1")
    assert result.exit_code == 0, result.output
    assert "daily_cap: 1000 -> 1" in result.output
    world.tick()
    assert len(world.outbox()) == 1


def test_window_change_moves_pending_due_times_into_the_new_window(world, outreach_cli):
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.tick()
    assert world.enrollment(bo)["next_due_at"] == "2026-03-04T10:00:00+00:00"  # 2 business days after Monday 10:00
    result = outreach_cli("campaign", "edit", "spring", "--window", "14:00-18:00")
    assert result.exit_code == 0, result.output
    assert "1 pending step(s) got a new due time" in result.output
    assert world.enrollment(bo)["next_due_at"] == "2026-03-04T14:00:00+00:00"
    assert world.enrollment(bo)["next_step"] == 1


def test_dry_run_shows_the_diff_and_the_replan_and_changes_nothing(world, outreach_cli):
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.tick()
    definition = world.db["campaigns"].get(1)["definition"]
    result = outreach_cli("campaign", "edit", "spring", "--window", "14:00-18:00", "--days", "mon-fri", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "send_window days: mon, tue, wed, thu, fri, sat, sun -> mon, tue, wed, thu, fri" in result.output
    assert "send_window hours: 00:00-24:00 -> 14:00-18:00" in result.output
    assert "1 pending step(s) would get a new due time" in result.output
    assert "dry run: nothing changed" in result.output
    assert world.db["campaigns"].get(1)["definition"] == definition
    assert world.enrollment(bo)["next_due_at"] == "2026-03-04T10:00:00+00:00"
    assert world.db["campaign_changes"].count == 0


def test_editing_a_step_someone_received_is_refused_naming_its_line(world, outreach_cli):
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.tick()
    changed = world.workspace.root / "changed.yaml"
    changed.write_text(campaign_yaml().replace("- template: first-contact.md.j2", "- template: follow-up.md.j2"))
    result = outreach_cli("campaign", "edit", "spring", "--file", changed)
    assert result.exit_code != 0
    assert (f"{changed}:5: step 1 was already sent to 1 person: its template (and subject) cannot change "
            "from first-contact.md.j2 to follow-up.md.j2") in result.output
    assert "first-contact.md.j2" in world.db["campaigns"].get(1)["definition"]
    assert world.db["campaign_changes"].count == 0


def test_a_step_nobody_received_can_change_and_a_new_step_can_be_added(world, outreach_cli):
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.tick()
    changed = world.workspace.root / "changed.yaml"
    changed.write_text(three_steps().replace(
        "  - template: follow-up.md.j2\n    after_business_days: 2\n",
        "  - template: first-contact.md.j2\n    after_business_days: 2\n", 1))
    result = outreach_cli("campaign", "edit", "spring", "--file", changed)
    assert result.exit_code == 0, result.output
    assert "step 2 template: follow-up.md.j2 -> first-contact.md.j2" in result.output
    assert "step 3 added: follow-up.md.j2, 4 business days after step 2" in result.output
    world.advance(days=2)
    world.tick()
    assert [row["template"] for row in world.outbox()] == ["first-contact.md.j2", "first-contact.md.j2"]
    assert world.enrollment(bo)["status"] == "active"  # step 3 is still to come


def test_an_edit_is_logged_with_its_diff_and_counts(world, outreach_cli):
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.tick()
    outreach_cli("campaign", "edit", "spring", "--window", "14:00-18:00", "--jitter", "2")
    result = outreach_cli("campaign", "history", "spring")
    assert result.exit_code == 0, result.output
    assert "edit (command-line options): changes 2, rescheduled 1" in result.output
    assert "  send_window hours: 00:00-24:00 -> 14:00-18:00" in result.output
    assert "  jitter_minutes: 0 -> 2" in result.output


def test_an_audience_change_is_stored_but_enrolls_nobody(world, outreach_cli):
    world.add_person("Bo Fit", "bo@example.org")
    world.add_person("Cy Cook", "cy@example.org", stage="contacted")
    world.start()
    changed = world.workspace.root / "changed.yaml"
    changed.write_text(campaign_yaml(audience="{stage: [prospect, contacted]}"))
    result = outreach_cli("campaign", "edit", "spring", "--file", changed)
    assert result.exit_code == 0, result.output
    assert "audience changed: nobody is enrolled or removed by edit" in result.output
    assert world.db["enrollments"].count == 1
    assert "contacted" in world.db["campaigns"].get(1)["definition"]


def test_a_stopped_campaign_cannot_be_edited(world, outreach_cli):
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    outreach_cli("campaign", "stop", "spring")
    result = outreach_cli("campaign", "edit", "spring", "--daily-cap", "5")
    assert result.exit_code != 0
    assert "campaign 'spring' is stopped" in result.output
