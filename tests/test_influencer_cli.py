"""`outreach influencers ...` and the storage API other modules use (record_activity), on real SQLite."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from outreach.importing import import_file
from outreach.storage.influencers import (
    Filter,
    InvalidEdit,
    add_snapshot,
    get_influencer,
    list_influencers,
    record_activity,
    set_fields,
    update_audience,
)

PEOPLE = [
    ["Name", "Email", "Twitch", "Followers", "Niche", "Owner", "Type", "Notes"],
    ["Ana Lopez", "ana@example.com", "anaplays", "120000", "gaming, speedrun", "sam", "influencer", "met at GDC"],
    ["Bo Chef", "bo@example.com", "bocooks", "8000", "cooking", "kim", "influencer", ""],
    ["Cy Retro", "cy@example.com", "cyretro", "45000", "gaming, retro", "sam", "influencer", ""],
    ["Acme Games", "press@acme.example.com", "acme", "900000", "gaming", "kim", "brand", ""],
]


@pytest.fixture
def people(workspace, tmp_path):
    path = tmp_path / "people.csv"
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(PEOPLE)
    db = workspace.database()
    import_file(db, path)
    return db


def names(outreach_cli, *args):
    """The names `influencers list` prints, in its order."""
    result = outreach_cli("influencers", "list", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return [record["name"] for record in json.loads(result.output)]


def test_list_shows_biggest_audience_first(people, outreach_cli):
    assert names(outreach_cli) == ["Acme Games", "Ana Lopez", "Cy Retro", "Bo Chef"]


def test_list_filters_combine(people, outreach_cli):
    assert names(outreach_cli, "--niche", "gaming", "--kind", "influencer", "--min-followers", "50000") == ["Ana Lopez"]
    assert names(outreach_cli, "--owner", "kim", "--max-followers", "10000") == ["Bo Chef"]


def test_list_filters_by_stage_after_an_email_was_recorded(people, outreach_cli):
    record_activity(people, 2, "emailed", "first contact")
    assert names(outreach_cli, "--stage", "contacted") == ["Bo Chef"]


def test_not_contacted_days_keeps_people_never_emailed_or_emailed_long_ago(people, outreach_cli):
    record_activity(people, 1, "emailed", "hello", at=datetime.now(UTC) - timedelta(days=40))
    record_activity(people, 3, "emailed", "hello", at=datetime.now(UTC) - timedelta(days=2))
    assert names(outreach_cli, "--not-contacted-days", "30", "--kind", "influencer") == ["Ana Lopez", "Bo Chef"]


def test_growth_filter_uses_refreshed_snapshots(people, outreach_cli):
    now = datetime.now(UTC)
    for influencer_id, before, after in ((1, 100_000, 130_000), (3, 45_000, 45_500)):
        add_snapshot(people, influencer_id, "twitch", "x", followers=before, taken_at=now - timedelta(days=30))
        add_snapshot(people, influencer_id, "twitch", "x", followers=after, taken_at=now)
        update_audience(people, influencer_id, now)
    assert names(outreach_cli, "--growth", "10") == ["Ana Lopez"]
    assert get_influencer(people, 1)["growth_30d"] == 30.0


def test_search_finds_word_prefixes_in_notes_and_niches(people, outreach_cli):
    result = outreach_cli("influencers", "search", "GDC", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert [row["name"] for row in csv.DictReader(io.StringIO(result.output))] == ["Ana Lopez"]
    assert [r["name"] for r in list_influencers(people, Filter(search="retr"))] == ["Cy Retro"]


def test_search_with_fts_punctuation_is_not_a_syntax_error(people, outreach_cli):
    result = outreach_cli("influencers", "search", 'ana" OR (')
    assert result.exit_code == 0, result.output


def test_set_marks_fields_hand_edited_and_records_the_edit(people, outreach_cli):
    result = outreach_cli("influencers", "set", "twitch:anaplays", "stage=negotiating", "custom.budget=500")
    assert result.exit_code == 0, result.output
    ana = get_influencer(people, 1)
    assert (ana["stage"], ana["custom"], ana["hand_edited"]) == ("negotiating", {"budget": "500"},
                                                                  ["stage", "custom.budget"])
    shown = outreach_cli("influencers", "show", "ana@example.com").output
    assert "edited stage=negotiating, custom.budget=500" in shown


def test_set_refuses_a_handle_that_belongs_to_someone_else(people, outreach_cli):
    result = outreach_cli("influencers", "set", "1", "twitch=https://twitch.tv/BoCooks")
    assert result.exit_code == 2
    assert result.output.strip() == "Error: twitch bocooks already belongs to influencer #2"


def test_set_with_an_invalid_value_changes_nothing(people):
    with pytest.raises(InvalidEdit, match="timezone: 'Mars/Base' is not an IANA time zone"):
        set_fields(people, 1, {"owner": "alex", "timezone": "Mars/Base"})
    assert get_influencer(people, 1)["owner"] == "sam"


def test_set_email_makes_it_primary_and_keeps_the_old_one(people):
    ana = set_fields(people, 1, {"email": "Ana.Work@Example.org"})
    assert ana["emails"] == ["ana.work@example.org", "ana@example.com"]


def test_tag_adds_and_removes_niches_on_several_people(people, outreach_cli):
    result = outreach_cli("influencers", "tag", "1", "cy@example.com", "--add", "Indie", "--remove", "gaming")
    assert result.output.strip() == "2 of 2 people changed"
    assert get_influencer(people, 3)["niches"] == ["retro", "indie"]


def test_niche_filter_matches_accented_tags_however_they_were_stored(people, outreach_cli):
    outreach_cli("influencers", "tag", "2", "--add", "Cuisine Française")
    set_fields(people, 3, {"niches": "cuisine française, retro"})
    assert names(outreach_cli, "--niche", "cuisine française") == ["Cy Retro", "Bo Chef"]


def test_a_tag_removed_by_hand_does_not_come_back_on_reimport(people, tmp_path, outreach_cli):
    assert outreach_cli("influencers", "tag", "1", "--remove", "speedrun").exit_code == 0
    path = tmp_path / "again.csv"
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(PEOPLE[:2])
    report = import_file(people, path)
    assert get_influencer(people, 1)["niches"] == ["gaming"]
    assert "kept hand-edited niches" in report.outcomes[0].reason


def test_unknown_reference_is_one_clear_line(people, outreach_cli):
    result = outreach_cli("influencers", "show", "nobody@example.com")
    assert result.exit_code == 2
    assert result.output.strip() == "Error: no influencer with email nobody@example.com"


def test_replied_activity_moves_the_stage_and_shows_in_history(people):
    record_activity(people, 2, "emailed", "first contact")
    record_activity(people, 2, "replied", "sounds good")
    assert get_influencer(people, 2)["stage"] == "replied"


def test_terminal_output_cannot_be_hijacked_by_names_with_escapes(people, outreach_cli):
    set_fields(people, 2, {"name": "Bo [bold red]Chef[/] \x1b[31mred"})
    result = outreach_cli("influencers", "list", "--owner", "kim", "--kind", "influencer")
    assert "\x1b[31m" not in result.output
    assert "[bold red]Chef[/]" in result.output


def test_csv_export_defuses_spreadsheet_formulas(people, outreach_cli):
    set_fields(people, 2, {"notes": "=HYPERLINK(\"http://example.com\")"})
    result = outreach_cli("influencers", "export", "--owner", "kim", "--kind", "influencer")
    row = next(csv.DictReader(io.StringIO(result.output)))
    assert row["notes"].startswith("'=")


def test_setting_an_impossibly_large_follower_count_is_one_clear_line(people, outreach_cli):
    result = outreach_cli("influencers", "set", "1", "followers=99999999999999999999999")
    assert result.exit_code != 0
    assert "followers is more than the 1,000,000,000,000 allowed" in result.output
    assert "unexpected" not in result.output
    assert get_influencer(people, 1)["followers"] == 120000


def test_showing_an_id_too_big_for_sqlite_says_there_is_no_such_person(people, outreach_cli):
    result = outreach_cli("influencers", "show", str(2**63))
    assert result.exit_code == 2
    assert result.output.strip() == f"Error: no influencer #{2**63}"


def test_a_follower_filter_too_big_for_sqlite_is_a_usage_error(people, outreach_cli):
    result = outreach_cli("influencers", "list", "--min-followers", str(2**63))
    assert result.exit_code == 2
    assert "Invalid value for '--min-followers'" in result.output
