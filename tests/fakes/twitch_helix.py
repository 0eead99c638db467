"""An in-process Twitch Helix + OAuth (client-credentials) server for outreach's stats refresh and discovery.

Shapes follow the official references:

- app access token, client-credentials grant (POST /oauth2/token):
  https://dev.twitch.tv/docs/authentication/getting-tokens-oauth/#client-credentials-grant-flow
- Helix reference (users, channels/followers ``total``, search/categories, streams, videos; every call needs
  ``Client-Id`` and ``Authorization: Bearer``; errors are ``{"error", "status", "message"}``):
  https://dev.twitch.tv/docs/api/reference

Runs on its own thread and loop; scripting methods are thread-safe.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from tests.fakes.server import ThreadedApp

CLIENT_ID = "fake-twitch-client-id"
CLIENT_SECRET = "fake-twitch-client-secret"


def _error(status: int, error: str, message: str) -> web.Response:
    return web.json_response({"error": error, "status": status, "message": message}, status=status)


class FakeTwitchHelix(ThreadedApp):
    name = "fake-twitch-helix"

    def __init__(self) -> None:
        super().__init__()
        self.reset()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/helix/"

    @property
    def id_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def reset(self) -> None:
        with self._lock:
            self.users: dict[str, dict[str, Any]] = {}
            self.followers: dict[str, int] = {}
            self.categories: dict[str, str] = {}
            self.streams: list[dict[str, Any]] = []
            self.videos: dict[str, list[dict[str, Any]]] = {}
            self.tokens: set[str] = set()
            self.requests: list[tuple[str, list[tuple[str, str]]]] = []
            self.failing_followers: set[str] = set()

    def add_user(self, user_id: str, login: str, *, followers: int = 0, description: str = "") -> None:
        with self._lock:
            self.users[user_id] = {"id": user_id, "login": login, "display_name": login.title(), "type": "",
                                   "broadcaster_type": "partner", "description": description,
                                   "profile_image_url": "", "offline_image_url": "", "view_count": 0,
                                   "created_at": "2019-01-01T00:00:00Z"}
            self.followers[user_id] = followers

    def set_followers(self, user_id: str, followers: int) -> None:
        with self._lock:
            self.followers[user_id] = followers

    def add_category(self, game_id: str, name: str) -> None:
        with self._lock:
            self.categories[game_id] = name

    def go_live(self, user_id: str, game_id: str, viewers: int, title: str = "live now") -> None:
        with self._lock:
            user = self.users[user_id]
            self.streams.append({"id": secrets.token_hex(6), "user_id": user_id, "user_login": user["login"],
                                 "user_name": user["display_name"], "game_id": game_id,
                                 "game_name": self.categories[game_id], "type": "live", "title": title,
                                 "viewer_count": viewers, "started_at": "2026-01-01T00:00:00Z", "language": "en",
                                 "thumbnail_url": "", "tags": [], "is_mature": False})

    def add_broadcasts(self, user_id: str, days_ago: list[int]) -> None:
        now = datetime.now(UTC)
        with self._lock:
            self.videos.setdefault(user_id, []).extend(
                {"id": secrets.token_hex(4), "user_id": user_id, "type": "archive", "duration": "2h0m0s",
                 "created_at": (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ"), "view_count": 10}
                for days in days_ago)

    def revoke_tokens(self) -> None:
        with self._lock:
            self.tokens.clear()

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/oauth2/token", self._token)
        app.router.add_get("/helix/users", self._users)
        app.router.add_get("/helix/channels/followers", self._followers)
        app.router.add_get("/helix/search/categories", self._search_categories)
        app.router.add_get("/helix/streams", self._streams)
        app.router.add_get("/helix/videos", self._videos)

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("grant_type") != "client_credentials":
            return _error(400, "Bad Request", "unsupported grant type")
        if form.get("client_id") != CLIENT_ID:
            return _error(400, "Bad Request", "invalid client")
        if form.get("client_secret") != CLIENT_SECRET:
            return _error(403, "Forbidden", "invalid client secret")
        token = secrets.token_hex(15)
        with self._lock:
            self.tokens.add(token)
        return web.json_response({"access_token": token, "expires_in": 5_000_000, "token_type": "bearer"})

    def _authorised(self, request: web.Request) -> web.Response | None:
        with self._lock:
            self.requests.append((request.path, list(request.query.items())))
            bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
            if request.headers.get("Client-Id") != CLIENT_ID or bearer not in self.tokens:
                return _error(401, "Unauthorized", "Invalid OAuth token")
        return None

    async def _users(self, request: web.Request) -> web.Response:
        refused = self._authorised(request)
        if refused:
            return refused
        logins = [v.lower() for v in request.query.getall("login", [])]
        ids = request.query.getall("id", [])
        if len(logins) + len(ids) > 100:
            return _error(400, "Bad Request", "The sum of the id and login parameters must not exceed 100")
        with self._lock:
            data = [u for u in self.users.values() if u["login"] in logins or u["id"] in ids]
        return web.json_response({"data": data})

    async def _followers(self, request: web.Request) -> web.Response:
        refused = self._authorised(request)
        if refused:
            return refused
        broadcaster = request.query.get("broadcaster_id", "")
        with self._lock:
            if broadcaster in self.failing_followers:
                return _error(500, "Internal Server Error", "")
            if broadcaster not in self.users:
                return _error(400, "Bad Request", "Invalid broadcaster_id")
            total = self.followers[broadcaster]
        return web.json_response({"total": total, "data": [], "pagination": {}})

    async def _search_categories(self, request: web.Request) -> web.Response:
        refused = self._authorised(request)
        if refused:
            return refused
        query = request.query.get("query", "").lower()
        with self._lock:
            data = [{"id": game_id, "name": name, "box_art_url": ""} for game_id, name in self.categories.items()
                    if query and query in name.lower()]
        return web.json_response({"data": data, "pagination": {}})

    async def _streams(self, request: web.Request) -> web.Response:
        refused = self._authorised(request)
        if refused:
            return refused
        game_ids = request.query.getall("game_id", [])
        first = int(request.query.get("first", "20"))
        with self._lock:
            data = sorted((s for s in self.streams if not game_ids or s["game_id"] in game_ids),
                          key=lambda s: -s["viewer_count"])[:first]
        return web.json_response({"data": data, "pagination": {}})

    async def _videos(self, request: web.Request) -> web.Response:
        refused = self._authorised(request)
        if refused:
            return refused
        user_id = request.query.get("user_id", "")
        with self._lock:
            data = sorted(self.videos.get(user_id, []), key=lambda v: v["created_at"], reverse=True)
        return web.json_response({"data": data[: int(request.query.get("first", "20"))], "pagination": {}})
