"""Hostile paths: input that never ends, is not a file, or is a pipe, device, symlink or folder.

Reading (rundowns, campaigns) refuses anything but a regular file, naming it, and never reads past its
limit; writing (``--output``) follows a symlink to its target, writes into a pipe or open descriptor
without replacing it, and refuses a folder. No test here may wait on a pipe or read ``/dev/zero``: each
one finishes at once on correct code.
"""

from __future__ import annotations

import contextlib
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from greenroom.files import (
    PRIVATE_MODE,
    FileReadError,
    FileTooLargeError,
    FileWriteError,
    read_bytes_bounded,
    read_text_bounded,
    write_atomically,
)
from livekit.core import FakeClock, Rundown, Segment
from livekit.storage.shows import ShowStore

RUNDOWN_CSV = "# title: Weekly Q&A\ntitle,duration\nIntro,1:00\nOutro,0:30\n"


def _endless(folder: Path, name: str) -> Path:
    """A symlink named ``name`` to /dev/zero: a file that never ends."""
    link = folder / name
    link.symlink_to("/dev/zero")
    return link


def _fifo(folder: Path, name: str) -> Path:
    path = folder / name
    os.mkfifo(path)
    return path


def _refused_cleanly(outcome, *expected: str) -> None:
    assert outcome.exit_code != 0, outcome.output
    for text in expected:
        assert text in outcome.output
    assert "unexpected failure" not in outcome.output
    assert "Traceback" not in outcome.output


@contextlib.contextmanager
def _read_by_a_thread(fifo: Path) -> Iterator[list[bytes]]:
    """Read everything written into ``fifo`` in a thread; the list holds it once the block ends.

    A hard link to the FIFO lets the end of the block release the reader even when nothing ever opened the
    FIFO for writing (or its name was replaced), so the test ends instead of hanging."""
    keeper = fifo.with_name(fifo.name + ".keeper")
    os.link(fifo, keeper)
    received: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as pipe:  # waits for a writer
            received.append(pipe.read())

    reader = threading.Thread(target=read)
    reader.start()
    try:
        yield received
    finally:
        with contextlib.suppress(OSError):  # ENXIO: the reader already finished
            os.close(os.open(keeper, os.O_WRONLY | os.O_NONBLOCK))
        reader.join()


# --- the bounded reader ----------------------------------------------------------------------------------


def test_a_symlink_to_an_endless_device_is_refused_before_reading(tmp_path):
    with pytest.raises(FileReadError, match=r"zero\.yaml: is a device, not a rundown file"):
        read_bytes_bounded(_endless(tmp_path, "zero.yaml"), 1000, "rundown")


def test_a_fifo_without_a_writer_is_refused_instead_of_waiting(tmp_path):
    with pytest.raises(FileReadError, match=r"f\.yaml: is a named pipe \(FIFO\), not a campaign file"):
        read_bytes_bounded(_fifo(tmp_path, "f.yaml"), 1000, "campaign")


def test_a_folder_is_refused_naming_it(tmp_path):
    (tmp_path / "show.yaml").mkdir()
    with pytest.raises(FileReadError, match=r"show\.yaml: is a folder, not a rundown file"):
        read_bytes_bounded(tmp_path / "show.yaml", 1000, "rundown")


def test_a_missing_file_is_refused_naming_it(tmp_path):
    with pytest.raises(FileReadError, match=r"gone\.yaml: no such file"):
        read_bytes_bounded(tmp_path / "gone.yaml", 1000, "rundown")


def test_a_symlink_to_a_regular_file_is_read(tmp_path):
    (tmp_path / "real.yaml").write_bytes(b"title: T\n")
    (tmp_path / "link.yaml").symlink_to("real.yaml")
    assert read_bytes_bounded(tmp_path / "link.yaml", 1000, "rundown") == b"title: T\n"


def test_a_file_of_exactly_the_limit_is_read_and_one_byte_more_is_too_large(tmp_path):
    (tmp_path / "fits.yaml").write_bytes(b"x" * 10)
    (tmp_path / "over.yaml").write_bytes(b"x" * 11)
    assert read_bytes_bounded(tmp_path / "fits.yaml", 10, "rundown") == b"x" * 10
    with pytest.raises(FileTooLargeError, match=r"over\.yaml: the file is 11 bytes; the limit is 10") as caught:
        read_bytes_bounded(tmp_path / "over.yaml", 10, "rundown")
    assert caught.value.size == 11


def test_a_regular_file_that_says_it_is_empty_is_still_read_only_up_to_the_limit():
    # /proc files are regular files of size 0 that hold more: like a file growing while it is read.
    status = Path("/proc/self/status")
    assert stat.S_ISREG(status.stat().st_mode) and status.stat().st_size == 0
    with pytest.raises(FileTooLargeError, match="the file is over 10 bytes; the limit is 10") as caught:
        read_bytes_bounded(status, 10, "status")
    assert caught.value.size is None


def test_text_that_is_not_utf8_is_refused_with_its_line(tmp_path):
    (tmp_path / "c.yaml").write_bytes(b"name: a\nsubject: Caf\xe9\n")
    with pytest.raises(FileReadError, match=r"c\.yaml: line 2: not UTF-8 text"):
        read_text_bounded(tmp_path / "c.yaml", 1000, "campaign")


# --- endless and non-regular input through the CLIs -------------------------------------------------------


def test_check_refuses_a_rundown_that_never_ends(tmp_path, livekit_cli):
    outcome = livekit_cli("check", _endless(tmp_path, "z.yaml"), "--no-obs")
    _refused_cleanly(outcome, "z.yaml: is a device, not a rundown file")


def test_run_refuses_a_rundown_that_never_ends(tmp_path, livekit_cli):
    outcome = livekit_cli("run", _endless(tmp_path, "z.yaml"), "--no-obs", "--no-platforms", "--no-web")
    _refused_cleanly(outcome, "z.yaml: is a device, not a rundown file")


def test_rundown_import_refuses_a_csv_that_never_ends_and_writes_nothing(tmp_path, livekit_cli):
    outcome = livekit_cli("rundown", "import", _endless(tmp_path, "z.csv"), "--yaml", tmp_path / "o.yaml")
    _refused_cleanly(outcome, "z.csv: is a device, not a rundown file")
    assert not (tmp_path / "o.yaml").exists()


def test_check_refuses_a_fifo_rundown_instead_of_hanging(tmp_path, livekit_cli):
    outcome = livekit_cli("check", _fifo(tmp_path, "f.yaml"), "--no-obs")
    _refused_cleanly(outcome, "f.yaml: is a named pipe (FIFO), not a rundown file")


def test_check_reads_a_rundown_through_a_symlink(tmp_path, livekit_cli):
    (tmp_path / "real.csv").write_text(RUNDOWN_CSV)
    (tmp_path / "link.csv").symlink_to(tmp_path / "real.csv")
    outcome = livekit_cli("check", tmp_path / "link.csv", "--no-obs")
    assert outcome.exit_code == 0, outcome.output


def test_check_reports_a_rundown_over_the_size_limit_with_its_size(tmp_path, livekit_cli):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * 1_000_001)
    outcome = livekit_cli("check", big, "--no-obs")
    _refused_cleanly(outcome, "big.yaml: file is 1000001 bytes; rundowns are limited to 1000000")


def test_campaign_start_refuses_a_campaign_file_that_never_ends(tmp_path, outreach_cli):
    outcome = outreach_cli("campaign", "start", _endless(tmp_path, "z.yaml"), "--dry-run")
    _refused_cleanly(outcome, "z.yaml: is a device, not a campaign file")


def test_campaign_edit_refuses_a_campaign_file_that_never_ends(tmp_path, outreach_cli):
    outcome = outreach_cli("campaign", "edit", "foo", "--file", _endless(tmp_path, "z.yaml"), "--dry-run")
    _refused_cleanly(outcome, "z.yaml: is a device, not a campaign file")


def test_campaign_start_refuses_a_fifo_instead_of_hanging(tmp_path, outreach_cli):
    outcome = outreach_cli("campaign", "start", _fifo(tmp_path, "f.yaml"), "--dry-run")
    _refused_cleanly(outcome, "f.yaml: is a named pipe (FIFO), not a campaign file")


def test_campaign_start_refuses_a_file_over_the_byte_limit_naming_the_limit(tmp_path, outreach_cli):
    from outreach.campaigns.store import MAX_CAMPAIGN_BYTES

    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(MAX_CAMPAIGN_BYTES + 1)  # sparse: no disk used
    outcome = outreach_cli("campaign", "start", big, "--dry-run")
    _refused_cleanly(outcome, "big.yaml: the file is 4,000,001 bytes; a campaign is limited to 1,000,000 characters")


# --- writing onto symlinks, pipes, descriptors and folders -------------------------------------------------


def test_writing_onto_a_symlink_replaces_its_target_and_keeps_the_link(tmp_path):
    (tmp_path / "real.md").write_text("old")
    (tmp_path / "link.md").symlink_to("real.md")
    write_atomically(tmp_path / "link.md", "new")
    assert (tmp_path / "link.md").is_symlink()
    assert (tmp_path / "real.md").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.md", "real.md"]


def test_writing_onto_a_chain_of_symlinks_across_folders_writes_the_last_target(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "first").symlink_to("../b/second")
    (tmp_path / "b" / "second").symlink_to(tmp_path / "b" / "real.csv")
    write_atomically(tmp_path / "a" / "first", "x,y\n")
    assert (tmp_path / "b" / "real.csv").read_text() == "x,y\n"
    assert (tmp_path / "a" / "first").is_symlink() and (tmp_path / "b" / "second").is_symlink()


def test_writing_onto_a_dangling_symlink_creates_its_target(tmp_path):
    (tmp_path / "link.md").symlink_to("made.md")
    write_atomically(tmp_path / "link.md", "new")
    assert (tmp_path / "made.md").read_text() == "new"
    assert (tmp_path / "link.md").is_symlink()


def test_a_symlink_loop_is_a_clear_error(tmp_path):
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(FileWriteError, match=r"/a: cannot write: .*symbolic links"):
        write_atomically(tmp_path / "a", "x")


def test_a_private_write_through_a_symlink_makes_the_target_private(tmp_path):
    (tmp_path / "secrets.toml").write_text("old")
    (tmp_path / "secrets.toml").chmod(0o644)
    (tmp_path / "link.toml").symlink_to("secrets.toml")
    write_atomically(tmp_path / "link.toml", "new", mode=PRIVATE_MODE)
    assert stat.S_IMODE((tmp_path / "secrets.toml").stat().st_mode) == 0o600
    assert (tmp_path / "link.toml").is_symlink()


def test_writing_into_a_fifo_sends_the_data_to_its_reader_and_keeps_the_fifo(tmp_path):
    fifo = _fifo(tmp_path, "out")
    with _read_by_a_thread(fifo) as received:
        write_atomically(fifo, "# Show\n")
    assert received == [b"# Show\n"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_writing_into_an_open_descriptor_name_appends_like_a_shell_redirection(tmp_path):
    log = tmp_path / "log.md"
    log.write_text("before\n")
    descriptor = os.open(log, os.O_WRONLY | os.O_APPEND)  # as `>> log.md` leaves it for /dev/stdout
    try:
        inode = log.stat().st_ino
        write_atomically(f"/dev/fd/{descriptor}", "after\n")
    finally:
        os.close(descriptor)
    assert log.read_text() == "before\nafter\n"
    assert log.stat().st_ino == inode


def test_writing_into_a_pipe_descriptor_name_sends_the_data_down_the_pipe():
    read_end, write_end = os.pipe()
    try:
        write_atomically(f"/proc/self/fd/{write_end}", "a,b\n")
        os.close(write_end)
        write_end = -1
        with os.fdopen(read_end, "rb") as pipe:
            read_end = -1
            assert pipe.read() == b"a,b\n"
    finally:
        for end in (read_end, write_end):
            if end >= 0:
                os.close(end)


def test_a_private_file_is_never_written_into_a_fifo(tmp_path):
    fifo = _fifo(tmp_path, "secrets.toml")
    with pytest.raises(FileWriteError, match=r"secrets\.toml: is a named pipe \(FIFO\); a private file must be"):
        write_atomically(fifo, "token = 1\n", mode=PRIVATE_MODE)
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_writing_onto_a_folder_is_a_clear_error(tmp_path):
    (tmp_path / "reports").mkdir()
    with pytest.raises(FileWriteError, match=r"reports: is a folder, not a file to write"):
        write_atomically(tmp_path / "reports", "x")
    assert (tmp_path / "reports").is_dir()


def test_writing_onto_the_current_folder_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileWriteError, match=r"^\.: is a folder, not a file to write"):
        write_atomically(".", "x")


@pytest.fixture
def show_id(workspace) -> int:
    store = ShowStore(workspace.database(), FakeClock())
    return store.create_show(Rundown("Weekly Q&A", (Segment("Intro", 60_000),)))


def test_report_output_into_a_fifo_is_read_by_its_reader_and_the_fifo_stays(tmp_path, livekit_cli, show_id):
    fifo = _fifo(tmp_path, "report.md")
    with _read_by_a_thread(fifo) as received:
        outcome = livekit_cli("report", show_id, "--format", "md", "-o", fifo)
    assert outcome.exit_code == 0, outcome.output
    assert received[0].startswith(b"# Weekly Q&A\n")
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_report_output_onto_a_symlink_writes_its_target_and_keeps_the_link(tmp_path, livekit_cli, show_id):
    (tmp_path / "real.md").write_text("old")
    (tmp_path / "link.md").symlink_to(tmp_path / "real.md")
    outcome = livekit_cli("report", show_id, "--format", "md", "-o", tmp_path / "link.md")
    assert outcome.exit_code == 0, outcome.output
    assert (tmp_path / "link.md").is_symlink()
    assert (tmp_path / "real.md").read_text().startswith("# Weekly Q&A\n")


def test_greenroom_report_output_onto_a_symlink_writes_its_target(tmp_path, greenroom_cli):
    (tmp_path / "real.md").write_text("old")
    (tmp_path / "link.md").symlink_to(tmp_path / "real.md")
    outcome = greenroom_cli("report", "--format", "md", "--output", tmp_path / "link.md")
    assert outcome.exit_code == 0, outcome.output
    assert (tmp_path / "link.md").is_symlink()
    assert (tmp_path / "real.md").read_text() != "old"


def test_rundown_import_onto_the_current_folder_is_a_clear_error(tmp_path, livekit_cli, monkeypatch):
    (tmp_path / "c.csv").write_text(RUNDOWN_CSV)
    monkeypatch.chdir(tmp_path)
    outcome = livekit_cli("rundown", "import", "c.csv", "--yaml", ".", "--force")
    _refused_cleanly(outcome, ".: is a folder, not a file to write")
