"""What the web control room (and any other transport) may ask of a running show.

The runner is the single source of truth and of time; transports only read its state, subscribe to
changes and submit actions. Keeping this contract small lets the web, a Stream Deck or a test drive the
show the same way.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from greenroom.errors import GreenroomError


class ActionError(GreenroomError):
    """An action was refused (unknown action, bad parameter, not allowed in this state)."""


class LiveShowPort(Protocol):
    def state(self) -> dict[str, Any]:
        """Full JSON-able state. Keys: ``server_time_ms`` (epoch ms when built), ``show`` (core snapshot),
        ``message`` (``{"text", "blink"}`` or null), ``guests`` (list), ``questions`` (list), ``obs``
        (connection + stream health), ``platforms`` (per platform status)."""

    def subscribe(self) -> asyncio.Queue[dict[str, Any]]:
        """A queue that receives the new state after every change (latest wins if a reader lags)."""

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any]]) -> None: ...

    async def act(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        """Perform one producer action and return the new state.

        Actions: ``show.start``, ``show.next``, ``show.back``, ``show.hold``, ``show.resume``,
        ``show.extend`` (``seconds``), ``show.shorten`` (``seconds``), ``show.jump`` (``segment``: 0-based),
        ``show.skip``, ``show.end``; ``message.set`` (``text``, ``blink``), ``message.clear``;
        ``guests.add`` (guest fields), ``guests.update`` (``id`` + fields), ``guests.status`` (``id``,
        ``status``), ``guests.move`` (``id``, ``position``); ``questions.approve|reject|show|hide|answer`` (``id``).
        Raises :class:`ActionError` when refused; nothing changes then.
        """
