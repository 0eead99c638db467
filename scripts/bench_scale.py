#!/usr/bin/env python3
"""Benchmark: outreach at agency scale — 1,000,000 influencers and 1,000,000 enrollments in one workspace.

Measures, in process (what a command does once the workspace is open), the median of several runs of:
- filtered ``outreach influencers list`` queries exactly as the CLI issues them (target <= 100 ms each);
- ``outreach influencers search WORDS`` over the full-text index (target <= 100 ms each);
- one real tick: ``outreach.campaigns.sending.queue_due`` as a dry run does it (stop rules, budgets, the
  plan from due counts per group plus only the steps each mailbox can be given, every planned email
  rendered and queued), rolled back (target <= 300 ms), with its planning part apart;
- the stop rules after 1,000 people changed since the previous tick.
Each row names its peer where one exists (the same SQL through plain sqlite3: the floor for that query)
and the peak memory of the measured call (tracemalloc: Python allocations, SQLite's page cache excluded),
plus the process's peak RSS (ru_maxrss) at the end.

The database is generated once (seeded, so the same every time) and cached outside the repository, by
default under $TMPDIR/greenroom-bench-scale/; later runs reuse it, and opening it applies any new
migration the way a user's workspace would be migrated.

Usage: .venv/bin/python scripts/bench_scale.py [--people 1000000] [--enrollments 1000000] [--runs 7]
                                               [--cache DIR] [--rebuild] [--tick-only]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from greenroom.db import open_database  # noqa: E402
from outreach.storage.influencers import Filter, timestamp  # noqa: E402

#: The bench's "now": a Tuesday afternoon in Europe, morning in the Americas, night in Asia.
NOW = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
#: Bump when the generated data changes shape, so an old cache is not reused.
DATA_VERSION = 2  # 2: stop_checks queue (the stop rules look only at what changed)

FIRST_NAMES = ("Ana", "Ben", "Chloé", "David", "Emma", "Felix", "Giulia", "Hiro", "Inès", "Jonas", "Kenji", "Lena",
               "Lucas", "Maya", "Noah", "Olivia", "Pablo", "Priya", "Quentin", "Rosa", "Sven", "Tariq", "Ulla",
               "Valentina", "William", "Xavier", "Yuki", "Zoé", "Aiko", "Björn", "Carla", "Dmitri", "Elif",
               "Fatima", "Gustavo", "Hannah", "Ivan", "Julia", "Karim", "Laura", "Mateo", "Nadia", "Oscar",
               "Paula", "Rafael", "Sofia", "Tom", "Uma", "Viktor", "Wen")
LAST_NAMES = ("Smith", "Müller", "Dubois", "Rossi", "García", "Tanaka", "Kowalski", "Novak", "Silva", "Jensen",
              "O'Brien", "Nguyen", "Kim", "Singh", "Cohen", "Yılmaz", "Andersson", "Martin", "Bernard", "Schmidt",
              "Fischer", "Weber", "Moreau", "Laurent", "Ricci", "Romano", "Costa", "Santos", "Sato", "Suzuki",
              "Ito", "Watanabe", "Johnson", "Brown", "Davis", "Miller", "Wilson", "Taylor", "Clark", "Lewis",
              "Walker", "Hall", "Young", "King", "Wright", "Lopez", "Hill", "Scott", "Green", "Adams")
#: (country, language, time zone, weight): most of an agency's list is in a few big markets.
COUNTRIES = (("US", "en", "America/New_York", 22), ("US", "en", "America/Los_Angeles", 10),
             ("GB", "en", "Europe/London", 9), ("DE", "de", "Europe/Berlin", 8), ("FR", "fr", "Europe/Paris", 8),
             ("BR", "pt", "America/Sao_Paulo", 7), ("JP", "ja", "Asia/Tokyo", 6), ("ES", "es", "Europe/Madrid", 5),
             ("IT", "it", "Europe/Rome", 4), ("MX", "es", "America/Mexico_City", 4),
             ("CA", "en", "America/Toronto", 3), ("IN", "en", "Asia/Kolkata", 3), ("NL", "nl", "Europe/Amsterdam", 2),
             ("SE", "sv", "Europe/Stockholm", 2), ("PL", "pl", "Europe/Warsaw", 2), ("KR", "ko", "Asia/Seoul", 2),
             ("AU", "en", "Australia/Sydney", 2), ("TR", "tr", "Europe/Istanbul", 1))
NICHES = ("gaming", "retro", "speedrun", "fps", "strategy", "indie", "esports", "minecraft", "cooking", "baking",
          "vegan", "fitness", "yoga", "running", "tech", "gadgets", "pc-building", "coding", "beauty", "makeup",
          "skincare", "fashion", "travel", "vanlife", "music", "guitar", "kpop", "chess", "boardgames", "anime",
          "cosplay", "asmr", "diy", "woodworking", "gardening", "pets", "finance", "crypto", "education", "science")
#: Zipf-like: a few niches are on most lists, the long tail is rare.
NICHE_WEIGHTS = tuple(1 / (rank + 1) ** 0.8 for rank in range(len(NICHES)))
STAGES = (("prospect", 70), ("contacted", 18), ("replied", 4), ("negotiating", 2), ("agreed", 1.5),
          ("declined", 3), ("do-not-contact", 1.5))
KINDS = (("influencer", 95), ("brand", 4), ("competitor", 1))
OWNERS = ("sam", "alex", "kim", "jo", "lee", "max", "ria", "tom", "eva", "ola", "ben", "ida")
DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "proton.me", "gmx.de", "orange.fr", "icloud.com")
#: (name, sender mailbox, window zone, days, hours, daily cap, gap minutes, status): several campaigns share
#: a mailbox, as agencies do, and one is paused and one stopped.
CAMPAIGNS = (
    ("spring-gaming", "ana@agency.example", "Europe/London", "mon, tue, wed, thu, fri", "09:00-17:00", 40, 15, "active"),
    ("beauty-launch", "ana@agency.example", "Europe/Paris", "mon, tue, wed, thu, fri", "09:00-18:00", 60, 0, "active"),
    ("fitness-q2", "ben@agency.example", "America/New_York", "mon, tue, wed, thu, fri", "08:00-17:00", 100, 0, "active"),
    ("tech-review", "ben@agency.example", "America/Los_Angeles", "mon, tue, wed, thu", "09:00-16:00", 80, 10, "active"),
    ("travel-summer", "cy@agency.example", "Europe/Berlin", "mon, tue, wed, thu, fri, sat", "08:00-20:00", 200, 0,
     "active"),
    ("music-fest", "dee@agency.example", "Europe/Madrid", "mon, tue, wed, thu, fri", "10:00-19:00", 150, 0, "active"),
    ("chess-open", "dee@agency.example", "UTC", "mon, tue, wed, thu, fri, sat, sun", "00:00-24:00", 50, 0, "paused"),
    ("crypto-old", "cy@agency.example", "UTC", "mon, tue, wed, thu, fri", "09:00-17:00", 50, 0, "stopped"),
)
ENDED = (("completed", 45), ("replied", 14), ("declined", 4), ("bounced", 5), ("opted_out", 3), ("stopped", 20),
         ("stage_changed", 6), ("failed", 3))


def weighted(rng: random.Random, table: tuple[tuple[Any, ...], ...]) -> tuple[Any, ...]:
    return rng.choices(table, weights=[row[-1] for row in table])[0]


def email_of(person_id: int) -> str:
    """Every generated person's primary address, derivable from the id (enrollments need it too)."""
    return f"creator.{person_id}@{DOMAINS[person_id % len(DOMAINS)]}"


def campaign_yaml(name: str, address: str, zone: str, days: str, hours: str, cap: int, gap: int) -> str:
    return (f"name: {name}\naudience: {{stage: [prospect]}}\nsender: {{name: Agency, address: {address}}}\n"
            "steps:\n  - template: first-contact.md.j2\n  - template: follow-up.md.j2\n    after_business_days: 3\n"
            "  - template: follow-up.md.j2\n    after_business_days: 5\n"
            "stop_on: [reply, bounce, opt_out, stage_change]\n"
            f"send_window: {{days: [{days}], hours: \"{hours}\", timezone: {zone}}}\n"
            f"daily_cap: {cap}\nmin_gap_minutes: {gap}\njitter_minutes: {2 if gap else 0}\n")


def people(count: int) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(1)
    for person_id in range(1, count + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        country, language, zone, _ = weighted(rng, COUNTRIES)
        stage = weighted(rng, STAGES)[0]
        niches = sorted(set(rng.choices(NICHES, weights=NICHE_WEIGHTS, k=rng.randint(1, 4))))
        login = f"{first}{last}".lower().encode("ascii", "ignore").decode().replace("'", "")[:16]
        followers = max(50, int(math.exp(rng.gauss(8.5, 2.0))))
        created = NOW - timedelta(days=rng.uniform(1, 720))
        contacted = (timestamp(NOW - timedelta(days=rng.uniform(0, 180)))
                     if stage != "prospect" or rng.random() < 0.05 else None)
        yield (
            person_id, f"{first} {last}", email_of(person_id), json.dumps(niches),
            f"{login}{person_id}" if rng.random() < 0.6 else None,
            f"{login}_{person_id}" if rng.random() < 0.4 else None,
            f"{login}.{person_id}" if rng.random() < 0.5 else None, None, None, None,
            country, language, zone, rng.choice(OWNERS), stage, weighted(rng, KINDS)[0],
            f"met at {rng.choice(('TwitchCon', 'Gamescom', 'VidCon', 'a meetup'))}" if rng.random() < 0.1 else None,
            "{}", followers, round(rng.gauss(0.5, 2), 2), round(rng.gauss(2, 5), 2), contacted, "[]",
            timestamp(created), timestamp(created + timedelta(days=rng.uniform(0, 30))),
        )


def enrollments(count: int, people_count: int, zones: dict[int, str], stages: dict[int, str]) -> Iterator[tuple[Any, ...]]:
    """Spread over the campaigns, most of them ended; active ones fall due from two weeks ago to five weeks
    ahead (a backlog the daily caps have not drained yet, and follow-ups scheduled for later)."""
    rng = random.Random(2)
    per_campaign = count // len(CAMPAIGNS)
    enrollment_id = 0
    for campaign_id, spec in enumerate(CAMPAIGNS, start=1):
        wanted = per_campaign if campaign_id < len(CAMPAIGNS) else count - enrollment_id
        for person_id in rng.sample(range(1, people_count + 1), min(wanted, people_count)):
            enrollment_id += 1
            created = NOW - timedelta(days=rng.uniform(0, 60))
            if spec[-1] == "stopped" or rng.random() < 0.45:
                status, next_step, due, stopped = weighted(rng, ENDED)[0], rng.randint(1, 3), None, timestamp(created)
            else:
                status, next_step, stopped = "active", rng.choice((0, 0, 1, 2)), None
                due = timestamp(NOW + timedelta(days=rng.uniform(-14, 35)))
            yield (enrollment_id, campaign_id, person_id, email_of(person_id), zones[person_id], stages[person_id], status,
                   next_step, due, timestamp(created), stopped, None if status == "active" else "generated")


def build(path: Path, people_count: int, enrollment_count: int) -> None:
    """Generate the workspace database at ``path`` through the real migrations, then bulk SQL inserts."""
    started = time.perf_counter()
    db = open_database(path)
    db.execute("PRAGMA synchronous = OFF")
    insert_person = ("INSERT INTO influencers (id, name, email, niches, youtube, twitch, instagram, tiktok, x, website, "
                     "country, language, timezone, owner, stage, kind, notes, custom, followers, growth_7d, "
                     "growth_30d, last_contacted_at, hand_edited, created_at, updated_at) "
                     "VALUES (" + ", ".join("?" * 25) + ")")
    zones: dict[int, str] = {}
    stages: dict[int, str] = {}
    batch: list[tuple[Any, ...]] = []
    for row in people(people_count):
        zones[row[0]], stages[row[0]] = row[12], row[14]
        batch.append(row)
        if len(batch) == 50_000:
            _insert_people(db, insert_person, batch)
            print(f"  {row[0]:,} people ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
            batch = []
    _insert_people(db, insert_person, batch)

    with db.atomic():
        for campaign_id, (name, address, zone, days, hours, cap, gap, status) in enumerate(CAMPAIGNS, start=1):
            db.execute("INSERT INTO campaigns (id, name, source, definition, status, sender_address, created_at, "
                       "stopped_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       [campaign_id, name, f"{name}.yaml", campaign_yaml(name, address, zone, days, hours, cap, gap),
                        status, address, timestamp(NOW - timedelta(days=60)),
                        timestamp(NOW - timedelta(days=5)) if status == "stopped" else None])
    insert_enrollment = ("INSERT INTO enrollments (id, campaign_id, influencer_id, email, timezone, stage_at_enroll, "
                         "status, next_step, next_due_at, created_at, stopped_at, stop_reason) "
                         "VALUES (" + ", ".join("?" * 12) + ")")
    rows_iter = enrollments(enrollment_count, people_count, zones, stages)
    done = 0
    while True:
        chunk = [row for _, row in zip(range(100_000), rows_iter, strict=False)]
        if not chunk:
            break
        with db.atomic():
            db.conn.executemany(insert_enrollment, chunk)
        done += len(chunk)
        print(f"  {done:,} enrollments ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    # The stop rules of earlier ticks looked at every enrollment made here: nothing left for them to check.
    db.execute("DELETE FROM stop_checks")
    _side_tables(db, people_count, stages)
    db.conn.close()
    print(f"built {path} in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def _insert_people(db: Any, sql: str, batch: list[tuple[Any, ...]]) -> None:
    with db.atomic():
        db.conn.executemany(sql, batch)
        db.conn.executemany("INSERT INTO influencer_emails (email, influencer_id) VALUES (?, ?)",
                            [(row[2], row[0]) for row in batch])


def _side_tables(db: Any, people_count: int, stages: dict[int, str]) -> None:
    """Suppressions (1.5% of people), today's sends per mailbox, a few queued messages and pending reviews."""
    rng = random.Random(3)
    with db.atomic():
        reasons = (("bounce", 50), ("unsubscribe", 40), ("manual", 10))
        db.conn.executemany(
            "INSERT OR IGNORE INTO suppressions (email, reason, source, created_at) VALUES (?, ?, ?, ?)",
            [(email_of(pid), weighted(rng, reasons)[0], "generated", timestamp(NOW - timedelta(days=rng.uniform(0, 90))))
             for pid in rng.sample(range(1, people_count + 1), people_count * 15 // 1000)])
        # Sequences of suppressed people are ended, as the stop rules would have done on an earlier tick; a
        # few suppressed today are still active.
        db.execute("""UPDATE enrollments SET status = CASE WHEN (SELECT reason FROM suppressions s
                      WHERE s.email = enrollments.email) = 'bounce' THEN 'bounced' ELSE 'opted_out' END,
                      next_due_at = NULL, stop_reason = 'suppressed', stopped_at = ?
                      WHERE status = 'active' AND email IN (SELECT email FROM suppressions WHERE created_at < ?)""",
                   [timestamp(NOW), timestamp(NOW - timedelta(days=1))])
        db.execute("""UPDATE enrollments SET status = 'stopped', next_due_at = NULL, stop_reason = 'generated'
                      WHERE status = 'active' AND influencer_id IN
                      (SELECT id FROM influencers WHERE stage = 'do-not-contact')""")
        outbox = []
        for campaign_id, spec in enumerate(CAMPAIGNS[:6], start=1):
            sample = list(db.execute("SELECT id, influencer_id, email FROM enrollments WHERE campaign_id = ? "
                                     "AND status = 'active' LIMIT 30", [campaign_id]).fetchall())
            for number, (eid, pid, email) in enumerate(sample):
                queued = number >= 25  # five held per campaign (queued, not delivered yet)
                at = NOW - timedelta(hours=rng.uniform(0.5, 4))
                outbox.append((eid, campaign_id, pid, 0, "first-contact.md.j2", email, spec[1],
                               f"<bench.{eid}@agency.example>", "Hello", "(raw message)",
                               "queued" if queued else "sent", 0 if queued else 1, timestamp(at),
                               None if queued else timestamp(at), "pending" if not queued else None))
                if queued:
                    db.execute("UPDATE enrollments SET next_step = 0, next_due_at = NULL WHERE id = ?", [eid])
                else:  # the first email went out: the sequence waits for its first follow-up
                    db.execute("UPDATE enrollments SET next_step = 1, next_due_at = ? WHERE id = ?",
                               [timestamp(at + timedelta(days=3)), eid])
        db.conn.executemany(
            "INSERT INTO outbox (enrollment_id, campaign_id, influencer_id, step, template, to_address, "
            "sender_address, message_id, subject, raw, state, attempts, queued_at, sent_at, sent_copy) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", outbox)
        db.execute("INSERT INTO inbox_messages (id, mailbox, uidvalidity, uid, kind, processed_at) "
                   "VALUES (1, 'INBOX', 1, 1, 'reply', ?)", [timestamp(NOW)])
        # Suppressions before today were handled by earlier ticks; today's wait for the next tick's stop rules.
        db.execute("DELETE FROM stop_checks WHERE email IN (SELECT email FROM suppressions WHERE created_at < ?)",
                   [timestamp(NOW - timedelta(days=1))])
        db.conn.executemany(
            "INSERT INTO inbox_reviews (inbox_message_id, influencer_id, from_address, proposed, reason, status, "
            "created_at) VALUES (1, ?, ?, 'replied', 'unsure', 'pending', ?)",
            [(pid, email_of(pid), timestamp(NOW)) for pid in rng.sample(range(1, people_count + 1), 200)])


def cached_database(cache: Path, people_count: int, enrollment_count: int, rebuild: bool) -> Path:
    """The generated workspace database for these sizes, built on first use."""
    folder = cache / f"v{DATA_VERSION}-{people_count}-{enrollment_count}"
    path = folder / "greenroom.db"
    done = folder / "complete"
    if rebuild or not done.exists():
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("greenroom.db*"):
            stale.unlink()
        build(path, people_count, enrollment_count)
        done.touch()
    return path


# ------------------------------------------------------------------------------------ what is measured

#: ``outreach influencers list`` as people filter an agency's list (the CLI's default page is 50 rows).
LISTS = (
    ("--country US --min-followers 100k --niche gaming --stage prospect",
     Filter(country="US", min_followers=100_000, niche="gaming", stage="prospect"), "followers"),
    ("--country KR --niche kpop --min-followers 10k",
     Filter(country="KR", niche="kpop", min_followers=10_000), "followers"),
    ("--country DE --niche science --stage contacted (few match)",
     Filter(country="DE", niche="science", stage="contacted"), "followers"),
    ("--stage prospect --owner sam --not-contacted-days 30 --sort growth",
     Filter(stage="prospect", owner="sam", not_contacted_days=30), "growth"),
    ("--language es --niche chess --max-followers 50k",
     Filter(language="es", niche="chess", max_followers=50_000), "followers"),
    ("--kind brand --sort name", Filter(kind="brand"), "name"),
    ("(no filter, first page)", Filter(), "followers"),
)
#: Stands for the Twitch handle of one generated person (looked up when measuring).
TWITCH_HANDLE = "<twitch handle of person #500>"
#: ``outreach influencers search WORDS [filters]``.
SEARCHES = (
    ("Chloé (a first name, ~2% of people)", "Chloé", Filter()),
    ("priya tanaka (a full name)", "priya tanaka", Filter()),
    ("an email address", email_of(123_457), Filter()),
    ("a Twitch handle", TWITCH_HANDLE, Filter()),
    ("speedrun (a niche word, ~8%)", "speedrun", Filter()),
    ("spee (a prefix)", "spee", Filter()),
    ("gamescom --country US --min-followers 10k", "gamescom", Filter(country="US", min_followers=10_000)),
)

#: Stage changes and suppressions since the previous tick that the steady-state stop rules are timed with.
CHANGES = 1_000


def rolled_back(db: Any, call: Callable[[], Any]) -> Any:
    """``call`` inside a savepoint that is rolled back, so every run sees the same data."""
    db.execute("SAVEPOINT bench")
    try:
        return call()
    finally:
        db.execute("ROLLBACK TO bench")
        db.execute("RELEASE bench")


def _workspace_templates() -> Path:
    """A workspace whose follow-up template has its own subject: the generated follow-ups have no sent first
    email to reply to (a real follow-up reads its thread and says "Re: ..."), and must render all the same."""
    root = Path(tempfile.mkdtemp(prefix="greenroom-bench-templates-"))
    (root / "templates" / "email").mkdir(parents=True)
    from outreach.mail.template import default_templates_dir

    default = (default_templates_dir() / "email" / "follow-up.md.j2").read_text()
    (root / "templates" / "email" / "follow-up.md.j2").write_text(
        "{% set subject %}Live interview, {{ influencer.first_name }}?{% endset %}\n" + default)
    return root


def real_tick(db: Any, now: datetime) -> Any:
    """``outreach.campaigns.sending.queue_due`` as ``outreach send --dry-run`` runs it: the stop rules, the
    budgets, the plan, every planned email rendered and queued, then rolled back."""
    from outreach.campaigns.sending import TickReport, queue_due
    from outreach.campaigns.settings import OutreachSettings
    from outreach.mail.template import TemplateLibrary, template_dirs

    library = TemplateLibrary(template_dirs(_workspace_templates()))
    settings = OutreachSettings("Agency, 1 Main St, Springfield", None)

    def run() -> TickReport:
        report = TickReport()
        queue_due(db, library, settings, now, random.Random(1), report)
        return report

    return rolled_back(db, run)


def planning(db: Any, now: datetime) -> Any:
    """The part of ``queue_due`` that reads the enrollments: budgets and ``_plan`` (counts per group, then only
    the steps each mailbox can be given)."""
    from outreach.campaigns.sending import TickReport, _budgets, _plan
    from outreach.campaigns.store import campaign_senders, campaigns_by_id
    from outreach.storage import outbox

    active = {cid: c for cid, c in campaigns_by_id(db).items() if c.status == "active"}
    senders = {cid: campaign_senders(c.campaign, {}) for cid, c in active.items()}
    paused = outbox.paused_mailboxes(db, now)
    budgets = _budgets(db, active, senders, {}, now)
    return _plan(db, active, senders, budgets, paused, now, random.Random(1), TickReport())


def stop_rules_after_changes(db: Any, now: datetime, people_count: int) -> int:
    """:data:`CHANGES` people changed since the last tick (stage edits, do-not-contact, suppressions), then
    ``apply_stop_rules``; all rolled back."""
    from outreach.campaigns.sending import apply_stop_rules
    from outreach.campaigns.store import campaigns_by_id

    rng = random.Random(4)
    ids = rng.sample(range(1, people_count + 1), CHANGES)
    staged, suppressed = ids[: CHANGES * 8 // 10], ids[CHANGES * 8 // 10:]

    def run() -> int:
        db.execute("UPDATE influencers SET stage = CASE WHEN id % 3 = 0 THEN 'do-not-contact' ELSE 'negotiating' END "
                   "WHERE id IN (SELECT value FROM json_each(?))", [json.dumps(staged)])
        db.conn.executemany("INSERT OR IGNORE INTO suppressions (email, reason, source, created_at) "
                            "VALUES (?, 'unsubscribe', 'bench', ?)", [(email_of(pid), timestamp(now)) for pid in suppressed])
        return apply_stop_rules(db, campaigns_by_id(db), now)

    return rolled_back(db, run)


def tick_results(db: Any, runs: int, people_count: int) -> list[Result]:
    """The real tick (``queue_due``, rolled back), its planning part, and the stop rules."""
    from outreach.campaigns.sending import _GROUPS_SQL, apply_stop_rules
    from outreach.campaigns.store import campaigns_by_id

    results = []
    queued = db.execute("SELECT count(*) FROM stop_checks").fetchone()[0]
    if queued:  # the first tick after building (or upgrading) the workspace: what earlier ticks left to check
        first, first_cpu, _, stopped = measure(lambda: rolled_back(db, lambda: apply_stop_rules(
            db, campaigns_by_id(db), NOW)), 1)
        results.append(Result(f"stop rules over {queued:,} queued checks (suppressed today; {stopped} stopped)",
                              first, first_cpu, math.nan, None, stopped))
        with db.atomic():
            apply_stop_rules(db, campaigns_by_id(db), NOW)
    median, cpu, peak, report = measure(lambda: real_tick(db, NOW), runs)
    plan = report.plan
    due = sum((plan.outside_window, plan.over_daily_cap, plan.waiting_for_gap, len(plan.sends))) if plan else 0
    active = json.dumps([cid for cid, c in campaigns_by_id(db).items() if c.status == "active"])
    params = {"now": timestamp(NOW), "active": active}
    peer = measure(floor(peer_connection(db), _GROUPS_SQL, params), runs)[0]
    results.append(Result(f"tick: real queue_due, dry run ({len(report.queued)} rendered and queued, "
                          f"{len(report.errors)} errors, of {due:,} due)",
                          median, cpu, peak, 300, due, "due counts query", peer))
    median, cpu, peak, plan = measure(lambda: planning(db, NOW), runs)
    results.append(Result(f"  of which planning (budgets, due counts, candidates, plan_from_groups): "
                          f"{len(plan.sends)} planned", median, cpu, peak, None, len(plan.sends)))
    median, cpu, peak, stopped = measure(lambda: stop_rules_after_changes(db, NOW, people_count), runs)
    results.append(Result(f"stop rules after {CHANGES:,} people changed since the last tick ({stopped} stopped)",
                          median, cpu, peak, None, stopped))
    return results


# ------------------------------------------------------------------------------------------ measuring


@dataclass
class Result:
    what: str
    median_ms: float
    cpu_ms: float
    peak_mb: float
    target_ms: float | None
    rows: int
    peer: str = ""
    peer_ms: float | None = None


#: A call slower than this is timed once (today's due query takes a minute or more at 1M).
SLOW_MS = 20_000


def measure(call: Callable[[], Any], runs: int) -> tuple[float, float, float, Any]:
    """Median wall and CPU time (ms) of ``runs`` warm calls, then the peak of Python allocations in one more
    call (tracemalloc slows allocation down, so it never runs while timing). A call slower than
    :data:`SLOW_MS` is timed once, its peak not measured (NaN). CPU time (user + system of this process)
    is what the call would take on an idle machine; wall time also counts waiting for a busy CPU."""
    start, cpu = time.perf_counter(), time.process_time()
    result = call()  # warm-up: the first call also reads pages from disk into the OS cache
    first, first_cpu = (time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000
    if first > SLOW_MS:
        return first, first_cpu, math.nan, result
    times, cpu_times = [], []
    for _ in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        result = call()
        times.append((time.perf_counter() - start) * 1000)
        cpu_times.append((time.process_time() - cpu) * 1000)
    tracemalloc.start()
    call()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return statistics.median(times), statistics.median(cpu_times), peak, result


def peer_connection(db: Any) -> sqlite3.Connection:
    """A second, read-only plain sqlite3 connection to the same file."""
    path = db.execute("PRAGMA database_list").fetchone()[2]
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def floor(connection: sqlite3.Connection, sql: str, params: list[Any]) -> Callable[[], list[Any]]:
    """The same statement through plain sqlite3, rows as tuples: what no Python layer can beat."""
    return lambda: connection.execute(sql, params).fetchall()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000, help="influencers in the generated workspace")
    parser.add_argument("--enrollments", type=int, default=1_000_000, help="enrollments in the generated workspace")
    parser.add_argument("--runs", type=int, default=7, help="runs per measurement (the median is reported)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "greenroom-bench-scale",
                        help="where the generated database is kept between runs")
    parser.add_argument("--rebuild", action="store_true", help="generate the database again")
    parser.add_argument("--build-only", action="store_true", help="generate (or reuse) the database and stop")
    parser.add_argument("--tick-only", action="store_true", help="measure only the tick and the stop rules")
    args = parser.parse_args()
    path = cached_database(args.cache, args.people, args.enrollments, args.rebuild)
    if args.build_only:
        return
    from outreach.storage.influencers import list_influencers, list_query, search_is_broad

    db = open_database(path)  # applies any migration added since the cache was built, as a user's would
    peer = peer_connection(db)
    results: list[Result] = []
    for what, criteria, order in () if args.tick_only else LISTS:
        sql, params = list_query(criteria, limit=50, order=order, now=NOW)
        median, cpu, peak, rows = measure(
            lambda c=criteria, o=order: list_influencers(db, c, limit=50, order=o, now=NOW), args.runs)
        peer_median = measure(floor(peer, sql, params), args.runs)[0]
        results.append(Result(f"list {what}", median, cpu, peak, 100, len(rows), "same SQL", peer_median))
    handle = db.execute("SELECT twitch FROM influencers WHERE id >= 500 AND twitch IS NOT NULL ORDER BY id").fetchone()[0]
    for what, words, criteria in () if args.tick_only else SEARCHES:
        words = handle if words == TWITCH_HANDLE else words
        searched = Filter(**{**vars(criteria), "search": words})
        sql, params = list_query(searched, limit=50, now=NOW, broad_search=search_is_broad(db, searched))
        median, cpu, peak, rows = measure(lambda c=searched: list_influencers(db, c, limit=50, now=NOW), args.runs)
        peer_median = measure(floor(peer, sql, params), args.runs)[0]
        results.append(Result(f"search {what}", median, cpu, peak, 100, len(rows), "same SQL", peer_median))
    results += tick_results(db, args.runs, args.people)
    report(results, args, path)


def report(results: list[Result], args: argparse.Namespace, path: Path) -> None:
    print(f"\noutreach at scale: {args.people:,} influencers, {args.enrollments:,} enrollments ({path})\n"
          f"in process, median of {args.runs} warm runs: wall time (verdict) and CPU time of this process; "
          f"peak = tracemalloc peak of one call; peer = the same SQL through plain sqlite3 (wall)\n")
    print(f"| {'measurement':<72} | {'rows':>6} | {'wall':>9} | {'CPU':>9} | {'peak':>8} | {'target':>6} | "
          f"{'verdict':>7} | {'peer':>20} |")
    print(f"|{'-' * 74}|{'-' * 8}|{'-' * 11}|{'-' * 11}|{'-' * 10}|{'-' * 8}|{'-' * 9}|{'-' * 22}|")
    for item in results:
        target = f"{item.target_ms:.0f} ms" if item.target_ms else "-"
        verdict = "-" if item.target_ms is None else ("met" if item.median_ms <= item.target_ms else "MISSED")
        peer = f"{item.peer_ms:.1f} ms ({item.median_ms / item.peer_ms:.1f}x)" if item.peer_ms else "-"
        peak = "-" if math.isnan(item.peak_mb) else f"{item.peak_mb:.1f} MB"
        print(f"| {item.what:<72} | {item.rows:>6} | {item.median_ms:>6.1f} ms | {item.cpu_ms:>6.1f} ms | {peak:>8} | "
              f"{target:>6} | {verdict:>7} | {peer:>20} |")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nprocess peak RSS (ru_maxrss, includes SQLite's page cache and the generated data if built in this "
          f"run): {rss:.0f} MB; load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
