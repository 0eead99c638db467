"""The one atomic write: readers see the old file or the new one, never half; secrets are private from birth."""

import os
import resource
import signal
import stat

import pytest

from greenroom.files import PRIVATE_MODE, FileWriteError, write_atomically


def _leftovers(folder):
    return sorted(path.name for path in folder.iterdir() if path.name.endswith(".tmp"))


def test_text_is_written_as_utf8_with_its_newlines_untouched(tmp_path):
    target = tmp_path / "report.csv"
    write_atomically(target, "a,b\r\nÉcole,1\n")
    assert target.read_bytes() == "a,b\r\nÉcole,1\n".encode()


def test_bytes_replace_an_existing_file_whole(tmp_path):
    target = tmp_path / "chart.png"
    target.write_bytes(b"old chart")
    write_atomically(target, b"\x89PNG new")
    assert target.read_bytes() == b"\x89PNG new"
    assert _leftovers(tmp_path) == []


def test_a_reader_holding_the_old_file_keeps_reading_the_old_content(tmp_path):
    target = tmp_path / "rundown.yaml"
    target.write_text("old: true\n")
    with target.open() as reader:
        write_atomically(target, "new: true\n")
        assert reader.read() == "old: true\n"
    assert target.read_text() == "new: true\n"


def test_a_write_interrupted_by_a_full_disk_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "export.csv"
    target.write_text("the good export\n")
    # The file-size limit makes the kernel refuse the write half-way, as a full disk would.
    previous_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, hard))
    try:
        with pytest.raises(FileWriteError, match="export.csv: cannot write"):
            write_atomically(target, "x" * 100_000)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous_handler)
    assert target.read_text() == "the good export\n"
    assert _leftovers(tmp_path) == []


def test_a_missing_folder_is_one_clear_error(tmp_path):
    with pytest.raises(FileWriteError, match=r"nowhere/x\.json: cannot write: No such file or directory"):
        write_atomically(tmp_path / "nowhere" / "x.json", "{}")


def test_a_private_file_is_0600_even_under_a_permissive_umask(tmp_path):
    target = tmp_path / "secrets.toml"
    old_umask = os.umask(0)
    try:
        write_atomically(target, 'token = "s3cret"\n', mode=PRIVATE_MODE)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_private_write_makes_a_readable_file_private(tmp_path):
    target = tmp_path / "token"
    target.write_text("old")
    target.chmod(0o644)
    write_atomically(target, "new", mode=PRIVATE_MODE)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_an_ordinary_file_gets_the_usual_permissions_of_a_new_file(tmp_path):
    old_umask = os.umask(0o022)
    try:
        write_atomically(tmp_path / "report.md", "# Show\n")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE((tmp_path / "report.md").stat().st_mode) == 0o644
