"""Signing in to Gmail and Microsoft 365 mailboxes with OAuth2 (SASL XOAUTH2) instead of a password.

Google and Microsoft turn off password sign-in for SMTP and IMAP (or hide it behind app passwords an admin
may forbid): a mail client presents an OAuth2 *access token* in the SASL ``XOAUTH2`` exchange, and keeps a
*refresh token* to get a new access token every hour without asking the person again.

- ``[smtp]``/``[imap] auth = "xoauth2"`` with ``provider``, ``client_id`` (and ``tenant`` for Microsoft)
  turns it on (:func:`oauth_settings`); the Google client secret comes from ``$GREENROOM_SMTP_CLIENT_SECRET``
  / ``$GREENROOM_IMAP_CLIENT_SECRET`` or ``client_secret`` in the workspace ``secrets.toml``, never from
  ``greenroom.toml``, and never appears in ``repr`` or a log.
- ``outreach mailbox login`` gets the first refresh token (:mod:`outreach.cli.mailbox`); it is stored like
  the platform tokens (:mod:`greenroom.platform_tokens`): ``WORKSPACE/tokens/mailbox-*.json``, mode 0600,
  replaced atomically. The SMTP and IMAP sections of one mailbox share the file.
- :class:`MailboxTokens` hands out an access token and refreshes it five minutes before it expires
  (Google: ``google.oauth2.credentials.Credentials.refresh`` against ``token_uri``; Microsoft: MSAL's
  ``acquire_token_silent`` over its serialized token cache), writing the refreshed tokens back.
- A refresh token the provider no longer accepts (``invalid_grant``: revoked, expired, password changed)
  raises :class:`SignInNeeded`, whose message is the command that fixes it.

Overrides for tests and self-hosted identity providers: ``token_endpoint`` and ``authorization_endpoint``
(Google-style providers) and ``authority`` (Microsoft identity platform, an ``https://`` URL ending in the
tenant; a private CA is trusted through ``REQUESTS_CA_BUNDLE``, as for any ``requests`` client).
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from greenroom.clock import utc_now
from greenroom.config import Config
from greenroom.errors import ConfigError, GreenroomError
from greenroom.platform_tokens import read_private_json, write_private_json
from greenroom.workspace import Workspace

PROVIDERS = ("google", "microsoft")
AUTH_METHODS = ("password", "xoauth2")

#: Google's OAuth 2.0 endpoints for installed apps
#: (https://developers.google.com/identity/protocols/oauth2/native-app).
GOOGLE_TOKEN_ENDPOINT = "https://oauth2.googleapis.com/token"
GOOGLE_AUTHORIZATION_ENDPOINT = "https://accounts.google.com/o/oauth2/auth"
#: The one scope for Gmail over IMAP, POP and SMTP (https://developers.google.com/gmail/imap/xoauth2-protocol).
GOOGLE_SCOPES = ("https://mail.google.com/",)

#: Microsoft identity platform; ``tenant`` is appended (https://learn.microsoft.com/en-us/entra/identity-platform/
#: v2-oauth2-auth-code-flow). ``organizations`` accepts any work or school account, ``common`` also
#: personal Outlook.com accounts, a tenant id or domain only that organisation's.
MICROSOFT_AUTHORITY_HOST = "https://login.microsoftonline.com"
#: The Outlook resource scopes for SMTP AUTH and IMAP (https://learn.microsoft.com/en-us/exchange/
#: client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth);
#: MSAL adds ``offline_access`` (the refresh token), ``openid`` and ``profile`` itself.
MICROSOFT_SCOPES = ("https://outlook.office.com/SMTP.Send", "https://outlook.office.com/IMAP.AccessAsUser.All")

#: An access token closer than this to its expiry is refreshed before use, so it cannot expire mid-session.
REFRESH_MARGIN = timedelta(minutes=5)

#: One lock per token file: the sender and the inbox reader (worker threads of one process) share a mailbox's
#: tokens, and two refreshes at once would each store a different rotated Microsoft refresh token.
_FILE_LOCKS: dict[Path, threading.Lock] = {}
_FILE_LOCKS_GUARD = threading.Lock()


def _lock_for(path: Path) -> threading.Lock:
    with _FILE_LOCKS_GUARD:
        return _FILE_LOCKS.setdefault(path, threading.Lock())


class MailboxAuthError(GreenroomError):
    """The mailbox's OAuth2 tokens cannot be used: the message says why and what to run."""


class SignInNeeded(MailboxAuthError):
    """No refresh token yet, or the provider no longer accepts it: the person must sign in again."""


@dataclass(frozen=True)
class OAuthSettings:
    """How one ``[smtp]``/``[imap]`` section signs in with OAuth2; the client secret never appears in ``repr``."""

    provider: str  # google | microsoft
    client_id: str
    #: Where the mailbox's tokens live (shared by the SMTP and IMAP sections of the same mailbox).
    token_path: Path
    #: The config section it came from, for messages and `outreach mailbox login --server`.
    section: str = "smtp"
    client_secret: str | None = field(default=None, repr=False)
    tenant: str = "common"
    #: Google-style token and consent endpoints, when not Google's own (a test server, a self-hosted IdP).
    token_endpoint: str | None = None
    authorization_endpoint: str | None = None
    #: Microsoft identity platform authority (``https://host/tenant``) when not login.microsoftonline.com.
    authority: str | None = None

    @property
    def microsoft_authority(self) -> str:
        return self.authority or f"{MICROSOFT_AUTHORITY_HOST}/{self.tenant}"

    @property
    def google_token_endpoint(self) -> str:
        return self.token_endpoint or GOOGLE_TOKEN_ENDPOINT

    def login_command(self) -> str:
        return f"outreach mailbox login --server {self.section}"


def token_file(workspace: Workspace, provider: str, username: str) -> Path:
    """``tokens/mailbox-<provider>-<address>.json``: one file per mailbox, whatever section names it."""
    safe = re.sub(r"[^A-Za-z0-9@._-]", "_", username.lower())
    return workspace.path(f"tokens/mailbox-{provider}-{safe}.json")


def oauth_settings(
    workspace: Workspace, section: str, config: Config | None = None,
    secret: Callable[[str, str], str | None] | None = None,
) -> OAuthSettings | None:
    """The ``[section]`` OAuth2 settings, None for password sign-in (``auth = "password"``, the default).

    Checked once, with errors naming key and file: XOAUTH2 needs ``username`` (the mailbox address, sent in
    the SASL string), ``provider`` and ``client_id``; Google also needs a client secret. ``config`` is the view
    holding ``[section]`` (a mailbox's dotted ``[mailboxes.NAME.smtp]`` table) and ``secret(key, env)`` looks a
    secret up the way that section's password is (env first, then the secrets file).
    """
    config = config or workspace.config
    if config.choice(section, "auth", AUTH_METHODS, "password") != "xoauth2":
        return None
    where = f"{config.path}: [{section}] auth = \"xoauth2\""
    username = config.get(section, "username", str, "").strip()
    if not username:
        raise ConfigError(f"{where} needs username = \"the mailbox address\" (it is part of the sign-in)")
    if not config.has(section, "provider"):
        raise ConfigError(f"{where} needs provider = \"google\" or \"microsoft\"")
    provider = config.choice(section, "provider", PROVIDERS, "google")
    client_id = config.get(section, "client_id", str, "").strip()
    if not client_id:
        raise ConfigError(f"{where} needs client_id (from your Google Cloud or Microsoft Entra app registration)")
    env = f"GREENROOM_{section.upper().replace('.', '_').replace('-', '_')}_CLIENT_SECRET"
    client_secret = (secret("client_secret", env) if secret is not None
                     else workspace.secrets.get(section, "client_secret", env=env))
    if provider == "google" and not client_secret:
        raise ConfigError(
            f"{where} with provider = \"google\" needs the OAuth client secret: set ${env} "
            f"or [{section}] client_secret in {workspace.secrets_path}"
        )
    authority = config.get(section, "authority", str, "").strip().rstrip("/") or None
    if authority and not authority.startswith("https://"):
        raise ConfigError(f"{config.path}: [{section}] authority must be an https:// URL ending in the tenant")
    return OAuthSettings(
        provider=provider,
        client_id=client_id,
        token_path=token_file(workspace, provider, username),
        section=section,
        client_secret=client_secret,
        tenant=config.get(section, "tenant", str, "common").strip() or "common",
        token_endpoint=config.get(section, "token_endpoint", str, "").strip() or None,
        authorization_endpoint=config.get(section, "authorization_endpoint", str, "").strip() or None,
        authority=authority,
    )


def xoauth2_string(username: str, access_token: str) -> str:
    """The SASL XOAUTH2 initial client response before base64 (smtplib and imaplib encode it):
    ``user={User}^Aauth=Bearer {Access Token}^A^A`` with ^A = \\x01.

    Defined by Google (https://developers.google.com/gmail/imap/xoauth2-protocol, "Initial client response")
    and used unchanged by Microsoft 365 (https://learn.microsoft.com/en-us/exchange/client-developer/
    legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth, "SASL XOAUTH2").
    """
    return f"user={username}\x01auth=Bearer {access_token}\x01\x01"


class XOAuth2Exchange:
    """The client side of one XOAUTH2 exchange, as the ``authobject`` of ``smtplib.SMTP.auth`` and
    ``imaplib.IMAP4.authenticate``.

    The first call answers with the initial response. A refused token comes back as a challenge carrying
    base64 JSON (``{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`` per Google's
    "Error response"): the client must answer with an empty line, and the server then fails the command
    (SMTP 535, IMAP NO). :attr:`refusal` keeps that JSON's status for the error message; it never holds
    the token.
    """

    def __init__(self, username: str, access_token: str) -> None:
        self._response = xoauth2_string(username, access_token)
        self._sent = False
        self.refusal = ""

    def __call__(self, challenge: bytes | None = None) -> str:
        if not self._sent:
            self._sent = True
            return self._response
        self.refusal = describe_refusal(challenge or b"")
        return ""

    def as_bytes(self, challenge: bytes) -> bytes:
        """The same answer as bytes (imaplib's authobject type)."""
        return self(challenge).encode()


def describe_refusal(challenge: bytes) -> str:
    """``status 401, scope ...`` from the server's JSON error challenge (empty when there is none)."""
    try:
        data = json.loads(challenge.decode("utf-8", "replace") or "{}")
    except json.JSONDecodeError:
        return ""
    if not isinstance(data, dict):
        return ""
    return ", ".join(f"{key} {data[key]}" for key in ("status", "scope") if data.get(key))


@dataclass(frozen=True)
class AccessToken:
    """A bearer token and when it expires; the token never appears in ``repr``."""

    value: str = field(repr=False)
    expires_at: datetime | None


class MailboxTokens:
    """The access token source for one mailbox: reads the token file, refreshes when needed, writes back.

    Blocking (HTTP to the token endpoint): call from the worker thread that talks to the mail server.
    """

    def __init__(self, settings: OAuthSettings, username: str) -> None:
        self.settings = settings
        self.username = username

    def _signed_out(self, why: str) -> SignInNeeded:
        return SignInNeeded(f"mailbox {self.username} ({self.settings.provider}): {why}; "
                            f"sign in again: {self.settings.login_command()}")

    def _load(self) -> dict[str, Any]:
        data = read_private_json(self.settings.token_path, "mailbox", MailboxAuthError)
        if not data:
            raise SignInNeeded(f"mailbox {self.username} ({self.settings.provider}) is not signed in: "
                               f"run {self.settings.login_command()}")
        return data

    def signed_in(self) -> bool:
        """A token file exists for this mailbox (whether the provider still accepts it is another matter)."""
        return bool(read_private_json(self.settings.token_path, "mailbox", MailboxAuthError))

    def access_token(self, *, refresh: bool = False) -> AccessToken:
        """A token valid for at least :data:`REFRESH_MARGIN`; ``refresh`` forces a new one (the server
        refused the current one although it had not expired: revoked, or scopes changed)."""
        with _lock_for(self.settings.token_path):
            data = self._load()
            if self.settings.provider == "google":
                return self._google(data, refresh)
            return self._microsoft(data, refresh)

    # --------------------------------------------------------------------------------------------- google

    def _google(self, data: dict[str, Any], refresh: bool) -> AccessToken:
        from google.auth.exceptions import RefreshError, TransportError
        from google.auth.transport.requests import Request
        from google.oauth2.credentials import Credentials

        expiry = _parse_time(data.get("expiry"))
        token = data.get("token")
        if token and expiry and not refresh and expiry - utc_now() > REFRESH_MARGIN:
            return AccessToken(token, expiry)
        if not data.get("refresh_token"):
            raise self._signed_out("no refresh token stored")
        # Built directly (not from_authorized_user_info) so an overridden token endpoint is kept.
        credentials = Credentials(token=None, refresh_token=data["refresh_token"],
                                  token_uri=self.settings.google_token_endpoint, client_id=self.settings.client_id,
                                  client_secret=self.settings.client_secret, scopes=list(GOOGLE_SCOPES))
        try:
            credentials.refresh(Request())
        except RefreshError as error:
            details = error.args[1] if len(error.args) > 1 and isinstance(error.args[1], dict) else {}
            code = str(details.get("error", ""))
            if code in ("invalid_grant", "unauthorized_client", "invalid_client"):
                description = str(details.get("error_description", "")).strip()
                raise self._signed_out(f"Google refused the refresh token ({code}"
                                       f"{': ' + description if description else ''})") from None
            raise MailboxAuthError(f"mailbox {self.username}: Google token refresh failed: "
                                   f"{code or error.__class__.__name__}") from None
        except TransportError as error:
            raise MailboxAuthError(f"mailbox {self.username}: cannot reach the Google token endpoint "
                                   f"{self.settings.google_token_endpoint}: {error}") from None
        expires_at = credentials.expiry.replace(tzinfo=UTC) if credentials.expiry else None
        data.update(token=credentials.token, expiry=_format_time(expires_at),
                    refresh_token=credentials.refresh_token or data["refresh_token"])
        write_private_json(self.settings.token_path, data)
        return AccessToken(str(credentials.token), expires_at)

    # ------------------------------------------------------------------------------------------ microsoft

    def _microsoft(self, data: dict[str, Any], refresh: bool) -> AccessToken:
        import msal

        cache = msal.SerializableTokenCache()
        if data.get("msal_cache"):
            cache.deserialize(data["msal_cache"])
        app = microsoft_app(self.settings, cache)
        accounts = app.get_accounts(username=self.username) or app.get_accounts()
        if not accounts:
            raise self._signed_out("no Microsoft account in the stored token cache")
        try:
            result = app.acquire_token_silent_with_error(list(MICROSOFT_SCOPES), account=accounts[0],
                                                         force_refresh=refresh)
        except (OSError, ValueError) as error:  # requests' ConnectionError is an OSError
            raise MailboxAuthError(f"mailbox {self.username}: cannot reach the Microsoft token endpoint "
                                   f"{self.settings.microsoft_authority}: {error}") from None
        if cache.has_state_changed:
            data["msal_cache"] = cache.serialize()
            write_private_json(self.settings.token_path, data)
        if not result:
            raise self._signed_out("no refresh token stored")
        if "access_token" not in result:
            code = str(result.get("error", "unknown error"))
            description = str(result.get("error_description", "")).split("\n")[0].strip()
            if code in ("invalid_grant", "interaction_required", "invalid_client", "unauthorized_client"):
                raise self._signed_out(f"Microsoft refused the refresh token ({code}"
                                       f"{': ' + description if description else ''})")
            raise MailboxAuthError(f"mailbox {self.username}: Microsoft token refresh failed: {code}")
        expires_in = result.get("expires_in")
        expires_at = utc_now() + timedelta(seconds=int(expires_in)) if expires_in else None
        return AccessToken(str(result["access_token"]), expires_at)


def microsoft_app(settings: OAuthSettings, cache: Any) -> Any:
    """An MSAL public client (device-code sign-in needs "Allow public client flows" on the app
    registration; no client secret). Instance discovery is skipped for an overridden authority: it asks
    login.microsoftonline.com about hosts it cannot know."""
    import msal

    return msal.PublicClientApplication(settings.client_id, authority=settings.microsoft_authority,
                                        token_cache=cache, instance_discovery=settings.authority is None)


def google_login(settings: OAuthSettings, username: str, *, open_browser: bool, timeout_s: int,
                 prompt: str) -> None:
    """Google's installed-app flow (https://developers.google.com/identity/protocols/oauth2/native-app): a
    one-shot server on 127.0.0.1 receives the consent screen's redirect; the refresh token is stored.

    ``prompt`` (with ``{url}``) is printed when the browser is not opened. ``prompt=consent`` asks Google for
    a refresh token even when this app was allowed before (it only sends one on the first consent otherwise).
    """
    from google_auth_oauthlib.flow import InstalledAppFlow, WSGITimeoutError

    client = {"installed": {
        "client_id": settings.client_id, "client_secret": settings.client_secret,
        "auth_uri": settings.authorization_endpoint or GOOGLE_AUTHORIZATION_ENDPOINT,
        "token_uri": settings.google_token_endpoint, "redirect_uris": ["http://localhost"],
    }}
    flow = InstalledAppFlow.from_client_config(client, scopes=list(GOOGLE_SCOPES))
    try:
        credentials = flow.run_local_server(
            host="127.0.0.1", port=0, open_browser=open_browser, authorization_prompt_message=prompt,
            success_message="Greenroom may now send and read mail as this mailbox. You can close this tab.",
            timeout_seconds=timeout_s, login_hint=username, prompt="consent",
        )
    except WSGITimeoutError:
        raise MailboxAuthError(f"no answer from the browser within {timeout_s} s: the Google consent for "
                               f"{username} was not completed; run {settings.login_command()} again") from None
    except Exception as error:  # oauthlib raises many kinds (a refused consent, a bad client...)
        raise MailboxAuthError(f"Google sign-in for {username} did not complete: {type(error).__name__}: "
                               f"{str(error)[:200]}") from None
    if not credentials.refresh_token:
        raise MailboxAuthError(f"Google sent no refresh token for {username}: remove Greenroom's access at "
                               "https://myaccount.google.com/permissions and sign in again")
    save_google_tokens(settings, username, credentials)


def microsoft_login(settings: OAuthSettings, username: str, show: Any) -> None:
    """MSAL's device-code flow (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-device-code):
    ``show`` gets the "open https://microsoft.com/devicelogin and enter the code ..." line; this waits until
    the person has signed in there (on any device), then stores MSAL's token cache. Refuses a sign-in as a
    different account than ``username``, which the mail server would refuse anyway."""
    import msal

    cache = msal.SerializableTokenCache()
    app = microsoft_app(settings, cache)
    try:
        flow = app.initiate_device_flow(scopes=list(MICROSOFT_SCOPES))
    except (OSError, ValueError) as error:
        raise MailboxAuthError(f"cannot reach the Microsoft identity platform {settings.microsoft_authority}: "
                               f"{error}") from None
    if "user_code" not in flow:
        raise MailboxAuthError(f"Microsoft refused to start the sign-in for {username}: {flow.get('error')}: "
                               f"{str(flow.get('error_description', '')).splitlines()[0] if flow.get('error_description') else ''}")
    show(flow["message"])
    result = app.acquire_token_by_device_flow(flow)
    if "access_token" not in result:
        description = str(result.get("error_description", "")).split("\n")[0].strip()
        raise MailboxAuthError(f"Microsoft sign-in for {username} did not complete: {result.get('error')}"
                               f"{': ' + description if description else ''}")
    signed_in = str((result.get("id_token_claims") or {}).get("preferred_username", ""))
    if signed_in and signed_in.lower() != username.lower():
        raise MailboxAuthError(f"you signed in as {signed_in}, but [{settings.section}] username is {username}: "
                               f"run {settings.login_command()} again and sign in as {username}")
    save_microsoft_cache(settings, username, cache)


def save_google_tokens(settings: OAuthSettings, username: str, credentials: Any) -> None:
    """After `outreach mailbox login`: what :class:`MailboxTokens` reads back (no client secret: it stays
    in the secrets file)."""
    expiry = credentials.expiry.replace(tzinfo=UTC) if credentials.expiry else None
    write_private_json(settings.token_path, {
        "provider": "google", "username": username, "client_id": settings.client_id,
        "refresh_token": credentials.refresh_token, "token": credentials.token, "expiry": _format_time(expiry),
    })


def save_microsoft_cache(settings: OAuthSettings, username: str, cache: Any) -> None:
    write_private_json(settings.token_path, {
        "provider": "microsoft", "username": username, "client_id": settings.client_id,
        "msal_cache": cache.serialize(),
    })


def _format_time(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _parse_time(text: object) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    with contextlib.suppress(ValueError):
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return None


def encoded_initial_response(username: str, access_token: str) -> str:
    """The base64 form of :func:`xoauth2_string`, as it travels on the wire (for servers and tests)."""
    return base64.b64encode(xoauth2_string(username, access_token).encode()).decode("ascii")
