"""A command that cannot get the workspace database's write lock (another command holds it) says so in
one line, writes nothing, and can simply be run again."""

from __future__ import annotations

import sqlite3

import pytest

import greenroom.db


@pytest.fixture
def held_write_lock(workspace, monkeypatch):
    """Another connection in the middle of a long write (a large import), and a short busy timeout."""
    workspace.database()  # created and migrated first, as it would be by then
    monkeypatch.setattr(greenroom.db, "BUSY_TIMEOUT_S", 0.2)
    other = sqlite3.connect(workspace.database_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    yield other
    other.rollback()
    other.close()


def test_a_write_blocked_by_another_commands_lock_says_so_and_writes_nothing(outreach_cli, workspace,
                                                                          held_write_lock):
    blocked = outreach_cli("influencers", "add", "--name", "Ana Lopez", "--email", "ana@example.com")
    assert blocked.exit_code == 1
    assert "the workspace database stayed locked for 0.2 s: another Greenroom command" in blocked.output
    assert "unexpected failure" not in blocked.output and "Traceback" not in blocked.output
    held_write_lock.rollback()
    assert held_write_lock.execute("SELECT count(*) FROM influencers").fetchone() == (0,)


def test_the_same_command_succeeds_once_the_lock_is_released(outreach_cli, workspace, held_write_lock):
    outreach_cli("influencers", "add", "--name", "Ana Lopez", "--email", "ana@example.com")
    held_write_lock.rollback()
    again = outreach_cli("influencers", "add", "--name", "Ana Lopez", "--email", "ana@example.com")
    assert again.exit_code == 0, again.output
    assert held_write_lock.execute("SELECT name FROM influencers").fetchall() == [("Ana Lopez",)]


def test_a_database_still_to_be_set_up_while_another_command_holds_it_is_locked_not_unusable(
        outreach_cli, workspace, monkeypatch):
    monkeypatch.setattr(greenroom.db, "BUSY_TIMEOUT_S", 0.2)
    workspace.close()
    for suffix in ("", "-wal", "-shm"):
        workspace.database_path.with_name(workspace.database_path.name + suffix).unlink(missing_ok=True)
    other = sqlite3.connect(workspace.database_path, isolation_level=None)
    other.execute("PRAGMA journal_mode = wal")
    other.execute("BEGIN IMMEDIATE")
    try:
        blocked = outreach_cli("influencers", "list")
    finally:
        other.rollback()
        other.close()
    assert blocked.exit_code == 1
    assert "stayed locked" in blocked.output and "not a usable" not in blocked.output
