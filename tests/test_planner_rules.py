"""The planner: who is emailed on a tick, under send windows, daily caps, gaps and jitter (injected clock)."""

import random
from datetime import UTC, datetime, time, timedelta

from outreach.core.planner import DueStep, MailboxBudget, plan_tick
from outreach.core.sendwindow import SendWindow, add_business_days

WEEKDAYS_9_TO_5 = SendWindow(frozenset(range(5)), time(9), time(17), "Europe/London")
MONDAY_10_UTC = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
BOX = "ana@brand.example"


def due(enrollment_id, timezone=None, step=0, due_at=MONDAY_10_UTC - timedelta(hours=1)):
    return DueStep(enrollment_id, "c", step, due_at, timezone, BOX)


def plan(now, steps, budget=None, seed=1):
    budget = budget or MailboxBudget(BOX, daily_cap=100)
    return plan_tick(now, steps, {"c": WEEKDAYS_9_TO_5}, {BOX: budget}, random.Random(seed))


def test_recipient_inside_their_local_window_is_sent():
    result = plan(MONDAY_10_UTC, [due(1, "Europe/Paris")])  # 11:00 in Paris
    assert [s.enrollment_id for s in result.sends] == [1]


def test_recipient_outside_their_local_window_waits():
    result = plan(MONDAY_10_UTC, [due(1, "America/Los_Angeles")])  # 02:00 in Los Angeles
    assert result.sends == [] and result.outside_window == 1


def test_unknown_time_zone_falls_back_to_the_campaign_zone():
    evening = MONDAY_10_UTC.replace(hour=18)
    assert plan(evening, [due(1, "Not/AZone")]).outside_window == 1
    assert [s.enrollment_id for s in plan(MONDAY_10_UTC, [due(1, None)]).sends] == [1]


def test_weekend_is_outside_a_weekday_window():
    saturday = MONDAY_10_UTC - timedelta(days=2)
    assert plan(saturday, [due(1, due_at=saturday - timedelta(hours=1))]).sends == []


def test_daily_cap_counts_what_was_already_sent_today():
    result = plan(MONDAY_10_UTC, [due(i) for i in range(10)], MailboxBudget(BOX, daily_cap=5, sent_today=3))
    assert len(result.sends) == 2 and result.over_daily_cap == 8


def test_not_yet_due_steps_are_left_alone():
    result = plan(MONDAY_10_UTC, [due(1, due_at=MONDAY_10_UTC + timedelta(minutes=1))])
    assert result.sends == [] and result.not_due == 1


def test_min_gap_allows_one_send_then_waits_gap_plus_jitter():
    budget = MailboxBudget(BOX, 100, min_gap=timedelta(minutes=15), jitter=timedelta(minutes=5))
    first = plan(MONDAY_10_UTC, [due(1), due(2)], budget)
    assert len(first.sends) == 1 and first.waiting_for_gap == 1
    next_allowed = first.mailboxes[BOX].next_allowed_at
    assert timedelta(minutes=15) <= next_allowed - MONDAY_10_UTC <= timedelta(minutes=20)
    assert plan(next_allowed - timedelta(seconds=1), [due(2)], first.mailboxes[BOX]).sends == []
    assert len(plan(next_allowed, [due(2)], first.mailboxes[BOX]).sends) == 1


def test_jitter_is_drawn_from_the_injected_random_source():
    budget = MailboxBudget(BOX, 100, min_gap=timedelta(minutes=15), jitter=timedelta(minutes=5))
    gaps = {plan(MONDAY_10_UTC, [due(1)], budget, seed=s).mailboxes[BOX].next_allowed_at for s in range(5)}
    assert len(gaps) == 5
    assert plan(MONDAY_10_UTC, [due(1)], budget, seed=3).mailboxes[BOX].next_allowed_at == \
        plan(MONDAY_10_UTC, [due(1)], budget, seed=3).mailboxes[BOX].next_allowed_at


def test_follow_ups_go_before_first_emails_when_the_cap_is_tight():
    result = plan(MONDAY_10_UTC, [due(1), due(2, step=1)], MailboxBudget(BOX, daily_cap=1))
    assert [(s.enrollment_id, s.step) for s in result.sends] == [(2, 1)]


def test_business_days_skip_the_weekend_in_the_recipients_zone():
    friday_noon_tokyo = datetime(2026, 3, 6, 3, 0, tzinfo=UTC)  # Friday 12:00 in Tokyo
    follow_up = add_business_days(friday_noon_tokyo, 2, "Asia/Tokyo", "UTC")
    assert follow_up == datetime(2026, 3, 10, 3, 0, tzinfo=UTC)  # Tuesday 12:00 in Tokyo


def test_spaced_mailbox_with_undelivered_queued_messages_queues_nothing_new():
    budget = MailboxBudget(BOX, 100, min_gap=timedelta(minutes=15), backlog=1)
    result = plan(MONDAY_10_UTC, [due(1), due(2)], budget)
    assert result.sends == []
    assert result.waiting_for_gap == 2
