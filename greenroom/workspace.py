"""A workspace is one folder holding ``greenroom.toml``, ``greenroom.db`` and an optional ``secrets.toml``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import sqlite_utils

from greenroom.config import Config
from greenroom.db import open_database
from greenroom.errors import GreenroomError
from greenroom.secrets import Secrets

CONFIG_NAME = "greenroom.toml"
DATABASE_NAME = "greenroom.db"
SECRETS_NAME = "secrets.toml"
WORKSPACE_ENV = "GREENROOM_WORKSPACE"


@dataclass
class Workspace:
    root: Path
    _databases: list[sqlite_utils.Database] = field(default_factory=list, repr=False)

    @classmethod
    def locate(cls, directory: str | Path | None = None) -> Workspace:
        """``--workspace`` wins, then ``$GREENROOM_WORKSPACE``, then the current directory."""
        chosen = directory or os.environ.get(WORKSPACE_ENV) or Path.cwd()
        root = Path(chosen).expanduser().resolve()
        if root.exists() and not root.is_dir():
            raise GreenroomError(f"workspace {root} is not a folder")
        return cls(root)

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def database_path(self) -> Path:
        return self.root / DATABASE_NAME

    @property
    def secrets_path(self) -> Path:
        return self.root / SECRETS_NAME

    @cached_property
    def config(self) -> Config:
        return Config.load(self.config_path)

    @cached_property
    def secrets(self) -> Secrets:
        return Secrets(self.secrets_path)

    def path(self, relative: str) -> Path:
        """A path inside the workspace (relative settings are resolved against it)."""
        candidate = Path(relative).expanduser()
        return candidate if candidate.is_absolute() else self.root / candidate

    def database(self) -> sqlite_utils.Database:
        """A new connection for the calling thread, schema migrated."""
        self.root.mkdir(parents=True, exist_ok=True)
        db = open_database(self.database_path)
        self._databases.append(db)
        return db

    def close(self) -> None:
        for db in self._databases:
            db.conn.close()
        self._databases.clear()

    def init(self) -> list[str]:
        """Create the folder, a commented config and the database; never overwrite. Returns what was made."""
        made = []
        if not self.root.exists():
            self.root.mkdir(parents=True)
            made.append(f"folder {self.root}")
        if not self.config_path.exists():
            from importlib import resources  # only `init` reads the packaged template

            template = resources.files("greenroom").joinpath("default_config.toml").read_text("utf-8")
            self.config_path.write_text(template, encoding="utf-8")
            made.append(f"config {self.config_path}")
        if not self.database_path.exists():
            made.append(f"database {self.database_path}")
        self.database()
        self.close()
        return made
