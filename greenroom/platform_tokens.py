"""Platform tokens on disk, shared by both tools: private JSON files under ``WORKSPACE/tokens/``.

`livekit auth youtube` stores the Google OAuth tokens; livekit's YouTube session and outreach's channel
statistics both use them (one Google project). Reading them lives here, not in livekit, so outreach needs
nothing of livekit's platform code. Files must be private (mode 0600) and are never logged.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from greenroom.errors import GreenroomError
from greenroom.secrets import require_private, write_private_file

#: Where `livekit auth youtube` keeps the Google tokens, relative to the workspace.
YOUTUBE_TOKENS = "tokens/youtube.json"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"


def read_private_json(path: Path, what: str, error: type[GreenroomError] = GreenroomError) -> dict[str, Any]:
    """The token file's object, ``{}`` when it does not exist; ``error`` when it is readable by others or
    is not a JSON object (the message says to run the auth command again)."""
    if not path.exists():
        return {}
    require_private(path, error)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as problem:
        raise error(f"{path}: not a valid {what} token file ({problem.__class__.__name__}); run the auth command again") from None
    if not isinstance(data, dict):
        raise error(f"{path}: not a valid {what} token file; run the auth command again")
    return data


def write_private_json(path: Path, data: dict[str, Any]) -> None:
    """Write a token file atomically with mode 0600, in a folder only its owner can enter."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    write_private_file(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def load_youtube_credentials(
    tokens_path: Path, token_uri: str | None = None, error: type[GreenroomError] = GreenroomError
) -> Any:
    """The stored Google credentials, or None when `livekit auth youtube` was never run.

    Built directly (not ``from_authorized_user_file``) so an overridden ``[youtube] token_uri`` is kept.
    """
    from google.oauth2.credentials import Credentials

    data = read_private_json(tokens_path, "YouTube", error)
    if not data:
        return None
    try:
        return Credentials(
            token=data.get("token"),
            refresh_token=data["refresh_token"],
            token_uri=token_uri or data.get("token_uri") or GOOGLE_TOKEN_URI,
            client_id=data["client_id"],
            client_secret=data.get("client_secret"),
            scopes=data.get("scopes"),
        )
    except KeyError as missing:
        raise error(f"{tokens_path}: missing {missing.args[0]}; run `livekit auth youtube` again") from None
