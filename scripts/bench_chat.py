#!/usr/bin/env python3
"""Benchmark: a chat flood from the fake Twitch EventSub into the show runner's control room.

Three processes so each measures only itself:

- the fake Twitch (EventSub websocket + Helix) floods ``channel.chat.message`` notifications at RATE/s for
  SECONDS; a share of them are ``!ask`` questions whose text carries the send time (CLOCK_MONOTONIC is
  system-wide on Linux, so the times compare across processes);
- this process runs the real stack: TwitchSession (twitchio 3) → QuestionIntake → SQLite → ShowRunner →
  web app (aiohttp, /ws/control);
- an observer process plays the control room page: it authenticates on /ws/control and notes when each
  question first appears in a pushed state.

Reports, per run and as medians over runs: p50/p99 from chat message sent to "stored + on_change fired" (in
this process) and to "visible in /control" (state received by the observer), questions seen, and the peak
memory of this process. Targets: p99 ≤ 200 ms to /control; peak memory ≤ 200 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STAMP = re.compile(r" t(\d+)$")
TARGET_P99_MS = 200
TARGET_MEMORY_MB = 200


# ------------------------------------------------------------------------------------------ fake side
def run_fake(ask_ratio: float) -> None:
    """Child process: start the fake, print its port and tokens, flood on "flood RATE SECONDS" from stdin."""
    from tests.fakes.twitch import FakeTwitch

    fake = FakeTwitch().start()
    broadcaster = fake.add_user("1001", "caster", ["channel:manage:broadcast"])
    bot = fake.add_user("2002", "chatbot", ["user:read:chat", "user:write:chat"])
    print(json.dumps({"port": fake.port, "broadcaster": broadcaster, "bot": bot}), flush=True)
    every = max(1, round(1 / ask_ratio)) if ask_ratio > 0 else 0

    def chatter_for(number: int) -> int:
        """5,000 viewers; consecutive questions come from different viewers (so none hits the limit)."""
        return 100_000 + (number // every if every else number) % 5_000

    def text_for(number: int) -> str:
        if every and number % every == 0:
            return f"!ask question number {number} for the guest t{time.monotonic_ns()}"
        return f"chat line {number}, hello everyone"

    for line in sys.stdin:
        command = line.split()
        if command and command[0] == "flood":
            fake.wait_for_subscription(30)
            sent = fake.start_flood("1001", int(command[1]), float(command[2]), text_for, chatter_for).result()
            print(json.dumps({"sent": sent}), flush=True)
        elif command and command[0] == "quit":
            break
    fake.stop()


# ------------------------------------------------------------------------------------------ observer
async def observe(url: str, token: str, expected: int, timeout_s: float) -> None:
    """Child process: the control room page. Prints the latencies (ms) of questions as they become visible."""
    import aiohttp

    seen: set[int] = set()
    latencies: list[float] = []
    async with aiohttp.ClientSession() as session, session.ws_connect(url, max_msg_size=0) as ws:
        await ws.send_json({"type": "auth", "token": token})
        print(json.dumps({"ready": True}), flush=True)
        deadline = time.monotonic() + timeout_s
        while len(seen) < expected and time.monotonic() < deadline:
            try:
                frame = await ws.receive(timeout=max(0.1, deadline - time.monotonic()))
            except TimeoutError:
                break
            if frame.type != aiohttp.WSMsgType.TEXT:
                break
            now = time.monotonic_ns()
            message = json.loads(frame.data)
            if message.get("type") != "state":
                continue
            for question in message["state"].get("questions") or ():
                if question["id"] in seen:
                    continue
                seen.add(question["id"])
                stamp = STAMP.search(question["text"])
                if stamp:
                    latencies.append((now - int(stamp.group(1))) / 1e6)
    print(json.dumps({"latencies": latencies}), flush=True)


# ------------------------------------------------------------------------------------------ runner side
async def one_run(rate: int, seconds: float, ask_ratio: float) -> dict[str, float]:
    from greenroom.workspace import Workspace
    from livekit.core.clock import SystemClock
    from livekit.core.rundown import Rundown, Segment
    from livekit.guests.queue import GuestQueue
    from livekit.platforms.auth import TwitchTokenStore
    from livekit.platforms.settings import TwitchSettings, intake_rules
    from livekit.platforms.twitch import TwitchSession
    from livekit.questions import QuestionIntake, QuestionQueue
    from livekit.runner.show_runner import ShowRunner, show_key
    from livekit.storage.shows import ShowStore
    from livekit.web.app import create_app
    from livekit.web.server import serve
    from tests.fakes.twitch import CLIENT_ID

    fake = subprocess.Popen(
        [sys.executable, *os.environ.get("BENCH_FAKE", f"{__file__} --fake").split(), "--ask-ratio", str(ask_ratio)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    observer = None
    temporary = tempfile.TemporaryDirectory(prefix="bench-chat-")
    try:
        started = json.loads(fake.stdout.readline())
        base = f"http://127.0.0.1:{started['port']}"
        workspace = Workspace.locate(Path(temporary.name) / "ws")
        workspace.init()
        workspace.config_path.write_text(
            "[twitch]\n"
            f'client_id = "{CLIENT_ID}"\nbroadcaster = "caster"\nbot = "chatbot"\n'
            f'api_base = "{base}/helix/"\nid_base = "{base}/"\neventsub_url = "ws://127.0.0.1:{started["port"]}/ws"\n',
            encoding="utf-8",
        )
        store = TwitchTokenStore(workspace.path("tokens/twitch.json"))
        for role, user_id, login in (("broadcaster", "1001", "caster"), ("bot", "2002", "chatbot")):
            access, refresh = started[role]
            store.save_account(
                role, {"user_id": user_id, "login": login, "access_token": access, "refresh_token": refresh,
                       "scopes": ["channel:manage:broadcast", "user:read:chat", "user:write:chat"]},
            )

        clock = SystemClock()
        db = workspace.database()
        shows = ShowStore(db, clock)
        rundown = Rundown("Chat bench", (Segment("Q&A", 3_600_000),))
        show_id = shows.create_show(rundown)
        key = show_key(show_id, rundown.title)
        queue = QuestionQueue(db, key, clock=clock)
        stored_latencies: list[float] = []

        def on_stored(question) -> None:
            if question.status.value == "pending":
                stamp = STAMP.search(question.text)
                if stamp:
                    stored_latencies.append((time.monotonic_ns() - int(stamp.group(1))) / 1e6)

        queue.add_listener(on_stored)
        intake = QuestionIntake(queue, intake_rules(workspace))
        twitch = TwitchSession(TwitchSettings.from_workspace(workspace), intake, clock=clock)
        runner = ShowRunner(
            show_id=show_id, show=shows.load_show(show_id), guests=GuestQueue(db, clock=clock.now_ms),
            questions=queue, clock=clock, platforms=[twitch],
        )
        token = "bench-token-" + "x" * 20
        served = await serve(create_app(runner, token), "127.0.0.1", 0)
        running = asyncio.ensure_future(runner.run())

        every = max(1, round(1 / ask_ratio)) if ask_ratio > 0 else 0
        expected_asks = len(range(0, int(rate * seconds), every)) if every else 0
        expected = min(expected_asks, 5_000 * intake.rules.per_person_limit)
        ws_url = served.url.replace("http://", "ws://") + "/ws/control"
        observer = subprocess.Popen(
            [sys.executable, __file__, "--observe", ws_url, "--token", token, "--expected", str(expected),
             "--timeout", str(seconds + 30)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, observer.stdout.readline)  # observer authenticated
        usage_before = resource.getrusage(resource.RUSAGE_SELF)
        fake.stdin.write(f"flood {rate} {seconds}\n")
        fake.stdin.flush()
        sent = json.loads(await loop.run_in_executor(None, fake.stdout.readline))["sent"]
        line = await asyncio.wait_for(loop.run_in_executor(None, observer.stdout.readline), seconds + 60)
        observed = json.loads(line)["latencies"]
        usage_after = resource.getrusage(resource.RUSAGE_SELF)
        cpu_s = (usage_after.ru_utime - usage_before.ru_utime) + (usage_after.ru_stime - usage_before.ru_stime)
        await loop.run_in_executor(None, observer.wait)
        runner.request_stop()
        await running
        await runner.close()
        await twitch.close()
        await served.close()
        workspace.close()
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return {
            "sent": sent,
            "questions": len(stored_latencies),
            "visible": len(observed),
            "stored_p50": _percentile(stored_latencies, 50),
            "stored_p99": _percentile(stored_latencies, 99),
            "control_p50": _percentile(observed, 50),
            "control_p99": _percentile(observed, 99),
            "peak_mb": peak_mb,
            "cpu_ms_per_1000": cpu_s * 1000 / max(1, sent) * 1000,
            "load_average": os.getloadavg()[0],
        }
    finally:
        for process in (fake, observer):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
        temporary.cleanup()


def _percentile(values: list[float], percent: int) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(percent / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=int, default=1_000, help="chat messages per second (default 1000)")
    parser.add_argument("--seconds", type=float, default=30, help="flood length per run (default 30)")
    parser.add_argument("--ask-ratio", type=float, default=0.1, help="share of messages that are !ask (0.1)")
    parser.add_argument("--runs", type=int, default=3, help="runs, each in a fresh process (default 3)")
    parser.add_argument("--fake", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--observe", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    parser.add_argument("--expected", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--timeout", type=float, default=60, help=argparse.SUPPRESS)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fake:
        run_fake(args.ask_ratio)
        return
    if args.observe:
        asyncio.run(observe(args.observe, args.token, args.expected, args.timeout))
        return
    if args.one:
        print(json.dumps(asyncio.run(one_run(args.rate, args.seconds, args.ask_ratio))))
        return

    print(f"chat flood: {args.rate} msgs/s for {args.seconds:g} s, {args.ask_ratio:.0%} !ask, {args.runs} runs")
    results = []
    for number in range(args.runs):
        # A fresh process per run: peak memory is then per run, not the maximum over all of them.
        output = subprocess.run(
            [sys.executable, __file__, "--one", "--rate", str(args.rate), "--seconds", str(args.seconds),
             "--ask-ratio", str(args.ask_ratio)],
            check=True, capture_output=True, text=True, cwd=ROOT, env=os.environ | {"PYTHONWARNINGS": "ignore"},
        ).stdout
        result = json.loads(output.strip().splitlines()[-1])
        results.append(result)
        print(
            f"  run {number + 1}: sent {result['sent']}, questions {result['questions']}, visible {result['visible']}, "
            f"stored p50/p99 {result['stored_p50']:.1f}/{result['stored_p99']:.1f} ms, "
            f"/control p50/p99 {result['control_p50']:.1f}/{result['control_p99']:.1f} ms, "
            f"peak {result['peak_mb']:.0f} MB, runner CPU {result['cpu_ms_per_1000']:.0f} ms per 1000 msgs, "
            f"load average {result['load_average']:.1f}"
        )

    def median(key: str) -> float:
        return statistics.median(result[key] for result in results)

    rows = [
        ("message → stored + on_change, p50", f"{median('stored_p50'):.1f} ms", "", ""),
        ("message → stored + on_change, p99", f"{median('stored_p99'):.1f} ms", "", ""),
        ("message → visible in /control, p50", f"{median('control_p50'):.1f} ms", "", ""),
        ("message → visible in /control, p99", f"{median('control_p99'):.1f} ms", f"≤ {TARGET_P99_MS} ms",
         f"{median('control_p99') / TARGET_P99_MS:.2f}x of target"),
        ("peak memory (runner process)", f"{median('peak_mb'):.0f} MB", f"≤ {TARGET_MEMORY_MB} MB",
         f"{median('peak_mb') / TARGET_MEMORY_MB:.2f}x of target"),
        ("runner CPU per 1000 chat msgs", f"{median('cpu_ms_per_1000'):.0f} ms", "", "(< 1000 ms keeps up)"),
    ]
    print()
    print(f"machine: {os.cpu_count()} CPUs, load average now {os.getloadavg()[0]:.1f} (latency is only meaningful "
          "when the load is below the CPU count)")
    print(f"{'measure (median of runs)':<38} {'result':>10} {'target':>10}  ratio")
    for name, value, target, ratio in rows:
        print(f"{name:<38} {value:>10} {target:>10}  {ratio}")


if __name__ == "__main__":
    main()
