"""`livekit obs status` and where it takes its OBS settings from."""

from __future__ import annotations

import time

import pytest

from greenroom.errors import ConfigError
from greenroom.secrets import write_private_file
from livekit.obs.settings import PASSWORD_ENV, ObsSettings
from tests.helpers import free_port


def write_config(workspace, text: str) -> None:
    workspace.config_path.write_text(text, encoding="utf-8")
    workspace.__dict__.pop("config", None)


@pytest.mark.obs
def test_status_prints_versions_program_scene_and_output_states(obs_server, obs_adapter, monkeypatch, livekit_cli):
    monkeypatch.setenv(PASSWORD_ENV, obs_server.password)
    obs_adapter.set_program_scene("Interview")

    result = livekit_cli("obs", "status", "--obs-port", str(obs_server.port))

    assert result.exit_code == 0, result.output
    lines = dict((part.strip() for part in line.split("  ", 1)) for line in result.stdout.splitlines())
    assert lines["OBS Studio"].split(".")[0].isdigit()
    assert lines["obs-websocket"].startswith("5.")
    assert lines["program scene"] == "Interview"
    assert lines["stream"] == "stopped"
    assert lines["record"] == "stopped"


@pytest.mark.obs
def test_status_uses_workspace_config_and_private_secrets_file(workspace, obs_server, monkeypatch, livekit_cli):
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    write_config(workspace, f'[obs]\nhost = "127.0.0.1"\nport = {obs_server.port}\ntimeout = 3\n')
    write_private_file(workspace.secrets_path, f'[obs]\npassword = "{obs_server.password}"\n')

    result = livekit_cli("obs", "status")

    assert result.exit_code == 0, result.output
    assert f"127.0.0.1:{obs_server.port}" in result.stdout


@pytest.mark.obs
def test_status_with_a_wrong_password_says_so_in_one_line(obs_server, livekit_cli):
    result = livekit_cli("obs", "status", "--obs-port", str(obs_server.port), "--obs-password", "wrong")

    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: OBS rejected the websocket password"
    assert "Traceback" not in result.output


def test_status_with_nothing_listening_fails_within_five_seconds(monkeypatch, livekit_cli):
    monkeypatch.setenv(PASSWORD_ENV, "whatever")
    port = free_port()  # nobody listens there
    started = time.monotonic()

    result = livekit_cli("obs", "status", "--obs-port", str(port))

    assert time.monotonic() - started < 5
    assert result.exit_code == 2
    assert result.stderr.strip().startswith(f"Error: cannot connect to OBS at 127.0.0.1:{port}")
    assert len(result.stderr.strip().splitlines()) == 1


def test_command_line_options_win_over_environment_and_config(workspace, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "from-env")
    write_config(workspace, '[obs]\nhost = "obs.local"\nport = 4000\n')

    settings = ObsSettings.from_workspace(workspace, port=4001, password="from-option")

    assert (settings.host, settings.port, settings.password) == ("obs.local", 4001, "from-option")


def test_environment_password_wins_over_secrets_file(workspace, monkeypatch):
    write_private_file(workspace.secrets_path, '[obs]\npassword = "from-file"\n')
    monkeypatch.setenv(PASSWORD_ENV, "from-env")

    assert ObsSettings.from_workspace(workspace).password == "from-env"


def test_text_source_names_come_from_config_with_documented_defaults(workspace):
    write_config(workspace, '[obs]\nprompt_source = "Host Prompt"\n')

    settings = ObsSettings.from_workspace(workspace)

    assert settings.prompt_source == "Host Prompt"
    assert settings.lower_third_source == "Greenroom Lower Third"


def test_an_out_of_range_port_in_config_names_the_file_and_key(workspace):
    write_config(workspace, "[obs]\nport = 70000\n")

    with pytest.raises(ConfigError, match=r"greenroom\.toml: \[obs\] port must be between 1 and 65535"):
        ObsSettings.from_workspace(workspace)


def test_a_non_numeric_port_in_config_is_reported_by_the_cli(workspace, livekit_cli):
    write_config(workspace, '[obs]\nport = "four"\n')

    result = livekit_cli("obs", "status")

    assert result.exit_code == 2
    assert "[obs] port must be an integer" in result.stderr


def test_the_password_never_appears_in_the_settings_repr(workspace):
    settings = ObsSettings.from_workspace(workspace, password="hunter2")

    assert "hunter2" not in repr(settings)
