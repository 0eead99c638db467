"""``[relay]`` read from the workspace, and the warnings ``livekit check`` gets from it."""

from __future__ import annotations

import pytest

from greenroom.errors import ConfigError
from greenroom.workspace import Workspace
from livekit.relay.plan import TWITCH_RTMPS_INGEST
from livekit.relay.settings import TWITCH_STREAM_KEY_ENV, RelaySettings, check_warnings

BOTH_PLATFORMS = '[twitch]\nclient_id = "x"\nbroadcaster = "me"\n\n[youtube]\nenabled = true\n'


def workspace_with(workspace: Workspace, toml: str) -> Workspace:
    workspace.config_path.write_text(workspace.config_path.read_text() + "\n" + toml)
    return Workspace.locate(workspace.root)


def test_defaults_relay_both_platforms_over_twitch_rtmps_from_a_folder_of_the_workspace(workspace, monkeypatch):
    monkeypatch.delenv(TWITCH_STREAM_KEY_ENV, raising=False)
    settings = RelaySettings.from_workspace(workspace)

    assert settings.multistream and settings.twitch_ingest == TWITCH_RTMPS_INGEST
    assert settings.directory == workspace.root / "relay" and settings.port == 0
    assert settings.twitch_stream_key is None


def test_the_twitch_stream_key_comes_from_the_environment_and_is_not_in_repr(workspace, monkeypatch):
    monkeypatch.setenv(TWITCH_STREAM_KEY_ENV, "live_42_secret")
    settings = RelaySettings.from_workspace(workspace)

    assert settings.twitch_stream_key == "live_42_secret" and "live_42_secret" not in repr(settings)


def test_an_unknown_multistream_value_is_a_config_error_naming_the_key(workspace):
    with pytest.raises(ConfigError, match=r"\[relay\] multistream must be one of auto, off"):
        RelaySettings.from_workspace(workspace_with(workspace, '[relay]\nmultistream = "always"\n'))


def test_check_warns_when_both_platforms_are_enabled_without_a_twitch_stream_key(workspace, monkeypatch):
    monkeypatch.delenv(TWITCH_STREAM_KEY_ENV, raising=False)

    warnings = check_warnings(workspace_with(workspace, BOTH_PLATFORMS))

    assert any("no Twitch stream key" in warning for warning in warnings)


def test_check_is_quiet_when_both_platforms_can_be_relayed(workspace, monkeypatch):
    monkeypatch.setenv(TWITCH_STREAM_KEY_ENV, "live_42_secret")

    warnings = check_warnings(workspace_with(workspace, BOTH_PLATFORMS))

    # Only a missing nginx/ffmpeg on this machine may be reported (CI installs them).
    assert [warning for warning in warnings if "apt-get install" not in warning] == []
