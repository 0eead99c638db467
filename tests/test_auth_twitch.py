"""`livekit auth twitch`: the device code flow against the fake Twitch, with the real twitchio OAuth client."""

import json
import os
import stat
import threading

from tests.fixtures.platforms import BOT_ID, BROADCASTER_ID, twitch_config
from tests.helpers import eventually_blocking


def approve_when_requested(fake, user_id, *, login, scopes=()):
    """Play the user on twitch.tv/activate: wait for the device code, then approve it as ``user_id``."""
    fake.add_user(user_id, login, list(scopes))

    def approve():
        def pending_codes() -> list[str]:
            return [entry["user_code"] for entry in list(fake.device_codes.values()) if entry["user_id"] is None]

        fake.approve_device(eventually_blocking(pending_codes, 10)[0], user_id)

    thread = threading.Thread(target=approve, daemon=True)
    thread.start()
    return thread


def test_device_login_stores_the_broadcaster_tokens_privately(workspace, fake_twitch, livekit_cli):
    workspace.config_path.write_text(twitch_config(fake_twitch), encoding="utf-8")
    approve_when_requested(fake_twitch, BROADCASTER_ID, login="caster")
    result = livekit_cli("auth", "twitch")
    assert result.exit_code == 0, result.output
    assert "enter the code: " in result.output
    assert "Twitch broadcaster authorised as caster (scopes: channel:manage:broadcast)" in result.output
    path = workspace.path("tokens/twitch.json")
    stored = json.loads(path.read_text())["broadcaster"]
    assert (stored["user_id"], stored["login"]) == (BROADCASTER_ID, "caster")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert stored["access_token"] not in result.output
    assert stored["refresh_token"] not in result.output


def test_the_bot_account_asks_for_the_chat_scopes(workspace, fake_twitch, livekit_cli):
    workspace.config_path.write_text(twitch_config(fake_twitch), encoding="utf-8")
    approve_when_requested(fake_twitch, BOT_ID, login="chatbot")
    result = livekit_cli("auth", "twitch", "--account", "bot")
    assert result.exit_code == 0, result.output
    stored = json.loads(workspace.path("tokens/twitch.json").read_text())
    assert stored["bot"]["scopes"] == ["user:read:chat", "user:write:chat"]
    assert "broadcaster" not in stored


def test_one_account_as_broadcaster_and_bot_gets_every_scope_in_one_login(workspace, fake_twitch, livekit_cli):
    workspace.config_path.write_text(twitch_config(fake_twitch, bot=None), encoding="utf-8")
    approve_when_requested(fake_twitch, BROADCASTER_ID, login="caster")
    result = livekit_cli("auth", "twitch")
    assert result.exit_code == 0, result.output
    stored = json.loads(workspace.path("tokens/twitch.json").read_text())
    assert stored["bot"] == stored["broadcaster"]
    assert stored["bot"]["scopes"] == ["channel:manage:broadcast", "user:read:chat", "user:write:chat"]


def test_logging_in_as_the_wrong_account_stores_nothing_and_says_who_is_expected(workspace, fake_twitch, livekit_cli):
    workspace.config_path.write_text(twitch_config(fake_twitch), encoding="utf-8")
    approve_when_requested(fake_twitch, "3003", login="someoneelse")
    result = livekit_cli("auth", "twitch")
    assert result.exit_code == 2
    assert "you authorised Twitch account 'someoneelse' but [twitch] broadcaster is 'caster'" in result.output
    assert not workspace.path("tokens/twitch.json").exists()


def test_a_missing_client_id_names_the_setting(workspace, fake_twitch, livekit_cli):
    workspace.config_path.write_text('[twitch]\nbroadcaster = "caster"\n', encoding="utf-8")
    result = livekit_cli("auth", "twitch")
    assert result.exit_code == 2
    assert f"{workspace.config_path}: missing setting [twitch] client_id" in result.output


def test_auth_status_lists_accounts_and_missing_scopes_without_tokens(twitch_workspace, fake_twitch, livekit_cli):
    from livekit.platforms.auth import TwitchTokenStore

    store = TwitchTokenStore(twitch_workspace.path("tokens/twitch.json"))
    bot = store.account("bot")
    store.save_account("bot", bot | {"scopes": ["user:write:chat"]})
    result = livekit_cli("auth", "status")
    assert result.exit_code == 1
    assert "twitch broadcaster: caster (ok)" in result.output
    assert (
        "twitch bot: chatbot, missing scope user:read:chat; run `livekit auth twitch --account bot`" in result.output
    )
    assert bot["access_token"] not in result.output


def test_a_token_file_readable_by_others_is_refused_with_the_fix(twitch_workspace, livekit_cli):
    path = twitch_workspace.path("tokens/twitch.json")
    path.chmod(0o644)
    result = livekit_cli("auth", "status")
    assert result.exit_code == 2
    assert f"make it private with: chmod 600 {path}" in result.output
