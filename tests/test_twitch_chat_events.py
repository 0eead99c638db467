"""Chat events as the EventSub ``channel.chat.message`` reference describes them (replies, cheers, shared
chat), Send Chat Message's ``is_sent: false``, Helix rate-limit headers and bounded pagination, through the
real session and twitchio against the fake Twitch."""

import pytest

from livekit.platforms.rules import twitch_chat_line
from tests.fixtures.platforms import BROADCASTER_ID
from tests.helpers import eventually
from tests.test_twitch_session import make_session


@pytest.fixture
async def chat(twitch_workspace, fake_twitch):
    session, intake = make_session(twitch_workspace)
    await session.start()
    fake_twitch.wait_for_subscription()
    yield session, intake
    await session.close()


def reply_event(fake, text):
    event = fake.chat_event(BROADCASTER_ID, "502", "bob", f"@Ann {text}")
    event["message"]["fragments"] = [
        {"type": "mention", "text": "@Ann", "cheermote": None, "emote": None,
         "mention": {"user_id": "501", "user_login": "ann", "user_name": "Ann"}},
        {"type": "text", "text": f" {text}", "cheermote": None, "emote": None, "mention": None},
    ]
    event["reply"] = {"parent_message_id": "p-1", "parent_message_body": "!ask the parent question?",
                      "parent_user_id": "501", "parent_user_name": "Ann", "parent_user_login": "ann",
                      "thread_message_id": "p-1", "thread_user_id": "501", "thread_user_name": "Ann",
                      "thread_user_login": "ann"}
    return event


def cheer_event(fake):
    event = fake.chat_event(BROADCASTER_ID, "503", "cat", "Cheer100 !ask is it waterproof? Cheer50")
    event["message"]["fragments"] = [
        {"type": "cheermote", "text": "Cheer100", "cheermote": {"prefix": "cheer", "bits": 100, "tier": 100},
         "emote": None, "mention": None},
        {"type": "text", "text": " !ask is it waterproof? ", "cheermote": None, "emote": None, "mention": None},
        {"type": "cheermote", "text": "Cheer50", "cheermote": {"prefix": "cheer", "bits": 50, "tier": 1},
         "emote": None, "mention": None},
    ]
    event["message_type"] = "text"
    event["cheer"] = {"bits": 150}
    return event


def shared_event(fake, message_id, source_message_id):
    event = fake.chat_event(BROADCASTER_ID, "504", "dan", "!ask from the other channel?", message_id=message_id)
    event |= {"source_broadcaster_user_id": "7007", "source_broadcaster_user_login": "partner",
              "source_broadcaster_user_name": "Partner", "source_message_id": source_message_id,
              "is_source_only": False}
    return event


async def test_a_reply_asks_only_what_the_viewer_wrote_not_the_parent(chat, fake_twitch):
    _, intake = chat
    fake_twitch.deliver_event(reply_event(fake_twitch, "!ask and the battery life?"))
    questions = await eventually(lambda: intake.queue.list())
    assert [(q.author_name, q.text) for q in questions] == [("Bob", "and the battery life?")]


async def test_a_cheer_asks_without_its_cheer_tokens(chat, fake_twitch):
    _, intake = chat
    fake_twitch.deliver_event(cheer_event(fake_twitch))
    questions = await eventually(lambda: intake.queue.list())
    assert [q.text for q in questions] == ["is it waterproof?"]


async def test_a_shared_chat_message_is_attributed_to_its_channel_and_stored_once(chat, fake_twitch):
    session, intake = chat
    fake_twitch.deliver_event(shared_event(fake_twitch, "copy-1", "source-1"))
    fake_twitch.deliver_event(shared_event(fake_twitch, "copy-2", "source-1"))
    await eventually(lambda: session.status()["chat_lines"] == 2)
    questions = await eventually(lambda: intake.queue.list())
    assert [(q.author_name, q.text) for q in questions] == [("Dan (from Partner's chat)", "from the other channel?")]


def test_a_plain_line_reads_as_written():
    line = twitch_chat_line({"message_id": "m", "chatter_user_id": "1", "chatter_user_name": "Ann",
                             "broadcaster_user_id": "9", "message": {"text": "!ask  hi  there", "fragments": []}})
    assert (line.message_id, line.author_name, line.text) == ("m", "Ann", "!ask hi there")


async def test_a_dropped_chat_notice_is_not_retried_and_says_why(chat, fake_twitch):
    session, _ = chat
    fake_twitch.chat_drops.append(("msg_duplicate", "duplicate message"))
    await session.on_segment_start(0, "Intro", None)
    await eventually(lambda: "notices" in session.status()["detail"])
    await session.drain()
    assert "notices: Twitch dropped the chat notice: duplicate message" in session.status()["detail"]
    assert [request for request in fake_twitch.requests if request[1] == "/helix/chat/messages"] == [
        ("POST", "/helix/chat/messages")
    ]
    assert fake_twitch.chat_sent == []


async def test_category_search_reads_a_bounded_number_of_pages(chat, fake_twitch):
    session, _ = chat
    fake_twitch.endless_category_pages = True
    await session.on_show_start("Launch", "art")
    await session.drain()
    assert fake_twitch.channels[BROADCASTER_ID]["game_id"] == "509660"
    assert fake_twitch.requests.count(("GET", "/helix/search/categories")) == 1
    await session.on_show_start("Launch", "a")
    await session.drain()
    assert fake_twitch.requests.count(("GET", "/helix/search/categories")) == 1 + 5


def test_every_helix_reply_carries_the_rate_limit_headers(fake_twitch):
    import urllib.error
    import urllib.request

    request = urllib.request.Request(f"{fake_twitch.helix_url}users?id=1")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    headers = refused.value.headers
    assert int(headers["Ratelimit-Limit"]) == 800
    assert int(headers["Ratelimit-Remaining"]) < 800
    assert int(headers["Ratelimit-Reset"]) > 0


async def test_an_empty_rate_limit_bucket_answers_429_and_the_title_is_retried(chat, fake_twitch):
    session, _ = chat
    fake_twitch.rate_limit_remaining = 0
    await session.on_show_start("After the limit", None)
    await eventually(lambda: "rate limited by Twitch" in session.status()["detail"])
    fake_twitch.rate_limit_remaining = 800
    await session.drain()
    assert fake_twitch.channels[BROADCASTER_ID]["title"] == "After the limit"
