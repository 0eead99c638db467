"""`outreach import`: real files, real SQLite, and the outcome a user sees for each kind of bad input."""

import csv
import json
from pathlib import Path

import pytest

from outreach.importing import ImportFileError, import_file
from outreach.storage.influencers import activity, find_influencer, get_influencer, set_fields

DATA = Path(__file__).parent / "data" / "influencers"


def count(db):
    return db["influencers"].count


def write_csv(path, header, rows):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_excel_semicolon_csv_with_bom_is_read_with_auto_detected_headers(workspace, outreach_cli):
    result = outreach_cli("import", str(DATA / "excel-semicolon-bom.csv"))
    assert result.exit_code == 0, result.output
    db = workspace.database()
    zoe = get_influencer(db, find_influencer(db, "zoe@example.com"))
    assert (zoe["name"], zoe["youtube"], zoe["followers"], zoe["niches"]) == ("Zoé Martin", "zoeplays", 12500,
                                                                              ["gaming", "retro"])
    assert get_influencer(db, find_influencer(db, "twitch:liulive"))["followers"] == 3400


def test_tab_separated_file_maps_full_name_twitter_handle_subscribers_and_time_zone(workspace, outreach_cli):
    result = outreach_cli("import", str(DATA / "tabs.tsv"))
    assert result.exit_code == 0, result.output
    db = workspace.database()
    kim = get_influencer(db, find_influencer(db, "kim@example.net"))
    assert (kim["name"], kim["x"], kim["followers"], kim["timezone"]) == ("Kim Park", "kimpark", 2500, "Asia/Seoul")


def test_json_list_with_several_emails_nested_handles_and_custom_fields(workspace, outreach_cli):
    result = outreach_cli("import", str(DATA / "people.json"))
    assert result.exit_code == 0, result.output
    db = workspace.database()
    ana = get_influencer(db, find_influencer(db, "ana.work@example.org"))
    assert ana["emails"] == ["ana@example.com", "ana.work@example.org"]
    assert (ana["twitch"], ana["youtube"], ana["custom"]) == ("anaplays", "UC1234567890abcdefghijkl", {"rate": 400})
    assert get_influencer(db, find_influencer(db, "youtube:acmegames"))["kind"] == "brand"


def test_each_row_is_reported_as_added_merged_or_skipped_with_why(workspace, outreach_cli):
    result = outreach_cli("import", str(DATA / "duplicates.csv"))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "line 2: added #1 Ana Lopez"
    assert lines[1].startswith("line 3: merged Ana Lopez: into line 2 (by email ana@example.com): niches")
    assert "kept name from an earlier row" in lines[1]
    assert lines[2].startswith("line 4: skipped Ana Lopez: same person as line 2")
    assert lines[-1].endswith("1 added, 1 merged, 1 skipped, 0 invalid (3 rows)")
    assert count(workspace.database()) == 1


def test_non_utf8_file_is_refused_naming_the_file_line_and_likely_encoding_never_latin1(workspace, outreach_cli):
    result = outreach_cli("import", str(DATA / "latin1.csv"))
    assert result.exit_code == 2
    assert (f"{DATA / 'latin1.csv'} line 3: not UTF-8 (looks like Windows-1252, as Excel saves it): "
            f"re-run with --encoding cp1252") in result.output
    assert "latin-1" not in result.output
    assert count(workspace.database()) == 0


def test_latin1_file_imports_when_its_encoding_is_given(workspace, outreach_cli):
    result = outreach_cli("import", "--encoding", "latin-1", str(DATA / "latin1.csv"))
    assert result.exit_code == 0, result.output
    db = workspace.database()
    assert get_influencer(db, find_influencer(db, "zoe@example.com"))["name"] == "Zoé"


def test_file_without_an_email_or_handle_column_says_which_columns_it_has(outreach_cli):
    result = outreach_cli("import", str(DATA / "missing-columns.csv"))
    assert result.exit_code == 2
    assert "no column for an email or a platform handle (columns: Name, Country)" in result.output
    assert "--map COLUMN=email" in result.output


def test_map_option_names_a_column_the_detector_does_not_know(workspace, tmp_path, outreach_cli):
    path = write_csv(tmp_path / "odd.csv", ["Creator", "Reach us at"], [["Ana", "ana@example.com"]])
    result = outreach_cli("import", "--map", "Reach us at=email", str(path))
    assert result.exit_code == 0, result.output
    db = workspace.database()
    assert get_influencer(db, find_influencer(db, "ana@example.com"))["name"] == "Ana"


def test_empty_file_is_reported_as_nothing_to_import(outreach_cli):
    result = outreach_cli("import", str(DATA / "empty.csv"))
    assert result.exit_code == 2
    assert "empty.csv is empty: nothing to import" in result.output


def test_json_that_is_not_a_list_is_refused_with_what_was_expected(outreach_cli):
    result = outreach_cli("import", str(DATA / "not-a-list.json"))
    assert result.exit_code == 2
    assert "expected a JSON list of objects (one per person), got dict" in result.output


def test_one_bad_row_among_ten_thousand_names_its_line_and_nothing_is_written(workspace, tmp_path, outreach_cli):
    rows = [[f"Person {n}", f"p{n}@example.com", str(n)] for n in range(10_000)]
    rows[6_789][1] = "p6789-at-example.com"
    path = write_csv(tmp_path / "big.csv", ["Name", "Email", "Followers"], rows)
    result = outreach_cli("import", str(path))
    assert result.exit_code == 2
    assert "1 invalid row(s), nothing imported" in result.output
    assert f"{path} line 6791: email: 'p6789-at-example.com' is not a valid email address" in result.output
    assert count(workspace.database()) == 0


def test_skip_invalid_imports_the_rest_and_lists_what_was_left_out(workspace, tmp_path, outreach_cli):
    path = write_csv(tmp_path / "mixed.csv", ["Name", "Email", "Stage"],
                     [["Ana", "ana@example.com", "prospect"], ["Bo", "bo@example.com", "married"]])
    result = outreach_cli("import", "--skip-invalid", str(path))
    assert result.exit_code == 0, result.output
    assert "line 3: invalid Bo: stage: 'married' is not a pipeline stage" in result.output
    assert count(workspace.database()) == 1


def test_dry_run_reports_but_writes_nothing(workspace, outreach_cli):
    result = outreach_cli("import", "--dry-run", str(DATA / "tabs.tsv"))
    assert result.exit_code == 0, result.output
    assert "2 added" in result.output and "nothing would be written" in result.output
    assert count(workspace.database()) == 0


def test_reimport_never_overwrites_a_field_edited_by_hand(workspace):
    db = workspace.database()
    import_file(db, DATA / "duplicates.csv")
    set_fields(db, 1, {"name": "Ana (call her Annie)", "stage": "negotiating"})
    report = import_file(db, DATA / "duplicates.csv")
    ana = get_influencer(db, 1)
    assert (ana["name"], ana["stage"]) == ("Ana (call her Annie)", "negotiating")
    assert "kept hand-edited name" in report.outcomes[0].reason


def test_person_known_by_twitch_url_matches_a_row_with_the_at_handle(workspace, tmp_path):
    db = workspace.database()
    import_file(db, write_csv(tmp_path / "a.csv", ["Name", "Twitch"], [["Ana", "https://twitch.tv/AnaPlays"]]))
    report = import_file(db, write_csv(tmp_path / "b.csv", ["Twitch", "Email"], [["@anaplays", "ana@example.com"]]))
    assert report.outcomes[0].action == "merged"
    assert get_influencer(db, 1)["emails"] == ["ana@example.com"]
    assert count(db) == 1


def test_row_matching_two_different_people_is_skipped_not_merged(workspace, tmp_path):
    db = workspace.database()
    import_file(db, write_csv(tmp_path / "a.csv", ["Email", "Twitch"],
                              [["ana@example.com", "anaplays"], ["bo@example.com", "bolive"]]))
    report = import_file(db, write_csv(tmp_path / "b.csv", ["Email", "Twitch"], [["ana@example.com", "bolive"]]))
    assert report.outcomes[0].action == "skipped"
    assert "matches more than one person (#1 by email ana@example.com, #2 by twitch bolive)" in report.outcomes[0].reason


def test_import_records_history_and_keeps_unknown_columns_as_custom_fields(workspace, tmp_path):
    db = workspace.database()
    import_file(db, write_csv(tmp_path / "a.csv", ["Email", "Rate card"], [["ana@example.com", "400"]]))
    ana = get_influencer(db, 1)
    assert ana["custom"] == {"Rate card": "400"}
    assert [event["detail"] for event in activity(db, 1)] == ["a.csv line 2"]


def test_export_reimports_into_the_same_people(tmp_path, outreach_cli):
    assert outreach_cli("import", str(DATA / "people.json")).exit_code == 0
    exported = tmp_path / "out.csv"
    assert outreach_cli("influencers", "export", "-o", str(exported)).exit_code == 0
    result = outreach_cli("import", str(exported))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].endswith("0 added, 0 merged, 2 skipped, 0 invalid (2 rows)")


def test_library_error_for_bad_kind_is_a_greenroom_error(workspace):
    with pytest.raises(ImportFileError, match="--kind must be one of"):
        import_file(workspace.database(), DATA / "tabs.tsv", kind="friend")


def test_json_item_that_is_not_an_object_is_an_invalid_row(tmp_path, outreach_cli):
    path = tmp_path / "x.json"
    path.write_text(json.dumps([{"email": "ana@example.com"}, "bo@example.com"]))
    result = outreach_cli("import", str(path))
    assert result.exit_code == 2
    assert "item 2: expected an object, got str" in result.output


def test_excel_sep_hint_line_sets_the_delimiter_and_keeps_line_numbers(tmp_path, outreach_cli):
    path = tmp_path / "hinted.csv"
    path.write_text("sep=;\nName;Email\nAna;ana@example.com\nBo;not-an-email\n", encoding="utf-8")
    result = outreach_cli("import", str(path))
    assert result.exit_code == 2
    assert f"{path} line 4: email: 'not-an-email' is not a valid email address" in result.output


def test_duplicate_header_is_refused_naming_the_column(tmp_path, outreach_cli):
    path = write_csv(tmp_path / "dup.csv", ["Name", "Email", "Name"], [["Ana", "ana@example.com", "A"]])
    result = outreach_cli("import", str(path))
    assert result.exit_code == 2
    assert "line 1: the column 'Name' appears twice in the header" in result.output


def test_impossibly_large_follower_count_names_its_line_and_nothing_is_written(workspace, tmp_path, outreach_cli):
    rows = [["Ana", "ana@example.com", "1200"], ["Bo", "bo@example.com", "99999999999999999999999"]]
    path = write_csv(tmp_path / "huge.csv", ["Name", "Email", "Followers"], rows)
    result = outreach_cli("import", str(path))
    assert result.exit_code == 2
    assert f"{path} line 3: followers: '99999999999999999999999' followers is more than" in result.output
    assert count(workspace.database()) == 0
