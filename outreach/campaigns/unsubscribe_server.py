"""`outreach unsubscribe serve`: the receiving end of the one-click links (RFC 8058).

A mail provider's "Unsubscribe" button POSTs ``List-Unsubscribe=One-Click`` to the link of the
``List-Unsubscribe`` header; a person clicking the link in the footer arrives with a GET. Only a POST
unsubscribes: mail security scanners follow every link in a message with GET, and must not unsubscribe
the reader by doing so. The GET shows a small page with a button that makes that POST.

The link's token (:mod:`outreach.core.unsubscribe_token`) names the email and is signed with the
workspace key, so a forged or altered link changes nothing (400), and a genuine one for an email this
workspace no longer knows gets 404. Unsubscribing twice answers 200 both times.

The server speaks plain HTTP on loopback by default; the public HTTPS address (``[outreach]
unsubscribe_url``) is a reverse proxy's job (README, "One-click unsubscribe"). It writes no access log:
query strings carry tokens. Each request touches the database for a millisecond or two, in the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import sqlite_utils
from aiohttp import web

from greenroom.http_server import DEFAULT_HOST, ConnectionLimits, ServedApp, serve
from outreach.campaigns.unsubscribe import ONE_CLICK_REASON, find_sent_email, suppress_recipient
from outreach.core.unsubscribe_token import MAX_TOKEN_LENGTH, verify

DEFAULT_PORT = 8788
#: Largest request body read: the one-click body is 26 bytes; a form POST adds a few headers at most.
MAX_BODY_BYTES = 8 * 1024
_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the token is in the page's URL
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
}
_STYLE = "body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}" \
         "button{font:inherit;padding:.5rem 1.25rem}"


@dataclass(frozen=True)
class UnsubscribeService:
    """What the handlers need: the database, the key, the clock, and where to report an unsubscribe."""

    db: sqlite_utils.Database
    key: bytes
    clock: Callable[[], datetime]
    report: Callable[[str], None] = lambda line: None


def _page(status: int, title: str, body_html: str) -> web.Response:
    text = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
        f'content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body_html}</body></html>"
    )
    return web.Response(status=status, text=text, content_type="text/html", charset="utf-8", headers=_HEADERS)


_INVALID = (400, "This unsubscribe link is not valid",
            "<p>It may have been cut or changed. Reply &quot;unsubscribe&quot; to the email instead.</p>")
_UNKNOWN = (404, "Email not found",
            "<p>We no longer know this email. Reply &quot;unsubscribe&quot; to it instead.</p>")


def create_app(service: UnsubscribeService, paths: tuple[str, ...] = ("/",)) -> web.Application:
    """The app answering GET (a confirm page) and POST (unsubscribe) on each of ``paths``."""
    app = web.Application(client_max_size=MAX_BODY_BYTES)

    async def handle(request: web.Request) -> web.Response:
        token = request.query.get("t", "")
        message_id = verify(service.key, token) if len(token) <= MAX_TOKEN_LENGTH else None
        if message_id is None:
            return _page(*_INVALID)
        email = find_sent_email(service.db, message_id)
        if email is None:
            return _page(*_UNKNOWN)
        if request.method != "POST":
            action = html.escape(f"?{request.query_string}", quote=True)
            return _page(200, "Unsubscribe?", (
                f"<p>Stop all emails from {html.escape(email.sender_address)} to "
                f"<strong>{html.escape(email.to_address)}</strong>?</p>"
                f'<form method="post" action="{action}">'
                '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
                "<button type=\"submit\">Unsubscribe</button></form>"
            ))
        form = await request.post()
        if form.get("List-Unsubscribe") != "One-Click":
            return _page(400, "Not an unsubscribe request",
                         "<p>The request must carry List-Unsubscribe=One-Click (RFC 8058).</p>")
        sent, added = suppress_recipient(service.db, message_id, ONE_CLICK_REASON, "one-click", service.clock())
        if added:
            service.report(f"unsubscribed {sent.to_address} (one-click, email {sent.message_id})")
        return _page(200, "You are unsubscribed",
                     f"<p>{html.escape(sent.to_address)} will not receive any more emails from "
                     f"{html.escape(sent.sender_address)}.</p>")

    for path in dict.fromkeys(paths):
        app.router.add_route("GET", path, handle)
        app.router.add_route("POST", path, handle)
    return app


async def start(
    app: web.Application, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *,
    limits: ConnectionLimits | None = None,
) -> ServedApp:
    """Listen on ``host:port`` on the running loop and return at once (no access log: tokens).

    ``limits`` bounds slow clients and open connections (default :class:`ConnectionLimits`)."""
    return await serve(app, host, port, limits=limits, access_log=None)


async def serve_until_stopped(
    service: UnsubscribeService, unsubscribe_url: str, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
    echo: Callable[[str], None] = print,
) -> None:
    """Serve until SIGTERM or SIGINT, then close the listening socket and return (exit status 0).

    Answers on the path of ``unsubscribe_url`` (a proxy that keeps the path) and on ``/`` (one that
    strips it). Needs no terminal: everything it says is one line each, for a service's log.
    """
    path = urlsplit(unsubscribe_url).path or "/"
    server = await start(create_app(service, (path, "/")), host, port)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    handled = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stopping.set)
            handled.append(signum)
    try:
        echo(f"Unsubscribe server on {server.url}{path} (public address {unsubscribe_url}); stop with Ctrl+C")
        await stopping.wait()
    finally:
        for signum in handled:
            loop.remove_signal_handler(signum)
        await server.close()
    echo("Unsubscribe server stopped")
