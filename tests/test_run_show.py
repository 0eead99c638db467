"""`livekit run` end to end: a real process, a real headless OBS, the workspace database."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from livekit.obs.adapter import ObsAdapter, ObsError
from livekit.obs.settings import DEFAULT_PROMPT_SOURCE
from tests.helpers import eventually_blocking

LIVEKIT = [sys.executable, "-m", "livekit.cli"]
TOLERANCE_MS = 200


def write_rundown(folder: Path, segments: list[dict], **show) -> Path:
    path = folder / "rundown.json"
    # JSON is YAML: the rundown loader reads it as written.
    path.write_text(json.dumps({"title": "Test Show", "warning": "1s", **show, "segments": segments}))
    return path


def start_livekit(workspace: Path, *args: str, obs=None) -> subprocess.Popen:
    env = {**os.environ, "GREENROOM_WORKSPACE": str(workspace)}
    if obs is not None:
        (workspace / "greenroom.toml").write_text(f'[obs]\nhost = "{obs.host}"\nport = {obs.port}\n')
        env["OBS_WEBSOCKET_PASSWORD"] = obs.password
    return subprocess.Popen([*LIVEKIT, *args], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def finish(process: subprocess.Popen, timeout: float = 60) -> str:
    output, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, output
    return output


def shows_table(workspace: Path) -> list[dict]:
    with sqlite3.connect(workspace / "greenroom.db") as connection:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute("SELECT * FROM shows ORDER BY id")]


def show_events(workspace: Path, show_id: int) -> list[dict]:
    """The stored events of a show; none while the runner has not created its database yet."""
    try:
        with sqlite3.connect(workspace / "greenroom.db") as connection:
            connection.row_factory = sqlite3.Row
            rows = connection.execute("SELECT * FROM show_events WHERE show_id = ? ORDER BY seq", [show_id])
            return [dict(row) for row in rows]
    except sqlite3.OperationalError:
        return []


class ObsWatcher:
    """Polls OBS's program scene and prompt text from a second connection, noting when each changed."""

    def __init__(self, obs) -> None:
        self.adapter = ObsAdapter(obs.host, obs.port, obs.password, timeout=5)
        self.changes: list[tuple[int, str | None, str | None]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> ObsWatcher:
        self.adapter.connect()
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(5)
        self.adapter.close()

    def read(self) -> tuple[str | None, str | None]:
        scene = self.adapter.current_program_scene()
        try:
            prompt = self.adapter.get_text(DEFAULT_PROMPT_SOURCE)
        except ObsError:
            prompt = None
        return scene, prompt

    def _poll(self) -> None:
        last = None
        while not self._stop.is_set():
            try:
                seen = self.read()
            except ObsError:
                time.sleep(0.05)  # OBS is restarting: sample again shortly
                continue
            if seen != last:
                self.changes.append((time.time_ns() // 1_000_000, *seen))
                last = seen
            time.sleep(0.01)  # the watcher samples OBS every 10 ms to time-stamp each change

    def first_time(self, scene: str, prompt: str) -> int | None:
        return next((at for at, s, p in self.changes if s == scene and p == prompt), None)


@pytest.mark.subprocess
@pytest.mark.obs
def test_auto_show_drives_obs_scenes_and_prompts_on_time_and_records(obs_server, obs_adapter, tmp_path):
    rundown = write_rundown(tmp_path, [
        {"title": "Hello", "duration": "1500ms", "scene": "Intro", "prompts": ["Welcome everyone"]},
        {"title": "Talk", "duration": "2s", "scene": "Interview",
         "prompts": ["Introduce the guest", {"at": "1s", "text": "Ask the big question"}]},
        {"title": "Bye", "duration": "1s", "scene": "Outro", "prompts": ["Thanks for watching"]},
    ], record=True)
    recordings_before = set(obs_server.record_dir.glob("*"))
    with ObsWatcher(obs_server) as watcher:
        output = finish(start_livekit(tmp_path, "run", str(rundown), "--auto", "--no-web", obs=obs_server))
    started = shows_table(tmp_path)[0]["started_ms"]
    expected = {("Intro", "Welcome everyone"): 0, ("Interview", "Introduce the guest"): 1500,
                ("Interview", "Ask the big question"): 2500, ("Outro", "Thanks for watching"): 3500}
    lateness = {cue: watcher.first_time(*cue) for cue in expected}
    assert None not in lateness.values(), f"cues never seen in OBS: {watcher.changes}"
    for cue, offset in expected.items():
        assert abs(lateness[cue] - started - offset) <= TOLERANCE_MS, (cue, lateness[cue] - started, offset)
    assert "show ended" in output
    new_recordings = set(obs_server.record_dir.glob("*")) - recordings_before
    assert new_recordings and all(path.stat().st_size > 0 for path in new_recordings)
    assert not obs_adapter.record_status().active


@pytest.mark.subprocess
@pytest.mark.obs
@pytest.mark.slow
def test_show_goes_on_when_obs_restarts_and_obs_is_resynced(obs_factory, tmp_path):
    obs = obs_factory()
    rundown = write_rundown(tmp_path, [
        {"title": "Opening", "duration": "2s", "scene": "Intro", "prompts": ["Open the show"]},
        {"title": "Long talk", "duration": "20s", "scene": "Interview", "prompts": ["Keep talking"]},
        {"title": "Closing", "duration": "1s", "scene": "Outro", "prompts": ["Close the show"]},
    ])
    process = start_livekit(tmp_path, "run", str(rundown), "--auto", "--no-web", obs=obs)
    with ObsWatcher(obs) as watcher:
        eventually_blocking(lambda: watcher.first_time("Interview", "Keep talking"), 10,
                            describe=lambda: watcher.changes)
    obs.kill_obs()
    obs.restart_obs()
    with ObsWatcher(obs) as watcher:
        eventually_blocking(lambda: watcher.read() == ("Interview", "Keep talking"), 10,
                            describe=lambda: f"OBS was not resynced after its restart: {watcher.read()}")
        output = finish(process)
        assert watcher.first_time("Outro", "Close the show"), watcher.changes
    show = shows_table(tmp_path)[0]
    assert show["status"] == "ended"
    assert abs(show["ended_ms"] - show["started_ms"] - 23_000) <= 1000
    assert "segment 3/3: Closing" in output


@pytest.mark.subprocess
def test_killed_runner_resumes_at_the_right_segment_with_right_times(tmp_path):
    rundown = write_rundown(tmp_path, [
        {"title": "One", "duration": "2s", "prompts": ["first"]},
        {"title": "Two", "duration": "4s", "prompts": ["second"]},
        {"title": "Three", "duration": "1s", "prompts": ["third"]},
    ])
    first = start_livekit(tmp_path, "run", str(rundown), "--auto", "--no-obs", "--no-web")
    eventually_blocking(lambda: any(e["type"] == "next" for e in show_events(tmp_path, 1)), 10)
    time.sleep(0.5)  # the behaviour under test: segment Two has run 0.5 s when the runner is killed
    first.send_signal(signal.SIGKILL)
    first.wait(5)
    killed_at = time.time_ns() // 1_000_000

    output = finish(start_livekit(tmp_path, "run", str(rundown), "--auto", "--resume", "--no-obs", "--no-web"))

    assert "Resuming show #1 'Test Show' at segment 2 (Two)" in output
    events = show_events(tmp_path, 1)
    assert [e["type"] for e in events] == ["start", "next", "next", "end"]
    starts = {e["segment"]: e["at_ms"] for e in events if e["type"] in ("start", "next")}
    assert abs(starts[1] - starts[0] - 2000) <= TOLERANCE_MS
    assert abs(starts[2] - starts[1] - 4000) <= TOLERANCE_MS, "segment Two must keep its elapsed time"
    assert starts[2] > killed_at
    assert len(shows_table(tmp_path)) == 1


@pytest.mark.subprocess
def test_interrupted_show_without_a_terminal_asks_for_resume_or_new(tmp_path):
    rundown = write_rundown(tmp_path, [{"title": "Only", "duration": "30s"}])
    first = start_livekit(tmp_path, "run", str(rundown), "--auto", "--no-obs", "--no-web")
    eventually_blocking(lambda: show_events(tmp_path, 1), 10)
    first.send_signal(signal.SIGKILL)
    first.wait(5)
    second = start_livekit(tmp_path, "run", str(rundown), "--auto", "--no-obs", "--no-web")
    output, _ = second.communicate(timeout=30)
    assert second.returncode != 0
    assert "show #1 (Test Show) of this rundown did not finish: pass --resume" in output
    assert "Traceback" not in output


@pytest.mark.subprocess
def test_sigterm_stops_cleanly_and_keeps_the_show_resumable(tmp_path):
    rundown = write_rundown(tmp_path, [{"title": "Only", "duration": "30s"}])
    process = start_livekit(tmp_path, "run", str(rundown), "--auto", "--no-obs", "--no-web")
    eventually_blocking(lambda: show_events(tmp_path, 1), 10)
    process.send_signal(signal.SIGTERM)
    output = finish(process, timeout=15)
    assert f"Continue it with: livekit run {rundown} --resume" in output
    assert shows_table(tmp_path)[0]["status"] == "live"


@pytest.mark.subprocess
def test_broken_rundown_is_reported_with_file_and_line_and_nothing_is_stored(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("title: Broken\nsegments:\n  - title: A\n    duration: soon\n")
    process = start_livekit(tmp_path, "run", str(path), "--auto", "--no-obs", "--no-web")
    output, _ = process.communicate(timeout=30)
    assert process.returncode != 0
    assert f"{path}:4:" in output
    assert not (tmp_path / "greenroom.db").exists() or shows_table(tmp_path) == []
