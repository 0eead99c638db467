"""OBS follows the show: the show says what OBS should look like, this keeps OBS that way.

The show runner (asyncio) calls :meth:`ObsShowSync.apply` with the state it wants: program scene,
prompt text, lower-third text, streaming/recording. Only what differs from what OBS last acknowledged
is sent. The wanted state is remembered, so when OBS disappears (crash, restart, network) nothing is
lost: a background task reconnects and, as soon as OBS is back, pushes the whole state again (scene,
texts, the layout below, outputs; counted in ``health.resyncs``). "As soon as" is the rule of
:meth:`livekit.obs.adapter.ObsAdapter.areconnect`: a closed port is probed every 0.1 s and connected to the
moment it accepts (a restarted OBS is resynced within a second), while an OBS that answers and still fails
is retried with backoff. The same task polls stream health every few seconds into :attr:`ObsShowSync.health`.

Nothing private reaches program output, by construction:

- The host's prompt lives only in the prompter scene (``[obs] prompter_scene``, default
  ``Greenroom Prompter``), made for a Fullscreen Projector on the presenter's screen and created if
  missing. Its text source is word-wrapped and bounded inside the canvas. The show never switches
  program to that scene: :meth:`ObsShowSync.apply` refuses it.
- On every (re)connection, and whenever OBS reports the prompt source or the prompter scene being
  added to another scene, the prompt source (and any nested copy of the prompter scene) is *removed*
  from every other scene. Removed, not hidden: a hidden item goes on air with one click on its eye icon.
  This also cleans up older Greenroom versions, which put a visible prompt into every program scene.
  No prompt text is sent to OBS until this check has passed on the current connection.
- The lower third is drawn by ONE thing, chosen by ``[obs] lower_third`` (see
  :class:`~livekit.obs.settings.LowerThirdMode`): the ``/overlay`` Browser Source (default), an OBS text
  source, or nothing. Only ``text`` creates the text source, in each program scene the show uses, styled
  from the canvas (font size from its height, in its bottom third, width-bounded). With ``overlay`` or
  ``off`` a lower-third text source left by an older version is hidden in every scene, so the name is
  not on screen twice.

It takes plain values and knows nothing about rundowns, so the show core stays free of I/O.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from livekit.obs.adapter import (
    STATUS_INVALID_RESOURCE_TYPE,
    STATUS_RESOURCE_NOT_FOUND,
    TEXT_SOURCE_KIND,
    ObsAdapter,
    ObsAuthError,
    ObsConnectionError,
    ObsError,
    ObsEvent,
    ObsKickedError,
    ObsRequestError,
    OutputStatus,
)
from livekit.obs.settings import (
    DEFAULT_LOWER_THIRD_SOURCE,
    DEFAULT_PROMPT_SOURCE,
    DEFAULT_PROMPTER_SCENE,
    LowerThirdMode,
    ObsSettings,
)

log = logging.getLogger(__name__)

DEFAULT_HEALTH_INTERVAL = 3.0

#: OBS alignment flags (obs-defs.h): an item's position is its top-left corner, etc.
ALIGN_LEFT, ALIGN_TOP, ALIGN_BOTTOM = 1, 4, 8
#: Text that fits is drawn at its font size; longer text is scaled down into the box, never up.
BOUNDS_SCALE_DOWN_ONLY = "OBS_BOUNDS_MAX_ONLY"
#: OBS events after which the prompt may have been put into a program scene (by hand, by duplicating a scene).
FONT_FACE = "Sans Serif"


@dataclass(frozen=True)
class Canvas:
    """OBS's base (canvas) resolution, which program output is drawn on."""

    width: int
    height: int


@dataclass(frozen=True)
class TextLayout:
    """How a Greenroom text source is drawn: font size and the box (canvas pixels) it must stay inside."""

    font_size: int
    x: int
    y: int
    width: int
    height: int
    word_wrap: bool
    outlined: bool
    bounds_alignment: int

    def input_settings(self) -> dict[str, Any]:
        """text_ft2_source_v2 settings: the font, and wrapping at the box width for running text."""
        return {
            "font": {"face": FONT_FACE, "size": self.font_size, "style": "Regular", "flags": 0},
            "word_wrap": self.word_wrap,
            "custom_width": self.width if self.word_wrap else 0,
            "outline": self.outlined,
            "drop_shadow": self.outlined,
        }

    def transform(self) -> dict[str, Any]:
        """The scene item transform: placed at the box's top-left, bounded by the box."""
        return {
            "positionX": self.x, "positionY": self.y, "alignment": ALIGN_LEFT | ALIGN_TOP,
            "boundsType": BOUNDS_SCALE_DOWN_ONLY, "boundsWidth": self.width, "boundsHeight": self.height,
            "boundsAlignment": self.bounds_alignment,
        }


def prompter_layout(canvas: Canvas) -> TextLayout:
    """The prompt fills the prompter scene: large type for a projector, wrapped inside a 5% margin."""
    margin = round(min(canvas.width, canvas.height) * 0.05)
    return TextLayout(font_size=max(12, canvas.height // 12), x=margin, y=margin,
                      width=max(1, canvas.width - 2 * margin), height=max(1, canvas.height - 2 * margin),
                      word_wrap=True, outlined=False, bounds_alignment=ALIGN_LEFT | ALIGN_TOP)


def lower_third_layout(canvas: Canvas) -> TextLayout:
    """A name strip in the canvas's bottom third: from 75% to 92% of the height, 5% side margins;
    a long name is scaled down to the width rather than running off screen."""
    margin = round(canvas.width * 0.05)
    top = round(canvas.height * 0.75)
    return TextLayout(font_size=max(12, canvas.height // 16), x=margin, y=top,
                      width=max(1, canvas.width - 2 * margin), height=max(1, round(canvas.height * 0.92) - top),
                      word_wrap=False, outlined=True, bounds_alignment=ALIGN_LEFT | ALIGN_BOTTOM)


class PrompterSceneOnProgramError(ObsError):
    """The prompter scene was asked for (or found) on program: it shows the host's private prompts."""

    def __init__(self, scene: str, *, by_hand: bool = False) -> None:
        if by_hand:
            message = (f"OBS has the prompter scene {scene!r} on program: the prompt is blanked and no prompt "
                       "is sent until program shows another scene")
        else:
            message = (f"scene {scene!r} is Greenroom's prompter scene ([obs] prompter_scene): it shows the "
                       "host's private prompts and never goes on program; give the segment another scene")
        super().__init__(message)


@dataclass(frozen=True)
class ObsShowState:
    """What the show wants OBS to show. ``None`` means "no opinion": that part of OBS is left alone."""

    program_scene: str | None = None
    prompt_text: str | None = None
    lower_third_text: str | None = None
    streaming: bool | None = None
    recording: bool | None = None

    def merged(self, changes: ObsShowState) -> ObsShowState:
        """This state with every field that ``changes`` has an opinion on replaced."""
        updates = {name: value for name, value in dataclasses.asdict(changes).items() if value is not None}
        return dataclasses.replace(self, **updates)


@dataclass(frozen=True)
class ObsHealth:
    """The latest view of OBS: reachable or not, outputs, performance, and the last problem seen."""

    connected: bool = False
    checked_at: float | None = None
    stream: OutputStatus | None = None
    record: OutputStatus | None = None
    active_fps: float | None = None
    cpu_usage: float | None = None
    render_skipped_frames: int = 0
    output_skipped_frames: int = 0
    resyncs: int = 0
    error: str | None = None


@dataclass
class _Applied:
    """What OBS acknowledged on the current connection (forgotten when the connection drops)."""

    state: ObsShowState = field(default_factory=ObsShowState)
    #: The privacy generation at the start of the last passed prompt check (-1: not checked yet).
    prompt_checked: int = -1
    canvas: Canvas | None = None
    lower_third_in: set[str] = field(default_factory=set)


class ObsShowSync:
    """Keeps one OBS in the state the show wants, across OBS restarts. Use from one asyncio loop."""

    def __init__(self, adapter: ObsAdapter, *, prompt_source: str = DEFAULT_PROMPT_SOURCE,
                 lower_third_source: str = DEFAULT_LOWER_THIRD_SOURCE,
                 prompter_scene: str = DEFAULT_PROMPTER_SCENE,
                 lower_third: LowerThirdMode | str = LowerThirdMode.OVERLAY,
                 health_interval: float = DEFAULT_HEALTH_INTERVAL, clock: Callable[[], float] = time.time) -> None:
        if len({prompt_source, lower_third_source, prompter_scene}) < 3:
            raise ValueError("prompt_source, lower_third_source and prompter_scene must be three different names")
        self.adapter = adapter
        self.prompt_source = prompt_source
        self.lower_third_source = lower_third_source
        self.prompter_scene = prompter_scene
        self.lower_third = LowerThirdMode(lower_third)
        self.health_interval = health_interval
        self._clock = clock
        self._desired = ObsShowState()
        self._applied = _Applied()
        self._health = ObsHealth()
        self._health_listeners: list[Callable[[ObsHealth], None]] = []
        self._push_lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._supervisor: asyncio.Task | None = None
        self._listener: Callable[[ObsEvent], None] | None = None
        self._privacy_generation = 0
        self._recheck_error: str | None = None

    @classmethod
    def from_settings(cls, settings: ObsSettings, **options: Any) -> ObsShowSync:
        return cls(settings.adapter(), prompt_source=settings.prompt_source,
                   lower_third_source=settings.lower_third_source, prompter_scene=settings.prompter_scene,
                   lower_third=settings.lower_third, **options)

    # -- observable state -------------------------------------------------------------------------

    @property
    def desired(self) -> ObsShowState:
        return self._desired

    @property
    def health(self) -> ObsHealth:
        return self._health

    def add_health_listener(self, callback: Callable[[ObsHealth], None]) -> None:
        """``callback(health)`` runs on the event loop after every change of :attr:`health`."""
        self._health_listeners.append(callback)

    def _update_health(self, **changes: Any) -> None:
        self._health = dataclasses.replace(self._health, **changes)
        for listener in list(self._health_listeners):
            try:
                listener(self._health)
            except Exception:
                log.exception("OBS health listener failed")

    # -- lifecycle --------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start following: connects in the background, so a show can start before OBS does."""
        if self._supervisor is not None:
            return
        loop = asyncio.get_running_loop()

        def on_event(event: ObsEvent) -> None:  # receive thread: only hand over to the loop
            if event.type == "ConnectionLost":
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(self._wake.set)
            elif self._may_expose_prompt(event):
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(self._recheck_privacy)

        self._listener = on_event
        self.adapter.add_listener(on_event)
        self._stopping.clear()
        self._supervisor = asyncio.create_task(self._supervise(), name="obs-show-sync")

    async def stop(self, *, close_adapter: bool = True) -> None:
        """Stop following (OBS keeps what it shows); closes the adapter unless told otherwise."""
        self._stopping.set()
        self._wake.set()
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
            self._supervisor = None
        if self._listener is not None:
            self.adapter.remove_listener(self._listener)
            self._listener = None
        if close_adapter:
            await asyncio.to_thread(self.adapter.close)

    async def __aenter__(self) -> ObsShowSync:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- applying ---------------------------------------------------------------------------------

    async def apply(self, changes: ObsShowState | None = None, /, **fields: Any) -> bool:
        """Make OBS show ``changes`` (merged into the wanted state; keyword fields work too).

        Returns True once OBS acknowledged every change, False if OBS is unreachable right now: the
        state is kept and pushed when OBS comes back. A change OBS refuses (e.g. a scene that does not
        exist) raises ObsRequestError; the rest of the state is still applied.
        """
        changes = (changes or ObsShowState())
        if fields:
            changes = dataclasses.replace(changes, **fields)
        self._desired = self._desired.merged(changes)
        async with self._push_lock:
            if not self.adapter.connected:
                self._wake.set()
                return False
            try:
                await self.adapter.arun(self._push, self._desired)
            except ObsConnectionError as error:
                self._connection_failed(error)
                return False
        if self._recheck_error is not None:  # all applied: the problem a recheck reported is over
            if self._health.error == self._recheck_error:
                self._update_health(error=None)
            self._recheck_error = None
        return True

    def _push(self, desired: ObsShowState) -> None:
        """Worker thread: send what differs from what OBS acknowledged; remember each acknowledgement."""
        applied = self._applied
        problems: list[ObsError] = []

        def attempt(step: Callable[[], None]) -> None:
            try:
                step()
            except ObsConnectionError:
                raise
            except ObsError as error:
                problems.append(error)

        if not self._prompt_private(applied):
            attempt(lambda: self._keep_prompt_private(applied))
        scene = desired.program_scene
        if scene is not None and scene != applied.state.program_scene:
            if scene == self.prompter_scene:
                problems.append(PrompterSceneOnProgramError(scene))
            else:
                def switch() -> None:
                    self.adapter.set_program_scene(scene)
                    applied.state = dataclasses.replace(applied.state, program_scene=scene)
                    if not self._prompt_private(applied):
                        # The check above failed before this switch (it may have taken the prompter scene
                        # off program): its problem is replaced by the outcome of checking again.
                        problems.clear()
                        self._keep_prompt_private(applied)
                attempt(switch)
        prompt = desired.prompt_text
        if prompt is not None and prompt != applied.state.prompt_text and self._prompt_private(applied):
            def send_prompt() -> None:
                self.adapter.set_text(self.prompt_source, prompt)
                applied.state = dataclasses.replace(applied.state, prompt_text=prompt)
            attempt(send_prompt)
        lower_third = desired.lower_third_text
        if lower_third is not None and self.lower_third is LowerThirdMode.TEXT:
            attempt(lambda: self._show_lower_third(applied, lower_third))
        for wanted, status, start, stop, field_name in (
            (desired.streaming, self.adapter.stream_status, self.adapter.start_stream, self.adapter.stop_stream,
             "streaming"),
            (desired.recording, self.adapter.record_status, self.adapter.start_record, self.adapter.stop_record,
             "recording"),
        ):
            if wanted is None or wanted == getattr(applied.state, field_name):
                continue
            try:
                active = status().active
                if wanted and not active:
                    start()
                elif not wanted and active:
                    stop()
                change: dict[str, Any] = {field_name: wanted}
                applied.state = dataclasses.replace(applied.state, **change)
            except ObsConnectionError:
                raise
            except ObsError as error:
                problems.append(error)
        if problems:
            raise problems[0]

    # -- layout: the prompt off program, the lower third in its place -----------------------------

    def _may_expose_prompt(self, event: ObsEvent) -> bool:
        """Receive thread: could this event have put the prompt into a scene other than the prompter?"""
        scene = event.data.get("sceneName")
        if event.type == "SceneCreated":
            return scene != self.prompter_scene
        if event.type == "CurrentProgramSceneChanged":
            return scene == self.prompter_scene
        return (event.type == "SceneItemCreated" and scene != self.prompter_scene
                and event.data.get("sourceName") in (self.prompt_source, self.prompter_scene))

    def _recheck_privacy(self) -> None:
        """Loop thread: run the prompt check again on the next turn of the background task.

        A generation counter rather than a flag, so an event that arrives while a check is running
        still forces the next one."""
        self._privacy_generation += 1
        self._wake.set()

    def _prompt_private(self, applied: _Applied) -> bool:
        """True once the prompt was found in the prompter scene only, with no OBS scene change since."""
        return applied.prompt_checked == self._privacy_generation

    def _canvas(self, applied: _Applied) -> Canvas:
        if applied.canvas is None:
            video = self.adapter.call("GetVideoSettings")
            applied.canvas = Canvas(int(video["baseWidth"]), int(video["baseHeight"]))
        return applied.canvas

    def _keep_prompt_private(self, applied: _Applied) -> None:
        """Worker thread: the prompt source in the prompter scene (created if missing), in no other scene,
        and the prompter scene not on program.

        The prompt goes into the prompter scene first, so an older version's prompt source keeps
        existing (and keeps its text) while it is taken out of the program scenes. If someone put the
        prompter scene on program by hand, the prompt is blanked and this raises: no prompt is sent
        until program shows another scene.
        """
        generation = self._privacy_generation
        canvas = self._canvas(applied)
        scenes = self.adapter.scene_names()
        if self.prompter_scene not in scenes:
            self.adapter.call("CreateScene", sceneName=self.prompter_scene)
            log.info("created the OBS scene %r for the host's prompt (open a Fullscreen Projector on it)",
                     self.prompter_scene)
        self._ensure_text_item(self.prompter_scene, self.prompt_source, prompter_layout(canvas))
        for scene in scenes:
            if scene == self.prompter_scene:
                continue
            for item in self.adapter.call("GetSceneItemList", sceneName=scene).get("sceneItems", []):
                source = item.get("sourceName")
                if source in (self.prompt_source, self.prompter_scene):
                    self.adapter.call("RemoveSceneItem", sceneName=scene, sceneItemId=item["sceneItemId"])
                    log.warning("removed %r from OBS scene %r: it carries the host's private prompt and "
                                "lives only in the scene %r", source, scene, self.prompter_scene)
                elif (source == self.lower_third_source and self.lower_third is not LowerThirdMode.TEXT
                      and item.get("sceneItemEnabled")):
                    self.adapter.call("SetSceneItemEnabled", sceneName=scene, sceneItemId=item["sceneItemId"],
                                      sceneItemEnabled=False)
                    log.info("hid %r in OBS scene %r: the lower third is drawn by [obs] lower_third = %s",
                             source, scene, self.lower_third.value)
        if self.adapter.current_program_scene() == self.prompter_scene:
            self.adapter.set_text(self.prompt_source, "")
            applied.state = dataclasses.replace(applied.state, prompt_text="")
            raise PrompterSceneOnProgramError(self.prompter_scene, by_hand=True)
        applied.prompt_checked = generation

    def _show_lower_third(self, applied: _Applied, text: str) -> None:
        """Worker thread: the lower-third text source in the scene on program (never the prompter), then its text."""
        on_program = applied.state.program_scene or self.adapter.current_program_scene()
        if on_program != self.prompter_scene and on_program not in applied.lower_third_in:
            self._ensure_text_item(on_program, self.lower_third_source, lower_third_layout(self._canvas(applied)))
            applied.lower_third_in.add(on_program)
        if text != applied.state.lower_third_text:
            self.adapter.set_text(self.lower_third_source, text)
            applied.state = dataclasses.replace(applied.state, lower_third_text=text)

    def _ensure_text_item(self, scene: str, source: str, layout: TextLayout) -> None:
        """Worker thread: make sure ``scene`` shows the text source ``source``, laid out by ``layout``.

        A new item (and a new source) gets the layout. An existing item keeps what the user made of it,
        unless it still sits unbounded at (0, 0), as older versions left it: then it gets the layout.
        """
        try:
            item_id = self.adapter.call("GetSceneItemId", sceneName=scene, sourceName=source)["sceneItemId"]
        except ObsRequestError as error:
            if error.code != STATUS_RESOURCE_NOT_FOUND:
                raise
        else:
            transform = self.adapter.call("GetSceneItemTransform", sceneName=scene,
                                          sceneItemId=item_id)["sceneItemTransform"]
            if (transform.get("boundsType") == "OBS_BOUNDS_NONE" and not transform.get("positionX")
                    and not transform.get("positionY")):
                self._lay_out(scene, source, item_id, layout)
            return
        try:
            kind = self.adapter.call("GetInputSettings", inputName=source).get("inputKind")
        except ObsRequestError as error:
            if error.code == STATUS_INVALID_RESOURCE_TYPE:
                raise ObsError(f"OBS source {source!r} exists but is a scene, not a text source") from None
            if error.code != STATUS_RESOURCE_NOT_FOUND:
                raise
            item_id = self.adapter.call("CreateInput", sceneName=scene, inputName=source, inputKind=TEXT_SOURCE_KIND,
                                        inputSettings={"text": "", **layout.input_settings()},
                                        sceneItemEnabled=True)["sceneItemId"]
            self.adapter.call("SetSceneItemTransform", sceneName=scene, sceneItemId=item_id,
                              sceneItemTransform=layout.transform())
            return
        if kind != TEXT_SOURCE_KIND:
            raise ObsError(f"OBS source {source!r} exists but is a {kind}, not a text source")
        item_id = self.adapter.call("CreateSceneItem", sceneName=scene, sourceName=source,
                                    sceneItemEnabled=True)["sceneItemId"]
        self._lay_out(scene, source, item_id, layout)

    def _lay_out(self, scene: str, source: str, item_id: int, layout: TextLayout) -> None:
        self.adapter.call("SetInputSettings", inputName=source, inputSettings=layout.input_settings(), overlay=True)
        self.adapter.call("SetSceneItemTransform", sceneName=scene, sceneItemId=item_id,
                          sceneItemTransform=layout.transform())

    def _connection_failed(self, error: ObsError) -> None:
        log.warning("OBS connection problem: %s", error)
        self._applied = _Applied()
        self._update_health(connected=False, error=str(error))
        self._wake.set()

    # -- background: reconnect, resync, health ----------------------------------------------------

    async def _supervise(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()  # before the work: a wake-up that arrives during it is not lost
            if not self.adapter.connected:
                if self._health.connected:
                    self._connection_failed(ObsConnectionError("lost the connection to OBS"))
                try:
                    await self.adapter.areconnect(stop=self._stopping)
                except (ObsAuthError, ObsKickedError) as error:
                    log.error("%s; no longer following the show in OBS", error)
                    self._update_health(connected=False, error=str(error))
                    return
                except ObsConnectionError:
                    return  # stopping
                await self._resync()
            elif not self._prompt_private(self._applied):
                await self._push_again("OBS scenes changed")
            await self._poll_health()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.health_interval)

    async def _resync(self) -> None:
        """OBS is (back) up: forget what it knew and push the whole wanted state."""
        async with self._push_lock:
            self._applied = _Applied()
            error_text = None
            try:
                await self.adapter.arun(self._push, self._desired)
            except ObsConnectionError as error:
                self._connection_failed(error)
                return
            except ObsError as error:
                log.warning("OBS refused part of the show state: %s", error)
                error_text = str(error)
            self._update_health(connected=True, resyncs=self._health.resyncs + 1, error=error_text)

    async def _push_again(self, why: str) -> None:
        """Push the wanted state on the current connection (the prompt check runs first)."""
        try:
            await self.apply()
        except ObsError as error:
            log.warning("%s; OBS refused part of the show state: %s", why, error)
            self._recheck_error = str(error)
            self._update_health(error=self._recheck_error)

    async def _poll_health(self) -> None:
        try:
            stream, record, stats = await self.adapter.arun(self._read_health)
        except ObsConnectionError as error:
            self._connection_failed(error)
            return
        except ObsError as error:
            self._update_health(error=str(error), checked_at=self._clock())
            return
        self._update_health(
            connected=True, checked_at=self._clock(), stream=stream, record=record,
            active_fps=stats.get("activeFps"), cpu_usage=stats.get("cpuUsage"),
            render_skipped_frames=int(stats.get("renderSkippedFrames", 0)),
            output_skipped_frames=int(stats.get("outputSkippedFrames", 0)),
        )

    def _read_health(self) -> tuple[OutputStatus, OutputStatus, dict[str, Any]]:
        return self.adapter.stream_status(), self.adapter.record_status(), self.adapter.get_stats()
