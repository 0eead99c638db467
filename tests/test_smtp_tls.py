"""STARTTLS and login against a real TLS-only aiosmtpd, the password coming from the environment."""

import os
import ssl
import subprocess
import sys

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from tests.fixtures.mail import RecordingHandler
from tests.helpers import free_port

#: The module's own TLS-only aiosmtpd (and openssl for its certificate), not the session's smtp_server.
pytestmark = pytest.mark.smtp

USER, PASSWORD = "ana@brand.example", "s3cret-smtp-password"


@pytest.fixture(scope="module")
def tls_smtp(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler = RecordingHandler()

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself

    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), tls_context=context,
                            require_starttls=True, auth_required=True, authenticator=authenticate,
                            auth_exclude_mechanism=["LOGIN"])
    controller.start()
    yield controller.port, handler, cert
    controller.stop()


@pytest.mark.subprocess
def test_starttls_login_with_password_from_environment_delivers(world, tls_smtp):
    port, handler, cert = tls_smtp
    handler.reset()
    world.configure(f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "starttls"\nusername = "{USER}"\n')
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    done = subprocess.run(
        [sys.executable, "-c", "from outreach.cli import main; main()", "--workspace", str(world.workspace.root),
         "--verbose", "send", "--once"],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "GREENROOM_SMTP_PASSWORD": PASSWORD, "SSL_CERT_FILE": str(cert)},
    )
    assert done.returncode == 0, done.stderr
    assert len(handler.to("bo@example.org")) == 1
    assert PASSWORD not in done.stdout + done.stderr


@pytest.mark.subprocess
def test_wrong_password_is_one_clear_line_and_nothing_is_lost(world, tls_smtp):
    port, handler, cert = tls_smtp
    handler.reset()
    world.configure(f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "starttls"\nusername = "{USER}"\n'
                    "timeout = 5\n")
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    done = subprocess.run(
        [sys.executable, "-c", "from outreach.cli import main; main()", "--workspace", str(world.workspace.root),
         "send", "--once"],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "GREENROOM_SMTP_PASSWORD": "wrong", "SSL_CERT_FILE": str(cert)},
    )
    assert done.returncode == 3
    assert f"SMTP login as {USER} at 127.0.0.1:{port} refused: 535" in done.stdout
    assert "Traceback" not in done.stderr
    assert world.outbox()[0]["state"] == "queued"


@pytest.mark.subprocess
def test_username_without_any_password_is_a_config_error_naming_both_sources(world, tls_smtp, monkeypatch):
    port, _, _ = tls_smtp
    monkeypatch.delenv("GREENROOM_SMTP_PASSWORD", raising=False)
    world.configure(f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "starttls"\nusername = "{USER}"\n')
    from greenroom.errors import ConfigError
    from outreach.campaigns.settings import smtp_settings

    with pytest.raises(ConfigError, match=r"\[smtp\] username is set but no password: set \$GREENROOM_SMTP_PASSWORD"):
        smtp_settings(world.workspace)


def _send_once(world, env):
    return subprocess.run(
        [sys.executable, "-c", "from outreach.cli import main; main()", "--workspace", str(world.workspace.root),
         "send", "--once"],
        capture_output=True, text=True, timeout=60, env=env,
    )


@pytest.mark.subprocess
def test_ca_file_trusts_a_self_signed_server_without_touching_the_system_store(world, tls_smtp):
    port, handler, cert = tls_smtp
    handler.reset()
    world.configure(f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "starttls"\nusername = "{USER}"\n'
                    f'ca_file = "{cert}"\n')
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    env = {k: v for k, v in os.environ.items() if k != "SSL_CERT_FILE"}
    done = _send_once(world, {**env, "GREENROOM_SMTP_PASSWORD": PASSWORD})
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(handler.to("bo@example.org")) == 1


@pytest.mark.subprocess
def test_an_untrusted_certificate_is_refused_and_nothing_is_lost(world, tls_smtp):
    port, handler, _ = tls_smtp
    handler.reset()
    world.configure(f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "starttls"\nusername = "{USER}"\n')
    world.add_person("Bo Fit", "bo@example.org")
    world.start()
    env = {k: v for k, v in os.environ.items() if k != "SSL_CERT_FILE"}
    done = _send_once(world, {**env, "GREENROOM_SMTP_PASSWORD": PASSWORD})
    assert done.returncode == 3
    assert "CERTIFICATE_VERIFY_FAILED" in done.stdout
    assert '[smtp] ca_file = "/path/to/ca.pem"' in done.stdout
    assert handler.to("bo@example.org") == []
    assert world.outbox()[0]["state"] == "queued"


def test_a_missing_ca_file_is_a_config_error_naming_key_and_file(world):
    world.configure('\n[smtp]\nhost = "127.0.0.1"\nsecurity = "starttls"\nca_file = "no-such-ca.pem"\n')
    from greenroom.errors import ConfigError
    from outreach.campaigns.settings import smtp_settings

    with pytest.raises(ConfigError, match=r"greenroom.toml: \[smtp\] ca_file .*ws/no-such-ca.pem does not exist"):
        smtp_settings(world.workspace)


def test_the_generated_config_documents_ca_file_and_plaintext_auth(tmp_path):
    from greenroom.workspace import Workspace

    Workspace.locate(tmp_path / "fresh").init()
    text = (tmp_path / "fresh" / "greenroom.toml").read_text()
    assert "# ca_file = " in text and "# allow_plaintext_auth = false" in text
