"""The control room served by a real `livekit run` process, driven from real Chromium, with real headless OBS."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from livekit.obs.adapter import ObsError
from livekit.obs.settings import DEFAULT_LOWER_THIRD_SOURCE
from tests.fixtures.browser import BROWSER_TESTS
from tests.helpers import eventually, eventually_blocking, free_port

pytestmark = [*BROWSER_TESTS, pytest.mark.subprocess]

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

    async def start(self, *extra: str) -> LivekitRun:
        return await asyncio.to_thread(self.start_blocking, *extra)

    async def stop(self) -> str:
        return await asyncio.to_thread(self.stop_blocking)

    def start_blocking(self, *extra: str) -> LivekitRun:
        env = {**os.environ, "GREENROOM_WORKSPACE": str(self.workspace)}
        args = ["--token", TOKEN, "--host", "127.0.0.1", "--port", str(self.port)]
        if self.obs is None:
            args.append("--no-obs")
        else:
            (self.workspace / "greenroom.toml").write_text(
                f'[obs]\nhost = "{self.obs.host}"\nport = {self.obs.port}\nlower_third = "text"\n'
            )
            env["OBS_WEBSOCKET_PASSWORD"] = self.obs.password
        self.process = subprocess.Popen(
            [sys.executable, "-m", "livekit.cli", "run", str(self.rundown), *args, *extra],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        eventually_blocking(self._serving, 20, interval=0.1, describe="livekit run did not serve the control room")
        return self

    def _serving(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"livekit run exited: {self.process.stdout.read() if self.process.stdout else ''}")
        try:
            with urllib.request.urlopen(f"{self.url}/presenter", timeout=1):
                return True
        except OSError:
            return False

    def stop_blocking(self) -> str:
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
    """Start `livekit run` processes; every one is stopped by PID after the test."""
    started: list[LivekitRun] = []

    async def make(obs=None) -> LivekitRun:
        run = LivekitRun(tmp_path, write_rundown(tmp_path), free_port(), obs)
        started.append(run)
        return await run.start()

    yield make
    for run in started:
        run.stop_blocking()


async def open_pages(context, run):
    control = await context.new_page()
    await control.goto(f"{run.url}/control#token={TOKEN}")
    await control.wait_for_selector("#panel:not([hidden])")
    presenter = await context.new_page()
    await presenter.goto(f"{run.url}/presenter")
    overlay = await context.new_page()
    await overlay.goto(f"{run.url}/overlay")
    return control, presenter, overlay


async def test_next_in_control_reaches_presenter_and_overlay_through_the_runner(browser_context, livekit_run):
    run = await livekit_run()
    control, presenter, overlay = await open_pages(browser_context, run)
    await control.click("#btn-start")
    await presenter.wait_for_function("() => document.getElementById('segment-title').textContent === 'Welcome'")
    await control.click("#btn-next")
    await presenter.wait_for_function("() => document.getElementById('segment-title').textContent === 'Interview'")
    await overlay.wait_for_function("() => document.getElementById('segment-title').textContent === 'Interview'")
    assert await presenter.text_content("#talking-points") == "The launch"
    assert "PRIVATE-SEGMENT-NOTE" not in await presenter.content() + await overlay.content()


@pytest.mark.obs
async def test_a_guest_put_on_air_shows_in_the_overlay_and_in_obs_lower_third(browser_context, livekit_run, obs_server,
                                                                         obs_adapter):
    run = await livekit_run(obs=obs_server)
    control, presenter, overlay = await open_pages(browser_context, run)
    await control.click("#btn-start")  # the opening segment has no guest: Jane waits, confirmed
    row = "tr.guest:has(.guest-name:text-is('Jane Doe'))"
    await control.wait_for_selector(f"{row}.status-confirmed")
    await control.click(f"{row} button[data-status='in_green_room']")
    await control.wait_for_selector(f"{row}.status-in_green_room")
    await control.click(f"{row} button[data-status='on_air']")
    await overlay.wait_for_selector("#lower-third:not([hidden])")
    assert await overlay.text_content("#guest-name") == "Jane Doe"
    await presenter.wait_for_function("() => document.getElementById('guest').textContent === 'Jane Doe'")

    def obs_lower_third():
        try:
            return obs_adapter.get_text(DEFAULT_LOWER_THIRD_SOURCE)
        except ObsError:
            return None

    await eventually(lambda: asyncio.to_thread(lambda: obs_lower_third() == "Jane Doe"), 20, describe=obs_lower_third)
    await control.click(f"{row} button[data-status='done']")
    await overlay.wait_for_selector("#lower-third[hidden]", state="attached")
    await eventually(lambda: asyncio.to_thread(lambda: obs_lower_third() == ""), 20, describe=obs_lower_third)


async def test_the_rundown_guest_goes_on_air_when_their_segment_starts(browser_context, livekit_run):
    run = await livekit_run()
    control, presenter, overlay = await open_pages(browser_context, run)
    await control.click("#btn-start")
    # A Next pressed on a page that still shows "ready" is refused as stale, so press it as a host would:
    # once the control room shows the show live.
    await control.wait_for_function("() => document.getElementById('segment-title').textContent === 'Welcome'")
    await control.click("#btn-next")
    await overlay.wait_for_selector("#lower-third:not([hidden])")
    assert await overlay.text_content("#guest-name") == "Jane Doe"
    await control.wait_for_selector("tr.guest:has(.guest-name:text-is('Jane Doe')).status-on_air")


async def test_stopping_livekit_shows_disconnected_and_a_resumed_run_recovers_the_pages(browser_context, livekit_run):
    run = await livekit_run()
    control, presenter, _overlay = await open_pages(browser_context, run)
    await control.click("#btn-start")
    await presenter.wait_for_function("() => document.getElementById('segment-title').textContent === 'Welcome'")
    await presenter.evaluate("() => { window.sameDocument = true; }")
    await run.stop()
    await presenter.wait_for_function("() => document.body.dataset.connection === 'disconnected'")
    assert "disconnected" in await presenter.text_content("#connection")
    await control.wait_for_function("() => document.body.dataset.connection === 'disconnected'")
    await run.start("--resume")
    await control.wait_for_function("() => document.body.dataset.connection === 'connected'", timeout=15000)
    await control.click("#btn-next")
    await presenter.wait_for_function(
        "() => document.getElementById('segment-title').textContent === 'Interview'", timeout=15000
    )
    assert await presenter.evaluate("() => window.sameDocument") is True
