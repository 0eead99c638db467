"""`livekit run` refuses, before the show starts, to bring up a platform session on a token it knows is dead."""

from livekit.storage.shows import ShowStore
from tests.fixtures.platforms import twitch_config

RUNDOWN = "title: Dead token\nsegments:\n  - title: One\n    duration: 5\n"


def test_a_twitch_section_without_tokens_is_refused_with_the_fix_and_leaves_no_show(workspace, fake_twitch,
                                                                                   livekit_cli, tmp_path):
    workspace.config_path.write_text(twitch_config(fake_twitch), encoding="utf-8")
    rundown = tmp_path / "show.yaml"
    rundown.write_text(RUNDOWN, encoding="utf-8")

    result = livekit_cli("run", rundown, "--auto", "--no-obs", "--no-web", "--new")

    assert result.exit_code != 0
    assert "dead token" in result.output
    assert "livekit auth twitch" in result.output
    assert "--no-platforms" in result.output
    assert ShowStore(workspace.database()).find_unfinished() == []
