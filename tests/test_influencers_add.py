"""`outreach influencers add`: one person from options, validated like an import row, refused when known."""

from outreach.importing import import_file
from outreach.storage.influencers import activity, find_influencer, get_influencer


def test_add_stores_one_person_from_options_and_prints_the_id(workspace, outreach_cli):
    result = outreach_cli("influencers", "add", "--name", "Ana Lopez", "--email", "Ana <Ana@Example.com>",
                          "--email", "ana.work@example.org", "--profile", "https://www.twitch.tv/AnaPlays",
                          "--youtube", "https://www.youtube.com/@anaplays", "--followers", "12,5k", "--country",
                          "fr", "--language", "fr", "--tag", "Speedrun", "--tag", "retro", "--first-name", "Ana",
                          "--nickname", "Annie", "--stage", "contacted", "--custom", "rate=400")
    assert result.exit_code == 0, result.output
    assert result.output == "added #1 Ana Lopez\n"
    ana = get_influencer(workspace.database(), 1)
    assert (ana["emails"], ana["twitch"], ana["youtube"], ana["followers"], ana["country"], ana["stage"]) == (
        ["ana@example.com", "ana.work@example.org"], "anaplays", "anaplays", 12_500, "FR", "contacted")
    assert ana["niches"] == ["speedrun", "retro"]
    assert ana["custom"] == {"first_name": "Ana", "nickname": "Annie", "rate": "400"}
    assert [event["kind"] for event in activity(workspace.database(), 1)] == ["added"]


def test_add_refuses_someone_an_import_would_merge_naming_who_and_by_what(workspace, outreach_cli):
    assert outreach_cli("influencers", "add", "--twitch", "anaplays", "--name", "Ana").exit_code == 0
    result = outreach_cli("influencers", "add", "--email", "ana@example.com", "--profile",
                          "https://twitch.tv/AnaPlays")
    assert result.exit_code == 2
    assert "already known: #1 Ana has twitch anaplays" in result.output
    assert workspace.database()["influencers"].count == 1


def test_add_errors_name_the_option_of_each_bad_value_and_write_nothing(workspace, outreach_cli):
    result = outreach_cli("influencers", "add", "--email", "ana-at-example.com", "--followers", "lots",
                          "--timezone", "Mars/Olympus")
    assert result.exit_code == 2
    assert "--email: 'ana-at-example.com' is not a valid email address" in result.output
    assert "--followers: 'lots' is not a number of followers" in result.output
    assert "--timezone: 'Mars/Olympus' is not an IANA time zone" in result.output
    assert workspace.database()["influencers"].count == 0


def test_add_without_an_email_or_handle_says_which_options_identify_a_person(outreach_cli):
    result = outreach_cli("influencers", "add", "--name", "Cy")
    assert result.exit_code == 2
    assert "give --email or a handle (--youtube, --twitch, --instagram, --tiktok, --x, --profile)" in result.output


def test_add_refuses_a_profile_address_of_no_known_platform(outreach_cli):
    result = outreach_cli("influencers", "add", "--profile", "https://example.com/ana")
    assert result.exit_code == 2
    assert "'https://example.com/ana' is not the address of a profile on youtube, twitch" in result.output


def test_add_refuses_a_video_link_as_a_channel(outreach_cli):
    result = outreach_cli("influencers", "add", "--youtube", "https://youtu.be/dQw4w9WgXcQ")
    assert result.exit_code == 2
    assert "--youtube: 'https://youtu.be/dQw4w9WgXcQ' is a link to a video, not to a channel" in result.output


def test_fields_given_to_add_are_kept_by_later_imports_like_hand_edits(workspace, tmp_path, outreach_cli):
    assert outreach_cli("influencers", "add", "--email", "ana@example.com", "--name", "Ana (call her Annie)"
                        ).exit_code == 0
    path = tmp_path / "a.csv"
    path.write_text("Name,Email,Country\nAna Lopez,ana@example.com,ES\n", encoding="utf-8")
    import_file(workspace.database(), path)
    ana = get_influencer(workspace.database(), find_influencer(workspace.database(), "ana@example.com"))
    assert (ana["name"], ana["country"]) == ("Ana (call her Annie)", "ES")
