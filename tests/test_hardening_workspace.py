"""Workspace files hold contacts, guest notes, tokens and secrets: only their owner may read them."""

import os
import stat

import pytest

from greenroom.db import open_database
from greenroom.platform_tokens import write_private_json
from greenroom.secrets import write_private_file
from greenroom.workspace import Workspace


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask():
    """The umask most desktops use (0022: new files readable by everyone)."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_a_new_database_and_its_wal_and_shm_files_are_private(tmp_path, usual_umask):
    workspace = Workspace(tmp_path / "ws")
    db = workspace.database()
    db["notes"].insert({"text": "guest's phone number"})
    files = [workspace.database_path, *(workspace.root / f"greenroom.db{suffix}" for suffix in ("-wal", "-shm"))]
    assert [(path.name, mode(path)) for path in files] == [(path.name, 0o600) for path in files]
    workspace.close()


def test_a_database_left_readable_by_others_is_made_private_when_opened(tmp_path, usual_umask):
    path = tmp_path / "greenroom.db"
    open_database(path).conn.close()
    for name in ("greenroom.db", "greenroom.db-wal", "greenroom.db-shm"):
        (tmp_path / name).touch()
        (tmp_path / name).chmod(0o644)
    db = open_database(path)
    assert {name: mode(tmp_path / name) for name in ("greenroom.db", "greenroom.db-wal", "greenroom.db-shm")} == {
        "greenroom.db": 0o600, "greenroom.db-wal": 0o600, "greenroom.db-shm": 0o600}
    db.conn.close()


def test_workspace_init_makes_a_private_database(tmp_path, usual_umask):
    workspace = Workspace(tmp_path / "ws")
    workspace.init()
    assert mode(workspace.database_path) == 0o600


def test_secrets_and_token_files_are_written_private(tmp_path, usual_umask):
    write_private_file(tmp_path / "secrets.toml", "[obs]\npassword = 'x'\n")
    write_private_json(tmp_path / "tokens" / "twitch.json", {"access_token": "x"})
    assert mode(tmp_path / "secrets.toml") == 0o600
    assert mode(tmp_path / "tokens" / "twitch.json") == 0o600
    assert mode(tmp_path / "tokens") == 0o700
