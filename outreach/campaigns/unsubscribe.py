"""The workspace's unsubscribe key, and suppressing the recipient of one sent email.

The key signs every one-click link (:mod:`outreach.core.unsubscribe_token`). It is made once, on first
need, as ``tokens/unsubscribe-key`` (mode 0600, 32 random bytes in hex) and never changes by itself:
replacing it makes the links in every email already sent invalid. ``[unsubscribe] key`` in secrets.toml
or ``$OUTREACH_UNSUBSCRIBE_KEY`` take precedence, for a server on another machine than the sender.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from greenroom.errors import GreenroomError, SecretsError
from greenroom.secrets import require_private, write_private_file
from greenroom.workspace import Workspace
from outreach.core.unsubscribe_token import KEY_BYTES, bare_message_id

KEY_FILE = "tokens/unsubscribe-key"
KEY_ENV = "OUTREACH_UNSUBSCRIBE_KEY"
#: The suppression reason of a one-click unsubscribe (shown by `outreach suppress list`).
ONE_CLICK_REASON = "one-click unsubscribe"


def unsubscribe_key(workspace: Workspace) -> bytes:
    """The workspace's unsubscribe key, created on first use (two processes racing agree on one key)."""
    configured = workspace.secrets.get("unsubscribe", "key", env=KEY_ENV)
    if configured:
        return configured.strip().encode("utf-8")
    path = workspace.path(KEY_FILE)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
        candidate = path.with_name(f".{path.name}.{secrets.token_hex(4)}.new")
        write_private_file(candidate, secrets.token_hex(KEY_BYTES) + "\n")
        try:
            os.link(candidate, path)  # atomic create-if-absent: a key another process made first wins
        except FileExistsError:
            pass
        finally:
            with contextlib.suppress(OSError):
                candidate.unlink()
    require_private(path)
    key = path.read_text(encoding="utf-8").strip()
    if not key:
        raise SecretsError(f"{path} is empty: delete it to make a new unsubscribe key (links already sent stop working)")
    return key.encode("utf-8")


@dataclass(frozen=True)
class SentEmail:
    """The outbox row an unsubscribe token or Message-ID names."""

    outbox_id: int
    message_id: str
    to_address: str
    sender_address: str
    subject: str


def find_sent_email(db: sqlite_utils.Database, message_id: str) -> SentEmail | None:
    """The outbox row with this Message-ID (angle brackets optional), or None."""
    found = db.execute(
        "SELECT id, message_id, to_address, sender_address, subject FROM outbox WHERE message_id = ? "
        "ORDER BY id LIMIT 1",
        [f"<{bare_message_id(message_id)}>"],
    ).fetchone()
    return SentEmail(*found) if found else None


def suppress_recipient(
    db: sqlite_utils.Database, message_id: str, reason: str, source: str, now: datetime,
) -> tuple[SentEmail, bool]:
    """Suppress whoever the email with ``message_id`` went to; also returns whether they were new on the
    list (False: already suppressed, nothing changed). Raises when no such email was ever queued."""
    from outreach.campaigns.store import suppress  # Jinja2 loads only when needed, not for settings

    email = find_sent_email(db, message_id)
    if email is None:
        raise GreenroomError(f"no email with Message-ID <{bare_message_id(message_id)}> in the outbox")
    return email, suppress(db, email.to_address, reason, source, now)
