"""The shared workspace: config, secrets and database behave as a user expects."""

import os
import stat

import pytest

from greenroom.config import Config
from greenroom.errors import ConfigError, SecretsError
from greenroom.secrets import Secrets, write_private_file
from greenroom.workspace import Workspace


def test_init_creates_commented_config_and_database(tmp_path, livekit_cli):
    result = livekit_cli.without_workspace("--workspace", tmp_path / "show", "init")
    assert result.exit_code == 0, result.output
    config_text = (tmp_path / "show" / "greenroom.toml").read_text()
    assert "[obs]" in config_text and config_text.lstrip().startswith("#")
    assert (tmp_path / "show" / "greenroom.db").exists()


def test_init_never_overwrites_an_existing_config(tmp_path, outreach_cli):
    (tmp_path / "greenroom.toml").write_text('[obs]\nport = 4460\n')
    result = outreach_cli.without_workspace("--workspace", tmp_path, "init")
    assert result.exit_code == 0
    assert (tmp_path / "greenroom.toml").read_text() == '[obs]\nport = 4460\n'


def test_workspace_comes_from_environment_when_no_option(tmp_path, monkeypatch, outreach_cli):
    monkeypatch.setenv("GREENROOM_WORKSPACE", str(tmp_path / "env-ws"))
    result = outreach_cli.without_workspace("init")
    assert result.exit_code == 0
    assert (tmp_path / "env-ws" / "greenroom.toml").exists()


def test_default_config_is_valid_toml_with_defaults(workspace):
    assert workspace.config.get("obs", "port", int) == 4455
    assert workspace.config.get("web", "host", str) == "127.0.0.1"


def test_wrong_type_names_the_key_and_the_file(tmp_path):
    path = tmp_path / "greenroom.toml"
    path.write_text('[obs]\nport = "forty"\n')
    with pytest.raises(ConfigError) as error:
        Config.load(path).get("obs", "port", int)
    assert str(error.value) == f"{path}: [obs] port must be an integer, got 'forty'"


def test_missing_setting_names_the_key_and_the_file(tmp_path):
    path = tmp_path / "greenroom.toml"
    path.write_text("[smtp]\n")
    with pytest.raises(ConfigError, match=r"greenroom.toml: missing setting \[smtp\] host"):
        Config.load(path).get("smtp", "host", str)


def test_broken_toml_is_reported_with_its_line(tmp_path):
    path = tmp_path / "greenroom.toml"
    path.write_text("[obs]\nport = \n")
    with pytest.raises(ConfigError, match=r"greenroom.toml: not valid TOML: .*line 2"):
        Config.load(path)


def test_invalid_setting_reaches_the_cli_user_as_one_line(tmp_path, livekit_cli):
    (tmp_path / "greenroom.toml").write_text("[obs\n")
    result = livekit_cli.without_workspace("--workspace", tmp_path, "obs", "status")
    assert result.exit_code != 0
    assert "greenroom.toml: not valid TOML" in result.output
    assert "Traceback" not in result.output


def test_secrets_file_readable_by_others_is_refused_with_the_fix(tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text('[obs]\npassword = "hunter2"\n')
    path.chmod(0o644)
    with pytest.raises(SecretsError) as error:
        Secrets(path).get("obs", "password")
    assert f"chmod 600 {path}" in str(error.value)
    assert "hunter2" not in str(error.value)


def test_private_secrets_file_is_read(tmp_path):
    path = tmp_path / "secrets.toml"
    write_private_file(path, '[obs]\npassword = "hunter2"\n')
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Secrets(path).get("obs", "password") == "hunter2"


def test_environment_variable_wins_over_secrets_file(tmp_path, monkeypatch):
    path = tmp_path / "secrets.toml"
    write_private_file(path, '[obs]\npassword = "from-file"\n')
    monkeypatch.setenv("OBS_WEBSOCKET_PASSWORD", "from-env")
    assert Secrets(path).get("obs", "password", env="OBS_WEBSOCKET_PASSWORD") == "from-env"


def test_database_uses_wal_foreign_keys_and_migrations(workspace):
    db = workspace.database()
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert "_sqlite_migrations" in db.table_names()


def test_a_file_that_is_not_a_database_gives_a_clear_error(tmp_path, livekit_cli):
    (tmp_path / "greenroom.db").write_text("this is not sqlite " * 100)
    result = livekit_cli.without_workspace("--workspace", tmp_path, "init")
    assert result.exit_code != 0
    assert "greenroom.db: not a usable Greenroom database" in result.output


def test_workspace_that_is_a_file_is_an_error(tmp_path, livekit_cli):
    target = tmp_path / "file"
    target.write_text("")
    result = livekit_cli.without_workspace("--workspace", target, "init")
    assert result.exit_code != 0
    assert "Traceback" not in result.output


def test_relative_paths_resolve_inside_the_workspace(tmp_path):
    ws = Workspace.locate(tmp_path)
    assert ws.path("outbox") == tmp_path / "outbox"
    assert ws.path(os.fspath(tmp_path / "abs")) == tmp_path / "abs"


def test_verbose_logging_never_opens_third_party_debug_logs():
    import logging

    from greenroom.cli import setup_logging

    setup_logging(True)
    assert logging.getLogger("livekit.runner").isEnabledFor(logging.DEBUG)
    assert not logging.getLogger("requests_oauthlib.oauth2_session").isEnabledFor(logging.DEBUG)
    assert not logging.getLogger("urllib3.connectionpool").isEnabledFor(logging.DEBUG)
