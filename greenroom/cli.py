"""What both command-line tools share: the workspace option and turning errors into one clear line."""

from __future__ import annotations

import importlib
import os
import sqlite3
import sys
from collections.abc import Mapping
from typing import Any, NamedTuple

import click

from greenroom import db as workspace_db
from greenroom.errors import GreenroomError
from greenroom.text import terminal_safe
from greenroom.workspace import WORKSPACE_ENV, Workspace

DEBUG_ENV = "GREENROOM_DEBUG"


class GreenroomGroup(click.Group):
    """A click group whose errors reach the user as one line and an exit code, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GreenroomError as error:
            click.secho(terminal_safe(f"Error: {error}"), fg="red", err=True)  # messages quote user data
            sys.exit(error.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)
        except Exception as error:
            if isinstance(error, sqlite3.OperationalError) and workspace_db.is_locked(error):
                click.secho(_locked_message(), fg="red", err=True)
                sys.exit(1)
            if os.environ.get(DEBUG_ENV):
                import traceback

                traceback.print_exc()
            click.secho(
                f"Error: unexpected failure: {type(error).__name__}: {error} "
                f"(set {DEBUG_ENV}=1 for details)",
                fg="red",
                err=True,
            )
            sys.exit(1)


def _locked_message() -> str:
    return (f"Error: the workspace database stayed locked for {workspace_db.BUSY_TIMEOUT_S} s: another Greenroom "
            "command (a large import, `outreach run`, `livekit run`) was writing to it. What this command had not "
            "committed was rolled back; run it again once the other one has finished.")


class LazyCommand(NamedTuple):
    """A subcommand imported when used: ``target`` is ``"module:attribute"``; ``summary`` is its first sentence
    as ``--help`` lists it (a test renders both ways and compares, so the two cannot drift apart)."""

    target: str
    summary: str


class LazyGroup(GreenroomGroup):
    """A group whose subcommands are imported only when used: ``outreach influencers list`` loads the
    influencer commands, not the scheduler, the mail templates or the HTTP clients of the others; ``--help``
    lists them from their :class:`LazyCommand` summaries and imports none of them.
    """

    def __init__(self, *args: Any, lazy_commands: Mapping[str, LazyCommand] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands and cmd_name not in self.commands:
            module_name, attribute = self.lazy_commands[cmd_name].target.split(":")
            command = getattr(importlib.import_module(module_name), attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"{self.lazy_commands[cmd_name].target} is not a click command")
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click's list of commands, with a command not imported yet summarised from its :class:`LazyCommand`."""
        listed: list[tuple[str, click.Command | str]] = []
        for name in self.list_commands(ctx):
            if name in self.lazy_commands and name not in self.commands:
                listed.append((name, self.lazy_commands[name].summary))
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                listed.append((name, command))
        if not listed:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in listed)
        rows = [(name, _short_help(entry, limit)) for name, entry in listed]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _short_help(entry: click.Command | str, limit: int) -> str:
    """A command's line in the list; a summary is cut to ``limit`` by click's own rule, as its command's help is."""
    command = click.Command(None, help=entry) if isinstance(entry, str) else entry
    return command.get_short_help_str(limit)


def workspace_option(function: Any) -> Any:
    return click.option(
        "--workspace",
        "-w",
        "workspace_dir",
        type=click.Path(file_okay=False, path_type=str),
        envvar=WORKSPACE_ENV,
        help=f"Workspace folder (config, database, secrets). Default: ${WORKSPACE_ENV} or the current folder.",
    )(function)


#: Our own loggers; --verbose opens these only. Third-party libraries (OAuth clients, HTTP stacks) log
#: request bodies and tokens at DEBUG, so they stay at WARNING whatever the user asks for.
OWN_LOGGERS = ("greenroom", "livekit", "outreach")


def setup_logging(verbose: bool) -> None:
    import logging  # only configured here; commands that log import it themselves

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.WARNING)


def get_workspace(ctx: click.Context) -> Workspace:
    """The workspace chosen by the top-level group (see :func:`tool_group`)."""
    workspace = ctx.find_object(Workspace)
    if workspace is None:
        workspace = Workspace.locate()
        ctx.obj = workspace
    return workspace


def tool_group(name: str, help_text: str, lazy_commands: Mapping[str, LazyCommand] | None = None) -> LazyGroup:
    """The top-level group of a tool: `--workspace`, `--verbose`, `init`, and ``lazy_commands`` (name →
    :class:`LazyCommand`, imported when used, see :class:`LazyGroup`)."""

    @click.group(name=name, cls=LazyGroup, help=help_text, lazy_commands=lazy_commands)
    @workspace_option
    @click.option("--verbose", "-v", is_flag=True, help="Log what happens (secrets are never logged).")
    @click.version_option(package_name="greenroom")
    @click.pass_context
    def group(ctx: click.Context, workspace_dir: str | None, verbose: bool) -> None:
        setup_logging(verbose)
        ctx.obj = Workspace.locate(workspace_dir)
        ctx.call_on_close(ctx.obj.close)

    group.add_command(init_command(name))
    return group


def init_command(tool: str) -> click.Command:
    """`TOOL init`: create the workspace folder, a commented config and the database."""

    @click.command("init")
    @click.pass_context
    def init(ctx: click.Context) -> None:
        """Create a workspace here (or at --workspace): commented greenroom.toml and greenroom.db.

        Existing files are never overwritten.
        """
        workspace = get_workspace(ctx)
        made = workspace.init()
        for thing in made:
            click.echo(f"created {thing}")
        if not made:
            click.echo(f"workspace {workspace.root} is already set up")
        click.echo(f"Edit {workspace.config_path} for {tool}'s settings.")

    return init
