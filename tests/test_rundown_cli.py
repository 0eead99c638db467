"""`livekit check` and `livekit rundown import|export` as a user runs them."""

import os
import stat
import threading
from pathlib import Path

import pytest

from livekit.obs.settings import PASSWORD_ENV
from livekit.rundown import load_rundown
from tests.helpers import free_port

DATA = Path(__file__).parent / "data"
SAMPLE = Path(__file__).parent.parent / "templates" / "rundowns" / "sample-show.yaml"


def test_check_accepts_a_good_rundown(livekit_cli):
    outcome = livekit_cli("check", "--no-obs", SAMPLE)
    assert outcome.exit_code == 0
    assert outcome.stdout == f"{SAMPLE}: OK: 'Greenroom Demo Show', 4 segments, 0:16 planned\n"


def test_check_lists_every_problem_and_exits_non_zero(livekit_cli):
    outcome = livekit_cli("check", "--no-obs", DATA / "rundown-broken.yaml")
    assert outcome.exit_code == 1
    assert len(outcome.stdout.splitlines()) == 7
    assert outcome.stdout.startswith(f"{DATA / 'rundown-broken.yaml'}:2: the show: unknown key 'warnign'")
    assert outcome.stderr == f"7 problems in {DATA / 'rundown-broken.yaml'}\n"


def test_check_reads_csv_rundowns_too(livekit_cli):
    outcome = livekit_cli("check", "--no-obs", DATA / "rundown-bad-rows.csv")
    assert outcome.exit_code == 1
    assert f"{DATA / 'rundown-bad-rows.csv'}:4: segment 2: missing title" in outcome.stdout


def test_check_without_obs_reachable_says_scenes_were_not_checked(livekit_cli):
    outcome = livekit_cli("check", "--obs-port", free_port(), "--obs-timeout", "1", SAMPLE)
    assert outcome.exit_code == 0
    assert outcome.stderr.startswith("OBS not reachable: scenes not checked (")


@pytest.mark.obs
def test_check_with_obs_accepts_scenes_that_exist(obs_server, livekit_cli):
    outcome = livekit_cli("check", "--obs-port", obs_server.port, SAMPLE, env={PASSWORD_ENV: obs_server.password})
    assert (outcome.exit_code, outcome.stderr) == (0, "")


@pytest.mark.obs
def test_check_with_obs_reports_a_missing_scene_with_its_line_and_the_close_name(obs_server, tmp_path, livekit_cli):
    rundown = tmp_path / "typo.yaml"
    rundown.write_text("title: T\nsegments:\n  - title: A\n    duration: 5\n    scene: Interveiw\n")
    outcome = livekit_cli("check", "--obs-port", obs_server.port, rundown, env={PASSWORD_ENV: obs_server.password})
    assert outcome.exit_code == 1
    assert outcome.stdout == f"{rundown}:5: segment 1 (A): OBS has no scene 'Interveiw' (did you mean 'Interview'?)\n"


def test_export_then_import_gives_back_the_same_rundown(tmp_path, livekit_cli):
    exported, imported = tmp_path / "show.csv", tmp_path / "show.yaml"
    assert livekit_cli("rundown", "export", DATA / "rundown-good.yaml", "--csv", exported).exit_code == 0
    assert livekit_cli("rundown", "import", exported, "--yaml", imported).exit_code == 0
    assert load_rundown(imported) == load_rundown(DATA / "rundown-good.yaml")


def test_export_refuses_to_overwrite_without_force(tmp_path, livekit_cli):
    target = tmp_path / "show.csv"
    target.write_text("keep me")
    outcome = livekit_cli("rundown", "export", SAMPLE, "--csv", target)
    assert (outcome.exit_code, target.read_text()) == (2, "keep me")
    assert "already exists (use --force to replace it)" in outcome.stderr
    assert livekit_cli("rundown", "export", SAMPLE, "--csv", target, "--force").exit_code == 0
    assert target.read_text().startswith("# title: Greenroom Demo Show")


def test_import_of_a_broken_csv_writes_nothing_and_names_the_lines(workspace, tmp_path, livekit_cli):
    target = tmp_path / "out.yaml"
    outcome = livekit_cli("rundown", "import", DATA / "rundown-broken.csv", "--yaml", target)
    assert outcome.exit_code == 2
    assert f"{DATA / 'rundown-broken.csv'}:2: unknown setting 'warnig'" in outcome.stderr
    assert not target.exists()
    assert list(tmp_path.iterdir()) == [workspace.root]


def test_export_into_a_named_pipe_needs_no_force_and_keeps_the_pipe(tmp_path, livekit_cli):
    pipe = tmp_path / "show.csv"
    os.mkfifo(pipe)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_text()), daemon=True)
    reader.start()
    outcome = livekit_cli("rundown", "export", SAMPLE, "--csv", pipe)
    reader.join(timeout=10)
    assert outcome.exit_code == 0, outcome.stderr
    assert received and received[0].startswith("# title: Greenroom Demo Show")
    assert stat.S_ISFIFO(pipe.stat().st_mode)


def test_export_to_standard_output(livekit_cli):
    outcome = livekit_cli("rundown", "export", SAMPLE, "--csv", "-")
    assert outcome.stdout.splitlines()[0] == "# title: Greenroom Demo Show"
