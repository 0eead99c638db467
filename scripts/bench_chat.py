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

Cue latency under the flood: the runner follows the show in a real headless OBS (Xvfb + OBS, started here
once and stopped by PID at the end) through its own ObsShowSync, as ``livekit run`` does. A fourth process,
the producer, moves the show on through the control API with the bearer token every --cue-interval seconds
(``POST /api/show/next``, and ``/api/show/jump`` back to the first of the rundown's eight segments from the
last); each segment has its own scene and prompt. A cue's latency is the
one bench_cues.py measures: from the cue (here: the producer sending its request) until OBS has answered
both the scene switch and the prompt text, as seen by the runner's loop (``ObsShowSync.apply`` returning
True for that segment's prompt). Measured twice in the same run with the same producer, observer and probe:
idle (before the flood) and during the flood (the producer starts 2 s into it). Target: p99 under load at
most 1.10x the idle p99. ``--cues 0`` skips OBS and this part.

``--failures`` (Twitch): the same kind of flood into TwitchSession → QuestionIntake → SQLite, in one process
with the fake on its own thread, with an EventSub ``session_reconnect`` in the middle (questions sent on the
old socket right after it), every tenth question redelivered (EventSub is at-least-once), then a
``revocation``. Prints whether every question accepted before the revocation is stored exactly once and the
status the user sees after the revocation; exits 1 when a question is lost or doubled.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers import free_port  # noqa: E402  (the test suite's one free_port)

STAMP = re.compile(r" t(\d+)$")
TARGET_P99_MS = 200
TARGET_MEMORY_MB = 200
#: Cue latency under the chat flood may be at most this much worse (p99) than idle.
TARGET_CUE_RATIO = 1.10
#: Unmeasured cues before each measured phase, paced like the measured ones (as in bench_cues.py).
WARMUP_CUES = 20
#: The producer starts pressing "next" this long after the flood started, so it meets the flood at full rate.
FLOOD_LEAD_IN_S = 2.0
CUE_PROMPT = re.compile(r"^Cue (\d+):")


# ------------------------------------------------------------------------------------------ fake side
def run_fake(ask_ratio: float) -> None:
    """Child process: start the fake, print its port and tokens, flood on "flood RATE SECONDS" from stdin."""
    from tests.fakes.twitch import FakeTwitch

    fake = FakeTwitch().start()
    broadcaster = fake.add_user("1001", "caster", ["channel:manage:broadcast"])
    bot = fake.add_user("2002", "chatbot", ["user:read:chat", "user:write:chat"])
    fake.go_live("1001", "509658", 5_000)  # the channel is live, so each cue's stream marker is accepted
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


# ------------------------------------------------------------------------------------------ producer
def drive_cues(url: str, token: str, start: bool, count: int, interval: float, delay: float) -> None:
    """Child process: the producer. Every ``interval`` s (on a fixed beat) it moves the show on through the control API (one
    keep-alive connection, like a control room page): "next", or "jump" back to the first segment from the
    last. Prints the measured cues as [segment, sent_ns]."""
    import http.client
    from urllib.parse import urlsplit

    address = urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def press(action: str, params: dict | None = None) -> dict:
        connection.request("POST", f"/api/show/{action}", body=json.dumps(params or {}), headers=headers)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"POST /api/show/{action}: HTTP {response.status} {body[:200]!r}")
        return json.loads(body)["state"]["show"]

    time.sleep(delay)
    connection.request("GET", "/api/state", headers=headers)
    show = json.loads(connection.getresponse().read())["show"]
    if start:
        show = press("start")
    cues = []
    due = time.monotonic()
    for number in range(WARMUP_CUES + count):
        last = show["current"] == len(show["segments"]) - 1
        due += interval  # a fixed beat: a slow answer does not stretch the phase
        time.sleep(max(0.0, due - time.monotonic()))
        sent = time.monotonic_ns()
        show = press("jump", {"segment": 0}) if last else press("next")
        if number >= WARMUP_CUES:
            cues.append((show["current"], sent))
    connection.close()
    print(json.dumps({"cues": cues}), flush=True)


def cue_rundown(title: str, scenes: tuple[str, ...]):
    """A show-sized rundown (eight segments, so the state every page gets stays realistic) that the
    producer goes round; each segment has its own scene and prompt. Ten minutes each, so no prompt or
    phase changes by itself during a phase."""
    from livekit.core.rundown import Prompt, Rundown, Segment

    return Rundown(title, tuple(
        Segment(f"Part {index}", 600_000, scene=scenes[index % len(scenes)],
                prompts=(Prompt(0, f"Cue {index}: ask the guest about part {index + 1}"),))
        for index in range(2 * len(scenes))
    ))


def cue_latencies(cues: list[list[int]], acknowledged: list[tuple[int, int]]) -> list[float]:
    """For each cue (segment, sent): ms until OBS acknowledged that cue's segment, or the segment of a cue
    sent after it (which supersedes it while it is still in flight). Unacknowledged cues are left out."""
    latencies = []
    in_order = sorted(acknowledged, key=lambda ack: ack[1])
    for number, (_, sent) in enumerate(cues):
        later = cues[number:]
        for index, at in in_order:
            if at >= sent and any(segment == index and cue_sent <= at for segment, cue_sent in later):
                latencies.append((at - sent) / 1e6)
                break
    return latencies


# ------------------------------------------------------------------------------------------ runner side
async def one_run(rate: int, seconds: float, ask_ratio: float, cues: int = 0, cue_interval: float = 0.1,
                  obs_port: int = 0) -> dict[str, float]:
    from greenroom.workspace import Workspace
    from livekit.core.clock import SystemClock
    from livekit.core.rundown import Rundown, Segment
    from livekit.guests.queue import GuestQueue
    from livekit.obs.headless import DEFAULT_SCENES
    from livekit.obs.settings import PASSWORD_ENV, ObsSettings
    from livekit.obs.show_sync import ObsShowSync
    from livekit.platforms.auth import TwitchTokenStore
    from livekit.platforms.settings import TwitchSettings, intake_rules
    from livekit.platforms.twitch import TwitchSession
    from livekit.questions import QuestionIntake, QuestionQueue
    from livekit.runner.show_runner import ShowRunner
    from livekit.storage.shows import ShowStore, show_key
    from livekit.web.app import create_app
    from livekit.web.server import serve
    from tests.fakes.twitch import CLIENT_ID

    acknowledged: list[tuple[int, int]] = []

    class ProbedShowSync(ObsShowSync):
        """The real ObsShowSync; only notes when an apply carrying a cue's prompt returned acknowledged."""

        async def apply(self, changes=None, /, **fields):
            done = await super().apply(changes, **fields)
            cue = CUE_PROMPT.match(fields.get("prompt_text") or "")
            if done and cue:
                acknowledged.append((int(cue.group(1)), time.monotonic_ns()))
            return done

    fake = subprocess.Popen(
        [sys.executable, *os.environ.get("BENCH_FAKE", f"{__file__} --fake").split(), "--ask-ratio", str(ask_ratio)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    observer = producer = None
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
        if cues:
            rundown = cue_rundown("Chat bench", DEFAULT_SCENES)
            obs = ProbedShowSync.from_settings(ObsSettings(port=obs_port, password=os.environ[PASSWORD_ENV]))
        else:
            rundown, obs = Rundown("Chat bench", (Segment("Q&A", 3_600_000),)), None
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
            questions=queue, clock=clock, obs=obs, platforms=[twitch],
        )
        token = "bench-token-" + "x" * 20
        served = await serve(create_app(runner, token), "127.0.0.1", 0)
        running = asyncio.ensure_future(runner.run())
        # Cues are measured on a running show: OBS and Twitch connected (the flood waits for Twitch anyway).
        while not (twitch.connected and (obs is None or obs.health.connected)):
            if running.done():
                await running
                raise SystemExit("the runner stopped before OBS and Twitch connected")
            await asyncio.sleep(0.05)

        every = max(1, round(1 / ask_ratio)) if ask_ratio > 0 else 0
        expected_asks = len(range(0, int(rate * seconds), every)) if every else 0
        expected = min(expected_asks, 5_000 * intake.rules.per_person_limit)
        ws_url = served.url.replace("http://", "ws://") + "/ws/control"
        idle_phase_s = (WARMUP_CUES + cues) * cue_interval * 2 + 10 if cues else 0
        observer = subprocess.Popen(
            [sys.executable, __file__, "--observe", ws_url, "--token", token, "--expected", str(expected),
             "--timeout", str(idle_phase_s + seconds + 30)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, observer.stdout.readline)  # observer authenticated

        def start_producer(start: bool, delay: float) -> subprocess.Popen:
            return subprocess.Popen(
                [sys.executable, __file__, "--produce", served.url, "--token", token, "--cues", str(cues),
                 "--cue-interval", str(cue_interval), "--delay", str(delay)] + (["--start"] if start else []),
                stdout=subprocess.PIPE, text=True, cwd=ROOT,
            )

        async def producer_cues(process: subprocess.Popen) -> list[list[int]]:
            line = await loop.run_in_executor(None, process.stdout.readline)
            if not line:
                raise SystemExit(f"the producer failed (exit code {process.wait()})")
            measured = json.loads(line)["cues"]
            await loop.run_in_executor(None, process.wait)
            deadline = time.monotonic() + 5  # the last cue's acknowledgement may still be on its way
            while not cue_latencies(measured[-1:], acknowledged) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            return measured

        idle_cues: list[list[int]] = []
        if cues:
            producer = start_producer(True, 0)
            idle_cues = await producer_cues(producer)
            await asyncio.sleep(1)  # let OBS and the runner settle before the flood

        usage_before = resource.getrusage(resource.RUSAGE_SELF)
        fake.stdin.write(f"flood {rate} {seconds}\n")
        fake.stdin.flush()
        if cues:
            producer = start_producer(False, FLOOD_LEAD_IN_S)
        sent = json.loads(await loop.run_in_executor(None, fake.stdout.readline))["sent"]
        flood_ended = time.monotonic_ns()
        loaded_cues = await producer_cues(producer) if cues else []
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
        idle = cue_latencies(idle_cues, acknowledged)
        loaded = cue_latencies(loaded_cues, acknowledged)
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
            "cues_idle": len(idle),
            "cues_loaded": len(loaded),
            "cues_unacknowledged": len(idle_cues) + len(loaded_cues) - len(idle) - len(loaded),
            "cues_after_flood": sum(1 for _, sent_ns in loaded_cues if sent_ns > flood_ended),
            "cue_idle_p50": _percentile(idle, 50),
            "cue_idle_p99": _percentile(idle, 99),
            "cue_loaded_p50": _percentile(loaded, 50),
            "cue_loaded_p99": _percentile(loaded, 99),
        }
    finally:
        for process in (fake, observer, producer):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
        temporary.cleanup()


async def failure_run(rate: int, seconds: float) -> dict[str, object]:
    """The Twitch failure bench (see the module docstring); returns what it found."""
    from greenroom.backoff import Backoff
    from greenroom.workspace import Workspace
    from livekit.platforms.auth import TwitchTokenStore
    from livekit.platforms.settings import TwitchSettings
    from livekit.platforms.twitch import TwitchSession
    from livekit.questions import IntakeRules, QuestionIntake, QuestionQueue
    from tests.fakes.twitch import CLIENT_ID, FakeTwitch

    fake = FakeTwitch().start()
    temporary = tempfile.TemporaryDirectory(prefix="bench-chat-failures-")
    scopes = ["channel:manage:broadcast", "user:read:chat", "user:write:chat"]
    try:
        workspace = Workspace.locate(Path(temporary.name) / "ws")
        workspace.init()
        workspace.config_path.write_text(
            "[twitch]\n"
            f'client_id = "{CLIENT_ID}"\nbroadcaster = "caster"\nbot = "chatbot"\n'
            f'api_base = "{fake.helix_url}"\nid_base = "{fake.id_url}"\neventsub_url = "{fake.eventsub_url}"\n',
            encoding="utf-8",
        )
        store = TwitchTokenStore(workspace.path("tokens/twitch.json"))
        for role, user_id, login in (("broadcaster", "1001", "caster"), ("bot", "2002", "chatbot")):
            access, refresh = fake.add_user(user_id, login, scopes)
            store.save_account(role, {"user_id": user_id, "login": login, "access_token": access,
                                      "refresh_token": refresh, "scopes": scopes})
        queue = QuestionQueue(workspace.database(), "bench")
        intake = QuestionIntake(queue, IntakeRules(per_person_limit=1_000_000))
        session = TwitchSession(TwitchSettings.from_workspace(workspace), intake,
                                reconnect_backoff=Backoff(first_ms=100, max_ms=1_000))
        await session.start()
        total = int(rate * seconds)
        sent: list[str] = []
        redelivered = 0
        for number in range(total):
            text = f"!ask question {number}?"
            if number == total // 2:
                sent.append(f"question {number}?")
                fake.send_reconnect(("1001", str(100_000 + number % 500), f"viewer{number % 500}", text))
                await asyncio.sleep(0.05)
                continue
            message_id = fake.send_chat("1001", str(100_000 + number % 500), f"viewer{number % 500}", text)
            sent.append(f"question {number}?")
            if number % 10 == 0:
                fake.redeliver("1001", str(100_000 + number % 500), f"viewer{number % 500}", text, message_id)
                redelivered += 1
            if number % max(1, rate // 100) == 0:
                await asyncio.sleep(0.01)
        deadline = time.monotonic() + 30
        while len(queue.list()) < len(sent) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        fake.revoke("authorization_revoked")
        while session.status()["health"] != "failed" and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        stored = [question.text for question in queue.list()]
        status = session.status()
        await session.close()
    finally:
        fake.stop()
        temporary.cleanup()
    return {
        "sent": len(sent),
        "redelivered": redelivered,
        "stored": len(stored),
        "lost": sorted(set(sent) - set(stored)),
        "doubled": sorted({text for text in stored if stored.count(text) > 1}),
        "subscriptions": status.get("chat_subscriptions"),
        "health": status["health"],
        "reason": status["reason"],
    }


def report_failures(rate: int, seconds: float) -> None:
    print(f"twitch failures: {rate} !ask/s for {seconds:g} s, a session_reconnect in the middle, every tenth "
          "question redelivered, then a revocation")
    found = asyncio.run(failure_run(rate, seconds))
    print(f"questions sent {found['sent']}, redelivered {found['redelivered']}, stored {found['stored']}; "
          f"lost {len(found['lost'])}, doubled {len(found['doubled'])}; chat subscriptions {found['subscriptions']}")
    print(f"after the revocation: {found['health']}: {found['reason']}")
    ok = not found["lost"] and not found["doubled"] and found["health"] == "failed"
    print("no question accepted before the failures was lost or doubled: " + ("yes" if ok else "NO"))
    if not ok:
        sys.exit(1)


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
    parser.add_argument("--cues", type=int, default=150,
                        help="measured cues per phase (idle, under load) and run, after "
                             f"{WARMUP_CUES} unmeasured ones (default 150; 0 = no OBS, no cue latency)")
    parser.add_argument("--cue-interval", type=float, default=0.1,
                        help="seconds between cues, as in bench_cues.py (default 0.1)")
    parser.add_argument("--failures", action="store_true",
                        help="Twitch failure bench instead: flood with a session_reconnect and a revocation in the "
                             "middle (uses --rate and --seconds; no OBS, no web)")
    parser.add_argument("--fake", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--observe", help=argparse.SUPPRESS)
    parser.add_argument("--produce", help=argparse.SUPPRESS)
    parser.add_argument("--start", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--delay", type=float, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    parser.add_argument("--expected", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--timeout", type=float, default=60, help=argparse.SUPPRESS)
    parser.add_argument("--obs-port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.failures:
        report_failures(args.rate, args.seconds)
        return
    if args.fake:
        run_fake(args.ask_ratio)
        return
    if args.observe:
        asyncio.run(observe(args.observe, args.token, args.expected, args.timeout))
        return
    if args.produce:
        drive_cues(args.produce, args.token, args.start, args.cues, args.cue_interval, args.delay)
        return
    if args.one:
        print(json.dumps(asyncio.run(one_run(args.rate, args.seconds, args.ask_ratio, args.cues, args.cue_interval,
                                             args.obs_port))))
        return
    if args.cues < 0 or (args.cues and args.cues < 100):
        parser.error("--cues must be 0 (no cue latency) or at least 100")
    cue_phase_s = (WARMUP_CUES + args.cues) * args.cue_interval
    if args.cues and FLOOD_LEAD_IN_S + cue_phase_s * 1.2 > args.seconds:
        parser.error(f"{args.cues} cues every {args.cue_interval:g} s need a flood of at least "
                     f"{FLOOD_LEAD_IN_S + cue_phase_s * 1.2:.0f} s (--seconds), so every cue meets the flood")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    print(f"chat flood: {args.rate} msgs/s for {args.seconds:g} s, {args.ask_ratio:.0%} !ask, {args.runs} runs")
    instance = None
    environment = os.environ | {"PYTHONWARNINGS": "ignore"}
    child = None
    results = []
    try:
        if args.cues:
            from livekit.obs import headless
            from livekit.obs.settings import PASSWORD_ENV

            password = secrets.token_urlsafe(12)
            instance = headless.start(free_port(), password, tempfile.mkdtemp(prefix="greenroom-bench-chat-"))
            environment[PASSWORD_ENV] = password
            print(f"cues: {args.cues} per phase every {args.cue_interval:g} s (after {WARMUP_CUES} unmeasured), "
                  f"idle then under the flood; headless OBS pids {' '.join(map(str, instance.pids))}")
        for number in range(args.runs):
            # A fresh process per run: peak memory is then per run, not the maximum over all of them.
            child = subprocess.Popen(
                [sys.executable, __file__, "--one", "--rate", str(args.rate), "--seconds", str(args.seconds),
                 "--ask-ratio", str(args.ask_ratio), "--cues", str(args.cues), "--cue-interval",
                 str(args.cue_interval), "--obs-port", str(instance.port if instance else 0)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=environment,
            )
            output, errors = child.communicate()
            if child.returncode != 0:
                raise SystemExit(f"run {number + 1} failed (exit code {child.returncode}):\n{errors[-2000:]}")
            result = json.loads(output.strip().splitlines()[-1])
            results.append(result)
            cue_text = ""
            if args.cues:
                cue_text = (f", cues idle p50/p99 {result['cue_idle_p50']:.1f}/{result['cue_idle_p99']:.1f} ms, "
                            f"under load {result['cue_loaded_p50']:.1f}/{result['cue_loaded_p99']:.1f} ms")
                if result["cues_unacknowledged"] or result["cues_after_flood"]:
                    cue_text += (f" ({result['cues_unacknowledged']} cues never acknowledged, "
                                 f"{result['cues_after_flood']} sent after the flood ended)")
            print(
                f"  run {number + 1}: sent {result['sent']}, questions {result['questions']}, "
                f"visible {result['visible']}, "
                f"stored p50/p99 {result['stored_p50']:.1f}/{result['stored_p99']:.1f} ms, "
                f"/control p50/p99 {result['control_p50']:.1f}/{result['control_p99']:.1f} ms, "
                f"peak {result['peak_mb']:.0f} MB, runner CPU {result['cpu_ms_per_1000']:.0f} ms per 1000 msgs, "
                f"load average {result['load_average']:.1f}{cue_text}"
            )
    finally:
        if child is not None and child.poll() is None:
            child.kill()
            child.wait()
        if instance is not None:
            instance.stop()
            print(f"stopped headless OBS: pids {' '.join(map(str, instance.pids))}")

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
        ("runner CPU per 1000 chat msgs" + (" (+ cues)" if args.cues else ""),
         f"{median('cpu_ms_per_1000'):.0f} ms", "", "(< 1000 ms keeps up)"),
    ]
    print()
    print(f"machine: {os.cpu_count()} CPUs, load average now {os.getloadavg()[0]:.1f} (latency is only meaningful "
          "when the load is below the CPU count)")
    print(f"{'measure (median of runs)':<38} {'result':>10} {'target':>10}  ratio")
    for name, value, target, ratio in rows:
        print(f"{name:<38} {value:>10} {target:>10}  {ratio}")
    if args.cues:
        idle_p99, loaded_p99 = median("cue_idle_p99"), median("cue_loaded_p99")
        ratio = loaded_p99 / idle_p99
        print()
        print("cue → OBS acknowledged scene + prompt (bench_cues.py's cue latency), median of runs:")
        print(f"{'idle p50/p99':>16} {'under load p50/p99':>20} {'load/idle p99':>14} {'target':>8}")
        print(f"{median('cue_idle_p50'):>7.1f}/{idle_p99:>5.1f} ms {median('cue_loaded_p50'):>11.1f}/"
              f"{loaded_p99:>5.1f} ms {ratio:>13.2f}x {'≤ ' + format(TARGET_CUE_RATIO, '.2f') + 'x':>8}  "
              f"{'met' if ratio <= TARGET_CUE_RATIO else 'MISSED'}")



if __name__ == "__main__":
    main()
