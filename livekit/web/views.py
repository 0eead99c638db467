"""What each page may see of the runner's state: pure whitelists, so private data never leaves the server.

The control room (token holders) sees everything. The presenter view (no token, often on a tablet) sees
what the host needs: timers, prompts, talking points, the producer's message. The overlay (no token,
broadcast to viewers) sees only public fields: titles, the lower third and the question on screen.
Fields are *picked*, never removed, so a field the runner adds later stays private until listed here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from livekit.guests.core import lower_third_text

VIEWS = ("control", "presenter", "overlay")

PRESENTER_SHOW_FIELDS = (
    "title",
    "status",
    "now_ms",
    "current",
    "held",
    "phase",
    "segment_title",
    "guest",
    "talking_points",
    "elapsed_ms",
    "allotted_ms",
    "remaining_ms",
    "prompt",
    "next_prompt",
    "next_prompt_in_ms",
    "next_segment_title",
    "show_elapsed_ms",
    "offset_ms",
    "warning_ms",
    "expected_end_ms",
    "planned_end_ms",
)
OVERLAY_SHOW_FIELDS = ("title", "status", "segment_title")
PRESENTER_GUEST_FIELDS = ("name", "pronouns", "title_or_handle", "topic", "talking_points")
PUBLIC_GUEST_FIELDS = ("name", "pronouns", "title_or_handle")
PUBLIC_QUESTION_FIELDS = ("id", "author", "text", "platform")


def view_of(state: Mapping[str, Any], view: str) -> dict[str, Any]:
    if view == "control":
        return control_view(state)
    if view == "presenter":
        return presenter_view(state)
    if view == "overlay":
        return overlay_view(state)
    raise ValueError(f"unknown view {view!r}")


def control_view(state: Mapping[str, Any]) -> dict[str, Any]:
    """Everything, plus the derived fields the other views get (so the producer sees what they see)."""
    view = dict(state)
    view["guest_on_air"] = guest_on_air(state.get("guests") or ())
    view["lower_third"] = lower_third_text(view["guest_on_air"])
    view["question_on_screen"] = _pick(question_on_screen(state.get("questions") or ()), PUBLIC_QUESTION_FIELDS)
    return view


def presenter_view(state: Mapping[str, Any]) -> dict[str, Any]:
    on_air = guest_on_air(state.get("guests") or ())
    return {
        "server_time_ms": state.get("server_time_ms"),
        "show": _pick(state.get("show"), PRESENTER_SHOW_FIELDS),
        "message": _pick(state.get("message"), ("text", "blink")),
        "guest_on_air": _pick(on_air, PRESENTER_GUEST_FIELDS),
        "lower_third": lower_third_text(on_air),
        "question_on_screen": _pick(question_on_screen(state.get("questions") or ()), PUBLIC_QUESTION_FIELDS),
    }


def overlay_view(state: Mapping[str, Any]) -> dict[str, Any]:
    on_air = guest_on_air(state.get("guests") or ())
    return {
        "server_time_ms": state.get("server_time_ms"),
        "show": _pick(state.get("show"), OVERLAY_SHOW_FIELDS),
        "guest_on_air": _pick(on_air, PUBLIC_GUEST_FIELDS),
        "lower_third": lower_third_text(on_air),
        "question_on_screen": _pick(question_on_screen(state.get("questions") or ()), PUBLIC_QUESTION_FIELDS),
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
    return dict(max(shown, key=lambda question: (question.get("changed_ms") or 0, question.get("id") or 0)))


def _pick(source: Mapping[str, Any] | None, fields: Iterable[str]) -> dict[str, Any] | None:
    if source is None:
        return None
    return {key: source.get(key) for key in fields}
