"""Signed one-click unsubscribe tokens: who may unsubscribe whom is decided by a workspace secret.

A link that carried the bare Message-ID let anyone who saw (or guessed) one unsubscribe someone else. The
token is the Message-ID (without its angle brackets) and an HMAC-SHA256 of it under the workspace's
unsubscribe key, both base64url without padding, joined by a dot: ``<id>.<mac>``. It is safe in a URL query
as it is, names the outbox row it stands for (the server needs no table of issued tokens), and cannot be
made for another message without the key. Verification compares in constant time.

Pure: the key is passed in (``outreach.campaigns.unsubscribe`` reads or creates it).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

#: Bytes of a freshly made key (the HMAC-SHA256 block is 64; 32 random bytes are already unguessable).
KEY_BYTES = 32
#: Longest token accepted: a Message-ID is at most a few hundred characters; anything longer is not ours.
MAX_TOKEN_LENGTH = 1024
_PURPOSE = b"greenroom one-click unsubscribe v1\x00"


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    if not text.isascii():
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, message_id: str) -> bytes:
    return hmac.new(key, _PURPOSE + message_id.encode("utf-8"), hashlib.sha256).digest()


def bare_message_id(message_id: str) -> str:
    """``<abc@host>`` → ``abc@host``: the form that is signed, so both spellings give the same token."""
    return message_id.strip().strip("<>")


def sign(key: bytes, message_id: str) -> str:
    """The URL-safe token for the email with this Message-ID."""
    if not key:
        raise ValueError("an unsubscribe key must not be empty")
    bare = bare_message_id(message_id)
    return f"{_encode(bare.encode('utf-8'))}.{_encode(_mac(key, bare))}"


def verify(key: bytes, token: str) -> str | None:
    """The Message-ID (with angle brackets, as stored in the outbox) the token was made for, or None when
    it is malformed, too long, or was not signed with ``key``."""
    if not key or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    encoded_id, dot, encoded_mac = token.partition(".")
    if not dot:
        return None
    try:
        bare = _decode(encoded_id).decode("utf-8")
        mac = _decode(encoded_mac)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not hmac.compare_digest(mac, _mac(key, bare)):
        return None
    return f"<{bare}>"
