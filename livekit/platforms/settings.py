"""``[twitch]``, ``[youtube]`` and ``[questions]`` settings, read once and checked with file-and-key errors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from greenroom.errors import ConfigError
from greenroom.workspace import Workspace
from livekit.questions.core import IntakeRules

TWITCH_CLIENT_SECRET_ENV = "TWITCH_CLIENT_SECRET"
YOUTUBE_SCOPES = ("https://www.googleapis.com/auth/youtube",)
PRIVACY_CHOICES = ("private", "unlisted", "public")
#: The Google Cloud OAuth consent screen's publishing status: an app in "Testing" gets refresh tokens that
#: expire 7 days after they are issued (https://developers.google.com/identity/protocols/oauth2#expiration).
OAUTH_APP_STATUSES = ("testing", "production")


@dataclass(frozen=True)
class TwitchSettings:
    client_id: str
    broadcaster: str
    bot: str
    category: str | None
    chat_notices: bool
    notice_rate: int
    command: str
    api_base: str
    id_base: str
    eventsub_url: str
    client_secret: str | None
    tokens_path: Path

    @property
    def bot_is_broadcaster(self) -> bool:
        return self.bot.casefold() == self.broadcaster.casefold()

    @classmethod
    def from_workspace(cls, workspace: Workspace) -> TwitchSettings:
        config = workspace.config
        broadcaster = config.get("twitch", "broadcaster", str)
        notice_rate = config.get("twitch", "chat_notices_per_30s", int, 20)
        if notice_rate not in (20, 100):
            raise ConfigError(
                f"{config.path}: [twitch] chat_notices_per_30s must be 20 (normal account) or 100 "
                f"(moderator/broadcaster), got {notice_rate}"
            )
        return cls(
            client_id=config.get("twitch", "client_id", str),
            broadcaster=broadcaster.lower(),
            bot=config.get("twitch", "bot", str, broadcaster).lower(),
            category=config.get("twitch", "category", str, "") or None,
            chat_notices=config.get("twitch", "chat_notices", bool, False),
            notice_rate=notice_rate,
            command=config.get("twitch", "command", str, "!ask"),
            api_base=_slash(config.get("twitch", "api_base", str, "https://api.twitch.tv/helix/")),
            id_base=_slash(config.get("twitch", "id_base", str, "https://id.twitch.tv/")),
            eventsub_url=config.get("twitch", "eventsub_url", str, "wss://eventsub.wss.twitch.tv/ws"),
            client_secret=workspace.secrets.get("twitch", "client_secret", env=TWITCH_CLIENT_SECRET_ENV),
            tokens_path=workspace.path("tokens/twitch.json"),
        )


@dataclass(frozen=True)
class YouTubeSettings:
    enabled: bool
    privacy: str
    client_secrets_file: Path | None
    api_endpoint: str | None
    token_uri: str | None
    daily_quota: int
    tokens_path: Path
    oauth_app_status: str = "testing"

    @classmethod
    def from_workspace(cls, workspace: Workspace) -> YouTubeSettings:
        config = workspace.config
        secrets_file = config.get("youtube", "client_secrets", str, "")
        daily_quota = config.get("youtube", "daily_quota", int, 10_000)
        if daily_quota < 1:
            raise ConfigError(f"{config.path}: [youtube] daily_quota must be positive, got {daily_quota}")
        return cls(
            enabled=config.get("youtube", "enabled", bool, False),
            privacy=config.choice("youtube", "privacy", PRIVACY_CHOICES, "unlisted"),
            client_secrets_file=workspace.path(secrets_file) if secrets_file else None,
            api_endpoint=config.get("youtube", "api_endpoint", str, "") or None,
            token_uri=config.get("youtube", "token_uri", str, "") or None,
            daily_quota=daily_quota,
            tokens_path=workspace.path("tokens/youtube.json"),
            oauth_app_status=config.choice("youtube", "oauth_app_status", OAUTH_APP_STATUSES, "testing"),
        )


def intake_rules(workspace: Workspace) -> IntakeRules:
    """Question intake rules: the command from ``[twitch] command`` (shared by YouTube), limits from
    ``[questions]``."""
    config = workspace.config
    command = config.get("twitch", "command", str, "!ask")
    try:
        return IntakeRules(
            command=config.get("questions", "command", str, command),
            max_length=config.get("questions", "max_length", int, 300),
            per_person_limit=config.get("questions", "per_person_limit", int, 3),
        )
    except ValueError as error:
        raise ConfigError(f"{config.path}: [questions]: {error}") from None


def _slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"
