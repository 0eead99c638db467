"""Printing tables from the livekit commands."""

from rich.console import Console


def console_for_output(width: int = 120) -> Console:
    """The terminal's console, or one ``width`` columns wide when output goes to a file or pipe."""
    console = Console()
    return console if console.is_terminal else Console(width=width, force_terminal=False)
