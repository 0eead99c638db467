"""Which enrollment steps go out on this tick: send windows, daily caps per mailbox, gaps with jitter.

Pure: the clock (``now``) and the random source are passed in, so every rule is testable to the second.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from operator import attrgetter

from outreach.core.sendwindow import SendWindow

_ORDER = attrgetter("due_at", "enrollment_id")


@dataclass(frozen=True, slots=True)
class DueStep:
    """An active enrollment whose next step is due at ``due_at`` (UTC)."""

    enrollment_id: int
    campaign: str
    step: int
    due_at: datetime
    timezone: str | None
    mailbox: str


@dataclass(frozen=True, slots=True)
class MailboxBudget:
    """What one sending mailbox may still do: its daily cap, today's count and when it may send next.

    ``backlog`` counts messages already queued and deliverable now but not yet delivered (the SMTP server was
    down, or a stop came mid-tick).
    """

    address: str
    daily_cap: int
    sent_today: int = 0
    next_allowed_at: datetime | None = None
    min_gap: timedelta = timedelta(0)
    jitter: timedelta = timedelta(0)
    backlog: int = 0

    @property
    def exhausted(self) -> bool:
        return self.sent_today >= self.daily_cap


@dataclass(frozen=True, slots=True)
class PlannedSend:
    enrollment_id: int
    campaign: str
    step: int
    mailbox: str


@dataclass
class TickPlan:
    """Sends to queue now, the mailboxes' budgets after them, and why the others wait."""

    sends: list[PlannedSend] = field(default_factory=list)
    mailboxes: dict[str, MailboxBudget] = field(default_factory=dict)
    outside_window: int = 0
    over_daily_cap: int = 0
    waiting_for_gap: int = 0
    not_due: int = 0


def plan_tick(
    now: datetime,
    due: Iterable[DueStep],
    windows: Mapping[str, SendWindow],
    mailboxes: Mapping[str, MailboxBudget],
    rng: random.Random,
) -> TickPlan:
    """Choose the steps to send at ``now``; follow-ups first, then oldest due.

    A mailbox sends again only after ``min_gap`` plus a random part of ``jitter`` (drawn once per send
    from ``rng``) has passed since its previous send, and never more than ``daily_cap`` per local day.

    The gap is spaced at queue time and delivery sends whatever is queued, so a spaced mailbox queues
    nothing new while it has a ``backlog``: otherwise every tick of an SMTP outage would queue one more
    message and the recovery would deliver them back to back. With no backlog at most one message is
    queued per gap, so deliveries can never be closer than the gap.
    """
    plan = TickPlan(mailboxes=dict(mailboxes))
    budgets = plan.mailboxes
    open_now: dict[str, dict[str | None, bool]] = {campaign: {} for campaign in windows}
    by_mailbox: dict[str, tuple[list[DueStep], list[DueStep]]] = {}  # (follow-ups, first emails)
    for step in due:  # hot loop (100k steps per tick must stay well under 100 ms): keep it lean
        if step.due_at > now:
            plan.not_due += 1
            continue
        zones = open_now[step.campaign]
        is_open = zones.get(step.timezone)
        if is_open is None:
            is_open = zones[step.timezone] = windows[step.campaign].is_open(now, step.timezone)
        if not is_open:
            plan.outside_window += 1
            continue
        groups = by_mailbox.get(step.mailbox)
        if groups is None:
            groups = by_mailbox[step.mailbox] = ([], [])
        groups[step.step == 0].append(step)
    for address, (follow_ups, firsts) in by_mailbox.items():
        budget = budgets[address]
        waiting = len(follow_ups) + len(firsts)
        if budget.exhausted:
            plan.over_daily_cap += waiting
            continue
        spaced = bool(budget.min_gap or budget.jitter)
        if (budget.next_allowed_at is not None and budget.next_allowed_at > now) or (spaced and budget.backlog):
            plan.waiting_for_gap += waiting
            continue
        room = budget.daily_cap - budget.sent_today
        allowance = 1 if spaced else room
        # Follow-ups first (a thread already started), then the longest-waiting. Only the best `allowance`
        # are ordered: a full sort of 100k steps would dominate the tick.
        chosen = heapq.nsmallest(allowance, follow_ups, key=_ORDER)
        if len(chosen) < allowance:
            chosen += heapq.nsmallest(allowance - len(chosen), firsts, key=_ORDER)
        for step in chosen:
            plan.sends.append(PlannedSend(step.enrollment_id, step.campaign, step.step, step.mailbox))
        left = waiting - len(chosen)
        if spaced and room > 1:
            plan.waiting_for_gap += left
        else:
            plan.over_daily_cap += left
        pause = budget.min_gap
        if budget.jitter:
            pause += timedelta(seconds=rng.uniform(0, budget.jitter.total_seconds()))
        budgets[address] = replace(
            budget, sent_today=budget.sent_today + len(chosen), next_allowed_at=now + pause if pause else None
        )
    return plan
