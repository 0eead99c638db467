"""What the web control room (and any other transport) may ask of a running show.

The runner is the single source of truth and of time; transports only read its state, subscribe to
changes and submit actions. Keeping this contract small lets the web, a Stream Deck or a test drive the
show the same way. The actions themselves (names, parameters, routes) are listed once, in
:mod:`livekit.control.actions`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, Protocol, TypedDict

from greenroom.errors import GreenroomError


class ActionError(GreenroomError):
    """An action was refused (unknown action, bad parameter, not allowed in this state)."""

    #: What clients branch on (the websocket's ``code``); the web app maps it to an HTTP status.
    code = "refused"


class StaleAction(ActionError):
    """The press was meant for another moment of the show (``expect`` did not match, or a double press).

    Nothing changed: the button was pressed on a page that was behind, or twice.
    """

    code = "stale"


class ConfirmationNeeded(ActionError):
    """The action would end the show: it happens only when ``confirm`` (another action) says so."""

    code = "confirm"

    def __init__(self, message: str, confirm: str) -> None:
        super().__init__(message)
        #: The action to send (with ``confirm=true``) to go ahead.
        self.confirm = confirm


class NotFound(ActionError):
    """The guest or question the action names does not exist."""

    code = "not_found"


class HostMessage(TypedDict):
    """The producer's message to the host."""

    text: str
    blink: bool
    at_ms: int


class ShowSchedule(TypedDict):
    """When the running show was planned (`livekit schedule` or the rundown's ``starts_at``), in the
    ``show`` part of :class:`ShowState`; every value is None for an unscheduled show. The pages count down
    to the start and compute the expected end and the distance to the hard out from these and the
    server-synced clock, as they do every timer."""

    #: Epoch ms of the planned start ("Starting in 2:00" counts down to it before the show starts).
    scheduled_start_ms: int | None
    #: Epoch ms of the planned end.
    scheduled_end_ms: int | None
    #: Epoch ms by which the show must be off air, if it has a hard out.
    hard_out_ms: int | None
    #: The IANA zone the show was planned in: the pages show clock times in it.
    timezone: str | None
    #: The scheduled show's key (guests booked under it join this run); None when planned by the rundown only.
    schedule_key: str | None


NO_SCHEDULE: ShowSchedule = {"scheduled_start_ms": None, "scheduled_end_ms": None, "hard_out_ms": None,
                             "timezone": None, "schedule_key": None}


class ShowState(TypedDict):
    """Everything the runner publishes; pages receive their share (:mod:`livekit.web.views`)."""

    #: Epoch ms when this state was built: the one clock every page follows.
    server_time_ms: int
    #: ``ShowSnapshot.to_dict()`` plus ``show_id``, ``auto``, ``rehearsal`` and the :class:`ShowSchedule` fields.
    show: dict[str, Any]
    message: HostMessage | None
    #: The show's guest queue, as :meth:`livekit.guests.GuestQueue.list` gives it (private fields included).
    guests: list[dict[str, Any]]
    #: The question on screen, the newest open ones and the latest settled ones (``Question.to_dict()``).
    questions: list[dict[str, Any]]
    #: How many questions there are per status, and ``total``: every one, not only those listed.
    question_counts: dict[str, int]
    #: ``{"enabled": False, "connected": False}`` without OBS, else ``enabled`` + ``ObsHealth`` fields.
    obs: dict[str, Any]
    #: Each platform session's ``status()`` by platform name.
    platforms: dict[str, Any]


class LiveShowPort(Protocol):
    def state(self) -> ShowState:
        """The full state now."""
        ...

    def subscribe(self) -> asyncio.Queue[ShowState]:
        """A queue that receives the new state after every change (latest wins if a reader lags)."""
        ...

    def unsubscribe(self, queue: asyncio.Queue[ShowState]) -> None: ...

    async def act(self, action: str, params: Mapping[str, object]) -> ShowState:
        """Perform one producer action of :data:`livekit.control.actions.ACTIONS` and return the new state.

        ``params`` are as a client sent them (JSON values or text); the action's table entry parses them.
        Raises :class:`ActionError` when refused (unknown action, bad parameter, not allowed now); nothing
        changes then.
        """
        ...
