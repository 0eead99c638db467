"""The ``[outreach]``, ``[smtp]`` and ``[imap]`` settings, checked once with errors naming key and file."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from greenroom.errors import ConfigError
from greenroom.workspace import Workspace
from outreach.campaigns.unsubscribe import unsubscribe_key
from outreach.mail.oauth import OAuthSettings, oauth_settings

SECURITY = ("none", "starttls", "ssl")
#: IMAP hosts of providers that put a copy of every email sent through their SMTP in Sent themselves: a
#: second copy would show each email twice ([imap] save_sent = true still asks for it).
FILES_SENT_MAIL_ITSELF = ("imap.gmail.com", "outlook.office365.com", "imap-mail.outlook.com")


@dataclass(frozen=True)
class OutreachSettings:
    physical_address: str
    unsubscribe_url: str | None
    #: Signs the one-click links; set whenever ``unsubscribe_url`` is (never shown in ``repr``).
    unsubscribe_key: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class ServerSettings:
    """One mail server; the password never appears in ``repr`` (it could end up in a log)."""

    host: str
    port: int
    security: str
    username: str | None
    password: str | None = field(repr=False)
    timeout: float = 30.0
    folder: str = "INBOX"
    #: PEM file of the CA(s) to trust instead of the system's (a private CA or a self-signed server);
    #: None trusts the system's CAs (and ``SSL_CERT_FILE``). Relative paths start at the config file.
    ca_file: Path | None = None
    #: ``security = "none"`` with a password: sending it in clear to a non-loopback host was asked for.
    allow_plaintext_auth: bool = False
    #: [imap] only: copy each delivered email into the Sent folder (off by default for providers whose SMTP
    #: already files one: Gmail, Microsoft 365), and the folder to use when none is flagged ``\Sent``.
    save_sent: bool = False
    sent_folder: str | None = None
    #: ``auth = "xoauth2"``: sign in with an OAuth2 access token (Gmail, Microsoft 365) instead of a password.
    oauth: OAuthSettings | None = None


def outreach_settings(workspace: Workspace) -> OutreachSettings:
    """The legal footer needs a postal address: sending without one is refused, naming key and file."""
    config = workspace.config
    if not config.has("outreach", "physical_address"):
        raise ConfigError(
            f"{config.path}: missing setting [outreach] physical_address "
            "(your postal address; required in every email by CAN-SPAM)"
        )
    address = config.get("outreach", "physical_address", str).strip()
    if not address:
        raise ConfigError(f"{config.path}: [outreach] physical_address is empty")
    if "\n" in address or "\r" in address:
        raise ConfigError(f"{config.path}: [outreach] physical_address must be on one line")
    url = config.get("outreach", "unsubscribe_url", str, "").strip() or None
    if url and not url.startswith("https://"):
        raise ConfigError(f"{config.path}: [outreach] unsubscribe_url must start with https:// (RFC 8058)")
    return OutreachSettings(address, url, unsubscribe_key(workspace) if url else None)


def _server(workspace: Workspace, section: str, default_port: dict[str, int], password_env: str) -> ServerSettings | None:
    config = workspace.config
    if section not in config.data:
        return None
    security = config.choice(section, "security", SECURITY, "starttls" if section == "smtp" else "ssl")
    username = config.get(section, "username", str, "") or None
    password = workspace.secrets.get(section, "password", env=password_env)
    oauth = oauth_settings(workspace, section)
    if username and not password and oauth is None:
        raise ConfigError(
            f"{config.path}: [{section}] username is set but no password: set ${password_env} "
            f"or [{section}] password in {workspace.secrets_path}"
        )
    port = config.get(section, "port", int, default_port[security])
    if not 0 < port < 65536:
        raise ConfigError(f"{config.path}: [{section}] port must be 1-65535, got {port}")
    host = config.get(section, "host", str)
    allow_plaintext = config.get(section, "allow_plaintext_auth", bool, False)
    if security == "none" and username and not allow_plaintext and not is_loopback(host):
        raise ConfigError(
            f"{config.path}: [{section}] security = \"none\" would send the password for {username} in clear "
            f"to {host}: use security = \"starttls\" or \"ssl\", or set [{section}] allow_plaintext_auth = true "
            "if this network is trusted"
        )
    ca_file = None
    if config.has(section, "ca_file"):
        ca_file = (config.path.parent / config.get(section, "ca_file", str)).resolve()
        if not ca_file.is_file():
            raise ConfigError(f"{config.path}: [{section}] ca_file {ca_file} does not exist")
    return ServerSettings(
        host=host,
        port=port,
        security=security,
        username=username,
        password=password,
        timeout=config.get(section, "timeout", float, 30.0),
        folder=config.get(section, "folder", str, "INBOX"),
        ca_file=ca_file,
        allow_plaintext_auth=allow_plaintext,
        save_sent=section == "imap" and config.get(section, "save_sent", bool, host.lower().rstrip(".")
                                                   not in FILES_SENT_MAIL_ITSELF),
        sent_folder=(config.get(section, "sent_folder", str, "").strip() or None) if section == "imap" else None,
        oauth=oauth,
    )


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address: a password sent there in clear never leaves the machine."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def smtp_settings(workspace: Workspace) -> ServerSettings | None:
    """None when there is no ``[smtp]`` section: emails are then written to ``outbox/`` as .eml files."""
    return _server(workspace, "smtp", {"none": 25, "starttls": 587, "ssl": 465}, "GREENROOM_SMTP_PASSWORD")


def imap_settings(workspace: Workspace) -> ServerSettings | None:
    return _server(workspace, "imap", {"none": 143, "starttls": 143, "ssl": 993}, "GREENROOM_IMAP_PASSWORD")
