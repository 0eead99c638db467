"""Listing and searching influencers through the indexes built for agency-sized lists (real SQLite).

Speed is measured by scripts/bench_scale.py, never here: these tests pin what the faster queries return.
"""

import json

import pytest
import sqlite_utils

from outreach.storage.influencers import Filter, list_influencers, set_fields
from outreach.storage.schema import MIGRATIONS

NOW_TEXT = "2026-03-02T10:00:00+00:00"


def add_person(db, name, email, *, followers=None, country=None, language=None, twitch=None, youtube=None,
               growth=None, niches='["gaming"]'):
    return db.table("influencers").insert({
        "name": name, "email": email, "followers": followers, "country": country, "language": language,
        "twitch": twitch, "youtube": youtube, "growth_30d": growth, "niches": niches,
        "created_at": NOW_TEXT, "updated_at": NOW_TEXT,
    }).last_pk


@pytest.fixture
def db(workspace):
    return workspace.database()


def names(db, criteria=None, **options):
    return [row["name"] for row in list_influencers(db, criteria or Filter(), **options)]


def test_list_filters_by_country_whatever_case_it_is_typed_in(db):
    add_person(db, "Ana", "ana@example.com", country="FR")
    add_person(db, "Bo", "bo@example.com", country="DE")
    assert names(db, Filter(country="fr")) == ["Ana"]


def test_list_filters_by_language(db):
    add_person(db, "Ana", "ana@example.com", language="fr")
    add_person(db, "Bo", "bo@example.com", language="de")
    assert names(db, Filter(language="DE ")) == ["Bo"]


def test_country_and_audience_filters_combine_biggest_audience_first(db):
    add_person(db, "Small", "s@example.com", country="US", followers=5_000)
    add_person(db, "Big", "b@example.com", country="US", followers=900_000)
    add_person(db, "Mid", "m@example.com", country="US", followers=120_000)
    add_person(db, "Elsewhere", "e@example.com", country="GB", followers=2_000_000)
    assert names(db, Filter(country="US", min_followers=100_000)) == ["Big", "Mid"]


def test_unknown_audience_comes_last_and_ties_keep_id_order(db):
    add_person(db, "Unknown", "u@example.com")
    add_person(db, "First tie", "t1@example.com", followers=10)
    add_person(db, "Second tie", "t2@example.com", followers=10)
    add_person(db, "Big", "b@example.com", followers=1_000)
    assert names(db) == ["Big", "First tie", "Second tie", "Unknown"]
    assert names(db, limit=2) == ["Big", "First tie"]


def test_unknown_growth_comes_last_when_sorting_by_growth(db):
    add_person(db, "Unknown", "u@example.com")
    add_person(db, "Shrinking", "s@example.com", growth=-3.0)
    add_person(db, "Growing", "g@example.com", growth=12.5)
    assert names(db, order="growth") == ["Growing", "Shrinking", "Unknown"]


def search(db, words):
    return names(db, Filter(search=words))


def test_search_finds_a_person_by_twitch_or_youtube_handle(db):
    add_person(db, "Ana Lopez", "ana@example.com", twitch="anaplays", youtube="anaonyoutube")
    assert search(db, "anaplays") == ["Ana Lopez"]
    assert search(db, "anaonyou") == ["Ana Lopez"]


def test_search_finds_a_person_by_email(db):
    add_person(db, "Ana Lopez", "ana.lopez@example.com")
    assert search(db, "ana.lopez@example.com") == ["Ana Lopez"]


def test_search_follows_a_renamed_person(db):
    person = add_person(db, "Ana Lopez", "ana@example.com")
    set_fields(db, person, {"name": "Ana Garcia"})
    assert search(db, "garcia") == ["Ana Garcia"]
    assert search(db, "lopez") == []


def test_search_follows_a_changed_handle(db):
    person = add_person(db, "Ana Lopez", "ana@example.com", twitch="anaplays")
    set_fields(db, person, {"twitch": "anastreams"})
    assert search(db, "anastreams") == ["Ana Lopez"]
    assert search(db, "anaplays") == []


def test_search_follows_a_new_primary_email(db):
    person = add_person(db, "Ana Lopez", "ana@example.com")
    set_fields(db, person, {"email": "contact@anastudio.example"})
    assert search(db, "anastudio") == ["Ana Lopez"]


def test_search_forgets_a_deleted_person(db):
    person = add_person(db, "Ana Lopez", "ana@example.com", twitch="anaplays")
    db.table("influencers").delete(person)
    assert search(db, "anaplays") == []
    assert search(db, "lopez") == []


def test_search_combines_with_the_country_filter(db):
    add_person(db, "Ana Lopez", "ana@example.com", country="ES")
    add_person(db, "Bo Lopez", "bo@example.com", country="MX")
    assert names(db, Filter(search="lopez", country="MX")) == ["Bo Lopez"]


def test_people_stored_before_handles_were_searchable_are_found_by_handle_after_the_upgrade():
    db = sqlite_utils.Database(memory=True)
    MIGRATIONS.apply(db, stop_before="influencers_fts_handles")
    add_person(db, "Ana Lopez", "ana@example.com", twitch="anaplays")
    MIGRATIONS.apply(db)
    assert search(db, "anaplays") == ["Ana Lopez"]
    assert search(db, "lopez") == ["Ana Lopez"]


def test_cli_list_filters_by_country_and_language(db, outreach_cli):
    add_person(db, "Ana", "ana@example.com", country="FR", language="fr")
    add_person(db, "Bo", "bo@example.com", country="FR", language="en")
    add_person(db, "Cy", "cy@example.com", country="DE", language="fr")
    result = outreach_cli("influencers", "list", "--country", "fr", "--language", "fr", "--format", "json")
    assert result.exit_code == 0, result.output
    assert [record["name"] for record in json.loads(result.output)] == ["Ana"]
