"""Where OBS's one stream output goes when Twitch and/or YouTube are enabled: the pure decision.

OBS has a single stream output. With one platform enabled OBS can stream straight to it; with two, one of
them gets no video unless something copies the stream. This module decides which case applies, which
ingest URL each platform gets (RTMPS whenever the platform offers it, so the stream key is not sent in
clear), and which configurations would leave an enabled platform without video (for ``livekit check``).
No I/O: the relay processes live in :mod:`livekit.relay.relay`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: Twitch's documented RTMPS ingest ("rtmps://live.twitch.tv:443/app/"); a closer ingest from
#: https://help.twitch.tv/s/twitch-ingest-recommendation can be configured in ``[relay] twitch_ingest``.
TWITCH_RTMPS_INGEST = "rtmps://live.twitch.tv:443/app/"
MULTISTREAM_CHOICES = ("auto", "off")
TWITCH_STREAM_KEY_HELP = "$TWITCH_STREAM_KEY or [twitch] stream_key in secrets.toml"


@dataclass(frozen=True)
class Ingest:
    """One RTMP(S) destination: ``server`` (``rtmps://host:port/app``) plus the secret stream ``key``.

    The key is left out of ``repr`` and of :attr:`display`, which is what logs and health show.
    """

    platform: str
    server: str
    key: str = field(repr=False)

    @property
    def url(self) -> str:
        """The full push URL, key included: for the pushing process only, never for a log."""
        return f"{self.server.rstrip('/')}/{self.key}"

    @property
    def display(self) -> str:
        return f"{self.server.rstrip('/')}/…"

    @property
    def encrypted(self) -> bool:
        return self.server.lower().startswith("rtmps://")


@dataclass(frozen=True)
class StreamPlan:
    """``relay_targets`` non-empty: run the relay and point OBS at it; else ``obs_destination`` (or None:
    leave OBS's own stream settings alone)."""

    relay_targets: tuple[Ingest, ...] = ()
    obs_destination: Ingest | None = None

    @property
    def needs_relay(self) -> bool:
        return bool(self.relay_targets)


def twitch_ingest(key: str, configured: str | None = None) -> Ingest:
    """Twitch's ingest: the configured server, else the documented RTMPS one."""
    return Ingest("twitch", (configured or TWITCH_RTMPS_INGEST).strip(), key)


def youtube_ingest(ingestion_info: Mapping[str, Any]) -> Ingest:
    """YouTube's ingest from a liveStream's ``cdn.ingestionInfo``: ``rtmpsIngestionAddress`` when YouTube
    gives one (it does for RTMP streams), else ``ingestionAddress``; the key is ``streamName``."""
    server = ingestion_info.get("rtmpsIngestionAddress") or ingestion_info["ingestionAddress"]
    return Ingest("youtube", str(server), str(ingestion_info["streamName"]))


def plan_stream(ingests: Sequence[Ingest], *, multistream: bool = True) -> StreamPlan:
    """Two or more destinations with multistream on: relay to all of them. Otherwise OBS streams
    directly to the first one (the platform that owns the ingest), or keeps its settings when none."""
    if len(ingests) >= 2 and multistream:
        return StreamPlan(relay_targets=tuple(ingests))
    return StreamPlan(obs_destination=ingests[0] if ingests else None)


def relay_warnings(config: Mapping[str, Any], *, twitch_stream_key: bool) -> list[str]:
    """Configurations that would send video to only one of two enabled platforms, or a key in clear.

    ``config`` is the parsed ``greenroom.toml`` (a table per section); ``twitch_stream_key`` says whether
    the Twitch stream key is available from the environment or secrets.toml (secrets are not in config).
    """
    twitch = _table(config, "twitch")
    youtube = _table(config, "youtube")
    relay = _table(config, "relay")
    twitch_enabled = bool(twitch)
    youtube_enabled = youtube.get("enabled") is True
    multistream = relay.get("multistream", "auto")
    warnings: list[str] = []
    if multistream not in MULTISTREAM_CHOICES:
        warnings.append(f"[relay] multistream must be one of {', '.join(MULTISTREAM_CHOICES)}, got {multistream!r}")
    both = twitch_enabled and youtube_enabled
    streams_to_obs = youtube.get("stream_to_obs", True) is not False
    if both and not streams_to_obs:
        warnings.append(
            "Twitch and YouTube are both enabled but [youtube] stream_to_obs = false leaves OBS's own stream "
            "settings alone: OBS has one stream output, so only the platform it streams to gets video. Remove "
            "stream_to_obs = false so Greenroom points OBS at the local relay that feeds both.")
    elif both and multistream == "off":
        warnings.append(
            "Twitch and YouTube are both enabled but [youtube] stream_to_obs sends OBS's only output to "
            "YouTube: Twitch gets no video (and every marker fails). Set [relay] multistream = \"auto\" "
            "to stream to both through the local relay.")
    elif both and not twitch_stream_key:
        warnings.append(
            "Twitch and YouTube are both enabled but no Twitch stream key is set "
            f"({TWITCH_STREAM_KEY_HELP}): the relay cannot push to Twitch, so only YouTube gets video.")
    ingest = relay.get("twitch_ingest")
    if twitch_enabled and isinstance(ingest, str) and not ingest.strip().lower().startswith("rtmps://"):
        warnings.append(
            f"[relay] twitch_ingest {ingest!r} is not RTMPS: the Twitch stream key travels in clear. Use "
            f"{TWITCH_RTMPS_INGEST!r} or another rtmps:// ingest.")
    return warnings


def _table(config: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = config.get(name, {})
    return value if isinstance(value, Mapping) else {}
