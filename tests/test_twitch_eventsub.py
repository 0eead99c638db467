"""Twitch chat when EventSub misbehaves as its reference says it may: reconnects, revocations, silence,
dropped connections and failed resubscribes, driven through the real session against the fake Twitch."""

import aiohttp
import pytest

from livekit.platforms.eventsub import EventSubReader
from tests.fixtures.platforms import BROADCASTER_ID
from tests.helpers import eventually
from tests.test_twitch_session import make_session


@pytest.fixture
async def chat(twitch_workspace, fake_twitch):
    session, intake = make_session(twitch_workspace, keepalive_seconds=1)
    await session.start()
    fake_twitch.wait_for_subscription()
    yield session, intake
    await session.close()


def moved(fake, before):
    """The client is on exactly one session, a new one."""
    return len(fake.open_sessions()) == 1 and fake.open_sessions() != before


def asked(intake):
    return sorted(question.text for question in intake.queue.list())


async def test_a_question_sent_on_the_old_socket_after_session_reconnect_is_not_lost(chat, fake_twitch):
    session, intake = chat
    fake_twitch.send_reconnect((BROADCASTER_ID, "501", "ann", "!ask sent while moving?"))
    await eventually(lambda: asked(intake) == ["sent while moving?"])
    fake_twitch.send_chat(BROADCASTER_ID, "502", "bob", "!ask and after?")
    await eventually(lambda: asked(intake) == ["and after?", "sent while moving?"])
    assert session.status()["health"] == "ok"


async def test_after_a_reconnect_the_client_closes_the_old_socket_before_the_grace_time(chat, fake_twitch):
    session, _ = chat
    fake_twitch.reconnect_grace_seconds = 3
    before = fake_twitch.open_sessions()
    fake_twitch.send_reconnect()
    await eventually(lambda: moved(fake_twitch, before))
    assert 4004 not in fake_twitch.close_codes
    assert len(fake_twitch.chat_subscriptions()) == 1
    assert session.status()["chat_subscriptions"] == 1


@pytest.mark.parametrize(
    ("status", "reason", "fix"),
    [
        ("authorization_revoked", "Twitch revoked the chat permission: run `livekit auth twitch --account bot`",
         "livekit auth twitch --account bot"),
        ("user_removed", "the Twitch account that reads chat was removed or suspended",
         "livekit auth twitch --account bot"),
        ("moderator_removed", "the chat bot is no longer a moderator of the channel",
         "make chatbot a moderator of the channel again"),
        ("version_removed", "Twitch retired the chat subscription version Greenroom uses", "update Greenroom"),
    ],
)
async def test_a_revocation_shows_a_failed_chat_with_the_fix(chat, fake_twitch, status, reason, fix):
    session, _ = chat
    fake_twitch.revoke(status)
    await eventually(lambda: session.status()["health"] == "failed", timeout=10)
    shown = session.status()
    assert reason in shown["reason"]
    assert reason in shown["detail"]
    assert shown["fix"] == fix
    assert "reconnecting" not in shown["detail"]


async def test_after_a_revocation_nothing_resubscribes_in_a_loop(chat, fake_twitch):
    session, _ = chat
    fake_twitch.revoke("authorization_revoked")
    await eventually(lambda: session.status()["health"] == "failed")
    subscriptions = len(fake_twitch.subscriptions)
    await session.drain()
    assert len(fake_twitch.subscriptions) == subscriptions == 0


async def test_a_silent_eventsub_is_noticed_after_the_keepalive_timeout_and_chat_comes_back(chat, fake_twitch):
    session, intake = chat
    fake_twitch.go_silent()
    await eventually(lambda: "went silent" in session.status()["reason"], timeout=10)
    assert session.status()["health"] == "recovering"
    await eventually(lambda: session.status()["health"] == "ok", timeout=10)
    fake_twitch.send_chat(BROADCASTER_ID, "501", "ann", "!ask back after silence?")
    await eventually(lambda: asked(intake) == ["back after silence?"])
    assert len(fake_twitch.chat_subscriptions()) == 1


@pytest.mark.parametrize(("status", "shown"), [(500, "Twitch is unavailable"), (429, "rate limited by Twitch")])
async def test_a_failed_resubscribe_after_a_drop_is_retried_until_chat_works(chat, fake_twitch, status, shown):
    session, intake = chat
    fake_twitch.fail_next("POST", "/helix/eventsub/subscriptions", status, times=2)
    fake_twitch.drop_connections()
    await eventually(lambda: shown in session.status()["reason"])
    assert session.status()["health"] == "recovering"
    await eventually(lambda: session.status()["health"] == "ok", timeout=10)
    fake_twitch.send_chat(BROADCASTER_ID, "501", "ann", "!ask resubscribed?")
    await eventually(lambda: asked(intake) == ["resubscribed?"])
    assert len(fake_twitch.chat_subscriptions()) == 1


async def test_a_session_closed_with_4003_for_want_of_a_subscription_is_replaced(chat, fake_twitch):
    session, intake = chat
    fake_twitch.subscribe_window_seconds = 0.3
    fake_twitch.fail_next("POST", "/helix/eventsub/subscriptions", 500, times=3)
    fake_twitch.drop_connections()
    await eventually(lambda: 4003 in fake_twitch.close_codes, timeout=10)
    await eventually(lambda: session.status()["health"] == "ok", timeout=10)
    fake_twitch.send_chat(BROADCASTER_ID, "501", "ann", "!ask after 4003?")
    await eventually(lambda: asked(intake) == ["after 4003?"])
    assert len(fake_twitch.chat_subscriptions()) == 1


async def test_exactly_one_subscription_across_reconnects_and_drops(chat, fake_twitch):
    session, intake = chat
    for _ in range(2):
        before = fake_twitch.open_sessions()
        fake_twitch.send_reconnect()
        await eventually(lambda b=before: moved(fake_twitch, b))
        fake_twitch.drop_connections()
        await eventually(lambda: len(fake_twitch.chat_subscriptions()) == 1 and session.status()["health"] == "ok")
    fake_twitch.send_chat(BROADCASTER_ID, "501", "ann", "!ask one copy?")
    await eventually(lambda: asked(intake) == ["one copy?"])
    assert len(fake_twitch.chat_subscriptions()) == 1
    assert session.status()["chat_lines"] == 1


async def test_a_drop_in_the_middle_of_a_reconnect_ends_in_one_working_subscription(chat, fake_twitch):
    session, intake = chat
    fake_twitch.send_reconnect()
    fake_twitch.drop_connections()
    await eventually(lambda: len(fake_twitch.chat_subscriptions()) == 1 and session.status()["health"] == "ok")
    fake_twitch.send_chat(BROADCASTER_ID, "501", "ann", "!ask still one?")
    await eventually(lambda: asked(intake) == ["still one?"])


def test_a_message_nested_too_deep_for_the_json_decoder_is_dropped_like_one_that_is_not_json():
    """A few hundred kilobytes of ``[[[[`` stop json's decoder with RecursionError; it must not end chat."""
    message = aiohttp.WSMessage(aiohttp.WSMsgType.TEXT, "[" * 100_000 + "]" * 100_000, None)
    assert EventSubReader._decode(message) == {"metadata": {}, "payload": {}}
