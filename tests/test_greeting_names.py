"""``influencer.first_name``: set by hand or imported when given, from the name only when that is safe."""

import pytest

from outreach.campaigns.store import influencer_record
from outreach.core.names import greeting_name
from outreach.storage.influencers import get_influencer


@pytest.mark.parametrize(("name", "expected"), [
    ("Bo Fit", "Bo"),
    ("Priya", "Priya"),
    ("Anne-Marie Dupont", "Anne-Marie"),
    ("Miss Jane Doe", "Miss Jane Doe"),        # never "Miss,"
    ("Dr. Ada Lovelace", "Dr. Ada Lovelace"),
    ("O'Brien, Pat", "Pat"),                   # "Family, Given": never "O'Brien,,"
    ("O'Brien,", "O'Brien"),
    ("山田 太郎", "山田 太郎"),                  # the family name comes first: the whole name
    ("김민준", "김민준"),
    ("J. Smith", "J. Smith"),
    ("de la Cruz Maria", "de la Cruz Maria"),
    ("Tech & Tea", "Tech & Tea"),
    ("Studio42 Live", "Studio42 Live"),
    ("  Bo   Fit  ", "Bo"),
    ("", None),
    (None, None),
])
def test_the_first_word_is_used_only_when_it_is_safe(name, expected):
    assert greeting_name(name) == expected


def test_a_first_name_given_by_hand_always_wins():
    assert greeting_name("Miss Jane Doe", "Jane") == "Jane"
    assert greeting_name("山田 太郎", "太郎") == "太郎"


def test_custom_first_name_is_what_templates_greet_with():
    record = influencer_record({"name": "Robert Smith", "custom": {"first_name": "Bob", "nickname": "Bobby"}})
    assert record["first_name"] == "Bob"
    assert record["nickname"] == "Bobby"


def _import(outreach_cli, tmp_path, text: str, *options: str):
    path = tmp_path / "people.csv"
    path.write_text(text)
    return outreach_cli("import", str(path), *options)


def test_first_name_and_nickname_can_be_set_by_hand(outreach_cli, tmp_path):
    _import(outreach_cli, tmp_path, "name,email\nMiss Jane Doe,jane@example.org\n")
    result = outreach_cli("influencers", "set", "1", "first_name=Jane", "nickname=JJ")
    assert result.exit_code == 0, result.output
    person = get_influencer(outreach_cli.workspace.database(), 1)
    assert person["custom"] == {"first_name": "Jane", "nickname": "JJ"}
    assert influencer_record(person)["first_name"] == "Jane"


def test_a_first_name_column_is_imported_as_the_greeting(outreach_cli, tmp_path):
    result = _import(outreach_cli, tmp_path, "Name,First name,Nickname,Email\nMiss Jane Doe,Jane,JJ,jane@example.org\n")
    assert result.exit_code == 0, result.output
    person = get_influencer(outreach_cli.workspace.database(), 1)
    assert influencer_record(person)["first_name"] == "Jane"
    assert person["custom"]["nickname"] == "JJ"


def test_a_name_too_long_for_an_email_header_is_refused_by_set(outreach_cli, tmp_path):
    _import(outreach_cli, tmp_path, "name,email\nBo Fit,bo@example.org\n")
    result = outreach_cli("influencers", "set", "1", "name=" + "B" * 5000)
    assert result.exit_code != 0
    assert "name is 5,000 characters long; at most 200" in result.output


def test_a_name_too_long_for_an_email_header_makes_its_import_row_invalid(outreach_cli, tmp_path):
    result = _import(outreach_cli, tmp_path, f"name,email\n{'B' * 5000},bo@example.org\nCy Cook,cy@example.org\n",
                     "--skip-invalid")
    assert "name is 5,000 characters long" in result.output
    assert [row[0] for row in outreach_cli.workspace.database().execute("SELECT name FROM influencers")] == ["Cy Cook"]
