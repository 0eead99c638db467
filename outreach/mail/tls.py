"""TLS for the mail servers: certificates and host names are always verified."""

from __future__ import annotations

import ssl
from pathlib import Path

from greenroom.errors import GreenroomError


def verified_context(ca_file: Path | None, error: type[GreenroomError], server: str) -> ssl.SSLContext:
    """The default verifying context; ``ca_file`` (``[smtp]``/``[imap] ca_file``) only says whom to trust,
    e.g. a private CA. An unreadable or invalid file raises ``error`` naming the ``server`` setting."""
    try:
        return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    except (OSError, ssl.SSLError) as problem:
        raise error(f"cannot use {server} ca_file {ca_file}: {problem}") from None
