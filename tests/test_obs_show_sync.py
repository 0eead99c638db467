"""OBS follows the show: state applied through a real headless OBS, kept and resynced across an OBS crash.

Privacy of the prompt on program is proved in test_obs_program_privacy.py; here the prompt is read back
from the prompter scene."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import pytest

from greenroom.backoff import Backoff
from livekit.obs.adapter import ObsAdapter, ObsRequestError
from livekit.obs.headless import DEFAULT_SCENES
from livekit.obs.settings import ObsSettings
from livekit.obs.show_sync import ObsShowState, ObsShowSync
from tests.fixtures.obs import unique_source_name
from tests.helpers import eventually

pytestmark = pytest.mark.obs

#: Connecting to a (possibly just started) OBS on a loaded machine.
CONNECT_TIMEOUT = 10.0


@pytest.fixture
def sources(request):
    """Fresh text source and prompter scene names per test (OBS keeps removed inputs around for a while);
    the prompter scene is removed again from the shared OBS."""
    names = {"prompt_source": unique_source_name("Prompt"), "lower_third_source": unique_source_name("Lower Third"),
             "prompter_scene": unique_source_name("Prompter")}
    yield names
    if "obs_server" in request.fixturenames:
        server = request.getfixturevalue("obs_server")
        with ObsAdapter(server.host, server.port, server.password, timeout=5) as adapter:
            if names["prompter_scene"] in adapter.scene_names():
                adapter.call("RemoveScene", sceneName=names["prompter_scene"])


def scene_sources(adapter: ObsAdapter, scene: str) -> list[str]:
    return [item["sourceName"] for item in adapter.call("GetSceneItemList", sceneName=scene)["sceneItems"]]


def show_sync_for(server, sources, **options) -> ObsShowSync:
    adapter = ObsAdapter(server.host, server.port, server.password, timeout=2, backoff=Backoff(first_ms=50, max_ms=300))
    return ObsShowSync(adapter, **{"health_interval": 0.2, **sources, **options})


async def test_applied_state_switches_the_scene_and_shows_prompt_and_lower_third(obs_server, obs_adapter, sources):
    async with show_sync_for(obs_server, sources, lower_third="text") as sync:
        await eventually(lambda: sync.health.connected, CONNECT_TIMEOUT)
        acknowledged = await sync.apply(ObsShowState(program_scene="Interview", prompt_text="Ask about the launch",
                                                     lower_third_text="Ada Lovelace — Analyst"))

    assert acknowledged is True
    assert obs_adapter.current_program_scene() == "Interview"
    assert obs_adapter.get_text(sources["prompt_source"]) == "Ask about the launch"
    assert obs_adapter.get_text(sources["lower_third_source"]) == "Ada Lovelace — Analyst"
    assert sources["lower_third_source"] in scene_sources(obs_adapter, "Interview")
    assert sources["prompt_source"] not in scene_sources(obs_adapter, "Interview")
    assert sources["prompt_source"] in scene_sources(obs_adapter, sources["prompter_scene"])


async def test_a_partial_change_keeps_the_rest_of_the_wanted_state(obs_server, obs_adapter, sources):
    async with show_sync_for(obs_server, sources) as sync:
        await eventually(lambda: sync.health.connected, CONNECT_TIMEOUT)
        await sync.apply(program_scene="Interview", prompt_text="first prompt")
        await sync.apply(prompt_text="second prompt")

        assert sync.desired == ObsShowState(program_scene="Interview", prompt_text="second prompt")
    assert obs_adapter.current_program_scene() == "Interview"
    assert obs_adapter.get_text(sources["prompt_source"]) == "second prompt"


async def test_switching_scene_brings_a_text_lower_third_into_the_new_scene(obs_server, obs_adapter, sources):
    async with show_sync_for(obs_server, sources, lower_third="text") as sync:
        await eventually(lambda: sync.health.connected, CONNECT_TIMEOUT)
        await sync.apply(program_scene="Intro", prompt_text="hello", lower_third_text="Grace Hopper")
        await sync.apply(program_scene="Outro")

    assert sources["lower_third_source"] in scene_sources(obs_adapter, "Outro")
    assert sources["prompt_source"] not in scene_sources(obs_adapter, "Outro")
    assert obs_adapter.get_text(sources["lower_third_source"]) == "Grace Hopper"


async def test_a_missing_scene_is_refused_but_the_prompt_still_changes(obs_server, obs_adapter, sources):
    async with show_sync_for(obs_server, sources) as sync:
        await eventually(lambda: sync.health.connected, CONNECT_TIMEOUT)
        with pytest.raises(ObsRequestError, match="SetCurrentProgramScene"):
            await sync.apply(program_scene="Backstage", prompt_text="still shown")

    assert obs_adapter.current_program_scene() == "Intro"
    assert obs_adapter.get_text(sources["prompt_source"]) == "still shown"


async def test_text_source_names_and_port_come_from_the_workspace_settings(obs_server, obs_adapter, workspace, sources):
    workspace.config_path.write_text(
        f'[obs]\nport = {obs_server.port}\nprompt_source = "{sources["prompt_source"]}"\n'
        f'prompter_scene = "{sources["prompter_scene"]}"\n', encoding="utf-8")
    settings = ObsSettings.from_workspace(workspace, password=obs_server.password)

    async with ObsShowSync.from_settings(settings, health_interval=0.2) as sync:
        await eventually(lambda: sync.health.connected, CONNECT_TIMEOUT)
        await sync.apply(prompt_text="from settings")

    assert obs_adapter.get_text(sources["prompt_source"]) == "from settings"
    assert sources["prompt_source"] in scene_sources(obs_adapter, sources["prompter_scene"])


async def test_health_snapshot_reports_outputs_and_frame_rate(obs_server, obs_adapter, sources):
    snapshots = []
    async with show_sync_for(obs_server, sources) as sync:
        sync.add_health_listener(snapshots.append)
        health = await eventually(lambda: sync.health.checked_at and sync.health, CONNECT_TIMEOUT)

    assert health.connected and health.error is None
    assert health.stream.state == "stopped" and health.record.state == "stopped"
    assert health.active_fps > 0
    assert snapshots and snapshots[-1] == health


async def test_wanting_a_recording_starts_it_and_not_wanting_it_stops_it(obs_server, obs_adapter, sources):
    async with show_sync_for(obs_server, sources) as sync:
        await eventually(lambda: sync.health.connected, CONNECT_TIMEOUT)
        await sync.apply(recording=True)
        recording = await eventually(lambda: obs_adapter.record_status().active, 5)
        await sync.apply(recording=False)

    assert recording
    assert not obs_adapter.record_status().active
    assert list(obs_server.record_dir.glob("*.mkv"))


async def test_after_obs_crashes_and_restarts_scene_texts_and_layout_are_resynced(obs_factory, sources):
    server = obs_factory()
    async with show_sync_for(server, sources, lower_third="text") as sync:
        await eventually(lambda: sync.health.connected, CONNECT_TIMEOUT)
        await sync.apply(program_scene="Questions", prompt_text="Q1: pricing?", lower_third_text="Grace Hopper")

        server.kill_obs()
        await eventually(lambda: not sync.health.connected, 5, describe="the sync did not notice OBS died")
        kept = await sync.apply(prompt_text="Q2: roadmap?")
        server.restart_obs()
        resynced = await eventually(lambda: sync.health.connected and sync.health.resyncs >= 2, 15,
                                    describe=lambda: sync.health)

    assert kept is False
    assert resynced, sync.health
    with ObsAdapter(server.host, server.port, server.password) as fresh:
        assert fresh.current_program_scene() == "Questions"
        assert fresh.get_text(sources["prompt_source"]) == "Q2: roadmap?"
        assert fresh.get_text(sources["lower_third_source"]) == "Grace Hopper"
        assert sources["prompt_source"] in scene_sources(fresh, sources["prompter_scene"])
        for scene in DEFAULT_SCENES:
            assert sources["prompt_source"] not in scene_sources(fresh, scene)
        lower_third = fresh.call("GetSceneItemId", sceneName="Questions", sourceName=sources["lower_third_source"])
        transform = fresh.call("GetSceneItemTransform", sceneName="Questions",
                               sceneItemId=lower_third["sceneItemId"])["sceneItemTransform"]
        assert transform["boundsType"] != "OBS_BOUNDS_NONE"


class PortWatcher:
    """Notes the moment a port starts accepting TCP connections again (checked every 10 ms)."""

    def __init__(self, host: str, port: int) -> None:
        self.accepting_at: float | None = None
        self._address = (host, port)
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while self.accepting_at is None:
            try:
                socket.create_connection(self._address, timeout=0.05).close()
            except OSError:
                time.sleep(0.01)
                continue
            self.accepting_at = time.monotonic()


async def test_a_restarted_obs_gets_scene_texts_and_outputs_back_within_a_second_of_accepting(obs_factory, sources):
    server = obs_factory()
    # The backoff `livekit run` uses (250 ms doubling to 5 s): after a long outage the old reconnect loop
    # slept up to 5 s more after OBS was back.
    adapter = ObsAdapter(server.host, server.port, server.password, timeout=2)
    resynced_at: list[float] = []
    async with ObsShowSync(adapter, health_interval=0.5, lower_third="text", **sources) as sync:
        sync.add_health_listener(lambda health: resynced_at.append(time.monotonic()) if health.resyncs == 2 else None)
        await eventually(lambda: sync.health.connected, CONNECT_TIMEOUT)
        await sync.apply(program_scene="Questions", prompt_text="Q1: pricing?", lower_third_text="Grace Hopper",
                         recording=True)

        server.kill_obs()
        await eventually(lambda: not sync.health.connected, 5, describe="the sync did not notice OBS died")
        await sync.apply(prompt_text="Q2: roadmap?")
        await asyncio.sleep(8)  # a long outage: the old backoff had grown to its 5 s cap by now
        watcher = PortWatcher(server.host, server.port)
        await asyncio.to_thread(server.restart_obs)
        await eventually(lambda: sync.health.resyncs >= 2, 15, describe=lambda: sync.health)

        assert watcher.accepting_at is not None
        assert resynced_at[0] - watcher.accepting_at <= 1.0, sync.health
        with ObsAdapter(server.host, server.port, server.password) as fresh:
            assert fresh.current_program_scene() == "Questions"
            assert fresh.get_text(sources["prompt_source"]) == "Q2: roadmap?"
            assert fresh.get_text(sources["lower_third_source"]) == "Grace Hopper"
            assert fresh.record_status().active
        await sync.apply(recording=False)


async def test_a_show_can_start_before_obs_is_up(obs_factory, sources):
    server = obs_factory()
    server.kill_obs()
    async with show_sync_for(server, sources) as sync:
        kept = await sync.apply(program_scene="Outro", prompt_text="we start soon")
        server.restart_obs()
        await eventually(lambda: sync.health.connected and sync.health.resyncs >= 1, 15)

    assert kept is False
    with ObsAdapter(server.host, server.port, server.password) as fresh:
        assert fresh.current_program_scene() == "Outro"
        assert fresh.get_text(sources["prompt_source"]) == "we start soon"
