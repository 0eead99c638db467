"""Hand-written files used as attacks: YAML alias bombs, huge files, spreadsheet formulas, terminal escapes."""

import contextlib
import csv
import io
import os
import pty
import subprocess
import sys

import pytest

from greenroom.config import Config
from greenroom.errors import ConfigError
from livekit.core import FakeClock, Rundown, Segment
from livekit.obs.settings import PASSWORD_ENV
from livekit.rundown import RundownError, load_rundown, parse_rundown_csv, parse_rundown_yaml, rundown_to_csv
from livekit.storage.shows import ShowStore
from outreach.core.campaign import MAX_CAMPAIGN_CHARS, CampaignError, parse_campaign
from tests.fixtures.mail import campaign_yaml

ESCAPE = "\x1b]0;pwned\x07\x1b[2J"


def alias_bomb_rundown(segments: int = 2000, points: int = 2000) -> str:
    """Small on disk, huge when walked: every segment's talking points alias one long list."""
    items = "".join(f"      - point {n}\n" for n in range(points))
    first = f"  - title: S0\n    duration: 1m\n    talking_points: &points\n{items}"
    rest = "".join(f"  - title: S{n}\n    duration: 1m\n    talking_points: *points\n" for n in range(1, segments))
    return "title: Bomb\nsegments:\n" + first + rest


def test_a_rundown_alias_bomb_is_refused_at_the_anchor_line_before_it_expands():
    with pytest.raises(RundownError) as raised:
        parse_rundown_yaml(alias_bomb_rundown(), "bomb.yaml")
    assert [str(problem) for problem in raised.value.problems] == [
        "bomb.yaml:5: YAML anchors and aliases (&points) are not allowed here: write each value out in full"
    ]


def test_check_refuses_a_rundown_alias_instead_of_saying_ok(tmp_path, livekit_cli):
    rundown = tmp_path / "bomb.yaml"
    rundown.write_text("title: T\nsegments:\n  - {title: A, duration: 1m, talking_points: [Hi]}\n"
                       "  - {title: B, duration: 1m, talking_points: *undefined}\n")
    outcome = livekit_cli("check", "--no-obs", rundown)
    assert outcome.exit_code == 1
    assert outcome.stdout == (f"{rundown}:4: YAML anchors and aliases (*undefined) are not allowed here: "
                              "write each value out in full\n")


def test_a_rundown_text_over_the_size_limit_is_refused_before_parsing():
    with pytest.raises(RundownError, match=r"big\.yaml: the file is 1,000,001 characters long; a rundown is"):
        parse_rundown_yaml("#" * 1_000_001, "big.yaml")


def test_a_campaign_alias_is_refused_with_its_line():
    text = campaign_yaml().replace("daily_cap: 1000", "daily_cap: &cap 1000\njitter_minutes: *cap")
    with pytest.raises(CampaignError, match=r"^c\.yaml:9: YAML anchors and aliases \(&cap\) are not allowed"):
        parse_campaign(text, "c.yaml")


def test_a_campaign_over_the_size_limit_is_refused_before_parsing():
    with pytest.raises(CampaignError, match=r"^c\.yaml: the file is .* characters long; a campaign file is"):
        parse_campaign(campaign_yaml() + "#" * MAX_CAMPAIGN_CHARS, "c.yaml")



def runaway_brackets(depth: int = 5000) -> str:
    """A few kilobytes that nest lists thousands deep: every parser here recursed until RecursionError."""
    return "[" * depth + "]" * depth


def test_a_rundown_nested_thousands_deep_is_refused_with_its_line_by_check(tmp_path, livekit_cli):
    rundown = tmp_path / "deep.yaml"
    rundown.write_text(f"title: T\nsegments:\n  - title: A\n    duration: 1m\n    notes: {runaway_brackets()}\n")
    outcome = livekit_cli("check", "--no-obs", rundown)
    assert outcome.exit_code == 1
    assert outcome.stdout == (f"{rundown}:5: lists or mappings are nested inside each other more than 100 levels "
                              "deep; no Greenroom file needs that many\n")


def test_a_campaign_nested_thousands_deep_is_refused_with_its_line():
    text = campaign_yaml().replace("daily_cap: 1000", f"daily_cap: 1000\njitter_minutes: {runaway_brackets()}")
    with pytest.raises(CampaignError, match=r"^c\.yaml:10: lists or mappings are nested inside each other more than"):
        parse_campaign(text, "c.yaml")


def test_ordinary_nesting_in_yaml_is_still_read():
    rundown = parse_rundown_yaml("title: T\nsegments:\n  - title: A\n    duration: 1m\n"
                                 "    talking_points: [one, two]\n", "ok.yaml")
    assert rundown.segments[0].talking_points == ("one", "two")


def test_settings_nested_thousands_deep_are_a_config_error_naming_file_and_line(tmp_path):
    config = tmp_path / "greenroom.toml"
    config.write_text(f'[outreach]\nphysical_address = "x [ {{ y"\nnoise = {runaway_brackets()}\n')
    with pytest.raises(ConfigError) as raised:
        Config.load(config)
    assert str(raised.value) == (f"{config} line 3: lists or tables are nested inside each other more than 100 "
                                 "levels deep; no Greenroom file needs that many")


def test_an_import_file_nested_thousands_deep_is_refused_naming_file_and_line(tmp_path, outreach_cli):
    people = tmp_path / "people.json"
    people.write_text('[\n  {"name": "Ana", "email": "ana@example.org"},\n  {"custom": ' + runaway_brackets() + "}\n]\n")
    outcome = outreach_cli("import", people)
    assert outcome.exit_code != 0
    assert (f"{people} line 3: lists or tables are nested inside each other more than 100 levels deep"
            in outcome.output)
    assert "Traceback" not in outcome.output and "RecursionError" not in outcome.output

FORMULAS = Rundown(
    title="=cmd|' /C calc'!A0",
    segments=(
        Segment("=HYPERLINK(\"http://evil.example\",\"x\")", 60_000, scene="+Camera", guest="@Ada",
                notes="-2+3", talking_points=("=1+1", "fine"), prompts=()),
        Segment("'=typed with a quote", 30_000, guest="'Tis the season"),
    ),
)


def test_csv_export_writes_no_cell_a_spreadsheet_would_run_as_a_formula():
    rows = list(csv.reader(io.StringIO(rundown_to_csv(FORMULAS))))
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert rows[-2][:5] == ["'=HYPERLINK(\"http://evil.example\",\"x\")", "1m", "'+Camera", "'@Ada", "'-2+3"]


def test_csv_import_gives_back_what_the_user_typed_after_a_formula_safe_export():
    assert parse_rundown_csv(rundown_to_csv(FORMULAS), "f.csv") == FORMULAS


def test_csv_import_keeps_a_quote_that_does_not_guard_a_formula():
    rundown = parse_rundown_csv("# title: T\ntitle,duration,guest\n'Tis it,1m,'=x\n", "q.csv")
    assert (rundown.segments[0].title, rundown.segments[0].guest) == ("'Tis it", "=x")


def test_check_shows_escape_sequences_in_titles_harmlessly(tmp_path, livekit_cli):
    rundown = tmp_path / "escapes.yaml"
    rundown.write_text(f'title: T\nsegments:\n  - title: "{ESCAPE.encode("unicode_escape").decode()}Intro"\n')
    outcome = livekit_cli("check", "--no-obs", rundown)
    assert outcome.exit_code == 1
    assert "\x1b" not in outcome.output and "\x07" not in outcome.output
    assert "segment 1 (\\x1b]0;pwned\\x07\\x1b[2JIntro): missing duration" in outcome.stdout


def test_rundown_export_errors_show_escape_sequences_in_titles_harmlessly(tmp_path, livekit_cli):
    rundown = tmp_path / "escapes.yaml"
    escaped = ESCAPE.encode("unicode_escape").decode()
    rundown.write_text(f'title: T\nsegments:\n  - title: "{escaped}Intro"\n    duration: 1m\n'
                       "    talking_points: [a | b]\n")
    outcome = livekit_cli("rundown", "export", rundown, "--csv", tmp_path / "out.csv")
    assert outcome.exit_code == 2
    assert "\x1b" not in outcome.output and "\\x1b]0;pwned" in outcome.stderr


def test_shows_lists_escape_sequences_in_titles_harmlessly(workspace, livekit_cli):
    ShowStore(workspace.database(), FakeClock()).create_show(Rundown(ESCAPE + "Show", (Segment("A", 60_000),)))
    outcome = livekit_cli("shows")
    assert outcome.exit_code == 0
    assert "\x1b" not in outcome.stdout and "\\x1b]0;pwned" in outcome.stdout


@pytest.mark.obs
def test_check_reports_file_problems_and_scene_problems_together(obs_server, tmp_path, livekit_cli):
    rundown = tmp_path / "both.yaml"
    rundown.write_text("title: T\nwarnign: 30s\nsegments:\n  - title: A\n    duration: 5\n    scene: Interveiw\n"
                       "  - title: B\n    scene: Nowhere\n")
    outcome = livekit_cli("check", "--obs-port", obs_server.port, rundown, env={PASSWORD_ENV: obs_server.password})
    assert outcome.exit_code == 1
    assert outcome.stdout.splitlines() == [
        f"{rundown}:2: the show: unknown key 'warnign' (did you mean 'warning'?)",
        f"{rundown}:6: segment 1 (A): OBS has no scene 'Interveiw' (did you mean 'Interview'?)",
        f"{rundown}:7: segment 2 (B): missing duration",
        f"{rundown}:8: segment 2 (B): OBS has no scene 'Nowhere'",
    ]


def test_a_rundown_file_with_problems_still_yields_its_scenes_for_the_scene_check(tmp_path):
    from livekit.rundown import check_rundown_file, scene_problems

    rundown = tmp_path / "broken.csv"
    rundown.write_text("# title: T\ntitle,duration,scene\nA,,Cam\n,1m,Stage\n")
    checked = check_rundown_file(rundown)
    assert checked.rundown is None and len(checked.problems) == 2
    assert [str(problem) for problem in scene_problems(checked.scene_uses, ["Cam"])] == [
        f"{rundown}:4: segment 2: OBS has no scene 'Stage'"
    ]
    with pytest.raises(RundownError):
        load_rundown(rundown)


@pytest.mark.subprocess
def test_rundown_export_to_a_terminal_shows_escape_sequences_harmlessly(tmp_path):
    rundown = tmp_path / "escapes.yaml"
    rundown.write_text(f'title: T\nsegments:\n  - title: "{ESCAPE.encode("unicode_escape").decode()}Intro"\n'
                       "    duration: 1m\n")
    controller, terminal = pty.openpty()
    with subprocess.Popen([sys.executable, "-m", "livekit.cli", "--workspace", str(tmp_path / "ws"), "rundown",
                           "export", str(rundown), "--csv", "-"], stdout=terminal, stderr=subprocess.DEVNULL) as run:
        os.close(terminal)
        shown = b""
        with contextlib.suppress(OSError):  # the terminal reports EIO once the command has exited
            while chunk := os.read(controller, 4096):
                shown += chunk
        assert run.wait(timeout=30) == 0
    os.close(controller)
    assert b"\x1b" not in shown and b"\\x1b]0;pwned\\x07\\x1b[2JIntro" in shown


def test_rundown_export_into_a_pipe_or_file_keeps_the_text_exactly(tmp_path, livekit_cli):
    rundown = tmp_path / "escapes.yaml"
    rundown.write_text(f'title: T\nsegments:\n  - title: "{ESCAPE.encode("unicode_escape").decode()}Intro"\n'
                       "    duration: 1m\n")
    outcome = livekit_cli("rundown", "export", rundown, "--csv", "-")
    assert outcome.exit_code == 0
    assert f"{ESCAPE}Intro,1m" in outcome.stdout


def test_settings_linked_to_an_endless_device_are_a_config_error_not_a_hang(tmp_path):
    config = tmp_path / "greenroom.toml"
    config.symlink_to("/dev/zero")
    with pytest.raises(ConfigError, match=r"greenroom\.toml: is a device, not a settings file"):
        Config.load(config)
