"""Serving an aiohttp app from the running loop, loopback by default: the one way both tools listen.

The control room (livekit) and the one-click unsubscribe endpoint (outreach) differ only in their access
log (a path-only log, or none because tokens travel in the query string), so that is the one option.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

DEFAULT_HOST = "127.0.0.1"


@dataclass
class ServedApp:
    """A running server; ``port`` is the real one when 0 was asked for."""

    runner: web.AppRunner
    host: str
    port: int

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def close(self) -> None:
        """Close open connections (websockets get the app's shutdown handlers), then stop listening."""
        await self.runner.cleanup()


async def serve(app: web.Application, host: str, port: int, **access_log: Any) -> ServedApp:
    """Start serving ``app`` on the running loop and return at once; call ``close()`` to stop.

    ``access_log`` goes to aiohttp's ``AppRunner`` (``access_log=None`` for none, or a logger and its
    ``access_log_class``). Signals stay with the caller's loop, which shuts down in its own order."""
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0, **access_log)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    addresses = runner.addresses
    return ServedApp(runner, host, addresses[0][1] if addresses else port)
