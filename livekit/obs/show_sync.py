"""OBS follows the show: the show says what OBS should look like, this keeps OBS that way.

The show runner (asyncio) calls :meth:`ObsShowSync.apply` with the state it wants: program scene,
prompt text, lower-third text, streaming/recording. Only what differs from what OBS last acknowledged
is sent. The wanted state is remembered, so when OBS disappears (crash, restart, network) nothing is
lost: a background task reconnects with backoff and, once OBS is back, pushes the whole state again
(scene, both texts, creating the text sources in the scene if they are missing, outputs). The same
task polls stream health every few seconds into :attr:`ObsShowSync.health`.

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
    ObsAdapter,
    ObsAuthError,
    ObsConnectionError,
    ObsError,
    ObsEvent,
    ObsKickedError,
    OutputStatus,
)
from livekit.obs.settings import DEFAULT_LOWER_THIRD_SOURCE, DEFAULT_PROMPT_SOURCE, ObsSettings

log = logging.getLogger(__name__)

DEFAULT_HEALTH_INTERVAL = 3.0


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
    text_sources_in: set[tuple[str, str]] = field(default_factory=set)


class ObsShowSync:
    """Keeps one OBS in the state the show wants, across OBS restarts. Use from one asyncio loop."""

    def __init__(self, adapter: ObsAdapter, *, prompt_source: str = DEFAULT_PROMPT_SOURCE,
                 lower_third_source: str = DEFAULT_LOWER_THIRD_SOURCE,
                 health_interval: float = DEFAULT_HEALTH_INTERVAL, clock: Callable[[], float] = time.time) -> None:
        self.adapter = adapter
        self.prompt_source = prompt_source
        self.lower_third_source = lower_third_source
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

    @classmethod
    def from_settings(cls, settings: ObsSettings, **options: Any) -> ObsShowSync:
        return cls(settings.adapter(), prompt_source=settings.prompt_source,
                   lower_third_source=settings.lower_third_source, **options)

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
        return True

    def _push(self, desired: ObsShowState) -> None:
        """Worker thread: send what differs from what OBS acknowledged; remember each acknowledgement."""
        applied = self._applied
        problems: list[ObsError] = []
        scene = desired.program_scene
        if scene is not None and scene != applied.state.program_scene:
            try:
                self.adapter.set_program_scene(scene)
                applied.state = dataclasses.replace(applied.state, program_scene=scene)
            except ObsConnectionError:
                raise
            except ObsError as error:
                problems.append(error)
        on_program = applied.state.program_scene
        if on_program is None and (desired.prompt_text is not None or desired.lower_third_text is not None):
            on_program = self.adapter.current_program_scene()
        for source, text, field_name in ((self.prompt_source, desired.prompt_text, "prompt_text"),
                                         (self.lower_third_source, desired.lower_third_text, "lower_third_text")):
            if text is None:
                continue
            try:
                if on_program is not None and (on_program, source) not in applied.text_sources_in:
                    self.adapter.ensure_text_source(on_program, source)
                    applied.text_sources_in.add((on_program, source))
                if text != getattr(applied.state, field_name):
                    self.adapter.set_text(source, text)
                    applied.state = dataclasses.replace(applied.state, **{field_name: text})
            except ObsConnectionError:
                raise
            except ObsError as error:
                problems.append(error)
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
                applied.state = dataclasses.replace(applied.state, **{field_name: wanted})
            except ObsConnectionError:
                raise
            except ObsError as error:
                problems.append(error)
        if problems:
            raise problems[0]

    def _connection_failed(self, error: ObsError) -> None:
        log.warning("OBS connection problem: %s", error)
        self._applied = _Applied()
        self._update_health(connected=False, error=str(error))
        self._wake.set()

    # -- background: reconnect, resync, health ----------------------------------------------------

    async def _supervise(self) -> None:
        while not self._stopping.is_set():
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
            await self._poll_health()
            self._wake.clear()
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
