"""`livekit run --no-audience`: the show runs with its platforms, but nobody polls the audience."""

from livekit.storage.audience import samples
from tests.fixtures.platforms import BROADCASTER_ID

RUNDOWN = "title: Audience switch\nsegments:\n  - title: One\n    duration: 1\n"


def run_short_show(workspace, livekit_cli, tmp_path, *options):
    rundown = tmp_path / "show.yaml"
    rundown.write_text(RUNDOWN, encoding="utf-8")
    result = livekit_cli("run", rundown, "--auto", "--no-obs", "--no-web", "--new", *options)
    assert result.exit_code == 0, result.output
    return workspace.database().execute("SELECT max(id) FROM shows").fetchone()[0]


def follower_polls(fake_twitch):
    """Get Channel Followers is called only by the audience recorder (Get Streams also serves stream markers)."""
    return [request for request in fake_twitch.requests if request == ("GET", "/helix/channels/followers")]


def test_no_audience_runs_the_show_without_polling_or_recording_the_audience(twitch_workspace, fake_twitch,
                                                                            livekit_cli, tmp_path):
    fake_twitch.stream_goes_live(BROADCASTER_ID)
    show_id = run_short_show(twitch_workspace, livekit_cli, tmp_path, "--no-audience")
    assert fake_twitch.channels[BROADCASTER_ID]["title"] == "Audience switch"
    assert follower_polls(fake_twitch) == []
    assert samples(twitch_workspace.database(), show_id) == []


def test_by_default_the_audience_is_polled_and_recorded(twitch_workspace, fake_twitch, livekit_cli, tmp_path):
    fake_twitch.stream_goes_live(BROADCASTER_ID)
    show_id = run_short_show(twitch_workspace, livekit_cli, tmp_path)
    assert follower_polls(fake_twitch) != []
    assert samples(twitch_workspace.database(), show_id) != []
