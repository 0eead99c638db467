"""The command-line tools start fast: heavy libraries load only inside the commands that use them.

Checked in a fresh interpreter (this test process has imported everything already). `--help` loads every
command module to show its summary, so the command modules themselves must stay light too.
"""

import json
import subprocess
import sys

import pytest

#: Libraries only some commands need: platform clients, charts, HTTP server, OBS, scheduler, templates.
HEAVY = ("googleapiclient", "twitchio", "matplotlib", "aiohttp", "obswebsocket", "apscheduler", "jinja2")

pytestmark = pytest.mark.subprocess


def heavy_modules_loaded_by(code: str) -> list[str]:
    probe = code + (
        "\nimport json, sys\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("tool", ["outreach.cli", "livekit.cli"])
def test_importing_a_cli_loads_no_platform_client_or_chart_library(tool):
    assert heavy_modules_loaded_by(f"import {tool}") == []


@pytest.mark.parametrize("tool", ["outreach.cli", "livekit.cli"])
def test_help_lists_every_command_without_loading_heavy_libraries(tool):
    show_help = (
        f"import {tool} as cli\n"
        "try:\n"
        "    cli.main(['--help'], prog_name='tool')\n"
        "except SystemExit:\n"
        "    pass\n"
    )
    assert heavy_modules_loaded_by(show_help) == []
