"""The Datasette metadata shipped in templates/datasette: its canned queries run with plain sqlite3 on a
real workspace database and give the figures worked out in tests/management_world.py."""

from __future__ import annotations

import sqlite3

import pytest
import yaml

from greenroom.templates import default_templates_dir
from tests.management_world import NOW, seed_month


def canned(name: str) -> str:
    metadata = yaml.safe_load((default_templates_dir() / "datasette" / "metadata.yml").read_text(encoding="utf-8"))
    return metadata["databases"]["greenroom"]["queries"][name]["sql"]


@pytest.fixture
def database(workspace):
    db = workspace.database()
    seed_month(db)
    for guest, owner in (("Ada", "kim"), ("Ada", "kim"), ("Grace", "lee")):
        person = db["influencers"].insert({
            "name": guest, "kind": "influencer", "stage": "appeared", "owner": owner, "niches": "[]", "custom": "{}",
            "hand_edited": "[]", "created_at": "x", "updated_at": "x"}).last_pk
        db["guest_appearances"].insert({"show": "1", "guest_name": guest, "on_air_ms": NOW, "influencer_id": person})
    db.conn.commit()
    connection = sqlite3.connect(workspace.database_path)
    yield connection
    connection.close()


def test_audience_per_segment_averages_the_viewers_while_each_segment_was_on_air(database):
    rows = database.execute(canned("audience_per_segment")).fetchall()
    assert [(row[4], row[5], row[6], row[7]) for row in rows[:2]] == [("Q&A", 96.0, 100.0, 3),
                                                                      ("Sponsor read", 85.5, 100.0, 2)]


def test_reply_rate_per_template_counts_replies_per_email_delivered(database):
    assert database.execute(canned("reply_rate_per_template")).fetchall() == [
        ("first-contact.md.j2", 60, 21, 35.0, 1, 1)]


def test_guests_per_owner_counts_appearances_and_different_guests(database):
    assert database.execute(canned("guests_per_owner")).fetchall() == [("kim", 2, 2), ("lee", 1, 1)]


def test_the_command_writes_the_metadata_into_the_workspace(greenroom_cli):
    result = greenroom_cli("datasette-metadata")
    assert result.exit_code == 0, result.output
    written = greenroom_cli.workspace.root / "datasette-metadata.yml"
    assert written.read_bytes() == (default_templates_dir() / "datasette" / "metadata.yml").read_bytes()
