"""`outreach mailbox login` and `outreach mailbox status`: OAuth2 sign-in for Gmail and Microsoft 365
mailboxes (``[smtp]``/``[imap] auth = "xoauth2"``, see :mod:`outreach.mail.oauth`)."""

from __future__ import annotations

from typing import Any

import click

from greenroom.cli import get_workspace
from greenroom.errors import ConfigError
from greenroom.workspace import Workspace

SECTIONS = ("smtp", "imap")


def _servers(workspace: Workspace, only: str | None) -> list[tuple[str, Any]]:
    """(section, ServerSettings) of the configured ``[smtp]``/``[imap]`` sections and of every named
    mailbox's ``[mailboxes.NAME.smtp|imap]``; ``only`` keeps one kind (smtp or imap)."""
    from outreach.campaigns.settings import imap_settings, mailbox_settings, smtp_settings

    found = []
    for section, read in (("smtp", smtp_settings), ("imap", imap_settings)):
        if only in (None, section):
            server = read(workspace)
            if server is not None:
                found.append((section, server))
    for key, mailbox in mailbox_settings(workspace).items():
        for kind, server in (("smtp", mailbox.smtp), ("imap", mailbox.imap)):
            if server is not None and only in (None, kind):
                found.append((f"mailboxes.{key}.{kind}", server))
    return found


@click.group("mailbox")
def mailbox() -> None:
    """Sign in to Gmail and Microsoft 365 mailboxes with OAuth2 (auth = "xoauth2")."""


@mailbox.command("login")
@click.option("--server", "only", type=click.Choice(SECTIONS),
              help="Sign in for this kind of section only (default: every [smtp]/[imap] and [mailboxes.NAME.smtp|imap] "
                   "section with auth = \"xoauth2\").")
@click.option("--no-browser", is_flag=True,
              help="Google: print the consent URL instead of opening a browser (open it on this machine: the "
                   "redirect goes to a one-shot server on 127.0.0.1).")
@click.option("--timeout", type=click.IntRange(1, 86_400), default=300, show_default=True,
              help="Google: give up after this many seconds without an answer from the browser.")
@click.pass_context
def login(ctx: click.Context, only: str | None, no_browser: bool, timeout: int) -> None:
    """Get a refresh token for the mailbox: Google's consent screen in a browser, or Microsoft's device-code
    page (open the link on any device and type the code shown). The SMTP and IMAP sections of one mailbox
    share one sign-in. Tokens go to WORKSPACE/tokens/ (mode 0600) and are never printed."""
    from outreach.mail.oauth import google_login, microsoft_login

    workspace = get_workspace(ctx)
    done: set[object] = set()
    for section, server in _servers(workspace, only):
        oauth = server.oauth
        if oauth is None or oauth.token_path in done:
            continue
        click.echo(f"Signing in to {server.username} ({oauth.provider}) for [{section}]...")
        if oauth.provider == "google":
            google_login(oauth, server.username, open_browser=not no_browser, timeout_s=timeout,
                         prompt="Open this URL in your browser and sign in as " + server.username + ":\n{url}")
        else:
            microsoft_login(oauth, server.username, lambda line: click.echo(line))
        done.add(oauth.token_path)
        click.echo(f"{server.username} signed in; tokens saved to {oauth.token_path}")
    if not done:
        which = f"[{only}]" if only else "[smtp] or [imap]"
        raise ConfigError(f"{workspace.config_path}: no {which} section has auth = \"xoauth2\": "
                          "nothing to sign in to (see README, Gmail and Microsoft 365)")


@mailbox.command("status")
@click.pass_context
def status(ctx: click.Context) -> None:
    """Which mailboxes can sign in: for each auth = "xoauth2" section, asks the provider for a valid access
    token (refreshing it if needed) and says until when it is valid, or what to run. Never shows a token.
    Exits with status 1 when a mailbox must sign in again."""
    from outreach.mail.oauth import MailboxAuthError, MailboxTokens

    workspace = get_workspace(ctx)
    servers = _servers(workspace, None)
    if not servers:
        click.echo("no [smtp] or [imap] section: nothing signs in")
        return
    failing = False
    for section, server in servers:
        if server.oauth is None:
            click.echo(f"[{section}] {server.username or '(no username)'} at {server.host}: password sign-in")
            continue
        try:
            token = MailboxTokens(server.oauth, server.username).access_token()
        except MailboxAuthError as error:
            failing = True
            click.echo(f"[{section}] {server.username} ({server.oauth.provider}): NOT SIGNED IN: {error}")
            continue
        until = f" until {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else ""
        click.echo(f"[{section}] {server.username} ({server.oauth.provider}): signed in, access token valid{until}")
    if failing:
        ctx.exit(1)
