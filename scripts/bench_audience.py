#!/usr/bin/env python3
"""Benchmark: what recording the audience costs a show's cues. Target: overhead <= 1% of cue latency.

One show runner with a real TwitchSession (twitchio) and YouTubeSession (googleapiclient on its worker
thread) connected to the in-process fakes (tests/fakes), the YouTube broadcast live, Twitch live with a
viewer count. A producer takes cues through ``ShowRunner.act`` (``show.next``, then ``show.back``, paced
by --interval), the path the control room's API and keys use; a cue's latency is from the call until the
show has moved, stored its event and told its followers (OBS is not attached: its answer time is the same
with or without polling, see bench_cues.py for it).

Measured in the same run, in blocks of --block-seconds (default 60), --rounds times each (A-B then B-A):

- **off**: no audience polling;
- **on**: audience polling at the real rate, on the real clock: a sample 30 s into every minute, as the
  recorder's own background task takes them (:func:`livekit.core.audience.next_poll_at`); each sample reads
  Twitch's Get Streams and Get Channel Followers on the loop and YouTube's videos.list and channels.list on
  the session's worker thread, and writes its rows. A block of 60 s holds exactly one sample.

The fakes run on threads of this same process, so their own request handling competes with the show for
the interpreter: the "on" figures are pessimistic. Also prints the cues taken while a sample was in flight
(the worst case a cue can meet) and what counting one chat line costs (the per-line work the audience adds
to chat intake).

Prints p50/p99/mean per mode (ms) and the ratio of the medians (on / off); exits 1 if the median overhead is
above --target percent. The default run takes --rounds x 2 x --block-seconds (8 minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from greenroom.workspace import Workspace  # noqa: E402
from livekit.core.audience import ChatTally, next_poll_at  # noqa: E402
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


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


Cue = tuple[float, float]  # (taken at, perf_counter seconds; latency ms)


async def take_cues_for(runner: ShowRunner, seconds: float, interval: float, presses: Iterator[int]) -> list[Cue]:
    """Cues for ``seconds``, one every ``interval``: segment 1 and back to 0 (``expect`` says where each press
    is meant, so no double-press guard interferes; ``presses`` counts them over the whole run)."""
    cues: list[Cue] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        await asyncio.sleep(interval)
        action, expect = ("show.next", 0) if next(presses) % 2 == 0 else ("show.back", 1)
        started = time.perf_counter()
        await runner.act(action, {"expect": expect})
        cues.append((started, (time.perf_counter() - started) * 1000))
    return cues


async def poll_at_the_real_rate(recorder: AudienceRecorder, windows: list[tuple[float, float]]) -> None:
    """The recorder's own schedule (a sample 30 s into each minute of the real clock), keeping when each
    sample was in flight."""
    while True:
        now = recorder.clock.now_ms()
        await asyncio.sleep((next_poll_at(now) - now) / 1000)
        started = time.perf_counter()
        await recorder.sample()
        windows.append((started, time.perf_counter()))


def during_a_sample(cues: list[Cue], windows: list[tuple[float, float]]) -> list[float]:
    """Latencies of the cues that started while a sample was in flight."""
    return [latency for started, latency in cues
            if any(begin <= started <= end for begin, end in windows)]


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
    # No chat notices, and a Helix bucket a producer cueing 20 times a second cannot empty (each cue places a
    # stream marker): otherwise the run measures 429 retries, and audience polls would read gaps cheaply.
    workspace.config_path.write_text(twitch_config(twitch_fake, chat_notices=False) + youtube_config(youtube_fake),
                                     encoding="utf-8")
    twitch_fake.helix_rate_limit = twitch_fake.rate_limit_remaining = 1_000_000
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
    recorder = AudienceRecorder.for_database(workspace.database_path, show_id, clock,
                                             audience_sources([twitch, youtube]), planned_show_ms=4 * 3_600_000)
    recorder.attach(intake)
    # The recorder is driven here (not given to the runner), so polling can be switched on and off per block.
    runner = ShowRunner(show_id=show_id, show=show, guests=GuestQueue(db), questions=intake.queue, clock=clock,
                        platforms=[twitch, youtube])
    running = asyncio.create_task(runner.run())
    windows: list[tuple[float, float]] = []
    presses = itertools.count()
    try:
        while not (twitch.connected and youtube.stream is not None):
            await asyncio.sleep(0.05)
        await runner.act("show.start", {})
        while not (youtube.broadcast and youtube.broadcast["status"]["lifeCycleStatus"] == "live"):
            await asyncio.sleep(0.05)
        youtube_fake.set_viewers(youtube.broadcast["id"], 80)
        recorder.begin(clock.now_ms())
        await recorder.sample()  # the first reading warms the clients' connections, as at a show's start
        await take_cues_for(runner, 2.0, args.interval, presses)  # warm-up
        off: list[Cue] = []
        on: list[Cue] = []
        for number in range(args.rounds):
            # A-B, then B-A: a machine whose load drifts during the run favours neither mode.
            for polling in ((False, True) if number % 2 == 0 else (True, False)):
                if not polling:
                    off += await take_cues_for(runner, args.block_seconds, args.interval, presses)
                    continue
                poller = asyncio.create_task(poll_at_the_real_rate(recorder, windows))
                on += await take_cues_for(runner, args.block_seconds, args.interval, presses)
                poller.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await poller
    finally:
        runner.request_stop()
        await running
        await runner.close()
        await recorder.close()
        workspace.close()
    without = [latency for _, latency in off]
    with_polling = [latency for _, latency in on]
    print(f"cues: {len(without)} with polling off and {len(with_polling)} with polling on, paced {args.interval:g} s, "
          f"blocks of {args.block_seconds:g} s x {args.rounds} each; {len(windows)} samples at the real rate "
          f"(one 30 s into each minute), {recorder.rows_written} rows written")
    print(f"{'mode':<28}{'p50 ms':>9}{'p99 ms':>9}{'mean ms':>9}")
    for name, latencies in (("audience polling off", without), ("audience polling on", with_polling)):
        print(f"{name:<28}{statistics.median(latencies):>9.3f}{percentile(latencies, 0.99):>9.3f}"
              f"{statistics.fmean(latencies):>9.3f}")
    ratio = statistics.median(with_polling) / statistics.median(without)
    mean_ratio = statistics.fmean(with_polling) / statistics.fmean(without)
    overhead = (ratio - 1) * 100
    print(f"median on / off: {ratio:.4f} (overhead {overhead:+.2f}%, target <= {args.target:g}%); "
          f"mean on / off: {mean_ratio:.4f} ({(mean_ratio - 1) * 100:+.2f}%)")
    hit = during_a_sample(on, windows)
    if hit:
        # What the samples themselves cost, free of the drift between blocks: the extra latency of the cues
        # that met a sample in flight, spread over every cue of the "on" blocks.
        extra_ms = sum(hit) - len(hit) * statistics.fmean(without)
        print(f"cues taken while a sample was in flight: {len(hit)} of {len(with_polling)}, "
              f"p50 {statistics.median(hit):.3f} ms, max {max(hit):.3f} ms; their extra latency spread over "
              f"every cue: {extra_ms / len(with_polling) / statistics.fmean(without) * 100:+.3f}% of the mean")
    print(f"chat counting: {chat_line_cost_us():.2f} us per chat line")
    return 0 if overhead <= args.target else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--block-seconds", type=float, default=60.0,
                        help="seconds of cues per block; 60 holds exactly one real-rate sample (default 60)")
    parser.add_argument("--rounds", type=int, default=4,
                        help="blocks of each mode, A-B then B-A, to cancel the machine's drift (default 4)")
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between cues (default 0.05)")
    parser.add_argument("--target", type=float, default=TARGET_OVERHEAD_PERCENT,
                        help="largest acceptable overhead of the median cue latency in percent (default 1)")
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
