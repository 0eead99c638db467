#!/usr/bin/env python3
"""Benchmark: `outreach import` of 100,000 influencers vs plain `sqlite-utils insert --csv` of the same file.

Both run as command-line processes on a fresh database each run (what a user would type); the table shows
the median of several runs and the ratio (target: outreach <= 2x sqlite-utils, although outreach validates,
normalises, dedupes, writes emails + history and maintains the full-text index). It then times a filtered
`list` over the 100k rows (target <= 100 ms), in process and as a whole CLI call.

Usage: .venv/bin/python scripts/bench_import.py [--rows 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NICHES = ("gaming", "retro", "speedrun", "cooking", "fitness", "tech", "beauty", "travel", "music", "chess")
ZONES = ("Europe/Paris", "America/New_York", "Asia/Tokyo", "Europe/Berlin", "America/Los_Angeles")


def generate(path: Path, rows: int) -> None:
    """A realistic export: mixed-case emails, profile URLs, '12.3k' counts, several niches per person."""
    rng = random.Random(42)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Name", "E-mail", "YouTube URL", "Twitch", "Followers", "Niche", "Country", "Time zone",
                         "Owner"])
        for number in range(rows):
            login = f"creator_{number}"
            followers = rng.randint(100, 2_000_000)
            writer.writerow([
                f"Creator {number}",
                f"Creator.{number}@Example.com",
                f"https://www.youtube.com/@{login}" if number % 2 else "",
                f"https://twitch.tv/{login}" if number % 3 else "",
                f"{followers / 1000:.1f}k" if number % 4 == 0 else str(followers),
                ", ".join(rng.sample(NICHES, rng.randint(1, 3))),
                rng.choice(("FR", "US", "JP", "DE")),
                rng.choice(ZONES),
                rng.choice(("sam", "alex", "kim")),
            ])


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{command[0]} failed ({result.returncode}): {result.stderr.strip()[-500:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="people in the generated CSV")
    parser.add_argument("--runs", type=int, default=3, help="runs per tool (the median is reported)")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        base = Path(folder)
        source = base / "influencers.csv"
        generate(source, args.rows)
        ours, peer = [], []
        for run in range(args.runs):
            workspace = base / f"ws{run}"
            subprocess.run([str(BIN / "outreach"), "-w", str(workspace), "init"], env=env, check=True,
                           capture_output=True)
            ours.append(timed([str(BIN / "outreach"), "-w", str(workspace), "import", str(source)], env))
            peer.append(timed([str(BIN / "sqlite-utils"), "insert", str(base / f"peer{run}.db"), "influencers",
                               str(source), "--csv"], env))

        sys.path.insert(0, str(ROOT))
        from greenroom.db import open_database
        from outreach.storage.influencers import Filter, list_influencers

        db = open_database(base / "ws0" / "greenroom.db")
        count = db.execute("SELECT count(*) FROM influencers").fetchone()[0]
        if count != args.rows:
            sys.exit(f"expected {args.rows} influencers after import, found {count}")
        criteria = Filter(niche="speedrun", min_followers=100_000, stage="prospect", owner="sam")
        list_times = []
        for _ in range(20):
            start = time.perf_counter()
            shown = list_influencers(db, criteria, limit=50)
            list_times.append(time.perf_counter() - start)
        cli_list = [timed([str(BIN / "outreach"), "-w", str(base / "ws0"), "influencers", "list", "--niche",
                           "speedrun", "--min-followers", "100000", "--owner", "sam", "--format", "csv"], env)
                    for _ in range(3)]

    ours_median, peer_median = statistics.median(ours), statistics.median(peer)
    list_median = statistics.median(list_times) * 1000
    print(f"\nImport of {args.rows:,} influencers (CSV, median of {args.runs} runs, fresh DB each run)\n")
    print(f"| {'what':<52} | {'median':>9} | {'target':>12} |")
    print(f"|{'-' * 54}|{'-' * 11}|{'-' * 14}|")
    print(f"| {'outreach import (validate, dedupe, FTS, history)':<52} | {ours_median:>8.2f}s | {'':>12} |")
    print(f"| {'sqlite-utils insert --csv (peer)':<52} | {peer_median:>8.2f}s | {'':>12} |")
    print(f"| {'ratio outreach / sqlite-utils':<52} | {ours_median / peer_median:>8.2f}x | {'<= 2.00x':>12} |")
    print(f"| {'filtered list, 100k rows, in process (' + str(len(shown)) + ' shown)':<52} | "
          f"{list_median:>7.1f}ms | {'<= 100 ms':>12} |")
    print(f"| {'`outreach influencers list` with filters (whole CLI)':<52} | "
          f"{statistics.median(cli_list) * 1000:>7.0f}ms | {'':>12} |")
    print(f"\nruns: outreach {', '.join(f'{t:.2f}' for t in ours)} s; "
          f"sqlite-utils {', '.join(f'{t:.2f}' for t in peer)} s")


if __name__ == "__main__":
    main()
