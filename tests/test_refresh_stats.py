"""Stats refresh through the real googleapiclient and real HTTP against in-process YouTube and Twitch fakes."""

import asyncio
import json
from datetime import UTC, datetime, timedelta

from outreach.platforms.refresh import refresh_stats
from outreach.platforms.settings import twitch_helix_client, youtube_stats_client
from outreach.storage.influencers import get_influencer, set_fields
from tests.fakes.youtube import API_KEY

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def channel_id(number: int) -> str:
    return f"UC{number:022d}"


def add_person(db, name, **handles):
    """A tracked person, as an import or a hand edit would leave them."""
    row = {"name": name, "stage": "prospect", "kind": handles.pop("kind", "influencer"), "niches": "[]",
           "custom": "{}", "hand_edited": "[]", "created_at": "2026-01-01T00:00:00+00:00",
           "updated_at": "2026-01-01T00:00:00+00:00", **handles}
    return db["influencers"].insert(row).last_pk


def refresh(workspace, now=NOW, **options):
    db = workspace.database()

    async def go():
        youtube, twitch = youtube_stats_client(workspace), twitch_helix_client(workspace)
        try:
            return await refresh_stats(db, youtube, twitch, now, **options)
        finally:
            if twitch:
                await twitch.close()
            if youtube:
                youtube.close()

    return asyncio.run(go())


def test_youtube_channels_are_fetched_fifty_ids_per_call(stats_workspace, fake_youtube):
    db = stats_workspace.database()
    for number in range(120):
        fake_youtube.add_channel(channel_id(number), f"Channel {number}", subscribers=1000 + number)
        add_person(db, f"Creator {number}", youtube=channel_id(number))
    report = refresh(stats_workspace, platforms=("youtube",))
    assert report.refreshed == 120 and report.failed == 0
    batches = [len(params["id"].split(",")) for params in fake_youtube.calls("GET", "/youtube/v3/channels")]
    assert batches == [50, 50, 20]
    assert report.youtube_units == 3
    assert all(params["key"] == API_KEY for _, _, params in fake_youtube.requests)
    assert get_influencer(db, 120)["followers"] == 1119


def test_youtube_handle_is_looked_up_with_for_handle(stats_workspace, fake_youtube):
    db = stats_workspace.database()
    fake_youtube.add_channel(channel_id(1), "Ana Plays", handle="AnaPlays", subscribers=5400, views=90, videos=12)
    person = add_person(db, "Ana", youtube="anaplays")
    report = refresh(stats_workspace)
    assert [(line.followers, line.views, line.videos, line.error) for line in report.lines] == [(5400, 90, 12, None)]
    assert get_influencer(db, person)["stats"][0]["followers"] == 5400


def test_twitch_followers_come_from_helix_with_an_app_token(stats_workspace, fake_twitch):
    db = stats_workspace.database()
    fake_twitch.add_user("1001", "bolive", followers=777)
    person = add_person(db, "Bo", twitch="bolive")
    report = refresh(stats_workspace)
    assert [(line.platform, line.followers) for line in report.lines] == [("twitch", 777)]
    assert get_influencer(db, person)["followers"] == 777


def test_one_failing_handle_is_reported_and_the_others_still_refresh(stats_workspace, fake_youtube, fake_twitch):
    db = stats_workspace.database()
    fake_twitch.add_user("1", "good", followers=10)
    fake_twitch.add_user("2", "flaky", followers=20)
    fake_twitch.failing_followers.add("2")
    fake_youtube.add_channel(channel_id(1), "Known", subscribers=30)
    add_person(db, "Good", twitch="good")
    add_person(db, "Flaky", twitch="flaky")
    add_person(db, "Ghost", twitch="ghost")
    add_person(db, "Deleted channel", youtube=channel_id(99), email="d@example.com")
    add_person(db, "Known", youtube=channel_id(1), email="k@example.com")
    report = refresh(stats_workspace)
    errors = {line.name: line.error for line in report.lines}
    assert errors["Good"] is None and errors["Known"] is None
    assert errors["Flaky"].startswith("Twitch channels/followers: 500")
    assert errors["Ghost"] == "no such Twitch user"
    assert errors["Deleted channel"] == "no such YouTube channel"


def test_growth_over_7_and_30_days_comes_from_kept_snapshots(stats_workspace, fake_twitch):
    db = stats_workspace.database()
    fake_twitch.add_user("1", "ana", followers=1000)
    person = add_person(db, "Ana", twitch="ana")
    for days_ago, followers in ((30, 1000), (7, 1100), (0, 1210)):
        fake_twitch.set_followers("1", followers)
        refresh(stats_workspace, now=NOW - timedelta(days=days_ago))
    ana = get_influencer(db, person)
    assert (ana["followers"], ana["growth_7d"], ana["growth_30d"]) == (1210, 10.0, 21.0)
    assert db["influencer_stats"].count == 3


def test_quota_is_counted_and_a_used_up_quota_skips_the_rest_with_a_reason(stats_workspace, fake_youtube):
    db = stats_workspace.database()
    text = stats_workspace.config_path.read_text()
    stats_workspace.config_path.write_text(text.replace("[youtube]\n", "[youtube]\ndaily_quota = 2\n"))
    for number in range(3):
        fake_youtube.add_channel(f"x{number}", f"Handle {number}", handle=f"handle{number}", subscribers=number)
        add_person(db, f"H{number}", youtube=f"handle{number}")
    report = refresh(stats_workspace)
    assert [line.error is None for line in report.lines] == [True, True, False]
    assert "YouTube quota for 2026-06-01 would be exceeded" in report.lines[2].error
    assert report.youtube_units == 2
    assert db.execute("SELECT units FROM platform_quota WHERE platform = 'youtube'").fetchone()[0] == 2


def test_quota_exceeded_answer_from_youtube_stops_further_calls(stats_workspace, fake_youtube):
    db = stats_workspace.database()
    fake_youtube.quota_limit = 0
    for number in range(2):
        fake_youtube.add_channel(f"q{number}", "x", handle=f"quota{number}")
        add_person(db, f"Q{number}", youtube=f"quota{number}")
    report = refresh(stats_workspace)
    assert "quotaExceeded" in report.lines[0].error
    assert report.lines[1].error.startswith("not refreshed: YouTube API 403 quotaExceeded")
    assert len(fake_youtube.requests) == 1


def test_missing_credentials_are_reported_per_handle_not_raised(stats_workspace, monkeypatch, fake_twitch):
    monkeypatch.delenv("YOUTUBE_API_KEY")
    db = stats_workspace.database()
    fake_twitch.add_user("1", "bo", followers=5)
    add_person(db, "Yu", youtube=channel_id(5))
    add_person(db, "Bo", twitch="bo")
    report = refresh(stats_workspace)
    assert [line.error for line in report.lines] == [
        "YouTube not configured: set YOUTUBE_API_KEY (or [youtube] api_key in secrets.toml)", None]


def test_expired_twitch_app_token_is_replaced_once(stats_workspace, fake_twitch):
    db = stats_workspace.database()
    fake_twitch.add_user("1", "bo", followers=5)
    add_person(db, "Bo", twitch="bo")
    twitch = twitch_helix_client(stats_workspace)

    async def go():
        async with twitch:
            await twitch.users(["bo"])
            fake_twitch.revoke_app_tokens()
            return await refresh_stats(db, None, twitch, NOW, platforms=("twitch",))

    report = asyncio.run(go())
    assert report.lines[0].followers == 5


def test_refresh_command_lists_lines_and_exits_zero_on_partial_failure(stats_workspace, fake_twitch, outreach_cli):
    db = stats_workspace.database()
    fake_twitch.add_user("1", "bo", followers=5)
    add_person(db, "Bo", twitch="bo")
    add_person(db, "Ghost", twitch="ghost")
    set_fields(db, 1, {"notes": "x"})
    result = outreach_cli("refresh", "--format", "json")
    assert result.exit_code == 0, result.output
    lines = json.loads(result.stdout)["lines"]
    assert [(line["name"], line["followers"], line["error"]) for line in lines] == [
        ("Bo", 5, None), ("Ghost", None, "no such Twitch user")]


def test_refresh_command_exits_one_when_nothing_could_be_refreshed(stats_workspace, outreach_cli):
    add_person(stats_workspace.database(), "Ghost", twitch="ghost")
    result = outreach_cli("refresh")
    assert result.exit_code == 1
    assert "refreshed 0, failed 1" in result.output


def test_without_an_api_key_the_oauth_tokens_of_livekit_auth_are_used(stats_workspace, fake_youtube, monkeypatch):
    monkeypatch.delenv("YOUTUBE_API_KEY")
    tokens = stats_workspace.path("tokens/youtube.json")
    tokens.parent.mkdir()
    tokens.write_text(json.dumps({"token": fake_youtube.grant()[0], "refresh_token": "1//r", "client_id": "c", "client_secret": "s",
                                  "token_uri": "http://127.0.0.1:9/token"}))
    tokens.chmod(0o600)
    fake_youtube.add_channel(channel_id(3), "Via OAuth", subscribers=42)
    add_person(stats_workspace.database(), "Oa", youtube=channel_id(3))
    report = refresh(stats_workspace)
    assert [(line.followers, line.error) for line in report.lines] == [(42, None)]
    assert "key" not in fake_youtube.requests[0][2]
