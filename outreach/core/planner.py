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


@dataclass(frozen=True, slots=True)
class DueGroup:
    """How many due steps one campaign has for recipients in one time zone, follow-ups and first emails
    counted apart: all the planner needs to know of the steps it will not send on this tick."""

    campaign: str
    timezone: str | None
    mailbox: str
    follow_ups: int
    firsts: int


def plan_tick(
    now: datetime,
    due: Iterable[DueStep],
    windows: Mapping[str, SendWindow],
    mailboxes: Mapping[str, MailboxBudget],
    rng: random.Random,
) -> TickPlan:
    """Choose the steps to send at ``now``; follow-ups first, then oldest due.

    A mailbox sends again only after ``min_gap`` plus a random part of ``jitter`` (drawn once per send
    from ``rng``, mailboxes in address order) has passed since its previous send, and never more than
    ``daily_cap`` per local day.

    The gap is spaced at queue time and delivery sends whatever is queued, so a spaced mailbox queues
    nothing new while it has a ``backlog``: otherwise every tick of an SMTP outage would queue one more
    message and the recovery would deliver them back to back. With no backlog at most one message is
    queued per gap, so deliveries can never be closer than the gap.
    """
    plan = TickPlan(mailboxes=dict(mailboxes))
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
    waiting = {address: len(follow_ups) + len(firsts) for address, (follow_ups, firsts) in by_mailbox.items()}
    _choose(plan, now, waiting, by_mailbox, rng)
    return plan


def allowance(now: datetime, budget: MailboxBudget) -> int:
    """How many steps ``budget``'s mailbox may be given on this tick (0 while capped or spaced out): the
    most :func:`plan_from_groups` needs of its follow-ups, and of its first emails."""
    if budget.exhausted or (budget.next_allowed_at is not None and budget.next_allowed_at > now):
        return 0
    spaced = bool(budget.min_gap or budget.jitter)
    if spaced and budget.backlog:
        return 0
    return 1 if spaced else budget.daily_cap - budget.sent_today


def open_groups(now: datetime, groups: Iterable[DueGroup], windows: Mapping[str, SendWindow]) -> list[DueGroup]:
    """The groups whose recipients are inside the campaign's send window at ``now``."""
    return [group for group in groups if windows[group.campaign].is_open(now, group.timezone)]


def plan_from_groups(
    now: datetime,
    groups: Iterable[DueGroup],
    candidates: Iterable[DueStep],
    windows: Mapping[str, SendWindow],
    mailboxes: Mapping[str, MailboxBudget],
    rng: random.Random,
) -> TickPlan:
    """The plan :func:`plan_tick` makes over every due step, from the due steps counted per group plus only
    the ones that can be chosen, so a tick over a million enrollments never loads them all.

    ``groups`` count every due step (none later than ``now``); ``candidates`` must hold, for each mailbox,
    at least its :func:`allowance` earliest (by due time, then enrollment id) follow-ups and as many first
    emails among the groups whose window is open (more is harmless; steps in closed groups are ignored).
    """
    plan = TickPlan(mailboxes=dict(mailboxes))
    is_open: dict[tuple[str, str | None], bool] = {}
    waiting: dict[str, int] = {}
    for group in groups:
        key = (group.campaign, group.timezone)
        if key not in is_open:
            is_open[key] = windows[group.campaign].is_open(now, group.timezone)
        count = group.follow_ups + group.firsts
        if not is_open[key]:
            plan.outside_window += count
        elif count:
            waiting[group.mailbox] = waiting.get(group.mailbox, 0) + count
    by_mailbox: dict[str, tuple[list[DueStep], list[DueStep]]] = {address: ([], []) for address in waiting}
    for step in candidates:
        if is_open.get((step.campaign, step.timezone)) and step.mailbox in by_mailbox:
            by_mailbox[step.mailbox][step.step == 0].append(step)
    _choose(plan, now, waiting, by_mailbox, rng)
    return plan


def _choose(
    plan: TickPlan, now: datetime, waiting: Mapping[str, int],
    by_mailbox: Mapping[str, tuple[list[DueStep], list[DueStep]]], rng: random.Random,
) -> None:
    """Per mailbox with ``waiting`` steps inside their window (in address order, so the jitter drawn for
    each does not depend on the order the steps were read in): choose what its budget allows."""
    budgets = plan.mailboxes
    for address in sorted(waiting):
        follow_ups, firsts = by_mailbox[address]
        budget = budgets[address]
        count = waiting[address]
        if budget.exhausted:
            plan.over_daily_cap += count
            continue
        spaced = bool(budget.min_gap or budget.jitter)
        if (budget.next_allowed_at is not None and budget.next_allowed_at > now) or (spaced and budget.backlog):
            plan.waiting_for_gap += count
            continue
        room = budget.daily_cap - budget.sent_today
        allowed = 1 if spaced else room
        # Follow-ups first (a thread already started), then the longest-waiting. Only the best `allowed`
        # are ordered: a full sort of 100k steps would dominate the tick.
        chosen = heapq.nsmallest(allowed, follow_ups, key=_ORDER)
        if len(chosen) < allowed:
            chosen += heapq.nsmallest(allowed - len(chosen), firsts, key=_ORDER)
        for step in chosen:
            plan.sends.append(PlannedSend(step.enrollment_id, step.campaign, step.step, step.mailbox))
        left = count - len(chosen)
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
