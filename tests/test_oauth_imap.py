"""IMAP AUTHENTICATE XOAUTH2 against a real Dovecot whose oauth2 passdb asks the identity provider about
each bearer token: replies are read and Sent copies filed with a token, never a password."""

from datetime import UTC, datetime, timedelta

import pytest

from outreach.campaigns.settings import imap_settings
from outreach.mail.inbox import ImapReader, InboxError
from outreach.mail.sent_folder import SentCopy, SentFolder
from tests.fixtures.mail import incoming
from tests.fixtures.oauth import GOOGLE_CLIENT_SECRET, MAILBOX, google_section, store_google_tokens


def _in(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def signed_in(world, oauth_imap, identity_provider, monkeypatch):
    """``[imap] auth = "xoauth2"`` (Gmail-style) on the OAuth2 Dovecot, with a valid access token stored."""
    monkeypatch.setenv("GREENROOM_IMAP_CLIENT_SECRET", GOOGLE_CLIENT_SECRET)
    world.configure(google_section("imap", oauth_imap.host, oauth_imap.port, identity_provider))
    settings = imap_settings(world.workspace)
    refresh = identity_provider.grant("google")
    access = identity_provider.issue_access(refresh)
    store_google_tokens(settings.oauth.token_path, refresh, access, _in(minutes=50))
    return settings, refresh, access


def reader(settings) -> ImapReader:
    return ImapReader(settings.host, settings.port, settings.security, settings.username, settings.password,
                      settings.folder, settings.timeout, oauth=settings.oauth)


def read_all(settings) -> list[bytes]:
    _, messages = reader(settings).fetch_new({})
    return [fetched.raw for fetched in messages]


def test_the_inbox_is_read_with_a_bearer_token(signed_in, oauth_imap, identity_provider):
    settings, _, _ = signed_in
    oauth_imap.deliver(incoming("Bo Fit <bo@example.org>", "Re: hello"))
    [raw] = read_all(settings)
    assert b"Subject: Re: hello" in raw
    assert identity_provider.refreshes["google"] == 0


def test_a_token_dovecot_refuses_is_refreshed_once_and_tried_again(signed_in, oauth_imap, identity_provider):
    settings, _, access = signed_in
    identity_provider.revoke_access(access)
    oauth_imap.deliver(incoming("Bo Fit <bo@example.org>", "Re: hello"))
    assert len(read_all(settings)) == 1
    assert identity_provider.refreshes["google"] == 1


def test_a_revoked_sign_in_names_the_mailbox_and_the_command(signed_in, identity_provider):
    settings, refresh, access = signed_in
    identity_provider.revoke_refresh(refresh)
    with pytest.raises(InboxError) as refused:
        read_all(settings)
    message = str(refused.value)
    assert f"mailbox {MAILBOX}" in message and "invalid_grant" in message
    assert "sign in again: outreach mailbox login --server imap" in message
    assert refresh not in message and access not in message


def test_a_token_for_another_account_is_refused_after_one_refresh_without_showing_it(world, oauth_imap,
                                                                                     identity_provider, monkeypatch):
    monkeypatch.setenv("GREENROOM_IMAP_CLIENT_SECRET", GOOGLE_CLIENT_SECRET)
    world.configure(google_section("imap", oauth_imap.host, oauth_imap.port, identity_provider))
    settings = imap_settings(world.workspace)
    refresh = identity_provider.grant("google", "someone-else@brand.example")
    access = identity_provider.issue_access(refresh)
    store_google_tokens(settings.oauth.token_path, refresh, access, _in(minutes=50))
    with pytest.raises(InboxError) as refused:
        read_all(settings)
    message = str(refused.value)
    assert "refused the OAuth2 access token, also right after a refresh" in message
    assert "AUTHENTICATIONFAILED" in message and "status 401" in message
    assert access not in message
    assert identity_provider.refreshes["google"] == 1


def test_a_sent_copy_is_appended_with_a_bearer_token(signed_in, oauth_imap):
    settings, _, _ = signed_in
    raw = b"From: ana@brand.example\r\nTo: bo@example.org\r\nSubject: hi\r\nMessage-ID: <s1@brand.example>\r\n\r\nHi\r\n"
    results = SentFolder(reader(settings)).append([SentCopy(1, raw, datetime.now(UTC))])
    assert results == {1: None}
    [filed] = oauth_imap.sent_messages()
    assert b"Message-ID: <s1@brand.example>" in filed


def test_a_server_without_xoauth2_is_named(world, imap_server, identity_provider, monkeypatch):
    monkeypatch.setenv("GREENROOM_IMAP_CLIENT_SECRET", GOOGLE_CLIENT_SECRET)
    world.configure(google_section("imap", imap_server.host, imap_server.port, identity_provider))
    settings = imap_settings(world.workspace)
    refresh = identity_provider.grant("google")
    store_google_tokens(settings.oauth.token_path, refresh, identity_provider.issue_access(refresh), _in(minutes=50))
    with pytest.raises(InboxError, match="does not offer AUTHENTICATE XOAUTH2"):
        read_all(settings)
