"""A synthetic show's audience, minute by minute, through the real twitchio and googleapiclient against the
fakes: a scripted viewer curve on both platforms, a chat flood, follows and subscriptions, a Super Chat, and
platforms failing as their references document (5xx, quotaExceeded, a stream gone offline). Every row is
known in advance; a failed reading is a gap with its reason, never a zero. The clock is injected: a "minute"
is the FakeClock moved, the recorder's :meth:`sample` is what its background task calls once a minute."""

import asyncio

import pytest

from greenroom.backoff import Backoff
from livekit.core.audience import AudienceSample
from livekit.core.clock import FakeClock
from livekit.core.rundown import Rundown, Segment
from livekit.platforms.audience import audience_sources
from livekit.platforms.settings import TwitchSettings, YouTubeSettings
from livekit.platforms.twitch import TwitchSession
from livekit.platforms.youtube import YouTubeSession
from livekit.questions import IntakeRules, QuestionIntake, QuestionQueue
from livekit.runner.audience import AudienceRecorder
from livekit.storage.audience import samples
from livekit.storage.shows import ShowStore
from tests.fakes.youtube import CHANNEL_ID
from tests.fixtures.platforms import (
    BOT_SCOPES,
    BROADCASTER_ID,
    authorise_twitch,
    authorise_youtube,
    twitch_config,
    youtube_config,
)
from tests.helpers import eventually

#: A minute boundary; the show starts 10 s into it and each minute is sampled 30 s in.
T0 = 1_700_000_040_000
MIN = 60_000
JUST_CHATTING = "509658"


@pytest.fixture
def both_workspace(workspace, fake_twitch, fake_youtube):
    workspace.config_path.write_text(twitch_config(fake_twitch) + youtube_config(fake_youtube), encoding="utf-8")
    authorise_twitch(workspace, fake_twitch)
    authorise_youtube(workspace, fake_youtube)
    fake_youtube.add_channel(CHANNEL_ID, "Our channel", subscribers=1_000)
    return workspace


class Show:
    """Both sessions, the intake and the recorder of one show, on an injected clock."""

    def __init__(self, workspace):
        self.clock = FakeClock(T0 + 10_000)
        self.db = workspace.database()
        rundown = Rundown(title="Launch Q&A", segments=(Segment(title="All of it", duration_ms=30 * MIN),))
        self.show_id, _ = ShowStore(self.db).new_show(rundown)
        self.intake = QuestionIntake(QuestionQueue(self.db, "show-1"), IntakeRules(per_person_limit=5))
        self.twitch = TwitchSession(TwitchSettings.from_workspace(workspace), self.intake, clock=self.clock,
                                    reconnect_backoff=Backoff(first_ms=50, max_ms=200), retry_first_ms=20)
        self.youtube = YouTubeSession(YouTubeSettings.from_workspace(workspace), workspace.database_path,
                                      self.intake, clock=self.clock, poll_minimum_ms=10, retry_first_ms=10,
                                      stream_wait_ms=2_000, video_poll_ms=50)
        self.recorder = AudienceRecorder(self.db, self.show_id, self.clock,
                                         audience_sources([self.twitch, self.youtube]), planned_show_ms=30 * MIN)
        self.recorder.attach(self.intake)
        self.lines = 0

    async def open(self, fake_youtube):
        await self.twitch.start()
        await self.youtube.start()
        await self.youtube.on_show_start("Launch Q&A", None)
        await self.youtube.drain()
        broadcast = next(iter(fake_youtube.broadcasts.values()))
        self.broadcast_id, self.chat_id = broadcast["id"], broadcast["snippet"]["liveChatId"]
        self.recorder.begin(self.clock.now_ms())

    async def close(self):
        await self.twitch.close()
        await self.youtube.close()

    async def chat_arrived(self, lines):
        """Wait until the intake has received ``lines`` more chat lines (both platforms)."""
        self.lines += lines
        await eventually(lambda: sum(self.intake.counts.values()) == self.lines)

    async def minute(self, number):
        """Sample minute ``number``, 30 s into it."""
        self.clock.set(T0 + number * MIN + 30_000)
        return await self.recorder.sample()


def at(minute):
    return T0 + minute * MIN


def row(minute, platform, metric, value=None, gap=None):
    return AudienceSample(at(minute), platform, metric, None if value is None else float(value), gap)


async def test_a_synthetic_show_leaves_exactly_the_scripted_rows(both_workspace, fake_twitch, fake_youtube):
    show = Show(both_workspace)
    fake_twitch.go_live(BROADCASTER_ID, JUST_CHATTING, viewers=10)
    fake_twitch.set_followers(BROADCASTER_ID, 500)
    await show.open(fake_youtube)
    try:
        # Minute 0: a little chat on both platforms, a question on Twitch, a $5 Super Chat on YouTube.
        fake_youtube.set_viewers(show.broadcast_id, 4)
        await asyncio.to_thread(fake_twitch.wait_for_subscription)
        await asyncio.to_thread(fake_twitch.send_chat, BROADCASTER_ID, "3001", "ann", "hello")
        await asyncio.to_thread(fake_twitch.send_chat, BROADCASTER_ID, "3002", "bob", "!ask first?")
        fake_youtube.post_chat(show.chat_id, "UCcat", "Cat", "hi from YouTube")
        fake_youtube.post_super_chat(show.chat_id, "UCdan", "Dan", "great show", amount_micros=5_000_000)
        await show.chat_arrived(4)
        await show.minute(0)

        # Minute 1: the viewer curve climbs, a chat flood of 120 lines from 40 chatters, 3 follows, 2 subscribers.
        show.clock.set(at(1) + 5_000)
        fake_twitch.set_viewers(BROADCASTER_ID, 25)
        fake_youtube.set_viewers(show.broadcast_id, 9)
        fake_twitch.follow(BROADCASTER_ID, 3)
        fake_youtube.subscribe(CHANNEL_ID, 2)
        for number in range(120):
            chatter = 4000 + number % 40
            await asyncio.to_thread(fake_twitch.send_chat, BROADCASTER_ID, str(chatter), f"v{chatter}", f"flood {number}")
        await show.chat_arrived(120)
        await show.minute(1)

        # Minute 2: Twitch's Get Streams fails (500), YouTube's videos.list answers quotaExceeded; no chat.
        fake_twitch.fail_next("GET", "/helix/streams", 500)
        fake_youtube.fail_next("GET", "/videos", 403, "quotaExceeded")
        await show.minute(2)

        # Minute 3: the Twitch stream went offline; YouTube carries on with 7 viewers. The show ends at 3:40.
        fake_twitch.stream_goes_offline(BROADCASTER_ID)
        fake_youtube.set_viewers(show.broadcast_id, 7)
        await show.minute(3)
        await show.recorder.finish(at(3) + 40_000)
    finally:
        await show.close()

    expected = sorted([
        *[row(m, "chat", "chat_messages", v) for m, v in enumerate([4, 120, 0, 0])],
        *[row(m, "chat", "unique_chatters", v) for m, v in enumerate([4, 40, 0, 0])],
        # The Super Chat needs no !ask: a paid line is a question.
        *[row(m, "chat", "questions", v) for m, v in enumerate([2, 0, 0, 0])],
        *[row(m, "youtube", "super_chats", v) for m, v in enumerate([1, 0, 0, 0])],
        *[row(m, "youtube", "super_chat_amount", v) for m, v in enumerate([5.0, 0, 0, 0])],
        row(0, "twitch", "viewers", 10), row(1, "twitch", "viewers", 25),
        row(2, "twitch", "viewers", gap="unavailable"), row(3, "twitch", "viewers", gap="offline"),
        row(0, "youtube", "viewers", 4), row(1, "youtube", "viewers", 9),
        row(2, "youtube", "viewers", gap="quota_exceeded"), row(3, "youtube", "viewers", 7),
        *[row(m, "twitch", "followers_total", v) for m, v in enumerate([500, 503, 503, 503])],
        *[row(m, "youtube", "followers_total", v) for m, v in enumerate([1_000, 1_002, 1_002, 1_002])],
        row(0, "twitch", "new_followers", gap="no_earlier_total"),
        *[row(m, "twitch", "new_followers", v) for m, v in [(1, 3), (2, 0), (3, 0)]],
        row(0, "youtube", "new_followers", gap="no_earlier_total"),
        *[row(m, "youtube", "new_followers", v) for m, v in [(1, 2), (2, 0), (3, 0)]],
    ], key=lambda sample: (sample.platform, sample.metric, sample.at_ms))
    assert samples(show.db, show.show_id) == expected


async def test_a_refused_twitch_token_leaves_unauthorized_gaps(both_workspace, fake_twitch, fake_youtube):
    show = Show(both_workspace)
    fake_twitch.go_live(BROADCASTER_ID, JUST_CHATTING, viewers=10)
    await show.open(fake_youtube)
    try:
        # A 401 a refresh cannot cure (twitchio refreshes and retries "Invalid OAuth token" by itself).
        mismatch = "Client ID and OAuth token do not match"
        fake_twitch.fail_next("GET", "/helix/streams", 401, mismatch)
        fake_twitch.fail_next("GET", "/helix/channels/followers", 401, mismatch)
        rows = await show.minute(0)
    finally:
        await show.close()
    assert [(r.metric, r.value, r.gap_reason) for r in rows if r.platform == "twitch"] == [
        ("viewers", None, "unauthorized"), ("followers_total", None, "unauthorized"),
        ("new_followers", None, "unauthorized")]


async def test_a_hidden_youtube_viewer_count_is_a_gap_not_a_zero(both_workspace, fake_twitch, fake_youtube):
    show = Show(both_workspace)
    await show.open(fake_youtube)
    try:
        fake_youtube.hidden_viewer_counts.add(show.broadcast_id)
        fake_youtube.set_viewers(show.broadcast_id, 12)
        rows = await show.minute(0)
    finally:
        await show.close()
    assert [(r.value, r.gap_reason) for r in rows if (r.platform, r.metric) == ("youtube", "viewers")] == [
        (None, "hidden")]


async def test_youtube_is_not_polled_when_the_quota_plan_has_nothing_left_for_it(workspace, fake_twitch,
                                                                                  fake_youtube):
    # Only the end-of-show reserve is left today: every unit goes to chat and the end of the show.
    workspace.config_path.write_text(twitch_config(fake_twitch) + youtube_config(fake_youtube, daily_quota=300),
                                     encoding="utf-8")
    authorise_twitch(workspace, fake_twitch)
    authorise_youtube(workspace, fake_youtube)
    show = Show(workspace)
    await show.open(fake_youtube)
    try:
        videos_before = len(fake_youtube.calls("GET", "/youtube/v3/videos"))
        rows = await show.minute(0)
        videos_after = len(fake_youtube.calls("GET", "/youtube/v3/videos"))
    finally:
        await show.close()
    assert [(r.metric, r.gap_reason) for r in rows if r.platform == "youtube"] == [
        ("viewers", "not_polled"), ("followers_total", "not_polled"), ("new_followers", "not_polled")]
    assert videos_after == videos_before


async def test_with_moderator_read_followers_each_follow_is_counted_in_its_minute(workspace, fake_twitch):
    workspace.config_path.write_text(twitch_config(fake_twitch), encoding="utf-8")
    authorise_twitch(workspace, fake_twitch, bot_scopes=[*BOT_SCOPES, "moderator:read:followers"])
    fake_twitch.go_live(BROADCASTER_ID, JUST_CHATTING, viewers=10)
    clock = FakeClock(T0 + 10_000)
    db = workspace.database()
    show_id, _ = ShowStore(db).new_show(Rundown(title="Follows", segments=(Segment(title="All", duration_ms=MIN),)))
    intake = QuestionIntake(QuestionQueue(db, "show-1"))
    twitch = TwitchSession(TwitchSettings.from_workspace(workspace), intake, clock=clock, retry_first_ms=20)
    recorder = AudienceRecorder(db, show_id, clock, audience_sources([twitch]), planned_show_ms=10 * MIN)
    recorder.attach(intake)
    await twitch.start()
    try:
        assert twitch.follows_by_event
        recorder.begin(clock.now_ms())
        clock.set(at(0) + 30_000)
        await recorder.sample()
        clock.set(at(1) + 20_000)
        assert await asyncio.to_thread(fake_twitch.follow, BROADCASTER_ID, 3) == 3
        await eventually(lambda: twitch.status().get("follows") == 3)
        clock.set(at(1) + 30_000)
        await recorder.sample()
        await recorder.finish(at(1) + 40_000)
    finally:
        await twitch.close()
    follows = [(r.at_ms, r.value, r.gap_reason) for r in samples(db, show_id) if r.metric == "new_followers"]
    assert follows == [(at(0), 0.0, None), (at(1), 3.0, None)]
    assert {subscription["type"] for subscription in fake_twitch.subscriptions} == {"channel.chat.message",
                                                                                   "channel.follow"}


async def test_a_minute_is_read_once_even_when_the_show_starts_in_it(both_workspace, fake_twitch, fake_youtube):
    show = Show(both_workspace)
    fake_twitch.go_live(BROADCASTER_ID, JUST_CHATTING, viewers=10)
    await show.open(fake_youtube)
    try:
        fake_youtube.set_viewers(show.broadcast_id, 4)
        first = await show.recorder.sample()  # at the start, 10 s into minute 0
        fake_twitch.set_viewers(BROADCASTER_ID, 99)
        again = await show.minute(0)  # the regular poll, 30 s into the same minute
    finally:
        await show.close()
    assert [(r.platform, r.value) for r in first if r.metric == "viewers"] == [("twitch", 10.0), ("youtube", 4.0)]
    assert [r for r in again if r.metric == "viewers"] == []
    assert [(r.platform, r.value) for r in samples(show.db, show.show_id) if r.metric == "viewers"] == [
        ("twitch", 10.0), ("youtube", 4.0)]


async def test_a_youtube_outage_and_the_end_of_the_broadcast_are_gaps(both_workspace, fake_twitch, fake_youtube):
    show = Show(both_workspace)
    await show.open(fake_youtube)
    try:
        fake_youtube.set_viewers(show.broadcast_id, 12)
        fake_youtube.fail_next("GET", "/channels", 503, "backendError")
        during = await show.minute(0)
        await show.youtube.on_show_end([])  # the broadcast goes complete: YouTube stops giving viewers
        after = await show.minute(1)
    finally:
        await show.close()

    def youtube(rows):
        return [(r.metric, r.value, r.gap_reason) for r in rows
                if r.platform == "youtube" and r.metric not in ("super_chats", "super_chat_amount")]

    assert youtube(during) == [("viewers", 12.0, None), ("followers_total", None, "unavailable"),
                               ("new_followers", None, "unavailable")]
    assert youtube(after)[0] == ("viewers", None, "offline")
