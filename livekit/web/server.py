"""Serving the control room app: loopback by default, an access log that never shows query strings."""

from __future__ import annotations

from aiohttp import web

from greenroom.http_server import DEFAULT_HOST, ConnectionLimits, ServedApp
from greenroom.http_server import serve as serve_app
from livekit.web.security import PathOnlyAccessLogger, access_logger

__all__ = ["DEFAULT_HOST", "ConnectionLimits", "ServedApp", "serve"]


async def serve(
    app: web.Application, host: str = DEFAULT_HOST, port: int = 8787, *, limits: ConnectionLimits | None = None
) -> ServedApp:
    """Start serving the control room on the running loop and return at once; call ``close()`` to stop.

    ``limits`` bounds slow clients and open connections (default :class:`ConnectionLimits`)."""
    return await serve_app(app, host, port, limits=limits, access_log_class=PathOnlyAccessLogger,
                           access_log=access_logger)
