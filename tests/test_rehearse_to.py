"""``outreach send --once --rehearse-to ADDRESS``: a real tick through the real SMTP server in which every
email reaches ADDRESS only, and the workspace database is left exactly as it was."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.fixtures.mail import campaign_yaml

ME = "me@agency.example"


def database_dump(world) -> list[str]:
    return list(world.db.conn.iterdump())


@pytest.fixture
def rehearsal_world(world, smtp_server):
    world.configure(smtp_server.config())
    world.add_person("Bo Fit", "bo@example.org")
    world.add_person("Cy Cook", "cy@example.org")
    return world, smtp_server.handler


def test_every_email_reaches_only_the_rehearsal_address_and_says_whom_it_was_for(rehearsal_world, outreach_cli):
    world, server = rehearsal_world
    world.start()
    result = outreach_cli("send", "--once", "--rehearse-to", ME)
    assert result.exit_code == 0, result.output
    assert "rehearsal: 2 email(s) sent to me@agency.example only" in result.output
    assert len(server.messages) == 2
    assert [received.recipients for received in server.messages] == [[ME], [ME]]
    for received, meant_for in zip(server.messages, ("bo@example.org", "cy@example.org"), strict=True):
        message = received.message
        assert message["To"] == ME
        assert message["Subject"].startswith(f"[rehearsal for {meant_for}] ")
        assert meant_for in message["X-Greenroom-Rehearsal"]
        assert message["List-Unsubscribe"] is None


def test_a_rehearsal_leaves_the_database_unchanged(rehearsal_world, outreach_cli):
    world, server = rehearsal_world
    world.start()
    before = database_dump(world)
    assert outreach_cli("send", "--once", "--rehearse-to", ME).exit_code == 0
    assert database_dump(world) == before
    assert [row["state"] for row in world.outbox()] == []
    assert world.db.execute("SELECT count(*) FROM suppressions").fetchone()[0] == 0
    assert outreach_cli("send", "--once").exit_code == 0  # the real send still has everything to do
    assert sorted(r.recipients[0] for r in server.messages[2:]) == ["bo@example.org", "cy@example.org"]


def test_a_refused_recipient_in_a_rehearsal_suppresses_nobody(rehearsal_world, outreach_cli):
    world, server = rehearsal_world
    server.permanent.add(ME)
    world.start()
    before = database_dump(world)
    result = outreach_cli("send", "--once", "--rehearse-to", ME)
    assert "bounced 2" in result.output
    assert database_dump(world) == before


def test_as_of_with_rehearse_to_rehearses_follow_ups_days_ahead_through_the_real_server(rehearsal_world, outreach_cli):
    world, server = rehearsal_world
    world.start()
    world.tick()
    assert len(server.messages) == 2
    first_ids = {row["to_address"]: row["message_id"] for row in world.outbox()}
    before = database_dump(world)
    ahead = (world.now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    result = outreach_cli("send", "--once", "--as-of", ahead, "--rehearse-to", ME)
    assert result.exit_code == 0, result.output
    rehearsed = server.messages[2:]
    assert [received.recipients for received in rehearsed] == [[ME], [ME]]
    assert {r.message["In-Reply-To"] for r in rehearsed} == set(first_ids.values())
    assert database_dump(world) == before


def test_as_of_without_rehearse_to_or_dry_run_still_refuses_a_real_smtp_server(rehearsal_world, outreach_cli):
    world, server = rehearsal_world
    world.start()
    result = outreach_cli("send", "--once", "--as-of", "2026-03-05")
    assert result.exit_code != 0 and "--rehearse-to" in result.output
    assert server.messages == []


@pytest.mark.parametrize(("args", "problem"), [
    (("--rehearse-to", "not-an-address"), "'not-an-address' is not an email address"),
    (("--rehearse-to", ME, "--dry-run"), "--dry-run sends nothing: pick one"),
])
def test_a_bad_rehearsal_request_is_refused_before_anything_is_sent(rehearsal_world, outreach_cli, args, problem):
    world, server = rehearsal_world
    world.start()
    result = outreach_cli("send", "--once", *args)
    assert result.exit_code == 2 and problem in result.output
    assert server.messages == []


def test_through_postfix_with_two_mailboxes_only_the_rehearsal_address_receives(world, postfix, smtp_server,
                                                                                 outreach_cli):
    tables = "".join(
        f'\n[mailboxes.{key}]\naddress = "{key}@brand.example"\n'
        f'\n[mailboxes.{key}.smtp]\nhost = "{postfix.host}"\nport = {postfix.port}\nsecurity = "none"\n'
        for key in ("kim", "sam"))
    world.configure(tables)
    for n in range(4):
        world.add_person(f"Person {n}", f"p{n}@example.org")
    world.start(campaign_yaml().replace("sender: {name: Ana Example, address: ana@brand.example}\n",
                                        "mailboxes: [kim, sam]\n"))
    before = database_dump(world)
    result = outreach_cli("send", "--once", "--rehearse-to", ME)
    assert result.exit_code == 0, result.output
    from tests.helpers import eventually_blocking

    eventually_blocking(lambda: len(smtp_server.handler.messages) == 4, describe=postfix.log)
    assert {tuple(received.recipients) for received in smtp_server.handler.messages} == {(ME,)}
    assert {received.sender for received in smtp_server.handler.messages} == {"kim@brand.example",
                                                                             "sam@brand.example"}
    assert database_dump(world) == before
