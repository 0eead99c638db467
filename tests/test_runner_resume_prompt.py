"""The "Resume it? [Y/n]" question on a terminal: Ctrl-C or Ctrl-D there stops cleanly, nothing started."""

from __future__ import annotations

import json
import os
import pty
import select
import sys
import time
from pathlib import Path

import pytest

from greenroom.workspace import Workspace
from livekit.rundown.files import load_rundown
from livekit.storage.shows import ShowStore
from tests.helpers import eventually_blocking


def interrupted_show(folder: Path) -> Path:
    """A rundown whose show was left unfinished in the workspace at ``folder``; returns the rundown."""
    rundown = folder / "rundown.json"
    rundown.write_text(json.dumps({"title": "Prompted", "segments": [{"title": "Only", "duration": "1m"}]}))
    workspace = Workspace.locate(folder)
    workspace.init()
    ShowStore(workspace.database()).create_show(load_rundown(str(rundown)))
    workspace.close()
    return rundown


class TerminalSession:
    """`livekit run` on a pseudo-terminal (so it asks), as a user at a keyboard sees it."""

    def __init__(self, workspace: Path, *args: str) -> None:
        env = {**os.environ, "GREENROOM_WORKSPACE": str(workspace), "TERM": "dumb"}
        self.pid, self.terminal = pty.fork()
        if self.pid == 0:  # the child: its controlling terminal is the pty, as in a shell
            os.execve(sys.executable, [sys.executable, "-m", "livekit.cli", *args], env)
        self.screen = ""

    def read(self) -> str:
        """What the terminal shows so far (never blocks)."""
        while select.select([self.terminal], [], [], 0)[0]:
            try:
                chunk = os.read(self.terminal, 4096)
            except OSError:  # the child has exited and the pty is closed
                break
            if not chunk:
                break
            self.screen += chunk.decode(errors="replace")
        return self.screen

    def wait_for(self, text: str) -> None:
        eventually_blocking(lambda: text in self.read(), 30, describe=lambda: self.screen)

    def type(self, keys: bytes) -> None:
        os.write(self.terminal, keys)

    def exit_status(self, timeout: float = 15) -> int:
        ends = time.monotonic() + timeout
        while time.monotonic() < ends:
            self.read()
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.read()
                return os.waitstatus_to_exitcode(status)
            time.sleep(0.05)
        os.kill(self.pid, 9)
        raise AssertionError(f"livekit run did not exit after the key: {self.screen}")


@pytest.mark.subprocess
@pytest.mark.parametrize("key", [b"\x03", b"\x04"], ids=["ctrl-c", "ctrl-d"])
def test_ctrl_c_or_ctrl_d_at_the_resume_question_stops_cleanly(tmp_path, key):
    rundown = interrupted_show(tmp_path)
    session = TerminalSession(tmp_path, "run", str(rundown), "--no-obs", "--no-web", "--no-platforms")
    session.wait_for("Resume it? [Y/n]")
    session.type(key)
    assert session.exit_status() == 130
    assert "Nothing started" in session.screen
    assert "Traceback" not in session.screen
    store = ShowStore(Workspace.locate(tmp_path).database())
    assert [(show.id, show.status) for show in store.list_shows()] == [(1, "ready")]
