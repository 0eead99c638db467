"""User text the livekit CLI prints (show titles, guest and show references, the rundown path) reaches the
terminal as visible escapes on one line: an escape sequence in a rundown cannot set the window title or
recolour the terminal, a line break in a title cannot fake a line of output."""

from tests.helpers import write_in

HOSTILE_TITLE = 'title: "\\e]0;pwned\\a\\e[31mRED"\nsegments:\n  - title: "b\\e[31mX\\nY"\n    duration: 1\n'


def test_run_shows_an_escape_sequence_in_the_title_instead_of_sending_it(workspace, livekit_cli):
    result = livekit_cli("run", write_in(workspace, "r.yaml", HOSTILE_TITLE), "--no-obs", "--no-platforms",
                         "--no-web", "--auto")
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "Show #1 '\\x1b]0;pwned\\x07\\x1b[31mRED': 1 segment." in result.output
    assert "segment 1/1: b\\x1b[31mX\\nY · planned" in result.output


def test_schedule_prints_a_title_with_a_line_break_on_one_line(workspace, livekit_cli):
    rundown = write_in(workspace, "rn.yaml", 'title: "A\\r\\nB"\nsegments:\n  - title: a\n    duration: 10m\n')
    result = livekit_cli("schedule", rundown, "--at", "2030-01-02 10:00", "--tz", "UTC")
    assert result.exit_code == 0, result.output
    assert "scheduled 2030-01-02-a-b: A\\x0d\\nB: Wed 2030-01-02 10:00–10:10 UTC\n" in result.output


def test_guests_list_shows_an_escape_in_the_show_reference(livekit_cli):
    result = livekit_cli("guests", "list", "--show", "late\x1b[2Jshow")
    assert result.output == "no guests for late\\x1b[2Jshow\n"


def test_one_line_keeps_plain_text_and_escapes_controls_and_line_breaks():
    from livekit.core.wording import one_line

    assert one_line("Weekly Q&A — Ünïcode") == "Weekly Q&A — Ünïcode"
    assert one_line("a\tb\nc\x1b[0m") == "a\\tb\\nc\\x1b[0m"

