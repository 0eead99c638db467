"""The README cannot drift from the command lines: every command and every option is documented.

A command path such as `outreach influencers list` must appear in README.md, and each long option of
that command (e.g. `--as-of`, both halves of `--obs/--no-obs`) must appear on a README line that also
names the command path, so an option documented for one command does not count for another.
"""

import re
from pathlib import Path

import click
import pytest

from tests.test_cli_help import TOOL_IDS, TOOLS, command_tree

README = Path(__file__).resolve().parent.parent / "README.md"


def _words_pattern(text: str) -> re.Pattern[str]:
    """`text` as whole words: `--obs` does not match `--obs-host`, `livekit run` not `livekit runner`."""
    words = r"\s+".join(re.escape(word) for word in text.split())
    return re.compile(rf"(?<![\w-]){words}(?![\w-])")


def long_options(command: click.Command) -> list[str]:
    """The long spellings of a command's options, negative flags (`--no-obs`) included."""
    return [
        spelling
        for parameter in command.params
        if isinstance(parameter, click.Option)
        for spelling in (*parameter.opts, *parameter.secondary_opts)
        if spelling.startswith("--")
    ]


def undocumented(tool: click.Command, readme: str) -> list[str]:
    """What README text `readme` does not mention: command paths, or `path --option` pairs."""
    lines = readme.splitlines()
    missing = []
    for path, command in command_tree(tool):
        command_path = " ".join(path)
        path_pattern = _words_pattern(command_path)
        lines_naming_command = [line for line in lines if path_pattern.search(line)]
        if not lines_naming_command:
            missing.append(command_path)
            continue
        for option in long_options(command):
            option_pattern = _words_pattern(option)
            if not any(option_pattern.search(line) for line in lines_naming_command):
                missing.append(f"{command_path} {option}")
    return missing


@pytest.mark.parametrize("tool", TOOLS, ids=TOOL_IDS)
def test_readme_names_every_command_and_option(tool):
    missing = undocumented(tool, README.read_text(encoding="utf-8"))
    assert missing == [], "README.md does not mention: " + ", ".join(missing)


def test_an_option_counts_only_on_a_line_naming_its_command():
    @click.group("tool")
    def tool():
        """A tool."""

    @tool.command("send")
    @click.option("--as-of", help="When.")
    def send(as_of):
        """Send."""

    readme = "tool send --dry-run\nother text --as-of\n"
    assert undocumented(tool, readme) == ["tool send --as-of"]


def test_an_option_does_not_count_for_a_longer_option_of_the_same_prefix():
    @click.command("tool")
    @click.option("--obs/--no-obs", help="Drive OBS.")
    def tool(obs):
        """A tool."""

    assert undocumented(tool, "tool --obs-host --no-obs\n") == ["tool --obs"]
