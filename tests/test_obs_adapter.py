"""The OBS adapter against a real headless OBS Studio (obs-websocket 5)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from pathlib import Path

import pytest

from livekit.obs.adapter import ObsAdapter, ObsAuthError, ObsConnectionError, ObsError, ObsRequestError
from livekit.obs.headless import DEFAULT_SCENES
from tests.fixtures.obs import unique_source_name
from tests.helpers import eventually_blocking, free_port

pytestmark = pytest.mark.obs


def test_version_names_obs_and_its_websocket_server(obs_adapter):
    version = obs_adapter.version()

    assert version.obs_version.split(".")[0].isdigit()
    assert version.websocket_version.startswith("5.")


def test_scene_names_are_listed_in_the_order_obs_shows_them(obs_adapter):
    assert obs_adapter.scene_names() == list(DEFAULT_SCENES)


def test_program_scene_switch_is_read_back(obs_adapter):
    obs_adapter.set_program_scene("Interview")

    assert obs_adapter.current_program_scene() == "Interview"


def test_refused_request_names_the_request_status_code_and_reason(obs_adapter):
    with pytest.raises(ObsRequestError) as caught:
        obs_adapter.set_program_scene("No Such Scene")

    assert caught.value.request == "SetCurrentProgramScene"
    assert caught.value.code == 600
    assert "SetCurrentProgramScene" in str(caught.value)
    assert "600 ResourceNotFound" in str(caught.value)
    assert "No Such Scene" in str(caught.value)


def test_unknown_request_type_is_refused_not_ignored(obs_adapter):
    with pytest.raises(ObsRequestError) as caught:
        obs_adapter.call("GetSceneListt")

    assert caught.value.code == 204


def items_named(adapter, scene: str, name: str) -> list[dict]:
    return [item for item in adapter.call("GetSceneItemList", sceneName=scene)["sceneItems"]
            if item["sourceName"] == name]


def test_text_source_is_created_in_the_scene_and_its_text_round_trips(obs_adapter):
    name = unique_source_name("Prompt")

    created = obs_adapter.ensure_text_source("Intro", name)
    obs_adapter.set_text(name, "Welcome <b>Ada</b> & \"friends\" — ✓")

    assert created is True
    assert obs_adapter.get_text(name) == "Welcome <b>Ada</b> & \"friends\" — ✓"
    assert len(items_named(obs_adapter, "Intro", name)) == 1


def test_ensuring_an_existing_text_source_changes_nothing(obs_adapter):
    name = unique_source_name("Prompt")
    obs_adapter.ensure_text_source("Intro", name)

    assert obs_adapter.ensure_text_source("Intro", name) is False
    assert len(items_named(obs_adapter, "Intro", name)) == 1


def test_text_source_added_to_a_second_scene_shares_the_same_text(obs_adapter):
    name = unique_source_name("Prompt")
    obs_adapter.ensure_text_source("Intro", name)
    obs_adapter.set_text(name, "same everywhere")

    assert obs_adapter.ensure_text_source("Outro", name) is True
    assert len(items_named(obs_adapter, "Outro", name)) == 1
    assert obs_adapter.get_text(name) == "same everywhere"


def test_a_non_text_source_with_the_wanted_name_is_refused(obs_adapter):
    with pytest.raises(ObsError, match="not a text source"):
        obs_adapter.ensure_text_source("Intro", "Questions")


def test_recording_writes_a_file_into_the_record_directory(obs_adapter, obs_server):
    assert Path(obs_adapter.record_directory()) == obs_server.record_dir

    obs_adapter.start_record()
    eventually_blocking(lambda: (status := obs_adapter.record_status()).active and status.bytes > 0, 10,
                        interval=0.05)
    output = Path(obs_adapter.stop_record())

    assert output.parent == obs_server.record_dir
    assert output.is_file() and output.stat().st_size > 0


def test_stats_report_frame_rate_and_skipped_frames(obs_adapter):
    stats = obs_adapter.get_stats()

    assert stats["activeFps"] > 0
    assert "renderSkippedFrames" in stats and "outputSkippedFrames" in stats


def test_wrong_password_is_rejected_with_a_clear_error(obs_server):
    adapter = ObsAdapter(obs_server.host, obs_server.port, "not-the-password", timeout=5)
    try:
        with pytest.raises(ObsAuthError, match="OBS rejected the websocket password"):
            adapter.connect()
        assert not adapter.connected
    finally:
        adapter.close()


async def test_async_calls_from_many_tasks_are_all_answered(obs_adapter):
    scenes = await asyncio.gather(*(obs_adapter.acall("GetCurrentProgramScene") for _ in range(20)))
    await obs_adapter.arun(obs_adapter.set_program_scene, "Questions")

    assert {scene["currentProgramSceneName"] for scene in scenes} == {"Intro"}
    assert await obs_adapter.arun(obs_adapter.current_program_scene) == "Questions"


async def test_obs_events_arrive_on_an_asyncio_queue(obs_adapter):
    events = obs_adapter.event_queue(asyncio.get_running_loop())

    await obs_adapter.arun(obs_adapter.set_program_scene, "Outro")

    async def scene_change():
        while True:
            event = await events.get()
            if event.type == "CurrentProgramSceneChanged":
                return event

    event = await asyncio.wait_for(scene_change(), 5)
    assert event.data["sceneName"] == "Outro"


def test_calls_run_on_one_worker_thread_not_the_callers(obs_adapter):
    seen = []
    obs_adapter.call("GetVersion")
    obs_adapter._on_worker(lambda: seen.append(threading.current_thread().name))
    other = threading.Thread(target=lambda: obs_adapter._on_worker(
        lambda: seen.append(threading.current_thread().name)))
    other.start()
    other.join()

    assert len(set(seen)) == 1 and seen[0].startswith("obs-worker")


def test_nothing_listening_fails_fast_with_a_clear_error():
    port = free_port()  # nobody listens there
    adapter = ObsAdapter("127.0.0.1", port, "pw", timeout=5)
    started = time.monotonic()
    try:
        with pytest.raises(ObsConnectionError, match=f"cannot connect to OBS at 127.0.0.1:{port}"):
            adapter.connect()
    finally:
        adapter.close()
    assert time.monotonic() - started < 5


def test_a_server_that_never_answers_times_out_after_the_connect_timeout():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        adapter = ObsAdapter("127.0.0.1", silent.getsockname()[1], "pw", timeout=0.5)
        started = time.monotonic()
        try:
            with pytest.raises(ObsConnectionError, match="timed out"):
                adapter.connect()
        finally:
            adapter.close()
    assert time.monotonic() - started < 2
