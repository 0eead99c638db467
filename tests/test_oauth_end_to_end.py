"""Done when (issue 14): signed in with `outreach mailbox login`, a campaign email goes out over XOAUTH2
SMTP, its copy lands in the XOAUTH2 IMAP mailbox's Sent folder, and its one-click unsubscribe link
(`outreach unsubscribe serve`) suppresses exactly that person."""

import os
import signal
import subprocess
import sys
import urllib.request
from email import message_from_bytes, policy
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.fixtures.oauth import GOOGLE_CLIENT_SECRET, MAILBOX, google_section
from tests.helpers import OutputLines, eventually_blocking, free_port

pytestmark = [pytest.mark.subprocess,
              pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")]

OUTREACH = [sys.executable, "-c", "from outreach.cli import main; main()"]


def run_outreach(world, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*OUTREACH, "--workspace", str(world.workspace.root), *args], capture_output=True,
                          text=True, timeout=60, env=os.environ | {"PYTHONUNBUFFERED": "1"})


def google_login(world) -> str:
    """`outreach mailbox login --no-browser`, following the printed consent URL as a browser would."""
    process = subprocess.Popen([*OUTREACH, "--workspace", str(world.workspace.root), "mailbox", "login",
                                "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env=os.environ | {"PYTHONUNBUFFERED": "1"})
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("http"):
                urllib.request.urlopen(line.strip(), timeout=10).read()
                break
        output, _ = process.communicate(timeout=30)
        assert process.returncode == 0, "".join(lines) + output
        return "".join(lines) + output
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_campaign_email_sent_over_xoauth2_is_filed_in_sent_and_unsubscribes_exactly_its_recipient(
        world, oauth_smtp, oauth_imap, identity_provider, monkeypatch):
    monkeypatch.setenv("GREENROOM_SMTP_CLIENT_SECRET", GOOGLE_CLIENT_SECRET)
    monkeypatch.setenv("GREENROOM_IMAP_CLIENT_SECRET", GOOGLE_CLIENT_SECRET)
    world.configure(google_section("smtp", oauth_smtp.host, oauth_smtp.port, identity_provider)
                    + google_section("imap", oauth_imap.host, oauth_imap.port, identity_provider),
                    unsubscribe_url="https://brand.example/unsub")

    output = google_login(world)
    assert f"{MAILBOX} signed in" in output
    assert output.count("Signing in") == 1  # [smtp] and [imap] are one mailbox: one consent
    status = run_outreach(world, "mailbox", "status")
    assert status.returncode == 0, status.stdout + status.stderr
    assert f"[smtp] {MAILBOX} (google): signed in" in status.stdout
    assert f"[imap] {MAILBOX} (google): signed in" in status.stdout
    for token in identity_provider.access_tokens:
        assert token not in output + status.stdout

    world.add_person("Bo Fit", "bo@example.org")
    world.add_person("Cy Cook", "cy@example.org")
    world.start()
    report = world.tick()
    assert (report.sent, report.copied_to_sent, report.sent_copy_problems) == (2, 2, [])
    assert [user for user, accepted in oauth_smtp.handler.attempts if accepted] == [MAILBOX]
    delivered = {m.recipients[0]: m.message for m in oauth_smtp.handler.messages}
    filed = [message_from_bytes(raw, policy=policy.default) for raw in oauth_imap.sent_messages()]
    assert sorted(copy["Message-ID"] for copy in filed) == sorted(m["Message-ID"] for m in delivered.values())

    bo_link = delivered["bo@example.org"]["List-Unsubscribe"].split(",")[0].strip().strip("<>")
    token = parse_qs(urlsplit(bo_link).query)["t"][0]
    port = free_port()
    server = subprocess.Popen([*OUTREACH, "--workspace", str(world.workspace.root), "unsubscribe", "serve",
                               "--port", str(port)], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=os.environ | {"PYTHONUNBUFFERED": "1"})
    try:
        lines = OutputLines(server.stdout)
        eventually_blocking(lambda: lines.contains(f"http://127.0.0.1:{port}/unsub"), 20, describe=lines.so_far)
        request = urllib.request.Request(f"http://127.0.0.1:{port}/unsub?t={token}",
                                         data=b"List-Unsubscribe=One-Click")
        assert urllib.request.urlopen(request, timeout=10).status == 200
        eventually_blocking(lambda: lines.contains("unsubscribed bo@example.org"), 20, describe=lines.so_far)
    finally:
        os.kill(server.pid, signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    suppressed = [row[0] for row in world.db.execute("SELECT email FROM suppressions ORDER BY email")]
    assert suppressed == ["bo@example.org"]
    assert world.enrollment(1)["status"] == "opted_out"
    assert world.enrollment(2)["status"] == "active"
