"""The README's HTTP API table, written from the action table and the app's own routes.

``python -m livekit.web.api_table`` prints it; ``tests/test_docs_api.py`` fails when the README's copy
differs, so the documented API is the served one.
"""

from __future__ import annotations

import json

from livekit.control.actions import ACTIONS, Action, ParamInfo
from livekit.web.app import API_ROUTES

HEADER = ("| method + path | action | what it does | parameters |", "|---|---|---|---|")


def _parameter(info: ParamInfo, action: Action[object]) -> str:
    """``name`` (kind; default), with the default the routes apply (they may differ from the action's)."""
    route_defaults = {json.dumps(route.defaults[info.name]) for route in action.routes if info.name in route.defaults}
    if route_defaults:
        default = f"; default {', '.join(sorted(route_defaults))}"
    elif info.required:
        default = ""
    else:
        default = f"; default {json.dumps(info.default)}" if info.default is not None else "; optional"
    return f"`{info.name}` ({info.kind}{default})"


def _action_row(action: Action[object]) -> str:
    routes = " ".join(f"`{route}`" for route in action.routes)
    in_every_path = {info.name for info in action.describe()
                     if all(f"{{{info.name}}}" in route.path for route in action.routes)}
    params = ", ".join(_parameter(info, action) for info in action.describe() if info.name not in in_every_path)
    return f"| {routes} | `{action.name}` | {action.description} | {params} |".replace("|  |", "| |")


def api_table() -> str:
    """The Markdown table: the app's own routes first, then one row per action."""
    rows = [*HEADER]
    rows += [f"| `{method} {path}` | | {description} | |" for method, path, _handler, description in API_ROUTES]
    rows += [_action_row(action) for action in ACTIONS]
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(api_table(), end="")
