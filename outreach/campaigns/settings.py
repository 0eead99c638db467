"""The ``[outreach]``, ``[smtp]``, ``[imap]`` and ``[mailboxes.NAME]`` settings, checked once with errors
naming key and file.

Several sending mailboxes: ``[mailboxes.kim]`` names one (``address``, ``name``, ``daily_cap``, optional
``min_gap_minutes``/``jitter_minutes``) with its own ``[mailboxes.kim.smtp]`` and ``[mailboxes.kim.imap]``
tables, read by the same :func:`_server` as ``[smtp]``/``[imap]`` (which stay the default mailbox). Its
passwords come from ``$GREENROOM_MAILBOX_KIM_SMTP_PASSWORD`` or the secrets file's
``[mailboxes.kim.smtp] password``. A mailbox without its own ``smtp`` table sends through ``[smtp]`` (a
shared relay); one without ``imap`` has no Sent copy and its replies are read only if they reach ``[imap]``.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from greenroom.config import Config
from greenroom.errors import ConfigError
from greenroom.secrets import load_secrets_file
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


def _server(
    workspace: Workspace, section: str, default_port: dict[str, int], password_env: str,
    config: Config | None = None,
) -> ServerSettings | None:
    """One ``[smtp]``/``[imap]`` table, or a mailbox's ``[mailboxes.NAME.smtp]``/``...imap`` one: ``section`` is
    the dotted name errors show, ``config`` a view holding that table under it (:func:`_table_view`)."""
    config = config or workspace.config
    kind = section.rpartition(".")[2]
    if section not in config.data:
        return None
    security = config.choice(section, "security", SECURITY, "starttls" if kind == "smtp" else "ssl")
    username = config.get(section, "username", str, "") or None
    password = _secret(workspace, section, "password", password_env)
    oauth = oauth_settings(workspace, section, config, secret=lambda key, env: _secret(workspace, section, key, env))
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
        save_sent=kind == "imap" and config.get(section, "save_sent", bool, host.lower().rstrip(".")
                                                not in FILES_SENT_MAIL_ITSELF),
        sent_folder=(config.get(section, "sent_folder", str, "").strip() or None) if kind == "imap" else None,
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
    return _server(workspace, "smtp", SMTP_PORTS, "GREENROOM_SMTP_PASSWORD")


def imap_settings(workspace: Workspace) -> ServerSettings | None:
    return _server(workspace, "imap", IMAP_PORTS, "GREENROOM_IMAP_PASSWORD")


# ------------------------------------------------------------------------------- sending mailboxes

SMTP_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
IMAP_PORTS = {"none": 143, "starttls": 143, "ssl": 993}
_MAILBOX_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
_MAILBOX_KEYS = ("address", "name", "daily_cap", "min_gap_minutes", "jitter_minutes", "smtp", "imap")
_ADDRESS = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+")


@dataclass(frozen=True)
class MailboxSettings:
    """One named sending mailbox (``[mailboxes.KEY]``); None limits mean "only the campaign's"."""

    key: str
    address: str
    name: str | None
    daily_cap: int | None
    min_gap: timedelta | None
    jitter: timedelta | None
    #: None: sends through ``[smtp]`` (or into outbox/ without one); no Sent copy, replies via ``[imap]``.
    smtp: ServerSettings | None
    imap: ServerSettings | None


def _secret(workspace: Workspace, section: str, key: str, env: str) -> str | None:
    """``$env`` first, then the secrets file's ``[section] key`` (a dotted section is a nested table)."""
    if "." not in section:
        return workspace.secrets.get(section, key, env=env)
    if os.environ.get(env):
        return os.environ[env]
    table: Any = load_secrets_file(workspace.secrets_path)
    for part in section.split("."):
        table = table.get(part, {}) if isinstance(table, dict) else {}
    value = table.get(key) if isinstance(table, dict) else None
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{workspace.secrets_path}: [{section}] {key} must be a string")
    return value


def _table_view(config: Config, section: str, table: dict[str, Any]) -> Config:
    """A Config holding ``table`` as ``[section]``, so the usual typed getters name the dotted section."""
    return Config(config.path, {section: table})


def mailbox_env(key: str, kind: str) -> str:
    """The environment variable holding a mailbox's password: ``GREENROOM_MAILBOX_KIM_SMTP_PASSWORD``."""
    return f"GREENROOM_MAILBOX_{key.upper().replace('-', '_')}_{kind.upper()}_PASSWORD"


def mailbox_settings(workspace: Workspace) -> dict[str, MailboxSettings]:
    """Every ``[mailboxes.KEY]`` by key (in file order); errors name the file and the dotted key."""
    config = workspace.config
    result: dict[str, MailboxSettings] = {}
    seen: dict[str, str] = {}
    for key, table in config.named_tables(
            "mailboxes", _MAILBOX_NAME, "a mailbox name uses lowercase letters, digits, '_' and '-' (it is also "
            "used in environment variable names)", _MAILBOX_KEYS):
        section = f"mailboxes.{key}"
        view = _table_view(config, section, table)
        address = view.get(section, "address", str).strip()
        if not _ADDRESS.fullmatch(address):
            raise ConfigError(f"{config.path}: [{section}] address {address!r} is not an email address")
        if address.lower() in seen:
            raise ConfigError(f"{config.path}: [{section}] address {address} is already mailbox "
                              f"{seen[address.lower()]!r}")
        seen[address.lower()] = key
        display = view.get(section, "name", str, "").strip() or None
        if display and ("\n" in display or "\r" in display):
            raise ConfigError(f"{config.path}: [{section}] name must be on one line")
        cap = view.get(section, "daily_cap", int, 0) or None
        if view.has(section, "daily_cap") and (cap is None or cap < 1):
            raise ConfigError(f"{config.path}: [{section}] daily_cap must be a whole number >= 1")
        minutes = {}
        for setting in ("min_gap_minutes", "jitter_minutes"):
            value = view.get(section, setting, float, -1.0)
            if view.has(section, setting) and value < 0:
                raise ConfigError(f"{config.path}: [{section}] {setting} must be >= 0, got {value:g}")
            minutes[setting] = timedelta(minutes=value) if value >= 0 else None
        servers = {}
        for kind, ports in (("smtp", SMTP_PORTS), ("imap", IMAP_PORTS)):
            sub = f"{section}.{kind}"
            if kind in table and not isinstance(table[kind], dict):
                raise ConfigError(f"{config.path}: [{sub}] must be a table of settings")
            view = _table_view(config, sub, table[kind]) if kind in table else Config(config.path, {})
            servers[kind] = _server(workspace, sub, ports, mailbox_env(key, kind), view)
        result[key] = MailboxSettings(key, address, display, cap, minutes["min_gap_minutes"],
                                      minutes["jitter_minutes"], servers["smtp"], servers["imap"])
    return result
