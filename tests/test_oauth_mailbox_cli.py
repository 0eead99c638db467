"""`outreach mailbox login` (Microsoft device code here; Google's browser flow in test_oauth_end_to_end)
and `outreach mailbox status`: which mailboxes can sign in, never a token."""

import json
import os
import stat

import pytest

from outreach.campaigns.settings import imap_settings
from outreach.mail.inbox import ImapReader
from tests.fixtures.mail import incoming
from tests.fixtures.oauth import MAILBOX, microsoft_section

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


def test_device_code_login_shows_the_code_and_stores_the_cache_privately(world, identity_provider, outreach_cli):
    world.configure(microsoft_section("smtp", "127.0.0.1", 2525, identity_provider))
    result = outreach_cli("mailbox", "login")
    assert result.exit_code == 0, result.output
    assert "https://microsoft.com/devicelogin" in result.output and "FAKE1234" in result.output
    assert f"{MAILBOX} signed in" in result.output
    path = world.workspace.path(f"tokens/mailbox-microsoft-{MAILBOX}.json")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    stored = json.loads(path.read_text())
    assert (stored["provider"], stored["username"]) == ("microsoft", MAILBOX)
    for token in [*identity_provider.access_tokens, *identity_provider.refresh_tokens]:
        assert token not in result.output


def test_signing_in_as_another_account_is_refused_and_nothing_stored(world, identity_provider, outreach_cli):
    world.configure(microsoft_section("smtp", "127.0.0.1", 2525, identity_provider))
    identity_provider.person = "bob@brand.example"
    result = outreach_cli("mailbox", "login")
    assert result.exit_code != 0
    assert f"you signed in as bob@brand.example, but [smtp] username is {MAILBOX}" in result.output
    assert not world.workspace.path(f"tokens/mailbox-microsoft-{MAILBOX}.json").exists()


def test_login_without_an_xoauth2_section_says_so(world, outreach_cli):
    world.configure('\n[smtp]\nhost = "127.0.0.1"\nport = 2525\nsecurity = "none"\n')
    result = outreach_cli("mailbox", "login")
    assert result.exit_code != 0
    assert 'no [smtp] or [imap] section has auth = "xoauth2"' in result.output


def test_status_names_mailboxes_that_must_sign_in_and_exits_1(world, identity_provider, outreach_cli):
    world.configure(microsoft_section("smtp", "127.0.0.1", 2525, identity_provider))
    result = outreach_cli("mailbox", "status")
    assert result.exit_code == 1
    assert f"[smtp] {MAILBOX} (microsoft): NOT SIGNED IN" in result.output
    assert "run outreach mailbox login --server smtp" in result.output


def test_status_after_login_shows_a_valid_token_but_not_the_token(world, identity_provider, outreach_cli):
    world.configure(microsoft_section("smtp", "127.0.0.1", 2525, identity_provider))
    assert outreach_cli("mailbox", "login").exit_code == 0
    result = outreach_cli("mailbox", "status")
    assert result.exit_code == 0, result.output
    assert f"[smtp] {MAILBOX} (microsoft): signed in, access token valid until" in result.output
    for token in identity_provider.access_tokens:
        assert token not in result.output


def test_status_after_the_sign_in_was_revoked_asks_to_sign_in_again(world, identity_provider, outreach_cli):
    """Revocation shows at the next refresh: here the stored access token has expired, so status refreshes."""
    world.configure(microsoft_section("smtp", "127.0.0.1", 2525, identity_provider))
    assert outreach_cli("mailbox", "login").exit_code == 0
    for refresh in list(identity_provider.refresh_tokens):
        identity_provider.revoke_refresh(refresh)
    path = world.workspace.path(f"tokens/mailbox-microsoft-{MAILBOX}.json")
    data = json.loads(path.read_text())
    cache = json.loads(data["msal_cache"])
    for entry in cache["AccessToken"].values():
        entry["expires_on"] = entry["extended_expires_on"] = "0"
    data["msal_cache"] = json.dumps(cache)
    path.write_text(json.dumps(data))
    result = outreach_cli("mailbox", "status")
    assert result.exit_code == 1
    assert "Microsoft refused the refresh token (invalid_grant: AADSTS70000" in result.output
    assert "sign in again: outreach mailbox login --server smtp" in result.output


def test_a_microsoft_mailbox_reads_imap_with_its_token(world, oauth_imap, identity_provider, outreach_cli):
    world.configure(microsoft_section("imap", oauth_imap.host, oauth_imap.port, identity_provider))
    assert outreach_cli("mailbox", "login", "--server", "imap").exit_code == 0
    oauth_imap.deliver(incoming("Bo Fit <bo@example.org>", "Re: hello"))
    settings = imap_settings(world.workspace)
    reader = ImapReader(settings.host, settings.port, settings.security, settings.username, None,
                        settings.folder, settings.timeout, oauth=settings.oauth)
    _, messages = reader.fetch_new({})
    assert [b"Re: hello" in fetched.raw for fetched in messages] == [True]


def test_a_named_mailbox_signs_in_with_xoauth2_too(world, identity_provider, outreach_cli):
    """Rotation mailboxes (``[mailboxes.NAME.smtp]``) are Gmail/Microsoft 365 accounts as often as the default."""
    section = microsoft_section("mailboxes.kim.smtp", "127.0.0.1", 2525, identity_provider)
    world.configure(f'\n[mailboxes.kim]\naddress = "{MAILBOX}"\n{section}')
    assert outreach_cli("mailbox", "status").exit_code == 1
    login = outreach_cli("mailbox", "login")
    assert login.exit_code == 0, login.output
    result = outreach_cli("mailbox", "status")
    assert result.exit_code == 0, result.output
    assert f"[mailboxes.kim.smtp] {MAILBOX} (microsoft): signed in" in result.output
