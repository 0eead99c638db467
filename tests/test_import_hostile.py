"""Import files a reviewer used as attacks: endless input, a header a million columns wide, non-text codecs."""

import contextlib
import json
import os
import threading

import pytest

from outreach.importing.reader import MAX_COLUMNS


def test_an_endless_device_is_refused_before_anything_is_read(tmp_path, outreach_cli, workspace):
    endless = tmp_path / "people.csv"
    endless.symlink_to("/dev/zero")
    outcome = outreach_cli("import", endless, "--dry-run")
    assert outcome.exit_code != 0
    assert f"{endless} is not a regular file but a pipe or a device" in outcome.output


def test_a_named_pipe_is_refused_instead_of_waiting_for_a_writer(tmp_path, outreach_cli, workspace):
    pipe = tmp_path / "people.csv"
    os.mkfifo(pipe)
    def write() -> None:
        with contextlib.suppress(BrokenPipeError), pipe.open("w") as handle:
            handle.write("name,email\nA,a@example.com\n")

    writer = threading.Thread(target=write, daemon=True)
    writer.start()  # even with a writer the file would be read twice: refused up front
    outcome = outreach_cli("import", pipe, "--dry-run")
    assert outcome.exit_code != 0
    assert "is not a regular file but a pipe or a device" in outcome.output
    with pipe.open("rb"):  # lets the writer's open return
        pass
    writer.join(timeout=5)


def test_a_csv_header_wider_than_the_limit_is_refused_with_its_line(tmp_path, outreach_cli, workspace):
    columns = 200_000
    wide = tmp_path / "wide.csv"
    wide.write_text("email," + ",".join(f"c{i}" for i in range(columns)) + "\n"
                    "w@example.com," + ",".join("v" for _ in range(columns)) + "\n")
    outcome = outreach_cli("import", wide, "--dry-run")
    assert outcome.exit_code != 0
    assert f"{wide} line 1: 200,001 columns; an import reads at most {MAX_COLUMNS:,}" in outcome.output


def test_json_items_with_more_distinct_keys_than_the_limit_are_refused(tmp_path, outreach_cli, workspace):
    people = tmp_path / "people.json"
    people.write_text(json.dumps([{"email": f"p{i}@example.com", f"field{i}": "x"} for i in range(MAX_COLUMNS + 1)]))
    outcome = outreach_cli("import", people, "--dry-run")
    assert outcome.exit_code != 0
    assert f"{MAX_COLUMNS + 2:,} different keys; an import reads at most {MAX_COLUMNS:,}" in outcome.output


def test_a_header_at_the_limit_is_still_read(tmp_path, outreach_cli, workspace):
    columns = [f"c{i}" for i in range(MAX_COLUMNS - 1)]
    people = tmp_path / "people.csv"
    people.write_text("email," + ",".join(columns) + "\n" + "a@example.com," + ",".join("v" for _ in columns) + "\n")
    outcome = outreach_cli("import", people, "--dry-run")
    assert outcome.exit_code == 0, outcome.output


@pytest.mark.parametrize("codec", ["rot13", "base64", "zlib", "hex"])
def test_a_codec_that_is_not_a_text_encoding_is_refused_by_name(tmp_path, outreach_cli, workspace, codec):
    people = tmp_path / "people.csv"
    people.write_text("name,email\nAna,ana@example.com\n")
    outcome = outreach_cli("import", people, "--dry-run", "--encoding", codec)
    assert outcome.exit_code != 0
    assert f"{people}: {codec!r} is not a text encoding" in outcome.output
    assert "unexpected failure" not in outcome.output


def test_a_semicolon_file_mixing_crlf_and_cr_line_ends_is_read_by_its_columns(tmp_path, outreach_cli, workspace):
    people = tmp_path / "people.csv"
    people.write_bytes(b"name;email;followers\r\nAna;ana@example.com;1.234\rBo;bo@example.com;5\r\n")
    outcome = outreach_cli("import", people, "--dry-run")
    assert outcome.exit_code == 0, outcome.output
    assert "2 added, 0 merged, 0 skipped, 0 invalid (2 rows" in outcome.output
