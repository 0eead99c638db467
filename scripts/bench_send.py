#!/usr/bin/env python3
"""Benchmark: 1,000 personalised emails through Greenroom vs mailmerge, same CSV, template and SMTP server.

The SMTP server is aiosmtpd in its own process (a sink), so neither client shares a CPU-bound thread with it.
Greenroom's figure is a full ``outreach send --once``-equivalent tick: plan, render, build, persist
(queued → sending → sent), deliver over one reused SMTP connection. mailmerge runs its CLI (one SMTP login
per message, as it always does). Also times one pure planner tick over 100,000 due enrollments.
Prints medians of several runs and the ratios against the targets (>= 10x faster; planner <= 100 ms).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import shutil
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from greenroom.workspace import Workspace  # noqa: E402
from outreach.campaigns.store import start_campaign  # noqa: E402
from outreach.core.planner import DueStep, MailboxBudget, plan_tick  # noqa: E402
from outreach.core.sendwindow import SendWindow  # noqa: E402
from outreach.service import SendSession  # noqa: E402

BODY = "Hi {name},\n\nI loved your channel {channel}. Would you join our live show for a 20-minute chat?\n\nAna\n"
GREENROOM_TEMPLATE = (
    "{% set subject %}{{ influencer.first_name }}, a live interview?{% endset %}\n"
    + BODY.format(name="{{ influencer.first_name }}", channel="{{ influencer.channel }}")
)
MAILMERGE_TEMPLATE = (
    "TO: {{email}}\nSUBJECT: {{first_name}}, a live interview?\nFROM: Ana Example <ana@brand.example>\n\n"
    + BODY.format(name="{{first_name}}", channel="{{channel}}")
)
CAMPAIGN = """\
name: bench
sender: {name: Ana Example, address: ana@brand.example}
steps:
  - template: bench.txt.j2
send_window: {days: [mon, tue, wed, thu, fri, sat, sun], hours: "00:00-24:00", timezone: UTC}
daily_cap: 1000000
min_gap_minutes: 0
jitter_minutes: 0
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_smtp_sink() -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, port
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("aiosmtpd did not start")


def people(count: int) -> list[dict[str, str]]:
    return [{"email": f"person{i}@example.org", "name": f"Person{i} Example", "first_name": f"Person{i}",
             "channel": f"chan{i}"} for i in range(count)]


def greenroom_run(folder: Path, port: int, rows: list[dict[str, str]]) -> tuple[float, float]:
    workspace = Workspace.locate(folder / "ws")
    workspace.init()
    workspace.config_path.write_text(
        '[outreach]\nphysical_address = "Example Brand, 1 Main St, Springfield"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
    )
    (workspace.root / "templates" / "email").mkdir(parents=True)
    (workspace.root / "templates" / "email" / "bench.txt.j2").write_text(GREENROOM_TEMPLATE)
    db = workspace.database()
    stamp = "2026-01-01T00:00:00+00:00"
    db["influencers"].insert_all(
        {"id": i + 1, "name": r["name"], "email": r["email"], "youtube": r["channel"], "stage": "prospect",
         "kind": "influencer", "niches": "[]", "custom": "{}", "hand_edited": "[]", "created_at": stamp,
         "updated_at": stamp} for i, r in enumerate(rows))
    db["influencer_emails"].insert_all({"email": r["email"], "influencer_id": i + 1} for i, r in enumerate(rows))
    campaign = workspace.root / "bench.yaml"
    campaign.write_text(CAMPAIGN)
    now = datetime.now(UTC)
    start_campaign(db, campaign, workspace.root, now - timedelta(seconds=1))
    session = SendSession(workspace, clock=lambda: datetime.now(UTC), rng=random.Random(1))
    session.start()
    began, cpu = time.perf_counter(), time.process_time()
    report = session.tick()
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    session.close()
    workspace.close()
    if report.sent != len(rows):
        raise SystemExit(f"greenroom sent {report.sent} of {len(rows)}: {report}")
    return elapsed, cpu


def mailmerge_run(folder: Path, port: int, rows: list[dict[str, str]]) -> tuple[float, float]:
    folder.mkdir(parents=True)
    (folder / "mailmerge_template.txt").write_text(MAILMERGE_TEMPLATE)
    with (folder / "mailmerge_database.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    (folder / "mailmerge_server.conf").write_text(
        f"[smtp_server]\nhost = 127.0.0.1\nport = {port}\nsecurity = Never\n")
    mailmerge = shutil.which("mailmerge", path=str(Path(sys.executable).parent)) or "mailmerge"
    began, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([mailmerge, "--no-dry-run", "--no-limit", "--output-format", "raw"], cwd=folder,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed, after = time.perf_counter() - began, resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"mailmerge failed: {done.stderr}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def smtp_floor_run(port: int, rows: list[dict[str, str]]) -> tuple[float, float]:
    """The same number of pre-built messages over one smtplib connection: the fastest any client can go
    against this server, so it bounds the achievable ratio."""
    messages = [(r["email"], f"From: ana@brand.example\r\nTo: {r['email']}\r\nSubject: hi\r\n\r\n"
                 f"{BODY.format(name=r['first_name'], channel=r['channel'])}".encode()) for r in rows]
    began, cpu = time.perf_counter(), time.process_time()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for address, raw in messages:
            smtp.sendmail("ana@brand.example", [address], raw)
    return time.perf_counter() - began, time.process_time() - cpu


def planner_run(count: int) -> tuple[float, float]:
    now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    zones = ["Europe/London", "America/New_York", "Asia/Tokyo", "Europe/Paris", None]
    due = [DueStep(i, "c", i % 3, now - timedelta(minutes=i % 1440), zones[i % 5], f"box{i % 20}@brand.example")
           for i in range(count)]
    window = SendWindow(frozenset(range(7)), clock_time(0), clock_time(23, 59, 59), "UTC")
    budgets = {f"box{i}@brand.example": MailboxBudget(f"box{i}@brand.example", 100, min_gap=timedelta(0))
               for i in range(20)}
    began, cpu = time.perf_counter(), time.process_time()
    plan = plan_tick(now, due, {"c": window}, budgets, random.Random(1))
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    assert len(plan.sends) == 2000
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--enrollments", type=int, default=100_000)
    args = parser.parse_args()
    rows = people(args.emails)
    sink, port = start_smtp_sink()
    try:
        ours, theirs, floor = [], [], []
        with tempfile.TemporaryDirectory(prefix="greenroom-bench-") as temp:
            for run in range(args.runs):
                ours.append(greenroom_run(Path(temp) / f"g{run}", port, rows))
                theirs.append(mailmerge_run(Path(temp) / f"m{run}", port, rows))
                floor.append(smtp_floor_run(port, rows))
        planner = [planner_run(args.enrollments) for _ in range(max(args.runs, 5))]
    finally:
        sink.terminate()
        sink.wait()
    load = os.getloadavg()[0]
    ours_wall, theirs_wall, floor_wall = (statistics.median(r[0] for r in runs) for runs in (ours, theirs, floor))
    ours_cpu, theirs_cpu, floor_cpu = (statistics.median(r[1] for r in runs) for runs in (ours, theirs, floor))
    planner_wall, planner_cpu = (statistics.median(r[i] for r in planner) for i in (0, 1))
    n = args.emails
    print(f"machine load average at the end: {load:.1f} on {os.cpu_count()} CPUs (wall times suffer under load)")
    print(f"{'benchmark':<46} {'wall':>9} {'client CPU':>11} {'runs':>5}  target")
    print(f"{f'greenroom: {n} emails, one tick':<46} {ours_wall:>8.2f}s {ours_cpu:>10.2f}s {args.runs:>5}")
    print(f"{f'mailmerge: {n} emails':<46} {theirs_wall:>8.2f}s {theirs_cpu:>10.2f}s {args.runs:>5}")
    print(f"{'floor: bare smtplib, one connection, pre-built':<46} {floor_wall:>8.2f}s {floor_cpu:>10.2f}s "
          f"{args.runs:>5}")
    print(f"{'best possible ratio vs mailmerge (wall, floor)':<46} {theirs_wall / floor_wall:>8.1f}x")
    for label, ratio in (("wall", theirs_wall / ours_wall), ("client CPU", theirs_cpu / ours_cpu)):
        verdict = "OK" if ratio >= 10 else "MISSED"
        print(f"{f'ratio mailmerge / greenroom ({label})':<46} {ratio:>8.1f}x {'':>11} {'':>5}  >= 10x {verdict}")
    verdict = "OK" if planner_wall <= 0.1 else "MISSED"
    print(f"{f'planner tick, {args.enrollments:,} due enrollments':<46} {planner_wall * 1000:>7.1f}ms "
          f"{planner_cpu * 1000:>9.1f}ms {len(planner):>5}  <= 100 ms {verdict}")

if __name__ == "__main__":
    main()
