"""Serving the control room app: loopback by default, an access log that never shows query strings."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from livekit.web.security import PathOnlyAccessLogger, access_logger

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
        """Close every websocket (pages show 'disconnected'), then stop listening."""
        await self.runner.cleanup()


async def serve(app: web.Application, host: str = DEFAULT_HOST, port: int = 8787) -> ServedApp:
    """Start serving ``app`` on the running loop and return at once; call ``close()`` to stop."""
    runner = web.AppRunner(
        app,
        access_log_class=PathOnlyAccessLogger,
        access_log=access_logger,
        handle_signals=False,
        shutdown_timeout=1.0,
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    sockets = runner.addresses
    actual_port = sockets[0][1] if sockets else port
    return ServedApp(runner, host, actual_port)
