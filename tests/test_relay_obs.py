"""End to end: the real headless OBS streams once to the relay, and both platforms' receivers get video;
when one receiver goes away the other keeps receiving and the relay's health names the failed push."""

from __future__ import annotations

import pytest

from greenroom.backoff import Backoff
from livekit.relay import Ingest, Relay
from tests.fixtures.relay import video_codec
from tests.helpers import eventually_blocking

pytestmark = [pytest.mark.obs, pytest.mark.subprocess]


def test_obs_reaches_twitch_and_youtube_through_the_relay_and_one_leaving_does_not_stop_the_other(
        tmp_path, obs_adapter, rtmp_receivers):
    twitch, youtube = rtmp_receivers("twitch"), rtmp_receivers("youtube")
    relay = Relay(tmp_path / "relay", backoff=Backoff(first_ms=500, max_ms=2_000))
    try:
        ingest = relay.start([Ingest("twitch", twitch.server, twitch.key),
                              Ingest("youtube", youtube.server, youtube.key)])
        obs_adapter.set_stream_destination(ingest.server, ingest.key)
        obs_adapter.start_stream()

        eventually_blocking(lambda: {h.state for h in relay.health()} == {"pushing"}, timeout=25,
                            describe=lambda: relay.health())
        assert eventually_blocking(lambda: video_codec(twitch.recording), timeout=30) == "h264"
        assert eventually_blocking(lambda: video_codec(youtube.recording), timeout=30) == "h264"

        twitch.stop()
        failed = eventually_blocking(lambda: next((h for h in relay.health() if h.platform == "twitch"
                                                   and h.state in ("failed", "reconnecting")), None),
                                     timeout=15, describe=lambda: relay.health())
        assert failed.reason and failed.restarts >= 1, failed
        size = youtube.recorded_bytes()
        eventually_blocking(lambda: youtube.recorded_bytes() > size + 10_000, timeout=30)
        assert {h.platform: h.state for h in relay.health()}["youtube"] == "pushing"
        assert obs_adapter.stream_status().active
    finally:
        relay.stop()
