"""The module seams hold: import-linter's contracts in pyproject.toml ([tool.importlinter]) are all kept.

Pure cores import no I/O, outreach reaches livekit only through livekit.guests.booking, livekit never
imports outreach, greenroom knows none of its clients, and sibling subpackages import each other in one
direction only. Run `lint-imports` to see which import breaks a contract.
"""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def lint_imports() -> str:
    found = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert found, "import-linter is not installed: pip install -e '.[dev]'"
    return found


def test_every_import_contract_is_kept():
    result = subprocess.run([lint_imports(), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
