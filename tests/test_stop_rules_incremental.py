"""The stop rules look only at people something happened to since the last tick (queued by triggers in the
same transaction as the change), and never lose a stop: a tick that does not commit leaves the check queued."""

from outreach.campaigns.store import set_status


def stop_checks(world) -> int:
    return world.db.execute("SELECT count(*) FROM stop_checks").fetchone()[0]


def test_a_stage_changed_by_any_sql_write_stops_the_sequence_at_the_next_tick(world):
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start(follow_up_days=1)
    world.tick()
    world.db.execute("UPDATE influencers SET stage = 'negotiating' WHERE id = ?", [bo])
    world.advance(days=2)
    assert world.tick().stopped == 1
    assert world.enrollment(bo)["stop_reason"] == "stage changed to negotiating"


def test_a_tick_that_does_not_commit_leaves_the_stop_for_the_next_one(world):
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start(follow_up_days=1)
    world.tick()
    world.db.execute("UPDATE influencers SET stage = 'declined' WHERE id = ?", [bo])
    world.advance(days=2)
    assert world.tick(dry_run=True).stopped == 1
    assert world.enrollment(bo)["status"] == "active"
    assert world.tick().stopped == 1
    assert world.enrollment(bo)["status"] == "stage_changed"


def test_the_checks_a_tick_handled_are_gone_after_it(world):
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start(follow_up_days=1)
    world.tick()
    world.db.execute("UPDATE influencers SET stage = 'negotiating' WHERE id = ?", [bo])
    assert stop_checks(world) > 0
    world.tick()
    assert stop_checks(world) == 0


def test_rewriting_the_same_stage_queues_no_check(world):
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start(follow_up_days=1)
    world.tick()
    before = stop_checks(world)
    world.db.execute("UPDATE influencers SET stage = stage WHERE id = ?", [bo])
    assert stop_checks(world) == before


def test_a_suppression_written_straight_to_the_table_ends_the_sequence_as_opted_out(world):
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start(follow_up_days=1)
    world.tick()
    world.db["suppressions"].insert({"email": "bo@example.org", "reason": "unsubscribe", "source": "datasette",
                                     "created_at": "2026-03-02T10:30:00+00:00"})
    assert world.tick().stopped == 1
    assert world.enrollment(bo)["status"] == "opted_out"


def test_a_bounce_written_straight_to_the_table_ends_the_sequence_as_bounced(world):
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start(follow_up_days=1)
    world.tick()
    world.db["suppressions"].insert({"email": "bo@example.org", "reason": "bounce", "source": "datasette",
                                     "created_at": "2026-03-02T10:30:00+00:00"})
    world.tick()
    assert world.enrollment(bo)["status"] == "bounced"


def test_a_stage_change_while_the_campaign_is_paused_still_stops_the_sequence(world):
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start(follow_up_days=1)
    world.tick()
    set_status(world.db, "spring", "paused", world.now)
    world.db.execute("UPDATE influencers SET stage = 'do-not-contact' WHERE id = ?", [bo])
    world.tick()
    assert world.enrollment(bo)["status"] == "stopped"


def test_a_check_of_everyone_catches_what_an_older_version_had_not_stopped(world):
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.start(follow_up_days=1)
    world.tick()
    world.db.execute("UPDATE influencers SET stage = 'declined' WHERE id = ?", [bo])
    world.db.execute("DELETE FROM stop_checks")
    world.db.execute("INSERT INTO stop_checks (influencer_id, email) VALUES (NULL, NULL)")
    assert world.tick().stopped == 1
    assert world.enrollment(bo)["status"] == "stage_changed"
