"""Against real headless OBS: a show recorded through an OBS restart ends with two recording files, and the
report lists both with their offsets from the show's start."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from livekit.obs.adapter import ObsAdapter, ObsError
from tests.helpers import eventually_blocking
from tests.test_run_show import LIVEKIT, finish, shows_table, start_livekit, write_rundown

pytestmark = [pytest.mark.obs, pytest.mark.subprocess, pytest.mark.slow]


def stored_recordings(workspace: Path) -> list[tuple[int, int | None]]:
    """(started_ms, stopped_ms) per recording the runner noted; none before it created its database."""
    try:
        with sqlite3.connect(workspace / "greenroom.db") as connection:
            return connection.execute("SELECT started_ms, stopped_ms FROM show_recordings ORDER BY id").fetchall()
    except sqlite3.OperationalError:
        return []


def livekit_report(workspace: Path, output_format: str) -> str:
    environment = {**os.environ, "GREENROOM_WORKSPACE": str(workspace)}
    return subprocess.run([*LIVEKIT, "report", "--format", output_format], env=environment, capture_output=True,
                          text=True, check=True).stdout


def obs_is_recording(obs) -> bool:
    try:
        with ObsAdapter(obs.host, obs.port, obs.password, timeout=5) as adapter:
            return adapter.record_status().active
    except ObsError:
        return False  # OBS is (re)starting


def test_an_obs_restart_mid_show_gives_two_recordings_listed_in_the_report(obs_factory, tmp_path):
    obs = obs_factory()
    rundown = write_rundown(tmp_path, [
        {"title": "Opening", "duration": "1s", "scene": "Intro"},
        # Long enough for OBS to be killed, restarted and recording again on a loaded machine (up to 50 s of
        # waits below) before the show ends on its own.
        {"title": "Long talk", "duration": "70s", "scene": "Interview"},
        {"title": "Closing", "duration": "1s", "scene": "Outro"},
    ], record=True)
    process = start_livekit(tmp_path, "run", str(rundown), "--auto", "--no-web", obs=obs)
    try:
        eventually_blocking(lambda: stored_recordings(tmp_path), 15, describe="the first recording was not noted")
        obs.kill_obs()
        eventually_blocking(lambda: stored_recordings(tmp_path)[0][1] is not None, 10,
                            describe=lambda: f"the first recording was not closed: {stored_recordings(tmp_path)}")
        obs.restart_obs()
        eventually_blocking(lambda: obs_is_recording(obs), 15, describe="OBS did not record again after its restart")
        eventually_blocking(lambda: len(stored_recordings(tmp_path)) == 2, 10,
                            describe=lambda: f"the second recording was not noted: {stored_recordings(tmp_path)}")
        output = finish(process, timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    show = shows_table(tmp_path)[0]
    first, second = stored_recordings(tmp_path)
    assert "show ended" in output
    assert second[1] == show["ended_ms"]
    assert first[1] <= second[0]

    recordings = json.loads(livekit_report(tmp_path, "json"))["recordings"]
    assert [recording["number"] for recording in recordings] == [1, 2]
    assert abs(recordings[0]["offset_ms"]) <= 1000  # recording starts with the show
    # The second file begins once OBS is back, after the first one ended.
    assert recordings[1]["offset_ms"] >= recordings[0]["offset_ms"] + recordings[0]["duration_ms"]
    assert recordings[1]["duration_ms"] > 0
    markdown = livekit_report(tmp_path, "md")
    assert "- Recording 1: from 0:00" in markdown and "- Recording 2: from " in markdown
