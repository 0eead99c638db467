"""`livekit auth youtube`: the installed-app flow (google-auth-oauthlib) against the fake Google OAuth server.

The command runs as a real process; the test plays the browser: it opens the printed URL, the fake consent
screen redirects to the command's one-shot server on 127.0.0.1, and the command exchanges the code.
"""

import json
import os
import re
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from greenroom.platform_tokens import read_private_json, write_private_json
from livekit.platforms.youtube import token_problems
from tests.fakes.youtube import CLIENT_ID, YOUTUBE_SCOPE
from tests.fixtures.platforms import authorise_youtube, youtube_config

DAY_MS = 24 * 3_600_000

LIVEKIT = str(Path(sys.executable).with_name("livekit"))


def configure(workspace, fake):
    workspace.config_path.write_text(youtube_config(fake), encoding="utf-8")
    workspace.path("client_secret.json").write_text(json.dumps(fake.client_secrets()), encoding="utf-8")


def run_login(workspace):
    """Start `livekit auth youtube --no-browser`, follow its URL like a browser, return (exit code, output)."""
    # oauthlib insists on https for the token endpoint; the fake speaks http on loopback only.
    env = os.environ | {"OAUTHLIB_INSECURE_TRANSPORT": "1", "GREENROOM_WORKSPACE": str(workspace.root)}
    process = subprocess.Popen(
        [LIVEKIT, "auth", "youtube", "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("http"):
                urllib.request.urlopen(line.strip(), timeout=10).read()
                break
        output, _ = process.communicate(timeout=20)
        return process.returncode, "".join(lines) + output
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.subprocess
def test_installed_app_login_stores_credentials_privately(workspace, fake_youtube):
    configure(workspace, fake_youtube)
    code, output = run_login(workspace)
    assert code == 0, output
    assert "YouTube authorised (scopes: https://www.googleapis.com/auth/youtube)" in output
    path = workspace.path("tokens/youtube.json")
    stored = json.loads(path.read_text())
    assert stored["client_id"] == CLIENT_ID
    assert stored["refresh_token"] in fake_youtube.refresh_tokens
    assert abs(stored["issued_ms"] - time.time() * 1000) < 60_000  # when the 7-day clock of a Testing app starts
    assert stored["token"] not in output
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


@pytest.mark.subprocess
def test_the_authorisation_url_asks_for_the_youtube_scope_on_loopback(workspace, fake_youtube):
    configure(workspace, fake_youtube)
    _, output = run_login(workspace)
    url = next(line for line in output.splitlines() if line.startswith("http"))
    assert re.search(r"scope=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fyoutube(&|$)", url)
    assert "redirect_uri=http%3A%2F%2F127.0.0.1%3A" in url


@pytest.mark.subprocess
def test_a_login_without_the_youtube_scope_is_refused_with_the_fix(workspace, fake_youtube):
    configure(workspace, fake_youtube)
    fake_youtube.consent_scopes = ["https://www.googleapis.com/auth/youtube.readonly"]
    code, output = run_login(workspace)
    assert code == 2
    assert (
        "YouTube account token lacks scope https://www.googleapis.com/auth/youtube; "
        "run `livekit auth youtube` to grant it" in output
    )
    assert not workspace.path("tokens/youtube.json").exists()


def test_a_missing_client_secrets_file_is_named(workspace, fake_youtube, livekit_cli):
    workspace.config_path.write_text(youtube_config(fake_youtube), encoding="utf-8")
    result = livekit_cli("auth", "youtube", "--no-browser")
    assert result.exit_code == 2
    assert f"{workspace.path('client_secret.json')}: client secrets file not found ([youtube] client_secrets)" in (
        result.output
    )


def test_auth_status_reports_youtube(workspace, fake_youtube, livekit_cli):
    workspace.config_path.write_text(youtube_config(fake_youtube), encoding="utf-8")
    result = livekit_cli("auth", "status")
    assert "youtube: not authorised; run `livekit auth youtube`" in result.output
    assert result.exit_code == 1
    authorise_youtube(workspace, fake_youtube, scopes=[YOUTUBE_SCOPE])
    assert "youtube: authorised (ok)" in livekit_cli("auth", "status").output


def issued_days_ago(workspace, days):
    path = workspace.path("tokens/youtube.json")
    record = read_private_json(path, "YouTube")
    write_private_json(path, record | {"issued_ms": int(time.time() * 1000) - int(days * DAY_MS)})


@pytest.mark.subprocess
def test_an_abandoned_consent_screen_times_out_with_a_clear_message(workspace, fake_youtube):
    configure(workspace, fake_youtube)
    env = os.environ | {"OAUTHLIB_INSECURE_TRANSPORT": "1", "GREENROOM_WORKSPACE": str(workspace.root)}
    result = subprocess.run([LIVEKIT, "auth", "youtube", "--no-browser", "--timeout", "1"], capture_output=True,
                            text=True, env=env, timeout=30)
    assert result.returncode == 2
    assert ("no answer from the browser within 1 s: the Google consent was not completed; run `livekit auth "
            "youtube` again (--timeout SECONDS to wait longer)") in result.stdout + result.stderr
    assert not workspace.path("tokens/youtube.json").exists()


def test_auth_status_warns_before_a_testing_apps_token_expires(workspace, fake_youtube, livekit_cli):
    workspace.config_path.write_text(youtube_config(fake_youtube), encoding="utf-8")
    authorise_youtube(workspace, fake_youtube)
    issued_days_ago(workspace, 6)
    result = livekit_cli("auth", "status")
    assert result.exit_code == 0
    assert "youtube: authorised (ok)" in result.output
    assert "youtube: warning: the YouTube token expires on " in result.output
    assert "the Google app is in Testing, its tokens last 7 days); run `livekit auth youtube` before the show" in (
        result.output)
    assert token_problems(workspace) == []


def test_a_testing_apps_token_older_than_seven_days_is_dead(workspace, fake_youtube, livekit_cli):
    workspace.config_path.write_text(youtube_config(fake_youtube), encoding="utf-8")
    authorise_youtube(workspace, fake_youtube)
    issued_days_ago(workspace, 8)
    result = livekit_cli("auth", "status")
    assert result.exit_code == 1
    assert "youtube: the YouTube token expired on " in result.output
    [problem] = token_problems(workspace)
    assert problem.startswith("youtube: the YouTube token expired on ")
    assert problem.endswith("(the Google app is in Testing: its tokens last 7 days); run `livekit auth youtube`")


def test_a_published_apps_token_does_not_expire_after_seven_days(workspace, fake_youtube, livekit_cli):
    config = youtube_config(fake_youtube, oauth_app_status="production")
    workspace.config_path.write_text(config, encoding="utf-8")
    authorise_youtube(workspace, fake_youtube)
    issued_days_ago(workspace, 30)
    result = livekit_cli("auth", "status")
    assert (result.exit_code, "warning" in result.output) == (0, False)
    assert token_problems(workspace) == []


def test_a_token_of_unknown_age_gets_a_warning(workspace, fake_youtube, livekit_cli):
    workspace.config_path.write_text(youtube_config(fake_youtube), encoding="utf-8")
    authorise_youtube(workspace, fake_youtube)  # written without the issue date, as before it was recorded
    result = livekit_cli("auth", "status")
    assert result.exit_code == 0
    assert "youtube: warning: the YouTube token's issue date is unknown" in result.output


async def test_a_token_google_refused_during_a_show_is_known_dead_afterwards(workspace, fake_youtube, livekit_cli):
    from tests.test_youtube_session import make_session

    workspace.config_path.write_text(youtube_config(fake_youtube), encoding="utf-8")
    access, refresh = authorise_youtube(workspace, fake_youtube)
    fake_youtube.revoke_refresh(refresh)
    session, _ = make_session(workspace)
    await session.start()
    await session.close()
    [problem] = token_problems(workspace)
    assert problem.startswith("youtube: Google refused the YouTube token on ")
    assert problem.endswith("(invalid_grant); run `livekit auth youtube`")
    assert "youtube: Google refused the YouTube token" in livekit_cli("auth", "status").output
