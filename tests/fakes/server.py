"""The one piece every in-process fake shares: an aiohttp application on 127.0.0.1 (a free port), served
from its own thread and event loop so sync tests (CLI) and async tests (their own loop) can both use it.

aiohttp's server life cycle (AppRunner, TCPSite, cleanup): https://docs.aiohttp.org/en/stable/web_advanced.html#application-runners
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Self

from aiohttp import web


class ThreadedApp:
    """Subclasses add their routes in :meth:`routes`; ``start()`` returns once the port is bound."""

    name = "fake"

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._lock = threading.Lock()

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def on_started(self) -> None:
        """Runs on the server's loop once it listens (e.g. to start background tasks)."""

    async def on_stopping(self) -> None:
        """Runs on the server's loop before the runner is cleaned up (e.g. to close open websockets)."""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        ready = threading.Event()

        async def serve() -> None:
            app = web.Application()
            self.routes(app)
            self._runner = web.AppRunner(app, access_log=None)
            await self._runner.setup()
            await web.TCPSite(self._runner, "127.0.0.1", 0).start()
            self.port = self._runner.addresses[0][1]
            await self.on_started()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(serve())
            ready.set()
            self._loop.run_forever()
            self._loop.close()

        self._thread = threading.Thread(target=run, name=self.name, daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError(f"{self.name} did not start")
        return self

    def stop(self) -> None:
        if self._loop is None or self._runner is None:
            return

        async def shutdown() -> None:
            await self.on_stopping()
            assert self._runner is not None
            await self._runner.cleanup()

        self.call(shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread:
            self._thread.join(10)

    def call(self, coroutine: Any, timeout: float = 10) -> Any:
        """Run ``coroutine`` on the server's loop from any other thread and return its result."""
        return self.submit(coroutine).result(timeout)

    def submit(self, coroutine: Any) -> Any:
        """Schedule ``coroutine`` on the server's loop; returns a concurrent.futures.Future."""
        assert self._loop is not None, f"{self.name} is not started"
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)
