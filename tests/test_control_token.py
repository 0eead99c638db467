"""The control token is the workspace's, not the process's: a restart or a resume keeps open control rooms
and Stream Deck buttons working; only `livekit token rotate` replaces it."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import eventually_blocking, free_port

LIVEKIT = [sys.executable, "-m", "livekit.cli"]


def environment(workspace: Path) -> dict[str, str]:
    env = {**os.environ, "GREENROOM_WORKSPACE": str(workspace)}
    env.pop("LIVEKIT_TOKEN", None)
    return env


def livekit(workspace: Path, *args: str) -> str:
    done = subprocess.run([*LIVEKIT, *args], env=environment(workspace), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def status_of(port: int, token: str) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/state",
                                     headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class ServedShow:
    """`livekit run` without a terminal, serving the control room until SIGTERM stops it (resumable)."""

    def __init__(self, workspace: Path, *extra: str) -> None:
        rundown = workspace / "rundown.json"
        rundown.write_text(json.dumps({"title": "Token Show", "segments": [{"title": "Only", "duration": "5m"}]}))
        self.port = free_port()
        self.process = subprocess.Popen(
            [*LIVEKIT, "run", str(rundown), "--no-obs", "--no-platforms", "--port", str(self.port), *extra],
            env=environment(workspace), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True,
        )

    def __enter__(self) -> ServedShow:
        eventually_blocking(self._serving, 20, interval=0.1, describe="livekit run did not serve the control room")
        return self

    def _serving(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"livekit run exited: {self.process.stdout.read() if self.process.stdout else ''}")
        try:
            return status_of(self.port, "x" * 20) == 401
        except OSError:
            return False

    def __exit__(self, *exc_info: object) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.output, _ = self.process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.output, _ = self.process.communicate()


def stored_token(workspace: Path) -> str:
    return (workspace / "tokens" / "control-token").read_text().strip()


@pytest.mark.subprocess
def test_the_token_survives_a_restart_and_a_resume(tmp_path):
    with ServedShow(tmp_path, "--new") as first:
        token = stored_token(tmp_path)
        assert status_of(first.port, token) == 200
    assert token not in first.output, "without a terminal the token must not reach the output"
    with ServedShow(tmp_path, "--resume") as resumed:
        assert status_of(resumed.port, token) == 200
    with ServedShow(tmp_path, "--new") as restarted:
        assert status_of(restarted.port, token) == 200
    assert stored_token(tmp_path) == token


@pytest.mark.subprocess
def test_rotate_replaces_the_token_and_the_old_one_is_refused(tmp_path):
    livekit(tmp_path, "init")
    old = stored_token(tmp_path)
    output = livekit(tmp_path, "token", "rotate")
    new = stored_token(tmp_path)
    assert new != old
    assert new not in output
    with ServedShow(tmp_path, "--new") as show:
        assert status_of(show.port, old) == 401
        assert status_of(show.port, new) == 200


@pytest.mark.subprocess
def test_init_creates_a_private_token_and_show_says_where_without_printing_it(tmp_path):
    livekit(tmp_path, "init")
    path = tmp_path / "tokens" / "control-token"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    output = livekit(tmp_path, "token", "show")
    assert str(path) in output
    assert stored_token(tmp_path) not in output


@pytest.mark.subprocess
def test_an_explicit_token_wins_over_the_stored_one(tmp_path):
    livekit(tmp_path, "init")
    explicit = "explicit-token-0123456789"
    with ServedShow(tmp_path, "--new", "--token", explicit) as show:
        assert status_of(show.port, explicit) == 200
        assert status_of(show.port, stored_token(tmp_path)) == 401


@pytest.mark.subprocess
def test_a_token_file_others_can_read_is_refused(tmp_path):
    livekit(tmp_path, "init")
    (tmp_path / "tokens" / "control-token").chmod(0o644)
    show = ServedShow(tmp_path, "--new")
    output, _ = show.process.communicate(timeout=30)
    assert show.process.returncode != 0
    assert "chmod 600" in output
    assert "Traceback" not in output
