#!/usr/bin/env python3
"""Benchmark: `greenroom report` over a year of work — 250 shows, 50 campaigns, 100,000 influencers and
10,000,000 audience samples in one workspace.

Measures, in process (what the command does once the workspace is open), the median wall and CPU time of
several runs of the report over the last 30 days (data gathering plus the HTML and the Markdown rendering),
then the peak of Python allocations of one more run (tracemalloc) and the process's peak RSS. Target: the
management report in <= 2 s.

The year: one show about every 35 hours (eight segments, two hours, a guest in two of them), each with
audience samples from twitch and youtube viewers, chat messages, unique chatters, questions, new
followers, follower totals and super chats. The recorder writes one sample per metric and minute (960 per
two-hour show); to reach 10,000,000 samples the bench writes them ``--samples / shows / 8`` per series per
show, evenly over the show (every 1.4 s by default): about 80 times denser than real data, the worst case
for the reader. 50 campaigns of 2,000 people and two steps each (tags and template families in rotation),
100,000 influencers across the pipeline, a brand and five competitors with monthly stats snapshots.

The database is generated once (seeded) and cached under $TMPDIR/greenroom-bench-report/; later runs reuse
it. 10M samples over 250 two-hour shows is ~40 times denser than the recorder's one row per metric and
minute, so most rows are not on a minute start; the reader takes each as the minute it falls in.

Usage: .venv/bin/python scripts/bench_report.py [--samples 10000000] [--runs 5] [--cache DIR] [--rebuild]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from greenroom.db import open_database  # noqa: E402
from greenroom.goals import Goal, WorkspaceGoals  # noqa: E402
from livekit.core import FakeClock, Rundown, Segment  # noqa: E402
from livekit.storage.shows import ShowStore  # noqa: E402
from management.data import management_data  # noqa: E402
from management.report import report_html, report_markdown  # noqa: E402
from outreach.storage.influencers import timestamp  # noqa: E402

DATA_VERSION = 2
MINUTE = 60_000
DAY = 86_400_000
#: The report's "now": the end of the generated year.
NOW_MS = 1_800_000_000_000 - 1_800_000_000_000 % MINUTE
YEAR_START_MS = NOW_MS - 365 * DAY
SHOWS, CAMPAIGNS, PEOPLE, PEOPLE_PER_CAMPAIGN = 250, 50, 100_000, 2_000
SERIES = (("twitch", "viewers"), ("youtube", "viewers"), ("chat", "chat_messages"), ("chat", "unique_chatters"),
          ("chat", "questions"), ("twitch", "new_followers"), ("twitch", "followers_total"),
          ("youtube", "super_chats"))
SEGMENTS = (("Intro", 5), ("News", 15), ("Interview", 30), ("Sponsor read", 5), ("Q&A", 25), ("Gameplay", 25),
            ("Community", 10), ("Outro", 5))
STAGES = (("prospect", 70), ("contacted", 18), ("replied", 4), ("negotiating", 2), ("agreed", 1.5),
          ("appeared", 0.5), ("declined", 3), ("do-not-contact", 1))
TAGS = ("gaming", "tech", "cooking", "fitness", "music")
TEMPLATES = ("first-contact", "invite-v2", "collab", "sponsor-intro", "guest-ask")
CAMPAIGN_YAML = """name: {name}
audience: {{tags: [{tag}]}}
sender: {{name: Ana Example, address: ana@brand.example}}
steps:
  - template: {template}.md.j2
  - template: follow-up.md.j2
    after_business_days: 3
send_window: {{days: [mon, tue, wed, thu, fri], hours: "09:00-17:00", timezone: UTC}}
"""


def _moment(ms: int) -> str:
    return timestamp(datetime.fromtimestamp(ms / 1000, UTC))


def _weighted(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([value for value, _ in table], [weight for _, weight in table])[0]


def _people(db: Any, rng: random.Random) -> None:
    created = _moment(YEAR_START_MS)
    rows = [(f"Creator {number}", "influencer", _weighted(rng, STAGES), json.dumps([rng.choice(TAGS)]),
             rng.choice(("sam", "kim", "lee", "jo")), created)
            for number in range(PEOPLE)]
    rows += [("Our Brand", "brand", "prospect", "[]", "", created)]
    rows += [(f"Rival {number}", "competitor", "prospect", "[]", "", created) for number in range(5)]
    db.conn.executemany("""INSERT INTO influencers (name, kind, stage, niches, owner, custom, hand_edited, created_at,
                           updated_at) VALUES (?, ?, ?, ?, ?, '{}', '[]', ?, ?)""",
                        [(*row, row[-1]) for row in rows])
    brands = [row[0] for row in db.execute("SELECT id FROM influencers WHERE kind != 'influencer'").fetchall()]
    snapshots = []
    for person in brands:
        followers = rng.randint(5_000, 50_000)
        for month in range(13):
            followers = int(followers * rng.uniform(0.97, 1.08))
            taken = _moment(YEAR_START_MS + month * 30 * DAY)
            snapshots += [(person, "youtube", "UC", followers, 20 + 4 * month, taken),
                          (person, "twitch", "tw", followers // 3, rng.randint(5, 20), taken)]
    db.conn.executemany("INSERT INTO influencer_stats (influencer_id, platform, handle, followers, videos, taken_at) "
                        "VALUES (?, ?, ?, ?, ?, ?)", snapshots)


def _campaigns(db: Any, rng: random.Random) -> None:
    for number in range(CAMPAIGNS):
        created_ms = YEAR_START_MS + number * 7 * DAY + 3 * DAY
        created = _moment(created_ms)
        campaign_id = db.execute(
            "INSERT INTO campaigns (name, source, definition, status, sender_address, created_at) "
            "VALUES (?, ?, ?, ?, 'ana@brand.example', ?)",
            [f"campaign-{number}", f"campaign-{number}.yaml",
             CAMPAIGN_YAML.format(name=f"campaign-{number}", tag=TAGS[number % len(TAGS)],
                                  template=TEMPLATES[number % len(TEMPLATES)]),
             "active" if number >= CAMPAIGNS - 3 else "stopped", created]).lastrowid
        people = rng.sample(range(1, PEOPLE + 1), PEOPLE_PER_CAMPAIGN)
        db.conn.executemany(
            "INSERT INTO enrollments (campaign_id, influencer_id, email, status, next_step, created_at) "
            "VALUES (?, ?, ?, 'done', 2, ?)", [(campaign_id, person, f"p{person}@example.com", created)
                                                for person in people])
        enrollments = db.execute("SELECT id, influencer_id FROM enrollments WHERE campaign_id = ?",
                                 [campaign_id]).fetchall()
        reply_rate = rng.uniform(0.05, 0.3)
        outbox = []
        for enrollment_id, person in enrollments:
            for step in (0, 1):
                roll = rng.random()
                outcome = ("replied" if roll < reply_rate / 2 else "bounced" if roll > 0.99
                           else "opted_out" if roll > 0.985 else None)
                outbox.append((enrollment_id, campaign_id, person, step, f"step{step}.md.j2", f"p{person}@example.com",
                               f"<{campaign_id}.{enrollment_id}.{step}@brand.example>",
                               "bounced" if outcome == "bounced" else "sent", created, created, outcome))
        db.conn.executemany(
            "INSERT INTO outbox (enrollment_id, campaign_id, influencer_id, step, template, to_address, "
            "sender_address, message_id, raw, state, queued_at, sent_at, outcome) "
            "VALUES (?, ?, ?, ?, ?, ?, 'ana@brand.example', ?, '', ?, ?, ?, ?)", outbox)


def _shows(db: Any, rng: random.Random, samples: int) -> None:
    per_series = max(samples // (SHOWS * len(SERIES)), 1)
    length_ms = sum(minutes for _, minutes in SEGMENTS) * MINUTE
    step_ms = length_ms // per_series
    for number in range(SHOWS):
        started_ms = YEAR_START_MS + number * (365 * DAY // SHOWS)
        started_ms -= started_ms % MINUTE
        rundown = Rundown("Weekly Live", tuple(
            Segment(title, minutes * MINUTE, guest=f"Guest {number}" if title in ("Interview", "Q&A") else None)
            for title, minutes in SEGMENTS), tags=("weekly",))
        clock = FakeClock(started_ms)
        store = ShowStore(db, clock)
        show_id = store.create_show(rundown)
        show = store.load_show(show_id)
        show.start()
        for title, minutes in SEGMENTS:
            clock.advance(minutes * MINUTE + rng.randint(-30_000, 30_000) * (title != "Outro"))
            show.next()
        base = rng.uniform(60, 400)
        rows = []
        for index in range(per_series):
            at_ms = started_ms + index * step_ms
            progress = index / per_series
            viewers = base * (0.6 + 0.6 * progress - 0.4 * progress * progress)
            values = (viewers * 0.75, viewers * 0.25, viewers * 0.2, viewers * 0.05, rng.random() < 0.1,
                      rng.random() < 0.05, 10_000 + index, rng.random() < 0.01)
            rows += [(show_id, at_ms, platform, metric, float(value))
                     for (platform, metric), value in zip(SERIES, values, strict=True)]
        with db.atomic():  # the workspace connection autocommits: one transaction per show, not per row
            db.conn.executemany("INSERT INTO audience_samples (show_id, at_ms, platform, metric, value) "
                                "VALUES (?, ?, ?, ?, ?)", rows)


def build(path: Path, samples: int) -> None:
    rng = random.Random(16)
    db = open_database(path)
    # A throwaway file: no journal, no fsync, a big page cache (the 10M-row primary key stays in memory).
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -1000000")
    started = time.perf_counter()
    with db.atomic():
        _people(db, rng)
        _campaigns(db, rng)
    _shows(db, rng, samples)
    db.execute("ANALYZE")
    db.conn.close()
    print(f"built {path} in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def cached_database(cache: Path, samples: int, rebuild: bool) -> Path:
    folder = cache / f"v{DATA_VERSION}-{samples}"
    path, done = folder / "greenroom.db", folder / "complete"
    if rebuild or not done.exists():
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("greenroom.db*"):
            stale.unlink()
        build(path, samples)
        done.touch()
    return path


GOALS = WorkspaceGoals(30, show=(Goal("avg_viewers", 200), Goal("retention", 80)),
                       campaign=(Goal("reply_rate", 15),))


def report_once(db: Any) -> tuple[str, str]:
    data = management_data(db, GOALS, until_ms=NOW_MS, days=30)
    return report_html(data), report_markdown(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "greenroom-bench-report")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    path = cached_database(args.cache, args.samples, args.rebuild)
    db = open_database(path)
    counts = {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names
              for table in ("shows", "campaigns", "influencers", "outbox", "audience_samples")}
    report_once(db)  # warm-up: pages into the OS cache
    walls, cpus = [], []
    for _ in range(args.runs):
        wall, cpu = time.perf_counter(), time.process_time()
        html, _ = report_once(db)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    tracemalloc.start()
    report_once(db)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    shows_in_period = len(management_data(db, GOALS, until_ms=NOW_MS, days=30).shows)
    print("| data | measure | result | target |\n|---|---|---|---|")
    print(f"| {counts['shows']} shows ({shows_in_period} in the period), {counts['campaigns']} campaigns, "
          f"{counts['influencers']:,} influencers, {counts['outbox']:,} outbox rows, "
          f"{counts['audience_samples']:,} audience samples | `greenroom report --since 30d` (HTML + Markdown), "
          f"median of {args.runs} | {statistics.median(walls):.2f} s wall, {statistics.median(cpus):.2f} s CPU; "
          f"tracemalloc peak {peak:.1f} MB, RSS peak {rss:.0f} MB; HTML {len(html) / 1024:.0f} KB | <= 2 s: "
          f"{'met' if statistics.median(walls) <= 2 else '**missed**'} |")


if __name__ == "__main__":
    main()
