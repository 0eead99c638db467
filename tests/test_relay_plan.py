"""The pure multistream decisions: which ingest each platform gets, when the relay runs, and which
configurations ``livekit check`` warns about (video for only one of two enabled platforms, a key in clear)."""

from __future__ import annotations

from livekit.relay.plan import (
    TWITCH_RTMPS_INGEST,
    Ingest,
    plan_stream,
    relay_warnings,
    twitch_ingest,
    youtube_ingest,
)

INGESTION_INFO = {
    "streamName": "abcd-efgh-ijkl-mnop",
    "ingestionAddress": "rtmp://a.rtmp.youtube.com/live2",
    "backupIngestionAddress": "rtmp://b.rtmp.youtube.com/live2?backup=1",
    "rtmpsIngestionAddress": "rtmps://a.rtmps.youtube.com/live2",
}
BOTH = {"twitch": {"client_id": "x", "broadcaster": "me"}, "youtube": {"enabled": True}}


def test_youtube_ingest_is_the_rtmps_address_when_youtube_gives_one():
    ingest = youtube_ingest(INGESTION_INFO)

    assert (ingest.server, ingest.key) == ("rtmps://a.rtmps.youtube.com/live2", "abcd-efgh-ijkl-mnop")
    assert ingest.encrypted


def test_youtube_ingest_falls_back_to_rtmp_without_an_rtmps_address():
    info = {key: value for key, value in INGESTION_INFO.items() if key != "rtmpsIngestionAddress"}

    assert youtube_ingest(info).server == "rtmp://a.rtmp.youtube.com/live2"


def test_twitch_ingest_defaults_to_twitch_rtmps_and_honours_a_configured_one():
    assert twitch_ingest("live_1_key").url == "rtmps://live.twitch.tv:443/app/live_1_key"
    assert twitch_ingest("k", "rtmps://fra05.contribute.live-video.net/app/").server.startswith("rtmps://fra05")


def test_an_ingest_shows_its_destination_without_the_key():
    ingest = Ingest("twitch", TWITCH_RTMPS_INGEST, "live_1_secret")

    assert ingest.display == "rtmps://live.twitch.tv:443/app/…"
    assert "live_1_secret" not in repr(ingest)


def test_two_platforms_go_through_the_relay():
    twitch, youtube = twitch_ingest("t"), youtube_ingest(INGESTION_INFO)

    plan = plan_stream([twitch, youtube])

    assert plan.needs_relay and plan.relay_targets == (twitch, youtube) and plan.obs_destination is None


def test_one_platform_is_streamed_to_directly_without_a_relay():
    youtube = youtube_ingest(INGESTION_INFO)

    plan = plan_stream([youtube])

    assert not plan.needs_relay and plan.obs_destination == youtube


def test_with_multistream_off_obs_streams_to_the_first_platform_only():
    youtube, twitch = youtube_ingest(INGESTION_INFO), twitch_ingest("t")

    assert plan_stream([youtube, twitch], multistream=False).obs_destination == youtube


def test_no_platform_leaves_obs_settings_alone():
    assert plan_stream([]) == plan_stream([], multistream=False)
    assert plan_stream([]).obs_destination is None and not plan_stream([]).needs_relay


def test_both_platforms_with_the_relay_and_a_twitch_key_raise_no_warning():
    assert relay_warnings(BOTH, twitch_stream_key=True) == []


def test_both_platforms_with_multistream_off_warn_that_twitch_gets_no_video():
    config = {**BOTH, "relay": {"multistream": "off"}}

    (warning,) = relay_warnings(config, twitch_stream_key=True)

    assert "[youtube] stream_to_obs sends OBS's only output to YouTube: Twitch gets no video" in warning


def test_both_platforms_without_a_twitch_stream_key_warn_that_only_youtube_gets_video():
    (warning,) = relay_warnings(BOTH, twitch_stream_key=False)

    assert "no Twitch stream key" in warning and "$TWITCH_STREAM_KEY" in warning


def test_both_platforms_with_stream_to_obs_off_warn_that_only_one_gets_video():
    config = {**BOTH, "youtube": {"enabled": True, "stream_to_obs": False}}

    (warning,) = relay_warnings(config, twitch_stream_key=True)

    assert "only the platform it streams to gets video" in warning


def test_a_plain_rtmp_twitch_ingest_warns_that_the_key_travels_in_clear():
    config = {"twitch": {"client_id": "x"}, "relay": {"twitch_ingest": "rtmp://live.twitch.tv/app/"}}

    (warning,) = relay_warnings(config, twitch_stream_key=True)

    assert "travels in clear" in warning


def test_an_unknown_multistream_value_is_named():
    (warning,) = relay_warnings({"relay": {"multistream": "always"}}, twitch_stream_key=True)

    assert "[relay] multistream must be one of auto, off" in warning


def test_a_single_platform_raises_no_warning():
    assert relay_warnings({"youtube": {"enabled": True}}, twitch_stream_key=False) == []
    assert relay_warnings({"twitch": {"client_id": "x"}}, twitch_stream_key=False) == []
