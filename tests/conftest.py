"""Shared fixtures and the rules that keep the suite honest.

Real servers start once per session from tests/fixtures/ and are stopped by PID.

Markers (registered with what they need in pyproject.toml) label every test that depends on something
outside Python, so ``-m "not obs and not browser"`` gives a fast local run and a skipped suite is visible:

- ``obs``, ``browser``, ``imap``, ``smtp`` are added here automatically to every test that uses the
  matching server fixture (:data:`FIXTURE_MARKERS`), so a new test cannot forget them.
- ``subprocess`` (a CLI run as a real process, ``kill -9`` tests), ``build`` (builds a wheel) and ``slow``
  are written on the tests themselves. A test that starts a process without ``subprocess`` (or ``build``,
  ``obs``, ``browser``, whose tools start processes) fails, naming the marker it lacks
  (:func:`processes_need_a_marker`).

Skips under ``CI=true``: a server fixture that cannot start calls
:func:`tests.fixtures.servers.unavailable`, which fails the test under ``CI=true`` and skips it elsewhere.
As a second lock, if any test carrying an external marker was skipped anyway (a ``pytest.skip`` written
in a test, a ``skipif``), :func:`pytest_sessionfinish` turns a green CI run red and says which. Locally,
skips are allowed; the per-marker table printed at the end of every run shows them.

Hypothesis: profile ``dev`` (Hypothesis's defaults) locally, ``ci`` (more examples, no deadline,
derandomized so a CI failure reproduces, failing blob printed) under ``CI=true``; ``HYPOTHESIS_PROFILE``
picks one explicitly. Tests that set ``max_examples`` themselves keep their own number.
"""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from collections.abc import Iterator

import pytest
from hypothesis import settings

from greenroom.workspace import Workspace
from tests.fixtures.servers import running_in_ci

pytest_plugins = ["tests.fixtures.obs", "tests.fixtures.browser", "tests.fixtures.platforms", "tests.fixtures.mail",
                  "tests.fixtures.outreach_platforms", "tests.fixtures.cli",
                  "tests.fixtures.live_show", "tests.fixtures.relay", "tests.fixtures.postfix", "tests.fixtures.oauth"]

#: Tests using one of these fixtures (directly or through another fixture) get the marker.
FIXTURE_MARKERS = {
    "obs_server": "obs",
    "obs_session": "obs",
    "obs_factory": "obs",
    "browser": "browser",
    "imap_session": "imap",
    "smtp_session": "smtp",
    "oauth_imap_session": "imap",
    "oauth_smtp_session": "smtp",
    "postfix_session": "smtp",
    "postfix": "subprocess",  # `postfix reload` after each test's rules
}
#: Markers for things outside Python: under CI=true none of their tests may be skipped.
EXTERNAL_MARKERS = ("obs", "browser", "imap", "smtp", "subprocess", "build")
#: Markers under which a test may start processes itself.
PROCESS_MARKERS = ("subprocess", "build", "obs", "browser")
#: Every marker the end-of-run table counts, in the order it prints them.
COUNTED_MARKERS = (*EXTERNAL_MARKERS, "slow")

settings.register_profile("dev")
settings.register_profile("ci", max_examples=300, deadline=None, derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if running_in_ci() else "dev"))


@pytest.fixture
def workspace(tmp_path) -> Iterator[Workspace]:
    """A fresh, initialised workspace in a temporary folder."""
    ws = Workspace.locate(tmp_path / "ws")
    ws.init()
    yield ws
    ws.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Add the marker of every server fixture a test uses, however indirectly."""
    for item in items:
        for fixture in getattr(item, "fixturenames", ()):
            marker = FIXTURE_MARKERS.get(fixture)
            if marker and item.get_closest_marker(marker) is None:
                item.add_marker(marker)


@pytest.fixture(autouse=True)
def processes_need_a_marker(request, monkeypatch) -> None:
    """Refuse ``subprocess.Popen`` (and so ``subprocess.run``, asyncio's subprocesses) in unmarked tests.

    Session and module fixtures (Dovecot, a wheel build) start before this guard, so they are not caught:
    their own markers come from :data:`FIXTURE_MARKERS` or the test module.
    """
    if any(request.node.get_closest_marker(marker) for marker in PROCESS_MARKERS):
        return

    def refuse(process, args, *more, **options) -> None:
        raise AssertionError(f"{request.node.nodeid} starts a process ({args!r}): mark it "
                             "@pytest.mark.subprocess (see tests/conftest.py)")

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)


# ------------------------------------------------------------------------------ outcomes per marker

_OUTCOMES: dict[str, tuple[tuple[str, ...], str]] = {}
_RANK = {"passed": 0, "skipped": 1, "failed": 2}


def markers_of(keywords: object) -> tuple[str, ...]:
    """The counted markers among a test's keywords (``report.keywords`` holds marker names as keys)."""
    return tuple(marker for marker in COUNTED_MARKERS if marker in keywords)  # type: ignore[operator]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Keep each test's worst outcome over its setup, call and teardown (an error counts as failed)."""
    outcome = "skipped" if report.skipped else "failed" if report.failed else "passed"
    if report.when != "call" and outcome == "passed":
        return
    known = _OUTCOMES.get(report.nodeid)
    if known is None or _RANK[outcome] > _RANK[known[1]]:
        _OUTCOMES[report.nodeid] = (markers_of(report.keywords), outcome)


def outcome_table(outcomes: dict[str, tuple[tuple[str, ...], str]]) -> list[str]:
    """Lines of passed/failed/skipped counts per marker, plus ``unmarked`` for tests with none."""
    counts: dict[str, Counter[str]] = {marker: Counter() for marker in (*COUNTED_MARKERS, "unmarked")}
    for markers, outcome in outcomes.values():
        for marker in markers or ("unmarked",):
            counts[marker][outcome] += 1
    lines = [f"{'marker':<12}{'passed':>8}{'failed':>8}{'skipped':>9}"]
    for marker, counted in counts.items():
        lines.append(f"{marker:<12}{counted['passed']:>8}{counted['failed']:>8}{counted['skipped']:>9}")
    return lines


def skipped_external(outcomes: dict[str, tuple[tuple[str, ...], str]]) -> list[str]:
    return [node for node, (markers, outcome) in outcomes.items()
            if outcome == "skipped" and set(markers) & set(EXTERNAL_MARKERS)]


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Under CI=true a skipped external test fails the run: CI must prove what it claims to test."""
    if running_in_ci() and skipped_external(_OUTCOMES) and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int) -> None:
    """Print how many tests ran per marker, so a suite that was skipped or deselected shows as zeros."""
    if not _OUTCOMES:
        return
    terminalreporter.section("tests per marker")
    for line in outcome_table(_OUTCOMES):
        terminalreporter.write_line(line)
    skipped = skipped_external(_OUTCOMES)
    if skipped and running_in_ci():
        terminalreporter.write_line(f"CI=true: {len(skipped)} external test(s) skipped, the run fails:", red=True)
        for node in skipped:
            terminalreporter.write_line(f"  {node}", red=True)
