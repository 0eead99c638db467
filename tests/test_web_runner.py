"""The control room served by a real `livekit run` process, driven from real Chromium, with real headless OBS."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from livekit.obs.adapter import ObsError
from livekit.obs.settings import DEFAULT_LOWER_THIRD_SOURCE
from tests.fixtures.obs import free_port

pytestmark = pytest.mark.browser

TOKEN = "runner-test-token-0123456789"


def write_rundown(folder: Path) -> Path:
    path = folder / "rundown.json"
    path.write_text(json.dumps({
        "title": "Launch AMA",
        "segments": [
            {"title": "Welcome", "duration": "5m", "scene": "Intro", "prompts": ["Say hello"]},
            {"title": "Interview", "duration": "10m", "scene": "Interview", "guest": "Jane Doe",
             "talking_points": ["The launch"], "notes": "PRIVATE-SEGMENT-NOTE"},
            {"title": "Bye", "duration": "1m", "scene": "Outro"},
        ],
    }))
    return path


class LivekitRun:
    """`livekit run` as a child process (no terminal), stopped by PID."""

    def __init__(self, workspace: Path, rundown: Path, port: int, obs=None) -> None:
        self.workspace, self.rundown, self.port, self.obs = workspace, rundown, port, obs
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *extra: str) -> LivekitRun:
        env = {**os.environ, "GREENROOM_WORKSPACE": str(self.workspace)}
        args = ["--token", TOKEN, "--host", "127.0.0.1", "--port", str(self.port)]
        if self.obs is None:
            args.append("--no-obs")
        else:
            (self.workspace / "greenroom.toml").write_text(
                f'[obs]\nhost = "{self.obs.host}"\nport = {self.obs.port}\n'
            )
            env["OBS_WEBSOCKET_PASSWORD"] = self.obs.password
        self.process = subprocess.Popen(
            [sys.executable, "-m", "livekit.cli", "run", str(self.rundown), *args, *extra],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"livekit run exited: {self.process.stdout.read()}")
            try:
                with urllib.request.urlopen(f"{self.url}/presenter", timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        raise AssertionError("livekit run did not serve the control room within 20 s")

    def stop(self) -> str:
        if self.process is None or self.process.poll() is not None:
            return ""
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            output, _ = self.process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            output, _ = self.process.communicate()
        return output


@pytest.fixture
def livekit_run(tmp_path):
    started: list[LivekitRun] = []

    def make(obs=None) -> LivekitRun:
        run = LivekitRun(tmp_path, write_rundown(tmp_path), free_port(), obs)
        started.append(run)
        return run.start()

    yield make
    for run in started:
        run.stop()


def open_pages(context, run):
    control = context.new_page()
    control.goto(f"{run.url}/control#token={TOKEN}")
    control.wait_for_selector("#panel:not([hidden])")
    presenter = context.new_page()
    presenter.goto(f"{run.url}/presenter")
    overlay = context.new_page()
    overlay.goto(f"{run.url}/overlay")
    return control, presenter, overlay


def wait_for(predicate, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    return predicate()


def test_next_in_control_reaches_presenter_and_overlay_through_the_runner(browser_context, livekit_run):
    run = livekit_run()
    control, presenter, overlay = open_pages(browser_context, run)
    control.click("#btn-start")
    presenter.wait_for_function("() => document.getElementById('segment-title').textContent === 'Welcome'")
    control.click("#btn-next")
    presenter.wait_for_function("() => document.getElementById('segment-title').textContent === 'Interview'")
    overlay.wait_for_function("() => document.getElementById('segment-title').textContent === 'Interview'")
    assert presenter.text_content("#talking-points") == "The launch"
    assert "PRIVATE-SEGMENT-NOTE" not in presenter.content() + overlay.content()


@pytest.mark.obs
def test_a_guest_put_on_air_shows_in_the_overlay_and_in_obs_lower_third(browser_context, livekit_run, obs_server,
                                                                         obs_adapter):
    run = livekit_run(obs=obs_server)
    control, presenter, overlay = open_pages(browser_context, run)
    control.click("#btn-start")
    control.click("#btn-next")
    row = "tr.guest:has(.guest-name:text-is('Jane Doe'))"
    control.wait_for_selector(f"{row}.status-confirmed")
    control.click(f"{row} button[data-status='in_green_room']")
    control.wait_for_selector(f"{row}.status-in_green_room")
    control.click(f"{row} button[data-status='on_air']")
    overlay.wait_for_selector("#lower-third:not([hidden])")
    assert overlay.text_content("#guest-name") == "Jane Doe"
    presenter.wait_for_function("() => document.getElementById('guest').textContent === 'Jane Doe'")

    def obs_lower_third():
        try:
            return obs_adapter.get_text(DEFAULT_LOWER_THIRD_SOURCE)
        except ObsError:
            return None

    assert wait_for(lambda: obs_lower_third() == "Jane Doe"), obs_lower_third()
    control.click(f"{row} button[data-status='done']")
    overlay.wait_for_selector("#lower-third[hidden]", state="attached")
    assert wait_for(lambda: obs_lower_third() == ""), obs_lower_third()


def test_stopping_livekit_shows_disconnected_and_a_resumed_run_recovers_the_pages(browser_context, livekit_run):
    run = livekit_run()
    control, presenter, _overlay = open_pages(browser_context, run)
    control.click("#btn-start")
    presenter.wait_for_function("() => document.getElementById('segment-title').textContent === 'Welcome'")
    presenter.evaluate("() => { window.sameDocument = true; }")
    run.stop()
    presenter.wait_for_function("() => document.body.dataset.connection === 'disconnected'")
    assert "disconnected" in presenter.text_content("#connection")
    control.wait_for_function("() => document.body.dataset.connection === 'disconnected'")
    run.start("--resume")
    control.wait_for_function("() => document.body.dataset.connection === 'connected'", timeout=15000)
    control.click("#btn-next")
    presenter.wait_for_function(
        "() => document.getElementById('segment-title').textContent === 'Interview'", timeout=15000
    )
    assert presenter.evaluate("() => window.sameDocument") is True
