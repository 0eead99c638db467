"""A show run with YouTube configured: OBS gets the stream's ingest, the broadcast goes live and completes.

Real googleapiclient against the in-process YouTube fake (tests/fakes/youtube.py), real headless OBS.
"""

import asyncio

import pytest

from livekit.core.rundown import Rundown, Segment
from livekit.obs.settings import ObsSettings
from livekit.runner.session import RunOptions, run_show


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
    assert obs_adapter.stream_destination() == (ingest["ingestionAddress"], ingest["streamName"])
