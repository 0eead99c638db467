"""./scripts/demo end to end: its sample show's report has the audience of every segment (recorded through
the real twitchio code path from the Twitch stand-in, scripts/fake-twitch), goals, and a baseline computed
from the earlier demo shows; every helper it started is stopped."""

import json
import os
import subprocess
from pathlib import Path

import pytest

pytestmark = [pytest.mark.obs, pytest.mark.subprocess, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
#: The earlier demo shows (ids 1-3), then the sample show (4), then the guest show (5).
SAMPLE_SHOW_ID = 4


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    workspace = tmp_path_factory.mktemp("demo") / "demo-workspace"
    env = os.environ | {"GREENROOM_DEMO_WORKSPACE": str(workspace)}
    env.pop("GREENROOM_WORKSPACE", None)
    finished = subprocess.run([str(ROOT / "scripts" / "demo")], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=1_500)
    return finished, workspace


def sample_show_report(workspace: Path) -> dict:
    env = os.environ | {"GREENROOM_WORKSPACE": str(workspace)}
    printed = subprocess.run([str(ROOT / ".venv" / "bin" / "livekit"), "report", str(SAMPLE_SHOW_ID), "--format", "json"],
                             env=env, capture_output=True, text=True, timeout=60, check=True)
    return json.loads(printed.stdout)


def test_the_demo_finishes(demo):
    finished, _ = demo
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]


def test_every_segment_of_the_sample_show_has_its_audience(demo):
    _, workspace = demo
    report = sample_show_report(workspace)
    assert report["title"] == "Greenroom Demo Show"
    audiences = [row["audience"] for row in report["rows"]]
    assert len(audiences) == 4
    # One minute each, and the last segment also the few seconds of the minute the show ended in.
    assert all(audience["minutes"] in (1, 2) and audience["gap_minutes"] == 0 for audience in audiences)
    assert all(audience["avg_viewers"] > 0 and audience["chat_per_minute"] > 0 for audience in audiences)


def test_the_sample_show_is_judged_by_its_goals_against_the_earlier_demo_shows(demo):
    _, workspace = demo
    goals = {goal["name"]: goal for goal in sample_show_report(workspace)["goals"]}
    assert {name: goals[name]["goal"] for name in ("peak_viewers", "questions", "retention")} == {
        "peak_viewers": 50, "questions": 3, "retention": 80}
    for name in ("peak_viewers", "avg_viewers", "questions", "new_followers", "chat_per_viewer"):
        assert goals[name]["actual"] is not None
        assert goals[name]["baseline"] is not None
        assert goals[name]["baseline_shows"] == [3, 2, 1]


def test_the_printed_markdown_report_shows_audience_goals_and_baseline(demo):
    finished, _ = demo
    printed = finished.stdout
    start = printed.index("# Greenroom Demo Show\n\nStatus: ended. Planned 4:00")
    markdown = printed[start:printed.index("## Recordings", start)]
    assert "| avg viewers | peak viewers | retention | chat/min | questions |" in markdown
    assert "## Goals" in markdown
    assert "(3 shows)" in markdown


def test_the_twitch_stand_in_is_stopped_when_the_demo_ends(demo):
    _, workspace = demo
    pid = json.loads((workspace / "fake-twitch.json").read_text())["pid"]
    assert not Path(f"/proc/{pid}").exists()
