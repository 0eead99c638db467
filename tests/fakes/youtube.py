"""An in-process YouTube Data API v3 and Google OAuth server, for the real googleapiclient and
google-auth-oauthlib code paths: the live streaming part (livekit) and channels/search (outreach's stats
refresh and discovery). Point googleapiclient at it with ``client_options={"api_endpoint": fake.api_endpoint}``.

Resource and error shapes follow the official references:

- liveBroadcasts (list, insert, update, bind, transition):
  https://developers.google.com/youtube/v3/live/docs/liveBroadcasts ; ``snippet.actualStartTime`` is set when
  the broadcast goes live, ``snippet.liveChatId`` is absent when the broadcast has no live chat.
- liveBroadcasts.transition: ``testing`` only when ``contentDetails.monitorStream.enableMonitorStream`` is true
  (otherwise ``invalidTransition``), ``testing``/``live`` only when the bound stream's ``status.streamStatus``
  is ``active`` (``errorStreamInactive``), ``redundantTransition`` to the current status:
  https://developers.google.com/youtube/v3/live/docs/liveBroadcasts/transition#errors
- liveStreams (list, insert): https://developers.google.com/youtube/v3/live/docs/liveStreams ;
  ``status.streamStatus`` goes ``ready`` → ``active`` (video arrives) → ``inactive`` (video stops), with
  ``status.healthStatus.status`` ``good``/``ok``/``bad`` while active and ``noData`` otherwise
  (https://developers.google.com/youtube/v3/live/docs/liveStreams#status.streamStatus).
- liveChatMessages.list (``nextPageToken``, ``pollingIntervalMillis``, ``offlineAt``; errors
  ``liveChatDisabled`` 403, ``liveChatEnded`` 403, ``liveChatNotFound`` 404, ``rateLimitExceeded`` 403 when polled
  too soon — transient): https://developers.google.com/youtube/v3/live/docs/liveChatMessages/list#errors
- liveChatMessage types ``textMessageEvent``, ``superChatEvent`` (``superChatDetails``: ``amountMicros``,
  ``currency``, ``amountDisplayString``, ``userComment``, ``tier``), ``newSponsorEvent`` (``newSponsorDetails``)
  and ``memberMilestoneChatEvent`` (``memberMilestoneChatDetails``: ``userComment``, ``memberMonth``,
  ``memberLevelName``): https://developers.google.com/youtube/v3/live/docs/liveChatMessages#resource
- videos.list (``liveStreamingDetails.actualStartTime``) and videos.update (``snippet.title`` and
  ``snippet.categoryId`` required with ``part=snippet``; a description containing ``<`` or ``>`` is refused with
  ``invalidDescription``): https://developers.google.com/youtube/v3/docs/videos/update#errors and
  https://developers.google.com/youtube/v3/docs/videos#snippet.description
- channels.list (``id`` up to 50 comma-separated, ``forHandle``; counts are JSON strings; unknown ids are
  simply left out): https://developers.google.com/youtube/v3/docs/channels/list and
  https://developers.google.com/youtube/v3/docs/channels#resource
- search.list (``type=channel``): https://developers.google.com/youtube/v3/docs/search/list
- errors (``{"error": {"code", "message", "errors": [{"domain", "reason", "message"}]}}``, e.g.
  ``quotaExceeded``, ``liveChatEnded``, ``errorStreamInactive``, ``invalidTransition``, invalid API key):
  https://developers.google.com/youtube/v3/docs/errors and
  https://developers.google.com/youtube/v3/live/docs/liveBroadcasts/transition#errors
- quota costs, charged on every call including refused ones ("All API requests, including invalid requests,
  incur a quota cost of at least one point"): list 1, liveChatMessages.list 5, insert/update/bind/transition
  50, search.list 100; ``quotaExceeded`` once the day's units are spent:
  https://developers.google.com/youtube/v3/determine_quota_cost and
  https://developers.google.com/youtube/v3/live/docs/liveChatMessages/list (5 units)
- OAuth 2.0 for installed apps (authorization code + refresh token grants):
  https://developers.google.com/identity/protocols/oauth2/native-app

Runs on its own thread and loop; the scripting methods are thread-safe.
"""

from __future__ import annotations

import base64
import itertools
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus, urlencode

from aiohttp import web

from tests.fakes.server import ThreadedApp

CLIENT_ID = "fake-google-client.apps.googleusercontent.com"
CLIENT_SECRET = "fake-google-secret"
CHANNEL_ID = "UCfakeChannel000000000000"
YOUTUBE_SCOPE = "https://www.googleapis.com/auth/youtube"
#: The API key public reads (channels, search) accept instead of an OAuth token (``?key=``).
API_KEY = "fake-youtube-api-key"
#: Quota units per call (determine_quota_cost); any other list is 1 unit, any other write 50.
COSTS = {"channels": 1, "search": 100, "liveChatMessages.list": 5}
#: The resources a public API key may read (everything else needs an OAuth token).
PUBLIC_RESOURCES = ("channels", "search")


def call_cost(call: str) -> int:
    """Units one call costs, e.g. ``liveBroadcasts.transition`` → 50, ``videos.list`` → 1."""
    if call in COSTS:
        return COSTS[call]
    resource, _, method = call.partition(".")
    return COSTS.get(resource, 1 if method == "list" else 50)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def error_body(code: int, reason: str, message: str, domain: str = "youtube.liveBroadcast") -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "errors": [{"message": message, "domain": domain, "reason": reason}]}}


QUOTA_EXCEEDED = error_body(
    403,
    "quotaExceeded",
    'The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.',
    domain="youtube.quota",
)


class FakeYouTube(ThreadedApp):
    name = "fake-youtube"

    def __init__(self) -> None:
        super().__init__()
        self._ids = itertools.count(1)
        self.reset()

    # ---------------------------------------------------------------- life cycle
    def routes(self, app: web.Application) -> None:
        base = "/youtube/v3"
        app.router.add_get(f"{base}/liveBroadcasts", self._list_broadcasts)
        app.router.add_post(f"{base}/liveBroadcasts", self._insert_broadcast)
        app.router.add_put(f"{base}/liveBroadcasts", self._update_broadcast)
        app.router.add_post(f"{base}/liveBroadcasts/bind", self._bind)
        app.router.add_post(f"{base}/liveBroadcasts/transition", self._transition)
        app.router.add_get(f"{base}/liveStreams", self._list_streams)
        app.router.add_post(f"{base}/liveStreams", self._insert_stream)
        app.router.add_get(f"{base}/liveChat/messages", self._chat_messages)
        app.router.add_get(f"{base}/videos", self._list_videos)
        app.router.add_put(f"{base}/videos", self._update_video)
        app.router.add_get(f"{base}/channels", self._channels)
        app.router.add_get(f"{base}/search", self._search)
        app.router.add_get("/o/oauth2/auth", self._authorize)
        app.router.add_post("/token", self._token)

    @property
    def api_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def token_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}/token"

    @property
    def auth_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}/o/oauth2/auth"

    def client_secrets(self) -> dict[str, Any]:
        """A Desktop-app client secrets file pointing at this server."""
        return {
            "installed": {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "auth_uri": self.auth_uri,
                "token_uri": self.token_uri,
                "redirect_uris": ["http://localhost"],
            }
        }

    # ---------------------------------------------------------------- scripting
    def reset(self) -> None:
        with self._lock:
            self.broadcasts: dict[str, dict[str, Any]] = {}
            self.streams: dict[str, dict[str, Any]] = {}
            self.chat: dict[str, list[dict[str, Any]]] = {}
            self.tokens: dict[str, str] = {}  # access token -> refresh token
            self.refresh_tokens: dict[str, list[str]] = {}  # refresh token -> scopes
            self.codes: dict[str, list[str]] = {}
            self.requests: list[tuple[str, str, dict[str, str]]] = []
            self.failures: list[tuple[str, str, int, dict[str, Any]]] = []
            self.quota_exceeded = False
            #: Metered units (see COSTS) spent so far and the daily limit beyond which calls get quotaExceeded.
            self.units_used = 0
            self.quota_limit = 10_000
            self.channels: dict[str, dict[str, Any]] = {}
            #: channels.list answers 500 when asked for any of these ids.
            self.failing_ids: set[str] = set()
            #: Whether OBS's video reaches the stream; while it does, ``stream_health`` is its healthStatus.
            self.stream_active = True
            self.stream_health = "good"
            self.polling_interval_ms = 50
            self.chat_ended: set[str] = set()
            #: Chats whose owner turned chat off during the broadcast (liveChatDisabled).
            self.chat_disabled: set[str] = set()
            #: When False, new broadcasts have no live chat (no ``snippet.liveChatId``), as when chat is off.
            self.new_broadcasts_have_chat = True
            #: Chats that stopped for good mid-show (liveChatEnded), and the video snippet fields the live
            #: API does not show (videos resource: categoryId, tags) per broadcast id.
            self.chat_closed: set[str] = set()
            self.video_extras: dict[str, dict[str, Any]] = {}
            #: Quota units charged per call name (``liveChatMessages.list`` ...), refused calls included.
            self.units_by_call: dict[str, int] = {}
            #: Like YouTube, a transition to testing/live first reports testStarting/liveStarting; it settles
            #: after this many liveBroadcasts.list requests for the broadcast (0: at once).
            self.settle_polls = 0
            self.settling: dict[str, list[Any]] = {}
            #: When set, the user grants only these scopes on the consent screen (granular consent).
            self.consent_scopes: list[str] | None = None
            #: Scripted viewer curve: ``concurrentViewers`` per broadcast id while it is live (videos.list).
            self.concurrent_viewers: dict[str, int] = {}
            #: Broadcasts whose channel hides the viewer count: no ``concurrentViewers`` even while live.
            self.hidden_viewer_counts: set[str] = set()

    def grant(self, scopes: list[str] | None = None, *, access: str | None = None) -> tuple[str, str]:
        """Tokens as if the user had authorised this app: (access token, refresh token)."""
        access = access or f"ya29.{secrets.token_hex(8)}"
        refresh = f"1//{secrets.token_hex(8)}"
        with self._lock:
            self.tokens[access] = refresh
            self.refresh_tokens[refresh] = list(scopes or [YOUTUBE_SCOPE])
        return access, refresh

    def revoke_access(self, access: str) -> None:
        with self._lock:
            self.tokens.pop(access, None)

    def revoke_refresh(self, refresh: str) -> None:
        with self._lock:
            self.refresh_tokens.pop(refresh, None)
            for access, owner in list(self.tokens.items()):
                if owner == refresh:
                    del self.tokens[access]

    def fail_next(self, method: str, path: str, status: int, reason: str, times: int = 1) -> None:
        with self._lock:
            body = QUOTA_EXCEEDED if reason == "quotaExceeded" else error_body(status, reason, reason)
            self.failures.extend([(method.upper(), path, status, body)] * times)

    def post_chat(self, live_chat_id: str, channel_id: str, name: str, text: str, *, owner: bool = False) -> str:
        """A viewer's ordinary chat line (``textMessageEvent``)."""
        return self._post(live_chat_id, channel_id, name, "textMessageEvent", text,
                          {"textMessageDetails": {"messageText": text}}, owner=owner)

    def post_super_chat(self, live_chat_id: str, channel_id: str, name: str, comment: str, *,
                        amount_micros: int = 5_000_000, currency: str = "USD", display: str = "$5.00") -> str:
        """A paid ``superChatEvent``; ``displayMessage`` is YouTube's summary, the viewer's words are ``userComment``."""
        details = {"amountMicros": str(amount_micros), "currency": currency, "amountDisplayString": display,
                   "userComment": comment, "tier": 2}
        return self._post(live_chat_id, channel_id, name, "superChatEvent",
                          f"{display} from {name}: \"{comment}\"", {"superChatDetails": details})

    def post_new_member(self, live_chat_id: str, channel_id: str, name: str, level: str = "Member") -> str:
        """A ``newSponsorEvent``: someone just joined the channel's membership (no words of their own)."""
        return self._post(live_chat_id, channel_id, name, "newSponsorEvent", f"Welcome to {level}!",
                          {"newSponsorDetails": {"memberLevelName": level, "isUpgrade": False}})

    def post_member_milestone(self, live_chat_id: str, channel_id: str, name: str, comment: str, *,
                              months: int = 6, level: str = "Member") -> str:
        """A ``memberMilestoneChatEvent``: a member celebrating ``months`` of membership, with a comment."""
        details = {"userComment": comment, "memberMonth": months, "memberLevelName": level}
        return self._post(live_chat_id, channel_id, name, "memberMilestoneChatEvent", comment,
                          {"memberMilestoneChatDetails": details}, sponsor=True)

    def _post(self, live_chat_id: str, channel_id: str, name: str, kind: str, display: str,
              details: dict[str, Any], *, owner: bool = False, sponsor: bool = False) -> str:
        message_id = f"LCC.{secrets.token_hex(10)}"
        with self._lock:
            self.chat.setdefault(live_chat_id, []).append(
                {
                    "kind": "youtube#liveChatMessage",
                    "etag": secrets.token_hex(6),
                    "id": message_id,
                    "snippet": {
                        "type": kind,
                        "liveChatId": live_chat_id,
                        "authorChannelId": channel_id,
                        "publishedAt": _now(),
                        "hasDisplayContent": True,
                        "displayMessage": display,
                        **details,
                    },
                    "authorDetails": {
                        "channelId": channel_id,
                        "channelUrl": f"http://www.youtube.com/channel/{channel_id}",
                        "displayName": name,
                        "profileImageUrl": "https://yt3.ggpht.com/x.jpg",
                        "isVerified": False,
                        "isChatOwner": owner,
                        "isChatSponsor": sponsor,
                        "isChatModerator": owner,
                    },
                }
            )
        return message_id

    def disable_chat(self, live_chat_id: str) -> None:
        """The owner turns chat off mid-broadcast: liveChatMessages.list answers 403 liveChatDisabled."""
        with self._lock:
            self.chat_disabled.add(live_chat_id)

    def close_chat(self, live_chat_id: str) -> None:
        """The chat stops being live: liveChatMessages.list answers 403 liveChatEnded."""
        with self._lock:
            self.chat_closed.add(live_chat_id)

    def delete_chat(self, live_chat_id: str) -> None:
        """The owner deletes the chat: liveChatMessages.list answers 404 liveChatNotFound."""
        with self._lock:
            for broadcast in self.broadcasts.values():
                if broadcast["snippet"].get("liveChatId") == live_chat_id:
                    broadcast["snippet"]["deletedLiveChatId"] = broadcast["snippet"].pop("liveChatId")

    def edit_description(self, video_id: str, description: str) -> None:
        """What the team types into YouTube Studio during the show (the description is the video's)."""
        with self._lock:
            self.broadcasts[video_id]["snippet"]["description"] = description

    def add_channel(self, channel_id: str, title: str, *, handle: str | None = None, subscribers: int = 0,
                    views: int = 0, videos: int = 0, hidden: bool = False, keywords: str = "") -> None:
        """A public channel for channels.list and search.list (``keywords`` become its description)."""
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

    def set_viewers(self, broadcast_id: str, viewers: int) -> None:
        """One point of a scripted viewer curve: while the broadcast is live, videos.list gives
        ``liveStreamingDetails.concurrentViewers`` = ``viewers`` (a string, as YouTube sends it:
        https://developers.google.com/youtube/v3/docs/videos#liveStreamingDetails.concurrentViewers)."""
        with self._lock:
            self.concurrent_viewers[broadcast_id] = viewers

    def subscribe(self, channel_id: str, count: int = 1) -> None:
        """``count`` viewers subscribe: channels.list ``statistics.subscriberCount`` grows by as many."""
        with self._lock:
            statistics = self.channels[channel_id]["statistics"]
            statistics["subscriberCount"] = str(int(statistics["subscriberCount"]) + count)

    def set_stats(self, channel_id: str, **counts: int) -> None:
        names = {"subscribers": "subscriberCount", "views": "viewCount", "videos": "videoCount"}
        with self._lock:
            for key, value in counts.items():
                self.channels[channel_id]["statistics"][names[key]] = str(value)

    def calls(self, method: str, path: str) -> list[dict[str, str]]:
        return [query for m, p, query in self.requests if m == method and p == path]

    # ---------------------------------------------------------------- plumbing
    def _check(self, request: web.Request, call: str) -> web.Response | None:
        """Record the request and charge its quota (``call`` like ``liveBroadcasts.list``), then refuse it as
        YouTube would: bad credentials, used-up quota, scripted failure.

        Only the public reads (PUBLIC_RESOURCES) accept an API key; all calls accept an OAuth token."""
        resource = call.partition(".")[0]
        with self._lock:
            self.requests.append((request.method, request.path, dict(request.query)))
            token = request.headers.get("Authorization", "").removeprefix("Bearer ")
            key = request.query.get("key")
            if key is not None and key != API_KEY and token not in self.tokens:
                message = "API key not valid. Please pass a valid API key."
                return web.json_response(error_body(400, "badRequest", message, "global"), status=400)
            if token not in self.tokens and not (resource in PUBLIC_RESOURCES and key == API_KEY):
                return web.json_response(
                    {
                        "error": {
                            "code": 401,
                            "message": "Request had invalid authentication credentials.",
                            "errors": [
                                {
                                    "message": "Invalid Credentials",
                                    "domain": "global",
                                    "reason": "authError",
                                    "location": "Authorization",
                                    "locationType": "header",
                                }
                            ],
                            "status": "UNAUTHENTICATED",
                        }
                    },
                    status=401,
                )
            cost = call_cost(call)
            if self.quota_exceeded or self.units_used + cost > self.quota_limit:
                return web.json_response(QUOTA_EXCEEDED, status=403)
            self.units_used += cost
            self.units_by_call[call] = self.units_by_call.get(call, 0) + cost
            for index, (method, path, status, body) in enumerate(self.failures):
                if method == request.method and request.path.endswith(path):
                    del self.failures[index]
                    return web.json_response(body, status=status)
        return None

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):04d}"

    @staticmethod
    def _list(kind: str, items: list[dict[str, Any]], **extra: Any) -> web.Response:
        return web.json_response(
            {
                "kind": f"youtube#{kind}ListResponse",
                "etag": secrets.token_hex(6),
                "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)},
                "items": items,
                **extra,
            }
        )

    # ---------------------------------------------------------------- liveBroadcasts
    async def _list_broadcasts(self, request: web.Request) -> web.Response:
        if failure := self._check(request, "liveBroadcasts.list"):
            return failure
        query = request.query
        items = list(self.broadcasts.values())
        if "id" in query:
            ids = query["id"].split(",")
            items = [item for item in items if item["id"] in ids]
            for item in items:
                pending = self.settling.get(item["id"])
                if pending:
                    pending[1] -= 1
                    if pending[1] <= 0:
                        item["status"]["lifeCycleStatus"] = pending[0]
                        if pending[0] == "live":
                            item["snippet"]["actualStartTime"] = _now()
                        del self.settling[item["id"]]
        status = query.get("broadcastStatus")
        if status == "upcoming":
            items = [item for item in items if item["status"]["lifeCycleStatus"] in ("created", "ready")]
        elif status == "active":
            items = [item for item in items if item["status"]["lifeCycleStatus"] in ("testing", "live")]
        elif status == "completed":
            items = [item for item in items if item["status"]["lifeCycleStatus"] == "complete"]
        return self._list("liveBroadcast", items)

    async def _insert_broadcast(self, request: web.Request) -> web.Response:
        if failure := self._check(request, "liveBroadcasts.insert"):
            return failure
        body = await request.json()
        snippet = body.get("snippet", {})
        if not snippet.get("title") or not snippet.get("scheduledStartTime"):
            return web.json_response(
                error_body(400, "invalidValue" if snippet.get("title") else "titleRequired", "snippet.title and snippet.scheduledStartTime are required"),
                status=400,
            )
        broadcast_id = self._new_id("bcast")
        monitor = body.get("contentDetails", {}).get("monitorStream", {"enableMonitorStream": True})
        broadcast = {
            "kind": "youtube#liveBroadcast",
            "etag": secrets.token_hex(6),
            "id": broadcast_id,
            "snippet": {
                "publishedAt": _now(),
                "channelId": CHANNEL_ID,
                "title": snippet["title"],
                "description": snippet.get("description", ""),
                "thumbnails": {},
                "scheduledStartTime": snippet["scheduledStartTime"],
                "isDefaultBroadcast": False,
                **({"liveChatId": f"chat-{broadcast_id}"} if self.new_broadcasts_have_chat else {}),
            },
            "status": {
                "lifeCycleStatus": "created",
                "privacyStatus": body.get("status", {}).get("privacyStatus", "private"),
                "recordingStatus": "notRecording",
                "madeForKids": False,
                "selfDeclaredMadeForKids": False,
            },
            "contentDetails": {
                "boundStreamId": None,
                "monitorStream": {"enableMonitorStream": monitor.get("enableMonitorStream", True), "broadcastStreamDelayMs": 0},
                "enableAutoStart": body.get("contentDetails", {}).get("enableAutoStart", False),
                "enableAutoStop": body.get("contentDetails", {}).get("enableAutoStop", False),
            },
        }
        self.broadcasts[broadcast_id] = broadcast
        return web.json_response(broadcast)

    async def _update_broadcast(self, request: web.Request) -> web.Response:
        if failure := self._check(request, "liveBroadcasts.update"):
            return failure
        body = await request.json()
        broadcast = self.broadcasts.get(body.get("id", ""))
        if broadcast is None:
            return web.json_response(error_body(404, "liveBroadcastNotFound", "Broadcast not found"), status=404)
        snippet = body.get("snippet", {})
        if "snippet" in request.query.get("part", "") and (not snippet.get("title") or not snippet.get("scheduledStartTime")):
            return web.json_response(
                error_body(400, "invalidValue", "snippet.title and snippet.scheduledStartTime are required on update"),
                status=400,
            )
        broadcast["snippet"].update({key: snippet[key] for key in ("title", "description", "scheduledStartTime") if key in snippet})
        return web.json_response(broadcast)

    async def _bind(self, request: web.Request) -> web.Response:
        if failure := self._check(request, "liveBroadcasts.bind"):
            return failure
        broadcast = self.broadcasts.get(request.query.get("id", ""))
        if broadcast is None:
            return web.json_response(error_body(404, "liveBroadcastNotFound", "Broadcast not found"), status=404)
        stream_id = request.query.get("streamId")
        if stream_id not in self.streams:
            return web.json_response(error_body(404, "liveStreamNotFound", "Stream not found"), status=404)
        broadcast["contentDetails"]["boundStreamId"] = stream_id
        if broadcast["status"]["lifeCycleStatus"] == "created":
            broadcast["status"]["lifeCycleStatus"] = "ready"
        return web.json_response(broadcast)

    async def _transition(self, request: web.Request) -> web.Response:
        if failure := self._check(request, "liveBroadcasts.transition"):
            return failure
        broadcast = self.broadcasts.get(request.query.get("id", ""))
        if broadcast is None:
            return web.json_response(error_body(404, "liveBroadcastNotFound", "Broadcast not found"), status=404)
        target = request.query.get("broadcastStatus")
        current = broadcast["status"]["lifeCycleStatus"]
        allowed = {
            "testing": {"ready"},
            "live": {"testing"} | (set() if broadcast["contentDetails"]["monitorStream"]["enableMonitorStream"] else {"ready"}),
            "complete": {"live", "testing"},
        }
        if target == current:
            return web.json_response(error_body(403, "redundantTransition", "The broadcast is already in that status"), status=403)
        monitored = broadcast["contentDetails"]["monitorStream"]["enableMonitorStream"]
        if target == "testing" and not monitored:
            message = "The broadcast cannot go to testing: its monitor stream is disabled (monitorStream.enableMonitorStream)"
            return web.json_response(error_body(403, "invalidTransition", message), status=403)
        if target not in allowed or current not in allowed[target]:
            return web.json_response(error_body(403, "invalidTransition", f"Cannot go from {current} to {target}"), status=403)
        if target in ("testing", "live") and not self.stream_active:
            return web.json_response(error_body(403, "errorStreamInactive", "The stream is not active"), status=403)
        if target in ("testing", "live") and self.settle_polls:
            broadcast["status"]["lifeCycleStatus"] = {"testing": "testStarting", "live": "liveStarting"}[target]
            self.settling[broadcast["id"]] = [target, self.settle_polls]
            return web.json_response(broadcast)
        broadcast["status"]["lifeCycleStatus"] = target
        if target == "live":
            broadcast["snippet"]["actualStartTime"] = _now()
        if target == "complete":
            broadcast["snippet"]["actualEndTime"] = _now()
            if "liveChatId" in broadcast["snippet"]:
                self.chat_ended.add(broadcast["snippet"]["liveChatId"])
        return web.json_response(broadcast)

    # ---------------------------------------------------------------- liveStreams
    async def _list_streams(self, request: web.Request) -> web.Response:
        if failure := self._check(request, "liveStreams.list"):
            return failure
        items = list(self.streams.values())
        if "id" in request.query:
            ids = request.query["id"].split(",")
            items = [item for item in items if item["id"] in ids]
        for item in items:
            status = item["status"]
            if self.stream_active:
                status["streamStatus"], status["healthStatus"] = "active", {"status": self.stream_health}
            else:
                # ready until video first arrives, inactive once it has stopped
                was_live = status["streamStatus"] in ("active", "inactive")
                status["streamStatus"], status["healthStatus"] = ("inactive" if was_live else "ready"), {"status": "noData"}
        return self._list("liveStream", items)

    async def _insert_stream(self, request: web.Request) -> web.Response:
        if failure := self._check(request, "liveStreams.insert"):
            return failure
        body = await request.json()
        stream_id = self._new_id("stream")
        key = "-".join(secrets.token_hex(2) for _ in range(4))
        stream = {
            "kind": "youtube#liveStream",
            "etag": secrets.token_hex(6),
            "id": stream_id,
            "snippet": {
                "publishedAt": _now(),
                "channelId": CHANNEL_ID,
                "title": body.get("snippet", {}).get("title", ""),
                "description": "",
                "isDefaultStream": False,
            },
            "cdn": {
                "ingestionType": body.get("cdn", {}).get("ingestionType", "rtmp"),
                "ingestionInfo": {
                    "streamName": key,
                    "ingestionAddress": "rtmp://a.rtmp.youtube.com/live2",
                    "backupIngestionAddress": "rtmp://b.rtmp.youtube.com/live2?backup=1",
                    "rtmpsIngestionAddress": "rtmps://a.rtmps.youtube.com/live2",
                },
                "resolution": "variable",
                "frameRate": "variable",
            },
            "status": {"streamStatus": "ready", "healthStatus": {"status": "noData"}},
            "contentDetails": {"isReusable": True},
        }
        self.streams[stream_id] = stream
        return web.json_response(stream)

    # ---------------------------------------------------------------- liveChatMessages
    async def _chat_messages(self, request: web.Request) -> web.Response:
        if failure := self._check(request, "liveChatMessages.list"):
            return failure
        chat_id = request.query.get("liveChatId", "")
        if not any(b["snippet"].get("liveChatId") == chat_id for b in self.broadcasts.values()):
            message = "The live chat that you are trying to retrieve cannot be found."
            return web.json_response(error_body(404, "liveChatNotFound", message, "youtube.liveChat"), status=404)
        if chat_id in self.chat_disabled:
            message = "The live chat is disabled."
            return web.json_response(error_body(403, "liveChatDisabled", message, "youtube.liveChat"), status=403)
        if chat_id in self.chat_closed:
            message = "The live chat is no longer live."
            return web.json_response(error_body(403, "liveChatEnded", message, "youtube.liveChat"), status=403)
        messages = self.chat.get(chat_id, [])
        start = int(request.query.get("pageToken") or 0)
        page = messages[start : start + 2000]
        extra: dict[str, Any] = {"nextPageToken": str(start + len(page)), "pollingIntervalMillis": self.polling_interval_ms}
        if chat_id in self.chat_ended and start + len(page) >= len(messages):
            extra["offlineAt"] = _now()
        return self._list("liveChatMessage", page, **extra)

    # ---------------------------------------------------------------- videos (a broadcast is a video)
    def _video(self, broadcast: dict[str, Any]) -> dict[str, Any]:
        snippet = broadcast["snippet"]
        extras = self.video_extras.setdefault(broadcast["id"], {"categoryId": "22", "tags": ["greenroom"]})
        live_details = {key: snippet[key] for key in ("actualStartTime", "actualEndTime", "scheduledStartTime")
                        if key in snippet}
        if "liveChatId" in snippet and broadcast["status"]["lifeCycleStatus"] != "complete":
            live_details["activeLiveChatId"] = snippet["liveChatId"]
        # "The number of viewers currently watching the broadcast. The property and its value will be present
        # if the broadcast has current viewers and the broadcast owner has not hidden the viewcount for the
        # video. [...] the property will not identify the number of viewers after the broadcast ends."
        if (broadcast["status"]["lifeCycleStatus"] == "live" and broadcast["id"] in self.concurrent_viewers
                and broadcast["id"] not in self.hidden_viewer_counts):
            live_details["concurrentViewers"] = str(self.concurrent_viewers[broadcast["id"]])
        return {
            "kind": "youtube#video",
            "etag": secrets.token_hex(6),
            "id": broadcast["id"],
            "snippet": {
                "publishedAt": snippet["publishedAt"],
                "channelId": snippet["channelId"],
                "title": snippet["title"],
                "description": snippet.get("description", ""),
                "channelTitle": "Fake channel",
                "liveBroadcastContent": "live" if broadcast["status"]["lifeCycleStatus"] == "live" else "none",
                **extras,
            },
            "liveStreamingDetails": live_details,
        }

    async def _list_videos(self, request: web.Request) -> web.Response:
        if failure := self._check(request, "videos.list"):
            return failure
        ids = request.query.get("id", "").split(",")
        with self._lock:
            items = [self._video(self.broadcasts[i]) for i in ids if i in self.broadcasts]
        return self._list("video", items)

    async def _update_video(self, request: web.Request) -> web.Response:
        if failure := self._check(request, "videos.update"):
            return failure
        body = await request.json()
        with self._lock:
            broadcast = self.broadcasts.get(body.get("id", ""))
            if broadcast is None:
                return web.json_response(error_body(404, "videoNotFound", "The video cannot be found.", "youtube.video"), status=404)
            snippet = body.get("snippet", {})
            if "snippet" in request.query.get("part", ""):
                if not snippet.get("title"):
                    return web.json_response(error_body(400, "invalidTitle", "The video title is empty.", "youtube.video"), status=400)
                if not snippet.get("categoryId"):
                    return web.json_response(error_body(400, "invalidCategoryId", "The video category is missing.", "youtube.video"), status=400)
                description = snippet.get("description", "")
                if "<" in description or ">" in description:
                    message = "The request metadata specifies an invalid video description."
                    return web.json_response(error_body(400, "invalidDescription", message, "youtube.video"), status=400)
                broadcast["snippet"].update(title=snippet["title"], description=description)
                self.video_extras[broadcast["id"]] = {"categoryId": snippet["categoryId"], "tags": snippet.get("tags", [])}
            return web.json_response(self._video(broadcast))

    # ---------------------------------------------------------------- channels and search (public data)
    async def _channels(self, request: web.Request) -> web.Response:
        if failure := self._check(request, "channels.list"):
            return failure
        parts = set(request.query.get("part", "").split(",")) - {""}
        if not parts:
            return web.json_response(error_body(400, "required", "Required parameter: part", "global"), status=400)
        with self._lock:
            if "id" in request.query:
                ids = request.query["id"].split(",")
                if len(ids) > 50:
                    body = error_body(400, "invalidValue", "Too many ids (max 50)", "youtube.parameter")
                    return web.json_response(body, status=400)
                if self.failing_ids & set(ids):
                    return web.json_response(error_body(500, "backendError", "Backend Error", "global"), status=500)
                items = [self.channels[i] for i in ids if i in self.channels]
            elif request.query.get("mine") == "true":
                # The authorised user's own channel (OAuth only: an API key has no "mine").
                if request.headers.get("Authorization", "").removeprefix("Bearer ") not in self.tokens:
                    body = error_body(401, "authError", "Login Required.", "global")
                    return web.json_response(body, status=401)
                items = [self.channels[CHANNEL_ID]] if CHANNEL_ID in self.channels else []
            elif "forHandle" in request.query:
                wanted = request.query["forHandle"].lower()
                items = [c for c in self.channels.values() if c["snippet"].get("customUrl", "").lower() == wanted]
            else:
                body = error_body(400, "missingRequiredParameter", "No filter selected.", "youtube.parameter")
                return web.json_response(body, status=400)
            items = [{key: value for key, value in item.items() if key in ("kind", "etag", "id") or key in parts}
                     for item in items]
        return self._list("channel", items)

    async def _search(self, request: web.Request) -> web.Response:
        if failure := self._check(request, "search.list"):
            return failure
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
        return self._list("search", items, regionCode="US",
                          pageInfo={"totalResults": len(items), "resultsPerPage": limit})

    # ---------------------------------------------------------------- OAuth
    async def _authorize(self, request: web.Request) -> web.Response:
        """The consent screen, already accepted: redirect back with a code (what a browser would follow)."""
        query = request.query
        if query.get("client_id") != CLIENT_ID:
            return web.Response(status=400, text="invalid_client")
        code = f"4/{secrets.token_hex(8)}"
        granted = self.consent_scopes if self.consent_scopes is not None else query.get("scope", "").split()
        self.codes[code] = granted
        target = query["redirect_uri"] + "?" + urlencode({"state": query.get("state", ""), "code": code, "scope": " ".join(granted)})
        raise web.HTTPFound(target)

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        client = (form.get("client_id"), form.get("client_secret"))
        if request.headers.get("Authorization", "").startswith("Basic "):
            # RFC 6749 section 2.3.1: client credentials may come as HTTP Basic auth instead of form fields.
            decoded = base64.b64decode(request.headers["Authorization"][6:]).decode()
            client = tuple(unquote_plus(part) for part in decoded.split(":", 1))
        if client != (CLIENT_ID, CLIENT_SECRET):
            return web.json_response({"error": "invalid_client", "error_description": "Unauthorized"}, status=401)
        grant = form.get("grant_type")
        if grant == "authorization_code":
            scopes = self.codes.pop(str(form.get("code")), None)
            if scopes is None:
                return web.json_response({"error": "invalid_grant", "error_description": "Bad Request"}, status=400)
            access, refresh = self.grant(scopes)
            return web.json_response(
                {"access_token": access, "expires_in": 3599, "refresh_token": refresh, "scope": " ".join(scopes), "token_type": "Bearer"}
            )
        if grant == "refresh_token":
            refresh = str(form.get("refresh_token"))
            if refresh not in self.refresh_tokens:
                return web.json_response({"error": "invalid_grant", "error_description": "Token has been expired or revoked."}, status=400)
            access = f"ya29.{secrets.token_hex(8)}"
            with self._lock:
                self.tokens[access] = refresh
            return web.json_response(
                {"access_token": access, "expires_in": 3599, "scope": " ".join(self.refresh_tokens[refresh]), "token_type": "Bearer"}
            )
        return web.json_response({"error": "unsupported_grant_type"}, status=400)
