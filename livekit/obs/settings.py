"""Where the OBS connection settings come from: command-line options, then the environment, then the workspace."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from greenroom.backoff import Backoff
from greenroom.errors import ConfigError
from greenroom.workspace import Workspace

if TYPE_CHECKING:
    from livekit.obs.adapter import ObsAdapter

PASSWORD_ENV = "OBS_WEBSOCKET_PASSWORD"
DEFAULT_PROMPT_SOURCE = "Greenroom Prompt"
DEFAULT_LOWER_THIRD_SOURCE = "Greenroom Lower Third"
DEFAULT_PROMPTER_SCENE = "Greenroom Prompter"


class LowerThirdMode(StrEnum):
    """Where the guest's lower third is drawn: ``[obs] lower_third`` in greenroom.toml.

    ``overlay`` (the default) leaves it to the ``/overlay`` page added to OBS as a Browser Source: it is
    styled, animated and follows the control room, and it must not be on screen twice, so Greenroom creates
    no lower-third text source. ``text`` draws it with an OBS text source instead (for setups without a
    Browser Source). ``off`` draws none.
    """

    OVERLAY = "overlay"
    TEXT = "text"
    OFF = "off"


@dataclass(frozen=True)
class ObsSettings:
    host: str = "127.0.0.1"
    port: int = 4455
    password: str = ""
    timeout: float = 5.0
    prompt_source: str = DEFAULT_PROMPT_SOURCE
    lower_third_source: str = DEFAULT_LOWER_THIRD_SOURCE
    prompter_scene: str = DEFAULT_PROMPTER_SCENE
    lower_third: LowerThirdMode = LowerThirdMode.OVERLAY

    def __repr__(self) -> str:
        return f"ObsSettings(host={self.host!r}, port={self.port}, password={'***' if self.password else ''!r})"

    @classmethod
    def from_workspace(cls, workspace: Workspace, *, host: str | None = None, port: int | None = None,
                       password: str | None = None, timeout: float | None = None) -> ObsSettings:
        """Options given here win; then ``[obs]`` in greenroom.toml; the password comes from the argument,
        ``$OBS_WEBSOCKET_PASSWORD`` or ``[obs] password`` in secrets.toml, in that order."""
        config = workspace.config
        host = host if host is not None else config.get("obs", "host", str, cls.host)
        port = port if port is not None else config.get("obs", "port", int, cls.port)
        timeout = timeout if timeout is not None else config.get("obs", "timeout", float, cls.timeout)
        if not 1 <= port <= 65535:
            raise ConfigError(f"{config.path}: [obs] port must be between 1 and 65535, got {port}")
        if not host.strip():
            raise ConfigError(f"{config.path}: [obs] host must not be empty")
        if not 0 < timeout <= 300:
            raise ConfigError(f"{config.path}: [obs] timeout must be between 0 and 300 seconds, got {timeout}")
        if password is None:
            password = workspace.secrets.get("obs", "password", env=PASSWORD_ENV) or ""
        names = {}
        for key, default in (("prompt_source", DEFAULT_PROMPT_SOURCE),
                             ("lower_third_source", DEFAULT_LOWER_THIRD_SOURCE),
                             ("prompter_scene", DEFAULT_PROMPTER_SCENE)):
            names[key] = config.get("obs", key, str, default).strip()
            if not names[key]:
                raise ConfigError(f"{config.path}: [obs] {key} must not be empty")
        if len(set(names.values())) < len(names):
            # One OBS source under two roles would put the host's prompt where the lower third goes.
            raise ConfigError(f"{config.path}: [obs] prompt_source, lower_third_source and prompter_scene "
                              "must be three different names")
        lower_third = LowerThirdMode(config.choice("obs", "lower_third", tuple(mode.value for mode in LowerThirdMode),
                                                   LowerThirdMode.OVERLAY.value))
        return cls(host=host, port=port, password=password, timeout=timeout, lower_third=lower_third, **names)

    def adapter(self, backoff: Backoff | None = None) -> ObsAdapter:
        """A new, not yet connected adapter for these settings (obs-websocket loads here, not with the settings)."""
        from livekit.obs.adapter import ObsAdapter

        return ObsAdapter(self.host, self.port, self.password, timeout=self.timeout, backoff=backoff)
