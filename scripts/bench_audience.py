#!/usr/bin/env python3
"""Benchmark: what recording the audience costs a show's cues. Target: overhead <= 1% of cue latency.

One show runner with a real TwitchSession (twitchio) and YouTubeSession (googleapiclient on its worker
thread) connected to the in-process fakes (tests/fakes), the YouTube broadcast live, Twitch live with a
viewer count. A producer takes cues through ``ShowRunner.act`` (``show.next``, then ``show.back``, paced
by --interval), the path the control room's API and keys use; a cue's latency is from the call until the
show has moved, stored its event and told its followers (OBS is not attached: its answer time is the same
with or without polling, see bench_cues.py for it).

Measured in the same run, polling switched on and off every 20 s (on, off, on, off...: the machine's
drift over the run favours neither mode), for --minutes minutes after a minute's warm-up:

- **off**: no audience polling task at all;
- **on**: the polling task runs, at the real rate on the real clock: one sample per minute of "on" time.
  The blocks are laid on the clock's minutes so that this holds exactly: in minute 0 the blocks are
  on/off/on, in minute 1 off/on/off, and so on; the sample is due 10 s into each minute
  (:func:`livekit.core.audience.next_poll_at` with a 10 s offset; the recorder's own is 30 s, what a sample
  costs does not depend on it), which falls in an "on" block every other minute, so 30 s of "on" per
  minute hold half a sample. Each sample reads Twitch's Get Streams and Get Channel Followers on the loop
  and YouTube's videos.list and channels.list on the session's worker thread, and writes its rows.

The fakes run on threads of this same process, so their own request handling competes with the show for
the interpreter: the "on" figures are pessimistic. Also prints the cues taken while a sample was in flight
(the worst case a cue can meet) and what counting one chat line costs (the per-line work the audience adds
to chat intake).

Prints p50/p99/mean per mode (ms) and the ratio of the medians (on / off); exits 1 if the median overhead is
above --target percent. The default run takes 9 to 10 minutes (--minutes 8).
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
from livekit.core.audience import MINUTE_MS, ChatTally, minute_of, next_poll_at  # noqa: E402
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


#: Polling is switched on and off every block; three blocks a minute (see the module docstring).
BLOCK_MS = MINUTE_MS // 3
#: When the sample is due in its minute: inside the first block, which is "on" in every other minute.
SAMPLE_OFFSET_MS = 10_000


async def take_cues_until(runner: ShowRunner, clock: SystemClock, end_ms: int, interval: float,
                          presses: Iterator[int]) -> list[Cue]:
    """Cues until ``end_ms`` (wall clock), one every ``interval``: segment 1 and back to 0 (``expect`` says
    where each press is meant, so no double-press guard interferes; ``presses`` counts them over the run)."""
    cues: list[Cue] = []
    while clock.now_ms() < end_ms:
        await asyncio.sleep(interval)
        action, expect = ("show.next", 0) if next(presses) % 2 == 0 else ("show.back", 1)
        started = time.perf_counter()
        await runner.act(action, {"expect": expect})
        cues.append((started, (time.perf_counter() - started) * 1000))
    return cues


async def poll_at_the_real_rate(recorder: AudienceRecorder, windows: list[tuple[float, float]]) -> None:
    """The recorder's schedule (a sample at a fixed second of each minute of the real clock), keeping when
    each sample was in flight."""
    while True:
        now = recorder.clock.now_ms()
        await asyncio.sleep((next_poll_at(now, SAMPLE_OFFSET_MS) - now) / 1000)
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
        # Warm-up until the next minute starts; then block b is "on" when b is even (module docstring).
        start_ms = minute_of(clock.now_ms()) + MINUTE_MS
        await take_cues_until(runner, clock, start_ms, args.interval, presses)
        off: list[Cue] = []
        on: list[Cue] = []
        for block in range(args.minutes * 3):
            end_ms = start_ms + (block + 1) * BLOCK_MS
            if block % 2:
                off += await take_cues_until(runner, clock, end_ms, args.interval, presses)
                continue
            poller = asyncio.create_task(poll_at_the_real_rate(recorder, windows))
            on += await take_cues_until(runner, clock, end_ms, args.interval, presses)
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
          f"{args.minutes} minutes in 20 s blocks; {len(windows)} samples, one per minute of polling "
          f"(the real rate), {recorder.rows_written} rows written")
    print(f"{'mode':<28}{'p50 ms':>9}{'p99 ms':>9}{'mean ms':>9}")
    for name, latencies in (("audience polling off", without), ("audience polling on", with_polling)):
        print(f"{name:<28}{statistics.median(latencies):>9.3f}{percentile(latencies, 0.99):>9.3f}"
              f"{statistics.fmean(latencies):>9.3f}")
    ratio = statistics.median(with_polling) / statistics.median(without)
    mean_ratio = statistics.fmean(with_polling) / statistics.fmean(without)
    overhead = (ratio - 1) * 100
    print(f"median on / off: {ratio:.4f} (overhead {overhead:+.2f}%, target <= {args.target:g}%); "
          f"mean on / off: {mean_ratio:.4f} ({(mean_ratio - 1) * 100:+.2f}%)")
    if windows:
        print(f"a sample took {statistics.median([(end - begin) * 1000 for begin, end in windows]):.1f} ms (p50) "
              "wall time from start to rows written (the loop runs cues while it waits for the platforms)")
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
    parser.add_argument("--minutes", type=int, default=8,
                        help="minutes measured, half of the time with polling on (even; default 8)")
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between cues (default 0.05)")
    parser.add_argument("--target", type=float, default=TARGET_OVERHEAD_PERCENT,
                        help="largest acceptable overhead of the median cue latency in percent (default 1)")
    args = parser.parse_args()
    if args.minutes < 2 or args.minutes % 2:
        parser.error("--minutes must be even (and at least 2): polling is on for half of them")
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
