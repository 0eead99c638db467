"""Properties of import dedupe over generated files (real importer, real in-memory SQLite)."""

import csv
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from greenroom.db import open_database
from outreach.importing import import_file
from outreach.storage.influencers import find_influencer

emails = st.sampled_from(["ana@example.com", "ANA@example.com", "bo@example.org", "cy@example.net", ""])
logins = st.sampled_from(["anaplays", "https://twitch.tv/AnaPlays", "@bolive", "cyretro", ""])
rows = st.lists(st.tuples(st.sampled_from(["Ana", "Bo", "Cy", "Dee"]), emails, logins, st.sampled_from(["", "retro", "chess"])),
                min_size=1, max_size=12)


def import_rows(db, folder, generated):
    path = Path(folder) / "people.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Name", "Email", "Twitch", "Niche"])
        writer.writerows(generated)
    return import_file(db, path, skip_invalid=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows)
def test_reimporting_the_same_file_adds_and_changes_nothing(generated):
    db = open_database(":memory:")
    with tempfile.TemporaryDirectory() as folder:
        import_rows(db, folder, generated)
        people = db["influencers"].count
        again = import_rows(db, folder, generated)
    assert again.count("added") == 0
    assert again.count("merged") == 0
    assert db["influencers"].count == people


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows)
def test_every_imported_row_is_found_by_its_email_and_by_its_handle_unless_that_was_kept_out(generated):
    db = open_database(":memory:")
    with tempfile.TemporaryDirectory() as folder:
        report = import_rows(db, folder, generated)
    for (_, email, login, _), outcome in zip(generated, report.outcomes, strict=True):
        if outcome.action not in ("added", "merged"):
            continue
        if email:
            assert find_influencer(db, email) == outcome.influencer_id
        kept_out = "kept" in outcome.reason and "twitch" in outcome.reason.split("kept", 1)[1]
        if login and not kept_out:
            assert find_influencer(db, f"twitch:{login}") == outcome.influencer_id
