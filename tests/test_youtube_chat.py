"""YouTube live chat as it really fails, through the real googleapiclient against the fake: every failure
either recovers by itself (``chat: "recovering"``) or stops with a clear reason and fix, and paid messages
(Super Chats, members' milestones) become questions flagged as paid."""

import pytest

from tests.helpers import eventually
from tests.test_youtube_session import live, make_session

CHAT_PATH = "/youtube/v3/liveChat/messages"


@pytest.fixture
async def watched(youtube_workspace):
    """A started session and every status it published (to see a passing "recovering")."""
    published = []
    session, _ = make_session(youtube_workspace, on_status=published.append)
    await session.start()
    yield session, published
    await session.close()


async def test_a_rate_limited_chat_poll_recovers_and_questions_keep_coming(watched, fake_youtube):
    session, published = watched
    broadcast = await live(session, fake_youtube)
    fake_youtube.fail_next("GET", "/liveChat/messages", 403, "rateLimitExceeded", times=2)
    fake_youtube.post_chat(broadcast["snippet"]["liveChatId"], "UCviewer1", "Ann", "!ask still there?")
    await eventually(lambda: session.intake.queue.list())
    await eventually(lambda: session.status()["chat"] == "ok")
    recovering = [status for status in published if status.get("chat") == "recovering"]
    assert recovering and "rateLimitExceeded" in recovering[0]["chat_reason"]
    assert session.status()["state"] == "ok"


async def test_a_broadcast_without_live_chat_says_so_instead_of_losing_questions(watched, fake_youtube):
    session, _ = watched
    fake_youtube.new_broadcasts_have_chat = False
    await live(session, fake_youtube)
    status = await eventually(lambda: session.status() if session.status().get("chat") == "disabled" else None)
    assert status["state"] == "degraded"
    assert "live chat is turned off for this broadcast: no questions will come from YouTube" in status["detail"]
    assert status["chat_fix"] == "turn live chat on for the broadcast in YouTube Studio"
    assert fake_youtube.calls("GET", CHAT_PATH) == []


async def test_chat_turned_off_mid_show_stops_polling_with_the_reason(watched, fake_youtube):
    session, _ = watched
    broadcast = await live(session, fake_youtube)
    fake_youtube.disable_chat(broadcast["snippet"]["liveChatId"])
    status = await eventually(lambda: session.status() if session.status().get("chat") == "disabled" else None)
    assert status["state"] == "degraded"
    assert "live chat is turned off" in status["chat_reason"]


async def test_chat_ended_mid_show_is_a_problem_not_a_quiet_ok(watched, fake_youtube):
    session, _ = watched
    broadcast = await live(session, fake_youtube)
    fake_youtube.close_chat(broadcast["snippet"]["liveChatId"])
    status = await eventually(lambda: session.status() if session.status().get("chat") == "ended" else None)
    assert status["state"] == "degraded"
    assert "YouTube ended this broadcast's live chat" in status["detail"]


async def test_a_deleted_chat_is_named_as_not_found(watched, fake_youtube):
    session, _ = watched
    broadcast = await live(session, fake_youtube)
    fake_youtube.delete_chat(broadcast["snippet"]["liveChatId"])
    status = await eventually(lambda: session.status() if session.status().get("chat") == "not_found" else None)
    assert status["state"] == "degraded"
    assert "cannot find this broadcast's live chat" in status["detail"]


async def test_a_super_chat_becomes_a_paid_question_with_its_amount(watched, fake_youtube):
    session, _ = watched
    broadcast = await live(session, fake_youtube)
    fake_youtube.post_super_chat(broadcast["snippet"]["liveChatId"], "UCfan", "Fan", "Linux build when?",
                                 display="€10.00")
    [question] = await eventually(lambda: session.intake.queue.list())
    assert (question.author_name, question.text, question.paid, question.amount) == (
        "Fan", "Linux build when?", True, "€10.00")


async def test_a_members_milestone_message_becomes_a_paid_question(watched, fake_youtube):
    session, _ = watched
    broadcast = await live(session, fake_youtube)
    fake_youtube.post_member_milestone(broadcast["snippet"]["liveChatId"], "UCmember", "Mo", "Six months! Roadmap?",
                                       months=6, level="Backstage")
    [question] = await eventually(lambda: session.intake.queue.list())
    assert (question.text, question.paid, question.amount) == ("Six months! Roadmap?", True, "Backstage, 6 months")


async def test_a_new_member_joining_is_not_a_question(watched, fake_youtube):
    session, _ = watched
    broadcast = await live(session, fake_youtube)
    chat_id = broadcast["snippet"]["liveChatId"]
    fake_youtube.post_new_member(chat_id, "UCnew", "Newbie")
    fake_youtube.post_chat(chat_id, "UCviewer1", "Ann", "!ask and the slides?")
    [question] = await eventually(lambda: session.intake.queue.list())
    assert (question.author_name, question.paid) == ("Ann", False)


async def test_every_call_is_charged_at_its_documented_cost(youtube_workspace, fake_youtube):
    session, _ = make_session(youtube_workspace)
    await session.start()
    broadcast = await live(session, fake_youtube)
    fake_youtube.post_chat(broadcast["snippet"]["liveChatId"], "UCviewer1", "Ann", "!ask cost?")
    await eventually(lambda: session.intake.queue.list())
    await session.on_show_end([])
    await session.close()
    assert fake_youtube.units_by_call["liveBroadcasts.transition"] == 3 * 50
    assert fake_youtube.units_by_call["liveChatMessages.list"] == 5 * len(fake_youtube.calls("GET", CHAT_PATH))
    assert session.status()["quota_used_today"] == fake_youtube.units_used


async def test_spent_quota_pauses_chat_with_the_reason(watched, fake_youtube):
    session, _ = watched
    await live(session, fake_youtube)
    fake_youtube.quota_limit = fake_youtube.units_used
    status = await eventually(lambda: session.status() if session.status().get("chat") == "paused" else None)
    assert "YouTube API quota exceeded" in status["chat_reason"]
