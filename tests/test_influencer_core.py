"""The pure influencer rules: normalisation, dedupe identities, merging, stages and growth."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outreach.core.influencer import (
    IdentityIndex,
    InvalidValue,
    Person,
    Snapshot,
    growth_percent,
    latest_audience,
    merge_person,
    normalise_email,
    normalise_emails,
    normalise_handle,
    normalise_niches,
    normalise_timezone,
    normalise_website,
    parse_count,
    person_from_values,
    stage_after_activity,
)

ZONES = {"Europe/Paris", "America/New_York"}
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
logins = st.from_regex(r"[a-z0-9_]{1,25}", fullmatch=True)


def test_email_is_lower_cased_and_trimmed():
    assert normalise_email("  Ana.Lopez@Example.COM ") == "ana.lopez@example.com"


@pytest.mark.parametrize("bad", ["ana", "ana@", "@example.com", "ana@example", "a b@example.com",
                                 "ana@example.com\r\nBcc: x@example.org", "ana..b@example.com"])
def test_malformed_email_is_refused(bad):
    with pytest.raises(InvalidValue):
        normalise_email(bad)


def test_a_cell_with_several_emails_keeps_the_first_as_primary_and_drops_repeats():
    assert normalise_emails("B@example.org; a@example.com, b@example.org") == ["b@example.org", "a@example.com"]


@pytest.mark.parametrize(("platform", "value", "expected"), [
    ("twitch", "https://www.twitch.tv/AnaPlays/videos", "anaplays"),
    ("twitch", "@AnaPlays", "anaplays"),
    ("youtube", "https://www.youtube.com/channel/UC1234567890abcdefghijkl", "UC1234567890abcdefghijkl"),
    ("youtube", "youtube.com/@AnaPlays?si=x", "anaplays"),
    ("tiktok", "https://www.tiktok.com/@ana.plays", "ana.plays"),
    ("x", "https://twitter.com/AnaPlays", "anaplays"),
    ("x", "https://x.com/AnaPlays", "anaplays"),
    ("instagram", "instagram.com/ana.plays/", "ana.plays"),
])
def test_profile_urls_and_at_handles_reduce_to_the_handle(platform, value, expected):
    assert normalise_handle(platform, value) == expected


def test_a_url_of_another_site_is_not_taken_as_a_handle():
    with pytest.raises(InvalidValue, match="not a twitch address"):
        normalise_handle("twitch", "https://youtube.com/@ana")


def test_a_youtube_channel_url_with_a_malformed_id_is_refused():
    with pytest.raises(InvalidValue, match="does not hold a YouTube channel id"):
        normalise_handle("youtube", "https://www.youtube.com/channel/UCtooShort")


def test_a_handle_with_spaces_is_refused_with_what_was_expected():
    with pytest.raises(InvalidValue, match="Twitch login"):
        normalise_handle("twitch", "ana plays")


@given(logins)
def test_twitch_handle_normalisation_is_idempotent_and_url_insensitive(login):
    canonical = normalise_handle("twitch", login)
    assert normalise_handle("twitch", canonical) == canonical
    assert normalise_handle("twitch", f"https://www.twitch.tv/{login.upper()}") == canonical
    assert normalise_handle("twitch", f"@{login}") == canonical


@given(st.from_regex(r"[A-Za-z0-9._%+-]{1,20}@[A-Za-z0-9]{1,10}\.(com|org|fr)", fullmatch=True))
def test_email_normalisation_is_idempotent(raw):
    try:
        email = normalise_email(raw)
    except InvalidValue:
        return
    assert normalise_email(email) == email == email.lower()


def test_website_gets_a_scheme_and_loses_its_trailing_slash():
    assert normalise_website("Example.org/") == "https://example.org"


@pytest.mark.parametrize(("text", "count"), [("12,345", 12345), ("12.3k", 12300), ("12,5k", 12500), ("1.2M", 1_200_000),
                                             ("12 000", 12000), ("7", 7)])
def test_follower_counts_are_read_as_people_write_them(text, count):
    assert parse_count(text) == count


def test_a_follower_count_that_is_not_a_number_is_refused():
    with pytest.raises(InvalidValue, match="not a number of followers"):
        parse_count("lots")


def test_niches_are_split_trimmed_and_lower_cased():
    assert normalise_niches("Gaming, retro ;  Retro| Speed  Run") == ["gaming", "retro", "speed run"]


def test_time_zone_must_be_iana_and_is_matched_case_insensitively():
    assert normalise_timezone("europe/paris", ZONES) == "Europe/Paris"
    with pytest.raises(InvalidValue, match="IANA"):
        normalise_timezone("CET+1", ZONES)


def test_a_person_without_email_or_handle_is_invalid():
    _, problems = person_from_values({"name": "Nobody"}, ZONES)
    assert problems == ["no email and no platform handle, so this person could not be recognised later"]


def test_every_bad_field_of_a_row_is_reported():
    _, problems = person_from_values({"email": "nope", "twitch": "a b", "stage": "married"}, ZONES)
    assert [problem.split(":")[0] for problem in problems] == ["email", "twitch", "stage"]


def test_merge_fills_gaps_and_unions_emails_and_niches():
    existing = Person({"name": "Ana"}, ["ana@example.com"], ["gaming"])
    incoming = Person({"name": "Ana", "country": "FR"}, ["ana@example.com", "ana@example.org"], ["retro"])
    merge = merge_person(existing, incoming, hand_edited=())
    assert (merge.updates, merge.new_emails, merge.new_niches) == ({"country": "FR"}, ["ana@example.org"], ["retro"])


def test_merge_never_overwrites_a_hand_edited_field():
    existing = Person({"name": "Ana L.", "stage": "negotiating"}, ["ana@example.com"])
    incoming = Person({"name": "Ana Lopez", "stage": "prospect"}, ["ana@example.com"])
    merge = merge_person(existing, incoming, hand_edited={"stage"})
    assert merge.updates == {"name": "Ana Lopez"}
    assert merge.kept_hand_edited == ["stage"]


@given(st.dictionaries(st.sampled_from(["name", "country", "owner", "notes"]), st.text(min_size=1), min_size=1),
       st.dictionaries(st.sampled_from(["name", "country", "owner", "notes"]), st.text(min_size=1)))
def test_property_hand_edited_fields_survive_any_merge(existing_fields, incoming_fields):
    existing = Person(dict(existing_fields), ["a@example.com"])
    merge = merge_person(existing, Person(dict(incoming_fields), ["a@example.com"]), hand_edited=set(existing_fields))
    assert not set(merge.updates) & set(existing_fields)


@given(st.lists(st.tuples(st.sampled_from(["email", "twitch", "x"]), st.sampled_from("abcdef")), max_size=6),
       st.lists(st.tuples(st.sampled_from(["email", "twitch", "x"]), st.sampled_from("abcdef")), max_size=6))
def test_property_a_row_matches_exactly_the_people_sharing_one_of_its_identities(first, second):
    index = IdentityIndex()
    index.add(1, first)
    found = index.matches(second)
    assert (1 in found) == bool(set(first) & set(second))


def test_emailing_moves_a_prospect_to_contacted_but_never_moves_back():
    assert stage_after_activity("prospect", "emailed") == "contacted"
    assert stage_after_activity("negotiating", "emailed") == "negotiating"
    assert stage_after_activity("contacted", "replied") == "replied"
    assert stage_after_activity("do-not-contact", "replied") == "do-not-contact"


def test_opting_out_always_ends_at_do_not_contact():
    assert stage_after_activity("agreed", "opted out") == "do-not-contact"


def test_audience_is_the_sum_of_each_platforms_latest_count():
    history = [Snapshot("youtube", 100, NOW - timedelta(days=2)), Snapshot("youtube", 150, NOW),
               Snapshot("twitch", 50, NOW - timedelta(days=1))]
    assert latest_audience(history) == 200


def test_growth_compares_with_the_snapshot_from_about_n_days_ago():
    history = [Snapshot("youtube", 1000, NOW - timedelta(days=31)), Snapshot("youtube", 1100, NOW - timedelta(days=7)),
               Snapshot("youtube", 1210, NOW)]
    assert growth_percent(history, NOW, 7) == 10.0
    assert growth_percent(history, NOW, 30) == 21.0


def test_growth_is_unknown_without_history_old_enough():
    assert growth_percent([Snapshot("twitch", 10, NOW - timedelta(days=2)), Snapshot("twitch", 20, NOW)], NOW, 7) is None


@pytest.mark.parametrize("value", ["99999999999999999999999", 10**23, float("inf")])
def test_an_impossibly_large_follower_count_is_refused_not_stored(value):
    with pytest.raises(InvalidValue, match="followers is more than the 1,000,000,000,000 allowed"):
        parse_count(value)


def test_a_follower_count_that_is_nan_is_refused():
    with pytest.raises(InvalidValue, match="not a number of followers"):
        parse_count(float("nan"))


def test_an_address_with_a_display_name_is_taken_as_its_address():
    assert normalise_email("Priya <Priya@Example.org>") == "priya@example.org"


def test_a_display_name_cannot_smuggle_a_header():
    with pytest.raises(InvalidValue):
        normalise_email("Priya <p@x.com>\r\nBcc: a@b.c")


@pytest.mark.parametrize("typed, count", [("1.234", 1_234), ("1.234.567", 1_234_567), ("~50k", 50_000),
                                          ("12k+", 12_000), ("ca. 50k", 50_000), ("1.2k", 1_200)])
def test_follower_counts_as_people_type_them_in_other_countries_and_as_estimates(typed, count):
    assert parse_count(typed) == count


@pytest.mark.parametrize("typed", ["n/a", "N/A", "-", "?", "unknown"])
def test_an_unknown_follower_count_leaves_the_field_empty_instead_of_invalidating_the_row(typed):
    person, problems = person_from_values({"email": "bo@example.org", "followers": typed}, ())
    assert problems == []
    assert "followers" not in person.fields


@pytest.mark.parametrize("link", ["https://youtu.be/dQw4w9WgXcQ", "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                                  "youtube.com/shorts/abc123"])
def test_a_youtube_video_link_is_refused_as_a_channel(link):
    with pytest.raises(InvalidValue, match="video, not to a channel"):
        normalise_handle("youtube", link)
