"""The relay's processes: a live test pattern published to the local ingest reaches each platform's
receiver; a failed push is retried alone with backoff; stop leaves nothing running; keys stay secret.
(OBS itself streaming through the relay: tests/test_relay_obs.py.)"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from greenroom.backoff import Backoff
from livekit.relay import Ingest, Relay, RelayError
from tests.fixtures.relay import video_codec
from tests.helpers import eventually_blocking

pytestmark = [pytest.mark.subprocess]

FAST_RETRY = Backoff(first_ms=200, max_ms=1_000)


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def states(relay: Relay) -> dict[str, str]:
    return {health.platform: health.state for health in relay.health()}


@pytest.fixture
def relay(tmp_path):
    relay = Relay(tmp_path / "relay", backoff=FAST_RETRY)
    yield relay
    relay.stop()


def test_the_test_pattern_reaches_both_receivers_and_health_says_pushing(relay, rtmp_receivers, test_pattern):
    twitch, youtube = rtmp_receivers("twitch"), rtmp_receivers("youtube")
    ingest = relay.start([Ingest("twitch", twitch.server, twitch.key), Ingest("youtube", youtube.server, youtube.key)])
    test_pattern(ingest.url)

    eventually_blocking(lambda: states(relay) == {"twitch": "pushing", "youtube": "pushing"}, timeout=20,
                        describe=lambda: relay.health())
    assert eventually_blocking(lambda: video_codec(twitch.recording), timeout=10) == "h264"
    assert eventually_blocking(lambda: video_codec(youtube.recording), timeout=10) == "h264"


def test_a_push_whose_receiver_is_down_fails_with_a_reason_and_recovers_when_it_returns(
        relay, rtmp_receivers, test_pattern):
    twitch, youtube = rtmp_receivers("twitch"), rtmp_receivers("youtube", start=False)
    ingest = relay.start([Ingest("twitch", twitch.server, twitch.key), Ingest("youtube", youtube.server, youtube.key)])
    test_pattern(ingest.url)

    failed = eventually_blocking(lambda: next((h for h in relay.health() if h.platform == "youtube"
                                               and h.restarts >= 2), None), timeout=20,
                                 describe=lambda: relay.health())
    assert "Connection refused" in failed.reason
    assert states(relay)["twitch"] == "pushing"

    youtube.start()
    eventually_blocking(lambda: states(relay)["youtube"] == "pushing", timeout=20, describe=lambda: relay.health())
    assert eventually_blocking(lambda: video_codec(youtube.recording), timeout=10) == "h264"


def test_stream_keys_appear_in_neither_health_nor_the_relay_folder(relay, rtmp_receivers, test_pattern):
    receiver = rtmp_receivers("twitch", start=False)
    secret = "live_123456_SecretKeyNeverShown"
    ingest = relay.start([Ingest("twitch", receiver.server, secret)])
    test_pattern(ingest.url)
    health = eventually_blocking(lambda: next((h for h in relay.health() if h.restarts >= 1), None), timeout=20)

    assert secret not in repr(health.as_dict()) and ingest.key not in repr(health.as_dict())
    assert health.destination == f"{receiver.server}/…"
    for path in relay.directory.iterdir():
        text = path.read_text(errors="replace")
        assert secret not in text and ingest.key not in text, path.name


def test_stop_ends_exactly_the_processes_the_relay_started(relay, rtmp_receivers, test_pattern):
    receiver = rtmp_receivers("twitch")
    ingest = relay.start([Ingest("twitch", receiver.server, receiver.key)])
    publisher = test_pattern(ingest.url)
    eventually_blocking(lambda: states(relay) == {"twitch": "pushing"}, timeout=20, describe=lambda: relay.health())
    pids = relay.pids
    assert len(pids) == 2

    relay.stop()

    assert relay.pids == [] and states(relay) == {"twitch": "stopped"}
    for pid in pids:
        assert not os.path.exists(f"/proc/{pid}"), pid
    assert receiver.process.poll() is None and publisher.poll() is None, "not ours: left running"


def test_the_local_ingest_listens_on_loopback_only(relay, rtmp_receivers):
    receiver = rtmp_receivers("twitch", start=False)
    ingest = relay.start([Ingest("twitch", receiver.server, receiver.key)])

    assert ingest.server == f"rtmp://127.0.0.1:{relay.port}/live"
    assert f"listen 127.0.0.1:{relay.port};" in (relay.directory / "nginx.conf").read_text()


def test_start_on_a_taken_port_fails_with_nginx_s_reason(tmp_path, rtmp_receivers):
    receiver = rtmp_receivers("twitch", start=False)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        relay = Relay(tmp_path / "relay", port=taken.getsockname()[1])
        try:
            with pytest.raises(RelayError, match="Address already in use"):
                relay.start([Ingest("twitch", receiver.server, receiver.key)])
            assert relay.pids == []
        finally:
            relay.stop()


def test_a_stream_that_stops_is_waiting_not_failed_and_reaches_the_receiver_again_when_it_restarts(relay, rtmp_receivers, test_pattern):
    receiver = rtmp_receivers("twitch")
    ingest = relay.start([Ingest("twitch", receiver.server, receiver.key)])
    first = test_pattern(ingest.url)
    eventually_blocking(lambda: states(relay) == {"twitch": "pushing"}, timeout=20, describe=lambda: relay.health())
    first.kill()
    first.wait()
    (idle,) = eventually_blocking(lambda: [h for h in relay.health() if h.state == "waiting"], timeout=15,
                                  describe=lambda: relay.health())
    assert "no video from OBS" in idle.reason and idle.restarts == 0, "OBS stopping is no platform failure"

    test_pattern(ingest.url)

    size = receiver.recorded_bytes()
    eventually_blocking(lambda: states(relay) == {"twitch": "pushing"}, timeout=20, describe=lambda: relay.health())
    eventually_blocking(lambda: receiver.recorded_bytes() > size + 5_000, timeout=10)


def test_status_is_ok_while_pushing_and_degraded_with_the_reason_when_a_push_fails(relay, rtmp_receivers, test_pattern):
    twitch, youtube = rtmp_receivers("twitch"), rtmp_receivers("youtube")
    assert relay.status()["state"] == "off"
    ingest = relay.start([Ingest("twitch", twitch.server, twitch.key), Ingest("youtube", youtube.server, youtube.key)])
    assert relay.status() == {"state": "ok", "detail": "waiting for OBS's stream", "targets": relay.status()["targets"]}
    test_pattern(ingest.url)
    eventually_blocking(lambda: relay.status()["detail"] == "pushing to twitch, youtube", timeout=20,
                        describe=lambda: relay.status())

    twitch.stop()

    status = eventually_blocking(lambda: relay.status() if relay.status()["state"] == "degraded" else None,
                                 timeout=15, describe=lambda: relay.status())
    assert status["detail"].startswith("twitch push failed (")
    assert [target["state"] for target in status["targets"]][1] == "pushing"


def test_a_dead_local_ingest_is_restarted_on_the_same_port_and_the_pushes_resume(relay, rtmp_receivers, test_pattern):
    receiver = rtmp_receivers("twitch")
    ingest = relay.start([Ingest("twitch", receiver.server, receiver.key)])
    test_pattern(ingest.url)
    eventually_blocking(lambda: states(relay) == {"twitch": "pushing"}, timeout=20, describe=lambda: relay.health())
    first_nginx = relay.nginx.pid

    os.kill(first_nginx, signal.SIGKILL)

    eventually_blocking(lambda: "the local ingest (nginx) stopped" in relay.status()["detail"], timeout=10,
                        describe=lambda: relay.status())
    eventually_blocking(lambda: relay.nginx is not None and relay.nginx.pid != first_nginx
                        and not relay.ingest_problem, timeout=10, describe=lambda: relay.status())
    test_pattern(ingest.url)  # OBS reconnects by itself; the test pattern publisher does not
    eventually_blocking(lambda: states(relay) == {"twitch": "pushing"}, timeout=20, describe=lambda: relay.health())


LEFT_BEHIND = textwrap.dedent("""
    import json, sys, time
    from livekit.relay import Ingest, Relay
    relay = Relay(sys.argv[1])
    ingest = relay.start([Ingest("twitch", sys.argv[2], "key")])
    print(json.dumps({"ingest": ingest.url}), flush=True)
    time.sleep(60)
""")


def test_a_relay_started_after_a_crash_stops_exactly_the_processes_the_crashed_one_left(
        tmp_path, rtmp_receivers, test_pattern):
    receiver = rtmp_receivers("twitch")
    directory = tmp_path / "relay"
    crashed = subprocess.Popen([sys.executable, "-c", LEFT_BEHIND, str(directory), receiver.server],
                               stdout=subprocess.PIPE, text=True)
    try:
        ingest = json.loads(crashed.stdout.readline())["ingest"]
        test_pattern(ingest)
        eventually_blocking(lambda: len(json.loads((directory / "relay.pids").read_text())) == 2, timeout=20)
        orphans = [entry["pid"] for entry in json.loads((directory / "relay.pids").read_text())]
    finally:
        crashed.send_signal(signal.SIGKILL)
        crashed.wait()
    assert all(running(pid) for pid in orphans), "kill -9 of livekit leaves nginx and ffmpeg running"

    relay = Relay(directory)
    try:
        relay.start([Ingest("twitch", receiver.server, receiver.key)])
        assert not any(running(pid) for pid in orphans)
        assert receiver.process.poll() is None, "only the relay's own processes are stopped"
    finally:
        relay.stop()
