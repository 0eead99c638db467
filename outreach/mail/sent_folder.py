"""Copying sent emails into the sender's IMAP Sent folder, so the user's own mail client shows our message
above the influencer's reply.

SMTP delivers; it does not file a copy. The Sent folder is the one the server flags ``\\Sent`` (RFC 6154
special-use, which Gmail, Microsoft 365, Fastmail and Dovecot all report, whatever the folder is called in
the user's language), else ``[imap] sent_folder``. Each copy is an APPEND of exactly the bytes that were
delivered, flagged ``\\Seen``, dated when it was sent.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from outreach.mail.inbox import ImapReader, InboxError

_LIST_LINE = re.compile(rb'^\((?P<flags>[^)]*)\)\s+(?:NIL|"(?:[^"\\]|\\.)*")\s+(?P<name>.*)$', re.IGNORECASE)


class SentFolderError(InboxError):
    """No Sent folder could be found, or the server refused the copy."""


@dataclass(frozen=True)
class SentCopy:
    """One delivered email to file: its outbox id, the exact bytes sent, and when."""

    outbox_id: int
    raw: bytes
    sent_at: datetime


def _unquote(name: bytes) -> bytes:
    name = name.strip()
    if len(name) >= 2 and name.startswith(b'"') and name.endswith(b'"'):
        return re.sub(rb"\\(.)", rb"\1", name[1:-1])
    return name


def special_use_folder(list_lines: Iterable[bytes | tuple[bytes, bytes] | None], flag: bytes = b"\\Sent") -> str | None:
    """The mailbox name (as the server spells it, modified UTF-7) whose LIST line carries ``flag``."""
    for line in list_lines:
        if line is None:
            continue
        if isinstance(line, tuple):  # the name came as a literal: (b'(\\Sent) "/" {10}', b'Sent Items')
            head, name = line[0], line[1]
            match = _LIST_LINE.match(head)
        else:
            match = _LIST_LINE.match(line)
            name = match.group("name") if match else b""
        if match and flag.lower() in match.group("flags").lower().split():
            return _unquote(name).decode("ascii", "replace")
    return None


def _quoted(name: str) -> str:
    """A mailbox name as an IMAP quoted string (imaplib sends arguments as they are)."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class SentFolder:
    """Blocking IMAP APPENDs into the Sent folder; call from one worker thread only."""

    def __init__(self, reader: ImapReader, configured_folder: str | None = None) -> None:
        self.reader = reader
        self.configured_folder = configured_folder

    def find(self, client: imaplib.IMAP4) -> str:
        """The ``\\Sent`` folder, asking with ``LIST (SPECIAL-USE)`` when plain LIST does not say."""
        status, lines = client.list()
        found = special_use_folder(lines) if status == "OK" else None
        if found is None and "SPECIAL-USE" in client.capabilities:
            with contextlib.suppress(imaplib.IMAP4.error):
                client.xatom("LIST", "(SPECIAL-USE)", '""', '"*"')
                found = special_use_folder(client.response("LIST")[1])
        if found is None:
            found = self.configured_folder
        if not found:
            raise SentFolderError(
                f"no Sent folder on {self.reader.host}: the server flags none \\Sent (RFC 6154); "
                "set [imap] sent_folder to the folder's name"
            )
        return found

    def append(self, copies: list[SentCopy]) -> dict[int, str | None]:
        """APPEND each copy over one connection: outbox id → None when filed, else why not. A copy missing
        from the answer was not tried (the connection broke before it). Raises :class:`SentFolderError`
        (or :class:`InboxError`) when nothing could be tried at all."""
        client = self.reader.connect()
        try:
            folder = self.find(client)
            results: dict[int, str | None] = {}
            for copy in copies:
                try:
                    status, data = client.append(_quoted(folder), r"(\Seen)",
                                                 imaplib.Time2Internaldate(copy.sent_at), copy.raw)
                except (imaplib.IMAP4.abort, OSError) as error:
                    results[copy.outbox_id] = f"IMAP connection lost during APPEND to {folder}: {error}"
                    break
                except imaplib.IMAP4.error as error:
                    results[copy.outbox_id] = f"APPEND to {folder} refused: {error}"
                    continue
                words = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
                results[copy.outbox_id] = None if status == "OK" else f"APPEND to {folder}: {status} {words}"
            return results
        except (imaplib.IMAP4.abort, OSError) as error:
            raise SentFolderError(f"IMAP connection to {self.reader.host} lost: {error}") from None
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                client.logout()
