"""The Twitch session, driving the real twitchio 3 against the in-process fake Twitch (Helix + EventSub)."""

import os
import stat

import pytest

from greenroom.backoff import Backoff
from livekit.core.clock import FakeClock
from livekit.platforms.auth import TwitchTokenStore
from livekit.platforms.settings import TwitchSettings
from livekit.platforms.twitch import TwitchSession
from livekit.questions import IntakeRules, QuestionIntake, QuestionQueue
from tests.fixtures.platforms import BOT_ID, BROADCASTER_ID, authorise_twitch, twitch_config
from tests.helpers import eventually


def make_session(workspace, *, clock=None, show="show-1", keepalive_seconds=10, marker_wait_ms=5_000):
    intake = QuestionIntake(QuestionQueue(workspace.database(), show), IntakeRules(per_person_limit=2))
    session = TwitchSession(
        TwitchSettings.from_workspace(workspace),
        intake,
        clock=clock,
        reconnect_backoff=Backoff(first_ms=50, max_ms=200),
        retry_first_ms=20,
        keepalive_seconds=keepalive_seconds,
        marker_wait_ms=marker_wait_ms,
    )
    return session, intake


@pytest.fixture
async def live_session(twitch_workspace):
    session, intake = make_session(twitch_workspace)
    await session.start()
    yield session, intake
    await session.close()


async def test_start_subscribes_the_bot_to_the_broadcasters_chat(live_session, fake_twitch):
    session, _ = live_session
    assert session.status()["state"] == "ok"
    subscription = fake_twitch.wait_for_subscription()
    assert subscription["type"] == "channel.chat.message"
    assert subscription["condition"] == {"broadcaster_user_id": BROADCASTER_ID, "user_id": BOT_ID}


async def test_an_ask_in_chat_becomes_a_pending_question_with_author(live_session, fake_twitch):
    session, intake = live_session
    fake_twitch.send_chat(BROADCASTER_ID, "501", "ann", "hello everyone")
    fake_twitch.send_chat(BROADCASTER_ID, "501", "ann", "!ask What camera is that?")
    questions = await eventually(lambda: intake.queue.list())
    assert [(q.platform, q.author_name, q.text, q.status.value) for q in questions] == [
        ("twitch", "Ann", "What camera is that?", "pending")
    ]
    await eventually(lambda: session.status()["chat_lines"] == 2)


async def test_a_redelivered_eventsub_message_is_stored_once(live_session, fake_twitch):
    session, intake = live_session
    message_id = fake_twitch.send_chat(BROADCASTER_ID, "501", "ann", "!ask once?")
    fake_twitch.redeliver(BROADCASTER_ID, "501", "ann", "!ask once?", message_id)
    fake_twitch.send_chat(BROADCASTER_ID, "502", "bob", "!ask marker")
    await eventually(lambda: len(intake.queue.list()) == 2)
    assert [q.text for q in intake.queue.list()] == ["once?", "marker"]
    assert session.status()["chat_lines"] == 2


async def test_the_bots_own_chat_lines_are_ignored(live_session, fake_twitch):
    session, intake = live_session
    fake_twitch.send_chat(BROADCASTER_ID, BOT_ID, "chatbot", "!ask Now: Q&A")
    await eventually(lambda: session.status()["chat_lines"] == 1)
    assert intake.queue.list() == []


async def test_show_start_sets_title_and_category_found_by_name(live_session, fake_twitch):
    session, _ = live_session
    await session.on_show_start("Launch Q&A", "science & technology")
    await session.drain()
    assert fake_twitch.channels[BROADCASTER_ID] == {"title": "Launch Q&A", "game_id": "509670"}


async def test_show_start_uses_the_configured_category_when_the_rundown_has_none(live_session, fake_twitch):
    session, _ = live_session
    await session.on_show_start("Launch", None)
    await session.drain()
    assert fake_twitch.channels[BROADCASTER_ID]["game_id"] == "509658"


async def test_an_unknown_category_degrades_with_its_name(live_session, fake_twitch):
    session, _ = live_session
    await session.on_show_start("Launch", "No Such Category Anywhere")
    await session.drain()
    assert session.status()["state"] == "degraded"
    assert "no Twitch category matches 'No Such Category Anywhere'" in session.status()["detail"]


async def test_segment_start_creates_a_marker_and_a_chat_notice(live_session, fake_twitch):
    session, _ = live_session
    fake_twitch.stream_goes_live(BROADCASTER_ID)
    await session.on_segment_start(1, "Q&A", "Jane")
    await session.drain()
    assert [m["description"] for m in fake_twitch.markers] == ["Q&A"]
    assert [(m["message"], m["sender_id"]) for m in fake_twitch.chat_sent] == [("Now: Q&A with Jane", BOT_ID)]


async def test_chat_notices_stay_within_twitchs_rate_limit(twitch_workspace, fake_twitch):
    clock = FakeClock()
    session, _ = make_session(twitch_workspace, clock=clock)
    await session.start()
    fake_twitch.stream_goes_live(BROADCASTER_ID)
    for index in range(25):
        await session.on_segment_start(index, f"Segment {index}", None)
    await session.drain()
    assert len(fake_twitch.chat_sent) == 20
    assert session.status()["chat_notices_skipped"] == 5
    clock.advance(30_000)
    await session.on_segment_start(25, "After the window", None)
    await session.drain()
    assert len(fake_twitch.chat_sent) == 21
    await session.close()


async def test_a_marker_waits_until_get_streams_shows_the_stream_live_then_lands(live_session, fake_twitch):
    session, _ = live_session
    await session.on_segment_start(0, "Intro", None)
    await eventually(lambda: ("GET", "/helix/streams") in fake_twitch.requests)
    status = session.status()
    assert (status["health"], fake_twitch.markers) == ("recovering", [])
    assert "waiting for Twitch to show the stream live to place marker 'Intro'" in status["reason"]
    fake_twitch.stream_goes_live(BROADCASTER_ID)
    await session.drain()
    assert [marker["description"] for marker in fake_twitch.markers] == ["Intro"]
    assert session.status()["health"] == "ok"


async def test_a_stream_that_never_goes_live_skips_the_marker_with_a_reason(twitch_workspace, fake_twitch):
    session, _ = make_session(twitch_workspace, marker_wait_ms=200)
    await session.start()
    placed = await session.create_marker("Intro")
    status = session.status()
    await session.close()
    assert not placed
    assert "markers: Twitch never showed the stream live: marker 'Intro' skipped" in status["detail"]


async def test_a_rate_limited_title_change_is_retried_until_it_succeeds(live_session, fake_twitch):
    session, _ = live_session
    fake_twitch.fail_next("PATCH", "/helix/channels", 429)
    await session.on_show_start("Retry me", None)
    await session.drain()
    assert fake_twitch.channels[BROADCASTER_ID]["title"] == "Retry me"
    assert session.status()["state"] == "ok"


async def test_a_bot_without_the_chat_scope_is_reported_with_the_fix(workspace, fake_twitch):
    workspace.config_path.write_text(twitch_config(fake_twitch), encoding="utf-8")
    authorise_twitch(workspace, fake_twitch, bot_scopes=["user:write:chat"])
    session, _ = make_session(workspace)
    await session.start()
    status = session.status()
    await session.close()
    assert status["state"] == "degraded"
    assert (
        "Twitch bot token lacks scope user:read:chat; run `livekit auth twitch --account bot` to grant it"
        in status["detail"]
    )


async def test_a_revoked_token_degrades_and_asks_to_reauthorise(twitch_workspace, fake_twitch):
    record = TwitchTokenStore(twitch_workspace.path("tokens/twitch.json")).account("broadcaster")
    fake_twitch.expire_token(record["access_token"])
    fake_twitch.fail_next("POST", "/oauth2/token", 400, "Invalid refresh token")
    session, _ = make_session(twitch_workspace)
    await session.start()
    status = session.status()
    await session.close()
    assert status["state"] == "degraded"
    assert "run `livekit auth twitch`" in status["detail"]
    assert record["access_token"] not in str(status)


async def test_an_expiring_token_is_refreshed_and_stored_privately(workspace, fake_twitch):
    workspace.config_path.write_text(twitch_config(fake_twitch), encoding="utf-8")
    store = authorise_twitch(workspace, fake_twitch, broadcaster_expires_in=600)
    old = store.account("broadcaster")["access_token"]
    session, _ = make_session(workspace)
    await session.start()
    new = await eventually(lambda: store.account("broadcaster")["access_token"] != old)
    await session.close()
    assert new
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert session.status()["state"] == "off"


async def test_twitch_down_at_start_degrades_then_recovers_when_it_is_back(workspace, fake_twitch):
    workspace.config_path.write_text(twitch_config(fake_twitch), encoding="utf-8")
    authorise_twitch(workspace, fake_twitch)
    fake_twitch.fail_next("GET", "/oauth2/validate", 500, times=2)
    session, intake = make_session(workspace)
    await session.start()
    assert session.status()["state"] == "degraded"
    assert "Twitch is unavailable" in session.status()["detail"]
    await eventually(lambda: session.status()["state"] == "ok")
    fake_twitch.send_chat(BROADCASTER_ID, "501", "ann", "!ask back?")
    await eventually(lambda: intake.queue.list())
    await session.close()


async def test_an_unreachable_twitch_never_raises(workspace, fake_twitch):
    config = twitch_config(fake_twitch, api_base="http://127.0.0.1:9/helix/", id_base="http://127.0.0.1:9/")
    workspace.config_path.write_text(config, encoding="utf-8")
    authorise_twitch(workspace, fake_twitch)
    session, _ = make_session(workspace)
    await session.start()
    await session.on_show_start("Title", None)
    await session.on_segment_start(0, "Intro", None)
    await session.on_show_end([(0, "Intro")])
    status = session.status()
    await session.close()
    assert status["state"] == "degraded"
    assert "cannot reach Twitch" in status["detail"]
    assert "not connected to Twitch: marker 'Intro' skipped" in status["detail"]


async def test_a_title_set_while_twitch_is_down_is_applied_once_it_connects(workspace, fake_twitch):
    workspace.config_path.write_text(twitch_config(fake_twitch), encoding="utf-8")
    authorise_twitch(workspace, fake_twitch)
    fake_twitch.fail_next("GET", "/oauth2/validate", 500, times=2)
    session, _ = make_session(workspace)
    await session.start()
    await session.on_show_start("Late title", None)
    await eventually(lambda: fake_twitch.channels[BROADCASTER_ID]["title"] == "Late title")
    await session.close()


async def test_chat_keeps_flowing_after_a_session_reconnect(live_session, fake_twitch):
    session, intake = live_session
    before = fake_twitch.wait_for_subscription()["transport"]["session_id"]
    fake_twitch.send_reconnect()
    await eventually(lambda: list(fake_twitch.sessions) not in ([], [before]))
    fake_twitch.send_chat(BROADCASTER_ID, "501", "ann", "!ask still there?")
    await eventually(lambda: intake.queue.list())
    assert session.status()["state"] == "ok"


async def test_chat_resumes_after_the_connection_drops(live_session, fake_twitch):
    session, intake = live_session
    before = fake_twitch.wait_for_subscription()["transport"]["session_id"]
    fake_twitch.drop_connections()
    await eventually(lambda: any(s.subscriptions for key, s in fake_twitch.sessions.items() if key != before))
    fake_twitch.send_chat(BROADCASTER_ID, "501", "ann", "!ask back again?")
    await eventually(lambda: intake.queue.list())
    await eventually(lambda: session.status()["state"] == "ok")


async def test_questions_arriving_while_the_database_refuses_writes_are_stored_later(live_session, fake_twitch):
    session, intake = live_session
    refuse = intake.queue.db
    refuse.execute("CREATE TRIGGER refuse BEFORE INSERT ON questions BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    fake_twitch.send_chat(BROADCASTER_ID, "501", "ann", "!ask kept?")
    await eventually(lambda: "cannot store questions" in session.status()["detail"])
    assert session.status()["unsaved_questions"] == 1
    refuse.execute("DROP TRIGGER refuse")
    await eventually(lambda: intake.queue.list(), timeout=5)
    assert session.status()["state"] == "ok"
    assert [q.text for q in intake.queue.list()] == ["kept?"]


async def test_with_a_client_secret_the_session_uses_an_app_token_too(twitch_workspace, fake_twitch, monkeypatch):
    from tests.fakes.twitch import CLIENT_SECRET

    monkeypatch.setenv("TWITCH_CLIENT_SECRET", CLIENT_SECRET)
    session, intake = make_session(twitch_workspace)
    await session.start()
    fake_twitch.send_chat(BROADCASTER_ID, "501", "ann", "!ask app token?")
    await eventually(lambda: intake.queue.list())
    await session.close()
    assert ("POST", "/oauth2/token") in fake_twitch.requests


def test_sessions_are_built_for_the_configured_platforms(workspace, fake_twitch, fake_youtube):
    from livekit.platforms.sessions import platform_sessions, question_intake
    from tests.fixtures.platforms import authorise_twitch, authorise_youtube, youtube_config

    workspace.config_path.write_text(
        twitch_config(fake_twitch) + youtube_config(fake_youtube) + "[questions]\nper_person_limit = 5\n",
        encoding="utf-8",
    )
    authorise_twitch(workspace, fake_twitch)
    authorise_youtube(workspace, fake_youtube)
    intake = question_intake(QuestionQueue(workspace.database(), "show-1"), workspace)
    sessions = platform_sessions(workspace, intake, planned_show_ms=1_800_000)
    assert [session.name for session in sessions] == ["twitch", "youtube"]
    assert intake.rules.per_person_limit == 5


def test_a_bad_questions_setting_names_file_and_key(workspace):
    from greenroom.errors import ConfigError
    from livekit.platforms.settings import intake_rules

    workspace.config_path.write_text('[twitch]\ncommand = "! ask"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"greenroom.toml: \[questions\]: the question command must be one word"):
        intake_rules(workspace)
