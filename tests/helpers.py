"""The test harness's small tools: one way to wait for a condition, one way to pick a free port.

Tests never sleep for a fixed time hoping something has happened: they poll the condition with
:func:`eventually` (in async tests, so the event loop keeps running) or :func:`eventually_blocking` (in
plain tests and threads). Both fail with an ``AssertionError`` that says what was awaited.
"""

from __future__ import annotations

import asyncio
import inspect
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, TypeVar

from greenroom.workspace import Workspace

T = TypeVar("T")

#: Long enough for a loaded 2-core CI machine, short enough that a broken test fails quickly.
DEFAULT_TIMEOUT = 5.0
DEFAULT_INTERVAL = 0.02


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the OS picks it; a server should bind it soon after)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class _Deadline:
    """The bookkeeping both variants share: when to give up, and what to say then."""

    def __init__(self, timeout: float, describe: Callable[[], object] | str | None) -> None:
        self.timeout = timeout
        self.ends_at = time.monotonic() + timeout
        self.describe = describe

    def passed(self) -> bool:
        return time.monotonic() > self.ends_at

    def failure(self, last: object) -> AssertionError:
        detail = self.describe() if callable(self.describe) else self.describe
        message = f"condition not met within {self.timeout}s (last value: {last!r})"
        return AssertionError(f"{message}: {detail}" if detail is not None else message)


def eventually_blocking(check: Callable[[], T], timeout: float = DEFAULT_TIMEOUT, *,
                        interval: float = DEFAULT_INTERVAL, describe: Callable[[], object] | str | None = None) -> T:
    """Call ``check()`` until it returns something truthy and return that, or fail after ``timeout`` s.

    Blocks the calling thread: use it in plain tests and helper threads, never inside a running event loop.
    ``describe`` (a string, or a callable evaluated at failure time) is added to the failure message.
    """
    deadline = _Deadline(timeout, describe)
    while True:
        value = check()
        if value:
            return value
        if deadline.passed():
            raise deadline.failure(value)
        time.sleep(interval)


async def eventually(check: Callable[[], T | Awaitable[T]], timeout: float = DEFAULT_TIMEOUT, *,
                     interval: float = DEFAULT_INTERVAL, describe: Callable[[], object] | str | None = None) -> T:
    """Like :func:`eventually_blocking`, but waits without blocking the event loop; ``check`` may be async."""
    deadline = _Deadline(timeout, describe)
    while True:
        value = check()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value  # type: ignore[return-value]
        if deadline.passed():
            raise deadline.failure(value)
        await asyncio.sleep(interval)


class OutputLines:
    """Reads a running process's text stream on a thread, so a test can wait for a line it prints.

    (``communicate()`` only returns once the process has ended; a service must be signalled first, and
    signalling it before it has printed what the test waits for is a race.)
    """

    def __init__(self, stream: IO[str]) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.append(line)

    def contains(self, text: str) -> bool:
        return any(text in line for line in list(self.lines))

    def so_far(self) -> str:
        return "".join(list(self.lines))

    def finish(self, timeout: float = 20) -> str:
        """All the output: waits up to ``timeout`` s for the stream to end (the process to exit)."""
        self._thread.join(timeout)
        return self.so_far()


async def open_offline_page(browser, path, width: int):
    """Open a report file in Chromium at ``width`` px; returns (context, page, console errors, requests to
    anything but file:/data: URLs), so a test can assert a self-contained page broke nothing and fetched nothing."""
    context = await browser.new_context(viewport={"width": width, "height": 900})
    page = await context.new_page()
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: requests.append(request.url) if not request.url.startswith(
        ("file:", "data:")) else None)
    await page.goto(path.as_uri())
    return context, page, problems, requests


def write_in(workspace: Workspace, name: str, text: str) -> Path:
    """``text`` as the file ``name`` in ``workspace``'s folder (a rundown, a campaign): its path."""
    path = workspace.root / name
    path.write_text(text, encoding="utf-8")
    return path
