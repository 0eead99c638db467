"""Twitch Helix reads for outreach (users, follower totals, category search, live streams, videos), via aiohttp.

Authenticates with an app access token from the client-credentials grant (id.twitch.tv/oauth2/token),
fetched lazily and fetched again once when Helix answers 401. Hosts are settings so tests point it at a fake.
References: https://dev.twitch.tv/docs/api/reference and https://dev.twitch.tv/docs/authentication/getting-tokens-oauth/
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

from outreach.platforms.youtube import PlatformError

API_BASE = "https://api.twitch.tv/helix/"
ID_BASE = "https://id.twitch.tv/"
#: Helix accepts up to 100 ``login`` parameters per /users call.
LOGINS_PER_CALL = 100


@dataclass(frozen=True)
class TwitchUser:
    user_id: str
    login: str
    display_name: str
    description: str = ""


class TwitchHelixClient:
    """A small async Helix client; use ``async with`` (or call :meth:`close`) to release the HTTP session."""

    def __init__(self, client_id: str, client_secret: str, *, api_base: str = API_BASE, id_base: str = ID_BASE,
                 timeout: float = 15.0) -> None:
        self.client_id = client_id
        self._client_secret = client_secret
        self.api_base = api_base.rstrip("/") + "/"
        self.id_base = id_base.rstrip("/") + "/"
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None
        self._token: str | None = None
        self.calls = 0

    async def __aenter__(self) -> TwitchHelixClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def _fetch_token(self) -> str:
        data = {"client_id": self.client_id, "client_secret": self._client_secret,
                "grant_type": "client_credentials"}
        try:
            async with self._http().post(f"{self.id_base}oauth2/token", data=data) as response:
                body = await response.json(content_type=None)
                if response.status != 200 or "access_token" not in body:
                    message = body.get("message", "") if isinstance(body, dict) else ""
                    raise PlatformError(f"Twitch refused the app credentials ({response.status} {message}); "
                                        "check TWITCH_CLIENT_ID and TWITCH_CLIENT_SECRET")
                return body["access_token"]
        except (TimeoutError, aiohttp.ClientError) as error:
            raise PlatformError(f"Twitch login unreachable: {error or type(error).__name__}") from None

    async def get(self, path: str, params: Sequence[tuple[str, str]]) -> dict[str, Any]:
        """GET a Helix endpoint; a 401 fetches a new app token once, a 429 waits for the reset once."""
        for attempt in range(3):
            if self._token is None:
                self._token = await self._fetch_token()
            headers = {"Client-Id": self.client_id, "Authorization": f"Bearer {self._token}"}
            self.calls += 1
            try:
                async with self._http().get(f"{self.api_base}{path}", params=list(params), headers=headers) as response:
                    body = await response.json(content_type=None)
                    if response.status == 200:
                        return body
                    if response.status == 401 and attempt == 0:
                        self._token = None
                        continue
                    if response.status == 429 and attempt < 2:
                        await asyncio.sleep(min(5.0, 1.0 + attempt))
                        continue
                    message = body.get("message", "") if isinstance(body, dict) else ""
                    raise PlatformError(f"Twitch {path}: {response.status} {message}".rstrip())
            except (TimeoutError, aiohttp.ClientError) as error:
                raise PlatformError(f"Twitch API unreachable: {error or type(error).__name__}") from None
        raise PlatformError(f"Twitch {path}: still refused after retrying")

    async def users(self, logins: Sequence[str]) -> dict[str, TwitchUser]:
        """Users by login (100 per call); logins that do not exist are absent from the result."""
        found: dict[str, TwitchUser] = {}
        for start in range(0, len(logins), LOGINS_PER_CALL):
            batch = logins[start:start + LOGINS_PER_CALL]
            body = await self.get("users", [("login", login) for login in batch])
            for item in body.get("data", []):
                user = TwitchUser(item["id"], item["login"].lower(), item.get("display_name", item["login"]),
                                  item.get("description", ""))
                found[user.login] = user
        return found

    async def follower_total(self, user_id: str) -> int:
        """``total`` of GET channels/followers (returned even when the list itself needs more scopes)."""
        body = await self.get("channels/followers", [("broadcaster_id", user_id), ("first", "1")])
        return int(body.get("total", 0))

    async def search_categories(self, query: str) -> list[dict[str, Any]]:
        body = await self.get("search/categories", [("query", query), ("first", "20")])
        return body.get("data", [])

    async def streams_in_category(self, game_id: str, first: int = 100) -> list[dict[str, Any]]:
        body = await self.get("streams", [("game_id", game_id), ("first", str(first)), ("type", "live")])
        return body.get("data", [])

    async def videos(self, user_id: str, first: int = 100) -> list[dict[str, Any]]:
        """Recent past broadcasts (VODs) of a user, newest first: the channel's streaming activity."""
        body = await self.get("videos", [("user_id", user_id), ("first", str(first)), ("type", "archive")])
        return body.get("data", [])
