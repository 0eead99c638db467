"""The YouTube broadcast across a show's life, through the real googleapiclient against the fake: one chat
poller and no backwards transition however often the show starts or resumes, the monitor stream's absence
respected, the stream's health shown, and chapters that land on time and are valid."""

import pytest

from livekit.core.chapters import CHAPTERS_MARKER
from tests.helpers import eventually
from tests.test_youtube_session import live, make_session, went_live_long_ago

CHAT_PATH = "/youtube/v3/liveChat/messages"
TRANSITION_PATH = "/youtube/v3/liveBroadcasts/transition"
S = 1000


@pytest.fixture
async def session(youtube_workspace):
    session, _ = make_session(youtube_workspace)
    await session.start()
    yield session
    await session.close()


def pollers_started(fake):
    """Each chat poller starts without a page token: how many have polled this chat so far."""
    return sum(1 for query in fake.calls("GET", CHAT_PATH) if query.get("pageToken") is None)


async def test_after_a_resume_exactly_one_poller_runs_and_a_live_broadcast_is_not_tested(youtube_workspace,
                                                                                          fake_youtube):
    first, _ = make_session(youtube_workspace)
    await first.start()
    broadcast = await live(first, fake_youtube)
    await first.close()  # the runner died mid-show
    fake_youtube.requests.clear()
    second, intake = make_session(youtube_workspace)
    await second.start()
    await second.on_show_start("Launch Q&A", None)  # the resumed runner announces the show again
    await second.drain()
    fake_youtube.post_chat(broadcast["snippet"]["liveChatId"], "UCviewer1", "Ann", "!ask once?")
    await eventually(lambda: intake.queue.list())
    await eventually(lambda: len(fake_youtube.calls("GET", CHAT_PATH)) >= 6)
    status = second.status()
    await second.close()
    assert pollers_started(fake_youtube) == 1
    assert fake_youtube.calls("POST", TRANSITION_PATH) == []
    assert (status["state"], status["lifecycle"]) == ("ok", "live")


async def test_starting_the_show_twice_goes_live_once_with_one_poller(youtube_workspace, fake_youtube):
    session, _ = make_session(youtube_workspace)
    await session.start()
    await session.on_show_start("Launch Q&A", None)
    await session.on_show_start("Launch Q&A", None)
    await session.drain()
    await session.on_show_start("Launch Q&A", None)
    await session.drain()
    await eventually(lambda: len(fake_youtube.calls("GET", CHAT_PATH)) >= 6)
    await session.close()
    assert [q["broadcastStatus"] for q in fake_youtube.calls("POST", TRANSITION_PATH)] == ["testing", "live"]
    assert pollers_started(fake_youtube) == 1
    assert len(fake_youtube.broadcasts) == 1


async def test_a_broadcast_still_in_testing_after_a_crash_only_goes_live(youtube_workspace, fake_youtube):
    first, _ = make_session(youtube_workspace)
    await first.start()
    broadcast = await live(first, fake_youtube)
    await first.close()
    broadcast["status"]["lifeCycleStatus"] = "testing"  # crashed between testing and live
    fake_youtube.requests.clear()
    second, _ = make_session(youtube_workspace)
    await second.start()
    await second.on_show_start("Launch Q&A", None)
    await second.drain()
    await second.close()
    assert [q["broadcastStatus"] for q in fake_youtube.calls("POST", TRANSITION_PATH)] == ["live"]
    assert broadcast["status"]["lifeCycleStatus"] == "live"


async def test_a_broadcast_without_monitor_stream_goes_straight_live(youtube_workspace, fake_youtube):
    session, _ = make_session(youtube_workspace)
    await session.start()
    await session.call(  # scheduled in YouTube Studio with the monitor stream off
        "liveBroadcasts.insert",
        lambda yt: yt.liveBroadcasts().insert(
            part="snippet,status,contentDetails",
            body={"snippet": {"title": "Launch Q&A", "scheduledStartTime": "2030-01-01T00:00:00Z"},
                  "contentDetails": {"monitorStream": {"enableMonitorStream": False}}},
        ),
    )
    await live(session, fake_youtube)
    status = session.status()
    await session.close()
    assert [q["broadcastStatus"] for q in fake_youtube.calls("POST", TRANSITION_PATH)] == ["live"]
    assert (status["state"], status["lifecycle"]) == ("ok", "live")


async def test_the_streams_status_and_health_are_shown_while_waiting_for_video(youtube_workspace, fake_youtube):
    session, _ = make_session(youtube_workspace)
    await session.start()
    fake_youtube.stream_active = False
    await session.on_show_start("Waiting", None)
    await eventually(lambda: session.status().get("stream_status") == "ready")
    assert session.status()["stream_health"] == "noData"
    fake_youtube.stream_health = "ok"
    fake_youtube.stream_active = True
    await session.drain()
    status = session.status()
    await session.close()
    assert (status["stream_status"], status["stream_health"], status["lifecycle"]) == ("active", "ok", "live")


async def test_chapters_count_from_youtubes_first_frame_not_the_show_start(session, fake_youtube):
    broadcast = await live(session, fake_youtube)
    first_frame = went_live_long_ago(broadcast)
    session.show_started_at(first_frame - 45 * S)  # the show started 45 s before YouTube went live
    await session.on_show_end([(0, "Countdown"), (40, "Intro"), (345, "Demo"), (1_845, "Q&A")])
    assert broadcast["snippet"]["description"] == (
        f"{CHAPTERS_MARKER}\n00:00 Intro\n05:00 Demo\n30:00 Q&A")
    assert session.status()["chapters_written"] == 3
    assert session.status()["chapter_warnings"] == [
        "chapter 'Countdown' aired before the YouTube video started: left out"]


async def test_chapters_keep_what_the_team_wrote_in_studio_during_the_show(session, fake_youtube):
    broadcast = await live(session, fake_youtube)
    session.show_started_at(went_live_long_ago(broadcast))
    fake_youtube.edit_description(broadcast["id"], "Thanks for watching!\nSlides: example.org/slides")
    await session.on_show_end([(0, "Intro"), (60, "Demo"), (600, "Q&A")])
    assert broadcast["snippet"]["description"] == (
        f"Thanks for watching!\nSlides: example.org/slides\n\n{CHAPTERS_MARKER}\n00:00 Intro\n01:00 Demo\n10:00 Q&A")
    assert fake_youtube.video_extras[broadcast["id"]]["categoryId"] == "22"


async def test_titles_with_angle_brackets_are_written_without_them(session, fake_youtube):
    broadcast = await live(session, fake_youtube)
    session.show_started_at(went_live_long_ago(broadcast))
    await session.on_show_end([(0, "Intro"), (60, "<3 our guests"), (600, "A > B")])
    assert broadcast["snippet"]["description"] == (
        f"{CHAPTERS_MARKER}\n00:00 Intro\n01:00 ‹3 our guests\n10:00 A › B")
    assert session.status()["state"] == "ok"


async def test_a_show_that_cannot_make_valid_chapters_says_so_and_leaves_the_description(session, fake_youtube):
    broadcast = await live(session, fake_youtube)
    session.show_started_at(went_live_long_ago(broadcast))
    fake_youtube.edit_description(broadcast["id"], "Our show.")
    await session.on_show_end([(0, "Intro"), (5, "Oops"), (60, "Talk")])
    status = session.status()
    assert broadcast["snippet"]["description"] == "Our show."
    assert fake_youtube.calls("PUT", "/youtube/v3/videos") == []
    assert status["state"] == "degraded"
    assert ("this show cannot make valid YouTube chapters: 2 chapter(s) of at least 10 seconds, "
            "YouTube needs at least 3; chapters not written") in status["detail"]


async def test_the_fake_refuses_a_description_with_angle_brackets(session, fake_youtube):
    from googleapiclient.errors import HttpError

    broadcast = await live(session, fake_youtube)
    body = {"id": broadcast["id"], "snippet": {"title": "T", "categoryId": "22", "description": "a <b> c"}}
    try:
        await session.call("videos.update", lambda yt: yt.videos().update(part="snippet", body=body))
    except HttpError as error:
        assert (error.status_code, error.error_details[0]["reason"]) == (400, "invalidDescription")
    else:
        raise AssertionError("videos.update accepted < and >")
