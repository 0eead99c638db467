"""The output helpers both CLIs print with: tables show text as typed, CSV is spreadsheet-safe, JSON is whole."""

import csv
import io
import json

from greenroom.output import (
    console_for_output,
    csv_cell,
    markdown_table,
    print_records,
    table_cell,
    text_cell,
    write_output,
)

RECORDS = [
    {"id": 1, "name": "[red]Jo[/red]\x1b[2J", "tags": ["a", "b"], "growth": 4.25, "custom": {"tier": "gold"}},
    {"id": 22, "name": "=cmd", "tags": [], "growth": None, "custom": {}},
]
COLUMNS = ("id", "name", "tags", "growth", "custom")


def test_a_table_shows_markup_as_typed_and_escape_sequences_harmlessly(capsys):
    print_records(RECORDS, COLUMNS, "table", title="Team [b]list[/b]")
    output = capsys.readouterr().out
    assert "[red]Jo[/red]\\x1b[2J" in output and "\x1b" not in output
    assert "Team [b]list[/b]" in output
    assert "+4.2%" in output and "a, b" in output


def test_csv_neutralises_formulas_and_joins_lists(capsys):
    print_records(RECORDS, COLUMNS, "csv")
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["name"], r["tags"], r["growth"], r["custom"]) for r in rows] == [
        ("[red]Jo[/red]\x1b[2J", "a; b", "4.25", '{"tier": "gold"}'), ("'=cmd", "", "", "{}")]


def test_json_keeps_full_values(capsys):
    print_records(RECORDS, ("id", "tags", "growth"), "json")
    assert json.loads(capsys.readouterr().out) == [
        {"id": 1, "tags": ["a", "b"], "growth": 4.25}, {"id": 22, "tags": [], "growth": None}]


def test_cells_for_people_and_for_spreadsheets():
    assert (table_cell(None), table_cell(-1.0), table_cell(["x", 2])) == ("", "-1.0%", "x, 2")
    assert (csv_cell(None), csv_cell(["=x"]), csv_cell(3)) == ("", "'=x", 3)
    assert text_cell("[b]x\x07").plain == "[b]x\\x07"


def test_markdown_table_aligns_figures_right_and_leaves_empty_cells_empty():
    assert markdown_table(("name", "n"), [["Jo", "3"], ["", "4"]], right_aligned=("n",)) == [
        "| name | n |", "|---|---:|", "| Jo | 3 |", "| | 4 |"]


def test_output_to_a_pipe_gets_a_fixed_width_console():
    console = console_for_output(width=140)
    assert (console.is_terminal, console.width) == (False, 140)


def test_data_for_another_tool_goes_to_stdout_without_a_message(capsys):
    write_output("a,b\n", None, "wrote it")
    assert capsys.readouterr() == ("a,b\n", "")


def test_data_written_to_a_file_is_whole_and_said_on_stderr_only(capsys, tmp_path):
    target = tmp_path / "out.csv"
    write_output("a,b\n", target, f"wrote {target}")
    assert target.read_text() == "a,b\n"
    assert capsys.readouterr() == ("", f"wrote {target}\n")
