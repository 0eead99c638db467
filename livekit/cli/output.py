"""Printing tables from the livekit commands (rich loads only when a command prints a table)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


def console_for_output(width: int = 120) -> Console:
    """The terminal's console, or one ``width`` columns wide when output goes to a file or pipe."""
    from rich.console import Console

    console = Console()
    return console if console.is_terminal else Console(width=width, force_terminal=False)
