"""What each page may see of the runner's state: pure whitelists, so private data never leaves the server.

The control room (token holders) sees everything. The presenter view (no token, often on a tablet) sees
what the host needs: timers, prompts, talking points, the producer's message. The overlay (no token,
broadcast to viewers) sees only public fields: titles, the lower third and the question on screen.
Fields are *picked*, never removed, so a field the runner adds later stays private until listed here: the
``TypedDict`` of each page's part *is* its whitelist (its keys are the fields picked).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypedDict, TypeVar, cast

from livekit.control.port import HostMessage, ShowState
from livekit.guests.core import lower_third_text

VIEWS = ("control", "presenter", "overlay")


class PresenterShow(TypedDict):
    """What the host's screen shows of the show: timers, prompts, talking points, what's next."""

    title: str
    status: str
    now_ms: int
    current: int | None
    held: bool
    phase: str | None
    segment_title: str | None
    guest: str | None
    talking_points: list[str]
    elapsed_ms: int
    allotted_ms: int
    remaining_ms: int
    prompt: str | None
    next_prompt: str | None
    next_prompt_in_ms: int | None
    next_segment_title: str | None
    show_elapsed_ms: int
    offset_ms: int
    warning_ms: int
    expected_end_ms: int | None
    planned_end_ms: int | None
    rehearsal: bool
    undo_until_ms: int | None
    #: The planned start, for "Starting in 2:00" before the show begins (None: not scheduled).
    scheduled_start_ms: int | None


class OverlayShow(TypedDict):
    """What viewers may see of the show (a rehearsal says so: it may be streamed to a private test), and when
    it is planned to start: the "Starting in 2:00" countdown is on stream before the show begins."""

    title: str
    status: str
    segment_title: str | None
    rehearsal: bool
    scheduled_start_ms: int | None


class PublicGuest(TypedDict):
    """A guest as the lower third names them."""

    name: str
    pronouns: str
    title_or_handle: str


class PresenterGuest(PublicGuest):
    """The guest on air as the host needs them (no contact, no private notes)."""

    topic: str
    talking_points: list[str]


class PublicQuestion(TypedDict):
    """A viewer question as it is shown on screen."""

    id: int
    author: str
    text: str
    platform: str


class PresenterMessage(TypedDict):
    text: str
    blink: bool


class ControlView(ShowState):
    """The control room: the whole state plus what the other pages derive from it."""

    guest_on_air: dict[str, Any] | None
    lower_third: str
    question_on_screen: PublicQuestion | None


class PresenterView(TypedDict):
    server_time_ms: int | None
    show: PresenterShow | None
    message: PresenterMessage | None
    guest_on_air: PresenterGuest | None
    lower_third: str
    question_on_screen: PublicQuestion | None


class OverlayView(TypedDict):
    server_time_ms: int | None
    show: OverlayShow | None
    guest_on_air: PublicGuest | None
    lower_third: str
    question_on_screen: PublicQuestion | None


PageView = ControlView | PresenterView | OverlayView


def view_of(state: ShowState | Mapping[str, Any], view: str) -> PageView:
    if view == "control":
        return control_view(state)
    if view == "presenter":
        return presenter_view(state)
    if view == "overlay":
        return overlay_view(state)
    raise ValueError(f"unknown view {view!r}")


def control_view(state: ShowState | Mapping[str, Any]) -> ControlView:
    """Everything, plus the derived fields the other views get (so the producer sees what they see)."""
    view = cast(ControlView, dict(state))
    view["guest_on_air"] = guest_on_air(state.get("guests") or ())
    view["lower_third"] = lower_third_text(view["guest_on_air"])
    view["question_on_screen"] = _pick(question_on_screen(state.get("questions") or ()), PublicQuestion)
    return view


def presenter_view(state: ShowState | Mapping[str, Any]) -> PresenterView:
    on_air = guest_on_air(state.get("guests") or ())
    message: HostMessage | None = state.get("message")
    return {
        "server_time_ms": state.get("server_time_ms"),
        "show": _pick(state.get("show"), PresenterShow),
        "message": _pick(message, PresenterMessage),
        "guest_on_air": _pick(on_air, PresenterGuest),
        "lower_third": lower_third_text(on_air),
        "question_on_screen": _pick(question_on_screen(state.get("questions") or ()), PublicQuestion),
    }


def overlay_view(state: ShowState | Mapping[str, Any]) -> OverlayView:
    on_air = guest_on_air(state.get("guests") or ())
    return {
        "server_time_ms": state.get("server_time_ms"),
        "show": _pick(state.get("show"), OverlayShow),
        "guest_on_air": _pick(on_air, PublicGuest),
        "lower_third": lower_third_text(on_air),
        "question_on_screen": _pick(question_on_screen(state.get("questions") or ()), PublicQuestion),
    }


def guest_on_air(guests: Iterable[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The guest who went on air last (a panel can have several on air; the lower third shows one)."""
    on_air = [guest for guest in guests if guest.get("status") == "on_air"]
    if not on_air:
        return None
    latest = max(on_air, key=lambda guest: (guest.get("status_changed_ms") or 0, guest.get("id") or 0))
    return dict(latest)


def question_on_screen(questions: Iterable[Mapping[str, Any]]) -> dict[str, Any] | None:
    shown = [question for question in questions if question.get("status") == "on_screen"]
    if not shown:
        return None
    latest = max(shown, key=lambda question: (question.get("changed_ms") or 0, question.get("id") or 0))
    return dict(latest.items())


Picked = TypeVar("Picked")


def _pick(source: Mapping[str, Any] | None, shape: type[Picked]) -> Picked | None:
    """The keys of the TypedDict ``shape``, read from ``source`` (a key it lacks is None)."""
    if source is None:
        return None
    return cast(Picked, {key: source.get(key) for key in shape.__annotations__})
