"""Who may talk to the control room: the bearer token, same-origin checks, headers, a log without secrets."""

from __future__ import annotations

import hmac
import ipaddress
import logging
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def token_matches(expected: str, offered: str | None) -> bool:
    """Constant-time comparison, so response timing does not leak how much of a guess was right."""
    if not offered:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), offered.encode("utf-8"))


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


class OriginPolicy:
    """Refuses requests a browser page from another site could make (CSRF, cross-site websockets).

    The ``Host`` header must be a loopback name, an IP address, or a host named in ``allowed_hosts``:
    DNS rebinding needs a domain name, so this keeps a hostile page from reaching the control room
    through its own domain. When a browser sends ``Origin`` it must be this server's own origin or
    ``allow_origin``. Clients that send no ``Origin`` (curl, Stream Deck, Companion) are not browsers
    pages and are judged by the token alone.
    """

    def __init__(self, allow_origin: str | None = None, allowed_hosts: Iterable[str] = ()) -> None:
        self.allow_origin = allow_origin.rstrip("/") if allow_origin else None
        self.allowed_hosts = {host.lower() for host in allowed_hosts}
        if self.allow_origin:
            allowed = urlsplit(self.allow_origin).hostname
            if allowed:
                self.allowed_hosts.add(allowed.lower())

    def host_allowed(self, request: web.Request) -> bool:
        host = request.headers.get("Host", "")
        name = urlsplit(f"//{host}").hostname if host else None
        if not name:
            return False
        name = name.lower()
        if name in LOOPBACK_NAMES or name in self.allowed_hosts:
            return True
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return False
        return True

    def origin_allowed(self, request: web.Request) -> bool:
        origin = request.headers.get("Origin")
        if origin is None:
            return True
        origin = origin.rstrip("/")
        own = {f"http://{request.host}", f"https://{request.host}"}
        return origin in own or (self.allow_origin is not None and origin == self.allow_origin)


#: A host name or IP address (IPv6 in brackets) and an optional port: nothing that could end a CSP directive.
_PLAIN_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?")


def content_security_policy(request: web.Request) -> str:
    """Scripts and styles only from our own files (no inline code), websockets only back to us.

    The websocket origin is the request's ``Host`` only when it is a plain host name: the header comes
    from the client, and one carrying ``;`` or spaces would otherwise write its own policy (the 403 for
    a refused host still gets these headers).
    """
    host = request.headers.get("Host", "")
    sockets = f" ws://{host} wss://{host}" if _PLAIN_HOST.fullmatch(host) else ""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self'{sockets}; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("Content-Security-Policy", content_security_policy(request))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Cache-Control", "no-store")


class PathOnlyAccessLogger(AbstractAccessLogger):
    """Access log with method, path and status only: query strings and headers (tokens) never logged."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            '%s "%s %s" %s %.1fms', request.remote, request.method, request.path, response.status, time * 1000
        )


access_logger = logging.getLogger("livekit.web.access")
