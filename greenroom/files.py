"""Reading and writing users' files safely: bounded reads of regular files, and the one atomic write.

Reading: a rundown or campaign path may name anything, a symlink to ``/dev/zero``, a FIFO nobody writes
to, a folder, a file that grows while it is read. :func:`read_bytes_bounded` refuses whatever is not a
regular file (after following symlinks) before reading a byte, and never reads more than ``limit + 1``
bytes, so a file that lies about its size is bounded too.

Writing: reports, exports, rundowns, token files, the secrets file and ``.eml`` messages are all read by
other programs (a spreadsheet, a mail client, the next ``livekit run``), sometimes while we write them,
and a crash or a full disk must never leave a truncated file where a good one was. So every regular file
is written to a temporary file in the SAME folder (a rename is only atomic within one file system),
flushed to disk (``fsync``), then renamed over the target with ``os.replace``. Readers see the old file or
the new one, never a mix; on any failure the temporary file is removed and the old file is left as it was.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from greenroom.errors import GreenroomError

#: Mode for files only their owner may read (secrets, tokens).
PRIVATE_MODE = 0o600
#: More symlinks in a row than this is a loop (the kernel's own limit is 40).
_MAX_LINKS = 40
_READ_CHUNK = 64 * 1024


class FileWriteError(GreenroomError):
    """A file could not be written (full disk, no permission, missing folder); the old file is unchanged."""


class FileReadError(GreenroomError):
    """A file could not be read: missing, unreadable, or not a regular file. ``problem`` is the message
    without the file name, for callers that list problems as ``file: problem``."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class FileTooLargeError(FileReadError):
    """A file longer than the caller's limit. ``size`` is its length when known from the file system;
    None when it claimed to fit but more bytes came (it grew while read, or lies about its size)."""

    def __init__(self, path: Path, limit: int, size: int | None) -> None:
        #: How long the file is, as messages say it: "4,000,001 bytes", or "over 1,000,000 bytes".
        self.length = f"{size:,} bytes" if size is not None else f"over {limit:,} bytes"
        super().__init__(path, f"the file is {self.length}; the limit is {limit:,}")
        self.limit = limit
        self.size = size


def _kind(mode: int) -> str:
    """What a non-regular file is, in the words of a user."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def read_bytes_bounded(path: str | Path, limit: int, what: str) -> bytes:
    """The bytes of the regular file ``path`` (a symlink to one is fine), at most ``limit`` of them.

    Raises :class:`FileReadError` naming the file for a missing or unreadable file and for anything that
    is not a regular file ("is a named pipe (FIFO), not a rundown file", ``what`` being "rundown"): a
    device such as ``/dev/zero`` never ends, and a FIFO with no writer would wait forever. Raises
    :class:`FileTooLargeError` when the file has more than ``limit`` bytes, judged by its size and again
    by reading at most ``limit + 1`` bytes.
    """
    path = Path(path)
    try:
        # stat first: a device or FIFO is refused without even opening it (opening one can block or act).
        found = os.stat(path)
        if not stat.S_ISREG(found.st_mode):
            raise FileReadError(path, f"is {_kind(found.st_mode)}, not a {what} file")
        # O_NONBLOCK: should the name have become a FIFO since the stat, opening it still returns at once.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(descriptor, "rb", buffering=0) as handle:
            opened = os.fstat(handle.fileno())
            if not stat.S_ISREG(opened.st_mode):
                raise FileReadError(path, f"is {_kind(opened.st_mode)}, not a {what} file")
            if opened.st_size > limit:
                raise FileTooLargeError(path, limit, opened.st_size)
            chunks: list[bytes] = []
            received = 0
            while received <= limit:
                chunk = handle.read(min(_READ_CHUNK, limit + 1 - received))
                if not chunk:
                    break
                chunks.append(chunk)
                received += len(chunk)
    except FileNotFoundError:
        raise FileReadError(path, "no such file") from None
    except OSError as error:
        raise FileReadError(path, f"cannot read: {error.strerror or error}") from None
    if received > limit:
        raise FileTooLargeError(path, limit, None)
    return b"".join(chunks)


def read_text_bounded(path: str | Path, limit: int, what: str, encoding: str = "utf-8") -> str:
    """:func:`read_bytes_bounded` decoded; text that is not ``encoding`` is a :class:`FileReadError`
    naming the line where it goes wrong."""
    raw = read_bytes_bounded(path, limit, what)
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise FileReadError(Path(path), f"line {line}: not {encoding.upper()} text") from None


def write_atomically(path: str | Path, data: str | bytes, *, mode: int | None = None) -> None:
    """Write ``data`` (text is written as UTF-8, newlines untouched) to ``path``, a regular file in one
    atomic step.

    What ``path`` names decides how, as a user of a shell expects from ``> path``:

    - a regular file, or none yet: replaced atomically as described in the module docstring;
    - a symlink: followed, and its target is replaced atomically; the link stays a link to it;
    - a named pipe (FIFO), a terminal or another character device, or ``/dev/stdout`` and other names
      of a file descriptor that is already open (``/dev/fd/N``, ``/proc/PID/fd/N``): written straight
      into, appending, without replacing it. Replacing would turn the pipe or device into a regular file
      that nobody reads, and report success; what a shell user means by ``-o /tmp/fifo`` or
      ``-o /dev/stdout`` is that the data goes to whoever reads it. Nothing to be atomic about there:
      there is no old file to keep;
    - a folder, a socket or a block device (a disk: a report written over it is never what was meant):
      a :class:`FileWriteError` naming it.

    ``mode`` (e.g. :data:`PRIVATE_MODE`) is the exact permission of the new file, set before any byte is
    written, so a secret is never readable by others even for an instant; such a file must be a regular
    one (a secret is never written into a pipe or device). Without it the file gets the usual
    permissions for a new file (0666 less the umask). Raises :class:`FileWriteError`.
    """
    path = Path(path)
    content = data.encode("utf-8") if isinstance(data, str) else data
    target, names_open_descriptor = _follow_links(path)
    try:
        found: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        found = None
    except OSError as error:
        raise FileWriteError(f"{path}: cannot write: {error.strerror or error}") from None
    if found is None or (stat.S_ISREG(found.st_mode) and not names_open_descriptor):
        _replace_atomically(path, target, content, mode)
        return
    if stat.S_ISDIR(found.st_mode) or stat.S_ISSOCK(found.st_mode) or stat.S_ISBLK(found.st_mode):
        raise FileWriteError(f"{path}: is {_kind(found.st_mode)}, not a file to write")
    if mode is not None:
        raise FileWriteError(f"{path}: is {_kind(found.st_mode)}; a private file must be a regular file")
    _write_into(path, target, content)


def _follow_links(path: Path) -> tuple[Path, bool]:
    """``path`` with its folders and every symlink of its last part resolved, and whether the way there
    reached ``/proc`` (``/dev/stdout`` -> ``/proc/self/fd/1``: an open file descriptor, whose link text is
    not a path to replace, e.g. ``pipe:[1234]``; the ``/proc`` name itself is returned then)."""
    current = path
    for _ in range(_MAX_LINKS):
        folder = Path(os.path.realpath(current.parent))
        current = folder / current.name
        if folder.parts[1:2] == ("proc",):
            return current, True  # the kernel follows these itself; their link text may name no file
        if not current.is_symlink():
            return current, False
        current = folder / os.readlink(current)  # an absolute link text replaces the folder
    raise FileWriteError(f"{path}: cannot write: too many levels of symbolic links")


def _write_into(path: Path, target: Path, content: bytes) -> None:
    """Write into an existing pipe, device or open descriptor without replacing it (see write_atomically)."""
    try:
        # No O_CREAT: it exists; no O_TRUNC: a descriptor opened by the shell with >> keeps what it had.
        descriptor = os.open(target, os.O_WRONLY | os.O_APPEND | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
    except OSError as error:
        raise FileWriteError(f"{path}: cannot write: {error.strerror or error}") from None


def _replace_atomically(path: Path, target: Path, content: bytes, mode: int | None) -> None:
    """Write ``target`` (``path`` with links followed) through a temporary file renamed over it."""
    # A random name: two writers of the same file never share (or delete) each other's temporary file.
    temporary = target.with_name(f".{target.name}.{os.urandom(4).hex()}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else mode)
        try:
            if mode is not None:
                os.fchmod(descriptor, mode)  # the umask may have taken bits away; the caller asked for these
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
    except OSError as error:
        raise FileWriteError(f"{path}: cannot write: {error.strerror or error}") from None
    _sync_folder(target.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself survive a power cut (best effort: not every system can open a folder)."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
