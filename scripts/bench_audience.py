#!/usr/bin/env python3
"""Benchmark: what recording the audience costs a show's cues. Target: overhead <= 1% of cue latency.

One show runner with a real TwitchSession (twitchio) and YouTubeSession (googleapiclient on its worker
thread) connected to the in-process fakes (tests/fakes), the YouTube broadcast live, Twitch live with a
viewer count. A producer takes cues through ``ShowRunner.act`` (``show.next``, then ``show.back``, paced
by --interval), the path the control room's API and keys use; a cue's latency is from the call until the
show has moved, stored its event and told its followers (OBS is not attached: its answer time is the same
with or without polling, see bench_cues.py for it).

Measured in the same run, in blocks of --cues cues, --rounds times each (A-B then B-A):

- **without** audience polling;
- **with** the audience recorder sampling every --poll-interval seconds (default 1 s: sixty times the real
  rate of once a minute, its clock sped up to match so each sample is a new minute, so each block has
  polls in it; each sample reads Twitch's Get Streams and Get Channel Followers on the loop and YouTube's
  videos.list and channels.list on the session's worker thread, and writes its rows).

The fakes run on threads of this same process, so their own request handling competes with the show for
the interpreter: the "with" figures are pessimistic. Also prints what counting one chat line costs (the
per-line work the audience adds to chat intake).

Prints p50/p99/mean per mode (ms), the overhead of the mean and p50, and the mean overhead scaled to the
real rate; exits 1 if the mean overhead measured (at the sped-up rate) is above --target percent.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from greenroom.workspace import Workspace  # noqa: E402
from livekit.core.audience import ChatTally  # noqa: E402
from livekit.core.clock import SystemClock  # noqa: E402
from livekit.core.rundown import Rundown, Segment  # noqa: E402
from livekit.guests.queue import GuestQueue  # noqa: E402
from livekit.platforms.audience import audience_sources  # noqa: E402
from livekit.platforms.settings import TwitchSettings, YouTubeSettings  # noqa: E402
from livekit.platforms.twitch import TwitchSession  # noqa: E402
from livekit.platforms.youtube import YouTubeSession  # noqa: E402
from livekit.questions import QuestionIntake, QuestionQueue  # noqa: E402
from livekit.runner.audience import AudienceRecorder  # noqa: E402
from livekit.runner.show_runner import ShowRunner  # noqa: E402
from livekit.storage.shows import ShowStore  # noqa: E402
from tests.fakes.twitch import FakeTwitch  # noqa: E402
from tests.fakes.youtube import CHANNEL_ID, FakeYouTube  # noqa: E402
from tests.fixtures.platforms import (  # noqa: E402
    BROADCASTER_ID,
    authorise_twitch,
    authorise_youtube,
    twitch_config,
    youtube_config,
)

TARGET_OVERHEAD_PERCENT = 1.0


class AcceleratedClock:
    """The recorder's clock, ``factor`` times faster than the wall clock: with --poll-interval 1 s and the
    default factor 60, every sample falls in a new minute, so every sample really polls both platforms (the
    recorder reads each platform once per minute)."""

    def __init__(self, factor: float) -> None:
        self.factor = factor
        self.origin_ms = SystemClock().now_ms()

    def now_ms(self) -> int:
        return self.origin_ms + int((SystemClock().now_ms() - self.origin_ms) * self.factor)


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def take_cues(runner: ShowRunner, count: int, interval: float) -> list[float]:
    latencies = []
    for index in range(count):
        await asyncio.sleep(interval)
        # Segment 1 and back to 0; ``expect`` says where each press is meant (no double-press guard).
        action, expect = ("show.next", 0) if index % 2 == 0 else ("show.back", 1)
        started = time.perf_counter()
        await runner.act(action, {"expect": expect})
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


async def poll_every(recorder: AudienceRecorder, seconds: float, samples: list[int]) -> None:
    while True:
        await recorder.sample()
        samples[0] += 1
        await asyncio.sleep(seconds)


def chat_line_cost_us(lines: int = 200_000) -> float:
    """Microseconds the audience adds per chat line (counting it into its minute)."""
    tally = ChatTally()
    start_ms = 1_700_000_040_000
    tally.open(start_ms)
    started = time.perf_counter()
    for number in range(lines):
        tally.message("twitch", f"m{number}", str(number % 5_000), start_ms + number % 60_000)
    return (time.perf_counter() - started) / lines * 1e6


async def bench(args: argparse.Namespace, folder: Path, twitch_fake: FakeTwitch, youtube_fake: FakeYouTube) -> int:
    workspace = Workspace.locate(folder / "ws")
    workspace.init()
    workspace.config_path.write_text(twitch_config(twitch_fake) + youtube_config(youtube_fake), encoding="utf-8")
    authorise_twitch(workspace, twitch_fake)
    authorise_youtube(workspace, youtube_fake)
    youtube_fake.add_channel(CHANNEL_ID, "Our channel", subscribers=1_000)
    twitch_fake.go_live(BROADCASTER_ID, "509658", viewers=120)
    db = workspace.database()
    rundown = Rundown(title="Bench", segments=tuple(Segment(title=f"Part {n}", duration_ms=3_600_000)
                                                    for n in range(4)))
    show_id, show = ShowStore(db).new_show(rundown)
    clock = SystemClock()
    intake = QuestionIntake(QuestionQueue(db, "bench"))
    twitch = TwitchSession(TwitchSettings.from_workspace(workspace), intake, clock=clock)
    youtube = YouTubeSession(YouTubeSettings.from_workspace(workspace), workspace.database_path, intake, clock=clock,
                             poll_minimum_ms=1_000, video_poll_ms=50)
    recorder = AudienceRecorder.for_database(workspace.database_path, show_id, AcceleratedClock(60 / args.poll_interval),
                                             audience_sources([twitch, youtube]), planned_show_ms=4 * 3_600_000)
    recorder.attach(intake)
    # The recorder is driven here (not given to the runner), so polling can be switched on and off per block.
    runner = ShowRunner(show_id=show_id, show=show, guests=GuestQueue(db), questions=intake.queue, clock=clock,
                        platforms=[twitch, youtube])
    running = asyncio.create_task(runner.run())
    try:
        while not (twitch.connected and youtube.stream is not None):
            await asyncio.sleep(0.05)
        await runner.act("show.start", {})
        while not (youtube.broadcast and youtube.broadcast["status"]["lifeCycleStatus"] == "live"):
            await asyncio.sleep(0.05)
        youtube_fake.set_viewers(youtube.broadcast["id"], 80)
        recorder.begin(recorder.clock.now_ms())
        await take_cues(runner, 20, args.interval)  # warm-up
        without: list[float] = []
        with_polling: list[float] = []
        polls = [0]
        for number in range(args.rounds):
            # A-B, then B-A: a machine whose load drifts during the run favours neither mode.
            for polling in ((False, True) if number % 2 == 0 else (True, False)):
                if not polling:
                    without += await take_cues(runner, args.cues, args.interval)
                    continue
                poller = asyncio.create_task(poll_every(recorder, args.poll_interval, polls))
                with_polling += await take_cues(runner, args.cues, args.interval)
                poller.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await poller
    finally:
        runner.request_stop()
        await running
        await runner.close()
        await recorder.close()
        workspace.close()
    rows = recorder.rows_written
    print(f"cues: {len(without)} without and {len(with_polling)} with audience polling "
          f"(every {args.poll_interval:g} s: {polls[0]} samples, {rows} rows written), paced {args.interval:g} s")
    print(f"{'mode':<26}{'p50 ms':>9}{'p99 ms':>9}{'mean ms':>9}")
    for name, samples in (("without audience polling", without), ("with audience polling", with_polling)):
        print(f"{name:<26}{percentile(samples, 0.5):>9.3f}{percentile(samples, 0.99):>9.3f}"
              f"{statistics.fmean(samples):>9.3f}")
    mean_overhead = (statistics.fmean(with_polling) / statistics.fmean(without) - 1) * 100
    p50_overhead = (percentile(with_polling, 0.5) / percentile(without, 0.5) - 1) * 100
    print(f"overhead: mean {mean_overhead:+.2f}%, p50 {p50_overhead:+.2f}% (target: mean <= {args.target:g}%)")
    # Each sample's cost is spread over 60/poll-interval times fewer cues at the real rate of once a minute.
    print(f"at the real rate (a sample a minute): mean {mean_overhead * args.poll_interval / 60:+.3f}%")
    print(f"chat counting: {chat_line_cost_us():.2f} us per chat line")
    return 0 if mean_overhead <= args.target else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cues", type=int, default=30, help="cues per block (default 30)")
    parser.add_argument("--rounds", type=int, default=20,
                        help="blocks of each mode, A-B then B-A; short blocks cancel the machine's drift (default 20)")
    parser.add_argument("--interval", type=float, default=0.02, help="seconds between cues (default 0.02)")
    parser.add_argument("--poll-interval", type=float, default=1.0,
                        help="seconds between audience samples in the 'with' blocks (default 1; real: 60)")
    parser.add_argument("--target", type=float, default=TARGET_OVERHEAD_PERCENT,
                        help="largest acceptable mean overhead in percent (default 1)")
    args = parser.parse_args()
    twitch_fake, youtube_fake = FakeTwitch().start(), FakeYouTube().start()
    youtube_fake.polling_interval_ms = 2_000
    try:
        with tempfile.TemporaryDirectory() as folder:
            return asyncio.run(bench(args, Path(folder), twitch_fake, youtube_fake))
    finally:
        twitch_fake.stop()
        youtube_fake.stop()


if __name__ == "__main__":
    sys.exit(main())
