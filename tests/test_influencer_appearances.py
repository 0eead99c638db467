"""One history per person: what a booked influencer did on air comes back into outreach (appearances next
to emails and stage changes, stage agreed → appeared exactly once), and livekit's guest log names them."""

import asyncio
import csv
import io
import json

import pytest

from livekit.core.rundown import Rundown, Segment
from livekit.guests.booking import appearances_of_influencer
from livekit.guests.queue import GuestQueue
from livekit.runner.session import RunOptions, run_show
from outreach.guest_booking import book_influencer, record_all_appearances, record_appearances
from outreach.importing import import_file
from outreach.storage.influencers import activity, get_influencer


def panel() -> Rundown:
    return Rundown(title="Panel", segments=(
        Segment(title="Welcome", duration_ms=300),
        Segment(title="Ana's interview", duration_ms=300, guest="Ana Lopez"),
    ))


def run(workspace, rundown, *, rehearsal=False):
    options = RunOptions(auto=True, obs=None, web=None, rehearsal=rehearsal)
    return asyncio.run(run_show(workspace, rundown, options, echo=lambda line: None))


@pytest.fixture
def db(workspace, tmp_path):
    people = tmp_path / "people.csv"
    people.write_text("name,email,twitch,owner\nAna Lopez,ana@example.com,anaplaysretro,sam\n")
    database = workspace.database()
    import_file(database, people)
    book_influencer(database, 1, topic="Speedruns")
    return database


def test_an_appearance_keeps_the_segment_and_the_influencer_it_came_from(workspace, db):
    result = run(workspace, panel())
    [appearance] = appearances_of_influencer(db, 1)
    assert (appearance["show"], appearance["segment"]) == (f"#{result.show_id} Panel", "Ana's interview")
    assert appearance["duration_ms"] == appearance["off_air_ms"] - appearance["on_air_ms"] > 0


def test_going_on_air_moves_the_influencer_from_agreed_to_appeared(workspace, db):
    run(workspace, panel())
    assert get_influencer(db, 1)["stage"] == "agreed"
    record_appearances(db, 1)
    assert get_influencer(db, 1)["stage"] == "appeared"


def test_an_appearance_is_recorded_in_the_history_exactly_once(workspace, db):
    run(workspace, panel())
    assert record_all_appearances(db) == 1
    assert record_all_appearances(db) == 0
    assert record_appearances(db, 1) == 0
    assert [entry["kind"] for entry in activity(db, 1)].count("appeared on show") == 1


def test_a_rehearsal_is_not_an_appearance(workspace, db):
    run(workspace, panel(), rehearsal=True)
    assert record_appearances(db, 1) == 0
    assert get_influencer(db, 1)["stage"] == "agreed"


def test_show_lists_appearances_with_segment_duration_and_notes_next_to_the_history(workspace, db, outreach_cli):
    result = run(workspace, panel())
    [appearance] = appearances_of_influencer(db, 1)
    GuestQueue(db).annotate_appearance(appearance["id"], "Great energy")
    output = outreach_cli("influencers", "show", 1).output
    assert "booked as guest" in output and "appeared on show" in output
    [line] = [line for line in output.splitlines() if line.strip().startswith("appearance:")]
    assert f"#{result.show_id} Panel / Ana's interview" in line
    assert "min): Great energy" in line


def test_show_as_json_carries_the_appearances(workspace, db, outreach_cli):
    run(workspace, panel())
    record = json.loads(outreach_cli("influencers", "show", 1, "--format", "json").output)
    [appearance] = record["appearances"]
    assert appearance["segment"] == "Ana's interview" and appearance["duration_s"] is not None


def test_list_by_stage_finds_people_who_appeared_without_showing_them_first(workspace, db, outreach_cli):
    run(workspace, panel())
    output = outreach_cli("influencers", "list", "--stage", "appeared", "--format", "csv").output
    assert [row["name"] for row in csv.DictReader(io.StringIO(output))] == ["Ana Lopez"]


def test_guest_log_names_the_influencer_the_guest_was_booked_from(workspace, db, livekit_cli):
    run(workspace, panel())
    [row] = list(csv.DictReader(io.StringIO(livekit_cli("guests", "log", "--format", "csv").output)))
    assert (row["guest"], row["influencer"], row["segment"]) == ("Ana Lopez", "influencer #1", "Ana's interview")
    assert "influencer #1" in livekit_cli("guests", "log").output


def test_the_send_tick_moves_people_who_went_on_air_to_appeared(workspace, db, outreach_cli):
    """`outreach run` keeps stages current without anyone opening the person (a plain list stays fast)."""
    run(workspace, panel())
    workspace.config_path.write_text('[outreach]\nphysical_address = "Example Brand, 1 Main St, Springfield"\n')
    result = outreach_cli("send", "--once")
    assert result.exit_code == 0, result.output
    assert get_influencer(db, 1)["stage"] == "appeared"
