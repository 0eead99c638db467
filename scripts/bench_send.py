#!/usr/bin/env python3
"""Benchmark: N personalised emails through Greenroom vs the floor (pre-built messages, one connection) and mailmerge.

Three senders, measured in the same run, taking turns so a burst of machine load hits all alike:

* **floor**: bare smtplib over one connection (one handshake, one login) sending pre-built messages: the
  very bytes Greenroom produced in the same run, so the payload is identical. No client can beat it
  against that server; Greenroom / floor is the headline ratio (target <= 1.5x at 1,000 messages).
* **Greenroom**: the real send path of ``outreach send --once`` in process (``SendSession.tick``) for N
  enrolled people: plan, render, build, persist ``queued``, then per message claim (``sending`` committed
  before DATA, with the previous email's ``sent``), deliver over one reused connection; sequences move on
  100 emails at a time.
* **mailmerge** (the PyPI tool, a dev dependency): its CLI with an equivalent template and CSV database.
  It opens a new connection (STARTTLS handshake and login included) for every message.

Servers (``--server``, the first and last by default):

* ``aiosmtpd``: a sink in its own process, no TLS, no login: the cheapest server, the ratio that shows
  most of the client's own cost.
* ``aiosmtpd-tls-auth``: the same sink requiring STARTTLS then AUTH.
* ``postfix-tls-auth``: the real Debian Postfix as a mailbox provider runs it on port 587
  (tests/fixtures/postfix.py): STARTTLS required (self-signed certificate, trusted by Greenroom through
  ``[smtp] ca_file`` and verified; mailmerge's STARTTLS does not verify), SMTP AUTH checked by Dovecot,
  every accepted message queued on disk and relayed to an aiosmtpd sink. Needs root.

``--profile`` prints where one Greenroom tick spends its time (cProfile, top functions) instead.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import csv
import ipaddress
import os
import pstats
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
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from greenroom.workspace import Workspace  # noqa: E402
from outreach.campaigns.store import start_campaign  # noqa: E402
from outreach.service import SendSession  # noqa: E402
from tests.fixtures.postfix import PostfixUnavailable, running_postfix  # noqa: E402  (the tests' own Postfix)
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
SENDER = "ana@brand.example"
USER, PASSWORD = "ana@brand.example", "bench-password"
SENDERS = ("floor", "greenroom", "mailmerge")
SERVERS = ("aiosmtpd", "aiosmtpd-tls-auth", "postfix-tls-auth")
#: mailmerge's smtplib has no timeout: a stalled connection would hang the benchmark forever.
MAILMERGE_TIMEOUT = 900
#: The sink server in its own process: ``python -c SINK PORT [CERT KEY USER PASSWORD]`` (the second form
#: requires STARTTLS, then AUTH as USER).
SINK = """
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
controller = Controller(Sink(), hostname="127.0.0.1", port=port, data_size_limit=0, **options)
controller.start()
print("ready", flush=True)
threading.Event().wait()
"""


@dataclass(frozen=True)
class Server:
    name: str
    port: int
    username: str | None = None
    password: str | None = None
    cert: Path | None = None  # set when the server wants STARTTLS


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


@contextlib.contextmanager
def aiosmtpd_sink(folder: Path, *, tls_auth: bool = False) -> Iterator[Server]:
    """aiosmtpd in its own process (so it never shares a CPU-bound thread with a client), stopped by its PID."""
    port = free_port()
    tls = make_certificate(folder) if tls_auth else None
    extra = [*map(str, tls), USER, PASSWORD] if tls else []
    log = folder / f"aiosmtpd-{port}.log"  # a file, not a pipe: a full pipe would stall the server mid-run
    with log.open("w") as errors:
        process = subprocess.Popen([sys.executable, "-c", SINK, str(port), *extra],
                                   stdout=subprocess.PIPE, stderr=errors, text=True)
    try:
        assert process.stdout is not None
        if process.stdout.readline().strip() != "ready":
            raise SystemExit(f"aiosmtpd did not start: {log.read_text()}")
        name = "aiosmtpd-tls-auth" if tls else "aiosmtpd"
        yield Server(name, port, USER, PASSWORD, tls[0]) if tls else Server(name, port)
    finally:
        process.terminate()
        process.wait()


@contextlib.contextmanager
def start_server(name: str, folder: Path) -> Iterator[Server]:
    if name == "postfix-tls-auth":
        with aiosmtpd_sink(folder) as sink, running_postfix(sink.port, tls_auth=True) as postfix:
            assert postfix.login is not None
            yield Server(name, postfix.port, postfix.login.username, postfix.login.password, postfix.login.ca_file)
    else:
        with aiosmtpd_sink(folder, tls_auth=name == "aiosmtpd-tls-auth") as server:
            yield server


def people(count: int) -> list[dict[str, str]]:
    return [{"email": f"person{i}@example.org", "name": f"Person{i} Example", "first_name": f"Person{i}",
             "channel": f"chan{i}"} for i in range(count)]


@dataclass
class Measure:
    wall: float
    cpu: float  # the client's own CPU seconds


def greenroom_workspace(folder: Path, server: Server, rows: list[dict[str, str]]) -> Workspace:
    """A workspace whose campaign has every person enrolled and due now (what ``campaign start`` makes)."""
    workspace = Workspace.locate(folder)
    workspace.init()
    smtp = f'[smtp]\nhost = "127.0.0.1"\nport = {server.port}\n'
    if server.cert:
        smtp += f'security = "starttls"\nusername = "{server.username}"\nca_file = "{server.cert}"\n'
        os.environ["GREENROOM_SMTP_PASSWORD"] = server.password or ""
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
    start_campaign(db, campaign, workspace.root, datetime.now(UTC) - timedelta(seconds=1))
    return workspace


def greenroom_tick(workspace: Workspace, expected: int) -> None:
    session = SendSession(workspace, clock=lambda: datetime.now(UTC), rng=random.Random(1))
    session.start()
    report = session.tick()
    session.close()
    if report.sent != expected:
        raise SystemExit(f"greenroom sent {report.sent} of {expected}: {report}")


def greenroom_run(folder: Path, server: Server, rows: list[dict[str, str]]) -> tuple[Measure, list[bytes]]:
    """One tick sending to every person; also returns the bytes it sent (the floor sends the same)."""
    workspace = greenroom_workspace(folder, server, rows)
    began, cpu = time.perf_counter(), time.process_time()
    greenroom_tick(workspace, len(rows))
    measure = Measure(time.perf_counter() - began, time.process_time() - cpu)
    sent = [row[0].encode() for row in workspace.database().execute("SELECT raw FROM outbox ORDER BY id")]
    workspace.close()
    return measure, sent


def mailmerge_run(folder: Path, server: Server, rows: list[dict[str, str]]) -> Measure:
    """mailmerge asks for the password with getpass: in a new session (no controlling terminal) getpass
    reads it from stdin, which is how it runs unattended."""
    folder.mkdir(parents=True)
    (folder / "mailmerge_template.txt").write_text(MAILMERGE_TEMPLATE)
    with (folder / "mailmerge_database.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    security = f"security = STARTTLS\nusername = {server.username}\n" if server.cert else "security = Never\n"
    (folder / "mailmerge_server.conf").write_text(
        f"[smtp_server]\nhost = 127.0.0.1\nport = {server.port}\n{security}")
    mailmerge = shutil.which("mailmerge", path=str(Path(sys.executable).parent)) or "mailmerge"
    began, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([mailmerge, "--no-dry-run", "--no-limit", "--output-format", "raw"], cwd=folder,
                          input=f"{server.password or ''}\n", start_new_session=True, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, timeout=MAILMERGE_TIMEOUT)
    elapsed, after = time.perf_counter() - began, resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"mailmerge failed: {done.stderr}")
    return Measure(elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))


def floor_run(server: Server, messages: list[bytes]) -> Measure:
    """The same messages, already built, over one smtplib connection (one handshake, one login)."""
    recipients = [f"person{i}@example.org" for i in range(len(messages))]
    began, cpu = time.perf_counter(), time.process_time()
    with smtplib.SMTP("127.0.0.1", server.port) as smtp:
        if server.cert:
            smtp.starttls(context=ssl.create_default_context(cafile=str(server.cert)))
            smtp.login(server.username or "", server.password or "")
        for recipient, raw in zip(recipients, messages, strict=True):
            smtp.sendmail(SENDER, [recipient], raw)
    return Measure(time.perf_counter() - began, time.process_time() - cpu)


def bench_server(name: str, temp: Path, rows: list[dict[str, str]], runs: int,
                 with_mailmerge: bool) -> dict[str, list[Measure]]:
    """Greenroom, then the floor with Greenroom's bytes, then mailmerge, ``runs`` times against one server."""
    results: dict[str, list[Measure]] = {sender: [] for sender in SENDERS}
    with start_server(name, temp) as server:
        for run in range(runs):
            measure, sent = greenroom_run(temp / f"{name}-greenroom-{run}", server, rows)
            results["greenroom"].append(measure)
            results["floor"].append(floor_run(server, sent))
            if with_mailmerge:
                results["mailmerge"].append(mailmerge_run(temp / f"{name}-mailmerge-{run}", server, rows))
            print(f"  {name} run {run + 1}/{runs}: " + ", ".join(
                f"{sender} {measures[-1].wall:.2f}s" for sender, measures in results.items() if measures),
                file=sys.stderr, flush=True)
    return results


def profile(server_name: str, temp: Path, rows: list[dict[str, str]], top: int) -> None:
    """Where one Greenroom tick spends its CPU time, sorted by own time and by cumulative time.

    CPU, not wall: on a loaded machine every CPU millisecond between two server round trips costs several
    wall milliseconds (the process is scheduled out), so Greenroom's own CPU per message is what to cut."""
    with start_server(server_name, temp) as server:
        workspace = greenroom_workspace(temp / "profile", server, rows)
        profiler = cProfile.Profile(time.process_time)  # CPU: what Greenroom itself spends, without the waits
        profiler.runcall(greenroom_tick, workspace, len(rows))
        workspace.close()
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


def median(measures: list[Measure], field: str = "wall") -> float:
    return statistics.median(getattr(measure, field) for measure in measures)


def busy_before(seconds: float = 1.0) -> float | None:
    """The share of all CPUs other work used over ``seconds`` (from /proc/stat), None where unknown.

    Measured before the first run, because it changes the ratio. With a busy loop on the second of two CPUs,
    the floor, mostly waits for the server's answers, took 0.44 s instead of 0.70 s (no CPU had to wake up for
    an answer), while Greenroom, whose own CPU work does not shrink, took 0.75 s instead of 0.90 s: 1.73x the
    floor instead of 1.29x, the same code in the same hour."""

    def times() -> list[int] | None:
        try:
            fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        except (OSError, IndexError):
            return None
        return [int(field) for field in fields]

    first = times()
    time.sleep(seconds)
    second = times()
    if first is None or second is None:
        return None
    spent = [after - before for before, after in zip(first, second, strict=False)]
    total = sum(spent)
    idle = spent[3] + (spent[4] if len(spent) > 4 else 0)  # idle + iowait
    return (total - idle) / total if total else None


#: Other work above this share of the CPUs before the run makes the figures a busy machine's.
BUSY_SHARE = 0.25


def report(results: dict[str, dict[str, list[Measure]]], messages: int, runs: int, busy: float | None) -> None:
    load = os.getloadavg()
    print(f"\n{messages:,} personalised emails, median of {runs} runs; load average {load[0]:.1f} / {load[1]:.1f} / "
          f"{load[2]:.1f} (1/5/15 min) on {os.cpu_count()} CPUs. Wall seconds (client CPU seconds).")
    if busy is not None:
        print(f"Before the first run other work used {busy:.0%} of the CPUs"
              + (": a busy machine, where the floor's waits shorten more than Greenroom's own CPU work, so the "
                 "ratio is higher than on a quiet one." if busy > BUSY_SHARE else "."))
    print(f"{'server':<18} {'floor':>14} {'greenroom':>14} {'mailmerge':>15} {'greenroom/floor':>16} "
          f"{'mailmerge/greenroom':>20}")
    verdicts = []
    for server, result in results.items():
        cells = {sender: (f"{median(result[sender]):>6.2f}s ({median(result[sender], 'cpu'):.2f})"
                          if result[sender] else "-") for sender in SENDERS}
        over_floor = median(result["greenroom"]) / median(result["floor"])
        faster = (f"{median(result['mailmerge']) / median(result['greenroom']):.2f}x faster"
                  if result["mailmerge"] else "-")
        print(f"{server:<18} {cells['floor']:>14} {cells['greenroom']:>14} {cells['mailmerge']:>15} "
              f"{over_floor:>15.2f}x {faster:>20}")
        verdicts.append(f"{server}: greenroom/floor {over_floor:.2f}x, target <= 1.5x at 1,000 messages: "
                        f"{'met' if over_floor <= 1.5 else 'MISSED'}")
    print("floor = bare smtplib, one connection, Greenroom's own bytes pre-built; greenroom = the whole "
          "`outreach send --once` tick (plan, render, persist, claim, deliver, record); mailmerge = its CLI "
          "(one connection and login per message).")
    for line in verdicts:
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--messages", type=int, default=200,
                        help="emails per run (default 200; the headline figure is --messages 1000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per sender and server; medians are shown "
                                                            "(default 3)")
    parser.add_argument("--server", action="append", choices=SERVERS,
                        help="repeat for several (default: aiosmtpd and postfix-tls-auth)")
    parser.add_argument("--no-mailmerge", action="store_true", help="only Greenroom and the floor")
    parser.add_argument("--profile", action="store_true",
                        help="profile one Greenroom tick (cProfile) against the first server instead")
    parser.add_argument("--top", type=int, default=30, help="functions shown by --profile (default 30)")
    args = parser.parse_args()
    servers = args.server or ["aiosmtpd", "postfix-tls-auth"]
    rows = people(args.messages)
    busy = None if args.profile else busy_before()
    with tempfile.TemporaryDirectory(prefix="greenroom-bench-") as temp:
        if args.profile:
            profile(servers[0], Path(temp), rows, args.top)
            return
        results = {}
        for name in servers:
            try:
                results[name] = bench_server(name, Path(temp), rows, args.runs, not args.no_mailmerge)
            except PostfixUnavailable as problem:
                print(f"{name}: not measured: {problem}", file=sys.stderr)
    if results:
        report(results, args.messages, args.runs, busy)


if __name__ == "__main__":
    main()
