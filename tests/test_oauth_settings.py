"""`auth = "xoauth2"` in [smtp]/[imap]: checked once with errors naming key and file; the SASL XOAUTH2
string is exactly Google's documented one; the no-AUTH-in-clear rule covers tokens too."""

import pytest

from greenroom.errors import ConfigError
from outreach.campaigns.settings import imap_settings, smtp_settings
from outreach.mail.oauth import XOAuth2Exchange, encoded_initial_response, xoauth2_string

GOOGLE = 'auth = "xoauth2"\nprovider = "google"\nclient_id = "id.apps.googleusercontent.com"\n'


def configure(world, body: str, section: str = "smtp") -> None:
    world.configure(f'\n[{section}]\nhost = "127.0.0.1"\nport = 2525\nsecurity = "none"\n{body}')


def test_the_initial_response_is_googles_documented_example():
    """https://developers.google.com/gmail/imap/xoauth2-protocol, "Initial client response"."""
    token = "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"
    assert xoauth2_string("someuser@example.com", token) == f"user=someuser@example.com\x01auth=Bearer {token}\x01\x01"
    assert encoded_initial_response("someuser@example.com", token) == (
        "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52"
        "YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==")


def test_an_error_challenge_is_answered_with_an_empty_line_and_remembered():
    exchange = XOAuth2Exchange("ana@brand.example", "tok")
    assert exchange(None) == xoauth2_string("ana@brand.example", "tok")
    assert exchange(b'{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}') == ""
    assert exchange.refusal == "status 401, scope https://mail.google.com/"


def test_password_sign_in_stays_the_default(world, monkeypatch):
    monkeypatch.setenv("GREENROOM_SMTP_PASSWORD", "pw")
    configure(world, 'username = "ana@brand.example"\n')
    assert smtp_settings(world.workspace).oauth is None


def test_xoauth2_needs_no_password_and_keeps_the_client_secret_out_of_repr(world, monkeypatch):
    monkeypatch.setenv("GREENROOM_SMTP_CLIENT_SECRET", "shh-secret")
    configure(world, 'username = "ana@brand.example"\n' + GOOGLE)
    settings = smtp_settings(world.workspace)
    assert settings.password is None
    assert settings.oauth.client_secret == "shh-secret"
    assert "shh-secret" not in repr(settings)
    assert settings.oauth.token_path == world.workspace.path("tokens/mailbox-google-ana@brand.example.json")


def test_the_client_secret_can_live_in_the_secrets_file(world):
    world.workspace.secrets_path.write_text('[imap]\nclient_secret = "from-file"\n')
    world.workspace.secrets_path.chmod(0o600)
    configure(world, 'username = "ana@brand.example"\n' + GOOGLE, section="imap")
    assert imap_settings(world.workspace).oauth.client_secret == "from-file"


@pytest.mark.parametrize(("body", "expected"), [
    (GOOGLE, "needs username"),
    ('username = "a@b.example"\nauth = "xoauth2"\nclient_id = "x"\n', "needs provider"),
    ('username = "a@b.example"\nauth = "xoauth2"\nprovider = "google"\n', "needs client_id"),
    ('username = "a@b.example"\n' + GOOGLE, "needs the OAuth client secret: set $GREENROOM_SMTP_CLIENT_SECRET"),
    ('username = "a@b.example"\nauth = "kerberos"\n', "auth"),
    ('username = "a@b.example"\nauth = "xoauth2"\nprovider = "yahoo"\nclient_id = "x"\n', "provider"),
    ('username = "a@b.example"\nauth = "xoauth2"\nprovider = "microsoft"\nclient_id = "x"\n'
     'authority = "http://login.example/t"\n', "authority must be an https:// URL"),
])
def test_an_incomplete_xoauth2_section_is_refused_naming_the_key(world, body, expected):
    configure(world, body)
    with pytest.raises(ConfigError, match="greenroom.toml") as refused:
        smtp_settings(world.workspace)
    assert expected in str(refused.value)


def test_a_microsoft_mailbox_needs_no_client_secret(world):
    configure(world, 'username = "ana@brand.example"\nauth = "xoauth2"\nprovider = "microsoft"\n'
                     'client_id = "00000000-0000"\ntenant = "contoso.example"\n')
    oauth = smtp_settings(world.workspace).oauth
    assert oauth.client_secret is None
    assert oauth.microsoft_authority == "https://login.microsoftonline.com/contoso.example"


def test_a_token_is_not_sent_in_clear_to_a_remote_server(world, monkeypatch):
    monkeypatch.setenv("GREENROOM_SMTP_CLIENT_SECRET", "s")
    world.configure('\n[smtp]\nhost = "smtp.gmail.com"\nport = 25\nsecurity = "none"\n'
                    'username = "ana@brand.example"\n' + GOOGLE)
    with pytest.raises(ConfigError, match="allow_plaintext_auth"):
        smtp_settings(world.workspace)
