"""Assemble and run one show in this process: storage, OBS, web control room, terminal, signals.

This is the library entry behind `livekit run`; tests and the demo call :func:`run_show` directly too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shlex
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from greenroom.errors import GreenroomError
from greenroom.workspace import Workspace
from livekit.core.clock import Clock, SystemClock
from livekit.core.rundown import Rundown
from livekit.core.schedule import ScheduledShow, ShowPlan, schedule_for_run
from livekit.core.show import DEFAULT_WARNING_MS, ShowSnapshot, ShowStatus
from livekit.core.wording import one_line
from livekit.guests.queue import GuestQueue
from livekit.obs.settings import ObsSettings
from livekit.obs.show_sync import ObsShowSync
from livekit.platforms.audience import audience_sources
from livekit.platforms.sessions import platform_sessions, question_intake
from livekit.questions.storage import QuestionQueue
from livekit.relay.settings import RelaySettings, check_warnings
from livekit.rundown.bounds import bad_guest
from livekit.runner.audience import AudienceRecorder
from livekit.runner.control_token import control_token, control_token_path
from livekit.runner.show_runner import OutputPlan, ShowRunner
from livekit.runner.terminal import LineLog, TerminalView
from livekit.storage.schedule import ScheduleStore
from livekit.storage.shows import ShowRecord, ShowStore, show_key
from livekit.web.app import create_app
from livekit.web.server import ServedApp, serve

log = logging.getLogger(__name__)

RUNNER_BUSY_TIMEOUT_MS = 250


class UnfinishedShow(GreenroomError):
    """A show of this rundown was interrupted and the user has not said whether to resume it."""


@dataclass
class WebOptions:
    host: str = "127.0.0.1"
    port: int = 8787
    token: str | None = None
    allowed_hosts: tuple[str, ...] = ()
    overlay_dir: Path | None = None


@dataclass
class RunOptions:
    """Everything `livekit run` lets a user choose; None means "use the rundown, then the config"."""

    auto: bool = False
    resume: bool | None = None
    obs: ObsSettings | None = None
    web: WebOptions | None = field(default_factory=WebOptions)
    stream: bool | None = None
    record: bool | None = None
    interactive: bool = False
    #: Print a generated control token (in the /control link); off when stdout is a log, not a person.
    print_token: bool = True
    #: Twitch/YouTube sessions as configured in the workspace ([twitch], [youtube] enabled).
    platforms: bool = True
    #: Twitch category (game) name set at show start; default [twitch] category.
    category: str | None = None
    #: A rehearsal: stored and listed as one, resumes only rehearsals, leaves bookings for the next real
    #: show and writes nothing to the permanent guest log.
    rehearsal: bool = False
    #: Record the audience per minute (viewers, chat, questions, follows) while the platforms run.
    audience: bool = True


@dataclass
class RunResult:
    show_id: int
    ended: bool
    snapshot: ShowSnapshot


def unfinished_show(workspace: Workspace, rundown: Rundown, *, rehearsal: bool = False) -> ShowRecord | None:
    """The interrupted show (or rehearsal) of this rundown that a run would resume, if any.

    Called before the event loop starts, so that asking the user about it (a blocking prompt) never
    freezes the loop and Ctrl-C at the prompt simply stops the command."""
    unfinished = ShowStore(workspace.database()).find_unfinished(rundown_hash=rundown.content_hash,
                                                                 rehearsal=rehearsal)
    return unfinished[0] if unfinished else None


def choose_show(store: ShowStore, rundown: Rundown, resume: bool | None, warning_ms: int = DEFAULT_WARNING_MS,
                *, rehearsal: bool = False) -> tuple[int, bool]:
    """Return (show id, resumed). An unfinished show of the same rundown (and kind: a rehearsal resumes
    only a rehearsal) is resumed only when asked to; not saying is an error (see :func:`unfinished_show`)."""
    unfinished = store.find_unfinished(rundown_hash=rundown.content_hash, rehearsal=rehearsal)
    if unfinished and resume is None:
        latest = unfinished[0]
        kind = "rehearsal" if rehearsal else "show"
        raise UnfinishedShow(
            f"{kind} #{latest.id} ({latest.title}) of this rundown did not finish: "
            f"pass --resume to continue it or --new to start a new {kind}"
        )
    if unfinished and resume:
        return unfinished[0].id, True
    return store.create_show(rundown, default_warning_ms=warning_ms, rehearsal=rehearsal), False


def refuse_unusable_guests(rundown: Rundown) -> None:
    """Refuse a rundown whose ``guest:`` names the queue would refuse, before a show is created for it (a
    file is checked when read; this also covers a rundown built another way)."""
    for number, segment in enumerate(rundown.segments, start=1):
        refused = None if segment.guest is None else bad_guest(f"segment {number} ({segment.title})", segment.guest)
        if refused:
            at = f"{rundown.source}:{segment.line}: " if rundown.source and segment.line else ""
            raise GreenroomError(f"{at}{refused}")


def scheduled_run(store: ScheduleStore, rundown: Rundown, now_ms: int) -> tuple[ShowPlan | None, ScheduledShow | None]:
    """When this run is planned: the rundown's scheduled show (`livekit schedule`, which wins: it may have
    moved since), else the rundown's own ``starts_at``; None for an unscheduled run."""
    if rundown.source is not None:
        scheduled = schedule_for_run(store.all(), str(Path(rundown.source).resolve()), now_ms)
        if scheduled is not None:
            return scheduled.plan, scheduled
    return rundown.schedule, None


def output_plan(workspace: Workspace, rundown: Rundown, options: RunOptions) -> OutputPlan:
    config = workspace.config

    def pick(option: bool | None, planned: bool | None, key: str) -> bool:
        if option is not None:
            return option
        if planned is not None:
            return planned
        return config.get("show", key, bool, False)

    return OutputPlan(stream=pick(options.stream, rundown.stream, "stream"),
                      record=pick(options.record, rundown.record, "record"))


async def _assemble(workspace: Workspace, rundown: Rundown, options: RunOptions, store: ShowStore, show_id: int,
                    resumed: bool, token: str, clock: Clock) -> tuple[ShowRunner, ServedApp | None]:
    """The runner with its followers (platforms, OBS) and, when asked for, the control room listening."""
    db = store.db
    key = show_key(show_id, rundown.title)
    intake = question_intake(QuestionQueue(db, key, clock=clock), workspace)
    platforms = platform_sessions(workspace, intake, planned_show_ms=rundown.planned_total_ms, clock=clock,
                                  on_status=lambda _status: runner.platform_status_changed()) if options.platforms else []
    audience = None
    if platforms and options.audience:
        audience = AudienceRecorder.for_database(workspace.database_path, show_id, clock,
                                                 audience_sources(platforms), planned_show_ms=rundown.planned_total_ms)
        audience.attach(intake)
    obs = ObsShowSync.from_settings(options.obs) if options.obs is not None else None
    guests = GuestQueue(db, clock=clock.now_ms, appearance_log=not options.rehearsal)
    plan, scheduled = scheduled_run(ScheduleStore(db, clock), rundown, clock.now_ms())
    runner = ShowRunner(show_id=show_id, show=store.load_show(show_id), guests=guests,
                        questions=intake.queue, clock=clock, obs=obs, platforms=platforms, auto=options.auto,
                        outputs=output_plan(workspace, rundown, options), category=options.category,
                        resumed=resumed, stream_to_obs=workspace.config.get("youtube", "stream_to_obs", bool, True),
                        relay_settings=RelaySettings.from_workspace(workspace),
                        rehearsal=options.rehearsal, recordings=store, schedule=plan,
                        schedule_key=None if scheduled is None else scheduled.key, audience=audience)
    if options.web is None:
        return runner, None
    app = create_app(runner, token, allowed_hosts=options.web.allowed_hosts, overlay_dir=options.web.overlay_dir)
    try:
        return runner, await serve(app, options.web.host, options.web.port)
    except OSError as error:
        raise GreenroomError(
            f"the control room cannot listen on {options.web.host}:{options.web.port}: {error.strerror or error} "
            "(choose another --port, or --no-web)"
        ) from None


async def run_show(
    workspace: Workspace,
    rundown: Rundown,
    options: RunOptions,
    *,
    echo: Callable[[str], None] = print,
    clock: Clock | None = None,
) -> RunResult:
    """Run (or resume) a show until it ends or SIGTERM/SIGINT/`q` stops it; the DB keeps where it was.

    ``options.resume`` must be decided when the rundown has an unfinished show (ask the user before the
    event loop starts: :func:`unfinished_show`)."""
    clock = clock or SystemClock()
    db = workspace.database()
    # The runner writes from its event loop: wait briefly for another writer (an import, `outreach send`),
    # then let the loop breathe and retry, rather than freezing timers and pages for the default 30 s.
    db.execute(f"PRAGMA busy_timeout = {RUNNER_BUSY_TIMEOUT_MS}")
    store = ShowStore(db, clock)
    warning_ms = workspace.config.get("show", "warning_seconds", int, DEFAULT_WARNING_MS // 1000) * 1000
    token, stored = control_token(workspace, options.web.token) if options.web is not None else ("", False)
    refuse_unusable_guests(rundown)
    show_id, resumed = choose_show(store, rundown, options.resume, warning_ms, rehearsal=options.rehearsal)
    try:
        runner, served = await _assemble(workspace, rundown, options, store, show_id, resumed, token, clock)
    except BaseException:
        # Nothing aired: a show that could not even be set up must not be offered for resuming.
        if not resumed:
            store.discard_unstarted(show_id)
        raise
    show = runner.show
    kind = "Rehearsal" if options.rehearsal else "Show"
    if not options.rehearsal:
        runner.guests.claim_for_show(runner.key, scheduled=runner.schedule_key)
    elif not resumed:
        runner.guests.copy_booked_into(runner.key, scheduled=runner.schedule_key)
    if resumed:
        snapshot = show.snapshot()
        where = "not started" if snapshot.current is None else f"segment {snapshot.current + 1} ({snapshot.segment_title})"
        echo(f"Resuming {kind.lower()} #{show_id} '{one_line(rundown.title)}' at {one_line(where)}.")
    else:
        count = len(rundown.segments)
        echo(f"{kind} #{show_id} '{one_line(rundown.title)}': {count} segment{'' if count == 1 else 's'}.")
    if options.rehearsal:
        echo("Rehearsal: bookings stay for the next show and no guest appearance is logged.")
    if options.platforms:
        for warning in check_warnings(workspace):  # e.g. two platforms, one OBS output, no relay
            echo(f"warning: {one_line(warning)}")
    urls: dict[str, str] = {}
    if served is not None:
        urls = {"control": f"{served.url}/control", "presenter": f"{served.url}/presenter",
                "overlay": f"{served.url}/overlay"}
        # The token is printed only on a terminal: a service's output lands in logs.
        if stored and options.print_token:
            echo(f"Control room:  {urls['control']}#token={token}")
        elif stored:
            echo(f"Control room:  {urls['control']}  (token in {control_token_path(workspace)}, mode 0600)")
        else:
            echo(f"Control room:  {urls['control']}")
        echo(f"Presenter:     {urls['presenter']}")
        echo(f"OBS overlay:   {urls['overlay']}  (Browser Source, 1920x1080)")

    loop = asyncio.get_running_loop()
    handled = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, runner.request_stop)
            handled.append(signum)
    try:
        if options.interactive:
            async with TerminalView(runner, urls, runner.request_stop):
                snapshot = await runner.run()
        else:
            runner.add_listener(LineLog(echo))
            snapshot = await runner.run()
    finally:
        for signum in handled:
            loop.remove_signal_handler(signum)
        await runner.close()
        if served is not None:
            await served.close()
    ended = snapshot.status is ShowStatus.ENDED
    if not ended:
        path = shlex.quote(rundown.source) if rundown.source else "RUNDOWN"
        again = " --rehearsal" if options.rehearsal else ""
        echo(f"Stopped; {kind.lower()} #{show_id} is saved. Continue it with: livekit run {one_line(path)}{again} "
             "--resume")
    return RunResult(show_id, ended, snapshot)
