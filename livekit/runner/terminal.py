"""What `livekit run` shows in a terminal: a live view with single-key controls, or plain lines without a TTY.

The live view only reads the runner's state and sends the same actions as the control room, so the
terminal is one more transport, not a second source of truth.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import termios
import tty
from collections.abc import Callable, Mapping
from typing import Any, TextIO

from rich.console import Group
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from greenroom.errors import GreenroomError
from livekit.control.presses import CONFIRM_WINDOW_MS
from livekit.core.durations import format_clock, format_countdown, format_signed
from livekit.core.show import ShowSnapshot, ShowStatus
from livekit.core.wording import one_line
from livekit.runner.show_runner import ShowRunner

KEYS_HELP = (
    "[n]ext  [b]ack  [h]old/resume  [+]/[-] 30s  [s]kip  [1-9] jump  [u]ndo  [e]nd (twice)  "
    "[q]uit (show stays resumable)"
)
PHASE_STYLES = {"normal": "bold green", "warning": "bold yellow", "overtime": "bold white on red"}


def is_interactive(stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> bool:
    """The live view needs a real terminal on both ends; CI, pipes and services get plain lines."""
    return stdin.isatty() and stdout.isatty()


def render(state: Mapping[str, Any], urls: dict[str, str]) -> Group:
    """The live view of one state: big countdown, prompt, next, over/under, OBS and the web pages."""
    show = state["show"]
    status = show["status"]
    kind = "REHEARSAL" if show.get("rehearsal") else "show"
    header = Text(f"{_safe(show['title'])}  ·  {kind} #{show['show_id']}  ·  {status}", style="bold")
    # Titles, prompts, messages and guest names are user text: always Text, never parsed as markup, and
    # with control characters made visible (an escape sequence in a rundown must not drive the terminal).
    body = Table.grid(padding=(0, 2))
    body.add_column(justify="right", style="dim")
    body.add_column()
    if status == "live":
        count = len(show["segments"])
        phase = show["phase"] or "normal"
        remaining = show["remaining_ms"]
        clock = format_countdown(remaining)
        held = "  (HOLD)" if show["held"] else ""
        body.add_row("segment", Text(f"{show['current'] + 1}/{count}  {_safe(show['segment_title'])}"))
        body.add_row("time left", Text(clock + held, style=PHASE_STYLES.get(phase, "")))
        if show.get("guest"):
            body.add_row("guest", Text(_safe(show["guest"])))
        body.add_row("prompt", Text(_safe(show["prompt"]) or "—"))
        body.add_row("next", Text(_safe(show["next_segment_title"]) or "(end of show)"))
    elif status == "ready":
        body.add_row("first", Text(_safe(show["next_segment_title"]) or "—"))
        body.add_row("", "press n to start")
    now = state.get("server_time_ms")
    for label, line, style in _schedule_rows(show, now):
        body.add_row(label, Text(line, style=style))
    body.add_row("over/under", format_signed(show["offset_ms"]))
    obs = state.get("obs") or {}
    undo_until = show.get("undo_until_ms")
    if undo_until is not None and now is not None and undo_until > now:
        body.add_row("undo", Text(f"u undoes the last move for {format_countdown(undo_until - now)}", style="dim"))
    if obs.get("enabled"):
        body.add_row("OBS", Text("connected" if obs.get("connected")
                                 else f"disconnected {_safe(obs.get('error'))}"))
    for name, platform in (state.get("platforms") or {}).items():
        body.add_row(name, Text(_safe(platform_line(platform))))
    message = state.get("message")
    if message:
        body.add_row("to host", Text(_safe(message["text"])))
    for name, url in urls.items():
        body.add_row(name, Text(url))
    return Group(Panel(Group(header, body), title="livekit"), Text(KEYS_HELP, style="dim"))


def _schedule_rows(show: Mapping[str, Any], now: int | None) -> list[tuple[str, str, str]]:
    """A scheduled show's countdowns, as the presenter and control pages show them: "starts in" until the
    first segment is live (overdue counts up with a +), then the distance to the hard out, if it has one."""
    if now is None:
        return []
    start, hard_out = show.get("scheduled_start_ms"), show.get("hard_out_ms")
    rows = []
    if show["status"] == "ready" and start is not None:
        rows.append(("starts in", format_countdown(start - now), "bold" if start > now else "bold yellow"))
    if show["status"] == "live" and hard_out is not None:
        rows.append(("hard out in", format_countdown(hard_out - now),
                     "bold white on red" if hard_out <= now else ""))
    return rows


def _safe(value: object) -> str:
    """User text as the terminal may show it: control characters visible, never executed."""
    return one_line(value) if value else ""


class TerminalView:
    """Rich live view plus keys read in cbreak mode from the loop (no thread, restored on exit)."""

    def __init__(self, runner: ShowRunner, urls: dict[str, str], on_quit: Callable[[], None]) -> None:
        self.runner = runner
        self.urls = urls
        self.on_quit = on_quit
        self._live: Live | None = None
        self._saved_tty: list[Any] | None = None
        self._refresher: asyncio.Task[None] | None = None
        self.last_error = ""

    async def __aenter__(self) -> TerminalView:
        self._live = Live(self._render(), auto_refresh=False, screen=False, transient=False)
        self._live.start()
        descriptor = sys.stdin.fileno()
        self._saved_tty = termios.tcgetattr(descriptor)
        tty.setcbreak(descriptor)
        asyncio.get_running_loop().add_reader(descriptor, self._on_key)
        self._refresher = asyncio.create_task(self._refresh_forever())
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        descriptor = sys.stdin.fileno()
        asyncio.get_running_loop().remove_reader(descriptor)
        if self._saved_tty is not None:
            termios.tcsetattr(descriptor, termios.TCSADRAIN, self._saved_tty)
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher
        if self._live is not None:
            self._live.update(self._render(), refresh=True)
            self._live.stop()

    def _render(self) -> Group:
        view = render(self.runner.state(), self.urls)
        if self.last_error:
            view.renderables.append(Text(self.last_error, style="red"))
        return view

    async def _refresh_forever(self) -> None:
        while True:
            if self._live is not None:
                self._live.update(self._render(), refresh=True)
            await asyncio.sleep(0.25)

    def _on_key(self) -> None:
        key = sys.stdin.read(1)
        action = self.action_for(key)
        if action is None:
            return
        name, params = action
        asyncio.ensure_future(self._perform(name, params))

    def action_for(self, key: str) -> tuple[str, dict[str, Any]] | None:
        """The action a key asks for, or None. Ending the show takes two presses within the control room's
        confirmation window (:data:`livekit.control.presses.CONFIRM_WINDOW_MS`): ``e`` twice, or ``n`` on the
        last segment twice (``e`` then ``n`` too)."""
        snapshot = self.runner.show.snapshot()
        if key == "q":
            self.on_quit()
            return None
        ends_show = key == "e" or (key in ("n", " ") and _on_last_segment(snapshot))
        if ends_show:
            # The control room's End rule (livekit.control.presses): a second press confirms, and it expires.
            if not self.runner.presses.confirmed("show.end"):
                self.last_error = f"this ends the show: press {'e' if key == 'e' else 'n'} again within " \
                                  f"{CONFIRM_WINDOW_MS // 1000} s to end it"
                return None
            return "show.end", {"confirm": True}
        self.runner.presses.cancel("show.end")
        if key in ("n", " "):
            return ("show.start" if snapshot.status is ShowStatus.READY else "show.next"), {}
        if key == "u":
            return "show.undo", {}
        if key == "h":
            return ("show.resume" if snapshot.held else "show.hold"), {}
        simple = {"b": "show.back", "s": "show.skip", "+": "show.extend", "-": "show.shorten"}
        if key in simple:
            return simple[key], {"seconds": 30} if key in "+-" else {}
        if key.isdigit() and key != "0":
            return "show.jump", {"segment": int(key) - 1}
        return None

    async def _perform(self, name: str, params: dict[str, Any]) -> None:
        try:
            await self.runner.act(name, params)
            self.last_error = ""
        except GreenroomError as error:
            self.last_error = str(error)


def _on_last_segment(snapshot: ShowSnapshot) -> bool:
    """Live on the last segment still to come: `next` from here would end the show."""
    if snapshot.status is not ShowStatus.LIVE or snapshot.current is None:
        return False
    return all(segment.skipped for segment in snapshot.segments[snapshot.current + 1:])


class LineLog:
    """Without a terminal: one line per segment change, so logs of unattended runs read like a rundown."""

    def __init__(self, echo: Callable[[str], None]) -> None:
        self.echo = echo
        self._last: tuple[Any, ...] | None = None

    def __call__(self, snapshot: ShowSnapshot) -> None:
        seen = (snapshot.status, snapshot.current, snapshot.held)
        if seen == self._last:
            return
        self._last = seen
        at = format_clock(snapshot.show_elapsed_ms)
        if snapshot.status is ShowStatus.LIVE and snapshot.current is not None:
            held = " (hold)" if snapshot.held else ""
            self.echo(
                f"[{at}] segment {snapshot.current + 1}/{len(snapshot.segments)}: {_safe(snapshot.segment_title)}{held}"
                f" · planned {format_clock(snapshot.allotted_ms)} · over/under {format_signed(snapshot.offset_ms)}"
            )
        elif snapshot.status is ShowStatus.ENDED:
            self.echo(f"[{at}] show ended · over/under {format_signed(snapshot.offset_ms)}")


def platform_line(status: dict[str, Any]) -> str:
    """How a platform is, why, and the fix (``livekit auth twitch``…): what /control shows too."""
    health = status.get("health") if status.get("health") not in (None, "ok") else status.get("state", "")
    why = status.get("reason") or (status.get("detail", "") if status.get("state") != "ok" else "")
    fix = f" — {status['fix']}" if status.get("fix") else ""
    return f"{health}{f' ({why})' if why else ''}{fix}"
