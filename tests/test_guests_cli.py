"""`livekit guests add/list/log` as a user types them."""

import csv
import io
import json

from livekit.guests import GuestQueue


def test_add_books_a_guest_for_the_next_show(workspace, livekit_cli):
    result = livekit_cli("guests", "add", "Jane Doe", "--pronouns", "she/her", "--title", "CEO, Acme",
                 "--point", "Launch", "--point", "Hiring", "--booked-by", "kim")
    assert result.exit_code == 0, result.output
    assert "Jane Doe (she/her) — CEO, Acme (invited) booked for the next show" in result.output
    [guest] = GuestQueue(workspace.database()).list(None)
    assert (guest["talking_points"], guest["booked_by"]) == (["Launch", "Hiring"], "kim")


def test_add_with_an_empty_name_is_one_clear_error_and_saves_nothing(workspace, livekit_cli):
    result = livekit_cli("guests", "add", "  ")
    assert result.exit_code == 2
    assert result.output.strip() == "Error: a guest needs a name"
    assert GuestQueue(workspace.database()).list(None) == []


def test_add_to_an_unknown_show_id_says_so(livekit_cli):
    result = livekit_cli("guests", "add", "Jane", "--show", "42")
    assert result.exit_code == 2
    assert "no show 42" in result.output


def test_add_to_a_mistyped_scheduled_show_key_saves_nothing(workspace, livekit_cli):
    result = livekit_cli("guests", "add", "Jane", "--show", "2031-04-02-weekly-amma")
    assert result.exit_code != 0
    assert "no scheduled show '2031-04-02-weekly-amma'" in result.output
    assert "Jane" not in livekit_cli("guests", "list").output


def test_list_shows_the_queue_in_order_with_markup_as_typed(livekit_cli):
    livekit_cli("guests", "add", "[red]Jo[/red]")
    livekit_cli("guests", "add", "Omar Li", "--status", "confirmed")
    result = livekit_cli("guests", "list")
    assert result.exit_code == 0
    assert result.output.index("[red]Jo[/red]") < result.output.index("Omar Li")
    assert "confirmed" in result.output


def appeared(workspace, name, on_ms, off_ms, show="#1 AMA"):
    queue = GuestQueue(workspace.database())
    guest = queue.add(show, name=name, status="in_green_room", booked_by="kim")
    queue.set_status(guest["id"], "on_air", on_ms)
    queue.set_status(guest["id"], "done", off_ms)


def test_log_as_csv_has_one_row_per_appearance_with_utc_times(workspace, livekit_cli):
    appeared(workspace, "Jane Doe", 1_700_000_000_000, 1_700_000_600_000)
    result = livekit_cli("guests", "log", "--format", "csv")
    assert result.exit_code == 0
    [row] = list(csv.DictReader(io.StringIO(result.output)))
    assert (row["show"], row["guest"], row["booked_by"]) == ("#1 AMA", "Jane Doe", "kim")
    assert (row["on_air"], row["off_air"], row["duration_s"]) == (
        "2023-11-14T22:13:20+00:00", "2023-11-14T22:23:20+00:00", "600")


def test_log_csv_defuses_spreadsheet_formulas(workspace, livekit_cli):
    appeared(workspace, "=HYPERLINK(\"http://x\")", 1_000, 2_000)
    row = next(csv.DictReader(io.StringIO(livekit_cli("guests", "log", "-f", "csv").output)))
    assert row["guest"].startswith("'=")


def test_log_as_json_filters_by_guest_name(workspace, livekit_cli):
    appeared(workspace, "Jane Doe", 1_000, 2_000)
    appeared(workspace, "Omar Li", 3_000, 4_000)
    entries = json.loads(livekit_cli("guests", "log", "--format", "json", "--guest", "omar").output)
    assert [(e["guest_name"], e["on_air_ms"], e["off_air_ms"]) for e in entries] == [("Omar Li", 3_000, 4_000)]


def test_log_to_a_file_is_written_whole(workspace, tmp_path, livekit_cli):
    appeared(workspace, "Jane Doe", 1_000, 2_000)
    target = tmp_path / "log.json"
    result = livekit_cli("guests", "log", "-f", "json", "-o", str(target))
    assert result.exit_code == 0
    assert json.loads(target.read_text())[0]["guest_name"] == "Jane Doe"


def test_log_table_cannot_be_written_to_a_file(tmp_path, livekit_cli):
    result = livekit_cli("guests", "log", "-o", str(tmp_path / "x.txt"))
    assert result.exit_code == 2
    assert "--output needs --format csv or json" in result.output


def test_notes_on_an_appearance_show_in_the_log(workspace, livekit_cli):
    appeared(workspace, "Jane Doe", 1_000, 2_000)
    [entry] = GuestQueue(workspace.database()).log()
    assert livekit_cli("guests", "note", str(entry["id"]), "Great energy").exit_code == 0
    assert "Great energy" in livekit_cli("guests", "log").output


def test_an_escape_sequence_in_a_note_is_shown_harmlessly_in_the_log_table(workspace, livekit_cli):
    appeared(workspace, "Jane Doe", 1_000, 2_000)
    [entry] = GuestQueue(workspace.database()).log()
    livekit_cli("guests", "note", str(entry["id"]), "\x1b[2Jgone")
    output = livekit_cli("guests", "log").output
    assert "\\x1b[2Jgone" in output
    assert "\x1b" not in output


def test_a_note_on_an_unknown_appearance_is_an_error(livekit_cli):
    result = livekit_cli("guests", "note", "99", "x")
    assert result.exit_code == 2
    assert "no guest appearance with id 99" in result.output
