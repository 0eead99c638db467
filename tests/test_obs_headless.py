"""scripts/obs-headless: starts a real OBS under its own Xvfb and stops exactly the PIDs it started."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from livekit.obs import headless
from livekit.obs.adapter import ObsAdapter
from livekit.obs.headless import DEFAULT_SCENES, PortInUseError, _alive
from tests.fixtures.servers import unavailable
from tests.helpers import free_port

pytestmark = pytest.mark.obs

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "obs-headless"


def run_script(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCRIPT), *arguments], capture_output=True, text=True, timeout=90,
                          env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"})


@pytest.mark.subprocess
def test_start_prints_pids_and_dir_then_stop_ends_exactly_those_processes(tmp_path):
    port = free_port()
    started = run_script("start", "--port", str(port), "--password", "pw-for-test", "--dir", str(tmp_path / "obs"))
    if started.returncode != 0:
        unavailable(f"headless OBS could not start: {started.stderr.strip()}")
    output = dict(line.split(": ", 1) for line in started.stdout.splitlines())
    pids = [int(pid) for pid in output["pids"].split()]
    try:
        assert Path(output["dir"]) == tmp_path / "obs"
        assert [Path(f"/proc/{pid}/comm").read_text().strip() for pid in pids] == ["Xvfb", "obs"]
        with ObsAdapter("127.0.0.1", port, "pw-for-test") as adapter:
            assert adapter.scene_names() == list(DEFAULT_SCENES)
            assert Path(adapter.record_directory()) == tmp_path / "obs" / "recordings"
    finally:
        stopped = run_script("stop", "--dir", str(tmp_path / "obs"))

    assert stopped.returncode == 0, stopped.stderr
    assert sorted(int(pid) for pid in stopped.stdout.split(":")[1].split()) == sorted(pids)
    assert not any(_alive(pid) for pid in pids)


def test_throwaway_folder_holding_the_password_is_private(obs_server):
    """OBS rewrites global.ini with the default umask, so the folder itself must keep others out."""
    assert obs_server.dir.stat().st_mode & 0o077 == 0


@pytest.mark.subprocess
def test_stop_refuses_a_pid_that_is_not_obs_or_xvfb():
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        result = run_script("stop", str(bystander.pid))

        assert "not stopping pid" in result.stderr
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()


def test_a_taken_port_is_reported_at_once_and_nothing_is_left_running(tmp_path):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        started = time.monotonic()

        with pytest.raises(PortInUseError, match=f"port {port}: address already in use"):
            headless.start(port, "pw", tmp_path / "obs", timeout=40)

    assert time.monotonic() - started < 30
    pids = [int(pid) for pid in (tmp_path / "obs" / "pids").read_text().split()]
    assert not any(_alive(pid) for pid in pids)


def test_the_session_obs_is_started_again_when_it_died_between_two_tests(obs_session, request):
    obs_session.kill_obs()
    with pytest.warns(UserWarning, match="the session's OBS had died"):
        server = request.getfixturevalue("obs_server")
    adapter = ObsAdapter(server.host, server.port, server.password, timeout=5)
    adapter.connect()
    try:
        assert adapter.connected
    finally:
        adapter.close()
