"""Planner invariants over random inputs: caps, windows, gaps and priorities always hold."""

import random
from datetime import UTC, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from outreach.core.planner import DueStep, MailboxBudget, plan_tick
from outreach.core.sendwindow import SendWindow

ZONES = [None, "Europe/London", "America/Los_Angeles", "Asia/Tokyo", "Australia/Sydney", "Bogus/Zone"]
BOXES = ["a@brand.example", "b@brand.example"]
WINDOW = SendWindow(frozenset(range(5)), time(9), time(17), "Europe/Paris")
START = datetime(2026, 3, 2, tzinfo=UTC)

steps = st.lists(
    st.tuples(st.sampled_from(ZONES), st.sampled_from(BOXES), st.integers(0, 2), st.integers(-3000, 600)),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(steps, st.integers(0, 7 * 24 * 60), st.integers(1, 10), st.integers(0, 10), st.integers(0, 30),
       st.integers(0, 10), st.integers(0, 2**32))
def test_planner_never_breaks_caps_windows_gaps_or_priorities(raw, minute, cap, used, gap, jitter, seed):
    now = START + timedelta(minutes=minute)
    due = [DueStep(i, "c", step, now + timedelta(minutes=offset), zone, box)
           for i, (zone, box, step, offset) in enumerate(raw)]
    budgets = {box: MailboxBudget(box, cap, min(used, cap), None, timedelta(minutes=gap), timedelta(minutes=jitter))
               for box in BOXES}
    plan = plan_tick(now, due, {"c": WINDOW}, budgets, random.Random(seed))
    chosen = {s.enrollment_id for s in plan.sends}
    assert len(chosen) == len(plan.sends)
    by_id = {d.enrollment_id: d for d in due}
    for box in BOXES:
        sent = [by_id[s.enrollment_id] for s in plan.sends if s.mailbox == box]
        assert budgets[box].sent_today + len(sent) <= cap
        if gap or jitter:
            assert len(sent) <= 1
            if sent:
                wait = plan.mailboxes[box].next_allowed_at - now
                assert timedelta(minutes=gap) <= wait <= timedelta(minutes=gap + jitter)
        eligible = [d for d in due if d.mailbox == box and d.due_at <= now and WINDOW.is_open(now, d.timezone)]
        for step in sent:
            assert step.due_at <= now and WINDOW.is_open(now, step.timezone)
        left = [d for d in eligible if d.enrollment_id not in chosen]
        if sent and left:
            worst = max((d.step == 0, d.due_at, d.enrollment_id) for d in sent)
            assert all(worst <= (d.step == 0, d.due_at, d.enrollment_id) for d in left)
        if not sent and eligible:
            assert budgets[box].sent_today >= cap
    assert len(plan.sends) + plan.not_due + plan.outside_window + plan.over_daily_cap + plan.waiting_for_gap == len(due)
