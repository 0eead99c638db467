"""Writing a file so that nobody ever sees it half-written: the one atomic write of the project.

Reports, exports, rundowns, token files, the secrets file and ``.eml`` messages are all read by other
programs (a spreadsheet, a mail client, the next ``livekit run``), sometimes while we write them, and a
crash or a full disk must never leave a truncated file where a good one was. So every file is written to
a temporary file in the SAME folder (a rename is only atomic within one file system), flushed to disk
(``fsync``), then renamed over the target with ``os.replace``. Readers see the old file or the new one,
never a mix; on any failure the temporary file is removed and the old file is left as it was.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from greenroom.errors import GreenroomError

#: Mode for files only their owner may read (secrets, tokens).
PRIVATE_MODE = 0o600


class FileWriteError(GreenroomError):
    """A file could not be written (full disk, no permission, missing folder); the old file is unchanged."""


def write_atomically(path: str | Path, data: str | bytes, *, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` (text is written as UTF-8, newlines untouched) in one atomic step.

    ``mode`` (e.g. :data:`PRIVATE_MODE`) is the exact permission of the new file, set before any byte is
    written, so a secret is never readable by others even for an instant. Without it the file gets the
    usual permissions for a new file (0666 less the umask). Raises :class:`FileWriteError`.
    """
    path = Path(path)
    content = data.encode("utf-8") if isinstance(data, str) else data
    # A random name: two writers of the same file never share (or delete) each other's temporary file.
    temporary = path.with_name(f".{path.name}.{os.urandom(4).hex()}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else mode)
        try:
            if mode is not None:
                os.fchmod(descriptor, mode)  # the umask may have taken bits away; the caller asked for these
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
    except OSError as error:
        raise FileWriteError(f"{path}: cannot write: {error.strerror or error}") from None
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself survive a power cut (best effort: not every system can open a folder)."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
