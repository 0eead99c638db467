"""`livekit check` and `livekit rundown import|export`: validate rundown files and convert YAML ⇄ CSV."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from greenroom.cli import get_workspace
from greenroom.errors import GreenroomError
from greenroom.files import write_atomically
from greenroom.text import terminal_safe
from livekit.cli.obs import obs_connection_options
from livekit.core.durations import format_clock
from livekit.core.wording import counted


def obs_scene_names(ctx: click.Context, host: str | None, port: int | None, password: str | None,
                    timeout: float) -> tuple[list[str] | None, str | None]:
    """OBS's scene names, or None and the reason they could not be fetched (never an error)."""
    from livekit.obs import ObsError, ObsSettings  # here, not at the top: only a scene check needs OBS
    try:
        settings = ObsSettings.from_workspace(
            get_workspace(ctx), host=host, port=port, password=password, timeout=timeout
        )
        with settings.adapter() as adapter:
            return adapter.scene_names(), None
    except (ObsError, GreenroomError, OSError) as error:
        return None, str(error)


def prompter_scene_name(ctx: click.Context) -> str | None:
    """``[obs] prompter_scene``: the scene a segment must never put on program (None if unreadable)."""
    from livekit.obs import DEFAULT_PROMPTER_SCENE

    try:
        return get_workspace(ctx).config.get("obs", "prompter_scene", str, DEFAULT_PROMPTER_SCENE).strip()
    except GreenroomError:
        return None


@click.command("check")
@click.argument("rundown_file", metavar="RUNDOWN", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--obs/--no-obs", "use_obs", default=True, show_default=True,
              help="Also check that every segment's scene exists in OBS. If OBS cannot be reached this "
                   "says so and skips the scene check; it is not an error.")
@click.option("--obs-timeout", type=click.FloatRange(0.1, 60), default=2.0, show_default=True,
              help="Seconds to wait for OBS before skipping the scene check.")
@obs_connection_options
@click.pass_context
def check(ctx: click.Context, rundown_file: Path, use_obs: bool, obs_timeout: float, obs_host: str | None,
          obs_port: int | None, obs_password: str | None) -> None:
    """Check a rundown (YAML, or CSV when it ends in .csv) and print EVERY problem as file:line: message.

    Also warns (on stderr) about a platform set-up that would leave an enabled platform without video, e.g.
    Twitch and YouTube both enabled with no multistream relay possible.

    Exit status: 0 when the rundown is usable, 1 when it has problems (all listed, nothing changed).
    """
    from livekit.relay.settings import check_warnings
    from livekit.rundown import check_rundown_file, scene_problems  # YAML parsing loads only when used

    for warning in check_warnings(get_workspace(ctx)):
        click.secho(terminal_safe(f"warning: {warning}"), fg="yellow", err=True)

    checked = check_rundown_file(rundown_file)
    rundown, problems = checked.rundown, list(checked.problems)
    if checked.scene_uses and use_obs:
        scenes, reason = obs_scene_names(ctx, obs_host, obs_port, obs_password, obs_timeout)
        if scenes is None:
            click.echo(terminal_safe(f"OBS not reachable: scenes not checked ({reason})"), err=True)
        else:
            found = scene_problems(checked.scene_uses, scenes, prompter_scene=prompter_scene_name(ctx))
            problems = sorted([*problems, *found], key=lambda problem: problem.line or 0)
    for problem in problems:
        click.echo(terminal_safe(str(problem)))  # titles and scene names are user data
    if problems:
        click.secho(terminal_safe(f"{counted(len(problems), 'problem')} in {rundown_file}"),
                    fg="red", err=True)
        sys.exit(1)
    assert rundown is not None
    click.echo(terminal_safe(f"{rundown_file}: OK: {rundown.title!r}, {counted(len(rundown.segments), 'segment')}, "
                             f"{format_clock(rundown.planned_total_ms)} planned"))


@click.group("rundown")
def rundown() -> None:
    """Convert rundowns between YAML (for people) and CSV (for spreadsheets).

    CSV layout: '# title: Show title' (and optional '# warning: 30s', '# stream: true', '# record: true')
    lines first, then a header row title,duration,scene,guest,notes,talking_points,prompts and one row per
    segment. List cells are joined by ' | '; a timed prompt is written OFFSET=text, e.g. '1m30s=Plug'.
    A cell a spreadsheet would run as a formula (starting with = + - @) is exported with a leading ' and
    imported without it, so what was typed round-trips.
    """


def _write(output: str, text: str, force: bool) -> None:
    if output == "-":
        # On a terminal the text is for reading: escape sequences in titles are shown, not run. Into a
        # pipe or file it is data and stays exactly as written (color=True: click must not strip it).
        click.echo(terminal_safe(text) if sys.stdout.isatty() else text, nl=False, color=True)
        return
    path = Path(output)
    if path.is_file() and not force:  # a pipe or /dev/stdout is written into, never replaced: no --force
        raise GreenroomError(f"{path} already exists (use --force to replace it)")
    if not path.parent.is_dir():
        raise GreenroomError(f"{path.parent} is not a folder")
    write_atomically(path, text)
    click.echo(f"wrote {path}", err=True)


_FORCE = click.option("--force", is_flag=True, help="Replace OUTPUT if it exists (atomically: never half-written).")


@rundown.command("export")
@click.argument("rundown_file", metavar="RUNDOWN", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--csv", "output", required=True, metavar="OUTPUT",
              help="CSV file to write, or - for standard output.")
@_FORCE
def export_csv(rundown_file: Path, output: str, force: bool) -> None:
    """Write a YAML rundown as CSV. Nothing is written if the rundown has any problem (all are listed)."""
    from livekit.rundown import load_rundown, rundown_to_csv

    _write(output, rundown_to_csv(load_rundown(rundown_file)), force)


@rundown.command("import")
@click.argument("csv_file", metavar="CSV", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yaml", "output", required=True, metavar="OUTPUT",
              help="YAML rundown to write, or - for standard output.")
@_FORCE
def import_csv(csv_file: Path, output: str, force: bool) -> None:
    """Turn a CSV rundown into YAML. Nothing is written if the CSV has any problem (all are listed)."""
    from livekit.rundown import load_rundown, rundown_to_yaml

    if csv_file.suffix.lower() != ".csv":
        raise GreenroomError(f"{csv_file}: expected a .csv file")
    _write(output, rundown_to_yaml(load_rundown(csv_file)), force)
