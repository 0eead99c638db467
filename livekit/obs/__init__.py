"""OBS Studio integration: the websocket adapter, its settings, show sync and a headless launcher for tests.

The names below load on first use (PEP 562), so a command that only reads :mod:`livekit.obs.settings`
does not import obs-websocket.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # type checkers see the real names
    from livekit.obs.adapter import (
        ObsAdapter,
        ObsAuthError,
        ObsConnectionError,
        ObsError,
        ObsEvent,
        ObsKickedError,
        ObsRequestError,
        ObsVersion,
        OutputStatus,
    )
    from livekit.obs.settings import DEFAULT_PROMPTER_SCENE, LowerThirdMode, ObsSettings

_EXPORTS = {
    "DEFAULT_PROMPTER_SCENE": "livekit.obs.settings",
    "LowerThirdMode": "livekit.obs.settings",
    "ObsAdapter": "livekit.obs.adapter",
    "ObsAuthError": "livekit.obs.adapter",
    "ObsConnectionError": "livekit.obs.adapter",
    "ObsError": "livekit.obs.adapter",
    "ObsEvent": "livekit.obs.adapter",
    "ObsKickedError": "livekit.obs.adapter",
    "ObsRequestError": "livekit.obs.adapter",
    "ObsSettings": "livekit.obs.settings",
    "ObsVersion": "livekit.obs.adapter",
    "OutputStatus": "livekit.obs.adapter",
}

__all__ = [
    "DEFAULT_PROMPTER_SCENE",
    "LowerThirdMode",
    "ObsAdapter",
    "ObsAuthError",
    "ObsConnectionError",
    "ObsError",
    "ObsEvent",
    "ObsKickedError",
    "ObsRequestError",
    "ObsSettings",
    "ObsVersion",
    "OutputStatus",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
