"""Every command of the three tools explains itself in --help."""

from collections.abc import Iterator

import click
import pytest

from livekit.cli import main as livekit_main
from management.cli import main as greenroom_main
from outreach.cli import main as outreach_main

TOOLS = [livekit_main, outreach_main, greenroom_main]
TOOL_IDS = ["livekit", "outreach", "greenroom"]


def command_tree(
    command: click.Command, path: tuple[str, ...] = (), parent: click.Context | None = None
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command under `command` (itself first) with its path, e.g. ("outreach", "influencers", "list").

    Subcommands are resolved through `list_commands`/`get_command`, the way click's own --help does, so
    groups that load their commands lazily are walked too.
    """
    path = path or (command.name or "",)
    yield path, command
    if isinstance(command, click.Group):
        context = click.Context(command, info_name=path[-1], parent=parent)
        for name in command.list_commands(context):
            subcommand = command.get_command(context, name)
            if subcommand is not None:
                yield from command_tree(subcommand, (*path, name), context)


@pytest.mark.parametrize("tool", TOOLS, ids=TOOL_IDS)
def test_every_command_and_option_has_help(tool):
    missing = []
    for path, command in command_tree(tool):
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


HELP_WITHOUT_IMPORTS = """
import sys
import click
from {tool}.cli import main
help_of = lambda: [main.get_help(click.Context(main, info_name="{tool}", terminal_width=width, max_content_width=width))
                   for width in (50, 80, 250)]
lazy = help_of()
imported = sorted(command.target.split(":")[0] for command in main.lazy_commands.values()
                  if command.target.split(":")[0] in sys.modules)
for name in main.lazy_commands:
    main.get_command(click.Context(main), name)
print(repr((lazy == help_of(), imported)))
"""


@pytest.mark.subprocess
@pytest.mark.parametrize("tool", ["livekit", "outreach"])
def test_help_lists_every_command_without_importing_it_exactly_as_the_command_describes_itself(tool):
    import ast
    import subprocess
    import sys

    printed = subprocess.run([sys.executable, "-c", HELP_WITHOUT_IMPORTS.format(tool=tool)], capture_output=True,
                             text=True, check=True).stdout
    assert ast.literal_eval(printed) == (True, [])
