"""The show runner: one asyncio task keeps time, every other part follows the state it publishes.

The show core decides, storage records (before anything acts on it), and then OBS, the platforms and the
web pages are told. OBS and platforms are followed by fire-and-forget tasks, so a slow or dead OBS never
stalls the clock; they converge on the latest wanted state.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import sqlite3
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from greenroom.errors import GreenroomError
from livekit.control.actions import find_action
from livekit.control.port import NO_SCHEDULE, ActionError, HostMessage, ShowSchedule, ShowState
from livekit.control.presses import Presses
from livekit.core.chapters import aired_chapters
from livekit.core.clock import Clock
from livekit.core.schedule import ShowPlan
from livekit.core.show import Show, ShowEvent, ShowSnapshot, ShowStatus
from livekit.guests.core import GuestStatus, normalise_name
from livekit.guests.queue import GuestQueue
from livekit.obs.show_sync import ObsHealth, ObsShowSync
from livekit.platforms.base import PlatformSession
from livekit.questions.storage import QuestionQueue
from livekit.relay.plan import Ingest, plan_stream, twitch_ingest
from livekit.relay.relay import Relay
from livekit.relay.settings import RelaySettings
from livekit.storage.shows import DatabaseBusy, ShowStore, show_key

log = logging.getLogger(__name__)

#: Longest the clock task sleeps when nothing is due, so state such as OBS health still flows.
IDLE_TICK_MS = 1000
#: Questions pushed to the control room: the newest open ones and the latest settled ones.
OPEN_QUESTIONS_SHOWN = 200
SETTLED_QUESTIONS_SHOWN = 50
#: How often the interpreter hands the GIL between threads while the show runs (default is 5 ms).
GIL_SWITCH_INTERVAL_S = 0.001
#: Pause between attempts to store an automatic cue while another process holds the database.
BUSY_RETRY_S = 0.25
#: How long a starting show waits for OBS to connect before going on without it.
OBS_STARTUP_WAIT_S = 5.0
#: How long the end of a show waits for OBS and platforms to acknowledge before exiting anyway.
FINISH_TIMEOUT_S = 10.0


RecordingChange = Literal["start", "stop"]


def recording_change(was_active: bool, health: ObsHealth) -> RecordingChange | None:
    """What a new view of OBS means for the show's recording files, given whether OBS was recording.

    A recording that became active is a new file ("start"); one that became inactive ended ("stop"), and so
    did one whose OBS went away (the file ends there; a restarted OBS records into a new file). A pause is
    the same file, and a connected OBS whose record output was never read says nothing."""
    if not health.connected:
        return "stop" if was_active else None
    if health.record is None or health.record.active == was_active:
        return None
    return "start" if health.record.active else "stop"


@dataclass(frozen=True)
class OutputPlan:
    """Whether OBS streams and/or records while the show is live."""

    stream: bool = False
    record: bool = False


class ShowRunner:
    """Runs one show; implements :class:`livekit.control.port.LiveShowPort` for the transports."""

    def __init__(
        self,
        *,
        show_id: int,
        show: Show,
        guests: GuestQueue,
        questions: QuestionQueue,
        clock: Clock,
        obs: ObsShowSync | None = None,
        platforms: Sequence[PlatformSession] = (),
        auto: bool = False,
        outputs: OutputPlan = OutputPlan(),
        category: str | None = None,
        resumed: bool = False,
        stream_to_obs: bool = True,
        relay_settings: RelaySettings | None = None,
        rehearsal: bool = False,
        recordings: ShowStore | None = None,
        schedule: ShowPlan | None = None,
        schedule_key: str | None = None,
    ) -> None:
        self.show_id = show_id
        self.show = show
        self.key = show_key(show_id, show.rundown.title)
        self.guests = guests
        self.questions = questions
        self.clock = clock
        self.obs = obs
        self.platforms = list(platforms)
        self.auto = auto
        self.outputs = outputs
        self.category = category
        self.resumed = resumed
        self.stream_to_obs = stream_to_obs
        #: With both platforms enabled, OBS's one output goes to a local relay that pushes to each ingest.
        self.relay_settings = relay_settings
        self.relay: Relay | None = None
        #: A rehearsal: the pages say so, bookings stay booked and no guest appearance is logged (the
        #: guest queue given is built with ``appearance_log=False``).
        self.rehearsal = rehearsal
        #: Where the recording files OBS makes during the show are noted (rehearsals too), for the report.
        self.recordings = recordings
        #: When the show was planned (None: unscheduled); the pages count down to its start.
        self.schedule = schedule
        self.schedule_key = schedule_key
        self._recording_active = False
        self._record_read_at: float | None = None
        self._guests_closed = False
        self.message: HostMessage | None = None
        self.presses = Presses(clock.now_ms)
        self._subscribers: set[asyncio.Queue[ShowState]] = set()
        self._listeners: list[Callable[[ShowSnapshot], None]] = []
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._publish_scheduled = False
        self._guest_cache: list[dict[str, Any]] | None = None
        self._question_cache: tuple[list[dict[str, Any]], dict[str, int]] | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self._last_segment: int | None = show.current if resumed else None
        self._rundown_guests = {normalise_name(s.guest) for s in show.rundown.segments if s.guest}
        self._announced_start = resumed and show.status is not ShowStatus.READY
        questions.add_listener(lambda _question: self._questions_changed())
        self._obs_seen: tuple[Any, ...] | None = None
        self._last_seen: tuple[Any, ...] | None = None
        if obs is not None:
            obs.add_health_listener(self._obs_health_changed)

    # -- the port: state, subscriptions, actions -------------------------------------------------

    def state(self) -> ShowState:
        now = self.clock.now_ms()
        snapshot = self.show.snapshot(now)
        show = snapshot.to_dict()
        show["show_id"] = self.show_id
        show["auto"] = self.auto
        show["rehearsal"] = self.rehearsal
        show.update(self._schedule_state())
        questions, question_counts = self._questions_view()
        return {
            "server_time_ms": now,
            "show": show,
            "message": self.message,
            "guests": self._guest_list(),
            "questions": questions,
            "question_counts": question_counts,
            "obs": self._obs_state(),
            "platforms": {session.name: session.status() for session in self.platforms}
            | ({"relay": self.relay.status()} if self.relay is not None else {}),
        }

    def _schedule_state(self) -> ShowSchedule:
        if self.schedule is None:
            return NO_SCHEDULE
        return {"scheduled_start_ms": self.schedule.starts_at_ms, "scheduled_end_ms": self.schedule.ends_at_ms,
                "hard_out_ms": self.schedule.hard_out_ms, "timezone": self.schedule.timezone,
                "schedule_key": self.schedule_key}

    def subscribe(self) -> asyncio.Queue[ShowState]:
        queue: asyncio.Queue[ShowState] = asyncio.Queue(maxsize=1)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[ShowState]) -> None:
        self._subscribers.discard(queue)

    def add_listener(self, listener: Callable[[ShowSnapshot], None]) -> None:
        """``listener(snapshot)`` after every published change (the terminal view uses it)."""
        self._listeners.append(listener)

    async def act(self, action: str, params: Mapping[str, object]) -> ShowState:
        entry = find_action(action)
        parsed = entry.parse(params or {})
        try:
            entry.handler(self, parsed)
        except ActionError:
            raise
        except GreenroomError as error:
            raise ActionError(str(error)) from None
        except sqlite3.OperationalError as error:
            raise ActionError(f"the workspace database is busy ({error}); try again") from None
        # A show action reacts at once (OBS is told first, then the pages), not on the clock task's next
        # turn: under a chat flood that turn can be busy, and the cue would wait behind it.
        if entry.family == "show" and self._react(self.show.snapshot()):
            await asyncio.sleep(0)  # let the OBS follower hand its requests to its thread before we go on
        else:
            self._publish()
        self._wake.set()
        return self.state()

    # -- running -----------------------------------------------------------------------------------

    async def run(self) -> ShowSnapshot:
        """Keep time until the show ends (or :meth:`request_stop`); returns the last snapshot."""
        # OBS's replies are read by a websocket thread. While the loop is busy (a chat flood), the default
        # 5 ms GIL switch interval can delay each reply by up to that much; cues are worth faster handoffs.
        sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
        if self.obs is not None:
            await self._prepare_obs()
        for session in self.platforms:
            await self._guarded(session.start(), f"{session.name} start")
        await self._send_stream_destination_to_obs()
        self.guests.ensure_rundown_guests(self.key, [s.guest for s in self.show.rundown.segments if s.guest])
        self._guests_changed()
        if self.auto and self.show.status is ShowStatus.READY:
            self._journaled(self.show.start)
        snapshot = self.show.snapshot()
        while not self._stopping.is_set():
            now = self.clock.now_ms()
            snapshot = self.show.snapshot(now)
            if self._auto_advance_due(snapshot):
                try:
                    self._journaled(self.show.next)
                except DatabaseBusy as error:
                    log.warning("%s; retrying", error)
                    await asyncio.sleep(BUSY_RETRY_S)
                continue
            self._react(snapshot)
            if snapshot.status is ShowStatus.ENDED:
                break
            await self._sleep_until(snapshot.next_change_at_ms, now)
        if snapshot.status is ShowStatus.ENDED:
            await self._finish(snapshot)
        return snapshot

    async def _prepare_obs(self) -> None:
        """Connect before the first cue and put OBS on the opening scene, so the show starts on time."""
        assert self.obs is not None
        connected = asyncio.Event()
        self.obs.add_health_listener(lambda health: connected.set() if health.connected else None)
        await self.obs.start()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(connected.wait(), OBS_STARTUP_WAIT_S)
        if not connected.is_set():
            log.warning("OBS is not reachable yet; the show goes on and OBS follows once it is back")
            return
        if self.show.status is ShowStatus.READY:
            opening = next((segment.scene for segment in self.show.rundown.segments if segment.scene), None)
            await self._guarded(self.obs.apply(program_scene=opening, prompt_text="", lower_third_text=""),
                                "OBS standby")

    async def _send_stream_destination_to_obs(self) -> None:
        """Tell OBS where to stream, before the show starts streaming. One platform with an ingest: OBS
        streams straight to it (RTMPS when offered). Twitch and YouTube both: OBS streams to the local relay
        (:mod:`livekit.relay`), which pushes to each, so neither gets no video. Keys go to OBS and the relay
        and nowhere else."""
        if self.obs is None or not self.stream_to_obs or not self.obs.adapter.connected:
            return
        ingests = [ingest for session in self.platforms
                   if (ingest := self._ingest_of(session)) is not None]
        multistream = self.relay_settings.multistream if self.relay_settings is not None else False
        plan = plan_stream(ingests, multistream=multistream)
        destination = plan.obs_destination
        if plan.needs_relay and self.relay_settings is not None:
            self.relay = self.relay_settings.relay()
            try:
                destination = await asyncio.to_thread(self.relay.start, plan.relay_targets)
            except GreenroomError as error:
                log.error("the multistream relay did not start (%s); OBS streams to %s only", error,
                          plan.relay_targets[0].platform)
                self.relay, destination = None, plan.relay_targets[0]
        if destination is None:
            return
        adapter = self.obs.adapter
        await self._guarded(adapter.arun(adapter.set_stream_destination, destination.server, destination.key),
                            f"OBS stream settings for {destination.platform}")
        log.info("OBS now streams to %s's ingest %s", destination.platform, destination.display)

    def _ingest_of(self, session: PlatformSession) -> Ingest | None:
        """Where ``session``'s platform takes video: YouTube's reusable stream (when it exists), Twitch's
        ingest when a stream key is configured ([relay] twitch_ingest, $TWITCH_STREAM_KEY)."""
        youtube_ingest_of = getattr(session, "ingest", None)
        if youtube_ingest_of is not None:
            found: Ingest | None = youtube_ingest_of()
            return found
        settings = self.relay_settings
        if session.name == "twitch" and settings is not None and settings.twitch_stream_key:
            return twitch_ingest(settings.twitch_stream_key, settings.twitch_ingest)
        return None

    def request_stop(self) -> None:
        """Leave the loop without ending the show: it stays resumable (SIGTERM, `q` in the terminal)."""
        self._stopping.set()
        self._wake.set()

    async def close(self) -> None:
        """Stop following: wait briefly for pending OBS/platform work, then disconnect."""
        pending = [task for task in self._background if not task.done()]
        if pending:
            await asyncio.wait(pending, timeout=FINISH_TIMEOUT_S)
        for task in self._background:
            task.cancel()
        for session in self.platforms:
            await self._guarded(session.close(), f"{session.name} close")
        if self.obs is not None:
            await self.obs.stop()
        if self.relay is not None:
            await asyncio.to_thread(self.relay.stop)

    # -- internals ---------------------------------------------------------------------------------

    def _auto_advance_due(self, snapshot: ShowSnapshot) -> bool:
        return (self.auto and snapshot.status is ShowStatus.LIVE and not snapshot.held
                and snapshot.elapsed_ms >= snapshot.allotted_ms)

    async def _sleep_until(self, due_ms: int | None, now_ms: int) -> None:
        delay_ms = IDLE_TICK_MS if due_ms is None else max(0, min(IDLE_TICK_MS, due_ms - now_ms))
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), delay_ms / 1000)

    def _journaled(self, operation: Callable[[], ShowEvent]) -> ShowEvent:
        """Run a show operation; the show's journal has stored the event before it takes effect."""
        event = operation()
        log.info("show %s: %s (segment %s)", self.show_id, event.type, event.segment)
        self._wake.set()
        return event

    def _react(self, snapshot: ShowSnapshot) -> bool:
        """Follow a change of what is on air (segment, prompt, phase, hold); True if there was one."""
        seen = (snapshot.status, snapshot.current, snapshot.prompt, snapshot.phase, snapshot.held)
        if seen == self._last_seen:
            return False
        self._last_seen = seen
        self._on_show_changed(snapshot)
        return True

    def _on_show_changed(self, snapshot: ShowSnapshot) -> None:
        if snapshot.status is not ShowStatus.READY and not self._announced_start:
            self._announced_start = True
            for session in self.platforms:
                if snapshot.started_at_ms is not None:
                    # A session created on --resume counts chapters and its chat budget from the real start.
                    session.show_started_at(snapshot.started_at_ms)
                self._spawn(session.on_show_start(self.show.rundown.title, self.category), f"{session.name} show start")
        if snapshot.status is ShowStatus.ENDED:
            if not self._guests_closed:
                self._close_guests(snapshot)
                self._note_recording("stop", snapshot.ended_at_ms if snapshot.ended_at_ms is not None
                                     else self.clock.now_ms())
        elif snapshot.status is not ShowStatus.READY and snapshot.current != self._last_segment:
            self._last_segment = snapshot.current
            self._follow_rundown_guests(snapshot)
            if snapshot.status is ShowStatus.LIVE and snapshot.current is not None:
                for session in self.platforms:
                    self._spawn(session.on_segment_start(snapshot.current, snapshot.segment_title or "",
                                                         snapshot.guest), f"{session.name} segment start")
        self._follow_in_obs(snapshot)
        # Pages after OBS: the push is queued behind the OBS follower's first step, so a cue's requests
        # reach OBS's thread before the (larger) state is built and sent.
        self._schedule_publish()

    def _close_guests(self, snapshot: ShowSnapshot) -> None:
        """The show ended: nobody stays on air (every open log entry gets the end as its off-air time), the
        rundown's guests end done if their segment aired, no-show if it never did."""
        self._guests_closed = True
        segments = self.show.rundown.segments
        aired = [segments[status.index].guest or "" for status in snapshot.segments
                 if status.actual_start_ms is not None and segments[status.index].guest]
        at = snapshot.ended_at_ms if snapshot.ended_at_ms is not None else self.clock.now_ms()
        try:
            self.guests.close_show(self.key, rundown_names=[s.guest for s in segments if s.guest],
                                   aired_names=aired, at_ms=at)
        except (GreenroomError, sqlite3.OperationalError) as error:
            log.warning("the guests of show %s could not be closed: %s", self.show_id, error)
        self._guests_changed()

    def _follow_rundown_guests(self, snapshot: ShowSnapshot) -> None:
        """At each segment change the rundown's guests follow it: the segment's guest goes on air, the
        previous one back to the green room (:meth:`_close_guests` settles everyone when the show ends).
        Guests not named in the rundown and changes the producer makes within a segment are left alone."""
        wanted = normalise_name(snapshot.guest) if snapshot.guest and snapshot.status is ShowStatus.LIVE else None
        leaving = GuestStatus.IN_GREEN_ROOM
        events = self.show.events
        at = events[-1].at_ms if events else self.clock.now_ms()
        for guest in self.guests.list(self.key):
            name, status = normalise_name(guest["name"]), guest["status"]
            if name not in self._rundown_guests:
                continue
            try:
                if status == GuestStatus.ON_AIR and name != wanted:
                    self.guests.set_status(guest["id"], leaving, at)
                elif name == wanted and status != GuestStatus.ON_AIR:
                    if status in (GuestStatus.INVITED, GuestStatus.CONFIRMED, GuestStatus.NO_SHOW):
                        self.guests.set_status(guest["id"], GuestStatus.IN_GREEN_ROOM, at)
                    self.guests.set_status(guest["id"], GuestStatus.ON_AIR, at,
                                           segment=snapshot.segment_title or "")
            except (GreenroomError, sqlite3.OperationalError) as error:
                log.warning("guest %s could not follow the rundown: %s", guest["name"], error)
        self._guests_changed()

    def _follow_in_obs(self, snapshot: ShowSnapshot) -> None:
        if self.obs is None:
            return
        live = snapshot.status is ShowStatus.LIVE
        changes: dict[str, Any] = {
            "prompt_text": (snapshot.prompt or "") if live else "",
            "lower_third_text": self.guests.lower_third(self.key) if live else "",
        }
        if snapshot.scene and live:
            changes["program_scene"] = snapshot.scene
        if self.outputs.stream:
            changes["streaming"] = live
        if self.outputs.record:
            changes["recording"] = live
        self._spawn(self.obs.apply(**changes), "OBS")

    async def _finish(self, snapshot: ShowSnapshot) -> None:
        # What actually aired, one chapter per airing (a revisited segment comes back as "part 2").
        chapters = [(start_ms // 1000, title)
                    for start_ms, title in aired_chapters((segment.title, segment.airings) for segment in snapshot.segments)]
        for session in self.platforms:
            self._spawn(session.on_show_end(chapters), f"{session.name} show end")
        pending = [task for task in self._background if not task.done()]
        if pending:
            await asyncio.wait(pending, timeout=FINISH_TIMEOUT_S)

    def _spawn(self, work: Any, what: str) -> None:
        task = asyncio.ensure_future(self._guarded(work, what))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    @staticmethod
    async def _guarded(work: Any, what: str) -> None:
        """The show goes on whatever a follower does: failures are logged, never raised."""
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning("%s failed: %s", what, error)

    # -- publishing --------------------------------------------------------------------------------

    def _publish(self) -> None:
        self._publish_scheduled = False
        if not self._subscribers and not self._listeners:
            return
        state = self.state()
        for queue in list(self._subscribers):
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait(state)
        if self._listeners:
            snapshot = self.show.snapshot(state["server_time_ms"])
            for listener in self._listeners:
                listener(snapshot)

    def _schedule_publish(self) -> None:
        """Coalesce bursts (a chat flood, health ticks) into one push per loop iteration."""
        if self._publish_scheduled:
            return
        self._publish_scheduled = True
        with contextlib.suppress(RuntimeError):
            asyncio.get_running_loop().call_soon(self._publish)

    def platform_status_changed(self) -> None:
        """A platform session's status changed (degraded, recovered, quota): show it in the control room."""
        self._schedule_publish()

    def _obs_health_changed(self, health: ObsHealth) -> None:
        """Push what a producer acts on (connection, outputs, problems), not every health poll."""
        seen = (health.connected, health.error, health.resyncs,
                health.stream.state if health.stream else None, health.record.state if health.record else None,
                health.output_skipped_frames > 0, health.render_skipped_frames > 0)
        if seen != self._obs_seen:
            self._obs_seen = seen
            self._schedule_publish()
        self._follow_recording(health)

    def _follow_recording(self, health: ObsHealth) -> None:
        """Note each recording file OBS makes: its start (backdated by the duration OBS reports, so the
        health poll's delay does not shift it) and its end. Only a fresh reading of the record output counts:
        after a reconnect the health still carries the reading from before OBS went away."""
        if health.connected and health.checked_at == self._record_read_at:
            return
        self._record_read_at = health.checked_at
        change = recording_change(self._recording_active, health)
        if change is None:
            return
        self._recording_active = change == "start"
        now = self.clock.now_ms()
        if change == "start":
            if self.show.status is ShowStatus.ENDED:
                return  # OBS is still stopping the show's recording: the show already closed it
            duration = health.record.duration_ms if health.record is not None else 0
            self._note_recording("start", now - max(0, duration))
        else:
            self._note_recording("stop", now)

    def _note_recording(self, change: RecordingChange, at_ms: int) -> None:
        if self.recordings is None:
            return
        try:
            if change == "start":
                self.recordings.recording_started(self.show_id, at_ms)
            else:
                self.recordings.recording_stopped(self.show_id, at_ms)
        except (GreenroomError, sqlite3.OperationalError) as error:
            log.warning("the recording of show %s could not be noted: %s", self.show_id, error)

    def _questions_changed(self) -> None:
        self._question_cache = None
        self._schedule_publish()

    def _guests_changed(self) -> None:
        self._guest_cache = None

    def _guest_list(self) -> list[dict[str, Any]]:
        if self._guest_cache is None:
            self._guest_cache = self.guests.list(self.key)
        return self._guest_cache

    def _questions_view(self) -> tuple[list[dict[str, Any]], dict[str, int]]:
        """What a moderator works on, and how many there are per status: the question on screen, the newest
        open ones and the last settled ones. A chat flood can bring thousands; every one stays in the
        database, but pushing them all on every change would slow every page and every cue."""
        if self._question_cache is None:
            everything = self.questions.as_dicts()
            on_screen = [q for q in everything if q["status"] == "on_screen"]
            open_ = [q for q in everything if q["status"] in ("pending", "approved")][-OPEN_QUESTIONS_SHOWN:]
            settled = [q for q in everything if q["status"] in ("answered", "rejected")][-SETTLED_QUESTIONS_SHOWN:]
            # Paid questions (Super Chats, member messages) waiting for moderation come first.
            shown = sorted(on_screen + open_ + settled,
                           key=lambda question: (not (question.get("paid") and question["status"] == "pending"),
                                                 question["id"]))
            counts: dict[str, int] = {"total": len(everything)}
            for question in everything:
                counts[question["status"]] = counts.get(question["status"], 0) + 1
            self._question_cache = (shown, counts)
        return self._question_cache

    def _obs_state(self) -> dict[str, Any]:
        if self.obs is None:
            return {"enabled": False, "connected": False}
        health: ObsHealth = self.obs.health
        return {"enabled": True, **_jsonable(dataclasses.asdict(health))}

    # -- what actions do (livekit.control.actions.ShowControls) --------------------------------------

    def cue(self, operation: Callable[[Show], ShowEvent]) -> None:
        self._journaled(lambda: operation(self.show))

    def undo(self) -> None:
        """Revert the last move (the core decides what and until when); journaled first like every cue."""
        self._journaled(self.show.undo)

    def set_message(self, text: str | None, blink: bool = False) -> None:
        self.message = None if text is None else {"text": text, "blink": blink, "at_ms": self.clock.now_ms()}

    def add_guest(self, fields: dict[str, Any]) -> None:
        self.guests.add(self.key, **fields)
        self._guest_changed_by_producer()

    def update_guest(self, guest_id: int, fields: dict[str, Any]) -> None:
        self.guests.update(guest_id, **fields)
        self._guest_changed_by_producer()

    def set_guest_status(self, guest_id: int, status: str) -> None:
        current = self.show.current
        segment = self.show.rundown.segments[current].title if current is not None else ""
        self.guests.set_status(guest_id, status, self.clock.now_ms(), segment=segment)
        self._guest_changed_by_producer()

    def check_in_guest(self, guest_id: int) -> None:
        self.guests.check_in(guest_id, self.clock.now_ms())
        self._guest_changed_by_producer()

    def move_guest(self, guest_id: int, position: int) -> None:
        self.guests.move(guest_id, position)
        self._guest_changed_by_producer()

    def moderate_question(self, action: str, question_id: int) -> None:
        details: dict[str, Any] = {}
        if action == "answer":
            on_air = self.guests.on_air(self.key)
            details = {"segment": self.show.current, "guest": on_air["name"] if on_air else None}
        self.questions.act(action, question_id, **details)  # its change listener refreshes our view

    def _guest_changed_by_producer(self) -> None:
        """The lower third in OBS follows the queue at once."""
        self._guests_changed()
        self._follow_in_obs(self.show.snapshot())


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)
