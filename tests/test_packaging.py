"""An installed wheel works away from the checkout: its default templates travel with it."""

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

RENDER_FROM_WHEEL = """
import json, greenroom, livekit, outreach
from greenroom.templates import default_templates_dir
from outreach.mail.template import TemplateLibrary, template_dirs
library = TemplateLibrary(template_dirs(None))
email = library.render("first-contact.md.j2", {
    "influencer": {"first_name": "Ada", "channel": "Analytical Engines"},
    "sender": {"name": "Grace"}, "owner": {}, "campaign": {},
})
print(json.dumps({"package": greenroom.__file__, "templates": str(default_templates_dir()),
                  "subject": email.subject, "text": email.text}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
                   check=True, capture_output=True)
    (built,) = out.glob("greenroom-*.whl")
    return built


@pytest.mark.subprocess
@pytest.mark.build
@pytest.mark.slow
def test_installed_wheel_renders_a_default_template_without_the_checkout(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True)
    # Dependencies come from the test environment's site-packages (offline); PYTHONPATH does not run
    # its .pth files, so the editable checkout stays invisible and greenroom is imported from the wheel.
    env = {**os.environ, "PYTHONPATH": sysconfig.get_paths()["purelib"]}
    result = subprocess.run([str(python), "-c", RENDER_FROM_WHEEL], cwd=tmp_path, env=env,
                            capture_output=True, text=True, check=True)
    seen = json.loads(result.stdout)
    assert seen["package"].startswith(str(venv))
    assert seen["templates"].startswith(str(venv))
    assert seen["subject"] == "Ada, a live interview for your audience?"
    assert "Analytical Engines" in seen["text"]


@pytest.mark.build
def test_wheel_declares_the_three_console_scripts(wheel):
    import zipfile

    with zipfile.ZipFile(wheel) as archive:
        entry_points = next(name for name in archive.namelist() if name.endswith("entry_points.txt"))
        text = archive.read(entry_points).decode()
    assert "livekit = livekit.cli:main" in text
    assert "outreach = outreach.cli:main" in text
    assert "greenroom = management.cli:main" in text


@pytest.mark.build
def test_wheel_carries_the_management_report_and_the_datasette_metadata(wheel):
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    assert "management/cli.py" in names and "greenroom/templates/datasette/metadata.yml" in names
