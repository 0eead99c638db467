"""The multistream relay: OBS streams once to a local nginx-rtmp, one ffmpeg per platform copies it out.

Why this shape (and not nginx-rtmp ``push`` alone, nor ffmpeg's ``tee`` muxer alone):

- **RTMPS.** Twitch and YouTube both offer RTMPS ingests; nginx-rtmp's ``push`` speaks plain RTMP only, so
  the stream key would travel in clear. ffmpeg pushes ``rtmps://`` itself (Debian's build has TLS).
- **One receiver going away must not stop the other, and must come back.** ffmpeg's ``tee`` with
  ``onfail=ignore`` keeps the other outputs going but never reopens a failed one, and restarting the tee
  means dropping OBS's connection, which interrupts every platform. Here each platform has its own ffmpeg
  process (``-c copy``: no re-encode, a few % of one core each) reading from the local ingest; a push
  that dies is restarted alone, with :class:`greenroom.backoff.Backoff`, while the others keep streaming
  and OBS never notices.
- **Supervision and health.** Every process is ours (started by PID, stopped by PID, TERM then KILL). Each
  push reports its progress (``-progress pipe:1``) so health is "pushing" only while bytes really flow,
  and a failure keeps ffmpeg's last error line (with the key blanked) as the reason.

nginx-rtmp (Debian ``libnginx-mod-rtmp``) runs as one process (``master_process off``) bound to loopback,
accepting publish and play from 127.0.0.1 only; its config, pid file and error log live in the relay's own
directory under the workspace. The local ingest key is generated per relay start and never logged. If nginx
dies it is restarted on the same port (OBS reconnects by itself); a relay started after a crash of livekit
stops the processes the previous one left, by the PIDs it recorded (program and command line checked).

Stream keys and ``ps``: ffmpeg 5.1 (Debian 12) cannot read an output URL or its ``rtmp_playpath`` from a
file (ffmpeg 7's ``-/option file`` could), so a platform's key is in its push process's argv, readable
through ``/proc`` by the same user and root. It is never written to a log, the health report or the relay
directory; on a shared machine mount ``/proc`` with ``hidepid=2``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from greenroom.backoff import Backoff
from livekit.relay.plan import Ingest

log = logging.getLogger(__name__)

RTMP_MODULE = Path("/usr/lib/nginx/modules/ngx_rtmp_module.so")
APPLICATION = "live"
#: nginx retries a busy port 5 times, 500 ms apart, before it gives up.
STARTUP_TIMEOUT_S = 5.0
STOP_GRACE_S = 3.0
#: A push that has moved no bytes for this long is reported as waiting for video (OBS not streaming).
STALL_S = 5.0
#: ffmpeg gives up on a platform that stops reading (10 s), instead of hanging on a dead TCP peer.
OUTPUT_TIMEOUT_US = 10_000_000
PIDS_FILE = "relay.pids"


class RelayError(Exception):
    """The relay could not start (nginx or ffmpeg missing, port taken, module absent)."""


@dataclass(frozen=True)
class TargetHealth:
    """One platform's push as the user should see it.

    ``state``: "waiting" (running, no video from OBS yet), "pushing" (bytes flowing), "reconnecting"
    (restarted after a failure, no bytes yet), "failed" (not running; retried at ``retry_in_s``), "stopped".
    """

    platform: str
    destination: str
    state: str
    reason: str = ""
    restarts: int = 0
    retry_in_s: float | None = None

    def as_dict(self) -> dict[str, object]:
        return {"platform": self.platform, "destination": self.destination, "state": self.state,
                "reason": self.reason, "restarts": self.restarts, "retry_in_s": self.retry_in_s}


class _Push:
    """One ffmpeg copying the local ingest to one platform, restarted with backoff until the relay stops."""

    def __init__(self, target: Ingest, source_url: str, ffmpeg: str, backoff: Backoff,
                 stopping: threading.Event, on_start: Callable[[], None]) -> None:
        self.target = target
        self.on_start = on_start
        self.source_url = source_url
        self.ffmpeg = ffmpeg
        self.backoff = backoff
        self.stopping = stopping
        self.lock = threading.Lock()
        self.process: subprocess.Popen[str] | None = None
        self.state = "waiting"
        self.reason = ""
        self.restarts = 0
        self.retry_at: float | None = None
        self.bytes_sent = 0
        self.last_progress = 0.0
        self.errors: deque[str] = deque(maxlen=5)
        self.thread = threading.Thread(target=self._run, name=f"relay-{target.platform}", daemon=True)

    def command(self) -> list[str]:
        return [self.ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "warning", "-nostats",
                "-progress", "pipe:1", "-analyzeduration", "1000000", "-i", self.source_url,
                "-c", "copy", "-f", "flv", "-flvflags", "no_duration_filesize",
                "-rw_timeout", str(OUTPUT_TIMEOUT_US), self.target.url]

    def health(self, now: float) -> TargetHealth:
        with self.lock:
            state, reason = self.state, self.reason
            if state == "pushing" and now - self.last_progress > STALL_S:
                state, reason = "waiting", f"no video from OBS for {now - self.last_progress:.0f} s"
            retry = max(0.0, self.retry_at - now) if state == "failed" and self.retry_at is not None else None
            return TargetHealth(self.target.platform, self.target.display, state, reason, self.restarts, retry)

    def _run(self) -> None:
        while not self.stopping.is_set():
            started = self._start()
            if started is None:
                return
            failure = self._follow(started)
            if self.stopping.is_set():
                break
            delay = self.backoff.next_delay_ms() / 1000
            with self.lock:
                self.state, self.reason = "failed", failure
                self.retry_at = time.monotonic() + delay
                self.restarts += 1
            log.warning("relay push to %s failed (%s); retrying in %.1f s", self.target.display, failure, delay)
            if self.stopping.wait(delay):
                break
            with self.lock:
                self.state, self.retry_at = "reconnecting", None
        with self.lock:
            self.state, self.reason, self.retry_at = "stopped", "", None

    def _start(self) -> subprocess.Popen[str] | None:
        with self.lock:
            if self.stopping.is_set():
                return None
            try:
                self.process = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                                stderr=subprocess.PIPE, text=True, errors="replace")
            except OSError as error:
                self.state, self.reason = "failed", f"cannot run ffmpeg: {error.strerror}"
                return None
        self.on_start()
        return self.process

    def _follow(self, process: subprocess.Popen[str]) -> str:
        """Read progress until ffmpeg exits; return why it ended (its last error line, key blanked)."""
        assert process.stdout is not None and process.stderr is not None
        self.errors.clear()
        errors = threading.Thread(target=self._collect_errors, args=(process.stderr,), daemon=True)
        errors.start()
        for line in process.stdout:
            key, _, value = line.strip().partition("=")
            if key == "total_size" and value.isdigit() and int(value) > self.bytes_sent:
                with self.lock:
                    self.bytes_sent = int(value)
                    self.last_progress = time.monotonic()
                    if self.state != "pushing":
                        log.info("relay pushing to %s", self.target.display)
                    self.state, self.reason = "pushing", ""
                self.backoff.reset()
        code = process.wait()
        errors.join(timeout=2)
        with self.lock:
            self.bytes_sent = 0
        last_error = self.errors[-1] if self.errors else ""
        return last_error or f"ffmpeg exited with status {code}"

    def _collect_errors(self, stream: IO[str]) -> None:
        for line in stream:
            cleaned = self.redact(line.strip())
            if cleaned and "Last message repeated" not in cleaned:
                self.errors.append(cleaned)

    def redact(self, text: str) -> str:
        """ffmpeg names the URL in its errors: blank the key (and the local one) before anyone sees it."""
        text = text.replace(self.target.url, self.target.display).replace(self.source_url, "the local ingest")
        for key in (self.target.key, self.source_url.rsplit("/", 1)[-1]):
            if key:
                text = text.replace(key, "…")
        return text

    def terminate(self) -> None:
        with self.lock:
            process = self.process
        if process is not None:
            _stop_process(process)


class Relay:
    """Local RTMP ingest for OBS plus one supervised push per platform; see the module docstring for why.

    ``start(targets)`` returns the :class:`Ingest` OBS must stream to (``rtmp://127.0.0.1:PORT/live`` and a
    fresh key). ``health()`` reports each push; ``stop()`` ends every process it started, by PID.
    """

    def __init__(self, directory: Path, *, port: int = 0, nginx: str = "nginx", ffmpeg: str = "ffmpeg",
                 rtmp_module: Path = RTMP_MODULE, backoff: Backoff | None = None) -> None:
        self.directory = Path(directory)
        self.requested_port = port
        self.port = 0
        self.nginx_binary = nginx
        self.ffmpeg_binary = ffmpeg
        self.rtmp_module = rtmp_module
        self.backoff_template = backoff or Backoff(first_ms=1_000, max_ms=30_000, jitter=0.2)
        self.nginx: subprocess.Popen[bytes] | None = None
        self.pushes: list[_Push] = []
        self._pids_lock = threading.Lock()
        self._stopping = threading.Event()
        self._ingest: Ingest | None = None
        self._running = False
        self._ingest_thread: threading.Thread | None = None
        #: Why the local ingest is down right now ("" while nginx runs).
        self.ingest_problem = ""

    @property
    def pids(self) -> list[int]:
        """PIDs of every process the relay runs now (nginx, then one ffmpeg per platform)."""
        processes = [self.nginx] + [push.process for push in self.pushes]
        return [process.pid for process in processes if process is not None and process.poll() is None]

    @property
    def ingest(self) -> Ingest | None:
        return self._ingest

    def start(self, targets: list[Ingest] | tuple[Ingest, ...]) -> Ingest:
        if self.nginx is not None:
            raise RelayError("the relay is already running")
        if not targets:
            raise RelayError("the relay needs at least one platform to push to")
        if not self.rtmp_module.exists():
            raise RelayError(f"nginx's RTMP module {self.rtmp_module} is missing: apt-get install libnginx-mod-rtmp")
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        stop_leftovers(self.directory)
        self.port = self.requested_port or _free_port()
        self._write_config()
        self._launch_nginx()
        self._ingest = Ingest("relay", f"rtmp://127.0.0.1:{self.port}/{APPLICATION}", secrets.token_urlsafe(24))
        self._stopping.clear()
        self._running = True
        self._ingest_thread = threading.Thread(target=self._supervise_ingest, name="relay-ingest", daemon=True)
        self._ingest_thread.start()
        for target in targets:
            backoff = Backoff(self.backoff_template.first_ms, self.backoff_template.max_ms,
                              self.backoff_template.factor, self.backoff_template.jitter)
            push = _Push(target, self._ingest.url, self.ffmpeg_binary, backoff, self._stopping, self._record_pids)
            self.pushes.append(push)
            push.thread.start()
        log.info("relay listening on %s for %s", self._ingest.display,
                 ", ".join(target.display for target in targets))
        return self._ingest

    def health(self) -> list[TargetHealth]:
        now = time.monotonic()
        return [push.health(now) for push in self.pushes]

    def stop(self) -> None:
        """Stop every push, then nginx: SIGTERM, then SIGKILL after a grace period; only our own PIDs."""
        self._stopping.set()
        if self._ingest_thread is not None:
            self._ingest_thread.join(timeout=STARTUP_TIMEOUT_S + 2)
        for push in self.pushes:
            push.terminate()
        for push in self.pushes:
            push.thread.join(timeout=STOP_GRACE_S + 2)
        # A push thread that was between "stopping" and Popen has started nothing (checked under its lock).
        if self.nginx is not None:
            _stop_process(self.nginx)
        self.nginx = None
        self._running = False
        (self.directory / PIDS_FILE).unlink(missing_ok=True)

    def status(self) -> dict[str, Any]:
        """The relay in the platforms' status shape (``state`` ok/degraded/off, ``detail``) plus ``targets``:
        what the control room and the terminal show."""
        health = self.health()
        targets = [item.as_dict() for item in health]
        if not self._running:
            return {"state": "off", "detail": "relay not running", "targets": targets}
        troubled = [item for item in health if item.state in ("failed", "reconnecting")]
        if troubled or self.ingest_problem:
            detail = "; ".join([self.ingest_problem] * bool(self.ingest_problem) + [_trouble(item) for item in troubled])
            return {"state": "degraded", "detail": detail, "targets": targets}
        pushing = [item.platform for item in health if item.state == "pushing"]
        detail = f"pushing to {', '.join(pushing)}" if pushing else "waiting for OBS's stream"
        waiting = [item.platform for item in health if item.state == "waiting"]
        if pushing and waiting:
            detail += f"; waiting for video for {', '.join(waiting)}"
        return {"state": "ok", "detail": detail, "targets": targets}

    def __enter__(self) -> Relay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _launch_nginx(self) -> None:
        (self.directory / "nginx.pid").unlink(missing_ok=True)
        try:
            self.nginx = subprocess.Popen(
                [self.nginx_binary, "-p", str(self.directory), "-c", str(self.directory / "nginx.conf"),
                 "-e", str(self.directory / "error.log")],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError as error:
            raise RelayError(f"cannot run nginx: {error.strerror} (apt-get install nginx libnginx-mod-rtmp)") from None
        self._record_pids()
        self._wait_for_ingest()

    def _supervise_ingest(self) -> None:
        """Restart nginx (same port, same key) if it dies: OBS reconnects by itself and the pushes, which
        fail meanwhile, are restarted by their own backoff."""
        backoff = Backoff(self.backoff_template.first_ms, self.backoff_template.max_ms)
        while not self._stopping.wait(0.25):
            process = self.nginx
            if process is not None and process.poll() is None:
                continue
            if process is not None:
                last_line = _tail(self.directory / "error.log", 1)
                self.ingest_problem = (f"the local ingest (nginx) stopped with status {process.returncode}"
                                       f"{': ' + last_line if last_line else ''}; restarting it")
                log.warning("relay: %s", self.ingest_problem)
                self.nginx = None
            if self._stopping.wait(backoff.next_delay_ms() / 1000):
                return
            try:
                self._launch_nginx()
            except RelayError as error:
                self.ingest_problem = f"the local ingest (nginx) cannot restart: {error}"
                log.warning("relay: %s", self.ingest_problem)
                continue
            log.info("relay: the local ingest is back on 127.0.0.1:%d", self.port)
            self.ingest_problem = ""
            backoff.reset()

    def _record_pids(self) -> None:
        """Write which of our processes run now, so a relay restarted after a crash (``kill -9`` of
        livekit) can stop exactly the orphans of the previous one: PIDs plus what their command line
        must contain (this folder for nginx, this ingest for ffmpeg), never a key."""
        entries: list[dict[str, object]] = []
        with self._pids_lock:
            if self.nginx is not None and self.nginx.poll() is None:
                entries.append({"pid": self.nginx.pid, "program": "nginx", "marker": str(self.directory)})
            for push in self.pushes:
                process = push.process
                if process is not None and process.poll() is None:
                    entries.append({"pid": process.pid, "program": "ffmpeg",
                                    "marker": f"rtmp://127.0.0.1:{self.port}/{APPLICATION}/"})
            path = self.directory / PIDS_FILE
            path.write_text(json.dumps(entries), encoding="utf-8")

    def _write_config(self) -> None:
        directory = self.directory
        config = f"""# Written by Greenroom for one show; rewritten at every start.
load_module {self.rtmp_module};
daemon off;
master_process off;
pid {directory / 'nginx.pid'};
error_log {directory / 'error.log'} warn;
events {{ worker_connections 64; }}
rtmp {{
    server {{
        listen 127.0.0.1:{self.port};
        access_log off;
        application {APPLICATION} {{
            live on;
            record off;
            allow publish 127.0.0.1;
            deny publish all;
            allow play 127.0.0.1;
            deny play all;
        }}
    }}
}}
"""
        path = directory / "nginx.conf"
        path.write_text(config, encoding="utf-8")
        os.chmod(path, 0o600)

    def _wait_for_ingest(self) -> None:
        assert self.nginx is not None
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.nginx.poll() is not None:
                self.nginx = None
                raise RelayError(f"nginx stopped at start: {_tail(self.directory / 'error.log')}")
            # nginx writes its pid file only after it has bound every listening socket (a connect alone
            # could reach whoever else holds the port).
            if _read(self.directory / "nginx.pid") == str(self.nginx.pid):
                return
            time.sleep(0.05)
        _stop_process(self.nginx)
        self.nginx = None
        raise RelayError(f"nginx did not listen on 127.0.0.1:{self.port} within {STARTUP_TIMEOUT_S:.0f} s: "
                         f"{_tail(self.directory / 'error.log')}")


def stop_leftovers(directory: Path) -> list[int]:
    """Stop processes a crashed relay in ``directory`` left running; only PIDs it recorded whose program
    and command line still match (a PID reused by something else is left alone). Returns the PIDs stopped."""
    try:
        entries = json.loads((directory / PIDS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    stopped = []
    for entry in entries if isinstance(entries, list) else []:
        pid, program, marker = entry.get("pid"), entry.get("program"), entry.get("marker")
        if not isinstance(pid, int) or program not in ("nginx", "ffmpeg") or not isinstance(marker, str):
            continue
        if _read(Path(f"/proc/{pid}/comm")) != program:
            continue
        try:
            command_line = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker not in command_line:
            continue
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
            stopped.append(pid)
    deadline = time.monotonic() + STOP_GRACE_S
    while time.monotonic() < deadline and any(_running(pid) for pid in stopped):
        time.sleep(0.05)
    for pid in stopped:
        if _running(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    if stopped:
        log.warning("stopped %d process(es) left by a previous relay in %s", len(stopped), directory)
    (directory / PIDS_FILE).unlink(missing_ok=True)
    return stopped


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie lingers until init reaps it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _trouble(item: TargetHealth) -> str:
    retry = f"; retrying in {item.retry_in_s:.0f} s" if item.retry_in_s is not None else "; reconnecting"
    return f"{item.platform} push failed ({item.reason}){retry}"


def _stop_process(process: subprocess.Popen[str] | subprocess.Popen[bytes]) -> None:
    """TERM exactly this process, KILL it after the grace period, and reap it."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        process.wait(timeout=5)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def _tail(path: Path, lines: int = 3) -> str:
    try:
        return " | ".join(path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return "no error log"
