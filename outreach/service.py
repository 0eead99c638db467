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
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path
from typing import Any

import sqlite_utils

from greenroom.clock import utc_now
from greenroom.db import open_database
from greenroom.errors import GreenroomError
from greenroom.workspace import Workspace
from outreach.campaigns.replies import InboxSession, imap_reader, inbox_servers
from outreach.campaigns.sending import TickReport, run_tick
from outreach.campaigns.settings import (
    MailboxSettings,
    ServerSettings,
    imap_settings,
    mailbox_settings,
    outreach_settings,
    smtp_settings,
)
from outreach.mail.sent_folder import SentFolder
from outreach.mail.transport import Claim, Delivery, EmlTransport, SmtpTransport, Transport
from outreach.storage import outbox

log = logging.getLogger(__name__)
LOCK_NAME = ".outreach-sender.lock"


def _smtp(server: ServerSettings) -> SmtpTransport:
    return SmtpTransport(server.host, server.port, server.security, server.username, server.password,
                         server.timeout, ca_file=server.ca_file, oauth=server.oauth)


class MailboxRoutes:
    """Which server each sender address uses: a ``[mailboxes.NAME]`` with that address and its own ``smtp``
    / ``imap`` tables, else the default ``[smtp]``/``[imap]`` (else .eml files in ``WORKSPACE/outbox/``).

    Settings are read when the routes are made: a session's SMTP connections keep the routes of its first
    tick, Sent folders follow the config of each tick."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.named: dict[str, MailboxSettings] = mailbox_settings(workspace)
        self.by_address = {mailbox.address.lower(): mailbox for mailbox in self.named.values()}
        self.default_smtp = smtp_settings(workspace)
        self.default_imap = imap_settings(workspace)

    def smtp(self, address: str) -> tuple[str, ServerSettings | None]:
        """(route key, server) for a sender: the key names the connection so mailboxes sharing a server
        through ``[smtp]`` share one session."""
        mailbox = self.by_address.get(address.lower())
        if mailbox is not None and mailbox.smtp is not None:
            return mailbox.key, mailbox.smtp
        return "", self.default_smtp

    def sent_folder(self, address: str) -> tuple[str, ServerSettings] | None:
        """The IMAP account whose Sent folder files this sender's copies, when copies are wanted: the
        email really leaves over SMTP and that account's ``save_sent`` is on."""
        mailbox = self.by_address.get(address.lower())
        key, server = (mailbox.key, mailbox.imap) if mailbox is not None else ("", self.default_imap)
        if server is None or not server.save_sent or self.smtp(address)[1] is None:
            return None
        return key, server


class RoutingTransport:
    """One lazily opened connection per sending mailbox, chosen by the sender address of each message: a
    mailbox whose server cannot be reached raises for its own messages only (the tick goes on with the
    others)."""

    def __init__(self, routes: MailboxRoutes) -> None:
        self.routes = routes
        self._open: dict[str, Transport] = {}

    def _for(self, sender: str) -> Transport:
        key, server = self.routes.smtp(sender)
        transport = self._open.get(key)
        if transport is None:
            transport = self._open[key] = (EmlTransport(self.routes.workspace.path("outbox")) if server is None
                                           else _smtp(server))
        return transport

    def send(self, sender: str, recipient: str, raw: bytes, name: str, claim: Claim | None = None) -> Delivery:
        return self._for(sender).send(sender, recipient, raw, name, claim)

    def close(self) -> None:
        for transport in self._open.values():
            transport.close()
        self._open.clear()


def open_transport(workspace: Workspace) -> Transport:
    """Each sender's SMTP (``[mailboxes.NAME.smtp]`` or ``[smtp]``), else .eml files in ``WORKSPACE/outbox/``."""
    return RoutingTransport(MailboxRoutes(workspace))


class SentFolders:
    """Each sender's Sent folder (:meth:`MailboxRoutes.sent_folder`), one :class:`SentFolder` per account."""

    def __init__(self, routes: MailboxRoutes) -> None:
        self.routes = routes
        self._folders: dict[str, SentFolder] = {}

    def __call__(self, address: str) -> SentFolder | None:
        found = self.routes.sent_folder(address)
        if found is None:
            return None
        key, server = found
        if key not in self._folders:
            self._folders[key] = SentFolder(imap_reader(server), server.sent_folder)
        return self._folders[key]


# ------------------------------------------------------------------------------------------ rehearsal

REHEARSAL_HEADER = "X-Greenroom-Rehearsal"


class RehearsalTransport:
    """Every message goes to ``address`` only: the envelope recipient is always ``address`` whatever the
    caller asks, the To header is rewritten, the subject says who it was for, and the one-click unsubscribe
    headers are dropped (a click must not act on anyone). Delivery itself goes through ``inner``, the real
    servers, so the rehearsal tests them."""

    def __init__(self, inner: Transport, address: str) -> None:
        self.inner, self.address = inner, address

    def rewrite(self, recipient: str, raw: bytes) -> bytes:
        message = message_from_bytes(raw, policy=email_policy.SMTP)
        subject = str(message.get("Subject", ""))
        for name in ("To", "Cc", "Bcc", "Subject", "List-Unsubscribe", "List-Unsubscribe-Post", REHEARSAL_HEADER):
            del message[name]
        message["To"] = self.address
        message["Subject"] = f"[rehearsal for {recipient}] {subject}"
        message[REHEARSAL_HEADER] = f"would have gone to {recipient}; nothing was recorded"
        return message.as_bytes(policy=email_policy.SMTP.clone(max_line_length=998))  # RFC 5322 line limit

    def send(self, sender: str, recipient: str, raw: bytes, name: str, claim: Claim | None = None) -> Delivery:
        return self.inner.send(sender, self.address, self.rewrite(recipient, raw), name, claim)

    def close(self) -> None:
        self.inner.close()


def _copy_database(source: Path, target: Path) -> None:
    """A consistent copy of the live database (SQLite's online backup: safe while a sender writes)."""
    with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
        live.backup(copy)
    live.close()
    copy.close()


def rehearse_once(workspace: Workspace, address: str, *, clock: Callable[[], datetime] = utc_now,
                  rng: random.Random | None = None) -> TickReport:
    """``outreach send --once --rehearse-to ADDRESS``: one real tick, through the real SMTP servers, on a
    throwaway copy of the database, with every message redirected to ``address``.

    A copy, not a rolled-back transaction: delivery commits ``sending`` before each message (crash safety),
    and one transaction around the whole SMTP conversation would hold the live database's write lock for
    minutes, stalling ``outreach run`` and the inbox. The copy is deleted afterwards, so nothing is recorded
    as sent, no sequence moves, nobody is suppressed, and no Sent copy is filed."""
    with tempfile.TemporaryDirectory(prefix="greenroom-rehearsal-") as folder:
        copy = Path(folder) / "rehearsal.db"
        if workspace.database_path.exists():
            _copy_database(workspace.database_path, copy)
        session = SendSession(workspace, clock, rng or random.Random(), database_path=copy)
        session._transport = RehearsalTransport(open_transport(workspace), address)
        try:
            return session.tick(sent_folders=False)
        finally:
            session.close()


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
    #: Another database file than the workspace's (a rehearsal's throwaway copy).
    database_path: Path | None = None
    _db: sqlite_utils.Database | None = None
    _transport: Transport | None = None

    def start(self) -> list[dict[str, Any]]:
        """Rows interrupted by a crash become ``uncertain`` (never re-sent automatically)."""
        self.recovered = outbox.recover_interrupted(self.db)
        return self.recovered

    @property
    def db(self) -> sqlite_utils.Database:
        if self._db is None:
            self._db = open_database(self.database_path or self.workspace.database_path)  # this worker's
        return self._db

    def tick(self, dry_run: bool = False, *, sent_folders: bool = True) -> TickReport:
        """One tick; ``sent_folders`` False files no Sent copies (a rehearsal)."""
        settings = outreach_settings(self.workspace)
        routes = MailboxRoutes(self.workspace)  # the config as it is now: a fixed pause or password applies
        if self._transport is None:
            self._transport = RoutingTransport(routes)
        return run_tick(self.db, self.workspace.root, settings, self._transport, self.clock, self.rng,
                        dry_run=dry_run, stop=self.stop, sent_folders=SentFolders(routes) if sent_folders else None,
                        mailboxes=routes.named)

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
        if report.sent or report.queued or report.bounced or report.uncertain or report.unreachable:
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
        self._reads_inbox = bool(inbox_servers(self.workspace))
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
    if report.moved:
        text += f"; {report.moved} first email(s) moved off a paused mailbox"
    for address, why in report.unreachable.items():
        text += f"; mailbox {address} not reached: {why} (its queued messages wait for the next tick)"
    return text
