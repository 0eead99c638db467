"""The team in greenroom.toml: members with name, email and mailbox; "booked by" and "owner" name them when
a team is configured and stay free text when none is."""

import csv
import io

import pytest

from greenroom.config import Config
from greenroom.errors import ConfigError
from greenroom.team import TeamMember, UnknownTeamMember, load_team
from livekit.guests.queue import GuestQueue
from outreach.guest_booking import book_influencer
from outreach.importing import import_file

TEAM = """
[team.kim]
name = "Kim Lee"
email = "kim@agency.com"
mailbox = "kim"

[team.sam]
name = "Sam Ortiz"
email = "sam@agency.com"
"""


def config_with(tmp_path, text) -> Config:
    path = tmp_path / "greenroom.toml"
    path.write_text(text, encoding="utf-8")
    return Config.load(path)


@pytest.fixture
def team_workspace(workspace):
    with workspace.config_path.open("a", encoding="utf-8") as config:
        config.write(TEAM)
    return workspace


@pytest.fixture
def people(workspace, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("name,email,owner\nAna Lopez,ana@example.com,sam\nBo Berg,bo@example.com,kim\n")
    import_file(workspace.database(), path)
    return workspace.database()


def test_team_members_are_read_with_name_email_and_mailbox(tmp_path):
    team = load_team(config_with(tmp_path, TEAM))
    assert list(team) == [TeamMember("kim", "Kim Lee", "kim@agency.com", "kim"),
                          TeamMember("sam", "Sam Ortiz", "sam@agency.com", None)]


def test_a_member_without_a_name_is_an_error_naming_the_file_and_the_member(tmp_path):
    with pytest.raises(ConfigError, match=r"greenroom.toml: \[team.kim\]: missing setting name"):
        load_team(config_with(tmp_path, '[team.kim]\nemail = "kim@agency.com"\n'))


def test_a_member_with_an_unknown_setting_is_an_error_naming_it(tmp_path):
    with pytest.raises(ConfigError, match=r"\[team.kim\]: unknown setting\(s\) 'mailbx'"):
        load_team(config_with(tmp_path, '[team.kim]\nname = "Kim"\nemail = "kim@a.com"\nmailbx = "kim"\n'))


def test_a_member_whose_email_is_not_an_address_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match=r"\[team.kim\] email must be an email address"):
        load_team(config_with(tmp_path, '[team.kim]\nname = "Kim"\nemail = "kim"\n'))


def test_a_team_that_is_not_a_table_of_members_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match=r"\[team.kim\] must be a table"):
        load_team(config_with(tmp_path, '[team]\nkim = "Kim Lee"\n'))


def test_a_member_is_found_by_key_name_or_email_and_stored_by_key(tmp_path):
    team = load_team(config_with(tmp_path, TEAM))
    assert [team.key_for(ref) for ref in ("kim", "kim lee", "KIM@agency.com")] == ["kim", "kim", "kim"]


def test_without_a_team_booked_by_stays_free_text(tmp_path):
    assert load_team(config_with(tmp_path, "")).key_for("Whoever") == "Whoever"


def test_with_a_team_someone_else_is_refused(tmp_path):
    with pytest.raises(UnknownTeamMember, match="'alex' is not on the team"):
        load_team(config_with(tmp_path, TEAM)).key_for("alex")


def test_booking_records_the_member_who_booked_by_key(team_workspace, people, outreach_cli):
    result = outreach_cli("influencers", "book", 1, "--booked-by", "Kim Lee")
    assert result.exit_code == 0, result.output
    assert GuestQueue(people).list(None)[0]["booked_by"] == "kim"


def test_booking_by_someone_not_on_the_team_is_refused(team_workspace, people, outreach_cli):
    result = outreach_cli("influencers", "book", 1, "--booked-by", "alex")
    assert result.exit_code != 0
    assert "'alex' is not on the team" in result.output
    assert GuestQueue(people).list(None) == []


def test_livekit_guests_add_refuses_a_booked_by_not_on_the_team(team_workspace, livekit_cli):
    result = livekit_cli("guests", "add", "Jane Doe", "--booked-by", "alex")
    assert result.exit_code != 0 and "'alex' is not on the team" in result.output


def test_livekit_guests_list_owner_lists_that_members_guests_still_to_come_in_every_show(
        team_workspace, people, livekit_cli):
    book_influencer(people, 1, booked_by="kim")
    GuestQueue(people).add("Friday stream", name="Cy Diaz", booked_by="kim")
    GuestQueue(people).add("Friday stream", name="Di Eng", booked_by="sam")
    result = livekit_cli("guests", "list", "--owner", "kim")
    assert result.exit_code == 0, result.output
    assert "Ana Lopez" in result.output and "Cy Diaz" in result.output and "Di Eng" not in result.output


def test_outreach_influencers_list_owner_takes_a_members_name(team_workspace, people, outreach_cli):
    output = outreach_cli("influencers", "list", "--owner", "Kim Lee", "--format", "csv").output
    assert [row["name"] for row in csv.DictReader(io.StringIO(output))] == ["Bo Berg"]


def test_outreach_influencers_list_owner_not_on_the_team_is_refused(team_workspace, people, outreach_cli):
    result = outreach_cli("influencers", "list", "--owner", "alex")
    assert result.exit_code != 0 and "'alex' is not on the team" in result.output


def test_booking_someone_whose_owner_is_not_on_the_team_asks_who_books_them(team_workspace, people, outreach_cli):
    outreach_cli("influencers", "set", 1, "owner=alex")
    result = outreach_cli("influencers", "book", 1)
    assert result.exit_code != 0
    assert "owner 'alex' is not on the team" in result.output and "--booked-by" in result.output
