"""Planning from due steps counted per group (campaign, time zone) plus a few candidates gives the plan
``plan_tick`` makes over every due step: what lets a tick over a million enrollments load only what it can send."""

import random
from datetime import UTC, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from outreach.core.planner import (
    DueGroup,
    DueStep,
    MailboxBudget,
    allowance,
    open_groups,
    plan_from_groups,
    plan_tick,
)
from outreach.core.sendwindow import SendWindow

ZONES = [None, "Europe/London", "America/Los_Angeles", "Asia/Tokyo", "Bogus/Zone"]
BOXES = ["a@brand.example", "b@brand.example", "c@brand.example"]
CAMPAIGNS = {"c1": BOXES[0], "c2": BOXES[0], "c3": BOXES[1], "c4": BOXES[2]}
WINDOWS = {
    "c1": SendWindow(frozenset(range(5)), time(9), time(17), "Europe/Paris"),
    "c2": SendWindow(frozenset(range(7)), time(0), time(23, 59), "UTC"),
    "c3": SendWindow(frozenset(range(5)), time(8), time(20), "America/New_York"),
    "c4": SendWindow(frozenset({0, 2, 4}), time(10), time(16), "Asia/Tokyo"),
}
MONDAY_10_UTC = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def groups_of(steps):
    """What the tick's grouped count query returns for these due steps."""
    counts = {}
    for step in steps:
        key = (step.campaign, step.timezone, step.mailbox)
        follow_ups, firsts = counts.get(key, (0, 0))
        counts[key] = (follow_ups + (step.step > 0), firsts + (step.step == 0))
    return [DueGroup(campaign, zone, box, *pair) for (campaign, zone, box), pair in counts.items()]


def candidates_of(now, steps, budgets):
    """What the tick's per-mailbox queries return: in open groups, the earliest `allowance` of each kind."""
    open_keys = {(g.campaign, g.timezone) for g in open_groups(now, groups_of(steps), WINDOWS)}
    chosen = []
    for box, budget in budgets.items():
        for follow_up in (True, False):
            mine = sorted((s for s in steps if s.mailbox == box and (s.step > 0) == follow_up
                           and (s.campaign, s.timezone) in open_keys), key=lambda s: (s.due_at, s.enrollment_id))
            chosen += mine[:allowance(now, budget)]
    return chosen


raw_steps = st.lists(
    st.tuples(st.sampled_from(sorted(CAMPAIGNS)), st.sampled_from(ZONES), st.integers(0, 2),
              st.integers(-3000, 0)),
    max_size=80,
)
budget_specs = st.tuples(st.integers(1, 8), st.integers(0, 8), st.sampled_from([0, 0, 15]), st.sampled_from([0, 5]),
                         st.integers(0, 2), st.sampled_from([None, -5, 5]))


@settings(max_examples=200, deadline=None)
@given(raw_steps, st.integers(0, 7 * 24 * 60), st.lists(budget_specs, min_size=3, max_size=3), st.integers(0, 2**32))
def test_plan_from_groups_equals_plan_tick_over_every_due_step(raw, minute, specs, seed):
    now = MONDAY_10_UTC + timedelta(minutes=minute)
    steps = [DueStep(i, campaign, step, now + timedelta(minutes=offset), zone, CAMPAIGNS[campaign])
             for i, (campaign, zone, step, offset) in enumerate(raw)]
    budgets = {
        box: MailboxBudget(box, cap, min(used, cap), None if wait is None else now + timedelta(minutes=wait),
                           timedelta(minutes=gap), timedelta(minutes=jitter), backlog)
        for box, (cap, used, gap, jitter, backlog, wait) in zip(BOXES, specs, strict=True)
    }
    full = plan_tick(now, steps, WINDOWS, budgets, random.Random(seed))
    grouped = plan_from_groups(now, groups_of(steps), candidates_of(now, steps, budgets), WINDOWS, budgets,
                               random.Random(seed))
    assert grouped == full


def test_candidates_in_closed_groups_are_never_chosen():
    night_in_los_angeles = DueStep(1, "c1", 0, MONDAY_10_UTC, "America/Los_Angeles", BOXES[0])  # 02:00 local
    groups = [DueGroup("c1", "America/Los_Angeles", BOXES[0], 0, 1)]
    plan = plan_from_groups(MONDAY_10_UTC, groups, [night_in_los_angeles], WINDOWS,
                            {BOXES[0]: MailboxBudget(BOXES[0], 10)}, random.Random(1))
    assert plan.sends == [] and plan.outside_window == 1


def test_a_capped_or_spaced_out_mailbox_needs_no_candidates():
    capped = MailboxBudget(BOXES[0], daily_cap=5, sent_today=5)
    spacing = MailboxBudget(BOXES[0], daily_cap=5, next_allowed_at=MONDAY_10_UTC + timedelta(minutes=3))
    backlogged = MailboxBudget(BOXES[0], daily_cap=5, min_gap=timedelta(minutes=10), backlog=1)
    assert [allowance(MONDAY_10_UTC, b) for b in (capped, spacing, backlogged)] == [0, 0, 0]


def test_a_spaced_mailbox_needs_one_candidate_and_an_unspaced_one_its_remaining_cap():
    assert allowance(MONDAY_10_UTC, MailboxBudget(BOXES[0], 40, 10, min_gap=timedelta(minutes=15))) == 1
    assert allowance(MONDAY_10_UTC, MailboxBudget(BOXES[0], 40, 10)) == 30


def test_jitter_does_not_depend_on_the_order_steps_were_read_in():
    budgets = {box: MailboxBudget(box, 10, jitter=timedelta(minutes=5)) for box in BOXES}
    always = {"x": WINDOWS["c2"], "y": WINDOWS["c2"]}
    steps = [DueStep(1, "x", 0, MONDAY_10_UTC, None, BOXES[0]), DueStep(2, "y", 0, MONDAY_10_UTC, None, BOXES[1])]
    forwards = plan_tick(MONDAY_10_UTC, steps, always, budgets, random.Random(3))
    backwards = plan_tick(MONDAY_10_UTC, steps[::-1], always, budgets, random.Random(3))
    assert len(forwards.sends) == 2 and forwards.mailboxes == backwards.mailboxes
