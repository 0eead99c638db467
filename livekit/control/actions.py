"""The live show's action vocabulary, written once: name, typed parameters, routes, docs and handler.

The runner dispatches through :data:`ACTIONS`, the web app builds its HTTP routes from it, the
README's API table is checked against it and ``GET /api/actions`` serves its public description. A new
action (or a new parameter on every action, such as an ``expect`` guard) is added here and nowhere else.

Parameters arrive from JSON bodies, query strings and websocket messages, so every parser accepts text as
well as JSON values; anything it cannot read becomes an :class:`ActionError` that names the parameter.
This module is pure: no aiohttp, no database, no clock.
"""

from __future__ import annotations

import dataclasses
import math
import re
import reprlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from greenroom.errors import GreenroomError
from livekit.control.port import ActionError, ConfirmationNeeded, NotFound, StaleAction
from livekit.control.presses import CONFIRM_WINDOW_MS, DOUBLE_PRESS_MS, Presses
from livekit.core.durations import DURATION_HELP, format_clock, parse_duration
from livekit.core.show import Show, ShowEvent, ShowStatus
from livekit.guests.core import (
    MAX_FIELD_LENGTH,
    MAX_NOTES_LENGTH,
    TEXT_FIELDS,
    GuestStatus,
    UnknownGuest,
    clean_talking_points,
)
from livekit.questions.core import UnknownQuestion

#: Raw parameters as a client sent them (JSON object, query string, path placeholders).
RawParams = Mapping[str, object]

MAX_MESSAGE_LENGTH = 500
#: The longest a producer may extend or shorten a segment by in one action.
MAX_ADJUST_MS = 24 * 3600 * 1000
#: What ``show.extend``/``show.shorten`` change by when no amount is given (the HTTP routes say 60 s).
DEFAULT_ADJUST_SECONDS = 30

#: Ids are SQLite integers; anything larger cannot name a row (and must not reach the database).
MAX_ID = 2**63 - 1
#: No rundown has more segments than this; larger positions are refused before they reach the show.
MAX_POSITION = 100_000

_WHOLE_NUMBER = re.compile(r"[+-]?\d{1,30}")
#: Values echoed in error messages are shortened: a client may send anything (deeply nested JSON too).
_repr = reprlib.Repr()
_repr.maxlevel, _repr.maxstring, _repr.maxother, _repr.maxlong, _repr.maxlist, _repr.maxdict = 2, 40, 40, 40, 4, 4
_shown = _repr.repr
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off", ""})


# -- parsers: one per kind of parameter ------------------------------------------------------------


@dataclass(frozen=True)
class Parser:
    """Reads one parameter; ``kind`` is how ``GET /api/actions`` and the README describe it."""

    kind: str
    read: Callable[[object, str], Any]


def _whole_number(value: object, name: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
        return int(value.strip())
    raise ActionError(f"{name} must be a whole number, got {_shown(value)}")


def _non_negative(value: object, name: str) -> int:
    number = _whole_number(value, name)
    if not 0 <= number <= MAX_POSITION:
        raise ActionError(f"{name} must be from 0 to {MAX_POSITION}, got {_shown(number)}")
    return number


def _id(value: object, name: str) -> int:
    number = _whole_number(value, name)
    if not 1 <= number <= MAX_ID:
        raise ActionError(f"{name} must be a whole number from 1 to {MAX_ID}, got {_shown(number)}")
    return number


def _expected(value: object, name: str) -> int | str:
    """``ready`` (before the start) or the 0-based segment index the press was meant for."""
    if isinstance(value, str) and value.strip().lower() == "ready":
        return "ready"
    try:
        return _non_negative(value, name)
    except ActionError:
        raise ActionError(f'{name} must be "ready" or a segment number (0-based), got {_shown(value)}') from None


def _amount_ms(value: object, name: str) -> int:
    """Seconds as a number, or a duration such as ``30s`` / ``1m`` / ``1:30``; positive, at most a day."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ActionError(f"{name} must be a number of seconds or {DURATION_HELP}, got {_shown(value)}")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ActionError(f"{name} must be a finite number of seconds, got {_shown(value)}")
        if abs(value) * 1000 > MAX_ADJUST_MS:
            raise ActionError(f"{name}: a segment can be changed by at most 24 hours at a time")
        ms = round(value * 1000)
    else:
        try:
            ms = parse_duration(value)
        except (ValueError, GreenroomError) as error:
            raise ActionError(f"{name} must be a number of seconds or a duration: {error}") from None
    if ms <= 0:
        raise ActionError(f"{name} must be a positive amount, got {_shown(value)}")
    if ms > MAX_ADJUST_MS:
        raise ActionError(f"{name}: a segment can be changed by at most 24 hours at a time")
    return ms


def _boolean(value: object, name: str) -> bool:
    """JSON booleans, 0/1, and the words a URL button can carry; anything else is an error, not false."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise ActionError(f"{name} must be true or false, got {_shown(value)}")


def _text(max_length: int, *, required: bool = False, single_line: bool = True) -> Parser:
    def read(value: object, name: str) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise ActionError(f"{name} must be text, got {type(value).__name__}")
        text = value.strip()
        if required and not text:
            raise ActionError(f"{name} must not be empty")
        if len(text) > max_length:
            raise ActionError(f"{name} is {len(text)} characters long; the limit is {max_length}")
        if single_line and any(ord(char) < 32 for char in text):
            raise ActionError(f"{name} must be a single line of text")
        return text

    return Parser(f"text ≤ {max_length} characters", read)


def _choice(choices: Sequence[str]) -> Parser:
    def read(value: object, name: str) -> str:
        if not isinstance(value, str) or value.strip() not in choices:
            raise ActionError(f"{name} must be one of {', '.join(choices)}, got {_shown(value)}")
        return value.strip()

    return Parser("one of " + ", ".join(choices), read)


def _lines(value: object, name: str) -> list[str]:
    try:
        return clean_talking_points(value)
    except GreenroomError as error:
        raise ActionError(f"{name}: {error}") from None


WHOLE_NUMBER = Parser("whole number", _whole_number)
POSITION = Parser("whole number ≥ 0", _non_negative)
ID = Parser("whole number ≥ 1", _id)
EXPECT = Parser('"ready" or whole number ≥ 0', _expected)
AMOUNT = Parser("seconds or a duration: 30, 30s, 1m, 1:30", _amount_ms)
BOOLEAN = Parser("true or false", _boolean)
LINES = Parser("list of lines, or text with one per line", _lines)
GUEST_STATUS = _choice([status.value for status in GuestStatus])

#: Marks a parameter that must be given.
REQUIRED: Any = object()


def param(parser: Parser, description: str, *, default: Any = REQUIRED, sent_as: str | None = None,
          aliases: tuple[str, ...] = (), shown_default: object = None) -> Any:
    """A parameter field of an action's parameter dataclass.

    ``sent_as`` is the name clients use when it differs from the field's (``seconds`` → ``amount_ms``);
    ``aliases`` are older names still accepted; ``shown_default`` is the default as a client would send it.
    """
    metadata = {"parser": parser, "description": description, "sent_as": sent_as, "aliases": aliases,
                "shown_default": default if shown_default is None and default is not REQUIRED else shown_default}
    if default is REQUIRED:
        return field(metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class ParamInfo:
    """One parameter as clients see it."""

    name: str
    kind: str
    description: str
    required: bool
    default: object = None


def _describe(params_type: type) -> tuple[ParamInfo, ...]:
    described = []
    for item in dataclasses.fields(params_type):
        required = item.default is dataclasses.MISSING
        described.append(ParamInfo(
            name=item.metadata["sent_as"] or item.name,
            kind=item.metadata["parser"].kind,
            description=item.metadata["description"],
            required=required,
            default=None if required else item.metadata["shown_default"],
        ))
    return tuple(described)


P = TypeVar("P")


def parse_params(params_type: type[P], raw: RawParams, *, strict: bool = False) -> P:
    """Build ``params_type`` from what a client sent; ``strict`` refuses parameters the action lacks."""
    values: dict[str, Any] = {}
    known: set[str] = set()
    for item in dataclasses.fields(params_type):  # type: ignore[arg-type]
        names = (item.metadata["sent_as"] or item.name, *item.metadata["aliases"])
        known.update(names)
        given = next((name for name in names if name in raw), None)
        if given is None:
            if item.default is dataclasses.MISSING:
                raise ActionError(f"{names[0]} is required")
            continue
        values[item.name] = item.metadata["parser"].read(raw[given], names[0])
    if strict:
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ActionError(f"unknown parameter(s): {', '.join(unknown)}; use {', '.join(sorted(known))}")
    return params_type(**values)


# -- the parameters of each kind of action -------------------------------------------------------------


@dataclass(frozen=True)
class NoParams:
    """An action that takes nothing."""


def _expect() -> Any:
    return param(EXPECT, "the segment the press was meant for (0-based, or \"ready\" before the start): "
                 "if the show is elsewhere the press is refused with 409 and nothing changes", default=None)


@dataclass(frozen=True)
class ShowParams:
    """Every show action may say which segment it was meant for."""

    expect: int | str | None = _expect()


@dataclass(frozen=True)
class EndParams:
    confirm: bool = param(BOOLEAN, f"end now; without it a second show.end within {CONFIRM_WINDOW_MS // 1000} s "
                          "is needed (the first gets 409)", default=False)
    expect: int | str | None = _expect()


@dataclass(frozen=True)
class AdjustParams:
    amount_ms: int = param(AMOUNT, "how much time to add or take off the current segment",
                           default=DEFAULT_ADJUST_SECONDS * 1000, sent_as="seconds", aliases=("by",),
                           shown_default=DEFAULT_ADJUST_SECONDS)
    expect: int | str | None = _expect()


@dataclass(frozen=True)
class JumpParams:
    segment: int = param(POSITION, "the segment to go to (0-based)")
    expect: int | str | None = _expect()


@dataclass(frozen=True)
class SkipParams:
    segment: int | None = param(POSITION, "the segment to skip (0-based); the current one when absent", default=None)
    expect: int | str | None = _expect()


@dataclass(frozen=True)
class MessageParams:
    text: str = param(_text(MAX_MESSAGE_LENGTH, required=True), "what the host reads")
    blink: bool = param(BOOLEAN, "make it blink on the presenter view", default=False)


_UNSET: Any = None


@dataclass(frozen=True)
class GuestFields:
    """A guest's details; a field left out is left alone (``None`` here), an empty one is cleared."""

    name: str | None = param(_text(MAX_FIELD_LENGTH["name"]), "name (needed to add a guest)", default=_UNSET)
    pronouns: str | None = param(_text(MAX_FIELD_LENGTH["pronouns"]), "pronouns", default=_UNSET)
    title_or_handle: str | None = param(_text(MAX_FIELD_LENGTH["title_or_handle"]), "title or handle",
                                        default=_UNSET)
    contact: str | None = param(_text(MAX_FIELD_LENGTH["contact"]), "contact (private)", default=_UNSET)
    topic: str | None = param(_text(MAX_FIELD_LENGTH["topic"]), "topic", default=_UNSET)
    notes: str | None = param(_text(MAX_NOTES_LENGTH, single_line=False), "notes (private)", default=_UNSET)
    booked_by: str | None = param(_text(MAX_NOTES_LENGTH), "who booked the guest", default=_UNSET)
    talking_points: list[str] | None = param(LINES, "talking points", default=_UNSET)

    def given(self) -> dict[str, Any]:
        """Only the details the client sent, ready for :class:`livekit.guests.GuestQueue`."""
        values = ((item.name, getattr(self, item.name)) for item in dataclasses.fields(GuestFields))
        return {name: value for name, value in values if value is not None}


#: Guest details the queue stores; a test keeps :class:`GuestFields` in line with them.
GUEST_DETAILS = (*TEXT_FIELDS, "talking_points")


@dataclass(frozen=True, kw_only=True)
class GuestUpdateParams(GuestFields):
    id: int = param(ID, "the guest's id")


@dataclass(frozen=True)
class GuestIdParams:
    id: int = param(ID, "the guest's id")


@dataclass(frozen=True)
class GuestStatusParams:
    id: int = param(ID, "the guest's id")
    status: str = param(GUEST_STATUS, "the guest's new status")


@dataclass(frozen=True)
class GuestMoveParams:
    id: int = param(ID, "the guest's id")
    position: int = param(POSITION, "the new place in the queue (0-based)")


@dataclass(frozen=True)
class QuestionParams:
    id: int = param(ID, "the question's id")


# -- what the handlers may do to a show ------------------------------------------------------------


class ShowControls(Protocol):
    """The runner's side of the table: each handler calls exactly one of these."""

    #: The show, to read only: every change goes through :meth:`cue` (or :meth:`undo`).
    show: Show
    #: The one place where double presses and "press again to confirm" are decided (the terminal asks it too).
    presses: Presses

    def cue(self, operation: Callable[[Show], ShowEvent]) -> None:
        """Run one show operation (it is journaled before it takes effect)."""

    def undo(self) -> None:
        """Revert the show's last navigation (``Show.undo``, journaled like any operation)."""

    def set_message(self, text: str | None, blink: bool = False) -> None:
        """Show a message to the host, or clear it (``None``)."""

    def add_guest(self, fields: dict[str, Any]) -> None: ...

    def update_guest(self, guest_id: int, fields: dict[str, Any]) -> None: ...

    def set_guest_status(self, guest_id: int, status: str) -> None: ...

    def check_in_guest(self, guest_id: int) -> None: ...

    def move_guest(self, guest_id: int, position: int) -> None: ...

    def moderate_question(self, action: str, question_id: int) -> None: ...


@dataclass(frozen=True)
class HttpRoute:
    """One URL an action is reachable on; ``{id}`` in the path fills the ``id`` parameter.

    ``defaults`` fill parameters the request left out (``extend`` on a Stream Deck button: 60 s).
    """

    method: str
    path: str
    defaults: Mapping[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Action(Generic[P]):
    """One producer action: ``handler(controls, params)`` after ``params`` were parsed."""

    name: str
    description: str
    params: type[P]
    handler: Callable[[ShowControls, P], None]
    routes: tuple[HttpRoute, ...]
    #: Older names still accepted (websocket clients that said ``guests.check-in``).
    aliases: tuple[str, ...] = ()
    #: Refuse parameters the action does not know (guest details: a typo must not vanish silently).
    strict: bool = False

    @property
    def family(self) -> str:
        return self.name.partition(".")[0]

    def parse(self, raw: RawParams) -> P:
        return parse_params(self.params, raw, strict=self.strict)

    def describe(self) -> tuple[ParamInfo, ...]:
        return _describe(self.params)

    def public(self) -> dict[str, Any]:
        """What ``GET /api/actions`` serves for this action."""
        return {
            "name": self.name,
            "description": self.description,
            "params": [dataclasses.asdict(info) for info in self.describe()],
            "routes": [{"method": route.method, "path": route.path, "defaults": dict(route.defaults)}
                       for route in self.routes],
        }


def _post(path: str, **defaults: object) -> HttpRoute:
    return HttpRoute("POST", path, defaults)


# -- show actions: the guards every press goes through ---------------------------------------------


Operation = Callable[[Show], ShowEvent]


def segment_name(show: Show, index: int) -> str:
    """How errors name a segment: 1-based, with its title (``segment 3 (Q&A)``)."""
    return f"segment {index + 1} ({show.rundown.segments[index].title})"


def _where(show: Show, position: int | str | None) -> str:
    if position == "ready":
        return "before the start"
    if position is None:
        return "after the end"
    return segment_name(show, int(position)) if isinstance(position, int) else repr(position)


def _check_expected(show: Show, expect: int | str) -> None:
    """Refuse a press meant for another moment of the show: the page that sent it was behind."""
    actual: int | str | None = "ready" if show.status is ShowStatus.READY else show.current
    if show.status is ShowStatus.ENDED:
        actual = None
    if expect == actual:
        return
    if isinstance(expect, int) and expect >= len(show.rundown.segments):
        meant = f"segment {expect + 1}, which this rundown does not have"
    else:
        meant = _where(show, expect)
    now = "the show has ended" if actual is None else (
        "the show has not started" if actual == "ready" else f"{_where(show, actual)} is on air")
    raise StaleAction(f"refused: the press was meant for {meant} but {now}; nothing changed")


def _guarded(operation: Operation, expect: int | str | None, presses: Presses | None = None,
             action: str = "") -> Operation:
    """``operation`` after the stale-press checks: ``expect`` when given, else (for navigation, which
    passes ``presses``) the double-press rule: the same action again within :data:`DOUBLE_PRESS_MS`.
    ``action`` names the press: ``show.jump:3`` (a jump to another segment is another press)."""

    def guarded(show: Show) -> ShowEvent:
        if expect is not None:
            _check_expected(show, expect)
        elif presses is not None and presses.is_double_press(action):
            label = action.partition(".")[2].partition(":")[0].capitalize()
            raise StaleAction(f"{label} was pressed twice within {DOUBLE_PRESS_MS // 1000} s: the second press "
                              "was ignored (send expect to act again at once)")
        event = operation(show)
        if presses is not None:
            presses.done(action)
        return event

    return guarded


def _would_end(show: Show, operation: Operation) -> bool:
    """Whether ``operation`` would end the show, asked of a copy rebuilt from the events (no journal), so
    the core's own rule decides which segments are still to come."""
    probe = Show.replay(show.rundown, show.events, show.clock, default_warning_ms=show.warning_ms)
    return operation(probe).ends_show


def _last_segment(show: Show, action: str) -> ConfirmationNeeded:
    current = show.current if show.current is not None else 0
    return ConfirmationNeeded(
        f"{segment_name(show, current)} is the last segment: {action} does not end the show; "
        "end it with End (e in the terminal, or show.end with confirm=true)", "show.end")


def _next(show: Show) -> ShowEvent:
    """Start a ready show; never end one: after the last segment the producer must say ``show.end``."""
    if show.status is ShowStatus.READY:
        return show.start()
    if show.status is ShowStatus.LIVE and _would_end(show, Show.next):
        raise _last_segment(show, "Next")
    return show.next()


def _end(presses: Presses, confirm: bool) -> Operation:
    def end(show: Show) -> ShowEvent:
        if show.status is ShowStatus.LIVE and not confirm and not presses.confirmed("show.end"):
            raise ConfirmationNeeded(
                f"end the show and stop the recording? Press End again within {CONFIRM_WINDOW_MS // 1000} s "
                "(or send confirm=true)", "show.end")
        presses.cancel("show.end")
        return show.end()

    return end


def _shorten(ms: int) -> Operation:
    def shorten(show: Show) -> ShowEvent:
        current = show.current
        if show.status is ShowStatus.LIVE and current is not None and ms > show.allotted_ms(current):
            raise ActionError(f"cannot shorten by {format_clock(ms)}: {segment_name(show, current)} only has "
                              f"{format_clock(show.allotted_ms(current))} allotted")
        return show.shorten(ms)

    return shorten


def _check_in_rundown(show: Show, index: int | None, verb: str) -> None:
    count = len(show.rundown.segments)
    if index is not None and index >= count:
        raise ActionError(f"cannot {verb} segment {index} (0-based): this rundown has {count} segment"
                          f"{'' if count == 1 else 's'}, numbered 0 to {count - 1}")


def _jump(index: int) -> Operation:
    def jump(show: Show) -> ShowEvent:
        _check_in_rundown(show, index, "jump to")
        if show.status is ShowStatus.LIVE and show.current == index:
            raise ActionError(f"already on {segment_name(show, index)}")
        return show.jump(index)

    return jump


def _skip(index: int | None) -> Operation:
    def skip(show: Show) -> ShowEvent:
        _check_in_rundown(show, index, "skip")
        if index is not None:
            state = show.snapshot().segments[index]
            if state.skipped:
                raise ActionError(f"{segment_name(show, index)} is already skipped")
            if index != show.current and state.actual_start_ms is not None:
                raise ActionError(f"{segment_name(show, index)} has already aired")
        if show.status is ShowStatus.LIVE and (index is None or index == show.current) \
                and _would_end(show, lambda probe: probe.skip(index)):
            raise _last_segment(show, "Skip")
        return show.skip(index)

    return skip


def _show(name: str, description: str, operation: Operation, *, navigation: bool = False) -> Action[ShowParams]:
    def handler(controls: ShowControls, params: ShowParams) -> None:
        controls.cue(_guarded(operation, params.expect, controls.presses if navigation else None, f"show.{name}"))

    return Action(f"show.{name}", description, ShowParams, handler, (_post(f"/api/show/{name}"),))


def _adjust(name: str, description: str, sign: int) -> Action[AdjustParams]:
    def handler(controls: ShowControls, params: AdjustParams) -> None:
        ms = params.amount_ms
        operation: Operation = (lambda show: show.extend(ms)) if sign > 0 else _shorten(ms)
        controls.cue(_guarded(operation, params.expect))

    return Action(f"show.{name}", description, AdjustParams, handler,
                  (_post(f"/api/show/{name}", seconds=60),))


def _jump_handler(controls: ShowControls, params: JumpParams) -> None:
    controls.cue(_guarded(_jump(params.segment), params.expect, controls.presses, f"show.jump:{params.segment}"))


def _skip_handler(controls: ShowControls, params: SkipParams) -> None:
    press = "show.skip" if params.segment is None else f"show.skip:{params.segment}"
    controls.cue(_guarded(_skip(params.segment), params.expect, controls.presses, press))


def _end_handler(controls: ShowControls, params: EndParams) -> None:
    controls.cue(_guarded(_end(controls.presses, params.confirm), params.expect))


def _undo_handler(controls: ShowControls, params: ShowParams) -> None:
    if params.expect is not None:
        _check_expected(controls.show, params.expect)
    controls.undo()
    controls.presses.forget_done()


def _found(handler: Callable[[ShowControls, P], None]) -> Callable[[ShowControls, P], None]:
    """An id that names no guest or question is :class:`NotFound` (HTTP 404), not a bad request."""

    def call(controls: ShowControls, params: P) -> None:
        try:
            handler(controls, params)
        except (UnknownGuest, UnknownQuestion) as error:
            raise NotFound(str(error)) from None

    return call


def _question(name: str, description: str) -> Action[QuestionParams]:
    return Action(f"questions.{name}", description, QuestionParams,
                  _found(lambda controls, params: controls.moderate_question(name, params.id)),
                  (_post(f"/api/questions/{{id}}/{name}"),))


ACTIONS: tuple[Action[Any], ...] = (
    _show("start", "start the show", Show.start),
    _show("next", "go to the next segment; starts a ready show; on the last segment it does not end the show "
          "(409 asking for show.end)", _next, navigation=True),
    _show("back", "go back to the segment you were on before the last move", Show.back, navigation=True),
    _show("hold", "hold the clock on the current segment", Show.hold),
    _show("resume", "resume after a hold", Show.resume),
    _adjust("extend", "give the current segment more time", +1),
    _adjust("shorten", "take time off the current segment", -1),
    Action("show.jump", "go to a segment", JumpParams, _jump_handler, (_post("/api/show/jump"),)),
    Action("show.skip", "skip a segment (the current one by default, or `?segment=` for one still to come); "
           "like next, it never ends the show",
           SkipParams, _skip_handler, (_post("/api/show/skip"),)),
    Action("show.undo", "undo the last navigation (next, back, jump, skip) within 30 s of it", ShowParams,
           _undo_handler, (_post("/api/show/undo"),)),
    Action("show.end", "end the show (stops the recording): needs `confirm=true` or a second press within 5 s",
           EndParams, _end_handler, (_post("/api/show/end"),)),
    Action("message.set", "show a message to the host", MessageParams,
           lambda controls, params: controls.set_message(params.text, params.blink),
           (_post("/api/message"),)),
    Action("message.clear", "clear the message to the host", NoParams,
           lambda controls, _params: controls.set_message(None),
           (_post("/api/message/clear"), HttpRoute("DELETE", "/api/message"))),
    Action("guests.add", "add a guest to the show's queue", GuestFields,
           lambda controls, params: controls.add_guest(params.given()),
           (_post("/api/guests"),), strict=True),
    Action("guests.update", "edit a guest's details", GuestUpdateParams,
           _found(lambda controls, params: controls.update_guest(params.id, params.given())),
           (HttpRoute("PATCH", "/api/guests/{id}"), _post("/api/guests/{id}")), strict=True),
    Action("guests.status", "move a guest to another status", GuestStatusParams,
           _found(lambda controls, params: controls.set_guest_status(params.id, params.status)),
           (_post("/api/guests/{id}/status"),)),
    Action("guests.check_in", "the guest has arrived (to in_green_room)", GuestIdParams,
           _found(lambda controls, params: controls.check_in_guest(params.id)),
           (_post("/api/guests/{id}/check-in"),), aliases=("guests.check-in",)),
    Action("guests.move", "reorder the guest queue", GuestMoveParams,
           _found(lambda controls, params: controls.move_guest(params.id, params.position)),
           (_post("/api/guests/{id}/move"),)),
    _question("approve", "approve a viewer question"),
    _question("reject", "reject a viewer question"),
    _question("show", "put a viewer question on screen"),
    _question("hide", "take a viewer question off screen"),
    _question("answer", "mark a viewer question answered"),
)


_BY_NAME: dict[str, Action[Any]] = {
    name: action for action in ACTIONS for name in (action.name, *action.aliases)
}


def find_action(name: object) -> Action[Any]:
    """The action called ``name``; an :class:`ActionError` naming the choices when there is none."""
    action = _BY_NAME.get(name) if isinstance(name, str) else None
    if action is None:
        raise ActionError(f"unknown action {name!r}; use {', '.join(a.name for a in ACTIONS)}")
    return action


def action_names(family: str | None = None) -> list[str]:
    """Action names (``show.next``...), optionally of one family (``show``)."""
    return [action.name for action in ACTIONS if family is None or action.family == family]


def public_description() -> list[dict[str, Any]]:
    """The whole table as JSON: served by ``GET /api/actions``."""
    return [action.public() for action in ACTIONS]
