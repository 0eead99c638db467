"""Numbers beyond what SQLite or dates can hold are refused at the command line with a clear message, never
an "unexpected failure: OverflowError": ids of shows, appearances and influencers' shows, day counts and
periods."""

import pytest

from greenroom.numbers import MAX_DAYS

HUGE = "99999999999999999999"  # more than SQLite's 2**63 - 1


def _refused_cleanly(result, *expected: str) -> None:
    assert result.exit_code != 0, result.output
    assert "unexpected failure" not in result.output
    for text in expected:
        assert text in result.output


@pytest.mark.parametrize("args, name", [
    (("report", HUGE), "'[SHOW_ID]'"),
    (("vod", HUGE, "https://youtube.com/watch?v=x"), "'SHOW_ID'"),
    (("guests", "note", HUGE, "hi"), "'APPEARANCE_ID'"),
    (("run", "show.yaml", "--obs-port", HUGE), "'--obs-port'"),
])
def test_livekit_id_arguments_beyond_sqlite_are_refused_by_click(livekit_cli, args, name):
    _refused_cleanly(livekit_cli(*args), f"Invalid value for {name}: {HUGE} is not in the range")


@pytest.mark.parametrize("args", [
    ("guests", "list", "--show", HUGE),
    ("guests", "list", "--show", f"#{HUGE}"),
    ("guests", "log", "--show", HUGE),
    ("guests", "log", "--bookings", "--show", HUGE),
    ("guests", "add", "X", "--show", HUGE),
])
def test_livekit_show_references_beyond_sqlite_name_no_show(livekit_cli, args):
    _refused_cleanly(livekit_cli(*args), f"no show {HUGE} in this workspace")


@pytest.fixture
def influencer(outreach_cli):
    result = outreach_cli("influencers", "add", "--email", "ann@example.com", "--name", "Ann")
    assert result.exit_code == 0, result.output
    return "1"


@pytest.mark.parametrize("args", [
    ("--show", HUGE),
    ("--show", f"#{HUGE}"),
    ("--move", "--show", HUGE),
    ("--cancel", "--from", HUGE),
])
def test_booking_for_a_show_id_beyond_sqlite_names_no_show(outreach_cli, influencer, args):
    _refused_cleanly(outreach_cli("influencers", "book", influencer, *args), f"no show {HUGE} in this workspace")


@pytest.mark.parametrize("days", ["999999999999", "99999999", str(MAX_DAYS + 1)])
def test_not_contacted_days_beyond_a_century_is_refused(outreach_cli, days):
    _refused_cleanly(outreach_cli("influencers", "list", "--not-contacted-days", days),
                     f"Invalid value for '--not-contacted-days': {days} is not in the range 0<=x<={MAX_DAYS}")


def test_not_contacted_days_of_a_century_still_lists(outreach_cli, influencer):
    result = outreach_cli("influencers", "list", "--not-contacted-days", str(MAX_DAYS))
    assert result.exit_code == 0, result.output
    assert "Ann" in result.output


@pytest.mark.parametrize("period", ["99999999d", "999999999999999999999999w", f"{MAX_DAYS + 1}d"])
def test_management_report_since_beyond_a_century_is_refused(greenroom_cli, period):
    _refused_cleanly(greenroom_cli("report", "--since", period),
                     "Invalid value for '--since'", f"more than the {MAX_DAYS} days (a century) a period may span")


def test_management_report_since_a_century_still_reports(greenroom_cli):
    assert greenroom_cli("report", "--since", f"{MAX_DAYS}d").exit_code == 0


def test_benchmark_since_beyond_a_century_is_refused(outreach_cli):
    _refused_cleanly(outreach_cli("report", "benchmark", "--since", "999999999999999999999999d"),
                     "Invalid value for '--since'", f"more than the {MAX_DAYS} days")


@pytest.mark.parametrize("args, name", [
    (("preview", "spring", "--sample", HUGE), "'--sample'"),
    (("preview", "spring", "--step", HUGE), "'--step'"),
    (("campaign", "edit", "spring", "--daily-cap", HUGE), "'--daily-cap'"),
    (("mailbox", "login", "--timeout", HUGE), "'--timeout'"),
])
def test_outreach_counts_beyond_sqlite_are_refused_by_click(outreach_cli, args, name):
    _refused_cleanly(outreach_cli(*args), f"Invalid value for {name}: {HUGE} is not in the range")


def test_the_shared_types_stay_importable_from_outreach_cli_numbers():
    from greenroom import numbers
    from outreach.cli.numbers import COUNT, DAYS, LIMIT, ROW_ID

    assert (ROW_ID, COUNT, LIMIT, DAYS) == (numbers.ROW_ID, numbers.COUNT, numbers.LIMIT, numbers.DAYS)


@pytest.mark.parametrize("args", [
    ("inbox", "review", "show", HUGE),
    ("inbox", "review", "decide", HUGE, "--as", "ignore"),
])
def test_review_ids_beyond_sqlite_are_refused_by_click(outreach_cli, args):
    _refused_cleanly(outreach_cli(*args), f"Invalid value for 'REVIEW_ID': {HUGE} is not in the range")
