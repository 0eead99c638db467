"""A large import is streamed: written in chunks inside one transaction, so memory stays bounded, yet it
keeps every guarantee of a small one (all or nothing, dedupe across the whole file, the same plan in a dry
run). Chunks are made small here so that a few hundred rows span many of them."""

import csv
import sqlite3
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from greenroom.db import open_database
from outreach.importing import ImportFileError, import_file, importer
from outreach.storage.influencers import Filter, activity, find_influencer, get_influencer, list_influencers


def write_csv(path, header, rows, encoding="utf-8"):
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def people(count):
    return [[f"Person {n}", f"p{n}@example.com", f"person_{n}"] for n in range(count)]


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(importer, "ROWS_PER_CHUNK", 7)


def stored(db):
    """Everything an import writes, in a comparable form (timestamps included: the tests fix ``now``)."""
    return {
        "influencers": db.execute("SELECT * FROM influencers ORDER BY id").fetchall(),
        "emails": db.execute("SELECT influencer_id, email FROM influencer_emails "
                             "ORDER BY influencer_id, rowid").fetchall(),
        "history": db.execute("SELECT influencer_id, kind, detail, at FROM influencer_activity ORDER BY id").fetchall(),
        "search": db.execute("SELECT rowid, * FROM influencers_fts ORDER BY rowid").fetchall(),
    }


def test_an_invalid_row_after_many_written_chunks_writes_nothing_and_names_its_line(workspace, tmp_path,
                                                                                    small_chunks):
    rows = people(300)
    rows[290][1] = "p290-at-example.com"
    path = write_csv(tmp_path / "late.csv", ["Name", "Email", "Twitch"], rows)
    with pytest.raises(ImportFileError, match=r"1 invalid row\(s\), nothing imported") as refused:
        import_file(workspace.database(), path)
    assert f"{path} line 292: email: 'p290-at-example.com' is not a valid email address" in str(refused.value)
    db = workspace.database()
    assert db["influencers"].count == 0
    assert db["influencer_emails"].count == 0 and db["influencer_activity"].count == 0


def schema(db):
    return db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()


def test_an_import_interrupted_midway_leaves_nothing_written_and_search_still_indexes_new_people(
        workspace, tmp_path, small_chunks):
    path = write_csv(tmp_path / "big.csv", ["Name", "Email", "Twitch"], people(2500))
    before = schema(workspace.database())

    def interrupt(done, total):
        if done == 2000:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_file(workspace.database(), path, progress=interrupt)
    db = workspace.database()
    assert db["influencers"].count == 0
    assert schema(db) == before
    import_file(db, write_csv(tmp_path / "one.csv", ["Name", "Email"], [["Zoé Martin", "zoe@example.com"]]))
    assert [found["name"] for found in list_influencers(db, Filter(search="zoé"))] == ["Zoé Martin"]


def test_a_duplicate_many_chunks_after_its_first_row_is_merged_into_the_person_that_row_added(
        workspace, tmp_path, small_chunks):
    rows = people(100)
    rows.append(["", "p3@example.com; p3.work@example.com", ""])
    rows.append(["P. Five", "", "person_5"])
    path = write_csv(tmp_path / "dupes.csv", ["Name", "Email", "Twitch"], rows)
    report = import_file(workspace.database(), path)
    db = workspace.database()
    assert db["influencers"].count == 100
    assert report.count("added") == 100
    assert find_influencer(db, "p3.work@example.com") == find_influencer(db, "p3@example.com")
    assert "line 103: skipped Person 5: same person as line 7 (by twitch person_5), nothing new; kept name from " \
           "an earlier row" in [f"{o.where}: {o.action} {o.name}: {o.reason}" for o in report.outcomes]


def test_a_handle_replaced_by_a_row_still_recognises_its_person_in_later_chunks(workspace, tmp_path,
                                                                                small_chunks):
    db = workspace.database()
    import_file(db, write_csv(tmp_path / "known.csv", ["Name", "Email", "Twitch"],
                              [["Ana", "ana@example.com", "anaplays"]]))
    rows = [["", "ana@example.com", "ana_live"], *people(30), ["", "ana.work@example.com", "anaplays"]]
    report = import_file(db, write_csv(tmp_path / "renamed.csv", ["Name", "Email", "Twitch"], rows))
    assert report.count("added") == 30
    assert find_influencer(db, "ana.work@example.com") == find_influencer(db, "ana@example.com")
    assert get_influencer(db, find_influencer(db, "ana@example.com"))["twitch"] == "ana_live"


def test_a_large_import_into_a_small_table_leaves_every_index_and_trigger_as_it_was(workspace, tmp_path,
                                                                                  small_chunks):
    db = workspace.database()
    before = schema(db)
    import_file(db, write_csv(tmp_path / "big.csv", ["Name", "Email", "Twitch"], people(100)))
    assert schema(db) == before
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert [found["name"] for found in list_influencers(db, Filter(search="person_42"))] == ["Person 42"]


def test_a_large_file_counts_every_row_but_keeps_only_the_rows_that_were_not_simply_added(workspace, tmp_path):
    rows = [*people(150), ["Person 9 again", "p9@example.com", ""]]
    report = import_file(workspace.database(), write_csv(tmp_path / "large.csv", ["Name", "Email", "Twitch"], rows))
    assert (report.rows, report.count("added"), report.count("skipped")) == (151, 150, 1)
    assert [(outcome.where, outcome.action) for outcome in report.outcomes] == [("line 152", "skipped")]
    assert report.summary.endswith("150 added, 0 merged, 1 skipped, 0 invalid (151 rows)")


def test_a_dry_run_writes_nothing_and_leaves_the_database_free_for_other_writers(workspace, tmp_path,
                                                                                 small_chunks):
    path = write_csv(tmp_path / "plan.csv", ["Name", "Email", "Twitch"], people(40))
    before = schema(workspace.database())
    report = import_file(workspace.database(), path, dry_run=True)
    assert report.count("added") == 40
    assert schema(workspace.database()) == before
    other = sqlite3.connect(workspace.database_path, timeout=0)
    other.execute("INSERT INTO influencers (name, created_at, updated_at) VALUES ('Written elsewhere', 'now', 'now')")
    other.commit()
    assert workspace.database()["influencers"].count == 1


def test_a_bad_byte_far_into_a_file_is_refused_with_its_line_before_anything_is_written(workspace, tmp_path):
    path = tmp_path / "long.csv"
    rows = people(40_000)
    rows[-1][0] = "Ren\N{LATIN SMALL LETTER E WITH ACUTE}e"
    write_csv(path, ["Name", "Email", "Twitch"], rows[:-1])
    with path.open("ab") as handle:
        handle.write(",".join(rows[-1]).encode("cp1252") + b"\r\n")
    assert path.stat().st_size > 1 << 20
    with pytest.raises(ImportFileError) as refused:
        import_file(workspace.database(), path)
    assert str(refused.value) == (f"{path} line 40001: not UTF-8 (looks like Windows-1252, as Excel saves it): "
                                  f"re-run with --encoding cp1252")
    assert workspace.database()["influencers"].count == 0


def test_history_of_a_person_merged_in_several_chunks_is_one_line_naming_every_change(workspace, tmp_path,
                                                                                      small_chunks):
    db = workspace.database()
    import_file(db, write_csv(tmp_path / "first.csv", ["Name", "Email"], [["Ana", "ana@example.com"]]))
    rows = [["ana@example.com", "", ""], *[[f"p{n}@example.com", "", ""] for n in range(20)],
            ["ana@example.com", "anaplays", ""], *[[f"q{n}@example.com", "", ""] for n in range(20)],
            ["ana@example.com", "", "FR"]]
    import_file(db, write_csv(tmp_path / "second.csv", ["Email", "Twitch", "Country"], rows))
    merged = [entry for entry in activity(db, find_influencer(db, "ana@example.com")) if entry["kind"] == "merged"]
    assert [entry["detail"] for entry in merged] == ["second.csv from line 2: twitch, country"]


names = st.sampled_from(["Ana", "Bo", "Cy", ""])
emails = st.sampled_from(["ana@example.com", "ANA@example.com", "bo@example.org", "cy@example.net",
                          "ana@example.com; bo2@example.org", ""])
logins = st.sampled_from(["anaplays", "https://twitch.tv/AnaPlays", "@bolive", "cyretro", "ana_live", ""])
stages = st.sampled_from(["", "", "contacted", "agreed"])
file_rows = st.lists(st.tuples(names, emails, logins, st.sampled_from(["", "retro", "chess"]), stages),
                     min_size=1, max_size=16)


def import_into_fresh_database(folder, known, generated, monkeypatch, chunk):
    monkeypatch.setattr(importer, "ROWS_PER_CHUNK", chunk)
    db = open_database(":memory:")
    header = ["Name", "Email", "Twitch", "Niche", "Stage"]
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    import_file(db, write_csv(Path(folder) / "known.csv", header, known), skip_invalid=True, now=now)
    db.execute("UPDATE influencers SET name = 'By hand', hand_edited = '[\"name\", \"twitch\"]' WHERE id = 1")
    report = import_file(db, write_csv(Path(folder) / "file.csv", header, generated), skip_invalid=True, now=now)
    outcomes = [(o.where, o.action, o.name, o.reason, o.influencer_id) for o in report.outcomes]
    return outcomes, report.summary, stored(db)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(known=file_rows, generated=file_rows)
def test_what_an_import_writes_and_reports_does_not_depend_on_where_its_chunks_end(known, generated,
                                                                                   monkeypatch):
    with tempfile.TemporaryDirectory() as folder:
        whole = import_into_fresh_database(folder, known, generated, monkeypatch, chunk=10_000)
        for chunk in (1, 3):
            assert import_into_fresh_database(folder, known, generated, monkeypatch, chunk) == whole


def test_outcomes_beyond_those_kept_in_memory_are_all_listed_in_file_order(workspace, tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "OUTCOMES_IN_MEMORY", 4)
    db = workspace.database()
    rows = people(150)
    import_file(db, write_csv(tmp_path / "first.csv", ["Name", "Email", "Twitch"], rows))
    report = import_file(db, write_csv(tmp_path / "again.csv", ["Name", "Email", "Twitch"], rows))
    assert len(report.outcomes) == report.count("skipped") == 150
    assert [outcome.where for outcome in report.outcomes] == [f"line {n}" for n in range(2, 152)]
    assert report.outcomes[0].where == "line 2" and report.outcomes[149].where == "line 151"
    assert list(report.outcomes) == list(report.outcomes)  # read back from the start each time
