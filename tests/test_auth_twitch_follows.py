"""The optional ``moderator:read:followers`` scope: asked of the bot by default (new followers counted as
they follow, via ``channel.follow``), left out with ``--no-follows``, never required."""

import json

from tests.fixtures.platforms import BOT_ID, BROADCASTER_ID, twitch_config
from tests.test_auth_twitch import approve_when_requested


def requested_scopes(fake):
    return [sorted(entry["scopes"]) for entry in fake.device_codes.values()]


def test_the_bot_login_asks_for_the_followers_scope_and_stores_it(workspace, fake_twitch, livekit_cli):
    workspace.config_path.write_text(twitch_config(fake_twitch), encoding="utf-8")
    approve_when_requested(fake_twitch, BOT_ID, login="chatbot")
    result = livekit_cli("auth", "twitch", "--account", "bot")
    assert result.exit_code == 0, result.output
    assert requested_scopes(fake_twitch) == [["moderator:read:followers", "user:read:chat", "user:write:chat"]]
    assert "moderator:read:followers" in json.loads(workspace.path("tokens/twitch.json").read_text())["bot"]["scopes"]
    assert "Without the optional scope" not in result.output


def test_the_broadcaster_login_of_a_separate_bot_does_not_ask_for_it(workspace, fake_twitch, livekit_cli):
    workspace.config_path.write_text(twitch_config(fake_twitch), encoding="utf-8")
    approve_when_requested(fake_twitch, BROADCASTER_ID, login="caster")
    result = livekit_cli("auth", "twitch")
    assert result.exit_code == 0, result.output
    assert requested_scopes(fake_twitch) == [["channel:manage:broadcast"]]


def test_no_follows_leaves_the_scope_out_and_the_token_still_works(workspace, fake_twitch, livekit_cli):
    workspace.config_path.write_text(twitch_config(fake_twitch), encoding="utf-8")
    approve_when_requested(fake_twitch, BOT_ID, login="chatbot")
    result = livekit_cli("auth", "twitch", "--account", "bot", "--no-follows")
    assert result.exit_code == 0, result.output
    assert requested_scopes(fake_twitch) == [["user:read:chat", "user:write:chat"]]
    assert json.loads(workspace.path("tokens/twitch.json").read_text())["bot"]["scopes"] == [
        "user:read:chat", "user:write:chat"]
    assert ("Without the optional scope moderator:read:followers: new followers are counted from the follower "
            "total once a minute (run `livekit auth twitch --account bot` again to grant it).") in result.output


def test_auth_status_accepts_a_bot_without_the_optional_scope_and_says_what_it_means(twitch_workspace,
                                                                                     livekit_cli):
    result = livekit_cli("auth", "status")
    assert result.exit_code == 0, result.output
    assert ("twitch bot: chatbot (ok; without optional moderator:read:followers: new followers from the total)"
            in result.output)
    assert "twitch broadcaster: caster (ok)" in result.output
