"""`outreach unsubscribe serve`: a one-click POST with a genuine link unsubscribes exactly that person;
GETs, forged links and other people's Message-IDs change nothing."""

import os
import signal
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from outreach.campaigns.unsubscribe import ONE_CLICK_REASON, unsubscribe_key
from outreach.campaigns.unsubscribe_server import MAX_BODY_BYTES, UnsubscribeService, create_app, start
from outreach.core.unsubscribe_token import sign
from tests.helpers import OutputLines, eventually_blocking, free_port

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@pytest.fixture
def sent(world, smtp_server):
    """Bo and Cy each received a first email with a one-click link."""
    world.configure(smtp_server.config(), unsubscribe_url="https://brand.example/unsub")
    world.add_person("Bo Fit", "bo@example.org")
    world.add_person("Cy Cook", "cy@example.org")
    world.start()
    assert world.tick().sent == 2
    return {m.recipients[0]: m.message for m in smtp_server.handler.messages}


@pytest.fixture
async def server(world, sent):
    service = UnsubscribeService(world.db, unsubscribe_key(world.workspace), lambda: world.now)
    running = await start(create_app(service, ("/unsub", "/")), port=free_port())
    async with aiohttp.ClientSession() as session:
        yield running, session
    await running.close()


def token_of(message) -> str:
    link = message["List-Unsubscribe"].split(",")[0].strip().strip("<>")
    assert link.startswith("https://brand.example/unsub?t=")
    return parse_qs(urlsplit(link).query)["t"][0]


def suppressed(world) -> list[tuple[str, str]]:
    return list(world.db.execute("SELECT email, reason FROM suppressions ORDER BY email").fetchall())


async def test_a_one_click_post_suppresses_exactly_the_recipient_of_that_email(world, sent, server):
    running, session = server
    async with session.post(f"{running.url}/unsub", params={"t": token_of(sent["bo@example.org"])},
                            data=ONE_CLICK) as response:
        assert response.status == 200
        assert "bo@example.org" in await response.text()
    assert suppressed(world) == [("bo@example.org", ONE_CLICK_REASON)]
    assert world.enrollment(1)["status"] == "opted_out"
    assert world.enrollment(2)["status"] == "active"


async def test_unsubscribing_twice_answers_200_and_changes_nothing_more(world, sent, server):
    running, session = server
    for _ in range(2):
        async with session.post(f"{running.url}/unsub", params={"t": token_of(sent["cy@example.org"])},
                                data=ONE_CLICK) as response:
            assert response.status == 200
    assert suppressed(world) == [("cy@example.org", ONE_CLICK_REASON)]


async def test_a_multipart_one_click_body_is_accepted_too(world, sent, server):
    running, session = server
    body = aiohttp.FormData(ONE_CLICK, default_to_multipart=True)
    async with session.post(f"{running.url}/", params={"t": token_of(sent["bo@example.org"])},
                            data=body) as response:
        assert response.status == 200
    assert suppressed(world) == [("bo@example.org", ONE_CLICK_REASON)]


async def test_a_get_only_shows_a_confirm_form_and_unsubscribes_nobody(world, sent, server):
    running, session = server
    token = token_of(sent["bo@example.org"])
    async with session.get(f"{running.url}/unsub", params={"t": token}) as response:
        assert response.status == 200
        assert response.headers["Cache-Control"] == "no-store"
        page = await response.text()
    assert '<form method="post" action="?t=' in page and token in page
    assert '<input type="hidden" name="List-Unsubscribe" value="One-Click">' in page
    assert suppressed(world) == []


async def test_the_confirm_form_posts_a_one_click_unsubscribe(world, sent, server):
    running, session = server
    token = token_of(sent["bo@example.org"])
    async with session.get(f"{running.url}/unsub", params={"t": token}) as response:
        action = (await response.text()).split('action="', 1)[1].split('"', 1)[0]
    async with session.post(f"{running.url}/unsub{action}", data=ONE_CLICK) as response:
        assert response.status == 200
    assert suppressed(world) == [("bo@example.org", ONE_CLICK_REASON)]


@pytest.mark.parametrize("forge", [
    pytest.param(lambda bo, cy: f"{cy.split('.')[0]}.{bo.split('.')[1]}", id="another-persons-id-with-bos-mac"),
    pytest.param(lambda bo, cy: bo[:-2] + ("AA" if bo[-2:] != "AA" else "BB"), id="altered-mac"),
    pytest.param(lambda bo, cy: cy.split(".")[0], id="no-mac"),
    pytest.param(lambda bo, cy: sign(b"a guessed key", "<x@brand.example>"), id="signed-with-another-key"),
    pytest.param(lambda bo, cy: "", id="empty"),
])
async def test_a_forged_token_is_refused_and_suppresses_nobody(world, sent, server, forge):
    running, session = server
    token = forge(token_of(sent["bo@example.org"]), token_of(sent["cy@example.org"]))
    async with session.post(f"{running.url}/unsub", params={"t": token}, data=ONE_CLICK) as response:
        assert response.status == 400
    assert suppressed(world) == []


async def test_a_raw_message_id_no_longer_unsubscribes_anyone(world, sent, server):
    running, session = server
    message_id = sent["cy@example.org"]["Message-ID"].strip("<>")
    for params in ({"m": message_id}, {"t": message_id}):
        async with session.post(f"{running.url}/unsub", params=params, data=ONE_CLICK) as response:
            assert response.status == 400
    assert suppressed(world) == []


async def test_a_genuine_token_for_an_email_not_in_the_outbox_is_not_found(world, sent, server):
    running, session = server
    token = sign(unsubscribe_key(world.workspace), "<never-sent@brand.example>")
    async with session.post(f"{running.url}/unsub", params={"t": token}, data=ONE_CLICK) as response:
        assert response.status == 404
    assert suppressed(world) == []


@pytest.mark.parametrize("body", [{}, {"List-Unsubscribe": "Yes"}, {"unsubscribe": "One-Click"}])
async def test_a_post_without_the_one_click_body_changes_nothing(world, sent, server, body):
    running, session = server
    async with session.post(f"{running.url}/unsub", params={"t": token_of(sent["bo@example.org"])},
                            data=body) as response:
        assert response.status == 400
    assert suppressed(world) == []


async def test_an_oversized_body_is_refused_unread(world, sent, server):
    running, session = server
    body = {**ONE_CLICK, "padding": "x" * MAX_BODY_BYTES}
    async with session.post(f"{running.url}/unsub", params={"t": token_of(sent["bo@example.org"])},
                            data=body) as response:
        assert response.status == 413
    assert suppressed(world) == []


async def test_other_paths_are_not_served(world, sent, server):
    running, session = server
    async with session.post(f"{running.url}/admin", params={"t": token_of(sent["bo@example.org"])},
                            data=ONE_CLICK) as response:
        assert response.status == 404
    assert suppressed(world) == []


def test_suppress_add_by_message_id_suppresses_that_emails_recipient(world, sent, outreach_cli):
    message_id = sent["cy@example.org"]["Message-ID"]
    result = outreach_cli("suppress", "add", "--message-id", message_id.strip("<>"))
    assert result.output.strip() == f"cy@example.org: suppressed (recipient of {message_id})"
    assert suppressed(world) == [("cy@example.org", "manual")]


def test_suppress_add_by_an_unknown_message_id_fails_and_suppresses_nobody(world, sent, outreach_cli):
    result = outreach_cli("suppress", "add", "--message-id", "<nope@brand.example>")
    assert result.exit_code != 0
    assert "no email with Message-ID <nope@brand.example>" in result.output
    assert suppressed(world) == []


@pytest.mark.subprocess
def test_the_server_runs_without_a_terminal_and_stops_cleanly_on_sigterm(world, sent):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", "from outreach.cli import main; main()", "--workspace", str(world.workspace.root),
         "unsubscribe", "serve", "--port", str(port)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        output = OutputLines(process.stdout)
        eventually_blocking(lambda: output.contains(f"http://127.0.0.1:{port}/unsub"), 20, describe=output.so_far)
        token = token_of(sent["bo@example.org"])
        posted = subprocess.run(
            [sys.executable, "-c", "import sys, urllib.request as u; "
             "print(u.urlopen(u.Request(sys.argv[1], data=b'List-Unsubscribe=One-Click')).status)",
             f"http://127.0.0.1:{port}/unsub?t={token}"], capture_output=True, text=True, timeout=20)
        assert posted.stdout.strip() == "200", posted.stderr
        eventually_blocking(lambda: output.contains("unsubscribed bo@example.org"), 20, describe=output.so_far)
        os.kill(process.pid, signal.SIGTERM)
        process.wait(20)
        out, err = output.finish(), process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert out.strip().endswith("Unsubscribe server stopped")
    assert token not in out + err
    assert suppressed(world) == [("bo@example.org", ONE_CLICK_REASON)]
