"""One rule per destination for text strangers wrote: terminal, spreadsheet, Markdown."""

import markdown
import pytest

from greenroom.text import markdown_escape, spreadsheet_safe, terminal_safe


def test_an_ansi_escape_sequence_is_shown_harmlessly_not_run():
    assert terminal_safe("Jo\x1b[2J\x1b[31mred") == "Jo\\x1b[2J\\x1b[31mred"


def test_c1_controls_and_bidi_overrides_are_made_visible():
    assert terminal_safe("a\x9bb\u202ec") == "a\\x9bb\\u202ec"


def test_ordinary_text_tabs_newlines_and_emoji_are_unchanged():
    text = "Zoë\tQ&A\n👩‍💻 [bold]not markup[/bold]"
    assert terminal_safe(text) == text


@pytest.mark.parametrize("formula", ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_text_a_spreadsheet_would_run_gets_a_leading_quote(formula):
    assert spreadsheet_safe(formula) == "'" + formula


def test_eq_cmd_becomes_quoted_in_csv():
    assert spreadsheet_safe("=cmd") == "'=cmd"


@pytest.mark.parametrize("value", ["Jo", "", "a=b", -3, 2.5, None])
def test_plain_text_and_numbers_are_left_as_they_are(value):
    assert spreadsheet_safe(value) == value


def test_markdown_escape_stops_table_breaks_links_emphasis_code_and_html():
    assert markdown_escape("a | b <script>[x](y) *em* _u_ `c` \\") == (
        r"a \| b &lt;script&gt;\[x\](y) \*em\* \_u\_ \`c\` \\"
    )


def test_markdown_escape_flattens_newlines_so_a_table_row_stays_one_row():
    assert markdown_escape("line one\n\n| x | y |\r\nend ") == r"line one \| x \| y \| end"


def test_markdown_escape_leaves_ampersands_and_harmless_punctuation_alone():
    assert markdown_escape("Cold open & welcome (v1.2!) #1 ~ok~") == "Cold open & welcome (v1.2!) #1 ~ok~"


@pytest.mark.parametrize(("text", "escaped"), [
    ("# Big", r"\# Big"), ("- item", r"\- item"), ("+ item", r"\+ item"), ("1985. A year", r"1985\. A year"),
])
def test_markdown_escape_keeps_text_from_starting_a_heading_or_a_list(text, escaped):
    assert markdown_escape(text) == escaped


def test_escaped_text_renders_as_the_literal_text():
    html = markdown.markdown(markdown_escape("# *Launch* [AMA](http://x) <b>now</b>"))
    assert html == "<p># *Launch* [AMA](http://x) &lt;b&gt;now&lt;/b&gt;</p>"
