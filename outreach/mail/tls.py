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


def certificate_hint(problem: BaseException, section: str) -> str:
    """A hint to append when ``problem`` is a failed certificate check (empty otherwise): the usual cause is
    a server signed by a private CA, which ``ca_file`` answers."""
    if isinstance(problem, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(problem):
        return (f" (the server's certificate is not trusted: for a private CA or a self-signed server, set "
                f"[{section}] ca_file = \"/path/to/ca.pem\" in greenroom.toml)")
    return ""
