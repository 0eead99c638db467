"""The YouTube side of a show, on googleapiclient: a reusable stream (its key goes into OBS), a broadcast
bound to it and moved testing → live → complete with the show, live chat polled for viewer questions, and
chapters written into the description afterwards.

googleapiclient and httplib2 block and are not thread-safe, so every API call runs on ONE worker thread
owned by the session (never in the asyncio loop). Quota is estimated per call, persisted per Pacific day,
and chat polling is slowed so the quota lasts for the show's planned length.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from greenroom.backoff import Backoff
from greenroom.clock import wall_clock_ms
from greenroom.db import open_database
from greenroom.quota import QuotaLedger, QuotaStore, ms_until_quota_reset, quota_day
from greenroom.workspace import Workspace
from livekit.core.chapters import description_with_chapters, youtube_chapter_plan
from livekit.core.clock import Clock, SystemClock
from livekit.platforms.auth import (
    AuthError,
    load_youtube_credentials,
    mark_youtube_token_refused,
    missing_scope_message,
    missing_youtube_scopes,
    save_youtube_credentials,
    youtube_token_report,
)
from livekit.platforms.base import BackgroundTasks, SessionStatus, retrying
from livekit.platforms.rules import chat_poll_interval_ms, quota_cost
from livekit.platforms.settings import YouTubeSettings
from livekit.questions.core import ChatMessage
from livekit.questions.intake import QuestionIntake
from livekit.relay.plan import Ingest, youtube_ingest

logger = logging.getLogger(__name__)

STREAM_TITLE = "Greenroom"
TITLE_MAX = 100
#: After the planned end, budget chat polling as if this much show were still left.
OVERRUN_ALLOWANCE_MS = 10 * 60_000


QUOTA_REASONS = ("quotaExceeded", "dailyLimitExceeded")
#: liveChatMessages.list: "The request was sent too soon after the previous one" — transient by the reference.
RATE_LIMIT_REASONS = ("rateLimitExceeded", "userRateLimitExceeded")
#: The chat is gone for this broadcast: (``chat`` status value, reason, fix) per liveChatMessages.list error.
#: https://developers.google.com/youtube/v3/live/docs/liveChatMessages/list#errors
CHAT_STOPPED = {
    "liveChatDisabled": (
        "disabled",
        "live chat is turned off for this broadcast: no questions will come from YouTube",
        "turn live chat on for the broadcast in YouTube Studio",
    ),
    "liveChatEnded": (
        "ended",
        "YouTube ended this broadcast's live chat: no more questions will come from YouTube",
        "check the broadcast in YouTube Studio (did it end early?)",
    ),
    "liveChatNotFound": (
        "not_found",
        "YouTube cannot find this broadcast's live chat (deleted?): no questions will come from YouTube",
        "check the broadcast's live chat in YouTube Studio",
    ),
}
#: A broadcast's lifeCycleStatus values in the order a show goes through them.
LIFECYCLE_ORDER = ("created", "ready", "testStarting", "testing", "liveStarting", "live", "complete")


class NoVideo(Exception):
    """OBS's video never reached YouTube, so the broadcast cannot go live."""


class NoChapters(Exception):
    """The show's segments cannot make a chapter list YouTube accepts; the message says why."""


#: The video snippet properties videos.update sets (part=snippet replaces them all, so each is sent back as
#: read): https://developers.google.com/youtube/v3/docs/videos/update#request-body
_WRITABLE_SNIPPET = ("title", "categoryId", "tags", "defaultLanguage", "defaultAudioLanguage")


def _reason(error: BaseException) -> str:
    details = getattr(error, "error_details", None)
    if isinstance(details, list) and details and isinstance(details[0], dict):
        return str(details[0].get("reason") or "")
    return ""


def describe_youtube_error(error: BaseException) -> tuple[str, bool]:
    """(reason for the status line, worth retrying). Messages never include tokens or the stream key."""
    from google.auth.exceptions import RefreshError, TransportError
    from googleapiclient.errors import HttpError

    if isinstance(error, AuthError | NoVideo | NoChapters):
        return str(error), False
    if isinstance(error, RefreshError):
        return "YouTube token was revoked or expired; run `livekit auth youtube`", False
    if isinstance(error, HttpError):
        status, reason = error.status_code, _reason(error)
        if reason in QUOTA_REASONS and status == 403:
            return "YouTube API quota exceeded; paused until the quota resets (midnight Pacific)", False
        if status == 401:
            return "YouTube refused the token (HTTP 401); run `livekit auth youtube`", False
        if reason in RATE_LIMIT_REASONS:
            return f"YouTube asked Greenroom to slow down ({reason}); recovering", True
        if reason == "invalidDescription":
            return "YouTube refused the description (invalidDescription: it must not contain < or >)", False
        if status == 429 or status >= 500:
            return f"YouTube is unavailable (HTTP {status}); retrying", True
        if reason == "errorStreamInactive":
            return "YouTube sees no video yet (start streaming in OBS); retrying", True
        return f"YouTube refused the request (HTTP {status}{' ' + reason if reason else ''})", False
    if isinstance(error, TransportError | OSError | TimeoutError):
        return f"cannot reach YouTube ({type(error).__name__}); retrying", True
    return f"unexpected YouTube failure ({type(error).__name__}); retrying", True


class YouTubeSession:
    """One show's YouTube session. ``database_path`` is the workspace DB; the worker thread opens its own
    connection there (for the quota estimate), as SQLite connections are per thread."""

    name = "youtube"

    def __init__(
        self,
        settings: YouTubeSettings,
        database_path: Path,
        intake: QuestionIntake | None = None,
        *,
        planned_show_ms: int = 60 * 60_000,
        clock: Clock | None = None,
        on_status: Any = None,
        poll_minimum_ms: int = 1_000,
        retry_first_ms: int = 1_000,
        stream_wait_ms: int = 120_000,
        video_poll_ms: int = 5_000,
    ) -> None:
        self.settings = settings
        self.intake = intake
        self.clock = clock or SystemClock()
        self.planned_show_ms = planned_show_ms
        self._database_path = database_path
        self._status = SessionStatus("youtube", self.clock, on_change=on_status)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="youtube-api")
        self._tasks = BackgroundTasks()
        self._poll_minimum_ms = poll_minimum_ms
        self._retry_first_ms = retry_first_ms
        self._stream_wait_ms = stream_wait_ms
        self._video_poll_ms = video_poll_ms
        # Worker-thread state (touched only inside _in_worker functions).
        self._service: Any = None
        self._credentials: Any = None
        self._db: sqlite_utils.Database | None = None
        self._quota: QuotaStore | None = None
        self.ledger = QuotaLedger(quota_day(self.clock.now_ms()), daily_limit=settings.daily_quota)
        # Loop state.
        self.stream: dict[str, Any] | None = None
        self.broadcast: dict[str, Any] | None = None
        self._show_started_ms: int | None = None
        self._poll_interval_ms: int | None = None
        self._chat_task: asyncio.Task[Any] | None = None
        self._go_live_task: asyncio.Task[Any] | None = None
        self._ending = False
        self._owner_channels: set[str] = set()
        self._chat_lines = 0
        self._unsaved: list[ChatMessage] = []
        self._last_failure_retryable = True
        #: Told of each Super Chat read from chat: (received epoch ms, ``amountMicros``); the audience
        #: recorder counts them per minute (livekit.platforms.audience).
        self.super_chat_listener: Callable[[int, int], None] | None = None

    # ------------------------------------------------------------------ worker thread
    async def _run(self, function: Callable[[], Any]) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, function)

    async def call(self, name: str, make_request: Callable[[Any], Any]) -> Any:
        """Execute one API request on the worker thread, charging its estimated quota."""

        def work() -> Any:
            from google.auth.exceptions import RefreshError

            service = self._ensure_service()
            token_before = self._credentials.token
            self._charge(name)
            try:
                return make_request(service).execute(num_retries=0)
            except RefreshError as error:
                if not getattr(error, "retryable", False):
                    reason = str(error.args[0]).split(":", 1)[0] if error.args else "refused"
                    mark_youtube_token_refused(self.settings, reason, self.clock.now_ms())
                raise
            finally:
                if self._credentials.token != token_before:
                    save_youtube_credentials(self.settings, self._credentials)

        return await self._run(work)

    def _ensure_service(self) -> Any:
        if self._service is None:
            from googleapiclient.discovery import build

            credentials = load_youtube_credentials(self.settings)
            if credentials is None:
                raise AuthError("YouTube is not authorised; run `livekit auth youtube`")
            missing = missing_youtube_scopes(credentials)
            if missing:
                raise AuthError(missing_scope_message("YouTube", "account", missing, "livekit auth youtube"))
            options = {"api_endpoint": self.settings.api_endpoint} if self.settings.api_endpoint else None
            self._credentials = credentials
            self._service = build(
                "youtube", "v3", credentials=credentials, client_options=options, cache_discovery=False
            )
        return self._service

    def _charge(self, name: str) -> None:
        if self._quota is None:
            self._db = open_database(self._database_path)
            self._quota = QuotaStore(self._db)
            self.ledger.used += self._quota.used(self.ledger.day)
        cost = self.ledger.charge(name, quota_cost(name), self.clock.now_ms())
        self._quota.add(self.ledger.day, cost)

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Check authorisation and get (or create) the reusable stream whose key OBS streams to."""
        if not self.settings.enabled:
            self._status.set("off", "disabled ([youtube] enabled = false)")
            return
        self._status.problem("connection", "connecting")
        ok = await self._retry(self._prepare_stream, "connection", attempts=1)
        if not ok and self._last_failure_retryable:
            self._tasks.spawn(self._retry(self._prepare_stream, "connection", attempts=100), "youtube-prepare")

    async def _retry(self, attempt: Callable[[], Any], area: str, attempts: int = 5) -> bool:
        def describe(error: BaseException) -> tuple[str, bool]:
            reason, retry = describe_youtube_error(error)
            self._last_failure_retryable = retry
            return reason, retry

        return await retrying(
            attempt,
            status=self._status,
            area=area,
            describe=describe,
            attempts=attempts,
            backoff=Backoff(first_ms=self._retry_first_ms),
        )

    async def _prepare_stream(self) -> None:
        found = await self.call(
            "liveStreams.list",
            lambda yt: yt.liveStreams().list(part="id,snippet,cdn,status,contentDetails", mine=True, maxResults=50),
        )
        reusable = [
            item
            for item in found.get("items", [])
            if item["snippet"].get("title") == STREAM_TITLE and item.get("contentDetails", {}).get("isReusable", True)
        ]
        if reusable:
            self.stream = reusable[0]
        else:
            self.stream = await self.call(
                "liveStreams.insert",
                lambda yt: yt.liveStreams().insert(
                    part="snippet,cdn,contentDetails,status",
                    body={
                        "snippet": {"title": STREAM_TITLE, "description": "Created by Greenroom; reused every show."},
                        "cdn": {"ingestionType": "rtmp", "resolution": "variable", "frameRate": "variable"},
                        "contentDetails": {"isReusable": True},
                    },
                ),
            )
        self._status.update(
            stream_id=self.stream["id"], ingest_url=self.stream["cdn"]["ingestionInfo"]["ingestionAddress"]
        )
        await self._reattach()
        self._publish_quota()

    async def _reattach(self) -> None:
        """After a crash mid-show, pick up the broadcast still testing/live on our stream and its chat."""
        if self.broadcast is not None or self.stream is None:
            return
        active = await self.call(
            "liveBroadcasts.list",
            lambda yt: yt.liveBroadcasts().list(
                part="id,snippet,status,contentDetails", broadcastStatus="active", maxResults=50
            ),
        )
        ours = [
            item for item in active.get("items", [])
            if item.get("contentDetails", {}).get("boundStreamId") == self.stream["id"]
        ]
        if ours:
            self.broadcast = ours[0]
            self._status.update(
                broadcast_id=self.broadcast["id"],
                lifecycle=self.broadcast["status"]["lifeCycleStatus"],
                resumed_broadcast=True,
            )
            self._start_chat_poller()

    def _start_chat_poller(self) -> None:
        """Poll the broadcast's chat unless a poller already runs: one per session, however often the show
        starts or resumes (two would double the quota and trip YouTube's rate limit)."""
        if self._chat_task is None or self._chat_task.done():
            self._chat_task = self._tasks.spawn(self._poll_chat(), "youtube-chat")

    def ingest(self) -> Ingest | None:
        """Where OBS (or the relay) sends video, once the stream exists: RTMPS when YouTube offers it, so
        the key is not sent in clear. The key is a secret: not in status."""
        if self.stream is None:
            return None
        return youtube_ingest(self.stream["cdn"]["ingestionInfo"])

    async def close(self) -> None:
        await self._tasks.cancel_all()

        def close_worker() -> None:
            if self._db is not None:
                self._db.conn.close()
                self._db, self._quota = None, None
            if self._service is not None:
                self._service.close()
                self._service = None

        await self._run(close_worker)
        self._executor.shutdown(wait=True)
        self._status.set("off", "closed")

    async def drain(self) -> None:
        """Wait for queued work other than chat polling and reconnects (tests, clean shutdown)."""
        skip = {"youtube-chat", "youtube-prepare"}
        while pending := [task for task in self._tasks.pending() if task.get_name() not in skip]:
            await asyncio.gather(*pending, return_exceptions=True)

    # ------------------------------------------------------------------ show hooks
    def show_started_at(self, started_ms: int) -> None:
        """The show's real start (epoch ms), for a session created after it (``--resume``): chapter offsets
        and the chat polling budget count from it instead of from when :meth:`on_show_start` was called."""
        self._show_started_ms = started_ms

    async def on_show_start(self, title: str, category: str | None) -> None:
        """Create (or reuse an upcoming one with the same title) a broadcast, bind it, go testing → live,
        then poll its chat. Runs in the background: YouTube needs video before it allows the transitions.

        Idempotent: a second call while going live does nothing, and a broadcast already testing or live
        (picked up again after a crash) continues from where it is."""
        if not self.settings.enabled:
            return
        if self._show_started_ms is None:
            self._show_started_ms = self.clock.now_ms()
        if self._go_live_task is not None and not self._go_live_task.done():
            return
        self._go_live_task = self._tasks.spawn(self._go_live(" ".join(title.split())[:TITLE_MAX]), "youtube-go-live")

    async def _go_live(self, title: str) -> None:
        if self.stream is None and not await self._retry(self._prepare_stream, "connection"):
            return
        if not await self._retry(lambda: self._ensure_broadcast(title), "broadcast"):
            return
        self._start_chat_poller()
        targets = self._transitions_left()
        if not targets:
            return
        if not await self._retry(self._wait_for_video, "broadcast", attempts=1):
            return
        for target in targets:
            if not await self._retry(functools.partial(self._transition, target), "broadcast"):
                return

    def _transitions_left(self) -> list[str]:
        """The transitions still needed to be live, from the broadcast's lifeCycleStatus: none when it is
        already live, no ``testing`` when it is past it or its monitor stream is off (YouTube refuses it)."""
        assert self.broadcast is not None
        current = self.broadcast["status"]["lifeCycleStatus"]
        monitor = self.broadcast.get("contentDetails", {}).get("monitorStream", {})
        wanted = ["testing", "live"] if monitor.get("enableMonitorStream", True) else ["live"]
        if current not in LIFECYCLE_ORDER:
            return wanted
        position = LIFECYCLE_ORDER.index(current)
        return [target for target in wanted if LIFECYCLE_ORDER.index(target) > position]

    async def _ensure_broadcast(self, title: str) -> None:
        assert self.stream is not None
        if self.broadcast is None:
            upcoming = await self.call(
                "liveBroadcasts.list",
                lambda yt: yt.liveBroadcasts().list(
                    part="id,snippet,status,contentDetails", broadcastStatus="upcoming", maxResults=50
                ),
            )
            same = [item for item in upcoming.get("items", []) if item["snippet"]["title"] == title]
            self.broadcast = same[0] if same else await self.call(
                "liveBroadcasts.insert",
                lambda yt: yt.liveBroadcasts().insert(
                    part="snippet,status,contentDetails",
                    body={
                        "snippet": {"title": title, "scheduledStartTime": _iso(self.clock.now_ms())},
                        "status": {"privacyStatus": self.settings.privacy, "selfDeclaredMadeForKids": False},
                        "contentDetails": {
                            "monitorStream": {"enableMonitorStream": True},
                            "enableAutoStart": False,
                            "enableAutoStop": False,
                        },
                    },
                ),
            )
        broadcast = self.broadcast
        assert self.stream is not None, "the stream is prepared before the broadcast"
        stream_id = self.stream["id"]
        if broadcast["contentDetails"].get("boundStreamId") != stream_id:
            self.broadcast = await self.call(
                "liveBroadcasts.bind",
                lambda yt: yt.liveBroadcasts().bind(
                    id=broadcast["id"], part="id,snippet,status,contentDetails", streamId=stream_id
                ),
            )
        self._status.update(
            broadcast_id=self.broadcast["id"],
            lifecycle=self.broadcast["status"]["lifeCycleStatus"],
            watch_url=f"https://www.youtube.com/watch?v={self.broadcast['id']}",
        )
        self._publish_quota()

    async def _wait_for_video(self) -> None:
        """Poll the stream's status (1 unit each, every ``video_poll_ms``) until OBS's video arrives."""
        assert self.stream is not None
        stream_id = self.stream["id"]
        deadline = self.clock.now_ms() + self._stream_wait_ms
        while True:
            found = await self.call(
                "liveStreams.list", lambda yt: yt.liveStreams().list(part="id,status", id=stream_id)
            )
            items = found.get("items", [])
            if items:
                stream_status = items[0]["status"]
                self._status.update(stream_status=stream_status.get("streamStatus"),
                                    stream_health=stream_status.get("healthStatus", {}).get("status"))
            if items and items[0]["status"]["streamStatus"] == "active":
                self._status.resolved("video")
                return
            self._status.problem("video", "waiting for OBS's video to reach YouTube")
            if self.clock.now_ms() >= deadline:
                raise NoVideo(
                    f"no video from OBS reached YouTube within {self._stream_wait_ms // 1000} s: "
                    "the broadcast is not live (is OBS streaming to the YouTube key?)"
                )
            await asyncio.sleep(self._video_poll_ms / 1000)

    async def _transition(self, target: str) -> None:
        from googleapiclient.errors import HttpError

        assert self.broadcast is not None
        current = self.broadcast["status"]["lifeCycleStatus"]
        if current == target:
            return
        if current == {"testing": "testStarting", "live": "liveStarting"}.get(target):
            await self._settle(target)
            return
        broadcast_id = self.broadcast["id"]
        try:
            self.broadcast = await self.call(
                "liveBroadcasts.transition",
                lambda yt: yt.liveBroadcasts().transition(
                    broadcastStatus=target, id=broadcast_id, part="id,snippet,status,contentDetails"
                ),
            )
        except HttpError as error:
            if _reason(error) != "redundantTransition":
                raise
            self.broadcast["status"]["lifeCycleStatus"] = target
        self._status.update(lifecycle=self.broadcast["status"]["lifeCycleStatus"])
        await self._settle(target)
        self._publish_quota()

    async def _settle(self, target: str) -> None:
        """YouTube answers a transition with testStarting/liveStarting; the next one is refused until the
        broadcast has really reached ``target``, so poll its status (1 unit each) until it has."""
        assert self.broadcast is not None
        broadcast_id = self.broadcast["id"]
        deadline = self.clock.now_ms() + self._stream_wait_ms
        while self.broadcast["status"]["lifeCycleStatus"] != target:
            if self.clock.now_ms() >= deadline:
                raise NoVideo(
                    f"YouTube kept the broadcast in {self.broadcast['status']['lifeCycleStatus']} for "
                    f"{self._stream_wait_ms // 1000} s instead of {target}"
                )
            await asyncio.sleep(self._video_poll_ms / 1000)
            found = await self.call(
                "liveBroadcasts.list",
                lambda yt: yt.liveBroadcasts().list(part="id,snippet,status,contentDetails", id=broadcast_id),
            )
            if found.get("items"):
                self.broadcast = found["items"][0]
            self._status.update(lifecycle=self.broadcast["status"]["lifeCycleStatus"])

    async def on_segment_start(self, index: int, title: str, guest: str | None) -> None:
        """Nothing live on YouTube per segment: chapters are written after the show from actual starts."""

    async def on_show_end(self, chapters: list[tuple[int, str]]) -> None:
        """Stop chat, transition to complete, and write the chapters (``chapters``: offset seconds from the
        show's start, title) into the video's description: see :meth:`write_chapters`."""
        if not self.settings.enabled:
            return
        self._ending = True
        try:
            await asyncio.wait_for(self.drain(), timeout=30)
        except TimeoutError:
            self._status.problem("broadcast", "going live had not finished when the show ended")
        if self._chat_task is not None:
            self._chat_task.cancel()
        if self.broadcast is None:
            self._status.problem("chapters", "no broadcast: chapters not written")
            return
        if self.broadcast["status"]["lifeCycleStatus"] in ("testStarting", "testing", "liveStarting", "live"):
            await self._retry(lambda: self._transition("complete"), "broadcast")
        await self.write_chapters([(seconds * 1000, title) for seconds, title in chapters])

    async def write_chapters(self, aired: list[tuple[int, str]], show_started_ms: int | None = None) -> bool:
        """Write valid chapters into the video's description; True when written.

        ``aired`` are (ms from the show's start, title) as :func:`livekit.core.chapters.aired_chapters` gives
        them; ``show_started_ms`` is the show's start (epoch ms; default: as :meth:`show_started_at` or
        :meth:`on_show_start` learnt it). Offsets are moved to count from the video's ``actualStartTime``
        (YouTube's first frame), YouTube's chapter rules are enforced (see
        :func:`livekit.core.chapters.youtube_chapter_plan`), and the description is read fresh just before
        it is written, so what the team wrote in YouTube Studio above the marker line stays.
        """
        if not self.settings.enabled or self.broadcast is None:
            return False
        started = show_started_ms if show_started_ms is not None else self._show_started_ms
        written = await self._retry(lambda: self._write_chapters(aired, started), "chapters")
        self._publish_quota()
        return written and self._status.extra.get("chapters_written", 0) > 0

    async def _write_chapters(self, aired: list[tuple[int, str]], show_started_ms: int | None) -> None:
        assert self.broadcast is not None
        video_id = self.broadcast["id"]
        found = await self.call(
            "videos.list", lambda yt: yt.videos().list(part="snippet,liveStreamingDetails", id=video_id)
        )
        if not found.get("items"):
            raise NoVideo(f"YouTube has no video {video_id}: chapters not written")
        video = found["items"][0]
        live = video.get("liveStreamingDetails", {})
        first_frame_ms = _parse_time(live.get("actualStartTime") or self.broadcast["snippet"].get("actualStartTime"))
        notes: list[str] = []
        if first_frame_ms is None:
            notes.append("YouTube reported no actualStartTime: chapters count from the show's start")
            shift = 0
        elif show_started_ms is None:
            notes.append("the show's start is unknown: chapters count from YouTube's first frame")
            shift = 0
        else:
            shift = show_started_ms - first_frame_ms
        ended_ms = _parse_time(live.get("actualEndTime"))
        end = None if ended_ms is None or first_frame_ms is None else ended_ms - first_frame_ms
        plan = youtube_chapter_plan([(offset + shift, title) for offset, title in aired], end_ms=end)
        notes.extend(plan.notes)
        self._status.update(chapter_warnings=notes, chapters_offset_ms=-shift)
        if plan.problem is not None:
            self._status.update(chapters_written=0)
            raise NoChapters(plan.problem)
        snippet = video["snippet"]
        body = {
            "id": video_id,
            "snippet": {
                **{key: snippet[key] for key in _WRITABLE_SNIPPET if key in snippet},
                "description": description_with_chapters(snippet.get("description", ""), plan.lines),
            },
        }
        await self.call("videos.update", lambda yt: yt.videos().update(part="snippet", body=body))
        self._status.update(chapters_written=len(plan.lines))

    # ------------------------------------------------------------------ chat
    async def _poll_chat(self) -> None:
        """Poll the broadcast's live chat until it ends. A transient refusal (rate limit, outage) backs off
        and shows ``chat: "recovering"``; a chat that is off, ended or deleted stops polling and says so."""
        from googleapiclient.errors import HttpError

        assert self.broadcast is not None
        chat_id = self.broadcast["snippet"].get("liveChatId")
        if not chat_id:
            self._chat_stopped("liveChatDisabled")
            return
        page_token: str | None = None
        backoff = Backoff(first_ms=self._retry_first_ms)
        while True:
            try:
                response = await self.call(
                    "liveChatMessages.list",
                    functools.partial(_chat_page, chat_id=chat_id, page_token=page_token),
                )
            except asyncio.CancelledError:
                raise
            except Exception as error:
                reason, retry = describe_youtube_error(error)
                code = _reason(error) if isinstance(error, HttpError) else ""
                if code in CHAT_STOPPED:
                    self._chat_stopped(code)
                    return
                self._publish_quota()
                if code in QUOTA_REASONS:
                    self._status.problem("chat", reason)
                    self._status.update(chat="paused", chat_reason=reason)
                    await asyncio.sleep(ms_until_quota_reset(self.clock.now_ms()) / 1000)
                elif not retry:
                    self._status.problem("chat", reason)
                    self._status.update(chat="failed", chat_reason=reason)
                    return
                else:
                    self._status.problem("chat", reason)
                    self._status.update(chat="recovering", chat_reason=reason)
                    delay = max(backoff.next_delay_ms(), self._poll_interval_ms or 0)
                    await asyncio.sleep(delay / 1000)
                continue
            backoff.reset()
            self._status.resolved("chat")
            if self._status.extra.get("chat") != "ok":
                self._status.update(chat="ok", chat_reason=None, chat_fix=None)
            self._deliver(response.get("items", []))
            page_token = response.get("nextPageToken", page_token)
            if response.get("offlineAt"):
                self._status.update(chat="ended")
                return
            self._poll_interval_ms = self._next_interval(int(response.get("pollingIntervalMillis", 5_000)))
            self._publish_quota()
            await asyncio.sleep(self._poll_interval_ms / 1000)

    def _chat_stopped(self, code: str) -> None:
        """The chat is gone for good (off, ended, deleted): say so with the fix, unless the show is ending
        (then an ended chat is simply the end)."""
        state, reason, fix = CHAT_STOPPED[code]
        if self._ending and code == "liveChatEnded":
            self._status.resolved("chat")
            self._status.update(chat="ended", chat_reason=None, chat_fix=None)
            return
        self._status.problem("chat", f"{reason} ({fix})")
        self._status.update(chat=state, chat_reason=reason, chat_fix=fix)

    def _next_interval(self, server_hint_ms: int) -> int:
        started = self._show_started_ms if self._show_started_ms is not None else self.clock.now_ms()
        left = self.planned_show_ms - (self.clock.now_ms() - started)
        return chat_poll_interval_ms(
            server_hint_ms,
            self.ledger.remaining(),
            max(left, OVERRUN_ALLOWANCE_MS),
            minimum_ms=self._poll_minimum_ms,
        )

    def _deliver(self, items: list[dict[str, Any]]) -> None:
        """One page of chat → one intake burst (one transaction). A page that cannot be stored is kept
        and delivered again before the next one, so no question is lost.

        Text messages, Super Chats (``superChatEvent``) and members' milestone messages
        (``memberMilestoneChatEvent``) are delivered; the last two as paid, with YouTube's text for the
        amount. Other events (a new member joining, deletions, bans) carry no words of the viewer's own."""
        messages = [message for item in items if (message := self._chat_message(item)) is not None]
        self._chat_lines += len(messages)
        paid = sum(1 for message in messages if message.paid)
        if paid:
            self._status.update(paid_messages=self._status.extra.get("paid_messages", 0) + paid)
        if self.intake is None:
            return
        self._unsaved.extend(messages)
        burst = list(self._unsaved)
        try:
            self.intake.receive_many(burst)
        except Exception as error:
            self._status.problem("questions", f"cannot store questions ({type(error).__name__}); will retry")
            return
        self._unsaved.clear()
        self._status.resolved("questions")

    def _chat_message(self, item: dict[str, Any]) -> ChatMessage | None:
        snippet, author = item.get("snippet", {}), item.get("authorDetails", {})
        kind = snippet.get("type")
        paid, amount = False, None
        if kind == "textMessageEvent":
            text = snippet.get("textMessageDetails", {}).get("messageText") or snippet.get("displayMessage", "")
        elif kind == "superChatEvent":
            details = snippet.get("superChatDetails", {})
            text, paid, amount = details.get("userComment", ""), True, details.get("amountDisplayString")
            if self.super_chat_listener is not None:
                self.super_chat_listener(self.clock.now_ms(), int(details.get("amountMicros") or 0))
        elif kind == "memberMilestoneChatEvent":
            details = snippet.get("memberMilestoneChatDetails", {})
            level, months = details.get("memberLevelName") or "Member", details.get("memberMonth")
            text, paid = details.get("userComment", ""), True
            amount = f"{level}, {months} months" if months else level
        else:
            return None
        channel = author.get("channelId") or snippet.get("authorChannelId", "")
        if author.get("isChatOwner") and channel not in self._owner_channels and self.intake is not None:
            self._owner_channels.add(channel)
            self.intake.ignore_author("youtube", channel)
        return ChatMessage(
            platform="youtube",
            message_id=item["id"],
            author_id=channel,
            author_name=author.get("displayName") or channel,
            text=text,
            received_ms=self.clock.now_ms(),
            paid=paid,
            amount=amount,
        )

    # ------------------------------------------------------------------ status
    def _publish_quota(self) -> None:
        self._status.update(
            quota_used_today=self.ledger.used,
            quota_limit=self.ledger.daily_limit,
            quota_is_estimate=True,
            chat_poll_interval_ms=self._poll_interval_ms,
        )

    def status(self) -> dict[str, Any]:
        status = self._status.as_dict()
        status["quota_used_today"] = self.ledger.used
        status["chat_lines"] = self._chat_lines
        if self.intake is not None:
            status["intake"] = self.intake.stats()
        return status


def token_problems(workspace: Workspace) -> list[str]:
    """Why the stored YouTube token cannot work, each with its fix (empty: usable, or YouTube is off).

    For `livekit run`, to refuse starting the YouTube session on a token known to be dead; see
    :func:`livekit.platforms.auth.youtube_token_report` (which also gives the warnings `livekit auth status`
    prints)."""
    settings = YouTubeSettings.from_workspace(workspace)
    if not settings.enabled:
        return []
    problems, _ = youtube_token_report(settings, wall_clock_ms())
    return [f"youtube: {problem}" for problem in problems]


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _parse_time(text: str | None) -> int | None:
    """Epoch ms of a YouTube ISO 8601 time (``2026-11-30T08:00:00Z``, fractions allowed); None when absent."""
    if not text:
        return None
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


__all__ = ["YouTubeSession", "describe_youtube_error", "quota_cost", "token_problems"]


def _chat_page(yt: Any, *, chat_id: str, page_token: str | None) -> Any:
    """The ``liveChatMessages.list`` request for one page (up to 2,000 messages) after ``page_token``."""
    return yt.liveChatMessages().list(liveChatId=chat_id, part="id,snippet,authorDetails", pageToken=page_token,
                                      maxResults=2000)
