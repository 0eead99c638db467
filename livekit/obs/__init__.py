"""OBS Studio integration: the websocket adapter, its settings, show sync and a headless launcher for tests."""

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
