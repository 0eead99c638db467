"""Build the stats clients from the workspace: endpoints from ``greenroom.toml``, credentials from env/secrets.

A platform without credentials gives ``None`` plus the reason, so a refresh still runs on the other one.
"""

from __future__ import annotations

from greenroom.errors import ConfigError
from greenroom.platform_tokens import YOUTUBE_TOKENS, load_youtube_credentials
from greenroom.quota import DEFAULT_DAILY_QUOTA
from greenroom.workspace import Workspace
from outreach.platforms.twitch import API_BASE, ID_BASE, TwitchHelixClient
from outreach.platforms.youtube import YouTubeStatsClient

YOUTUBE_API_KEY_ENV = "YOUTUBE_API_KEY"
TWITCH_CLIENT_ID_ENV = "TWITCH_CLIENT_ID"
TWITCH_CLIENT_SECRET_ENV = "TWITCH_CLIENT_SECRET"


def youtube_stats_client(workspace: Workspace) -> YouTubeStatsClient | None:
    """``$YOUTUBE_API_KEY`` or ``[youtube] api_key`` in secrets.toml, else the OAuth tokens stored by
    `livekit auth youtube` (same Google project); ``[youtube] api_endpoint``/``daily_quota`` apply to both."""
    config = workspace.config
    daily_quota = config.get("youtube", "daily_quota", int, DEFAULT_DAILY_QUOTA)
    if daily_quota < 1:
        raise ConfigError(f"{config.path}: [youtube] daily_quota must be positive, got {daily_quota}")
    endpoint = config.get("youtube", "api_endpoint", str, "") or None
    api_key = workspace.secrets.get("youtube", "api_key", env=YOUTUBE_API_KEY_ENV)
    if api_key:
        return YouTubeStatsClient(api_key=api_key, api_endpoint=endpoint, daily_quota=daily_quota)
    token_uri = config.get("youtube", "token_uri", str, "") or None
    credentials = load_youtube_credentials(workspace.path(YOUTUBE_TOKENS), token_uri)
    if credentials is None:
        return None
    return YouTubeStatsClient(credentials=credentials, api_endpoint=endpoint, daily_quota=daily_quota)


def twitch_helix_client(workspace: Workspace) -> TwitchHelixClient | None:
    """``$TWITCH_CLIENT_ID`` (or ``[twitch] client_id``) and ``$TWITCH_CLIENT_SECRET`` (or secrets.toml)."""
    config = workspace.config
    client_id = workspace.secrets.get("twitch", "client_id", env=TWITCH_CLIENT_ID_ENV) or \
        config.get("twitch", "client_id", str, "")
    client_secret = workspace.secrets.get("twitch", "client_secret", env=TWITCH_CLIENT_SECRET_ENV)
    if not client_id or not client_secret:
        return None
    return TwitchHelixClient(client_id, client_secret, api_base=config.get("twitch", "api_base", str, API_BASE),
                             id_base=config.get("twitch", "id_base", str, ID_BASE))
