"""A show run with YouTube configured: OBS gets the stream's ingest, the broadcast goes live and completes.

Real googleapiclient against the in-process YouTube fake (tests/fakes/youtube.py), real headless OBS.
"""

import asyncio

import pytest

from livekit.core.rundown import Rundown, Segment
from livekit.obs.settings import ObsSettings
from livekit.relay.relay import stop_leftovers
from livekit.runner.session import RunOptions, run_show
from tests.fixtures.platforms import authorise_twitch, authorise_youtube, twitch_config, youtube_config


def short_show() -> Rundown:
    return Rundown(title="Launch Q&A", segments=(
        Segment(title="Hello", duration_ms=600, scene="Intro"),
        Segment(title="Questions", duration_ms=600, scene="Questions"),
    ))


@pytest.mark.obs
def test_obs_streams_to_the_youtube_ingest_created_for_the_show(youtube_workspace, fake_youtube, obs_server, obs_adapter):
    obs = ObsSettings(host=obs_server.host, port=obs_server.port, password=obs_server.password)
    options = RunOptions(auto=True, obs=obs, web=None)
    result = asyncio.run(run_show(youtube_workspace, short_show(), options, echo=lambda line: None))
    assert result.ended
    (stream,) = fake_youtube.streams.values()
    ingest = stream["cdn"]["ingestionInfo"]
    assert obs_adapter.stream_destination() == (ingest["rtmpsIngestionAddress"], ingest["streamName"]), \
        "RTMPS, so the stream key does not travel in clear"


@pytest.mark.obs
@pytest.mark.subprocess
def test_with_twitch_and_youtube_both_enabled_obs_streams_to_the_local_relay_which_is_stopped_after(
        workspace, fake_youtube, fake_twitch, obs_server, obs_adapter):
    workspace.config_path.write_text(
        twitch_config(fake_twitch) + "\n" + youtube_config(fake_youtube) + "\n[relay]\nmultistream = \"auto\"\n",
        encoding="utf-8")
    workspace.secrets_path.write_text('[twitch]\nstream_key = "live_123_secret"\n', encoding="utf-8")
    workspace.secrets_path.chmod(0o600)
    authorise_twitch(workspace, fake_twitch)
    authorise_youtube(workspace, fake_youtube)
    obs = ObsSettings(host=obs_server.host, port=obs_server.port, password=obs_server.password)

    result = asyncio.run(run_show(workspace, short_show(), RunOptions(auto=True, obs=obs, web=None),
                                  echo=lambda line: None))

    assert result.ended
    server, key = obs_adapter.stream_destination()
    assert server.startswith("rtmp://127.0.0.1:"), "OBS's one output must go to the relay, not one platform"
    assert key not in ("live_123_secret", next(iter(fake_youtube.streams.values()))["cdn"]["ingestionInfo"]["streamName"])
    assert stop_leftovers(workspace.path("relay")) == [], "the relay's processes must be gone after the show"
