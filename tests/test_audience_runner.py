"""The audience is recorded beside the show, never in its way: a platform that stops answering holds up only
its own minute's row, while cues go on (checked by order of events, not by timing), and a show run through
`run_show` leaves its rows in the workspace database."""

import asyncio

from greenroom.backoff import Backoff
from livekit.core.audience import measured
from livekit.core.clock import FakeClock, SystemClock
from livekit.core.rundown import Rundown, Segment
from livekit.core.show import ShowStatus
from livekit.guests.queue import GuestQueue
from livekit.platforms.audience import audience_sources
from livekit.platforms.settings import TwitchSettings
from livekit.platforms.twitch import TwitchSession
from livekit.questions import QuestionIntake, QuestionQueue
from livekit.runner.audience import AudienceRecorder
from livekit.runner.session import RunOptions, run_show
from livekit.runner.show_runner import ShowRunner
from livekit.storage.audience import record, samples
from livekit.storage.shows import ShowStore
from tests.fixtures.platforms import BROADCASTER_ID
from tests.helpers import eventually

JUST_CHATTING = "509658"


def two_segments() -> Rundown:
    return Rundown(title="Audience", segments=(Segment(title="Intro", duration_ms=600_000),
                                               Segment(title="Questions", duration_ms=600_000)))


async def test_cues_go_on_while_an_audience_poll_hangs(twitch_workspace, fake_twitch):
    fake_twitch.go_live(BROADCASTER_ID, JUST_CHATTING, viewers=40)
    fake_twitch.held_paths.add("/helix/streams")  # Twitch stops answering Get Streams
    db = twitch_workspace.database()
    show_id, show = ShowStore(db).new_show(two_segments())
    clock = SystemClock()
    intake = QuestionIntake(QuestionQueue(db, "show-1"))
    twitch = TwitchSession(TwitchSettings.from_workspace(twitch_workspace), intake, clock=clock,
                           reconnect_backoff=Backoff(first_ms=50, max_ms=200), retry_first_ms=20)
    recorder = AudienceRecorder(db, show_id, clock, audience_sources([twitch]), planned_show_ms=1_200_000)
    recorder.attach(intake)
    runner = ShowRunner(show_id=show_id, show=show, guests=GuestQueue(db), questions=intake.queue, clock=clock,
                        platforms=[twitch], audience=recorder)
    running = asyncio.create_task(runner.run())
    try:
        await eventually(lambda: twitch.connected)
        await runner.act("show.start", {})
        # Stuck at Twitch: the audience's first poll and the first segment's marker (it checks Get Streams too).
        await eventually(lambda: fake_twitch.held_requests == 2)
        state = await runner.act("show.next", {})
        assert (state["show"]["status"], state["show"]["current"]) == ("live", 1)
        assert runner.show.status is ShowStatus.LIVE and runner.show.current == 1
        assert recorder.rows_written == 0  # the cue did not wait for the poll
        fake_twitch.held_paths.clear()
        await eventually(lambda: recorder.rows_written > 0)
    finally:
        fake_twitch.held_paths.clear()
        runner.request_stop()
        await running
        await runner.close()
    viewers = [row.value for row in samples(db, show_id) if row.metric == "viewers"]
    assert viewers == [40.0]


async def test_a_show_run_with_twitch_records_its_audience(twitch_workspace, fake_twitch):
    fake_twitch.go_live(BROADCASTER_ID, JUST_CHATTING, viewers=17)
    fake_twitch.set_followers(BROADCASTER_ID, 250)
    rundown = Rundown(title="Short", segments=(Segment(title="Only", duration_ms=1_000),))
    result = await run_show(twitch_workspace, rundown, RunOptions(auto=True, obs=None, web=None),
                            echo=lambda line: None)
    rows = samples(twitch_workspace.database(), result.show_id)
    assert result.ended
    assert [row.value for row in rows if (row.platform, row.metric) == ("twitch", "viewers")][0] == 17.0
    assert [row.value for row in rows if (row.platform, row.metric) == ("twitch", "followers_total")][0] == 250.0
    assert {row.metric for row in rows if row.platform == "chat"} == {"chat_messages", "unique_chatters", "questions"}


async def test_a_resumed_show_leaves_the_minutes_recorded_before_the_crash_alone(twitch_workspace, fake_twitch):
    db = twitch_workspace.database()
    show_id, _ = ShowStore(db).new_show(two_segments())
    started = 1_700_000_040_000
    record(db, show_id, [measured(started, "chat", "chat_messages", 42)])  # by the runner that crashed
    clock = FakeClock(started + 3 * 60_000 + 5_000)
    recorder = AudienceRecorder(db, show_id, clock, [], planned_show_ms=1_200_000)
    recorder.begin(started)
    await recorder.finish(clock.now_ms())
    assert [(row.at_ms, row.value) for row in samples(db, show_id) if row.metric == "chat_messages"] == [
        (started, 42.0), (started + 3 * 60_000, 0.0)]
