"""The tick plans from due counts per (campaign, time zone, mailbox) plus only the steps each mailbox can be
given: what it queues, and the waiting counts it reports, are those of every due step looked at one by one."""


def hold_for_review(world, influencer_id: int | None, from_address: str | None) -> None:
    world.db.execute("INSERT OR IGNORE INTO inbox_messages (id, mailbox, uidvalidity, uid, kind, processed_at) "
                     "VALUES (1, 'INBOX', 1, 1, 'reply', '2026-03-02T09:00:00+00:00')")
    world.db["inbox_reviews"].insert({
        "inbox_message_id": 1, "influencer_id": influencer_id, "from_address": from_address, "proposed": "replied",
        "reason": "unsure", "status": "pending", "created_at": "2026-03-02T09:00:00+00:00"})


def test_a_person_with_a_pending_review_is_not_planned(world):
    bo = world.add_person("Bo Fit", "bo@example.org")
    world.add_person("Cy Run", "cy@example.org")
    world.start()
    hold_for_review(world, bo, None)
    report = world.tick(dry_run=True)
    assert [sent["to"] for sent in report.queued] == ["cy@example.org"]


def test_a_pending_review_known_only_by_its_address_holds_that_address_back(world):
    world.add_person("Bo Fit", "Bo@Example.org")
    world.add_person("Cy Run", "cy@example.org")
    world.start()
    hold_for_review(world, None, "bo@example.org")
    report = world.tick(dry_run=True)
    assert [sent["to"] for sent in report.queued] == ["cy@example.org"]


def test_the_oldest_due_go_first_and_the_rest_count_as_over_the_daily_cap(world):
    for number in range(6):
        world.add_person(f"Person {number}", f"p{number}@example.org")
    world.start(cap=2)
    world.db.execute("UPDATE enrollments SET next_due_at = '2026-03-01T0' || (9 - id) || ':00:00+00:00'")
    report = world.tick(dry_run=True)
    assert [sent["to"] for sent in report.queued] == ["p5@example.org", "p4@example.org"]
    assert (report.plan.over_daily_cap, report.plan.outside_window, report.plan.waiting_for_gap) == (4, 0, 0)


def test_steps_outside_their_window_are_counted_and_not_sent(world):
    for number in range(3):
        world.add_person(f"Person {number}", f"p{number}@example.org")
    world.start(window='{days: [mon], hours: "09:00-17:00", timezone: UTC}')
    world.advance(days=1)  # Tuesday
    report = world.tick(dry_run=True)
    assert report.queued == []
    assert report.plan.outside_window == 3
