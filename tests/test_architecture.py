"""The module seams hold: import-linter's contracts in pyproject.toml ([tool.importlinter]) are all kept.

Pure cores import no I/O, outreach reaches livekit only through livekit.guests.booking, livekit never
imports outreach, greenroom knows none of its clients, and sibling subpackages import each other in one
direction only. Run `lint-imports` to see which import breaks a contract. The shared database knows its
tools only through their ``greenroom.migrations`` entry points.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from greenroom.db import migration_sets, open_database

ROOT = Path(__file__).resolve().parent.parent


def lint_imports() -> str:
    found = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert found, "import-linter is not installed: pip install -e '.[dev]'"
    return found


@pytest.mark.subprocess
def test_every_import_contract_is_kept():
    result = subprocess.run([lint_imports(), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_workspace_schema_comes_from_every_registered_tool_in_order():
    assert [migrations.name for migrations in migration_sets()] == [
        "greenroom", "livekit", "outreach", "outreach-campaigns"]


def test_opening_the_database_leaves_both_tools_tables_next_to_each_other():
    tables = set(open_database(":memory:").table_names())
    assert {"platform_quota", "guests", "shows", "influencers", "campaigns", "outbox"} <= tables
