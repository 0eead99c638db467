"""The workspace's unsubscribe key: made once, private, stable, and replaceable from the secrets."""

import stat

import pytest

from greenroom.errors import SecretsError
from outreach.campaigns.unsubscribe import KEY_ENV, KEY_FILE, unsubscribe_key


def test_the_key_is_made_on_first_use_as_a_private_file(workspace):
    key = unsubscribe_key(workspace)
    path = workspace.path(KEY_FILE)
    assert len(key) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []


def test_the_same_key_is_used_every_time(workspace):
    assert unsubscribe_key(workspace) == unsubscribe_key(workspace)


def test_a_key_readable_by_others_is_refused(workspace):
    unsubscribe_key(workspace)
    workspace.path(KEY_FILE).chmod(0o644)
    with pytest.raises(SecretsError, match="chmod 600"):
        unsubscribe_key(workspace)


def test_the_environment_overrides_the_key_file(workspace, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "shared-with-the-server")
    assert unsubscribe_key(workspace) == b"shared-with-the-server"
    assert not workspace.path(KEY_FILE).exists()
