"""SMTP AUTH XOAUTH2 (Gmail, Microsoft 365): the server sees the mailbox address and a bearer token it can
verify; an expiring token is refreshed first, a refused one is refreshed once and tried again, a revoked
sign-in says which command fixes it. The token never appears in an error."""

import os
import stat
from datetime import UTC, datetime, timedelta

import pytest

from outreach.campaigns.settings import smtp_settings
from outreach.mail.transport import SmtpTransport, TransportUnavailable
from tests.fixtures.oauth import (
    GOOGLE_CLIENT_SECRET,
    MAILBOX,
    google_section,
    microsoft_section,
    store_google_tokens,
)

#: The XOAUTH2 aiosmtpd requires AUTH on loopback without TLS (Greenroom allows that only for loopback).
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")

RAW = b"From: ana@brand.example\r\nTo: bo@example.org\r\nSubject: hi\r\nMessage-ID: <1@brand.example>\r\n\r\nHello\r\n"


@pytest.fixture
def google_mailbox(world, oauth_smtp, identity_provider, monkeypatch):
    """``[smtp] auth = "xoauth2"`` for a Gmail-style mailbox, signed in with a fresh access token."""
    monkeypatch.setenv("GREENROOM_SMTP_CLIENT_SECRET", GOOGLE_CLIENT_SECRET)
    world.configure(google_section("smtp", oauth_smtp.host, oauth_smtp.port, identity_provider))
    settings = smtp_settings(world.workspace)
    refresh = identity_provider.grant("google")
    access = identity_provider.issue_access(refresh)
    store_google_tokens(settings.oauth.token_path, refresh, access, _in(minutes=50))
    return settings, refresh, access


def _in(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


def transport(settings) -> SmtpTransport:
    return SmtpTransport(settings.host, settings.port, settings.security, settings.username, settings.password,
                         settings.timeout, oauth=settings.oauth)


def send_one(settings):
    smtp = transport(settings)
    try:
        return smtp.send("ana@brand.example", "bo@example.org", RAW, "1")
    finally:
        smtp.close()


def test_a_valid_token_signs_in_with_xoauth2_and_delivers(google_mailbox, oauth_smtp, identity_provider):
    settings, _, _ = google_mailbox
    assert send_one(settings).status == "sent"
    assert oauth_smtp.handler.attempts == [(MAILBOX, True)]
    assert len(oauth_smtp.handler.messages) == 1
    assert identity_provider.refreshes["google"] == 0


def test_a_token_about_to_expire_is_refreshed_before_use_and_stored_privately(google_mailbox, oauth_smtp,
                                                                                identity_provider):
    settings, refresh, access = google_mailbox
    store_google_tokens(settings.oauth.token_path, refresh, access, _in(minutes=2))
    assert send_one(settings).status == "sent"
    assert identity_provider.refreshes["google"] == 1
    assert oauth_smtp.handler.attempts == [(MAILBOX, True)]
    path = settings.oauth.token_path
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert access not in path.read_text()
    assert identity_provider.token_requests[-1]["client_secret"] == GOOGLE_CLIENT_SECRET


def test_a_token_the_server_refuses_is_refreshed_once_and_tried_again(google_mailbox, oauth_smtp, identity_provider):
    settings, _, access = google_mailbox
    identity_provider.revoke_access(access)  # revoked before its expiry: only the server knows
    assert send_one(settings).status == "sent"
    assert oauth_smtp.handler.attempts == [(MAILBOX, False), (MAILBOX, True)]
    assert identity_provider.refreshes["google"] == 1


def test_a_token_refused_even_after_a_refresh_names_the_mailbox_never_the_token(world, oauth_smtp,
                                                                                 identity_provider, monkeypatch):
    """The app was not allowed to send for this address: the provider issues tokens, the server refuses them."""
    monkeypatch.setenv("GREENROOM_SMTP_CLIENT_SECRET", GOOGLE_CLIENT_SECRET)
    world.configure(google_section("smtp", oauth_smtp.host, oauth_smtp.port, identity_provider,
                                   username="other@brand.example"))
    settings = smtp_settings(world.workspace)
    refresh = identity_provider.grant("google", MAILBOX)
    access = identity_provider.issue_access(refresh)
    store_google_tokens(settings.oauth.token_path, refresh, access, _in(minutes=50))
    with pytest.raises(TransportUnavailable) as refused:
        send_one(settings)
    message = str(refused.value)
    assert "other@brand.example" in message and "535" in message and "status 401" in message
    assert "outreach mailbox login --server smtp" in message
    assert access not in message and refresh not in message
    assert oauth_smtp.handler.messages == []
    assert [accepted for _, accepted in oauth_smtp.handler.attempts] == [False, False]


def test_a_revoked_refresh_token_asks_to_sign_in_again(google_mailbox, oauth_smtp, identity_provider):
    settings, refresh, access = google_mailbox
    identity_provider.revoke_refresh(refresh)
    with pytest.raises(TransportUnavailable) as refused:
        send_one(settings)
    message = str(refused.value)
    assert "invalid_grant" in message and "Token has been expired or revoked" in message
    assert f"mailbox {MAILBOX}" in message and "sign in again: outreach mailbox login --server smtp" in message
    assert refresh not in message and access not in message


def test_never_signed_in_says_which_command_to_run(world, oauth_smtp, identity_provider, monkeypatch):
    monkeypatch.setenv("GREENROOM_SMTP_CLIENT_SECRET", GOOGLE_CLIENT_SECRET)
    world.configure(google_section("smtp", oauth_smtp.host, oauth_smtp.port, identity_provider))
    with pytest.raises(TransportUnavailable, match="is not signed in: run outreach mailbox login --server smtp"):
        send_one(smtp_settings(world.workspace))
    assert oauth_smtp.handler.attempts == []


def test_the_client_secret_never_appears_in_the_settings_repr(google_mailbox):
    settings, _, _ = google_mailbox
    assert GOOGLE_CLIENT_SECRET not in repr(settings)


def test_a_microsoft_mailbox_refreshes_through_msal_and_rotates_its_refresh_token(world, oauth_smtp,
                                                                                  identity_provider, outreach_cli):
    world.configure(microsoft_section("smtp", oauth_smtp.host, oauth_smtp.port, identity_provider))
    result = outreach_cli("mailbox", "login", "--server", "smtp")
    assert result.exit_code == 0, result.output
    settings = smtp_settings(world.workspace)
    assert send_one(settings).status == "sent"
    assert oauth_smtp.handler.attempts == [(MAILBOX, True)]
    assert identity_provider.refreshes["microsoft"] == 0  # the token from the sign-in was used as it is
    [first] = [r for r in identity_provider.refresh_tokens]
    identity_provider.access_tokens.clear()  # every access token revoked: the next sign-in must refresh
    assert send_one(settings).status == "sent"
    assert identity_provider.refreshes["microsoft"] == 1
    assert first not in identity_provider.refresh_tokens  # rotated, and the new one was stored
    assert send_one(settings).status == "sent"
    assert identity_provider.refreshes["microsoft"] == 1


def test_a_revoked_microsoft_sign_in_asks_to_sign_in_again(world, oauth_smtp, identity_provider, outreach_cli):
    world.configure(microsoft_section("smtp", oauth_smtp.host, oauth_smtp.port, identity_provider))
    assert outreach_cli("mailbox", "login", "--server", "smtp").exit_code == 0
    for refresh in list(identity_provider.refresh_tokens):
        identity_provider.revoke_refresh(refresh)
    with pytest.raises(TransportUnavailable) as refused:
        send_one(smtp_settings(world.workspace))
    message = str(refused.value)
    assert "Microsoft refused the refresh token (invalid_grant: AADSTS70000" in message
    assert "sign in again: outreach mailbox login --server smtp" in message


def test_a_server_without_xoauth2_is_named_before_any_token_is_sent(world, smtp_server, identity_provider,
                                                                    monkeypatch):
    monkeypatch.setenv("GREENROOM_SMTP_CLIENT_SECRET", GOOGLE_CLIENT_SECRET)
    world.configure(google_section("smtp", smtp_server.host, smtp_server.port, identity_provider))
    with pytest.raises(TransportUnavailable, match="does not offer AUTH XOAUTH2"):
        send_one(smtp_settings(world.workspace))
    assert smtp_server.handler.messages == []
