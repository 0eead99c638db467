"""`outreach discover`: YouTube search + channels and Twitch category streams, against the fakes."""

import json

from outreach.core.discovery import Candidate, rank
from outreach.storage.influencers import activity, get_influencer


def seed_youtube(fake):
    fake.add_channel("UC" + "a" * 22, "Retro Rewind", handle="RetroRewind", subscribers=50_000,
                     keywords="retro gaming reviews")
    fake.add_channel("UC" + "b" * 22, "Pixel Retro Lab", handle="PixelLab", subscribers=120_000,
                     keywords="retro gaming repairs")
    fake.add_channel("UC" + "c" * 22, "Cooking Daily", subscribers=900_000, keywords="cooking")


def seed_twitch(fake):
    fake.add_category("1", "Retro")
    fake.add_category("2", "Retro Racing")
    for user_id, login, followers, viewers in (("10", "slowstream", 300, 900), ("11", "bigretro", 80_000, 50)):
        fake.add_user(user_id, login, followers=followers)
        fake.go_live(user_id, "1", viewers)
    fake.add_user("12", "racer", followers=999_999)
    fake.go_live("12", "2", 5)


def test_youtube_results_are_ranked_by_audience(stats_workspace, fake_youtube, outreach_cli):
    seed_youtube(fake_youtube)
    result = outreach_cli("discover", "--youtube", "retro gaming", "--format", "json")
    assert result.exit_code == 0, result.output
    assert [row["name"] for row in json.loads(result.stdout)] == ["Pixel Retro Lab", "Retro Rewind"]
    assert "2 found, 0 already tracked, 0 added" in result.output


def test_twitch_category_lists_live_streamers_of_the_exact_category(stats_workspace, fake_twitch, outreach_cli):
    seed_twitch(fake_twitch)
    result = outreach_cli("discover", "--twitch-category", "retro", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(row["handle"], row["followers"], row["live_viewers"]) for row in rows] == [
        ("bigretro", 80_000, 50), ("slowstream", 300, 900)]


def test_pick_adds_chosen_results_as_prospects_with_a_snapshot(stats_workspace, fake_youtube, outreach_cli):
    seed_youtube(fake_youtube)
    result = outreach_cli("discover", "--youtube", "retro gaming", "--pick", "2", "--niche", "Retro")
    assert result.exit_code == 0, result.output
    db = stats_workspace.database()
    person = get_influencer(db, 1)
    assert (person["name"], person["youtube"], person["stage"], person["niches"], person["followers"]) == (
        "Retro Rewind", "UC" + "a" * 22, "prospect", ["retro"], 50_000)
    assert activity(db, 1)[0]["kind"] == "discovered"
    assert db["influencers"].count == 1


def test_already_tracked_people_are_marked_and_not_added_twice(stats_workspace, fake_twitch, outreach_cli):
    seed_twitch(fake_twitch)
    assert outreach_cli("discover", "--twitch-category", "Retro", "--add").exit_code == 0
    result = outreach_cli("discover", "--twitch-category", "Retro", "--add", "--format", "json")
    assert [row["tracked"] for row in json.loads(result.stdout)] == ["#1", "#2"]
    assert "2 found, 2 already tracked, 0 added" in result.output
    assert stats_workspace.database()["influencers"].count == 2


def test_youtube_search_is_charged_to_the_quota(stats_workspace, fake_youtube, outreach_cli):
    seed_youtube(fake_youtube)
    outreach_cli("discover", "--youtube", "retro")
    assert stats_workspace.database().execute("SELECT units FROM platform_quota").fetchone()[0] == 101


def test_unknown_category_is_one_clear_error(stats_workspace, fake_twitch, outreach_cli):
    result = outreach_cli("discover", "--twitch-category", "Underwater Basket Weaving")
    assert result.exit_code == 2
    assert result.output.strip() == "Error: no Twitch category matches 'Underwater Basket Weaving'"


def test_growing_channel_outranks_a_slightly_bigger_shrinking_one():
    ranked = rank([Candidate("twitch", "big", "Big", 11_000, growth_30d=-10.0),
                   Candidate("twitch", "rising", "Rising", 10_000, growth_30d=20.0)])
    assert [c.handle for c in ranked] == ["rising", "big"]
