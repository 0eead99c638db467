"""The workspace's control token: one per workspace, kept across restarts, rotated only on purpose.

A producer's open `/control` tab and every Stream Deck or Companion button hold this token. If it changed
on every `livekit run`, a crash (the worst moment) would lock them all out, so it is created once, stored
private (0600) in the workspace and reused by every run and every `--resume`. `--token` and
``$LIVEKIT_TOKEN`` still win; `livekit token rotate` is the only thing that replaces it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from greenroom.errors import GreenroomError
from greenroom.secrets import require_private, write_private_file
from greenroom.workspace import Workspace

TOKEN_ENV = "LIVEKIT_TOKEN"
#: Where the workspace's control token lives, relative to the workspace.
CONTROL_TOKEN_FILE = "tokens/control-token"
MIN_TOKEN_LENGTH = 16


class ControlTokenError(GreenroomError):
    """The stored or given control token cannot be used."""


def control_token_path(workspace: Workspace) -> Path:
    return workspace.path(CONTROL_TOKEN_FILE)


def stored_control_token(workspace: Workspace, *, create: bool = True) -> str | None:
    """The workspace's token, created (0600) the first time when ``create``; None if absent and not created.

    A token file that group or others can read is refused, as secrets.toml is: the token opens the
    control room."""
    path = control_token_path(workspace)
    if path.exists():
        require_private(path, ControlTokenError)
        token = path.read_text(encoding="utf-8").strip()
        if len(token) >= MIN_TOKEN_LENGTH:
            return token
        if not create:
            raise ControlTokenError(f"{path} holds no usable token: run `livekit token rotate`")
    elif not create:
        return None
    return rotate_control_token(workspace)


def rotate_control_token(workspace: Workspace) -> str:
    """Replace the stored token with a new one; the old one stops working at the next `livekit run`."""
    token = secrets.token_urlsafe(24)
    path = control_token_path(workspace)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_private_file(path, token + "\n")
    return token


def control_token(workspace: Workspace, given: str | None) -> tuple[str, bool]:
    """The token this run uses and whether it is the stored one: --token, then $LIVEKIT_TOKEN, else the
    workspace's (created on first use)."""
    token = given or os.environ.get(TOKEN_ENV)
    if token:
        if len(token) < MIN_TOKEN_LENGTH:
            raise ControlTokenError(
                f"the control token must be at least {MIN_TOKEN_LENGTH} characters (from --token or ${TOKEN_ENV})"
            )
        return token, False
    stored = stored_control_token(workspace)
    assert stored is not None  # created when missing
    return stored, True
