"""What each page is sent: picked fields only, so private data cannot leak to the presenter or the overlay."""

import json

from livekit.web.views import control_view, overlay_view, presenter_view

STATE = {
    "server_time_ms": 1_000,
    "show": {
        "title": "AMA", "status": "live", "now_ms": 1_000, "current": 1, "held": False, "phase": "normal",
        "segment_title": "Interview", "guest": "Jane Doe", "talking_points": ["Launch"], "notes": "SEGMENT-NOTE",
        "elapsed_ms": 0, "allotted_ms": 60_000, "remaining_ms": 60_000, "prompt": "Ask", "next_prompt": None,
        "next_prompt_in_ms": None, "next_segment_title": "Q&A", "show_elapsed_ms": 5, "offset_ms": 0,
        "warning_ms": 30_000, "scene": "Interview", "secret_future_field": "FUTURE", "rehearsal": False,
        "undo_until_ms": 31_000,
    },
    "message": {"text": "Wrap up", "blink": True, "at_ms": 900},
    "guests": [
        {"id": 1, "name": "Jane Doe", "pronouns": "she/her", "title_or_handle": "CEO", "status": "on_air",
         "status_changed_ms": 500, "contact": "jane@example.com", "notes": "GUEST-NOTE", "talking_points": ["Hiring"],
         "topic": "Launch", "booked_by": "kim"},
        {"id": 2, "name": "Omar Li", "pronouns": "", "title_or_handle": "@omar", "status": "on_air",
         "status_changed_ms": 400, "contact": "omar@example.com", "notes": "", "talking_points": [], "topic": "",
         "booked_by": ""},
        {"id": 3, "name": "Waiting Person", "status": "in_green_room", "contact": "w@example.com", "notes": ""},
    ],
    "questions": [
        {"id": 7, "platform": "twitch", "author": "viewer", "text": "When?", "status": "on_screen", "changed_ms": 1},
        {"id": 8, "platform": "youtube", "author": "troll", "text": "PENDING-QUESTION", "status": "pending"},
    ],
    "obs": {"connected": True, "error": "OBS-INTERNAL"},
    "platforms": {"twitch": {"state": "ok"}},
}

PRIVATE = ("SEGMENT-NOTE", "jane@example.com", "GUEST-NOTE", "PENDING-QUESTION", "OBS-INTERNAL", "FUTURE", "kim",
           "Waiting Person")


def test_overlay_gets_titles_lower_third_and_the_question_on_screen_only():
    view = overlay_view(STATE)
    assert view["show"] == {"title": "AMA", "status": "live", "segment_title": "Interview", "rehearsal": False,
                            "scheduled_start_ms": None}
    assert view["guest_on_air"] == {"name": "Jane Doe", "pronouns": "she/her", "title_or_handle": "CEO"}
    assert view["lower_third"] == "Jane Doe (she/her) — CEO"
    assert view["question_on_screen"] == {"id": 7, "author": "viewer", "text": "When?", "platform": "twitch"}
    text = json.dumps(view)
    for secret in (*PRIVATE, "Ask", "Hiring", "Wrap up"):
        assert secret not in text


def test_presenter_gets_timers_prompts_talking_points_and_the_message_but_nothing_private():
    view = presenter_view(STATE)
    assert view["show"]["prompt"] == "Ask" and view["show"]["remaining_ms"] == 60_000
    assert view["guest_on_air"]["talking_points"] == ["Hiring"]
    assert view["message"] == {"text": "Wrap up", "blink": True}
    text = json.dumps(view)
    for secret in PRIVATE:
        assert secret not in text


def test_the_lower_third_follows_the_guest_who_went_on_air_last():
    assert overlay_view(STATE)["guest_on_air"]["name"] == "Jane Doe"


def test_control_sees_everything_plus_what_the_other_pages_see():
    view = control_view(STATE)
    assert view["guests"][0]["contact"] == "jane@example.com"
    assert view["lower_third"] == "Jane Doe (she/her) — CEO"
    assert view["question_on_screen"]["text"] == "When?"


def test_a_state_before_the_show_has_no_guest_and_no_question():
    view = overlay_view({"server_time_ms": 1, "show": None, "guests": [], "questions": []})
    assert (view["show"], view["guest_on_air"], view["lower_third"], view["question_on_screen"]) == (None, None, "", None)
