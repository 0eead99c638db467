"""A workspace with a month of work for the report to management, small enough to check by hand.

Shows (each: "Q&A" 3 min with Ada Lovelace, then "Sponsor read" 2 min; twitch viewers per minute):

    minute             0    1    2    3    4
    viewers          100   96   92  100   71      Q&A keeps 92%, Sponsor read 71%

one show a day before ``NOW`` (2 shows in the period) and one 40 days earlier (outside a 30-day period).

Campaigns, all with audience tag ``gaming``, 10 people each: five old ones (stopped, long before the
period) with reply rates 10, 20, 30, 40, 50 % and one in the period, ``launch``, with 6 replies (60 %),
1 bounce of 11 sent (9 %), 1 opt-out; its baseline is the median of the five: 30 %.

Benchmark: Our Brand 1000 → 1100 YouTube subscribers (+10 %), Rival Co 5000 → 4500 (-10 %).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlite_utils

from livekit.core import FakeClock, Rundown, Segment
from outreach.storage.influencers import add_snapshot, timestamp
from tests.test_report_audience import MINUTE, record_samples, run_show

DAY = 86_400_000
#: The report's clock: the start of a minute, some time after the last show.
NOW = 1_800_000_000_000 - 1_800_000_000_000 % MINUTE
RUNDOWN = Rundown("Weekly Q&A", (Segment("Q&A", 3 * MINUTE, guest="Ada Lovelace"), Segment("Sponsor read", 2 * MINUTE)),
                  tags=("qa",))
CURVE = {("twitch", "viewers"): [100, 96, 92, 100, 71], ("chat", "chat_messages"): [10, 20, 30, 10, 5]}
CAMPAIGN = """name: {name}
audience: {{tags: [gaming]}}
sender: {{name: Ana Example, address: ana@brand.example}}
steps:
  - template: first-contact.md.j2
send_window: {{days: [mon, tue, wed, thu, fri, sat, sun], hours: "00:00-24:00", timezone: UTC}}
"""


def _moment(ms: int) -> str:
    return timestamp(datetime.fromtimestamp(ms / 1000, UTC))


def add_show(db: sqlite_utils.Database, started_ms: int, rundown: Rundown = RUNDOWN) -> int:
    show_id = run_show(db, FakeClock(started_ms), rundown)
    record_samples(db, show_id, started_ms, CURVE)
    return show_id


def add_person(db: sqlite_utils.Database, name: str, *, kind: str = "influencer", stage: str = "prospect") -> int:
    return int(db["influencers"].insert({
        "name": name, "kind": kind, "stage": stage, "niches": '["gaming"]', "custom": "{}", "hand_edited": "[]",
        "created_at": "2026-01-01T00:00:00+00:00", "updated_at": "2026-01-01T00:00:00+00:00"}).last_pk)


def add_campaign(db: sqlite_utils.Database, name: str, people: list[int], *, created_ms: int, replied: int,
                 bounced: int = 0, opted_out: int = 0, status: str = "stopped") -> int:
    """A one-step campaign sent to ``people``: the first ``replied`` replied, then ``bounced``, ``opted_out``."""
    created = _moment(created_ms)
    campaign_id = int(db["campaigns"].insert({
        "name": name, "source": f"{name}.yaml", "definition": CAMPAIGN.format(name=name), "status": status,
        "sender_address": "ana@brand.example", "created_at": created}).last_pk)
    outcomes = ["replied"] * replied + ["bounced"] * bounced + ["opted_out"] * opted_out
    for index, person in enumerate(people):
        enrollment_id = db["enrollments"].insert({
            "campaign_id": campaign_id, "influencer_id": person, "email": f"p{person}@example.com",
            "status": "done", "next_step": 1, "created_at": created}).last_pk
        outcome = outcomes[index] if index < len(outcomes) else None
        db["outbox"].insert({
            "enrollment_id": enrollment_id, "campaign_id": campaign_id, "influencer_id": person, "step": 0,
            "template": "first-contact.md.j2", "to_address": f"p{person}@example.com",
            "sender_address": "ana@brand.example", "message_id": f"<{campaign_id}.{person}@brand.example>",
            "raw": "", "state": "bounced" if outcome == "bounced" else "sent", "queued_at": created,
            "sent_at": created, "outcome": outcome, "outcome_at": created if outcome else None})
    return campaign_id


def seed_month(db: sqlite_utils.Database) -> None:
    """The workspace described in the module docstring."""
    for days_before in (40, 2, 1):
        add_show(db, NOW - days_before * DAY)
    people = [add_person(db, f"Creator {number}") for number in range(11)]
    for number, replied in enumerate((1, 2, 3, 4, 5)):
        add_campaign(db, f"old-{number}", people[:10], created_ms=NOW - (200 - number) * DAY, replied=replied)
    add_campaign(db, "launch", people, created_ms=NOW - 5 * DAY, replied=6, bounced=1, opted_out=1,
                 status="active")
    db["influencers"].update(people[0], {"stage": "agreed"})
    db["guest_booking_changes"].insert({"guest_id": 1, "influencer_id": people[0], "change": "booked",
                                        "to_show": "next", "at_ms": NOW - 3 * DAY})
    brand, rival = add_person(db, "Our Brand", kind="brand"), add_person(db, "Rival Co", kind="competitor")
    now = datetime.fromtimestamp(NOW / 1000, UTC)
    for person, before, after in ((brand, 1000, 1100), (rival, 5000, 4500)):
        add_snapshot(db, person, "youtube", "UC", followers=before, videos=10, taken_at=now - timedelta(days=31))
        add_snapshot(db, person, "youtube", "UC", followers=after, videos=14, taken_at=now - timedelta(hours=1))
    db.conn.commit()
