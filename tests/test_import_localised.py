"""`outreach import` of files made in France and Germany: Excel's Windows-1252, translated headers,
localised follower counts, and dry runs that show the plan even when a row is invalid."""

import csv

import pytest

from outreach.importing import import_file
from outreach.importing.columns import detect_field
from outreach.storage.influencers import find_influencer, get_influencer


def write_csv(path, header, rows, *, encoding="utf-8", delimiter=";"):
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def person(db, reference):
    return get_influencer(db, find_influencer(db, reference))


FRENCH_EXCEL = (["Nom", "Prénom", "Pseudo", "Courriel", "Abonnés", "Chaîne YouTube", "Pays", "Ville", "Langue",
                 "Tarif"],
                [["O’Brien", "Renée", "Réné", "renee@example.fr", "12,5k", "https://www.youtube.com/@reneejoue", "FR",
                  "Saint-Étienne", "fr", "1 200 € (œuvre)"]])


def test_excel_windows_1252_file_error_names_cp1252_and_the_option_to_pass(tmp_path, outreach_cli):
    path = write_csv(tmp_path / "contacts.csv", *FRENCH_EXCEL, encoding="cp1252")
    result = outreach_cli("import", str(path))
    assert result.exit_code == 2
    assert (f"{path} line 1: not UTF-8 (looks like Windows-1252, as Excel saves it): re-run with --encoding "
            f"cp1252") in result.output
    assert "latin-1" not in result.output


def test_windows_1252_punctuation_and_ligatures_round_trip_with_encoding_cp1252(workspace, tmp_path, outreach_cli):
    path = write_csv(tmp_path / "contacts.csv", *FRENCH_EXCEL, encoding="cp1252")
    result = outreach_cli("import", "--encoding", "cp1252", str(path))
    assert result.exit_code == 0, result.output
    renee = person(workspace.database(), "renee@example.fr")
    assert renee["name"] == "O’Brien"
    assert renee["custom"]["Tarif"] == "1 200 € (œuvre)"


def test_french_headers_feed_their_fields(workspace, tmp_path):
    db = workspace.database()
    import_file(db, write_csv(tmp_path / "fr.csv", *FRENCH_EXCEL))
    renee = person(db, "renee@example.fr")
    assert (renee["followers"], renee["youtube"], renee["country"], renee["language"]) == (12_500, "reneejoue",
                                                                                       "FR", "fr")
    assert {key: renee["custom"][key] for key in ("first_name", "nickname", "city")} == {
        "first_name": "Renée", "nickname": "Réné", "city": "Saint-Étienne"}


def test_german_headers_feed_their_fields_whatever_their_case_accents_and_spacing(workspace, tmp_path):
    db = workspace.database()
    header = ["NAME", "Vorname", "E-Mail", "Abonnenten", "YouTube-Kanal", " Land ", "Sprache", "Stadt"]
    import_file(db, write_csv(tmp_path / "de.csv", header, [
        ["Müller", "Jürgen", "j@example.de", "1.234", "@juergenspielt", "DE", "de", "Köln"]]))
    jurgen = person(db, "j@example.de")
    assert (jurgen["name"], jurgen["followers"], jurgen["youtube"], jurgen["country"], jurgen["language"]) == (
        "Müller", 1_234, "juergenspielt", "DE", "de")
    assert jurgen["custom"] == {"first_name": "Jürgen", "city": "Köln"}


def test_follower_and_kanal_headers_are_recognised(workspace, tmp_path):
    db = workspace.database()
    import_file(db, write_csv(tmp_path / "de.csv", ["Name", "E-Mail", "Follower", "Kanal"],
                              [["Ana", "ana@example.de", "1,2 Mio.", "UC1234567890abcdefghijkl"]]))
    ana = person(db, "ana@example.de")
    assert (ana["followers"], ana["youtube"]) == (1_200_000, "UC1234567890abcdefghijkl")


def test_localised_counts_are_read_as_typed(workspace, tmp_path):
    db = workspace.database()
    rows = [[f"p{n}@example.org", typed] for n, typed in enumerate(
        ["1\u202f234", "1'234", "1 234", "3 M", "12,5k", "1,2 Mio."])]
    import_file(db, write_csv(tmp_path / "counts.csv", ["E-mail", "Abonnés"], rows))
    assert [person(db, f"p{n}@example.org")["followers"] for n in range(6)] == [
        1_234, 1_234, 1_234, 3_000_000, 12_500, 1_200_000]


def test_an_ambiguous_count_follows_its_column_even_when_the_column_shows_its_convention_later(workspace,
                                                                                                tmp_path):
    db = workspace.database()
    rows = [["a@example.de", "1.234k"], ["b@example.de", "1.234.567"], ["c@example.de", "2,5k"]]
    report = import_file(db, write_csv(tmp_path / "de.csv", ["E-Mail", "Follower"], rows))
    assert [person(db, f"{who}@example.de")["followers"] for who in "abc"] == [1_234_000, 1_234_567, 2_500]
    assert report.counts_note == "',' is this column's decimal mark (e.g. line 3: 1.234.567)"


def test_dry_run_with_an_invalid_row_still_shows_the_plan_for_the_valid_rows(workspace, tmp_path, outreach_cli):
    path = write_csv(tmp_path / "mixed.csv", ["Nom", "Courriel", "Abonnés"],
                     [["Ana", "ana@example.com", "12,5k"], ["Bo", "bo-at-example.com", "3"],
                      ["Cy", "cy@example.com", "1 234"]])
    result = outreach_cli("import", "--dry-run", str(path))
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert "line 2: added Ana" in lines
    assert "line 4: added Cy" in lines
    assert f"{path} line 3: invalid Bo: email: 'bo-at-example.com' is not a valid email address" in lines
    assert "2 added, 0 merged, 0 skipped, 1 invalid (3 rows; nothing would be written)" in result.output
    assert "the import would write nothing (fix them, or pass --skip-invalid" in result.output
    assert workspace.database()["influencers"].count == 0


def test_dry_run_says_which_column_feeds_which_field_and_which_were_not_recognised(tmp_path, outreach_cli):
    path = write_csv(tmp_path / "fr.csv", *FRENCH_EXCEL)
    result = outreach_cli("import", "--dry-run", str(path))
    assert result.exit_code == 0, result.output
    assert ("columns: Nom → name, Prénom → first_name, Pseudo → nickname, Courriel → email, Abonnés → followers, "
            "Chaîne YouTube → youtube, Pays → country, Ville → city, Langue → language") in result.output
    assert "not recognised, kept as custom fields: Tarif" in result.output


@pytest.mark.parametrize(("header", "field"), [
    ("Nom", "name"), ("Prénom", "custom.first_name"), ("Pseudo", "custom.nickname"), ("E-mail", "email"),
    ("Courriel", "email"), ("Abonnés", "followers"), ("Nombre d'abonnés", "followers"),
    ("Chaîne YouTube", "youtube"), ("Pays", "country"), ("Ville", "custom.city"), ("Langue", "language"),
    ("Vorname", "custom.first_name"), ("E-Mail", "email"), ("Follower", "followers"), ("Abonnenten", "followers"),
    ("Kanal", "youtube"), ("YouTube-Kanal", "youtube"), ("Land", "country"), ("Sprache", "language"),
    ("Seguidores", "followers"), ("Correo electrónico", "email"), ("Idioma", "language"), ("País", "country"),
    ("Iscritti", "followers"), ("Città", "custom.city"), ("Lingua", "language"), ("Compte Instagram", "instagram"),
    ("  CHAÎNE   youtube ", "youtube"), ("ABONNÉS", "followers"),
])
def test_headers_in_french_german_spanish_and_italian_are_recognised(header, field):
    assert detect_field(header) == field
