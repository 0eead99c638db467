"""The control room in the browser: producer panel, presenter view, OBS overlay and the automation API."""

from livekit.web.app import create_app
from livekit.web.server import DEFAULT_HOST, ServedApp, serve
from livekit.web.views import control_view, overlay_view, presenter_view

__all__ = ["DEFAULT_HOST", "ServedApp", "control_view", "create_app", "overlay_view", "presenter_view", "serve"]
