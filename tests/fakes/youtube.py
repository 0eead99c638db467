"""An in-process YouTube Data API v3 (channels.list, search.list) for outreach's stats refresh and discovery.

The real googleapiclient talks to it (``client_options={"api_endpoint": fake.api_endpoint}``). Shapes follow
the official references:

- channels.list (``id`` up to 50 comma-separated, ``forHandle``; counts are JSON strings; unknown ids are
  simply left out): https://developers.google.com/youtube/v3/docs/channels/list and
  https://developers.google.com/youtube/v3/docs/channels#resource
- search.list (``type=channel``, 100 units): https://developers.google.com/youtube/v3/docs/search/list
- errors (``{"error": {"code", "message", "errors": [{"domain", "reason", "message"}]}}``, ``quotaExceeded``,
  invalid API key): https://developers.google.com/youtube/v3/docs/errors
- quota costs: https://developers.google.com/youtube/v3/determine_quota_cost

Runs on its own thread and loop; scripting methods are thread-safe.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.fakes.server import ThreadedApp

API_KEY = "fake-youtube-api-key"
#: An OAuth access token the fake accepts instead of a key (``Authorization: Bearer``).
OAUTH_TOKEN = "ya29.fake-outreach-token"
COSTS = {"channels": 1, "search": 100}


def error_body(code: int, reason: str, message: str, domain: str = "youtube.parameter") -> dict[str, Any]:
    return {"error": {"code": code, "message": message,
                      "errors": [{"message": message, "domain": domain, "reason": reason}]}}


class FakeYouTubeData(ThreadedApp):
    name = "fake-youtube-data"

    def __init__(self) -> None:
        super().__init__()
        self.reset()

    @property
    def api_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def reset(self) -> None:
        with self._lock:
            self.channels: dict[str, dict[str, Any]] = {}
            self.requests: list[tuple[str, dict[str, str]]] = []
            self.units_used = 0
            self.quota_limit = 10_000
            self.failing_ids: set[str] = set()
            self.oauth_tokens: set[str] = {OAUTH_TOKEN}

    def add_channel(self, channel_id: str, title: str, *, handle: str | None = None, subscribers: int = 0,
                    views: int = 0, videos: int = 0, hidden: bool = False, keywords: str = "") -> None:
        with self._lock:
            self.channels[channel_id] = {
                "kind": "youtube#channel",
                "etag": f"etag-{channel_id}",
                "id": channel_id,
                "snippet": {"title": title, "description": keywords, "publishedAt": "2020-01-01T00:00:00Z",
                            **({"customUrl": f"@{handle}"} if handle else {})},
                "statistics": {"viewCount": str(views), "subscriberCount": "0" if hidden else str(subscribers),
                               "hiddenSubscriberCount": hidden, "videoCount": str(videos)},
            }

    def set_stats(self, channel_id: str, **counts: int) -> None:
        names = {"subscribers": "subscriberCount", "views": "viewCount", "videos": "videoCount"}
        with self._lock:
            for key, value in counts.items():
                self.channels[channel_id]["statistics"][names[key]] = str(value)

    def _check(self, request: web.Request, resource: str) -> web.Response | None:
        params = dict(request.query)
        with self._lock:
            self.requests.append((resource, params))
            bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
            if params.get("key") != API_KEY and bearer not in self.oauth_tokens:
                return web.json_response(error_body(400, "badRequest", "API key not valid. Please pass a valid "
                                                    "API key.", "global"), status=400)
            cost = COSTS[resource]
            if self.units_used + cost > self.quota_limit:
                return web.json_response(error_body(403, "quotaExceeded", "The request cannot be completed "
                                                    "because you have exceeded your quota.", "youtube.quota"),
                                         status=403)
            self.units_used += cost
        return None

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/youtube/v3/channels", self._channels)
        app.router.add_get("/youtube/v3/search", self._search)

    async def _channels(self, request: web.Request) -> web.Response:
        refused = self._check(request, "channels")
        if refused:
            return refused
        parts = set(request.query.get("part", "").split(","))
        if not parts - {""}:
            return web.json_response(error_body(400, "required", "Required parameter: part"), status=400)
        with self._lock:
            if "id" in request.query:
                ids = request.query["id"].split(",")
                if len(ids) > 50:
                    return web.json_response(error_body(400, "invalidValue", "Too many ids (max 50)"), status=400)
                if self.failing_ids & set(ids):
                    return web.json_response(error_body(500, "backendError", "Backend Error", "global"),
                                             status=500)
                items = [self.channels[i] for i in ids if i in self.channels]
            elif "forHandle" in request.query:
                wanted = request.query["forHandle"].lower()
                items = [c for c in self.channels.values() if c["snippet"].get("customUrl", "").lower() == wanted]
            else:
                return web.json_response(error_body(400, "missingRequiredParameter", "No filter selected."),
                                         status=400)
            items = [{key: value for key, value in item.items() if key in ("kind", "etag", "id") or key in parts}
                     for item in items]
        return web.json_response({"kind": "youtube#channelListResponse", "etag": "list",
                                  "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)},
                                  "items": items})

    async def _search(self, request: web.Request) -> web.Response:
        refused = self._check(request, "search")
        if refused:
            return refused
        words = request.query.get("q", "").lower().split()
        limit = int(request.query.get("maxResults", "5"))
        with self._lock:
            hits = [c for c in self.channels.values()
                    if words and all(w in (c["snippet"]["title"] + " " + c["snippet"]["description"]).lower()
                                     for w in words)][:limit]
            items = [{"kind": "youtube#searchResult", "etag": "s",
                      "id": {"kind": "youtube#channel", "channelId": c["id"]},
                      "snippet": {"channelId": c["id"], "title": c["snippet"]["title"],
                                  "description": c["snippet"]["description"]}} for c in hits]
        return web.json_response({"kind": "youtube#searchListResponse", "etag": "search",
                                  "regionCode": "US", "pageInfo": {"totalResults": len(items),
                                                                   "resultsPerPage": limit},
                                  "items": items})
