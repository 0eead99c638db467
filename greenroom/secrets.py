"""Secrets come from environment variables or a private ``secrets.toml``; never from the config file."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from greenroom.config import load_toml
from greenroom.errors import GreenroomError, SecretsError
from greenroom.files import PRIVATE_MODE, write_atomically


@dataclass
class Secrets:
    """Looks a secret up in the environment first, then in the workspace's secrets file."""

    path: Path
    _data: dict[str, Any] | None = field(default=None, repr=False)

    def _file(self) -> dict[str, Any]:
        if self._data is None:
            self._data = load_secrets_file(self.path)
        return self._data

    def get(self, section: str, key: str, env: str | None = None) -> str | None:
        """Return the secret or None; ``env`` names the variable that overrides the file."""
        if env and os.environ.get(env):
            return os.environ[env]
        value = self._file().get(section, {}).get(key)
        if value is not None and not isinstance(value, str):
            raise SecretsError(f"{self.path}: [{section}] {key} must be a string")
        return value


def require_private(path: Path, error: type[GreenroomError] = SecretsError) -> None:
    """Refuse a secrets or token file that group or others can read, saying how to fix it."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise error(
            f"{path} is readable by group/others (mode {mode:04o}); "
            f"make it private with: chmod 600 {path}"
        )


def load_secrets_file(path: Path) -> dict[str, Any]:
    """Read the secrets file, refusing one that group or others can read."""
    if not path.exists():
        return {}
    require_private(path)
    return load_toml(path, "secrets", SecretsError)


def write_private_file(path: Path, text: str) -> None:
    """Write ``text`` so that only the owner can ever read it (created 0600, replaced atomically)."""
    write_atomically(path, text, mode=PRIVATE_MODE)
