"""Shared fixtures. Real servers start once per session from tests/fixtures/ and are stopped by PID."""

import pytest

from greenroom.workspace import Workspace

pytest_plugins = ["tests.fixtures.obs", "tests.fixtures.browser", "tests.fixtures.platforms", "tests.fixtures.mail",
                  "tests.fixtures.live_show",
                  "tests.fixtures.outreach_platforms"]


@pytest.fixture
def workspace(tmp_path) -> Workspace:
    """A fresh, initialised workspace in a temporary folder."""
    ws = Workspace.locate(tmp_path / "ws")
    ws.init()
    yield ws
    ws.close()
