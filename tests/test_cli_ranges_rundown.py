"""What `livekit run` would refuse, `livekit check` reports with file and line: a guest name the queue cannot
take, a segment longer than a day, a show longer than a week. `run` refuses it before any show is created."""

import pytest

from greenroom.errors import GreenroomError
from livekit.core.rundown import Rundown, Segment
from livekit.storage.shows import ShowStore
from tests.helpers import write_in

ESCAPED_GUEST = 'title: Demo\nsegments:\n  - title: a\n    duration: 10m\n    guest: "Jane\\e[5mDoe"\n'


def test_check_reports_a_guest_name_with_control_characters_at_its_line(workspace, livekit_cli):
    result = livekit_cli("check", write_in(workspace, "g.yaml", ESCAPED_GUEST), "--no-obs")
    assert result.exit_code != 0
    assert "g.yaml:5: segment 1 (a): bad guest: guest name must be a single line of text" in result.output


def test_check_reports_a_guest_name_too_long_for_the_queue(workspace, livekit_cli):
    text = ESCAPED_GUEST.replace("Jane\\e[5mDoe", "J" * 121)
    result = livekit_cli("check", write_in(workspace, "long.yaml", text), "--no-obs")
    assert "long.yaml:5: segment 1 (a): bad guest: guest name is 121 characters long; the limit is 120" in result.output


def test_check_reports_a_bad_guest_name_in_a_csv_rundown(workspace, livekit_cli):
    text = "# title: Demo\ntitle,duration,guest\na,10m,\"Jane\x1b[5mDoe\"\n"
    result = livekit_cli("check", write_in(workspace, "g.csv", text), "--no-obs")
    assert "g.csv:3: segment 1 (a): bad guest: guest name must be a single line of text" in result.output


def test_run_refuses_a_bad_guest_name_before_creating_a_show(workspace, livekit_cli):
    result = livekit_cli("run", write_in(workspace, "g.yaml", ESCAPED_GUEST), "--no-obs", "--no-platforms",
                         "--no-web", "--auto")
    assert result.exit_code != 0
    assert "g.yaml:5: segment 1 (a): bad guest" in result.output
    assert "Show #" not in result.output
    assert ShowStore(workspace.database()).list_shows() == []


def test_a_rundown_built_in_code_with_a_bad_guest_is_refused_with_its_segment():
    from livekit.runner.session import refuse_unusable_guests

    rundown = Rundown("Demo", (Segment("a", 600_000, guest="Jane\nDoe", line=4),), source="demo.yaml")
    with pytest.raises(GreenroomError, match=r"demo.yaml:4: segment 1 \(a\): bad guest: guest name must be a single"):
        refuse_unusable_guests(rundown)


@pytest.mark.parametrize("duration", ["99999999999999999999h", "24h1s", "86401"])
def test_check_refuses_a_segment_longer_than_a_day_naming_the_limit(workspace, livekit_cli, duration):
    text = f"title: Long\nsegments:\n  - title: a\n    duration: {duration}\n"
    result = livekit_cli("check", write_in(workspace, "long.yaml", text), "--no-obs")
    assert result.exit_code != 0
    assert (f"long.yaml:4: segment 1 (a): duration {duration} is longer than 24 hours, the most a segment may last"
            in result.output)
    assert "unexpected failure" not in result.output


def test_a_segment_of_exactly_a_day_is_fine(workspace, livekit_cli):
    text = "title: Long\nsegments:\n  - title: a\n    duration: 24h\n"
    assert livekit_cli("check", write_in(workspace, "day.yaml", text), "--no-obs").exit_code == 0


def test_check_refuses_a_show_longer_than_a_week(workspace, livekit_cli):
    segments = "".join(f"  - {{title: s{number}, duration: 24h}}\n" for number in range(8))
    result = livekit_cli("check", write_in(workspace, "week.yaml", f"title: Week\nsegments:\n{segments}"), "--no-obs")
    assert "week.yaml:3: the segments last 192h in total: a show may last at most 7 days" in result.output


def test_check_refuses_a_csv_segment_and_warning_longer_than_a_day(workspace, livekit_cli):
    text = "# title: D\n# warning: 99999999999999999999h\ntitle,duration\na,99999999999999999999h\n"
    result = livekit_cli("check", write_in(workspace, "d.csv", text), "--no-obs")
    assert "d.csv:2: warning 99999999999999999999h is longer than 24 hours" in result.output
    assert "d.csv:4: segment 1 (a): duration 99999999999999999999h is longer than 24 hours" in result.output


def test_run_refuses_a_huge_duration_without_an_unexpected_failure(workspace, livekit_cli):
    text = "title: Long\nsegments:\n  - title: a\n    duration: 99999999999999999999h\n"
    result = livekit_cli("run", write_in(workspace, "long.yaml", text), "--no-obs", "--no-platforms", "--no-web",
                         "--auto")
    assert result.exit_code != 0
    assert "long.yaml:4:" in result.output
    assert "unexpected failure" not in result.output
    assert ShowStore(workspace.database()).list_shows() == []
