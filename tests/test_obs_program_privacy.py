"""Nothing private reaches OBS program output: the host's prompt lives only in the prompter scene.

Proved against a real headless OBS by reading what program shows (scene items, their visibility,
a rendered screenshot) while a show runs through ObsShowSync; plus the layout and the config choices.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from greenroom.errors import ConfigError
from livekit.obs.adapter import ObsAdapter, ObsRequestError
from livekit.obs.headless import DEFAULT_SCENES
from livekit.obs.settings import PASSWORD_ENV, LowerThirdMode, ObsSettings
from livekit.obs.show_sync import (
    Canvas,
    ObsShowSync,
    PrompterSceneOnProgramError,
    lower_third_layout,
    prompter_layout,
)
from tests.fixtures.obs import unique_source_name
from tests.helpers import eventually

PRIVATE_PROMPT = "Read sponsor copy: code CEL12"
GUEST = "Ada Lovelace — Analyst"


@pytest.fixture
def names(obs_server) -> Iterator[dict[str, str]]:
    """Fresh source and prompter-scene names per test; the prompter scene is removed from the shared OBS after."""
    chosen = {"prompt_source": unique_source_name("Prompt"), "lower_third_source": unique_source_name("Lower Third"),
              "prompter_scene": unique_source_name("Prompter")}
    yield chosen
    with ObsAdapter(obs_server.host, obs_server.port, obs_server.password, timeout=5) as adapter:
        if chosen["prompter_scene"] in adapter.scene_names():
            adapter.call("RemoveScene", sceneName=chosen["prompter_scene"])


def show_sync_for(server, names, **options) -> ObsShowSync:
    adapter = ObsAdapter(server.host, server.port, server.password, timeout=2)
    return ObsShowSync(adapter, **{"health_interval": 0.2, **names, **options})


def items_of(adapter: ObsAdapter, scene: str) -> dict[str, dict]:
    return {item["sourceName"]: item for item in adapter.call("GetSceneItemList", sceneName=scene)["sceneItems"]}


def program_scenes(adapter: ObsAdapter, names) -> list[str]:
    return [scene for scene in adapter.scene_names() if scene != names["prompter_scene"]]


def screenshot(adapter: ObsAdapter, source: str) -> str:
    """The rendered frame of ``source`` once it is settled: a text source redraws on a later video tick
    than the change, so shots are taken until two in a row are the same."""
    previous = None
    for _ in range(50):
        shot = adapter.call("GetSourceScreenshot", sourceName=source, imageFormat="png")["imageData"]
        if shot == previous:
            return shot
        previous = shot
        time.sleep(0.05)
    raise AssertionError(f"the rendering of {source!r} never settled")


def canvas_of(adapter: ObsAdapter) -> Canvas:
    video = adapter.call("GetVideoSettings")
    return Canvas(video["baseWidth"], video["baseHeight"])


def transform_of(adapter: ObsAdapter, scene: str, item: dict) -> dict:
    return adapter.call("GetSceneItemTransform", sceneName=scene,
                        sceneItemId=item["sceneItemId"])["sceneItemTransform"]


def assert_inside_canvas(transform: dict, canvas: Canvas) -> None:
    assert transform["boundsType"] != "OBS_BOUNDS_NONE"
    assert transform["positionX"] >= 0 and transform["positionX"] + transform["boundsWidth"] <= canvas.width
    assert transform["positionY"] >= 0 and transform["positionY"] + transform["boundsHeight"] <= canvas.height


@pytest.mark.obs
async def test_during_a_show_no_prompt_is_in_or_visible_on_any_program_scene(obs_server, obs_adapter, names):
    async with show_sync_for(obs_server, names, lower_third="text") as sync:
        await eventually(lambda: sync.health.connected)
        for scene in DEFAULT_SCENES:
            await sync.apply(program_scene=scene, prompt_text="", lower_third_text=GUEST)
            program_without_prompt = screenshot(obs_adapter, scene)
            prompter_without_prompt = screenshot(obs_adapter, names["prompter_scene"])

            await sync.apply(prompt_text=PRIVATE_PROMPT)

            program = obs_adapter.current_program_scene()
            assert program == scene
            items = items_of(obs_adapter, program)
            assert names["prompt_source"] not in items and names["prompter_scene"] not in items
            assert items[names["lower_third_source"]]["sceneItemEnabled"]
            assert screenshot(obs_adapter, program) == program_without_prompt
            assert screenshot(obs_adapter, names["prompter_scene"]) != prompter_without_prompt
        for other in program_scenes(obs_adapter, names):
            assert names["prompt_source"] not in items_of(obs_adapter, other), other
    assert obs_adapter.get_text(names["prompt_source"]) == PRIVATE_PROMPT


@pytest.mark.obs
async def test_the_prompter_scene_holds_the_prompt_wrapped_inside_the_canvas(obs_server, obs_adapter, names):
    async with show_sync_for(obs_server, names) as sync:
        await eventually(lambda: sync.health.connected)
        await sync.apply(program_scene="Interview", prompt_text=PRIVATE_PROMPT * 20)

    canvas = canvas_of(obs_adapter)
    prompt = items_of(obs_adapter, names["prompter_scene"])[names["prompt_source"]]
    assert prompt["sceneItemEnabled"]
    assert obs_adapter.get_text(names["prompt_source"]) == PRIVATE_PROMPT * 20
    assert_inside_canvas(transform_of(obs_adapter, names["prompter_scene"], prompt), canvas)
    settings = obs_adapter.call("GetInputSettings", inputName=names["prompt_source"])["inputSettings"]
    assert settings["word_wrap"] is True and 0 < settings["custom_width"] <= canvas.width
    assert settings["font"]["size"] == prompter_layout(canvas).font_size


@pytest.mark.obs
async def test_the_show_never_puts_the_prompter_scene_on_program(obs_server, obs_adapter, names):
    async with show_sync_for(obs_server, names) as sync:
        await eventually(lambda: sync.health.connected)
        await sync.apply(program_scene="Questions")
        with pytest.raises(PrompterSceneOnProgramError, match="never goes on program"):
            await sync.apply(program_scene=names["prompter_scene"], prompt_text=PRIVATE_PROMPT)

    assert obs_adapter.current_program_scene() == "Questions"
    assert obs_adapter.get_text(names["prompt_source"]) == PRIVATE_PROMPT


@pytest.mark.obs
def test_check_refuses_a_segment_on_the_prompter_scene(livekit_cli, obs_server, tmp_path):
    rundown = tmp_path / "prompter.yaml"
    rundown.write_text("title: T\nsegments:\n  - title: Ads\n    duration: 5\n    scene: Greenroom Prompter\n")

    outcome = livekit_cli("check", "--obs-port", obs_server.port, rundown, env={PASSWORD_ENV: obs_server.password})

    assert outcome.exit_code == 1
    assert outcome.stdout == (f"{rundown}:5: segment 1 (Ads): 'Greenroom Prompter' is the prompter scene "
                              "([obs] prompter_scene); it shows the host's private prompts and never goes on program\n")


@pytest.mark.obs
async def test_a_text_lower_third_sits_in_the_bottom_third_within_the_canvas(obs_server, obs_adapter, names):
    async with show_sync_for(obs_server, names, lower_third="text") as sync:
        await eventually(lambda: sync.health.connected)
        await sync.apply(program_scene="Interview", lower_third_text=GUEST * 10)

    canvas = canvas_of(obs_adapter)
    item = items_of(obs_adapter, "Interview")[names["lower_third_source"]]
    transform = transform_of(obs_adapter, "Interview", item)
    assert_inside_canvas(transform, canvas)
    assert transform["positionY"] >= canvas.height * 2 / 3
    settings = obs_adapter.call("GetInputSettings", inputName=names["lower_third_source"])["inputSettings"]
    assert settings["font"]["size"] == lower_third_layout(canvas).font_size


@pytest.mark.obs
async def test_with_the_overlay_lower_third_no_text_source_is_created(obs_server, obs_adapter, names):
    async with show_sync_for(obs_server, names, lower_third="overlay") as sync:
        await eventually(lambda: sync.health.connected)
        await sync.apply(program_scene="Interview", prompt_text=PRIVATE_PROMPT, lower_third_text=GUEST)
        await sync.apply(program_scene="Outro")

    for scene in program_scenes(obs_adapter, names):
        assert names["lower_third_source"] not in items_of(obs_adapter, scene)
    with pytest.raises(ObsRequestError, match="ResourceNotFound"):
        obs_adapter.call("GetInputSettings", inputName=names["lower_third_source"])


@pytest.mark.obs
async def test_an_older_layout_prompt_in_program_scenes_is_removed_at_startup(obs_server, obs_adapter, names):
    for scene in ("Intro", "Interview"):  # what older versions did: visible, at (0, 0), in every program scene
        obs_adapter.ensure_text_source(scene, names["prompt_source"])
    obs_adapter.set_text(names["prompt_source"], PRIVATE_PROMPT)

    async with show_sync_for(obs_server, names) as sync:
        await eventually(lambda: sync.health.connected)

    for scene in program_scenes(obs_adapter, names):
        assert names["prompt_source"] not in items_of(obs_adapter, scene), scene
    assert names["prompt_source"] in items_of(obs_adapter, names["prompter_scene"])
    assert obs_adapter.get_text(names["prompt_source"]) == PRIVATE_PROMPT


@pytest.mark.obs
async def test_an_older_layout_lower_third_is_hidden_when_the_overlay_draws_it(obs_server, obs_adapter, names):
    obs_adapter.ensure_text_source("Interview", names["lower_third_source"])

    async with show_sync_for(obs_server, names, lower_third="overlay") as sync:
        await eventually(lambda: sync.health.connected)

    assert not items_of(obs_adapter, "Interview")[names["lower_third_source"]]["sceneItemEnabled"]


@pytest.mark.obs
async def test_a_prompt_put_into_a_program_scene_by_hand_is_taken_out_again(obs_server, obs_adapter, names):
    async with show_sync_for(obs_server, names) as sync:
        await eventually(lambda: sync.health.connected)
        await sync.apply(program_scene="Interview", prompt_text=PRIVATE_PROMPT)
        obs_adapter.call("CreateSceneItem", sceneName="Interview", sourceName=names["prompt_source"])
        obs_adapter.call("CreateSceneItem", sceneName="Interview", sourceName=names["prompter_scene"])

        cleaned = await eventually(lambda: not {names["prompt_source"], names["prompter_scene"]}
                                   & set(items_of(obs_adapter, "Interview")), 5)

    assert cleaned, items_of(obs_adapter, "Interview")


@pytest.mark.obs
async def test_a_prompter_scene_put_on_program_by_hand_gets_a_blank_prompt_until_program_changes(
        obs_server, obs_adapter, names):
    async with show_sync_for(obs_server, names) as sync:
        await eventually(lambda: sync.health.connected)
        await sync.apply(program_scene="Interview", prompt_text=PRIVATE_PROMPT)

        obs_adapter.set_program_scene(names["prompter_scene"])
        blanked = await eventually(lambda: obs_adapter.get_text(names["prompt_source"]) == "", 5)
        reported = await eventually(lambda: "prompter scene" in (sync.health.error or ""), 5)
        await sync.apply(program_scene="Questions", prompt_text="Ask about pricing")

    assert blanked and reported
    assert sync.health.error is None
    assert obs_adapter.current_program_scene() == "Questions"
    assert obs_adapter.get_text(names["prompt_source"]) == "Ask about pricing"


def test_the_prompter_layout_keeps_the_prompt_inside_any_canvas():
    for canvas in (Canvas(640, 360), Canvas(1920, 1080), Canvas(1080, 1920)):
        layout = prompter_layout(canvas)

        assert layout.word_wrap and layout.input_settings()["custom_width"] == layout.width
        assert layout.x > 0 and layout.x + layout.width < canvas.width
        assert layout.y > 0 and layout.y + layout.height < canvas.height


def test_the_lower_third_layout_is_in_the_bottom_third_and_scales_with_the_canvas():
    small, large = lower_third_layout(Canvas(640, 360)), lower_third_layout(Canvas(1920, 1080))

    for layout, canvas in ((small, Canvas(640, 360)), (large, Canvas(1920, 1080))):
        assert layout.y >= canvas.height * 2 / 3 and layout.y + layout.height <= canvas.height
        assert layout.x > 0 and layout.x + layout.width < canvas.width
    assert large.font_size / small.font_size == pytest.approx(3, rel=0.05)


def test_by_default_the_overlay_draws_the_lower_third_and_the_prompter_scene_has_its_default_name(workspace):
    settings = ObsSettings.from_workspace(workspace)

    assert settings.lower_third is LowerThirdMode.OVERLAY and settings.prompter_scene == "Greenroom Prompter"


def test_the_lower_third_mode_and_the_prompter_scene_come_from_the_config(workspace):
    workspace.config_path.write_text('[obs]\nlower_third = "text"\nprompter_scene = "Host Monitor"\n',
                                     encoding="utf-8")
    settings = ObsSettings.from_workspace(workspace)

    assert settings.lower_third is LowerThirdMode.TEXT and settings.prompter_scene == "Host Monitor"


def test_an_unknown_lower_third_choice_is_a_config_error(workspace):
    workspace.config_path.write_text('[obs]\nlower_third = "both"\n', encoding="utf-8")

    with pytest.raises(ConfigError, match="lower_third must be one of overlay, text, off"):
        ObsSettings.from_workspace(workspace)


def test_the_prompt_source_cannot_double_as_the_lower_third(workspace):
    workspace.config_path.write_text('[obs]\nlower_third_source = "Greenroom Prompt"\n', encoding="utf-8")

    with pytest.raises(ConfigError, match="three different names"):
        ObsSettings.from_workspace(workspace)
