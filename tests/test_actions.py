"""The action table: each parameter is read the same way from JSON, query strings and websockets."""

import dataclasses
import inspect
import re
from pathlib import Path

import pytest

from greenroom.templates import default_templates_dir
from livekit.control.actions import (
    ACTIONS,
    GUEST_DETAILS,
    GuestFields,
    ShowControls,
    action_names,
    find_action,
)
from livekit.control.port import ActionError
from livekit.control.presses import CONFIRM_WINDOW_MS, DOUBLE_PRESS_MS, Presses
from livekit.runner.show_runner import ShowRunner

WEB = default_templates_dir() / "web"


def parse(action: str, raw: dict):
    return find_action(action).parse(raw)


@pytest.mark.parametrize(("sent", "ms"), [(30, 30_000), ("30", 30_000), ("1m30s", 90_000), ("1:30", 90_000),
                                          (1.5, 1_500), ("2m", 120_000)])
def test_extend_reads_seconds_or_a_duration(sent, ms):
    assert parse("show.extend", {"seconds": sent}).amount_ms == ms


def test_extend_still_reads_the_older_by():
    assert parse("show.extend", {"by": 45}).amount_ms == 45_000


def test_extend_without_an_amount_is_30_seconds():
    assert parse("show.extend", {}).amount_ms == 30_000


@pytest.mark.parametrize("sent", [float("nan"), float("inf"), 1e300, -5, 0, "soon", True, None, [30]])
def test_an_impossible_amount_is_refused_naming_seconds(sent):
    with pytest.raises(ActionError, match=r"^seconds"):
        parse("show.extend", {"seconds": sent})


@pytest.mark.parametrize(("sent", "index"), [(2, 2), ("2", 2), (" 2 ", 2), (2.0, 2)])
def test_a_segment_is_a_whole_number_from_json_or_text(sent, index):
    assert parse("show.jump", {"segment": sent}).segment == index


@pytest.mark.parametrize("sent", ["two", 2.5, True, "", None, -1])
def test_a_segment_that_is_not_a_whole_number_0_or_more_is_refused(sent):
    with pytest.raises(ActionError, match=r"^segment must be"):
        parse("show.jump", {"segment": sent})


def test_a_missing_required_parameter_is_named():
    with pytest.raises(ActionError, match="^segment is required$"):
        parse("show.jump", {})


@pytest.mark.parametrize(("sent", "blink"), [(True, True), ("yes", True), ("1", True), ("on", True), (False, False),
                                             ("false", False), ("0", False), ("off", False), (0, False)])
def test_blink_reads_json_booleans_and_button_words(sent, blink):
    assert parse("message.set", {"text": "Hi", "blink": sent}).blink is blink


@pytest.mark.parametrize("sent", ["nope", "maybe", 2, [], None])
def test_a_blink_that_is_neither_yes_nor_no_is_an_error_not_false(sent):
    with pytest.raises(ActionError, match="^blink must be true or false"):
        parse("message.set", {"text": "Hi", "blink": sent})


@pytest.mark.parametrize(("sent", "error"), [("   ", "text must not be empty"), ("x" * 501, "text is 501 characters"),
                                             (42, "text must be text"), ("two\nlines", "single line")])
def test_a_message_is_one_line_of_up_to_500_characters(sent, error):
    with pytest.raises(ActionError, match=error):
        parse("message.set", {"text": sent})


def test_a_message_is_stripped():
    assert parse("message.set", {"text": "  Wrap up  "}).text == "Wrap up"


def test_guest_details_sent_are_kept_and_those_left_out_are_not_touched():
    params = parse("guests.update", {"id": "7", "topic": "Launch", "notes": None, "talking_points": "A\nB"})
    assert params.id == 7
    assert params.given() == {"topic": "Launch", "notes": "", "talking_points": ["A", "B"]}


def test_an_unknown_guest_detail_is_refused_listing_the_known_ones():
    with pytest.raises(ActionError, match="unknown parameter.*pronoun; use booked_by, contact, name"):
        parse("guests.add", {"name": "Jane", "pronoun": "she/her"})


def test_a_guest_status_must_be_one_of_the_statuses():
    with pytest.raises(ActionError, match="^status must be one of invited, confirmed"):
        parse("guests.status", {"id": 1, "status": "sleeping"})


def test_the_table_knows_every_guest_detail_the_queue_stores():
    assert {item.name for item in dataclasses.fields(GuestFields)} == set(GUEST_DETAILS)


def test_an_unknown_action_is_refused_listing_the_actions():
    with pytest.raises(ActionError, match=r"unknown action 'show\.rewind'; use show\.start, show\.next"):
        find_action("show.rewind")


def test_action_names_are_unique_and_each_route_belongs_to_one_action():
    names = [name for action in ACTIONS for name in (action.name, *action.aliases)]
    routes = [(route.method, route.path) for action in ACTIONS for route in action.routes]
    assert len(names) == len(set(names)) and len(routes) == len(set(routes))


def test_the_runner_offers_everything_the_table_s_handlers_call():
    wanted = {name for name, _ in inspect.getmembers(ShowControls, inspect.isfunction) if not name.startswith("_")}
    for name in wanted:
        assert inspect.signature(getattr(ShowRunner, name)).parameters.keys() == \
            inspect.signature(getattr(ShowControls, name)).parameters.keys(), name


def _names_used_by(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    return set(re.findall(r"""["']((?:show|message|guests|questions)\.[a-z_-]+)["']""", text))


def test_every_action_the_control_page_sends_is_in_the_table():
    used = _names_used_by(WEB / "control.js") | _names_used_by(WEB / "control.html")
    assert used and used <= set(action_names())


def test_every_question_button_of_the_control_page_is_a_question_action():
    script = (WEB / "control.js").read_text(encoding="utf-8")
    buttons = re.search(r"const QUESTION_ACTIONS = \{(.*?)\};", script, re.DOTALL)
    assert buttons
    named = set(re.findall(r'"([a-z]+)"', buttons.group(1)))
    assert {f"questions.{name}" for name in named} == set(action_names("questions"))


def test_every_action_of_the_terminal_keys_is_in_the_table():
    source = (Path(__file__).resolve().parent.parent / "livekit" / "runner" / "terminal.py").read_text()
    used = set(re.findall(r'"((?:show|message|guests|questions)\.[a-z_-]+)"', source))
    assert used and used <= set(action_names())


# -- presses: confirmations and double presses, on an injected clock ----------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000

    def __call__(self) -> int:
        return self.now


def test_a_first_press_asks_for_a_confirmation_and_a_second_within_the_window_gives_it():
    clock = Clock()
    presses = Presses(clock)
    assert presses.confirmed("show.end") is False
    clock.now += CONFIRM_WINDOW_MS
    assert presses.confirmed("show.end") is True


def test_a_confirmation_expires_and_the_late_press_asks_again():
    clock = Clock()
    presses = Presses(clock)
    presses.confirmed("show.end")
    clock.now += CONFIRM_WINDOW_MS + 1
    assert (presses.confirmed("show.end"), presses.pending("show.end")) == (False, True)


def test_a_confirmation_is_used_up_once_given():
    clock = Clock()
    presses = Presses(clock)
    presses.confirmed("show.end")
    presses.confirmed("show.end")
    assert presses.confirmed("show.end") is False


def test_the_same_action_within_the_double_press_window_is_a_double_press():
    clock = Clock()
    presses = Presses(clock)
    presses.done("show.next")
    clock.now += DOUBLE_PRESS_MS - 1
    assert presses.is_double_press("show.next") is True
    assert presses.is_double_press("show.back") is False
    clock.now += 1
    assert presses.is_double_press("show.next") is False


def test_after_an_undo_no_press_counts_as_a_double_press():
    presses = Presses(Clock())
    presses.done("show.next")
    presses.forget_done()
    assert presses.is_double_press("show.next") is False
