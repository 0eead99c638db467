#!/usr/bin/env python3
"""Time how fast the CLIs start, against `sqlite-utils tables` on the same database, in the same run.

Each command runs N times as a fresh subprocess (the way a user runs it), interleaved so that a busy
machine slows every command alike; the median wall time of each is printed with its ratio to
`sqlite-utils tables`. The target (issue 10) is a ratio of at most 1.2.

    .venv/bin/python scripts/bench_startup.py [--runs 15] [--target 1.2]

Exits 1 when a command is slower than the target, so it can gate a change. Needs the project installed
in the interpreter's environment (the `outreach`, `livekit` and `sqlite-utils` scripts next to it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASELINE = "sqlite-utils tables"


def script(name: str) -> str:
    """A console script of this interpreter's environment (the venv's, not whatever PATH finds first)."""
    path = Path(sys.executable).parent / name
    if not path.exists():
        raise SystemExit(f"{path} not found: install the project (pip install -e '.[dev]') first")
    return str(path)


def commands(database: Path) -> dict[str, list[str]]:
    return {
        BASELINE: [script("sqlite-utils"), "tables", str(database)],
        "outreach influencers list": [script("outreach"), "influencers", "list"],
        "outreach --help": [script("outreach"), "--help"],
        "livekit --help": [script("livekit"), "--help"],
    }


def wall_time(argv: list[str], workspace: Path) -> float:
    started = time.perf_counter()
    subprocess.run(argv, cwd=workspace, env={**os.environ, "GREENROOM_WORKSPACE": str(workspace)},
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


#: Greenroom's own packages (compiled to bytecode before timing, see main).
PACKAGES = ("greenroom", "livekit", "outreach")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="runs per command (default 15)")
    parser.add_argument("--target", type=float, default=1.2, help="highest acceptable ratio (default 1.2)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="greenroom-bench-") as folder:
        workspace = Path(folder)
        subprocess.run([script("outreach"), "-w", folder, "init"], check=True, stdout=subprocess.DEVNULL)
        to_run = commands(workspace / "greenroom.db")
        times: dict[str, list[float]] = {name: [] for name in to_run}
        # An installed wheel has its bytecode compiled at install time, as sqlite-utils' has; an editable
        # checkout run with PYTHONDONTWRITEBYTECODE (set on this workplace's machines) would recompile every
        # Greenroom module on every start and measure the compiler, not the start-up.
        root = Path(__file__).resolve().parent.parent
        compileall = [sys.executable, "-m", "compileall", "-q", *(str(root / name) for name in PACKAGES)]
        subprocess.run(compileall, check=True, stdout=subprocess.DEVNULL)
        for argv in to_run.values():  # warm the file cache first
            wall_time(argv, workspace)
        for _ in range(options.runs):
            for name, argv in to_run.items():
                times[name].append(wall_time(argv, workspace))
    medians = {name: statistics.median(samples) for name, samples in times.items()}
    baseline = medians[BASELINE]
    slow = []
    print(f"median of {options.runs} runs each (target: at most {options.target:.2f}x {BASELINE})")
    for name, median in medians.items():
        ratio = median / baseline
        verdict = "" if name == BASELINE else ("  ok" if ratio <= options.target else "  SLOWER THAN TARGET")
        print(f"  {name:<28} {median * 1000:7.1f} ms  {ratio:5.2f}x{verdict}")
        if ratio > options.target:
            slow.append(name)
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
