"""`livekit run`: run a show from a rundown, with OBS following and the control room served."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from greenroom.cli import get_workspace
from greenroom.errors import ConfigError
from greenroom.output import console_for_output
from greenroom.workspace import Workspace
from livekit.core.clock import wall_clock_ms
from livekit.core.durations import format_clock
from livekit.core.wording import one_line
from livekit.obs.settings import ObsSettings
from livekit.storage.shows import ShowRecord, ShowStore


@click.command("run")
@click.argument("rundown_path", metavar="RUNDOWN", type=click.Path(dir_okay=False))
@click.option("--auto", is_flag=True,
              help="Start at once, advance on planned time and exit when the show ends (unattended runs, demo).")
@click.option("--resume/--new", "resume", default=None,
              help="Continue this rundown's interrupted show, or start a new one. Asked when a terminal is "
                   "attached; without a terminal an interrupted show is an error unless one is given.")
@click.option("--obs/--no-obs", "use_obs", default=True, show_default=True,
              help="Drive OBS Studio (scenes, prompt and lower-third texts, outputs).")
@click.option("--obs-host", help="OBS websocket host (default: [obs] host).")
@click.option("--obs-port", type=click.IntRange(1, 65535), help="OBS websocket port (default: [obs] port).")
@click.option("--obs-password", help="OBS websocket password (default: $OBS_WEBSOCKET_PASSWORD or secrets.toml; "
                                    "prefer those: options show in `ps`).")
@click.option("--platforms/--no-platforms", "use_platforms", default=True, show_default=True,
              help="Run the Twitch/YouTube sessions configured in the workspace ([twitch], [youtube] enabled): "
                   "title, category, markers, chat questions, broadcast lifecycle, chapters. A platform that "
                   "fails is shown as degraded; the show goes on.")
@click.option("--audience/--no-audience", "record_audience", default=True, show_default=True,
              help="Record the audience once a minute while the platforms run (viewers, follower total, chat "
                   "per minute, questions, new followers) for `livekit report`. Off: no audience polling at all "
                   "(Twitch Helix / YouTube quota untouched), chat questions still reach the queue.")
@click.option("--category", help="Twitch category set at show start (default: [twitch] category).")
@click.option("--web/--no-web", "use_web", default=True, show_default=True,
              help="Serve the control room, presenter view and overlay.")
@click.option("--host", help="Address the control room listens on (default: [web] host, 127.0.0.1). "
                             "Anything else exposes it on purpose.")
@click.option("--port", type=click.IntRange(0, 65535), help="Control room port (default: [web] port, 8787; 0 = any free port).")
@click.option("--token", help="Control token for /control and the HTTP API (default: $LIVEKIT_TOKEN, else the "
                              "workspace's tokens/control-token (0600), created once and kept across restarts "
                              "and --resume; see `livekit token`). Printed in the /control link only on a "
                              "terminal. Prefer $LIVEKIT_TOKEN: options show in `ps`.")
@click.option("--allowed-host", "allowed_hosts", multiple=True,
              help="Host name browsers may use to reach an exposed control room (repeatable); IP addresses "
                   "and localhost always work. Guards against DNS rebinding.")
@click.option("--overlay-dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Your own overlay: a folder with overlay.html and its files (default: [web] overlay_dir, "
                   "else Greenroom's overlay).")
@click.option("--stream/--no-stream", "stream", default=None,
              help="Start/stop OBS streaming with the show (default: rundown `stream`, then [show] stream).")
@click.option("--record/--no-record", "record", default=None,
              help="Start/stop OBS recording with the show (default: rundown `record`, then [show] record).")
@click.option("--rehearsal", is_flag=True,
              help="A test run: guests booked for the next show stay booked, nothing is written to the "
                   "permanent guest log, every page says REHEARSAL and `livekit shows` lists it as one.")
@click.pass_context
def run(ctx: click.Context, rundown_path: str, auto: bool, resume: bool | None, use_obs: bool,
        obs_host: str | None, obs_port: int | None, obs_password: str | None, use_platforms: bool,
        record_audience: bool, category: str | None, use_web: bool,
        host: str | None, port: int | None, token: str | None, allowed_hosts: tuple[str, ...],
        overlay_dir: Path | None, stream: bool | None, record: bool | None, rehearsal: bool) -> None:
    """Run the show in RUNDOWN (YAML or CSV).

    Every change is saved in the workspace database before OBS, platforms or pages hear of it, so a
    crash loses nothing: run the same rundown again to resume. OBS may come and go during the show;
    it is resynced when it is back. With a terminal you get a live view and single-key controls;
    without one (CI, a service) one line per segment. SIGTERM or `q` stops following and keeps the
    show resumable; the show ends with its last segment, `e` twice, or the control room.

    Guests named in the rundown follow it: a segment's `guest` goes on air when it starts (lower
    third in OBS and the overlay) and back to the green room when it ends (done at the end of the
    show). Every appearance is logged (`livekit guests log`).
    """
    # The runner brings OBS, Twitch, YouTube and the web server (aiohttp): only `livekit run` loads them.
    from livekit.report import build_report, report_table
    from livekit.rundown.files import load_rundown
    from livekit.runner.session import RunOptions, WebOptions, run_show, unfinished_show
    from livekit.runner.terminal import is_interactive

    workspace = get_workspace(ctx)
    rundown = load_rundown(rundown_path)
    config = workspace.config
    obs = None
    if use_obs:
        obs = ObsSettings.from_workspace(workspace, host=obs_host, port=obs_port, password=obs_password)
    web = None
    if use_web:
        if port is None:
            port = config.get("web", "port", int, 8787)
            if not 0 <= port <= 65535:
                raise ConfigError(f"{config.path}: [web] port must be between 0 and 65535, got {port}")
        web = WebOptions(host=host or config.get("web", "host", str, "127.0.0.1"), port=port, token=token,
                         allowed_hosts=allowed_hosts, overlay_dir=overlay_dir or _configured_overlay(workspace))
    interactive = is_interactive()
    if resume is None and interactive:
        # Asked before the event loop starts: a blocking prompt inside it would ignore Ctrl-C.
        pending = unfinished_show(workspace, rundown, rehearsal=rehearsal)
        if pending is not None:
            resume = ask_resume(pending)
    options = RunOptions(auto=auto, resume=resume, obs=obs, web=web, stream=stream, record=record,
                         interactive=interactive, platforms=use_platforms, category=category,
                         print_token=sys.stdout.isatty(), rehearsal=rehearsal, audience=record_audience)
    import asyncio  # the event loop machinery loads only for commands that need it

    result = asyncio.run(run_show(workspace, rundown, options, echo=click.echo))
    if result.ended:
        store = ShowStore(workspace.database())
        report = build_report(store.load_show(result.show_id, journal=False), show_id=result.show_id,
                              recordings=store.recordings(result.show_id))
        console_for_output().print(report_table(report))


def _configured_overlay(workspace: Workspace) -> Path | None:
    configured = workspace.config.get("web", "overlay_dir", str, "")
    if not configured:
        return None
    folder = workspace.path(configured)
    if not (folder / "overlay.html").is_file():
        raise ConfigError(f"{workspace.config_path}: [web] overlay_dir {folder} has no overlay.html")
    return folder


def ask_resume(record: ShowRecord) -> bool:
    """Ask whether to resume ``record``. Ctrl-C or end of input at the prompt stops the command cleanly
    (exit status 130, nothing started, nothing changed)."""
    started = "not started" if record.started_ms is None else f"live for {format_clock(_age(record))}"
    kind = "Rehearsal" if record.rehearsal else "Show"
    try:
        return click.confirm(f"{kind} #{record.id} '{one_line(record.title)}' did not finish ({started}). Resume it?",
                             default=True)
    except click.Abort:  # what click makes of Ctrl-C and Ctrl-D at a prompt
        click.echo("\nNothing started; the interrupted show is still saved (--resume or --new next time).",
                   err=True)
        raise click.exceptions.Exit(130) from None


def _age(record: ShowRecord) -> int:
    return max(0, wall_clock_ms() - (record.started_ms or 0))
