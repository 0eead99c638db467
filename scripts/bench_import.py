#!/usr/bin/env python3
"""Benchmark: `outreach import` of N influencers vs plain `sqlite-utils insert --csv` of the same file.

With ``--format json`` the same people are a JSON list of objects (one per person, as a CRM exports them),
imported by both tools (`sqlite-utils insert` without ``--csv`` reads a JSON array).

Both run as command-line processes on a fresh database each run, alternating, in the same run of this
script (what a user would type); the table shows the median of several runs, the ratio (target: outreach
<= 1.5x sqlite-utils at 1,000,000 rows, although outreach validates, normalises, dedupes, writes emails +
history and maintains the full-text index) and the peak memory (max RSS) of each tool's process. It then
times a filtered `list` over the imported rows, in process and as a whole CLI call.

Usage: .venv/bin/python scripts/bench_import.py [--rows 20000] [--runs 3] [--format csv|json]
(the issue's figure: --rows 1000000)
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
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


def as_json(source: Path, target: Path) -> None:
    """The generated CSV as a JSON list with one object per row (keys are the CSV's headers), written row by
    row so the benchmark itself holds no more than one."""
    with source.open(newline="", encoding="utf-8") as rows, target.open("w", encoding="utf-8") as handle:
        handle.write("[\n")
        for number, row in enumerate(csv.DictReader(rows)):
            handle.write(("," if number else "") + json.dumps(row, ensure_ascii=False) + "\n")
        handle.write("]\n")


@dataclass
class Run:
    seconds: float
    #: User + system CPU time of the process: what the tool costs even when other work shares the cores.
    cpu_seconds: float
    #: Peak resident memory of the child process alone (ru_maxrss of its own rusage, not of all children).
    peak_mib: float


def measured(command: list[str], env: dict[str, str]) -> Run:
    """Run a command to completion: wall time and the peak memory of that one process (os.wait4)."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            sys.exit(f"{command[0]} failed ({process.returncode}): {errors.read().decode()[-500:]}")
    return Run(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)  # Linux reports KiB


def timed(command: list[str], env: dict[str, str]) -> float:
    return measured(command, env).seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000,
                        help="people in the generated CSV (the issue's target is measured at 1000000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per tool (the median is reported)")
    parser.add_argument("--format", choices=("csv", "json"), default="csv",
                        help="the file both tools import: CSV, or the same people as a JSON list")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        base = Path(folder)
        source = base / "influencers.csv"
        generate(source, args.rows)
        csv_flag = ["--csv"]
        if args.format == "json":
            as_json(source, base / "influencers.json")
            source.unlink()
            source, csv_flag = base / "influencers.json", []
        ours, peer = [], []
        for run in range(args.runs):
            workspace = base / f"ws{run}"
            subprocess.run([str(BIN / "outreach"), "-w", str(workspace), "init"], env=env, check=True,
                           capture_output=True)
            ours.append(measured([str(BIN / "outreach"), "-w", str(workspace), "import", str(source)], env))
            peer.append(measured([str(BIN / "sqlite-utils"), "insert", str(base / f"peer{run}.db"), "influencers",
                                  str(source), *csv_flag], env))
            if run:  # one workspace is kept for the list timings; the others only take disk space
                shutil.rmtree(workspace)
                (base / f"peer{run}.db").unlink()

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

    ours_median = statistics.median(run.seconds for run in ours)
    peer_median = statistics.median(run.seconds for run in peer)
    ours_cpu = statistics.median(run.cpu_seconds for run in ours)
    peer_cpu = statistics.median(run.cpu_seconds for run in peer)
    list_median = statistics.median(list_times) * 1000
    print(f"\nImport of {args.rows:,} influencers ({args.format.upper()}, median of {args.runs} runs, fresh DB each "
          f"run)\n")
    print(f"| {'what':<52} | {'median':>9} | {'peak RSS':>9} | {'target':>10} |")
    print(f"|{'-' * 54}|{'-' * 11}|{'-' * 11}|{'-' * 12}|")
    print(f"| {'outreach import (validate, dedupe, FTS, history)':<52} | {ours_median:>8.2f}s | "
          f"{max(run.peak_mib for run in ours):>6.0f}MiB | {'':>10} |")
    print(f"| {'sqlite-utils insert ' + ' '.join([*csv_flag, '(peer)']):<52} | {peer_median:>8.2f}s | "
          f"{max(run.peak_mib for run in peer):>6.0f}MiB | {'':>10} |")
    print(f"| {'ratio outreach / sqlite-utils':<52} | {ours_median / peer_median:>8.2f}x | {'':>9} | "
          f"{'<= 1.50x':>10} |")
    print(f"| {'CPU time: outreach / sqlite-utils (load-independent)':<52} | {ours_cpu / peer_cpu:>8.2f}x | "
          f"{'':>9} | {'':>10} |")
    print(f"| {f'filtered list, {args.rows:,} rows, in process ({len(shown)} shown)':<52} | "
          f"{list_median:>7.1f}ms | {'':>9} | {'':>10} |")
    print(f"| {'`outreach influencers list` with filters (whole CLI)':<52} | "
          f"{statistics.median(cli_list) * 1000:>7.0f}ms | {'':>9} | {'':>10} |")
    print(f"\nruns (wall / CPU): outreach {', '.join(f'{r.seconds:.2f}/{r.cpu_seconds:.2f}' for r in ours)} s; "
          f"sqlite-utils {', '.join(f'{r.seconds:.2f}/{r.cpu_seconds:.2f}' for r in peer)} s; "
          f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
