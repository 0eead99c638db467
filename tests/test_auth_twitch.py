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
    assert stored["bot"]["scopes"] == ["moderator:read:followers", "user:read:chat", "user:write:chat"]
    assert "broadcaster" not in stored


def test_one_account_as_broadcaster_and_bot_gets_every_scope_in_one_login(workspace, fake_twitch, livekit_cli):
    workspace.config_path.write_text(twitch_config(fake_twitch, bot=None), encoding="utf-8")
    approve_when_requested(fake_twitch, BROADCASTER_ID, login="caster")
    result = livekit_cli("auth", "twitch")
    assert result.exit_code == 0, result.output
    stored = json.loads(workspace.path("tokens/twitch.json").read_text())
    assert stored["bot"] == stored["broadcaster"]
    assert stored["bot"]["scopes"] == ["channel:manage:broadcast", "moderator:read:followers", "user:read:chat",
                                       "user:write:chat"]


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


async def test_slow_down_makes_every_later_poll_5_seconds_slower(workspace, fake_twitch):
    from livekit.platforms.auth import twitch_device_login
    from livekit.platforms.settings import TwitchSettings

    workspace.config_path.write_text(twitch_config(fake_twitch), encoding="utf-8")
    fake_twitch.add_user(BROADCASTER_ID, "caster", [])
    fake_twitch.device_poll_answers.extend(["slow_down", "authorization_pending", "slow_down"])
    waits = []

    async def sleep(seconds):
        waits.append(seconds)
        if len(waits) == 3:
            code = next(iter(fake_twitch.device_codes.values()))["user_code"]
            fake_twitch.approve_device(code, BROADCASTER_ID)

    granted = await twitch_device_login(TwitchSettings.from_workspace(workspace), "broadcaster",
                                        show_code=lambda url, code: None, sleep=sleep)
    assert granted["login"] == "caster"
    assert waits == [6, 6, 11]


def test_an_expired_activation_code_says_to_start_again_without_a_traceback(workspace, fake_twitch, livekit_cli):
    workspace.config_path.write_text(twitch_config(fake_twitch), encoding="utf-8")
    fake_twitch.device_poll_answers.append("expired_token")
    result = livekit_cli("auth", "twitch")
    assert result.exit_code == 2
    assert "the Twitch activation code expired before it was approved; run `livekit auth twitch` again" in result.output
    assert "Traceback" not in result.output and "ValueError" not in result.output
    assert not workspace.path("tokens/twitch.json").exists()


def test_a_declined_login_is_reported_as_declined(workspace, fake_twitch, livekit_cli):
    workspace.config_path.write_text(twitch_config(fake_twitch), encoding="utf-8")
    fake_twitch.device_poll_answers.append("access_denied")
    result = livekit_cli("auth", "twitch")
    assert result.exit_code == 2
    assert "the Twitch login was declined on twitch.tv/activate" in result.output


def _last_used_days_ago(workspace, role, days):
    from datetime import UTC, datetime, timedelta

    from livekit.platforms.auth import TwitchTokenStore

    store = TwitchTokenStore(workspace.path("tokens/twitch.json"))
    when = (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    store.save_account(role, store.account(role) | {"last_used": when})


def test_auth_status_warns_about_a_refresh_token_unused_for_weeks(twitch_workspace, livekit_cli):
    _last_used_days_ago(twitch_workspace, "bot", 25)
    result = livekit_cli("auth", "status")
    assert result.exit_code == 0, result.output
    assert "twitch bot: chatbot: token unused for 25 days, Twitch expires it in 5 days unless used" in result.output
    assert "(warning)" in result.output


def test_auth_status_fails_for_a_refresh_token_unused_for_30_days(twitch_workspace, livekit_cli):
    _last_used_days_ago(twitch_workspace, "broadcaster", 31)
    result = livekit_cli("auth", "status")
    assert result.exit_code == 1
    assert (
        "twitch broadcaster: caster: token unused for 31 days; Twitch expires refresh tokens after 30 days unused; "
        "run `livekit auth twitch`" in result.output
    )


async def test_a_token_twitch_refused_in_a_show_is_dead_for_check_tokens_and_auth_status(
    twitch_workspace, fake_twitch, livekit_cli
):
    from livekit.platforms.auth import TwitchTokenStore, check_twitch_tokens
    from livekit.platforms.settings import TwitchSettings
    from tests.test_twitch_session import make_session

    record = TwitchTokenStore(twitch_workspace.path("tokens/twitch.json")).account("bot")
    fake_twitch.expire_token(record["access_token"])
    fake_twitch.fail_next("POST", "/oauth2/token", 400, "Invalid refresh token")
    session, _ = make_session(twitch_workspace)
    await session.start()
    await session.close()
    problems = check_twitch_tokens(TwitchSettings.from_workspace(twitch_workspace))
    assert [(problem.account, problem.fatal, problem.fix) for problem in problems] == [
        ("bot", True, "livekit auth twitch --account bot")
    ]
    assert "Twitch refused the token on" in problems[0].message
    assert record["refresh_token"] not in str(problems[0])


def test_a_token_marked_used_again_no_longer_warns(twitch_workspace):
    from livekit.platforms.auth import TwitchTokenStore, check_twitch_tokens
    from livekit.platforms.settings import TwitchSettings

    store = TwitchTokenStore(twitch_workspace.path("tokens/twitch.json"))
    _last_used_days_ago(twitch_workspace, "bot", 25)
    store.mark_used(store.account("bot")["user_id"])
    assert check_twitch_tokens(TwitchSettings.from_workspace(twitch_workspace)) == []
