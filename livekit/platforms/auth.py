"""Platform tokens: obtained once by `livekit auth ...`, kept in ``WORKSPACE/tokens/*.json`` (mode 0600),
refreshed automatically by the sessions, never logged.

Twitch uses the device code flow (no redirect server, works over SSH); YouTube the installed-app flow
(a one-shot server on 127.0.0.1 receives Google's redirect).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from greenroom.clock import utc_now, wall_clock_ms
from greenroom.errors import GreenroomError
from greenroom.platform_tokens import load_youtube_credentials as load_google_tokens
from greenroom.platform_tokens import read_private_json, write_private_json
from livekit.platforms.settings import YOUTUBE_SCOPES, TwitchSettings, YouTubeSettings


class AuthError(GreenroomError):
    """A token is missing, unreadable, revoked, for the wrong account, or lacks a scope."""


#: What each Twitch account must grant, and why.
TWITCH_SCOPES = {
    "broadcaster": {
        "channel:manage:broadcast": "set title and category, create stream markers",
    },
    "bot": {
        "user:read:chat": "read chat through EventSub (viewer questions)",
        "user:write:chat": "post chat notices",
    },
}


#: What each account is asked for on top, by default, though nothing fails without it. The bot's
#: ``moderator:read:followers`` lets the audience recorder subscribe to ``channel.follow`` (v2, with the bot as
#: moderator: https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelfollow) and count each
#: new follower in the minute they followed; without it (or when the bot is neither the broadcaster nor a
#: moderator, so Twitch refuses the subscription) new followers are the change of the follower total, read
#: once a minute with any token.
TWITCH_OPTIONAL_SCOPES = {
    "broadcaster": {},
    "bot": {
        "moderator:read:followers": "count each new follower in its minute (channel.follow); optional",
    },
}


def _scopes_of(table: dict[str, dict[str, str]], role: str, settings: TwitchSettings) -> dict[str, str]:
    scopes = dict(table[role])
    if settings.bot_is_broadcaster:
        for other in table.values():
            scopes.update(other)
    return scopes


def required_twitch_scopes(role: str, settings: TwitchSettings) -> dict[str, str]:
    """Scopes (with their purpose) the ``broadcaster`` or ``bot`` account needs; one account may be both."""
    return _scopes_of(TWITCH_SCOPES, role, settings)


def optional_twitch_scopes(role: str, settings: TwitchSettings) -> dict[str, str]:
    """Scopes (with their purpose) the account is asked for by default but may go without (see
    :data:`TWITCH_OPTIONAL_SCOPES`)."""
    return _scopes_of(TWITCH_OPTIONAL_SCOPES, role, settings)


def missing_scope_message(platform: str, account: str, scopes: list[str], fix: str) -> str:
    names = ", ".join(scopes)
    return f"{platform} {account} token lacks scope {names}; run `{fix}` to grant it"


def twitch_auth_command(role: str) -> str:
    return "livekit auth twitch" + ("" if role == "broadcaster" else " --account bot")


def _read_private_json(path: Path, what: str) -> dict[str, Any]:
    return read_private_json(path, what, AuthError)


#: Twitch expires a device-flow (public client) refresh token after 30 days without use
#: (https://dev.twitch.tv/docs/authentication/refresh-tokens/ , "Device Code Grant Flow" on
#: https://dev.twitch.tv/docs/authentication/getting-tokens-oauth/): warn a week before.
TWITCH_REFRESH_UNUSED_DAYS = 30
TWITCH_REFRESH_WARN_DAYS = 23


def _now_iso(now: datetime | None = None) -> str:
    return (now or utc_now()).strftime("%Y-%m-%dT%H:%M:%SZ")


class TwitchTokenStore:
    """``tokens/twitch.json``: ``{"broadcaster": {...}, "bot": {...}}`` with user id, login, tokens, scopes, and
    when Twitch last accepted them (``last_used``) or refused them (``refused``, with the reason)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, dict[str, Any]]:
        return _read_private_json(self.path, "Twitch")

    def account(self, role: str) -> dict[str, Any] | None:
        return self.load().get(role)

    def save_account(self, role: str, record: dict[str, Any]) -> None:
        data = self.load()
        data[role] = record
        write_private_json(self.path, data)

    def replace_tokens(self, user_id: str, access_token: str, refresh_token: str) -> None:
        """After a refresh, store the new pair for every role held by that user."""
        data = self.load()
        changed = False
        for record in data.values():
            if record.get("user_id") == user_id:
                record["access_token"], record["refresh_token"] = access_token, refresh_token
                record["last_used"] = _now_iso()
                record.pop("refused", None)
                changed = True
        if changed:
            write_private_json(self.path, data)

    def mark_used(self, user_id: str, now: datetime | None = None) -> None:
        """Twitch accepted this user's tokens (validated or refreshed): the 30-day clock starts again."""

        def used(record: dict[str, Any]) -> None:
            record["last_used"] = _now_iso(now)
            record.pop("refused", None)

        self._mark(user_id, used)

    def mark_refused(self, user_id: str, reason: str, now: datetime | None = None) -> None:
        """Twitch refused this user's tokens: `livekit auth status` and `livekit run` know it is dead."""

        def refused(record: dict[str, Any]) -> None:
            record["refused"] = {"at": _now_iso(now), "reason": reason}

        self._mark(user_id, refused)

    def _mark(self, user_id: str, change: Callable[[dict[str, Any]], Any]) -> None:
        data = self.load()
        touched = [record for record in data.values() if record.get("user_id") == user_id]
        for record in touched:
            change(record)
        if touched:
            write_private_json(self.path, data)


@dataclass(frozen=True)
class Problem:
    """Something wrong with a stored token. ``fatal``: the token is dead and a session must not start with it;
    otherwise a warning to act on before the show. ``fix`` is the command (or action) that resolves it."""

    platform: str
    account: str
    message: str
    fix: str
    fatal: bool

    def __str__(self) -> str:
        return f"{self.platform} {self.account}: {self.message}; run `{self.fix}`"


def check_twitch_tokens(settings: TwitchSettings, now: datetime | None = None) -> list[Problem]:
    """What is known, without contacting Twitch, about the stored Twitch tokens: missing, lacking a scope,
    refused by Twitch, or a refresh token unused for (nearly) 30 days. ``livekit auth status`` prints these;
    ``livekit run`` refuses to start the Twitch session while a fatal one remains."""
    now = now or utc_now()
    store = TwitchTokenStore(settings.tokens_path)
    problems: list[Problem] = []
    for role in ("broadcaster", "bot"):
        fix = twitch_auth_command(role)
        record = store.account(role)
        if record is None:
            problems.append(Problem("twitch", role, "not authorised", fix, True))
            continue
        missing = [scope for scope in required_twitch_scopes(role, settings) if scope not in record.get("scopes", [])]
        if missing:
            problems.append(Problem("twitch", role, f"{record['login']}, missing scope {', '.join(missing)}", fix, True))
        refused = record.get("refused")
        if refused:
            message = f"{record['login']}: Twitch refused the token on {refused['at'][:10]} ({refused['reason']})"
            problems.append(Problem("twitch", role, message, fix, True))
            continue
        last_used = _parse_iso(record.get("last_used"))
        if last_used is None:
            continue
        idle_days = (now - last_used).days
        if idle_days >= TWITCH_REFRESH_UNUSED_DAYS:
            message = (
                f"{record['login']}: token unused for {idle_days} days; Twitch expires refresh tokens after "
                f"{TWITCH_REFRESH_UNUSED_DAYS} days unused"
            )
            problems.append(Problem("twitch", role, message, fix, True))
        elif idle_days >= TWITCH_REFRESH_WARN_DAYS:
            left = TWITCH_REFRESH_UNUSED_DAYS - idle_days
            message = (
                f"{record['login']}: token unused for {idle_days} days, Twitch expires it in {left} days unless "
                "used (a show or `livekit auth twitch` renews it)"
            )
            problems.append(Problem("twitch", role, message, fix, False))
    return problems


def _parse_iso(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def apply_twitch_endpoints(settings: TwitchSettings) -> None:
    """twitchio reads its hosts from class/module attributes, not from the client: set them (tests use fakes)."""
    import twitchio.eventsub.websockets
    import twitchio.http

    twitchio.http.Route.BASE = settings.api_base
    twitchio.http.Route.ID_BASE = settings.id_base
    twitchio.eventsub.websockets.WSS = settings.eventsub_url


Sleep = Callable[[float], Awaitable[Any]]
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


async def twitch_device_login(
    settings: TwitchSettings,
    role: str,
    *,
    show_code: Callable[[str, str], None],
    sleep: Sleep = asyncio.sleep,
    optional: bool = True,
) -> dict[str, Any]:
    """Device code flow for the ``broadcaster`` or ``bot`` account: shows the activation URL and code,
    waits for the user to approve, checks account and scopes, and stores the tokens (0600).

    ``optional``: also ask for the account's optional scopes (:func:`optional_twitch_scopes`); a token
    without them is stored all the same. The result's ``missing_optional`` lists those not granted."""
    import twitchio
    from twitchio.authentication import OAuth, Scopes

    apply_twitch_endpoints(settings)
    needed = required_twitch_scopes(role, settings)
    requested = list(needed) + (list(optional_twitch_scopes(role, settings)) if optional else [])
    oauth = OAuth(client_id=settings.client_id, scopes=Scopes(requested))
    try:
        device = await oauth.device_code_flow()
        show_code(device["verification_uri"], device["user_code"])
        token = await _poll_device_token(settings, requested, dict(device), sleep)
        validated = await oauth.validate_token(token["access_token"])
    except twitchio.HTTPException as error:
        raise AuthError(f"Twitch refused the login: {_twitch_reason(error)}") from None
    finally:
        await oauth.close()
    expected = settings.broadcaster if role == "broadcaster" else settings.bot
    if (validated.login or "").lower() != expected:
        raise AuthError(
            f"you authorised Twitch account {validated.login!r} but [twitch] {role} is {expected!r}; "
            f"log in to twitch.tv as {expected} and run `{twitch_auth_command(role)}` again"
        )
    granted = sorted(str(scope) for scope in validated.scopes)
    missing = [scope for scope in needed if scope not in granted]
    if missing:
        raise AuthError(missing_scope_message("Twitch", role, missing, twitch_auth_command(role)))
    record = {
        "user_id": validated.user_id,
        "login": validated.login,
        "access_token": token["access_token"],
        "refresh_token": token["refresh_token"],
        "scopes": granted,
        "last_used": _now_iso(),
    }
    store = TwitchTokenStore(settings.tokens_path)
    store.save_account(role, record)
    if settings.bot_is_broadcaster:
        store.save_account("bot" if role == "broadcaster" else "broadcaster", record)
    missing_optional = [scope for scope in optional_twitch_scopes(role, settings) if scope not in granted]
    return {key: record[key] for key in ("user_id", "login", "scopes")} | {"missing_optional": missing_optional}


async def _poll_device_token(
    settings: TwitchSettings, scopes: list[str], device: dict[str, Any], sleep: Sleep
) -> dict[str, Any]:
    """Poll the token endpoint as RFC 8628 §3.4-3.5 says: ``authorization_pending`` → poll again after the
    interval; ``slow_down`` → the interval grows by 5 s for this and every later poll; ``expired_token`` or
    the code's ``expires_in`` passing → stop with a clear message; ``access_denied`` → the user said no.
    (twitchio 3.3's own loop raises a bare ValueError on ``slow_down`` and ``expired_token``.)"""
    import aiohttp

    interval = float(device.get("interval") or 5)
    deadline = time.monotonic() + float(device.get("expires_in") or 1800)
    url = settings.id_base.rstrip("/") + "/oauth2/token"
    form = {
        "client_id": settings.client_id,
        "scopes": " ".join(scopes),
        "device_code": device["device_code"],
        "grant_type": DEVICE_GRANT,
    }
    expired = AuthError(
        "the Twitch activation code expired before it was approved; run "
        "`livekit auth twitch` again and enter the new code at twitch.tv/activate within "
        f"{int(float(device.get('expires_in') or 1800)) // 60} minutes"
    )
    async with aiohttp.ClientSession() as http:
        while True:
            async with http.post(url, data=form) as response:
                body = await response.json(content_type=None)
            if response.status == 200:
                return dict(body)
            answer = str(body.get("message", "") if isinstance(body, dict) else "").lower()
            if answer == "slow_down":
                interval += 5
            elif answer == "expired_token":
                raise expired
            elif answer == "access_denied":
                raise AuthError("the Twitch login was declined on twitch.tv/activate; run `livekit auth twitch` again")
            elif answer != "authorization_pending":
                raise AuthError(f"Twitch refused the login: HTTP {response.status} ({answer or 'no reason given'})")
            if time.monotonic() + interval > deadline:
                raise expired
            await sleep(interval)


def _twitch_reason(error: Any) -> str:
    """Status and Twitch's message only: twitchio's own text embeds URLs that may carry secrets."""
    extra = getattr(error, "extra", None)
    message = extra.get("message") if isinstance(extra, dict) else None
    return f"HTTP {getattr(error, 'status', '?')}" + (f" ({message})" if message else "")


# ---------------------------------------------------------------------------- YouTube


def load_youtube_credentials(settings: YouTubeSettings) -> Any:
    """The stored Google credentials, or None when `livekit auth youtube` was never run."""
    return load_google_tokens(settings.tokens_path, settings.token_uri, AuthError)


#: A Google app in "Testing" gets refresh tokens that expire this long after they are issued.
TESTING_REFRESH_TOKEN_MS = 7 * 24 * 3_600_000
#: ``livekit auth status`` warns this long before such a token expires (a show should not start on it).
TOKEN_EXPIRY_WARNING_MS = 2 * 24 * 3_600_000
YOUTUBE_AUTH_FIX = "run `livekit auth youtube`"


def save_youtube_credentials(settings: YouTubeSettings, credentials: Any, *, issued_ms: int | None = None) -> None:
    """Store the credentials, keeping when the refresh token was issued (``issued_ms`` for a new login;
    a refreshed access token keeps the date of the refresh token it came from)."""
    data = json.loads(credentials.to_json())
    issued = issued_ms if issued_ms is not None else _read_private_json(settings.tokens_path, "YouTube").get("issued_ms")
    if issued is not None:
        data["issued_ms"] = issued
    write_private_json(settings.tokens_path, data)


def mark_youtube_token_refused(settings: YouTubeSettings, reason: str, now_ms: int) -> None:
    """Remember that Google refused the stored refresh token (revoked, expired), so `livekit auth status`
    and `livekit run` know it is dead before the next show; a new `livekit auth youtube` clears it."""
    data = _read_private_json(settings.tokens_path, "YouTube")
    if data:
        data["refused_ms"], data["refused_reason"] = now_ms, reason
        write_private_json(settings.tokens_path, data)


def youtube_token_report(settings: YouTubeSettings, now_ms: int) -> tuple[list[str], list[str]]:
    """(problems, warnings) about the stored YouTube token, without contacting Google.

    Problems mean the token cannot work (a show must not rely on it): missing, unreadable, lacking the
    scope, refused by Google before, or older than 7 days for an app in "Testing". Warnings: it will expire
    within two days, or its issue date is unknown. Each message ends with the fix."""
    try:
        credentials = load_youtube_credentials(settings)
    except AuthError as error:
        return [str(error)], []
    if credentials is None:
        return [f"not authorised; {YOUTUBE_AUTH_FIX}"], []
    if missing := missing_youtube_scopes(credentials):
        return [f"missing scope {', '.join(missing)}; {YOUTUBE_AUTH_FIX}"], []
    record = _read_private_json(settings.tokens_path, "YouTube")
    if "refused_ms" in record:
        return [f"Google refused the YouTube token on {_day(record['refused_ms'])} "
                f"({record.get('refused_reason') or 'revoked or expired'}); {YOUTUBE_AUTH_FIX}"], []
    if settings.oauth_app_status != "testing":
        return [], []
    issued = record.get("issued_ms")
    if not isinstance(issued, int):
        return [], [f"the YouTube token's issue date is unknown, and a Google app in Testing gets tokens that "
                    f"expire after 7 days; {YOUTUBE_AUTH_FIX} to renew it (or set [youtube] oauth_app_status "
                    f"= \"production\" once the app is published)"]
    expires = issued + TESTING_REFRESH_TOKEN_MS
    if now_ms >= expires:
        return [f"the YouTube token expired on {_day(expires)} (the Google app is in Testing: its tokens last "
                f"7 days); {YOUTUBE_AUTH_FIX}"], []
    if expires - now_ms <= TOKEN_EXPIRY_WARNING_MS:
        hours = (expires - now_ms) // 3_600_000
        return [], [f"the YouTube token expires on {_day(expires)} (in {hours} h: the Google app is in Testing, "
                    f"its tokens last 7 days); {YOUTUBE_AUTH_FIX} before the show"]
    return [], []


def _day(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def missing_youtube_scopes(credentials: Any, granted_scopes: list[str] | None = None) -> list[str]:
    granted = set(granted_scopes or credentials.granted_scopes or credentials.scopes or [])
    if "https://www.googleapis.com/auth/youtube.force-ssl" in granted:
        return []
    return [scope for scope in YOUTUBE_SCOPES if scope not in granted]


def youtube_installed_app_login(
    settings: YouTubeSettings,
    *,
    open_browser: bool,
    prompt: str = "Open this URL in your browser to authorise Greenroom on YouTube:\n{url}",
    timeout_s: int = 300,
    now_ms: Callable[[], int] | None = None,
) -> list[str]:
    """Installed-app flow: a one-shot server on 127.0.0.1 receives the redirect; stores the credentials
    with when they were issued (see :func:`youtube_token_report`).

    Returns the granted scopes. Refuses a login that does not grant YouTube management, and gives up after
    ``timeout_s`` seconds without an answer from the browser (an abandoned consent screen).
    """

    from google_auth_oauthlib.flow import InstalledAppFlow, WSGITimeoutError

    if settings.client_secrets_file is None:
        raise AuthError(
            "[youtube] client_secrets is not set: download the OAuth client (Desktop app) JSON from "
            "Google Cloud Console and set its path"
        )
    if not settings.client_secrets_file.is_file():
        raise AuthError(f"{settings.client_secrets_file}: client secrets file not found ([youtube] client_secrets)")
    # With Google's granular consent the user may untick a scope; oauthlib would then raise a bare Warning.
    # Relaxed, the token arrives and we name the missing scope ourselves.
    os.environ.setdefault("OAUTHLIB_RELAX_TOKEN_SCOPE", "1")
    try:
        flow = InstalledAppFlow.from_client_secrets_file(str(settings.client_secrets_file), scopes=list(YOUTUBE_SCOPES))
    except ValueError as error:
        raise AuthError(f"{settings.client_secrets_file}: not an OAuth client secrets file: {error}") from None
    try:
        credentials = flow.run_local_server(
            host="127.0.0.1",
            port=0,
            open_browser=open_browser,
            authorization_prompt_message=prompt,
            success_message="Greenroom is authorised. You can close this tab.",
            timeout_seconds=timeout_s,
        )
    except WSGITimeoutError:
        raise AuthError(
            f"no answer from the browser within {timeout_s} s: the Google consent was not completed; "
            "run `livekit auth youtube` again (--timeout SECONDS to wait longer)"
        ) from None
    except Exception as error:
        raise AuthError(f"YouTube login did not complete: {type(error).__name__}") from None
    granted = list(credentials.granted_scopes or flow.oauth2session.scope or credentials.scopes or [])
    missing = missing_youtube_scopes(credentials, granted)
    if missing:
        raise AuthError(missing_scope_message("YouTube", "account", missing, "livekit auth youtube"))
    issued = now_ms() if now_ms is not None else wall_clock_ms()
    save_youtube_credentials(settings, credentials, issued_ms=issued)
    return sorted(granted)
