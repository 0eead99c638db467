"""Run a real OBS Studio without a screen (under its own Xvfb), for tests, benchmarks and demos.

Everything lives in one throwaway folder: a fake HOME with an OBS profile (WebSocket server on the
chosen port and password, first-run wizard off, a scene collection with a few scenes, small canvas),
a ``recordings/`` folder, the logs and a ``pids`` file. Both processes are started in their own
session and stopped by PID, never by name, so several instances can run side by side.

Command line (also ``scripts/obs-headless``)::

    python -m livekit.obs.headless start --port 4455 --password secret [--dir DIR]
    python -m livekit.obs.headless stop --dir DIR        # or: stop PID [PID...]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from livekit.obs.adapter import ObsAdapter, ObsError

DEFAULT_SCENES = ("Intro", "Interview", "Questions", "Outro")
STARTUP_TIMEOUT = 60.0
PID_FILE = "pids"
STATE_FILE = "headless.json"
#: Only processes with these names are ever signalled by :func:`stop_pids`.
KILLABLE_NAMES = ("obs", "Xvfb")
#: obs-websocket's log line when its port is taken.
LISTEN_FAILED = "[WebSocketServer::Start] Listen failed"


class HeadlessError(Exception):
    """The headless OBS could not be started (the message carries the end of OBS's log)."""


class PortInUseError(HeadlessError):
    """Another process holds the websocket port: pick another one and start again."""


@dataclass
class HeadlessObs:
    """A running headless OBS: where to reach it and which processes to stop."""

    host: str
    port: int
    password: str
    dir: Path
    display: int
    xvfb_pid: int
    obs_pid: int
    _children: dict[int, subprocess.Popen] = field(default_factory=dict, repr=False)

    @property
    def pids(self) -> list[int]:
        return [self.xvfb_pid, self.obs_pid]

    @property
    def record_dir(self) -> Path:
        return self.dir / "recordings"

    def obs_running(self) -> bool:
        """Whether the OBS process is still there (OBS itself can die, e.g. on a heap corruption)."""
        return _alive(self.obs_pid, self._children)

    def kill_obs(self, sig: int = signal.SIGKILL) -> None:
        """Stop only OBS (Xvfb stays), e.g. to simulate a crash; SIGKILL by default."""
        stop_pids([self.obs_pid], first_signal=sig, children=self._children)

    def restart_obs(self, timeout: float = STARTUP_TIMEOUT) -> None:
        """Start OBS again on the same display, profile and port (after :meth:`kill_obs`)."""
        if _alive(self.obs_pid, self._children):
            raise HeadlessError(f"OBS (pid {self.obs_pid}) is still running")
        log_offset = len(_read(self.dir / "obs.log"))
        process = _launch_obs(self.dir, self.display)
        self._children[process.pid] = process
        self.obs_pid = process.pid
        _write_state(self)
        _wait_until_ready(self, process, timeout, log_offset)

    def stop(self) -> None:
        """Stop OBS, then Xvfb: TERM, then KILL whatever is left."""
        stop_pids([self.obs_pid, self.xvfb_pid], children=self._children)


def write_profile(directory: Path, port: int, password: str, scenes: tuple[str, ...] = DEFAULT_SCENES) -> None:
    """Write OBS's configuration into ``directory/home`` (HOME for OBS) and create ``recordings/``."""
    config = directory / "home" / ".config" / "obs-studio"
    websocket_dir = config / "plugin_config" / "obs-websocket"
    profile_dir = config / "basic" / "profiles" / "Greenroom"
    scenes_dir = config / "basic" / "scenes"
    for folder in (websocket_dir, profile_dir, scenes_dir, directory / "recordings"):
        folder.mkdir(parents=True, exist_ok=True)
    _write_private(config / "global.ini", "\n".join([
        "[General]", "FirstRun=false", "LastVersion=486539266", "EnableAutoUpdates=false", "",
        "[BasicWindow]", "SysTrayEnabled=false", "ShowTransitions=false",
        # Nobody looks at the preview of a headless OBS; drawing it costs 4x the CPU.
        "PreviewEnabled=false", "",
        "[Basic]", "Profile=Greenroom", "ProfileDir=Greenroom",
        "SceneCollection=Greenroom", "SceneCollectionFile=Greenroom", "",
        "[OBSWebSocket]", "FirstLoad=false", "ServerEnabled=true", f"ServerPort={port}",
        "AlertsEnabled=false", "AuthRequired=true", f"ServerPassword={password}", "",
    ]))
    _write_private(websocket_dir / "config.json", json.dumps({
        "alerts_enabled": False, "auth_required": True, "first_load": False,
        "server_enabled": True, "server_password": password, "server_port": port,
    }))
    (profile_dir / "basic.ini").write_text("\n".join([
        "[General]", "Name=Greenroom", "",
        # Small canvas keeps software rendering cheap; 60 fps because OBS answers a scene switch on a
        # video tick (at 30 fps one switch in three waited ~45 ms; 60 fps costs ~1% more CPU).
        "[Video]", "BaseCX=640", "BaseCY=360", "OutputCX=640", "OutputCY=360", "FPSType=0", "FPSCommon=60", "",
        "[Output]", "Mode=Simple", "",
        "[SimpleOutput]", f"FilePath={directory / 'recordings'}", "RecFormat=mkv", "RecFormat2=mkv",
        "RecQuality=Stream", "VBitrate=500", "ABitrate=64", "",
    ]), encoding="utf-8")
    (scenes_dir / "Greenroom.json").write_text(json.dumps(_scene_collection(scenes)), encoding="utf-8")


def _scene_collection(scenes: tuple[str, ...]) -> dict:
    return {
        "name": "Greenroom",
        "current_scene": scenes[0],
        "current_program_scene": scenes[0],
        "current_transition": "Cut",
        "transition_duration": 0,
        "transitions": [],
        "groups": [],
        "quick_transitions": [],
        "saved_projectors": [],
        "modules": {},
        "scene_order": [{"name": name} for name in scenes],
        "sources": [
            {"id": "scene", "versioned_id": "scene", "name": name, "enabled": True, "flags": 0,
             "mixers": 0, "muted": False, "volume": 1.0, "balance": 0.5, "sync": 0, "hotkeys": {},
             "private_settings": {}, "settings": {"custom_size": False, "id_counter": 0, "items": []}}
            for name in scenes
        ],
    }


def _write_private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


def start(port: int, password: str, directory: Path | str | None = None, *, host: str = "127.0.0.1",
          scenes: tuple[str, ...] = DEFAULT_SCENES, timeout: float = STARTUP_TIMEOUT) -> HeadlessObs:
    """Start Xvfb and OBS, wait until the websocket accepts ``password``; stop both if anything fails."""
    for program in ("Xvfb", "obs"):
        if shutil.which(program) is None:
            raise HeadlessError(f"{program} is not installed (apt-get install xvfb obs-studio obs-plugins)")
    directory = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="greenroom-obs-"))
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    write_profile(directory, port, password, scenes)
    xvfb, display = _launch_xvfb(directory)
    children = {xvfb.pid: xvfb}
    obs_process = None
    log_offset = len(_read(directory / "obs.log"))
    try:
        obs_process = _launch_obs(directory, display)
        children[obs_process.pid] = obs_process
        instance = HeadlessObs(host, port, password, directory, display, xvfb.pid, obs_process.pid, children)
        _write_state(instance)
        _wait_until_ready(instance, obs_process, timeout, log_offset)
    except BaseException:
        stop_pids([p.pid for p in (obs_process, xvfb) if p is not None], children=children)
        raise
    return instance


def _launch_xvfb(directory: Path) -> tuple[subprocess.Popen, int]:
    """Xvfb picks a free display itself (-displayfd) and tells us its number when ready."""
    read_end, write_end = os.pipe()
    log = (directory / "xvfb.log").open("wb")
    try:
        process = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x720x24", "-nolisten", "tcp"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, pass_fds=(write_end,),
            start_new_session=True,
        )
    finally:
        os.close(write_end)
        log.close()
    with os.fdopen(read_end, "rb") as reader:
        number = reader.readline().strip()
    if not number.isdigit():
        stop_pids([process.pid], children={process.pid: process})
        raise HeadlessError(f"Xvfb did not start: {_tail(directory / 'xvfb.log')}")
    return process, int(number)


def _launch_obs(directory: Path, display: int) -> subprocess.Popen:
    environment = {
        **os.environ,
        "HOME": str(directory / "home"),
        "DISPLAY": f":{display}",
        "LIBGL_ALWAYS_SOFTWARE": "1",
        "QT_QPA_PLATFORM": "xcb",
        "XDG_CONFIG_HOME": str(directory / "home" / ".config"),
    }
    environment.pop("WAYLAND_DISPLAY", None)
    with (directory / "obs.log").open("ab") as log:
        return subprocess.Popen(
            ["obs", "--disable-shutdown-check", "--disable-missing-files-check", "--minimize-to-tray",
             "--multi", "--collection", "Greenroom", "--profile", "Greenroom"],
            cwd=directory, env=environment, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_until_ready(instance: HeadlessObs, process: subprocess.Popen, timeout: float, log_offset: int) -> None:
    """Ready means: a real handshake with the password succeeds, OBS answers requests and renders frames.

    ``log_offset``: where this launch's lines start in obs.log (earlier launches append to it too).
    """
    deadline = time.monotonic() + timeout
    last_error = "no attempt made"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise HeadlessError(f"OBS exited with code {process.returncode}: {_tail(instance.dir / 'obs.log')}")
        if LISTEN_FAILED in _read(instance.dir / "obs.log")[log_offset:]:
            raise PortInUseError(f"OBS could not listen on port {instance.port}: address already in use")
        adapter = ObsAdapter(instance.host, instance.port, instance.password, timeout=2)
        try:
            adapter.connect()
            adapter.version()
            adapter.current_program_scene()
            while adapter.get_stats().get("activeFps", 0) <= 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            return
        except ObsError as error:
            last_error = str(error)
        finally:
            adapter.close()
        time.sleep(0.2)
    raise HeadlessError(f"OBS did not answer on port {instance.port} within {timeout:g} s ({last_error}): "
                        f"{_tail(instance.dir / 'obs.log')}")


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8", "replace")
    except OSError:
        return ""


def _tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text("utf-8", "replace").strip().splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"


def _write_state(instance: HeadlessObs) -> None:
    (instance.dir / PID_FILE).write_text(" ".join(map(str, instance.pids)) + "\n", encoding="utf-8")
    _write_private(instance.dir / STATE_FILE, json.dumps({
        "host": instance.host, "port": instance.port, "display": instance.display,
        "xvfb_pid": instance.xvfb_pid, "obs_pid": instance.obs_pid,
    }))


def _process_name(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return None


def _alive(pid: int, children: dict[int, subprocess.Popen] | None = None) -> bool:
    child = (children or {}).get(pid)
    if child is not None:
        return child.poll() is None
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def stop_pids(pids: list[int], *, first_signal: int = signal.SIGTERM, grace: float = 5.0,
              children: dict[int, subprocess.Popen] | None = None) -> list[int]:
    """Signal exactly these PIDs (only if they are OBS or Xvfb), then KILL survivors. Returns PIDs signalled."""
    signalled = []
    for pid in pids:
        name = _process_name(pid)
        if name is None or not _alive(pid, children):
            continue
        if name not in KILLABLE_NAMES:
            print(f"not stopping pid {pid}: it is {name!r}, not OBS or Xvfb", file=sys.stderr)
            continue
        try:
            os.kill(pid, first_signal)
            signalled.append(pid)
        except ProcessLookupError:
            continue
    deadline = time.monotonic() + grace
    while any(_alive(pid, children) for pid in signalled) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in signalled:
        if _alive(pid, children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    for pid in signalled:
        child = (children or {}).get(pid)
        if child is not None:
            try:
                child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                print(f"pid {pid} survived SIGKILL", file=sys.stderr)
    return signalled


def stop_dir(directory: Path | str) -> list[int]:
    """Stop the instance whose throwaway folder is ``directory`` (reads its pid file)."""
    pid_file = Path(directory) / PID_FILE
    try:
        pids = [int(word) for word in pid_file.read_text().split()]
    except (OSError, ValueError) as error:
        raise HeadlessError(f"{pid_file}: cannot read PIDs ({error})") from None
    # OBS first, then its display.
    return stop_pids(list(reversed(pids)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="obs-headless", description=(
        "Start or stop a real OBS Studio without a screen (Xvfb), with its WebSocket server enabled."))
    commands = parser.add_subparsers(dest="command", required=True)
    start_parser = commands.add_parser("start", help="start Xvfb + OBS and wait until the websocket answers")
    start_parser.add_argument("--port", type=int, required=True, help="obs-websocket port to listen on")
    start_parser.add_argument("--password", default=os.environ.get("OBS_WEBSOCKET_PASSWORD"),
                              help="websocket password (default: $OBS_WEBSOCKET_PASSWORD)")
    start_parser.add_argument("--dir", type=Path, help="throwaway folder for profile, logs, recordings "
                                                       "(default: a new temporary folder)")
    start_parser.add_argument("--timeout", type=float, default=STARTUP_TIMEOUT,
                              help="seconds to wait for the websocket (default: %(default)s)")
    stop_parser = commands.add_parser("stop", help="stop the given PIDs (TERM, then KILL after 5 s)")
    stop_parser.add_argument("pids", nargs="*", type=int, help="PIDs printed by start")
    stop_parser.add_argument("--dir", type=Path, help="stop the PIDs recorded in this folder instead")
    arguments = parser.parse_args(argv)
    # A TERM while starting must still stop what was started (start() cleans up on SystemExit).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        if arguments.command == "start":
            if not arguments.password:
                parser.error("--password (or $OBS_WEBSOCKET_PASSWORD) is required")
            instance = start(arguments.port, arguments.password, arguments.dir, timeout=arguments.timeout)
            print(f"pids: {instance.xvfb_pid} {instance.obs_pid}")
            print(f"dir: {instance.dir}")
            print(f"display: :{instance.display}")
            print(f"websocket: ws://{instance.host}:{instance.port}")
            return 0
        if bool(arguments.pids) == bool(arguments.dir):
            parser.error("give either PIDs or --dir")
        stopped = stop_dir(arguments.dir) if arguments.dir else stop_pids(arguments.pids)
        print("stopped: " + (" ".join(map(str, stopped)) or "nothing was running"))
        return 0
    except HeadlessError as error:
        print(f"obs-headless: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
