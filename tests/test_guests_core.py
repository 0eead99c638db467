"""Guest rules: statuses move only along allowed paths; fields are checked; the lower third reads well."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livekit.guests.core import (
    ALLOWED_TRANSITIONS,
    GuestError,
    GuestStatus,
    check_transition,
    clean_fields,
    closing_status,
    lower_third_text,
    next_statuses,
    reorder,
)


def test_the_happy_path_from_invitation_to_done_is_allowed():
    path = ["invited", "confirmed", "in_green_room", "on_air", "done"]
    for current, target in zip(path, path[1:], strict=False):
        assert check_transition(current, target) == GuestStatus(target)


def test_an_invited_guest_cannot_go_straight_on_air():
    with pytest.raises(GuestError, match="invited cannot become on_air"):
        check_transition("invited", "on_air")


def test_a_no_show_cannot_be_marked_done():
    with pytest.raises(GuestError, match="allowed: confirmed, in_green_room"):
        check_transition("no_show", "done")


def test_a_guest_on_air_can_step_back_into_the_green_room():
    assert check_transition("on_air", "in_green_room") == GuestStatus.IN_GREEN_ROOM


def test_unknown_status_is_refused_with_the_choices():
    with pytest.raises(GuestError, match="unknown guest status 'backstage'.*invited, confirmed"):
        check_transition("invited", "backstage")


def test_status_names_accept_spaces_and_dashes():
    assert check_transition("in green room", "on-air") == GuestStatus.ON_AIR


@given(st.sampled_from(list(GuestStatus)), st.sampled_from(list(GuestStatus)))
def test_transition_is_allowed_exactly_when_the_table_says_so(current, target):
    if target in ALLOWED_TRANSITIONS[current]:
        assert check_transition(current, target) is target
    else:
        with pytest.raises(GuestError):
            check_transition(current, target)


def test_no_status_leads_to_itself():
    assert all(status not in targets for status, targets in ALLOWED_TRANSITIONS.items())


def test_lower_third_joins_name_pronouns_and_title():
    guest = {"name": "Jane Doe", "pronouns": "she/her", "title_or_handle": "CEO, Acme"}
    assert lower_third_text(guest) == "Jane Doe (she/her) — CEO, Acme"


def test_lower_third_leaves_out_missing_parts():
    assert lower_third_text({"name": "Sam", "pronouns": "", "title_or_handle": "@sam"}) == "Sam — @sam"
    assert lower_third_text({"name": "Sam"}) == "Sam"
    assert lower_third_text(None) == ""


def test_a_guest_needs_a_name():
    with pytest.raises(GuestError, match="needs a name"):
        clean_fields({"name": "   "}, require_name=True)


def test_unknown_fields_are_named_in_the_error():
    with pytest.raises(GuestError, match="unknown guest field.*shoe_size"):
        clean_fields({"name": "A", "shoe_size": "42"}, require_name=True)


def test_a_name_cannot_smuggle_a_new_line():
    with pytest.raises(GuestError, match="name must be a single line"):
        clean_fields({"name": "A\r\nB"}, require_name=True)


def test_overlong_fields_are_refused_with_the_limit():
    with pytest.raises(GuestError, match="name is 121 characters long; the limit is 120"):
        clean_fields({"name": "x" * 121}, require_name=True)


def test_talking_points_given_as_text_become_lines_without_blanks():
    cleaned = clean_fields({"name": "A", "talking_points": "First\n\n  Second  \n"}, require_name=True)
    assert cleaned["talking_points"] == ["First", "Second"]


def test_talking_points_must_be_text():
    with pytest.raises(GuestError, match="each talking point must be text"):
        clean_fields({"talking_points": ["ok", 3]}, require_name=False)


def test_reorder_moves_one_guest_and_keeps_the_others_in_order():
    assert reorder([1, 2, 3, 4], 4, 1) == [1, 4, 2, 3]
    assert reorder([1, 2, 3, 4], 1, 99) == [2, 3, 4, 1]
    assert reorder([1, 2, 3, 4], 3, -5) == [3, 1, 2, 4]


@given(st.lists(st.integers(), min_size=1, unique=True), st.data())
def test_reorder_keeps_every_guest_exactly_once(ids, data):
    moved = data.draw(st.sampled_from(ids))
    position = data.draw(st.integers(min_value=-3, max_value=len(ids) + 3))
    result = reorder(ids, moved, position)
    assert sorted(result) == sorted(ids)
    assert result.index(moved) == max(0, min(position, len(ids) - 1))


def test_next_statuses_lists_the_allowed_steps_in_lifecycle_order():
    assert next_statuses("in_green_room") == ["confirmed", "on_air", "done", "no_show"]
    assert next_statuses("on_air") == ["in_green_room", "done"]


@pytest.mark.parametrize("status", list(GuestStatus))
@pytest.mark.parametrize("appeared", [True, False])
@pytest.mark.parametrize("in_rundown", [True, False])
def test_the_end_of_a_show_moves_guests_only_along_allowed_transitions(status, appeared, in_rundown):
    target = closing_status(status, appeared=appeared, in_rundown=in_rundown)
    assert target is None or target in ALLOWED_TRANSITIONS[status]


def test_nobody_stays_on_air_after_the_show():
    assert closing_status("on_air", appeared=False, in_rundown=False) is GuestStatus.DONE


def test_a_rundown_guest_who_never_appeared_is_a_no_show_and_one_who_did_is_done():
    assert closing_status("confirmed", appeared=False, in_rundown=True) is GuestStatus.NO_SHOW
    assert closing_status("in_green_room", appeared=True, in_rundown=True) is GuestStatus.DONE


def test_a_stand_by_guest_added_by_hand_keeps_their_status():
    assert closing_status("in_green_room", appeared=False, in_rundown=False) is None
