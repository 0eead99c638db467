"""``outreach run``: an APScheduler clock around the DB outbox, plus the one-shot entry points.

The scheduler is only a clock: one interval job (max_instances=1, coalesce, generous misfire grace) runs the
send tick on the single SMTP worker thread and another polls IMAP on its own worker thread. All state is in
the database, so a restart (or kill -9) loses nothing and repeats nothing.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import random
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlite_utils

from greenroom.clock import utc_now
from greenroom.db import open_database
from greenroom.errors import GreenroomError
from greenroom.workspace import Workspace
from outreach.campaigns.replies import InboxSession
from outreach.campaigns.sending import TickReport, run_tick
from outreach.campaigns.settings import imap_settings, outreach_settings, smtp_settings
from outreach.mail.inbox import ImapReader
from outreach.mail.sent_folder import SentFolder
from outreach.mail.transport import EmlTransport, SmtpTransport, Transport
from outreach.storage import outbox

log = logging.getLogger(__name__)
LOCK_NAME = ".outreach-sender.lock"


def open_transport(workspace: Workspace) -> Transport:
    """SMTP when ``[smtp]`` is configured, else .eml files in ``WORKSPACE/outbox/``."""
    server = smtp_settings(workspace)
    if server is None:
        return EmlTransport(workspace.path("outbox"))
    return SmtpTransport(server.host, server.port, server.security, server.username, server.password,
                         server.timeout, ca_file=server.ca_file, oauth=server.oauth)


def open_sent_folder(workspace: Workspace) -> SentFolder | None:
    """Where delivered emails are copied: the ``[imap]`` mailbox's Sent folder, when emails really go out
    over ``[smtp]`` and ``[imap] save_sent`` is on (see :data:`FILES_SENT_MAIL_ITSELF`)."""
    server = imap_settings(workspace)
    if server is None or not server.save_sent or smtp_settings(workspace) is None:
        return None
    reader = ImapReader(server.host, server.port, server.security, server.username, server.password,
                        server.folder, server.timeout, ca_file=server.ca_file, oauth=server.oauth)
    return SentFolder(reader, server.sent_folder)


@contextmanager
def sender_lock(workspace: Workspace) -> Iterator[None]:
    """Only one sending process per workspace: recovery must never mistake a live send for a crashed one."""
    workspace.root.mkdir(parents=True, exist_ok=True)
    path = workspace.path(LOCK_NAME)
    handle = path.open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            raise GreenroomError(f"another outreach sender (pid {holder}) is running in {workspace.root}") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()


@dataclass
class SendSession:
    """What one sending process holds: its DB connection, transport and clock (one worker thread)."""

    workspace: Workspace
    clock: Callable[[], datetime] = utc_now
    rng: random.Random = field(default_factory=random.Random)
    recovered: list[dict[str, Any]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    _db: sqlite_utils.Database | None = None
    _transport: Transport | None = None

    def start(self) -> list[dict[str, Any]]:
        """Rows interrupted by a crash become ``uncertain`` (never re-sent automatically)."""
        self.recovered = outbox.recover_interrupted(self.db)
        return self.recovered

    @property
    def db(self) -> sqlite_utils.Database:
        if self._db is None:
            self._db = open_database(self.workspace.database_path)  # owned by this worker thread
        return self._db

    def tick(self, dry_run: bool = False) -> TickReport:
        settings = outreach_settings(self.workspace)
        if self._transport is None:
            self._transport = open_transport(self.workspace)
        return run_tick(self.db, self.workspace.root, settings, self._transport, self.clock, self.rng,
                        dry_run=dry_run, stop=self.stop, sent_folder=open_sent_folder(self.workspace))

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        if self._db is not None:
            self._db.conn.close()
            self._db = None


def send_once(workspace: Workspace, *, dry_run: bool = False, clock: Callable[[], datetime] = utc_now,
              rng: random.Random | None = None) -> tuple[list[dict[str, Any]], TickReport]:
    """One tick in this process (``outreach send --once``): recover, queue, deliver. Returns (recovered, report).

    SIGTERM stops it between two messages (the rest stays queued)."""
    with sender_lock(workspace):
        session = SendSession(workspace, clock, rng or random.Random())
        in_main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, lambda *_: session.stop.set()) if in_main else None
        try:
            recovered = [] if dry_run else session.start()
            return recovered, session.tick(dry_run=dry_run)
        finally:
            session.close()
            if in_main:
                signal.signal(signal.SIGTERM, previous)


class OutreachService:
    """The foreground service: send ticks and inbox polls until SIGTERM/SIGINT, then a clean stop."""

    def __init__(self, workspace: Workspace, send_every: float = 60.0, poll_every: float = 120.0,
                 report: Callable[[str], None] = log.warning) -> None:
        self.workspace = workspace
        self.send_every, self.poll_every = send_every, poll_every
        self.report = report
        self._smtp_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outreach-smtp")
        self._imap_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outreach-imap")
        self._session = SendSession(workspace)
        self._inbox: InboxSession | None = None
        self._reads_inbox = False
        self._stopping = asyncio.Event()

    async def _in(self, worker: ThreadPoolExecutor, function: Callable[[], Any]) -> Any:
        return await asyncio.get_running_loop().run_in_executor(worker, function)

    async def send_tick(self) -> None:
        """Read the inbox first (when configured): a reply that is already there must stop its follow-up."""
        if self._reads_inbox:
            await self.poll_inbox()
        try:
            report = await self._in(self._smtp_worker, self._session.tick)
        except GreenroomError as error:
            self.report(f"send: {error}")
            return
        except Exception as error:  # one bad tick must not end the service; the next tick retries
            log.debug("send tick failed", exc_info=True)
            self.report(f"send: unexpected failure: {type(error).__name__}: {error}")
            return
        if report.sent or report.queued or report.bounced or report.uncertain or report.transport_error:
            self.report(describe_tick(report))
        for problem in report.sent_copy_problems:
            self.report(f"send: {problem}")

    async def poll_inbox(self) -> None:
        if self._inbox is None:
            self._inbox = InboxSession(self.workspace)
        try:
            summary = await self._in(self._imap_worker, self._inbox.poll)
        except GreenroomError as error:
            self.report(f"inbox: {error}")
            return
        except Exception as error:  # a malformed message or a dropped link: report, retry next poll
            log.debug("inbox poll failed", exc_info=True)
            self.report(f"inbox: unexpected failure: {type(error).__name__}: {error}")
            return
        if summary.total:
            self.report(summary.describe())

    async def run(self) -> None:
        outreach_settings(self.workspace)  # fail fast on a missing postal address
        recovered = await self._in(self._smtp_worker, self._session.start)
        for row in recovered:
            self.report(f"outbox #{row['id']} to {row['to_address']} was interrupted during delivery: now "
                        f"uncertain (decide with: outreach outbox resolve {row['id']} --sent|--retry)")
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self._stopping.set)
        from apscheduler.schedulers.asyncio import AsyncIOScheduler  # only `outreach run` needs the scheduler

        scheduler = AsyncIOScheduler(event_loop=loop)
        job_defaults = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 3600}
        scheduler.add_job(self.send_tick, "interval", seconds=self.send_every, next_run_time=utc_now(),
                          id="send", **job_defaults)
        self._reads_inbox = imap_settings(self.workspace) is not None
        if self._reads_inbox:
            scheduler.add_job(self.poll_inbox, "interval", seconds=self.poll_every, next_run_time=utc_now(),
                              id="inbox", **job_defaults)
        scheduler.start()
        try:
            await self._stopping.wait()
        finally:
            self._session.stop.set()  # a running tick finishes the message in hand, then returns
            scheduler.shutdown(wait=False)
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
            await self._in(self._smtp_worker, self._session.close)
            if self._inbox is not None:
                await self._in(self._imap_worker, self._inbox.close)
            self._smtp_worker.shutdown(wait=True)
            self._imap_worker.shutdown(wait=True)

    def stop(self) -> None:
        self._stopping.set()


def describe_tick(report: TickReport) -> str:
    parts = [f"queued {len(report.queued)}", f"sent {report.sent}"]
    for name in ("retrying", "bounced", "failed", "uncertain", "cancelled", "stopped"):
        value = getattr(report, name)
        if value:
            parts.append(f"{name} {value}")
    if report.plan is not None:
        plan = report.plan
        waits = [(plan.outside_window, "outside send window"), (plan.over_daily_cap, "over daily cap"),
                 (plan.waiting_for_gap, "waiting for the gap between sends")]
        parts += [f"{count} {why}" for count, why in waits if count]
    if report.waiting_paused:
        parts.append(f"{report.waiting_paused} waiting for a paused mailbox")
    if report.copied_to_sent:
        parts.append(f"{report.copied_to_sent} copied to the Sent folder")
    text = ", ".join(parts)
    for address, why in report.paused.items():
        text += f"; mailbox {address} paused (queue kept): {why}"
    if report.transport_error:
        text += f"; stopped early: {report.transport_error} (queued messages wait for the next tick)"
    return text
