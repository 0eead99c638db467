"""``[relay]`` settings and the checks ``livekit check`` prints: the workspace side of the relay."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from greenroom.backoff import Backoff
from greenroom.workspace import Workspace
from livekit.relay.plan import MULTISTREAM_CHOICES, TWITCH_RTMPS_INGEST, relay_warnings
from livekit.relay.relay import RTMP_MODULE, Relay

TWITCH_STREAM_KEY_ENV = "TWITCH_STREAM_KEY"


@dataclass(frozen=True)
class RelaySettings:
    multistream: bool
    port: int
    twitch_ingest: str
    twitch_stream_key: str | None = field(repr=False)
    directory: Path
    retry_first_ms: int
    retry_max_ms: int

    @classmethod
    def from_workspace(cls, workspace: Workspace) -> RelaySettings:
        config = workspace.config
        return cls(
            multistream=config.choice("relay", "multistream", MULTISTREAM_CHOICES, "auto") == "auto",
            port=config.get("relay", "port", int, 0),
            twitch_ingest=config.get("relay", "twitch_ingest", str, TWITCH_RTMPS_INGEST),
            twitch_stream_key=workspace.secrets.get("twitch", "stream_key", env=TWITCH_STREAM_KEY_ENV),
            directory=workspace.path("relay"),
            retry_first_ms=int(config.get("relay", "retry_first_seconds", float, 1.0) * 1000),
            retry_max_ms=int(config.get("relay", "retry_max_seconds", float, 30.0) * 1000),
        )

    def relay(self) -> Relay:
        """A relay (not started) in the workspace's ``relay/`` folder with these settings."""
        backoff = Backoff(first_ms=self.retry_first_ms, max_ms=max(self.retry_first_ms, self.retry_max_ms),
                          jitter=0.2)
        return Relay(self.directory, port=self.port, backoff=backoff)


def check_warnings(workspace: Workspace) -> list[str]:
    """What ``livekit check`` should print about multistreaming: configuration warnings
    (:func:`livekit.relay.plan.relay_warnings`) plus the relay's programs missing when it will be needed."""
    config = workspace.config
    key = workspace.secrets.get("twitch", "stream_key", env=TWITCH_STREAM_KEY_ENV)
    warnings = relay_warnings(config.data, twitch_stream_key=bool(key))
    relay_needed = (bool(config.section("twitch")) and config.get("youtube", "enabled", bool, False)
                    and config.section("relay").get("multistream", "auto") == "auto")
    if relay_needed:
        missing = [name for name in ("nginx", "ffmpeg") if shutil.which(name) is None]
        if not RTMP_MODULE.exists():
            missing.append("libnginx-mod-rtmp")
        if missing:
            warnings.append(f"Twitch and YouTube are both enabled but the relay needs {', '.join(missing)}: "
                            "apt-get install nginx libnginx-mod-rtmp ffmpeg")
    return warnings
