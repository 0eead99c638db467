"""`outreach outbox ...` refuses numbers SQLite cannot hold with a usage error, not a crash."""


def test_resolving_a_message_id_too_big_for_sqlite_is_a_usage_error(outreach_cli):
    result = outreach_cli("outbox", "resolve", str(2**63), "--sent")
    assert result.exit_code == 2
    assert "Invalid value for 'MESSAGE_ID'" in result.output


def test_resolving_an_unknown_message_id_says_so(outreach_cli):
    result = outreach_cli("outbox", "resolve", str(2**63 - 1), "--sent")
    assert result.exit_code != 0
    assert f"no outbox message #{2**63 - 1}" in result.output


def test_listing_with_a_limit_too_big_for_sqlite_is_a_usage_error(outreach_cli):
    result = outreach_cli("outbox", "list", "--limit", str(2**63))
    assert result.exit_code == 2
    assert "Invalid value for '--limit'" in result.output


def test_the_list_shows_each_message_s_recipient_and_message_id(world, outreach_cli):
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    world.tick()
    [row] = world.outbox()

    listing = outreach_cli.without_workspace("-w", world.workspace.root, "outbox", "list").output

    assert "bo@example.org" in listing
    assert row["message_id"] in listing
