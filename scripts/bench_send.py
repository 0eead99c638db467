#!/usr/bin/env python3
"""Benchmark: 1,000 personalised emails through Greenroom vs mailmerge, same CSV, template and SMTP server.

The SMTP server is aiosmtpd in its own process (a sink), so neither client shares a CPU-bound thread with it.
Two server modes (``--server``, both by default):

* ``plain``: no TLS, no login. The cheapest possible server; both clients mostly wait for its replies.
* ``tls-auth``: STARTTLS required before AUTH, AUTH (PLAIN/LOGIN) required before MAIL, as every real
  mailbox provider (Gmail, Microsoft 365, ...) does on port 587. The certificate is self-signed, made at run
  time (RSA 2048, with ``cryptography``); Greenroom trusts it through ``[smtp] ca_file`` and verifies it,
  mailmerge's STARTTLS does not verify certificates at all (smtplib's default context).

Greenroom's figure is a full ``outreach send --once``-equivalent tick: plan, render, build, persist
(queued → sending → sent), deliver over one reused SMTP connection (one handshake, one login). mailmerge runs
its CLI, which opens a new connection (+ TLS handshake + login) for every message. The floor is bare smtplib
over one connection with pre-built messages: no client can beat it against this server, so mailmerge / floor
is the best ratio any client could show. Also times one pure planner tick over 100,000 due enrollments.
Prints medians of several runs and the ratios against the targets (>= 10x faster; planner <= 100 ms).
"""

from __future__ import annotations

import argparse
import csv
import ipaddress
import os
import random
import resource
import shutil
import smtplib
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
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
from tests.helpers import free_port  # noqa: E402  (the test suite's one free_port)

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



USER, PASSWORD = "ana@brand.example", "bench-password"
#: mailmerge's smtplib has no timeout: a stalled connection would hang the benchmark forever.
MAILMERGE_TIMEOUT = 300
#: The sink server in its own process: ``python -c SERVER PORT [CERT KEY USER PASSWORD]`` (the second form
#: requires STARTTLS, then AUTH as USER).
SERVER = """
import ssl, sys, threading
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink
from aiosmtpd.smtp import AuthResult

port, tls = int(sys.argv[1]), sys.argv[2:]
options = {}
if tls:
    cert, key, user, password = tls
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login, auth_data.password) == (user.encode(), password.encode())
        return AuthResult(success=ok, handled=False)

    options = dict(tls_context=context, require_starttls=True, auth_required=True, auth_require_tls=True,
                   authenticator=authenticate)
controller = Controller(Sink(), hostname="127.0.0.1", port=port, **options)
controller.start()
print("ready", flush=True)
threading.Event().wait()
"""


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed RSA 2048 certificate for 127.0.0.1, as a small private mail server would have."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert, key_file = folder / "cert.pem", folder / "key.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert, key_file


@dataclass(frozen=True)
class Server:
    mode: str
    port: int
    cert: Path | None  # set in tls-auth mode


def start_smtp_sink(mode: str, folder: Path) -> tuple[subprocess.Popen, Server]:
    port = free_port()
    tls = make_certificate(folder) if mode == "tls-auth" else None
    extra = [*map(str, tls), USER, PASSWORD] if tls else []
    log = folder / f"aiosmtpd-{mode}.log"  # a file, not a pipe: a full pipe would stall the server mid-run
    with log.open("w") as errors:
        process = subprocess.Popen([sys.executable, "-c", SERVER, str(port), *extra],
                                   stdout=subprocess.PIPE, stderr=errors, text=True)
    if process.stdout.readline().strip() != "ready":
        process.kill()
        raise SystemExit(f"aiosmtpd ({mode}) did not start: {log.read_text()}")
    return process, Server(mode, port, tls[0] if tls else None)


def people(count: int) -> list[dict[str, str]]:
    return [{"email": f"person{i}@example.org", "name": f"Person{i} Example", "first_name": f"Person{i}",
             "channel": f"chan{i}"} for i in range(count)]


def greenroom_run(folder: Path, server: Server, rows: list[dict[str, str]]) -> tuple[float, float]:
    workspace = Workspace.locate(folder / "ws")
    workspace.init()
    smtp = f'[smtp]\nhost = "127.0.0.1"\nport = {server.port}\n'
    if server.cert:
        smtp += f'security = "starttls"\nusername = "{USER}"\nca_file = "{server.cert}"\n'
        os.environ["GREENROOM_SMTP_PASSWORD"] = PASSWORD
    else:
        smtp += 'security = "none"\n'
    workspace.config_path.write_text(
        '[outreach]\nphysical_address = "Example Brand, 1 Main St, Springfield"\n' + smtp)
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


def mailmerge_run(folder: Path, server: Server, rows: list[dict[str, str]]) -> tuple[float, float]:
    """mailmerge asks for the password with getpass: in a new session (no controlling terminal) getpass
    reads it from stdin, which is how it runs unattended."""
    folder.mkdir(parents=True)
    (folder / "mailmerge_template.txt").write_text(MAILMERGE_TEMPLATE)
    with (folder / "mailmerge_database.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    security = f"security = STARTTLS\nusername = {USER}\n" if server.cert else "security = Never\n"
    (folder / "mailmerge_server.conf").write_text(
        f"[smtp_server]\nhost = 127.0.0.1\nport = {server.port}\n{security}")
    mailmerge = shutil.which("mailmerge", path=str(Path(sys.executable).parent)) or "mailmerge"
    began, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([mailmerge, "--no-dry-run", "--no-limit", "--output-format", "raw"], cwd=folder,
                          input=f"{PASSWORD}\n", start_new_session=True, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, timeout=MAILMERGE_TIMEOUT)
    elapsed, after = time.perf_counter() - began, resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"mailmerge failed: {done.stderr}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def smtp_floor_run(server: Server, rows: list[dict[str, str]]) -> tuple[float, float]:
    """The same number of pre-built messages over one smtplib connection (one handshake, one login): the
    fastest any client can go against this server, so it bounds the achievable ratio."""
    messages = [(r["email"], f"From: ana@brand.example\r\nTo: {r['email']}\r\nSubject: hi\r\n\r\n"
                 f"{BODY.format(name=r['first_name'], channel=r['channel'])}".encode()) for r in rows]
    began, cpu = time.perf_counter(), time.process_time()
    with smtplib.SMTP("127.0.0.1", server.port) as smtp:
        if server.cert:
            smtp.starttls(context=ssl.create_default_context(cafile=str(server.cert)))
            smtp.login(USER, PASSWORD)
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


def median(runs: list[tuple[float, float]], index: int) -> float:
    return statistics.median(run[index] for run in runs)


def bench_mode(mode: str, temp: Path, rows: list[dict[str, str]], runs: int) -> dict[str, list[tuple[float, float]]]:
    """Greenroom, mailmerge and the floor take turns, so a burst of machine load hits all three alike."""
    sink, server = start_smtp_sink(mode, temp)
    results: dict[str, list[tuple[float, float]]] = {"greenroom": [], "mailmerge": [], "floor": []}
    try:
        for run in range(runs):
            results["greenroom"].append(greenroom_run(temp / f"{mode}-g{run}", server, rows))
            results["mailmerge"].append(mailmerge_run(temp / f"{mode}-m{run}", server, rows))
            results["floor"].append(smtp_floor_run(server, rows))
    finally:
        sink.terminate()
        sink.wait()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--emails", type=int, default=1000, help="emails per run (default 1000)")
    parser.add_argument("--runs", type=int, default=5, help="runs per client and mode; medians are shown (default 5)")
    parser.add_argument("--server", choices=("plain", "tls-auth", "both"), default="both",
                        help="plain: no TLS, no login; tls-auth: STARTTLS + AUTH required, like real "
                             "providers; both (default)")
    parser.add_argument("--enrollments", type=int, default=100_000, help="due enrollments in the planner tick")
    args = parser.parse_args()
    rows = people(args.emails)
    modes = ("plain", "tls-auth") if args.server == "both" else (args.server,)
    with tempfile.TemporaryDirectory(prefix="greenroom-bench-") as temp:
        results = {mode: bench_mode(mode, Path(temp), rows, args.runs) for mode in modes}
    planner = [planner_run(args.enrollments) for _ in range(max(args.runs, 5))]
    load = os.getloadavg()
    n = args.emails
    print(f"{n} personalised emails, median of {args.runs} runs; load average {load[0]:.1f} / {load[1]:.1f} / "
          f"{load[2]:.1f} (1/5/15 min) on {os.cpu_count()} CPUs. Wall seconds (client CPU seconds).")
    print(f"{'server':<9} {'greenroom':>14} {'mailmerge':>15} {'ratio':>7} {'floor':>14} {'ceiling':>8}  "
          f"target >= 10x")
    misses = []
    for mode, result in results.items():
        ours, theirs, floor = (result[name] for name in ("greenroom", "mailmerge", "floor"))
        ratio = median(theirs, 0) / median(ours, 0)
        ceiling = median(theirs, 0) / median(floor, 0)
        verdict = "met" if ratio >= 10 else "MISSED"
        if ratio < 10:
            misses.append((mode, ceiling))
        print(f"{mode:<9} {median(ours, 0):>6.2f}s ({median(ours, 1):.2f}) {median(theirs, 0):>6.2f}s "
              f"({median(theirs, 1):.2f}) {ratio:>6.1f}x {median(floor, 0):>6.2f}s ({median(floor, 1):.2f}) "
              f"{ceiling:>7.1f}x  {verdict}")
    print("ratio = mailmerge / greenroom (wall); floor = bare smtplib, one connection, pre-built messages; "
          "ceiling = mailmerge / floor, the best ratio any client could show against that server.")
    for mode, ceiling in misses:
        why = (f"not reachable here: even the floor is only {ceiling:.1f}x faster than mailmerge"
               if ceiling < 10 else "reachable (the ceiling is higher): Greenroom's own per-message work is the gap")
        print(f"{mode}: target missed; {why}.")
    planner_wall, planner_cpu = median(planner, 0), median(planner, 1)
    verdict = "met" if planner_wall <= 0.1 else "MISSED"
    print(f"planner tick over {args.enrollments:,} due enrollments: {planner_wall * 1000:.1f} ms "
          f"({planner_cpu * 1000:.1f} ms CPU), median of {len(planner)}; target <= 100 ms: {verdict}")


if __name__ == "__main__":
    main()
