"""The test harness's own rules: skip-or-fail for missing servers, markers from fixtures, polling."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from tests.conftest import outcome_table, skipped_external
from tests.fixtures.servers import unavailable
from tests.helpers import eventually, eventually_blocking, free_port


def test_an_unavailable_server_fails_the_test_under_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="dovecot is missing"):
        unavailable("dovecot is missing")


def test_an_unavailable_server_skips_the_test_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="dovecot is missing"):
        unavailable("dovecot is missing")


@pytest.mark.parametrize("value", ["false", "", "0"])
def test_only_ci_true_counts_as_ci(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.skip.Exception):
        unavailable("no server")


def test_a_test_using_the_smtp_server_is_marked_smtp_without_saying_so(request, smtp_server):
    assert request.node.get_closest_marker("smtp") is not None


def test_a_test_without_a_server_fixture_gets_no_server_marker(request):
    assert not any(request.node.get_closest_marker(name) for name in ("obs", "browser", "imap", "smtp"))


def test_starting_a_process_without_the_subprocess_marker_fails_and_names_the_marker():
    with pytest.raises(AssertionError, match=r"mark it @pytest.mark.subprocess"):
        subprocess.run([sys.executable, "-c", "pass"], check=True)


@pytest.mark.subprocess
def test_a_test_marked_subprocess_may_start_processes():
    assert subprocess.run([sys.executable, "-c", "pass"], check=True).returncode == 0


def test_the_marker_table_counts_each_outcome_per_marker_and_unmarked_tests():
    outcomes = {"a": (("smtp", "subprocess"), "passed"), "b": (("smtp",), "failed"), "c": ((), "skipped")}
    table = {line.split()[0]: line.split()[1:] for line in outcome_table(outcomes)[1:]}
    assert table["smtp"] == ["1", "1", "0"]
    assert table["subprocess"] == ["1", "0", "0"]
    assert table["unmarked"] == ["0", "0", "1"]
    assert table["obs"] == ["0", "0", "0"]


def test_only_skipped_tests_with_an_external_marker_break_a_ci_run():
    outcomes = {"imap": (("imap",), "skipped"), "slow": (("slow",), "skipped"), "plain": ((), "skipped"),
                "ran": (("obs",), "passed")}
    assert skipped_external(outcomes) == ["imap"]


def test_a_free_port_can_be_bound_at_once():
    with socket.socket() as server:
        server.bind(("127.0.0.1", free_port()))


def test_eventually_blocking_returns_the_first_truthy_value():
    answers = iter([None, 0, "ready"])
    assert eventually_blocking(lambda: next(answers), 5, interval=0) == "ready"


def test_eventually_blocking_fails_with_the_last_value_and_the_description():
    with pytest.raises(AssertionError, match=r"last value: \[\]\): nobody subscribed"):
        eventually_blocking(list, 0, describe="nobody subscribed")


async def test_eventually_awaits_an_async_check():
    answers = iter([False, True])

    async def check() -> bool:
        return next(answers)

    assert await eventually(check, 5, interval=0) is True


async def test_eventually_fails_with_a_description_computed_at_failure_time():
    with pytest.raises(AssertionError, match="seen: 3"):
        await eventually(lambda: False, 0, describe=lambda: "seen: 3")
