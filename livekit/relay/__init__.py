"""Multistream: OBS's one stream output to Twitch and YouTube at once through a local relay.

:mod:`livekit.relay.plan` decides (pure) whether a relay is needed and what OBS streams to;
:mod:`livekit.relay.relay` runs it (nginx-rtmp ingest on loopback, one ffmpeg ``-c copy`` push per
platform over RTMPS, each restarted alone with backoff); :mod:`livekit.relay.settings` reads ``[relay]``.
"""

from livekit.relay.plan import Ingest, StreamPlan, plan_stream, relay_warnings, twitch_ingest, youtube_ingest
from livekit.relay.relay import Relay, RelayError, TargetHealth

__all__ = ["Ingest", "Relay", "RelayError", "StreamPlan", "TargetHealth", "plan_stream", "relay_warnings",
           "twitch_ingest", "youtube_ingest"]
