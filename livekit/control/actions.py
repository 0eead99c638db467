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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from greenroom.errors import GreenroomError
from livekit.control.port import ActionError
from livekit.core.durations import DURATION_HELP, parse_duration
from livekit.core.show import Show, ShowEvent
from livekit.guests.core import (
    MAX_FIELD_LENGTH,
    MAX_NOTES_LENGTH,
    TEXT_FIELDS,
    GuestStatus,
    clean_talking_points,
)

#: Raw parameters as a client sent them (JSON object, query string, path placeholders).
RawParams = Mapping[str, object]

MAX_MESSAGE_LENGTH = 500
#: The longest a producer may extend or shorten a segment by in one action.
MAX_ADJUST_MS = 24 * 3600 * 1000
#: What ``show.extend``/``show.shorten`` change by when no amount is given (the HTTP routes say 60 s).
DEFAULT_ADJUST_SECONDS = 30

_WHOLE_NUMBER = re.compile(r"[+-]?\d+")
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
    raise ActionError(f"{name} must be a whole number, got {value!r}")


def _non_negative(value: object, name: str) -> int:
    number = _whole_number(value, name)
    if number < 0:
        raise ActionError(f"{name} must be 0 or more, got {number}")
    return number


def _amount_ms(value: object, name: str) -> int:
    """Seconds as a number, or a duration such as ``30s`` / ``1m`` / ``1:30``; positive, at most a day."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ActionError(f"{name} must be a number of seconds or {DURATION_HELP}, got {value!r}")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ActionError(f"{name} must be a finite number of seconds, got {value!r}")
        if abs(value) * 1000 > MAX_ADJUST_MS:
            raise ActionError(f"{name}: a segment can be changed by at most 24 hours at a time")
        ms = round(value * 1000)
    else:
        try:
            ms = parse_duration(value)
        except (ValueError, GreenroomError) as error:
            raise ActionError(f"{name} must be a number of seconds or a duration: {error}") from None
    if ms <= 0:
        raise ActionError(f"{name} must be a positive amount, got {value!r}")
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
    raise ActionError(f"{name} must be true or false, got {value!r}")


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
            raise ActionError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
        return value.strip()

    return Parser("one of " + ", ".join(choices), read)


def _lines(value: object, name: str) -> list[str]:
    try:
        return clean_talking_points(value)
    except GreenroomError as error:
        raise ActionError(f"{name}: {error}") from None


WHOLE_NUMBER = Parser("whole number", _whole_number)
POSITION = Parser("whole number ≥ 0", _non_negative)
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


@dataclass(frozen=True)
class AdjustParams:
    amount_ms: int = param(AMOUNT, "how much time to add or take off the current segment",
                           default=DEFAULT_ADJUST_SECONDS * 1000, sent_as="seconds", aliases=("by",),
                           shown_default=DEFAULT_ADJUST_SECONDS)


@dataclass(frozen=True)
class JumpParams:
    segment: int = param(POSITION, "the segment to go to (0-based)")


@dataclass(frozen=True)
class SkipParams:
    segment: int | None = param(POSITION, "the segment to skip (0-based); the current one when absent", default=None)


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
    id: int = param(WHOLE_NUMBER, "the guest's id")


@dataclass(frozen=True)
class GuestIdParams:
    id: int = param(WHOLE_NUMBER, "the guest's id")


@dataclass(frozen=True)
class GuestStatusParams:
    id: int = param(WHOLE_NUMBER, "the guest's id")
    status: str = param(GUEST_STATUS, "the guest's new status")


@dataclass(frozen=True)
class GuestMoveParams:
    id: int = param(WHOLE_NUMBER, "the guest's id")
    position: int = param(POSITION, "the new place in the queue (0-based)")


@dataclass(frozen=True)
class QuestionParams:
    id: int = param(WHOLE_NUMBER, "the question's id")


# -- what the handlers may do to a show ------------------------------------------------------------


class ShowControls(Protocol):
    """The runner's side of the table: each handler calls exactly one of these."""

    def cue(self, operation: Callable[[Show], ShowEvent]) -> None:
        """Run one show operation (it is journaled before it takes effect)."""

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


def _show(name: str, description: str, operation: Callable[[Show], ShowEvent]) -> Action[NoParams]:
    return Action(f"show.{name}", description, NoParams, lambda controls, _params: controls.cue(operation),
                  (_post(f"/api/show/{name}"),))


def _adjust(name: str, description: str, sign: int) -> Action[AdjustParams]:
    def handler(controls: ShowControls, params: AdjustParams) -> None:
        ms = params.amount_ms
        controls.cue(lambda show: show.extend(ms) if sign > 0 else show.shorten(ms))

    return Action(f"show.{name}", description, AdjustParams, handler,
                  (_post(f"/api/show/{name}", seconds=60),))


def _question(name: str, description: str) -> Action[QuestionParams]:
    return Action(f"questions.{name}", description, QuestionParams,
                  lambda controls, params: controls.moderate_question(name, params.id),
                  (_post(f"/api/questions/{{id}}/{name}"),))


ACTIONS: tuple[Action[Any], ...] = (
    _show("start", "start the show", Show.start),
    _show("next", "go to the next segment (ends the show after the last)", Show.next),
    _show("back", "go back to the previous segment", Show.back),
    _show("hold", "hold the clock on the current segment", Show.hold),
    _show("resume", "resume after a hold", Show.resume),
    _adjust("extend", "give the current segment more time", +1),
    _adjust("shorten", "take time off the current segment", -1),
    Action("show.jump", "go to a segment", JumpParams,
           lambda controls, params: controls.cue(lambda show: show.jump(params.segment)),
           (_post("/api/show/jump"),)),
    Action("show.skip", "skip a segment (the current one by default)", SkipParams,
           lambda controls, params: controls.cue(lambda show: show.skip(params.segment)),
           (_post("/api/show/skip"),)),
    _show("end", "end the show", Show.end),
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
           lambda controls, params: controls.update_guest(params.id, params.given()),
           (HttpRoute("PATCH", "/api/guests/{id}"), _post("/api/guests/{id}")), strict=True),
    Action("guests.status", "move a guest to another status", GuestStatusParams,
           lambda controls, params: controls.set_guest_status(params.id, params.status),
           (_post("/api/guests/{id}/status"),)),
    Action("guests.check_in", "the guest has arrived (to in_green_room)", GuestIdParams,
           lambda controls, params: controls.check_in_guest(params.id),
           (_post("/api/guests/{id}/check-in"),), aliases=("guests.check-in",)),
    Action("guests.move", "reorder the guest queue", GuestMoveParams,
           lambda controls, params: controls.move_guest(params.id, params.position),
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
