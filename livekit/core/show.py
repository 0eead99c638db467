"""The show state machine: ready → live (segment n, maybe held) → ended. No I/O; time from a Clock.

Event sourcing keeps it crash-safe. Each operation (``start``, ``next``, ``back``, ``jump``, ``hold``,
``resume``, ``extend``, ``shorten``, ``skip``, ``end``, ``undo``) first *decides* a :class:`ShowEvent` against
the current state (raising :class:`ShowError` when it makes no sense), hands it to the ``journal``
callable (storage commits it there), and only then *applies* it. A crashed show is rebuilt with
:meth:`Show.replay` from the stored events and their epoch timestamps.

Timing rules (as ontime does):

- A segment's *elapsed* time counts only while it is current and not held; coming back to a segment
  (``back``/``jump``) continues its elapsed time. ``hold`` pauses the segment timer; real time goes on,
  so holding makes the show run late. Changing segment ends a hold.
- ``extend``/``shorten`` change the current segment's *allotted* time (planned + adjustments), which
  moves its warning and overtime; they are measured against the original plan, so extending makes the
  show run late.
- *offset* (ontime's over/under): expected end − planned end, positive = running late. The expected
  end is now + what remains of the current and later, not skipped segments. Segments jumped over
  are treated as dropped.
- Phases: ``normal``, ``warning`` (the last ``warning_ms`` of the allotted time), ``overtime`` (elapsed
  ≥ allotted).

Navigation forgives slips:

- ``back`` returns to the segment you were on before the last move (a trail like a browser's history):
  after ``skip`` it is the segment you skipped from, after ``jump`` the one you jumped from; pressed
  again it walks further back. Only with no trail left (the segment the show started on) does it fall
  back to the previous segment in the rundown.
- ``undo`` reverts the last event when it is a navigation (``next``, ``back``, ``jump``, ``skip``) made
  less than :data:`UNDO_WINDOW_MS` ago: the show is as if that event never happened, and the time since
  it counts for the segment you return to (the host kept talking through the slip). ``start`` and
  ``end`` (and a skip that ended the show) are not undoable, and an undo is not undone by another.
  The undo is itself an event in the journal, so a crash after it replays to the same state.

Every stay on a segment is an *airing* ``(start, end)``, wall-clock ms from the show's start (holds
included, ``end`` None while on air); a segment that aired is ``done``, never ``skipped``, even when it
was left with ``skip``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from greenroom.errors import GreenroomError
from livekit.core.clock import Clock
from livekit.core.durations import format_clock
from livekit.core.rundown import Rundown

DEFAULT_WARNING_MS = 30_000

EVENT_TYPES = ("start", "next", "back", "jump", "hold", "resume", "extend", "shorten", "skip", "end", "undo")

#: Events ``undo`` can revert: the moves a slip of the finger makes.
UNDOABLE_TYPES = ("next", "back", "jump", "skip")

#: How long after a move it can still be undone (30 s: long enough to notice a slip on air).
UNDO_WINDOW_MS = 30_000

Airing = tuple[int, int | None]


class ShowError(GreenroomError):
    """An operation that does not fit the show's state (e.g. ``back`` on the first segment)."""


class ShowStatus(StrEnum):
    READY = "ready"
    LIVE = "live"
    ENDED = "ended"


class Phase(StrEnum):
    NORMAL = "normal"
    WARNING = "warning"
    OVERTIME = "overtime"


class SegmentState(StrEnum):
    UPCOMING = "upcoming"
    CURRENT = "current"
    DONE = "done"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class ShowEvent:
    """One thing that happened, at epoch ``at_ms``; ``segment`` is the segment it moved to or acted on.

    ``payload``: ``{"ms": n}`` for extend/shorten; for a skip of the current segment ``{"then": index}``
    (the segment that follows, None = the show ends), empty for a skip of a segment still to come; for
    an undo ``{"undoes": type}`` (the type of the event it reverts); ``segment`` is then the segment
    current after the undo (None before the start).
    """

    type: str
    segment: int | None
    at_ms: int
    payload: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ends_show(self) -> bool:
        """True for ``end`` and for skipping the last remaining segment."""
        return self.type == "end" or (self.type == "skip" and "then" in self.payload and self.payload["then"] is None)

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "segment": self.segment, "at_ms": self.at_ms, "payload": dict(self.payload)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ShowEvent:
        return cls(data["type"], data.get("segment"), data["at_ms"], dict(data.get("payload") or {}))


@dataclass(frozen=True)
class SegmentStatus:
    """Planned vs actual for one segment; times relative to the show's (planned or actual) start.

    ``actual_start_ms`` is the first airing's start; ``actual_duration_ms`` the time on air over every
    airing (holds excluded); ``airings`` each stay on the segment, ``(start, end)`` (end None while on
    air); ``skipped`` is True only for a segment dropped without ever airing.
    """

    index: int
    title: str
    state: SegmentState
    planned_start_ms: int
    planned_duration_ms: int
    allotted_ms: int
    actual_start_ms: int | None
    actual_duration_ms: int
    skipped: bool
    airings: tuple[Airing, ...] = ()


@dataclass(frozen=True)
class ShowSnapshot:
    """Everything a view needs at one instant; ``to_dict()`` is JSON-ready. Times are epoch ms."""

    title: str
    status: ShowStatus
    now_ms: int
    started_at_ms: int | None
    ended_at_ms: int | None
    current: int | None
    held: bool
    phase: Phase | None
    segment_title: str | None
    scene: str | None
    guest: str | None
    notes: str | None
    talking_points: tuple[str, ...]
    elapsed_ms: int
    allotted_ms: int
    remaining_ms: int
    prompt: str | None
    next_prompt: str | None
    next_prompt_in_ms: int | None
    next_segment_title: str | None
    show_elapsed_ms: int
    held_total_ms: int
    planned_total_ms: int
    planned_end_ms: int | None
    expected_end_ms: int | None
    offset_ms: int
    warning_ms: int
    next_change_at_ms: int | None
    segments: tuple[SegmentStatus, ...]
    #: Until when (epoch ms) the last move can be undone; None when there is nothing to undo.
    undo_until_ms: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


Journal = Callable[[ShowEvent], None]


class Show:
    """A running show. Operations return the event they produced, after the journal accepted it."""

    def __init__(
        self,
        rundown: Rundown,
        clock: Clock,
        *,
        default_warning_ms: int = DEFAULT_WARNING_MS,
        journal: Journal | None = None,
    ) -> None:
        if not rundown.segments:
            raise ShowError(f"rundown {rundown.title!r} has no segments")
        self.rundown = rundown
        self.clock = clock
        #: Called with each event before it is applied; if it raises, the show does not change.
        self.journal = journal
        self.warning_ms = rundown.warning_ms if rundown.warning_ms is not None else default_warning_ms
        self._last_at: int | None = None
        #: The whole log as journalled, undos and the events they reverted included.
        self._events: list[ShowEvent] = []
        #: The events that shape the state now: the log minus what was undone (an undo rebuilds from these).
        self._effective: list[ShowEvent] = []
        self._reset()

    def _reset(self) -> None:
        """The state of a show that has not started (before the effective events are applied)."""
        count = len(self.rundown.segments)
        self._status = ShowStatus.READY
        self._started_at: int | None = None
        self._ended_at: int | None = None
        self._current: int | None = None
        self._running_since: int | None = None
        self._held_since: int | None = None
        self._held_total = 0
        self._accrued = [0] * count
        self._adjust = [0] * count
        self._airings: list[list[Airing]] = [[] for _ in range(count)]
        self._skipped = [False] * count
        #: The segments left by each move, most recent last: where ``back`` goes.
        self._trail: list[int] = []

    @classmethod
    def replay(
        cls,
        rundown: Rundown,
        events: Iterable[ShowEvent],
        clock: Clock,
        *,
        default_warning_ms: int = DEFAULT_WARNING_MS,
        journal: Journal | None = None,
    ) -> Show:
        """Rebuild a show from its event log (crash-resume); the journal is attached afterwards."""
        show = cls(rundown, clock, default_warning_ms=default_warning_ms)
        for event in events:
            show.apply(event)
        show.journal = journal
        return show

    # ----- state, read-only -----

    @property
    def status(self) -> ShowStatus:
        return self._status

    @property
    def current(self) -> int | None:
        return self._current

    @property
    def held(self) -> bool:
        return self._held_since is not None

    @property
    def events(self) -> tuple[ShowEvent, ...]:
        return tuple(self._events)

    @property
    def started_at_ms(self) -> int | None:
        return self._started_at

    @property
    def ended_at_ms(self) -> int | None:
        return self._ended_at

    def allotted_ms(self, index: int) -> int:
        return self.rundown.segments[index].duration_ms + self._adjust[index]

    def elapsed_ms(self, index: int, now_ms: int | None = None) -> int:
        """Time segment ``index`` has been on air (holds excluded) as of ``now_ms``."""
        now = self._at_or_after_last(now_ms)
        running = self._running_since if index == self._current else None
        return self._accrued[index] + (now - running if running is not None else 0)

    # ----- operations -----

    def start(self) -> ShowEvent:
        """Go live on the first segment that is not skipped."""
        self._require(ShowStatus.READY, "start")
        first = self._following(-1)
        if first is None:
            raise ShowError("cannot start: every segment is skipped")
        return self._record(ShowEvent("start", first, self._now()))

    def next(self) -> ShowEvent:
        """Move to the next segment that is not skipped; on the last one this ends the show (an ``end`` event)."""
        current = self._live_segment("go to the next segment")
        following = self._following(current)
        if following is None:
            return self._record(ShowEvent("end", current, self._now()))
        return self._record(ShowEvent("next", following, self._now()))

    def back(self) -> ShowEvent:
        """Return to the segment you were on before the last move (the one you skipped or jumped from);
        its elapsed time continues. With no move to retrace, the previous segment that is not skipped."""
        current = self._live_segment("go back")
        if self._trail:
            previous: int | None = self._trail[-1]
        else:
            previous = next((i for i in range(current - 1, -1, -1) if not self._skipped[i]), None)
        if previous is None:
            raise ShowError("already at the first segment: there is nothing to go back to")
        return self._record(ShowEvent("back", previous, self._now()))

    def jump(self, index: int) -> ShowEvent:
        """Make segment ``index`` (0-based) current, un-skipping it if needed."""
        current = self._live_segment("jump")
        self._check_index(index, "jump to")
        if index == current:
            raise ShowError(f"already on segment {index} ({self.rundown.segments[index].title})")
        return self._record(ShowEvent("jump", index, self._now()))

    def hold(self) -> ShowEvent:
        """Pause the current segment's timer (the wall clock, and so the offset, keep going)."""
        current = self._live_segment("hold")
        if self.held:
            raise ShowError("the segment is already on hold")
        return self._record(ShowEvent("hold", current, self._now()))

    def resume(self) -> ShowEvent:
        current = self._live_segment("resume")
        if not self.held:
            raise ShowError("the segment is not on hold")
        return self._record(ShowEvent("resume", current, self._now()))

    def extend(self, ms: int) -> ShowEvent:
        """Give the current segment ``ms`` more milliseconds."""
        current = self._live_segment("extend")
        self._check_amount(ms)
        return self._record(ShowEvent("extend", current, self._now(), {"ms": ms}))

    def shorten(self, ms: int) -> ShowEvent:
        """Take ``ms`` milliseconds away from the current segment's allotted time."""
        current = self._live_segment("shorten")
        self._check_amount(ms)
        if ms > self.allotted_ms(current):
            raise ShowError(
                f"cannot shorten by {ms} ms: segment {current} only has {self.allotted_ms(current)} ms allotted"
            )
        return self._record(ShowEvent("shorten", current, self._now(), {"ms": ms}))

    def skip(self, index: int | None = None) -> ShowEvent:
        """Mark a segment skipped: the current one (then go to the next), or one that has not aired yet."""
        if self._status is ShowStatus.ENDED:
            raise ShowError("the show has ended")
        if index is None:
            index = self._live_segment("skip the current segment")
        self._check_index(index, "skip")
        if self._skipped[index]:
            raise ShowError(f"segment {index} ({self.rundown.segments[index].title}) is already skipped")
        if index == self._current:
            return self._record(ShowEvent("skip", index, self._now(), {"then": self._following(index)}))
        if self._airings[index]:
            raise ShowError(f"segment {index} ({self.rundown.segments[index].title}) has already aired")
        return self._record(ShowEvent("skip", index, self._now()))

    def end(self) -> ShowEvent:
        current = self._live_segment("end the show")
        return self._record(ShowEvent("end", current, self._now()))

    def undo(self) -> ShowEvent:
        """Revert the last move (next, back, jump or skip) if it was made less than UNDO_WINDOW_MS ago."""
        if self._status is ShowStatus.ENDED:
            raise ShowError("cannot undo: the show has ended")
        last = self._undoable_event()
        now = self._now()
        if now - last.at_ms > UNDO_WINDOW_MS:
            raise ShowError(
                f"too late to undo: the {last.type} was {format_clock(now - last.at_ms)} ago "
                f"and a move can only be undone within {format_clock(UNDO_WINDOW_MS)}"
            )
        restored = Show.replay(self.rundown, self._effective[:-1], self.clock, default_warning_ms=self.warning_ms)
        return self._record(ShowEvent("undo", restored.current, now, {"undoes": last.type}))

    def undo_until_ms(self, now_ms: int | None = None) -> int | None:
        """Until when (epoch ms) :meth:`undo` will accept; None when, as of ``now_ms``, it would refuse."""
        if self._status is ShowStatus.ENDED:
            return None
        try:
            last = self._undoable_event()
        except ShowError:
            return None
        until = last.at_ms + UNDO_WINDOW_MS
        return until if self._at_or_after_last(now_ms) <= until else None

    # ----- applying events -----

    def apply(self, event: ShowEvent) -> None:
        """Apply an already decided (or replayed) event. Raises ShowError on a log that cannot be replayed."""
        if event.type not in EVENT_TYPES:
            raise ShowError(f"unknown show event type {event.type!r}")
        if self._last_at is not None and event.at_ms < self._last_at:
            raise ShowError(f"show event {event.type!r} at {event.at_ms} is older than the previous one")
        if event.type == "undo":
            self._apply_undo(event)
        else:
            self._apply_effect(event)
            self._effective.append(event)
        self._last_at = event.at_ms
        self._events.append(event)

    def _apply_undo(self, event: ShowEvent) -> None:
        """Rebuild the state from the effective events without the one undone; time goes on from there."""
        if self._status is ShowStatus.ENDED:
            raise ShowError("cannot undo: the show has ended")
        undone = self._undoable_event()
        expected = event.payload.get("undoes")
        if expected is not None and expected != undone.type:
            raise ShowError(f"an undo of {expected!r} does not match the last event ({undone.type!r})")
        self._effective.pop()
        self._reset()
        for kept in self._effective:
            self._apply_effect(kept)

    def _apply_effect(self, event: ShowEvent) -> None:
        if event.type == "start":
            self._require(ShowStatus.READY, "start")
        elif event.type == "skip" and self._status is ShowStatus.READY:
            pass
        else:
            self._require(ShowStatus.LIVE, event.type)
        at = event.at_ms
        kind = event.type
        if kind == "start":
            self._status = ShowStatus.LIVE
            self._started_at = at
            self._enter(self._valid_index(event.segment), at)
        elif kind in ("next", "back", "jump"):
            target = self._valid_index(event.segment)
            self._move_trail(kind, target)
            self._leave(at)
            self._enter(target, at)
        elif kind == "hold":
            self._accrue(at)
            self._running_since = None
            self._held_since = at
        elif kind == "resume":
            if self._held_since is None:
                raise ShowError("resume without a hold in the show's event log")
            self._held_total += at - self._held_since
            self._held_since = None
            self._running_since = at
        elif kind in ("extend", "shorten"):
            amount = int(event.payload["ms"])
            self._adjust[self._current_index()] += amount if kind == "extend" else -amount
        elif kind == "skip":
            index = self._valid_index(event.segment)
            self._skipped[index] = True
            if index == self._current:
                self._trail.append(index)
                self._leave(at)
                then = event.payload.get("then")
                if then is None:
                    self._finish(at)
                else:
                    self._enter(self._valid_index(then), at)
        elif kind == "end":
            self._leave(at)
            self._finish(at)

    def _move_trail(self, kind: str, target: int) -> None:
        """``back`` retraces the last move; every other move leaves the current segment on the trail."""
        if kind == "back":
            if self._trail and self._trail[-1] == target:
                self._trail.pop()
        elif self._current is not None:
            self._trail.append(self._current)

    # ----- views -----

    def snapshot(self, now_ms: int | None = None) -> ShowSnapshot:
        """An immutable picture of the show at ``now_ms`` (default: the clock's now)."""
        now = self._at_or_after_last(now_ms)
        segments = self.rundown.segments
        planned_starts = self.rundown.planned_starts_ms()
        started = self._started_at
        statuses = tuple(
            SegmentStatus(
                index=i,
                title=segment.title,
                state=self._state_of(i),
                planned_start_ms=planned_starts[i],
                planned_duration_ms=segment.duration_ms,
                allotted_ms=self.allotted_ms(i),
                actual_start_ms=_offset(self._airings[i][0][0], started) if self._airings[i] else None,
                actual_duration_ms=self.elapsed_ms(i, now),
                skipped=self._skipped[i] and not self._airings[i],
                airings=tuple(self._relative_airings(i)),
            )
            for i, segment in enumerate(segments)
        )
        planned_end = None if started is None else started + self.rundown.planned_total_ms
        expected_end = self._expected_end(now)
        offset = 0 if expected_end is None or planned_end is None else expected_end - planned_end
        end_point = self._ended_at if self._ended_at is not None else now
        held_total = self._held_total + (now - self._held_since if self._held_since is not None else 0)
        current = self._current
        common: dict[str, Any] = dict(
            title=self.rundown.title,
            status=self._status,
            now_ms=now,
            started_at_ms=started,
            ended_at_ms=self._ended_at,
            current=current,
            held=self.held,
            show_elapsed_ms=0 if started is None else end_point - started,
            held_total_ms=held_total,
            planned_total_ms=self.rundown.planned_total_ms,
            planned_end_ms=planned_end,
            expected_end_ms=expected_end,
            offset_ms=offset,
            warning_ms=self.warning_ms,
            segments=statuses,
            undo_until_ms=self.undo_until_ms(now),
        )
        if current is None:
            upcoming = self._following(-1) if self._status is ShowStatus.READY else None
            return ShowSnapshot(
                phase=None, segment_title=None, scene=None, guest=None, notes=None, talking_points=(),
                elapsed_ms=0, allotted_ms=0, remaining_ms=0, prompt=None, next_prompt=None,
                next_prompt_in_ms=None,
                next_segment_title=None if upcoming is None else segments[upcoming].title,
                next_change_at_ms=None, **common,
            )
        segment = segments[current]
        elapsed = self.elapsed_ms(current, now)
        allotted = self.allotted_ms(current)
        prompt = segment.prompt_at(elapsed)
        coming = segment.prompt_after(elapsed)
        following = self._following(current)
        return ShowSnapshot(
            phase=self._phase(elapsed, allotted),
            segment_title=segment.title,
            scene=segment.scene,
            guest=segment.guest,
            notes=segment.notes,
            talking_points=segment.talking_points,
            elapsed_ms=elapsed,
            allotted_ms=allotted,
            remaining_ms=allotted - elapsed,
            prompt=None if prompt is None else prompt.text,
            next_prompt=None if coming is None else coming.text,
            next_prompt_in_ms=None if coming is None else coming.at_ms - elapsed,
            next_segment_title=None if following is None else segments[following].title,
            next_change_at_ms=self._next_change(now, elapsed, allotted),
            **common,
        )

    def next_change_at_ms(self, now_ms: int | None = None) -> int | None:
        """When the prompt or phase changes next (epoch ms), so a runner can sleep exactly until then.

        None when nothing is scheduled: not live, on hold, or already in overtime with no prompt left.
        """
        now = self._at_or_after_last(now_ms)
        if self._current is None:
            return None
        current = self._current
        return self._next_change(now, self.elapsed_ms(current, now), self.allotted_ms(current))

    # ----- internals -----

    def _record(self, event: ShowEvent) -> ShowEvent:
        if self.journal is not None:
            self.journal(event)
        self.apply(event)
        return event

    def _now(self) -> int:
        return self._at_or_after_last(None)

    def _at_or_after_last(self, now_ms: int | None) -> int:
        """Never earlier than the last event, so a wall-clock step back cannot make time negative."""
        now = self.clock.now_ms() if now_ms is None else now_ms
        return now if self._last_at is None else max(now, self._last_at)

    def _require(self, status: ShowStatus, action: str) -> None:
        if self._status is status:
            return
        if self._status is ShowStatus.ENDED:
            raise ShowError(f"cannot {action}: the show has ended")
        if self._status is ShowStatus.READY:
            raise ShowError(f"cannot {action}: the show has not started")
        raise ShowError(f"cannot {action}: the show is already live")

    def _live_segment(self, action: str) -> int:
        self._require(ShowStatus.LIVE, action)
        return self._current_index()

    def _current_index(self) -> int:
        if self._current is None:
            raise ShowError("no current segment")
        return self._current

    def _check_index(self, index: int, action: str) -> None:
        count = len(self.rundown.segments)
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < count:
            raise ShowError(f"cannot {action} segment {index!r}: segments are numbered 0 to {count - 1}")

    def _valid_index(self, index: Any) -> int:
        self._check_index(index, "replay an event on")
        return int(index)

    @staticmethod
    def _check_amount(ms: int) -> None:
        if isinstance(ms, bool) or not isinstance(ms, int) or ms <= 0:
            raise ShowError(f"the amount must be a positive number of milliseconds, got {ms!r}")

    def _following(self, index: int) -> int | None:
        return next((i for i in range(index + 1, len(self._skipped)) if not self._skipped[i]), None)

    def _accrue(self, at: int) -> None:
        if self._running_since is not None and self._current is not None:
            self._accrued[self._current] += at - self._running_since
            self._running_since = at

    def _leave(self, at: int) -> None:
        if self._current is not None:
            start, _ = self._airings[self._current][-1]
            self._airings[self._current][-1] = (start, at)
        self._accrue(at)
        if self._held_since is not None:
            self._held_total += at - self._held_since
            self._held_since = None
        self._running_since = None

    def _enter(self, index: int, at: int) -> None:
        self._current = index
        self._skipped[index] = False
        self._airings[index].append((at, None))
        self._running_since = at

    def _finish(self, at: int) -> None:
        self._status = ShowStatus.ENDED
        self._ended_at = at
        self._current = None

    def _state_of(self, index: int) -> SegmentState:
        if index == self._current:
            return SegmentState.CURRENT
        if self._airings[index]:
            return SegmentState.DONE
        if self._skipped[index]:
            return SegmentState.SKIPPED
        return SegmentState.UPCOMING

    def _relative_airings(self, index: int) -> list[Airing]:
        origin = self._started_at or 0
        return [(start - origin, None if end is None else end - origin) for start, end in self._airings[index]]

    def _undoable_event(self) -> ShowEvent:
        """The last event if ``undo`` may revert it, else ShowError saying why not."""
        if not self._events:
            raise ShowError("nothing to undo: the show has not started")
        last = self._events[-1]
        if last.type == "undo":
            raise ShowError("nothing to undo: the last move was already undone")
        if last.type not in UNDOABLE_TYPES or last.ends_show:
            raise ShowError(f"nothing to undo: only a move (next, back, jump or skip) can be undone, "
                            f"and the last action was {last.type}")
        return last

    def _phase(self, elapsed: int, allotted: int) -> Phase:
        if elapsed >= allotted:
            return Phase.OVERTIME
        if elapsed >= allotted - self.warning_ms:
            return Phase.WARNING
        return Phase.NORMAL

    def _expected_end(self, now: int) -> int | None:
        if self._status is ShowStatus.READY:
            return None
        if self._status is ShowStatus.ENDED:
            return self._ended_at
        current = self._current_index()
        remaining = sum(
            max(0, self.allotted_ms(i) - self.elapsed_ms(i, now))
            for i in range(current, len(self._skipped))
            if not self._skipped[i]
        )
        return now + remaining

    def _next_change(self, now: int, elapsed: int, allotted: int) -> int | None:
        if self._running_since is None:
            return None
        segment = self.rundown.segments[self._current_index()]
        candidates = [prompt.at_ms for prompt in segment.prompts]
        candidates += [allotted - self.warning_ms, allotted]
        later = [offset for offset in candidates if offset > elapsed]
        return None if not later else now + min(later) - elapsed


def _offset(at_ms: int | None, origin_ms: int | None) -> int | None:
    """``at_ms`` measured from ``origin_ms``; None when either is unknown."""
    return None if at_ms is None or origin_ms is None else at_ms - origin_ms
