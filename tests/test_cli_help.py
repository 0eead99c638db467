"""Every command of both tools explains itself in --help."""

import click
import pytest

from livekit.cli import main as livekit_main
from outreach.cli import main as outreach_main


def _all_commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        path = (*prefix, name)
        yield path, command
        if isinstance(command, click.Group):
            yield from _all_commands(command, path)


@pytest.mark.parametrize("tool", [livekit_main, outreach_main], ids=["livekit", "outreach"])
def test_every_command_and_option_has_help(tool):
    missing = []
    for path, command in _all_commands(tool):
        if not (command.help or command.short_help):
            missing.append(" ".join(path))
        for parameter in command.params:
            if isinstance(parameter, click.Option) and not parameter.help:
                missing.append(f"{' '.join(path)} {parameter.opts[0]}")
    assert missing == []


@pytest.mark.parametrize("tool", ["livekit_cli", "outreach_cli"])
def test_help_lists_init(tool, request):
    result = request.getfixturevalue(tool).without_workspace("--help")
    assert result.exit_code == 0
    assert "init" in result.output
