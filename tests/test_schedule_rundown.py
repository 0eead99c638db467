"""A rundown's schedule keys (starts_at, timezone, ends_at, hard_out) in YAML and CSV, mistakes as file:line."""

import datetime

import pytest

from livekit.core.rundown import Rundown
from livekit.rundown import (
    RundownError,
    parse_rundown_csv,
    parse_rundown_yaml,
    rundown_to_csv,
    rundown_to_yaml,
)

SEGMENTS = "segments:\n  - {title: Intro, duration: 30m}\n  - {title: Q&A, duration: 20m}\n"


def problems_of(text, parse=parse_rundown_yaml):
    with pytest.raises(RundownError) as caught:
        parse(text, "show.yaml")
    return [str(problem) for problem in caught.value.problems]


def test_a_yaml_rundown_plans_its_start_and_derives_the_end_from_its_total():
    rundown = parse_rundown_yaml(
        "title: AMA\nstarts_at: 2030-12-10 18:00\ntimezone: Europe/Paris\nhard_out: 19:15\n" + SEGMENTS)
    plan = rundown.schedule
    assert f"{plan.local_start():%Y-%m-%d %H:%M %z}" == "2030-12-10 18:00 +0100"
    assert f"{plan.local_end():%H:%M}" == "18:50"
    assert f"{plan.local_hard_out():%H:%M}" == "19:15"


def test_a_yaml_rundown_may_give_its_own_end():
    rundown = parse_rundown_yaml(
        "title: AMA\nstarts_at: 2030-12-10 18:00\nends_at: 2030-12-10 19:00\ntimezone: Europe/Paris\n" + SEGMENTS)
    assert f"{rundown.schedule.local_end():%H:%M}" == "19:00"


def test_a_yaml_start_without_a_timezone_is_reported_on_its_line():
    assert problems_of("title: AMA\nstarts_at: 2030-12-10 18:00\n" + SEGMENTS) == [
        "show.yaml:2: starts_at needs timezone (an IANA name such as Europe/Paris)"]


def test_a_yaml_start_on_a_spring_forward_night_is_reported_on_its_line():
    [problem] = problems_of("title: AMA\ntimezone: Europe/Paris\nstarts_at: 2031-03-30 02:30\n" + SEGMENTS)
    assert problem.startswith("show.yaml:3: bad starts_at: 2031-03-30 02:30 does not exist in Europe/Paris")


def test_a_yaml_hard_out_before_the_planned_end_is_reported_on_its_line():
    [problem] = problems_of("title: AMA\nstarts_at: 2030-12-10 18:00\ntimezone: Europe/Paris\nhard_out: '18:30'\n"
                            + SEGMENTS)
    assert problem.startswith("show.yaml:4: the show is planned to end at 2030-12-10 18:50, after its hard out")


def test_a_yaml_timezone_without_a_start_is_reported_on_its_line():
    assert problems_of("title: AMA\ntimezone: Europe/Paris\n" + SEGMENTS) == [
        "show.yaml:2: timezone needs starts_at (when the show is planned to start)"]


def test_a_csv_rundown_plans_its_start_from_its_settings_lines():
    rundown = parse_rundown_csv("# title: AMA\n# starts_at: 2030-12-10 18:00\n# timezone: America/New_York\n"
                                "title,duration\nIntro,45m\n", "show.csv")
    assert rundown.schedule.starts_at_ms == int(
        datetime.datetime(2030, 12, 10, 23, 0, tzinfo=datetime.UTC).timestamp() * 1000)


def test_a_csv_bad_timezone_is_reported_on_its_line():
    assert problems_of("# title: AMA\n# starts_at: 2030-12-10 18:00\n# timezone: Mars/Olympus\ntitle,duration\n"
                       "Intro,45m\n", parse_rundown_csv)[0].startswith("show.yaml:3: bad timezone: unknown time zone")


@pytest.mark.parametrize("write, read", [(rundown_to_yaml, parse_rundown_yaml), (rundown_to_csv, parse_rundown_csv)],
                         ids=["yaml", "csv"])
def test_a_scheduled_rundown_round_trips_through_its_file_format(write, read):
    rundown = parse_rundown_yaml("title: AMA\nstarts_at: 2030-12-10 18:00\nends_at: 2030-12-10 19:00\n"
                                 "timezone: Europe/Paris\nhard_out: 19:15\n" + SEGMENTS)
    assert read(write(rundown), "again").schedule == rundown.schedule


def test_an_unscheduled_rundown_keeps_its_content_hash():
    rundown = parse_rundown_yaml("title: AMA\n" + SEGMENTS)
    assert "schedule" not in rundown.to_dict()
    assert Rundown.from_dict(rundown.to_dict()).content_hash == rundown.content_hash


JOIN = "https://meet.example.com/weekly-ama"


def test_a_yaml_rundown_says_where_guests_join_and_where_the_show_is():
    rundown = parse_rundown_yaml(f"title: AMA\njoin_url: {JOIN}\nlocation: Studio 2, Paris\n" + SEGMENTS)
    assert (rundown.join_url, rundown.location) == (JOIN, "Studio 2, Paris")


def test_a_csv_rundown_says_where_guests_join_and_where_the_show_is():
    rundown = parse_rundown_csv(f"# title: AMA\n# join_url: {JOIN}\n# location: Studio 2 (Paris)\n"
                                "title,duration\nIntro,45m\n", "show.csv")
    assert (rundown.join_url, rundown.location) == (JOIN, "Studio 2 (Paris)")


@pytest.mark.parametrize("write, read", [(rundown_to_yaml, parse_rundown_yaml), (rundown_to_csv, parse_rundown_csv)],
                         ids=["yaml", "csv"])
def test_the_join_link_and_location_round_trip_through_the_file_format(write, read):
    rundown = parse_rundown_yaml(f"title: AMA\nstarts_at: 2030-12-10 18:00\ntimezone: Europe/Paris\n"
                                 f"join_url: {JOIN}\nlocation: Studio 2\n" + SEGMENTS)
    again = read(write(rundown), "again")
    assert (again.join_url, again.location, again.schedule) == (JOIN, "Studio 2", rundown.schedule)


def test_a_join_link_that_is_not_http_is_reported_on_its_line():
    [problem] = problems_of("title: AMA\nlocation: Studio 2\njoin_url: javascript:alert(1)\n" + SEGMENTS)
    assert problem.startswith("show.yaml:3: bad join_url: 'javascript:alert(1)' is not a join link")


def test_a_join_link_too_long_is_reported_on_its_line():
    [problem] = problems_of(f"# title: AMA\n# join_url: {JOIN}?{'x' * 2000}\ntitle,duration\nIntro,45m\n",
                            parse_rundown_csv)
    assert problem.startswith("show.yaml:2: bad join_url: the join link is 2036 characters long: at most 2000")


def test_a_location_over_several_lines_is_reported_on_its_line():
    [problem] = problems_of("title: AMA\nlocation: |\n  Studio 2\n  Paris\n" + SEGMENTS)
    assert problem == ("show.yaml:2: bad location: the location must be one line of text "
                       "(no line breaks or control characters)")
