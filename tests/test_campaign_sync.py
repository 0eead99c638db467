"""`outreach campaign sync`: people imported after the start who match the audience are enrolled by the
rules of `campaign start`; everyone else is skipped with the reason counted, and the sync is logged."""

from outreach.campaigns.changes import sync_campaign


def test_sync_enrolls_a_newly_imported_match_and_skips_suppressed_and_do_not_contact(world, outreach_cli):
    first = world.add_person("Bo Fit", "bo@example.org")
    world.start(audience="{kind: [influencer]}")
    newcomer = world.add_person("Di Dance", "di@example.org")
    world.add_person("Cy Cook", "cy@example.org", stage="do-not-contact")
    world.add_person("Ed Gone", "ed@example.org")
    world.db["suppressions"].insert({"email": "ed@example.org", "reason": "manual", "created_at": "2026-01-01"})
    world.add_person("Fay Brand", "fay@example.org", kind="brand")  # not in the audience at all
    result = outreach_cli("campaign", "sync", "spring")
    assert result.exit_code == 0, result.output
    assert "enrolled #2 Di Dance <di@example.org>" in result.output
    assert "skipped #3 Cy Cook: stage is do-not-contact" in result.output
    assert "skipped #4 Ed Gone: suppressed (manual)" in result.output
    assert ("enrolled 1 people, skipped 3; 1 already enrolled in this campaign; 1 stage is do-not-contact; "
            "1 suppressed (manual)") in result.output
    enrolled = {row["influencer_id"]: row for row in world.db.query("SELECT * FROM enrollments")}
    assert set(enrolled) == {first, newcomer}
    assert enrolled[newcomer]["next_step"] == 0 and enrolled[newcomer]["status"] == "active"


def test_a_synced_person_gets_the_first_step_as_at_start(world):
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.tick()
    world.advance(hours=1)
    di = world.add_person("Di Dance", "di@example.org")
    sync_campaign(world.db, "spring", world.workspace.root, world.now)
    world.tick()
    sent = [row for row in world.outbox() if row["influencer_id"] == di]
    assert [(row["step"], row["template"], row["state"]) for row in sent] == [(0, "first-contact.md.j2", "sent")]


def test_sync_never_enrolls_anyone_in_the_same_campaign_again(world):
    world.add_person("Bo Fit", "bo@example.org")
    world.start(audience="{kind: [influencer]}")
    world.tick()
    world.db.execute("UPDATE enrollments SET status = 'completed', next_due_at = NULL")
    outcome = sync_campaign(world.db, "spring", world.workspace.root, world.now)
    assert outcome.enrolment.enrolled == []
    assert outcome.already_enrolled == 1


def test_sync_dry_run_changes_nothing(world, outreach_cli):
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.add_person("Di Dance", "di@example.org")
    result = outreach_cli("campaign", "sync", "spring", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would enroll #2 Di Dance <di@example.org>" in result.output
    assert "dry run: nothing changed" in result.output
    assert world.db["enrollments"].count == 1
    assert world.db["campaign_changes"].count == 0
    assert list(world.db.query("SELECT * FROM influencer_activity WHERE influencer_id = 2")) == []


def test_sync_is_logged_and_recorded_on_the_enrolled_persons_activity(world, outreach_cli):
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    di = world.add_person("Di Dance", "di@example.org")
    outreach_cli("campaign", "sync", "spring")
    activity = list(world.db.query("SELECT kind, detail FROM influencer_activity WHERE influencer_id = ?", [di]))
    assert activity == [{"kind": "enrolled", "detail": "campaign spring: enrolled by campaign sync"}]
    history = outreach_cli("campaign", "history", "spring")
    assert "sync (the stored audience): enrolled 1, skipped 1" in history.output
    assert "  enrolled #2 Di Dance <di@example.org>" in history.output
    assert "no email" not in history.output
