"""`livekit auth`: authorise Greenroom on Twitch and YouTube (tokens kept in WORKSPACE/tokens/, mode 0600)."""

from __future__ import annotations

import click

from greenroom.cli import get_workspace


@click.group("auth")
def auth() -> None:
    """Authorise Greenroom on Twitch and YouTube.

    Tokens are stored in WORKSPACE/tokens/ (readable only by you), refreshed automatically during shows
    and never printed or logged. Run again at any time to replace them.
    """


@auth.command("twitch")
@click.option(
    "--account",
    type=click.Choice(["broadcaster", "bot"]),
    default="broadcaster",
    show_default=True,
    help="Which account to authorise: the channel ([twitch] broadcaster) or the chat bot ([twitch] bot). "
    "When both settings name the same account, one login covers both.",
)
@click.option(
    "--follows/--no-follows",
    default=True,
    show_default=True,
    help="Also ask the bot account for the optional moderator:read:followers scope (each new follower counted "
    "in the minute they followed, via channel.follow). Without it new followers are the change of the follower "
    "total, read once a minute.",
)
@click.pass_context
def twitch(ctx: click.Context, account: str, follows: bool) -> None:
    """Log in to Twitch with the device code flow (works over SSH: no browser needed on this machine).

    Needs [twitch] client_id (a public client registered at dev.twitch.tv).

    \b
    Scopes requested:
      broadcaster: channel:manage:broadcast (title, category, stream markers)
      bot: user:read:chat (viewer questions from chat), user:write:chat (chat notices)
      bot, optional: moderator:read:followers (new followers as they follow; needs the bot to be
        the broadcaster or a moderator of the channel; --no-follows leaves it out)

    Nothing is stored unless the login succeeds with the right account and every required scope; a
    token without the optional scope is stored and works (followers are then counted from the total).
    """
    # The platform settings and OAuth flows load only in the auth commands.
    from livekit.platforms.auth import twitch_device_login
    from livekit.platforms.settings import TwitchSettings

    workspace = get_workspace(ctx)
    settings = TwitchSettings.from_workspace(workspace)
    expected = settings.broadcaster if account == "broadcaster" else settings.bot

    def show_code(url: str, code: str) -> None:
        click.echo(f"Log in to twitch.tv as {expected!r}, then open {url}")
        click.echo(f"and enter the code: {code}")
        click.echo("Waiting for you to approve...")

    import asyncio  # the event loop machinery loads only for commands that need it

    granted = asyncio.run(twitch_device_login(settings, account, show_code=show_code, optional=follows))
    click.echo(
        f"Twitch {account} authorised as {granted['login']} (scopes: {', '.join(granted['scopes'])}); "
        f"tokens saved to {settings.tokens_path}"
    )
    if granted["missing_optional"]:
        click.echo(
            f"Without the optional scope {', '.join(granted['missing_optional'])}: new followers are counted from "
            "the follower total once a minute (run `livekit auth twitch"
            + ("" if account == "broadcaster" else " --account bot")
            + "` again to grant it)."
        )


@auth.command("youtube")
@click.option(
    "--no-browser",
    is_flag=True,
    help="Print the authorisation URL instead of opening a browser; open it on this machine (the redirect "
    "goes to a one-shot server on 127.0.0.1).",
)
@click.option(
    "--timeout",
    type=click.IntRange(1, 86_400),
    default=300,
    show_default=True,
    help="Give up after this many seconds without an answer from the browser (an abandoned consent screen).",
)
@click.pass_context
def youtube(ctx: click.Context, no_browser: bool, timeout: int) -> None:
    """Log in to YouTube with Google's installed-app flow (scope: youtube, to manage live broadcasts).

    Needs [youtube] client_secrets: the OAuth client JSON (type "Desktop app") from Google Cloud Console.
    Nothing is stored unless the login succeeds and grants the scope.
    """
    from livekit.platforms.auth import youtube_installed_app_login
    from livekit.platforms.settings import YouTubeSettings

    workspace = get_workspace(ctx)
    settings = YouTubeSettings.from_workspace(workspace)
    scopes = youtube_installed_app_login(settings, open_browser=not no_browser, timeout_s=timeout)
    click.echo(f"YouTube authorised (scopes: {', '.join(scopes)}); credentials saved to {settings.tokens_path}")


@auth.command("status")
@click.pass_context
def status(ctx: click.Context) -> None:
    """Show which accounts are authorised and which scopes are missing, without contacting any platform.

    Also warns about a Twitch token Twitch refused during the last show, and about a Twitch refresh token
    unused for weeks (Twitch expires them after 30 days unused). Exits with status 1 when something needs
    `livekit auth ...` again.
    """
    from greenroom.clock import wall_clock_ms
    from livekit.platforms.auth import (
        TwitchTokenStore,
        check_twitch_tokens,
        optional_twitch_scopes,
        youtube_token_report,
    )
    from livekit.platforms.settings import TwitchSettings, YouTubeSettings

    workspace = get_workspace(ctx)
    problems = 0
    config = workspace.config
    if config.section("twitch"):
        settings = TwitchSettings.from_workspace(workspace)
        store = TwitchTokenStore(settings.tokens_path)
        found = check_twitch_tokens(settings)
        for role in ("broadcaster", "bot"):
            mine = [problem for problem in found if problem.account == role]
            for problem in mine:
                click.echo(f"twitch {role}: {problem.message}; run `{problem.fix}`" + ("" if problem.fatal else " (warning)"))
            problems += sum(problem.fatal for problem in mine)
            if not mine:
                record = store.account(role) or {}
                lacking = [scope for scope in optional_twitch_scopes(role, settings)
                           if scope not in record.get("scopes", [])]
                note = f"; without optional {', '.join(lacking)}: new followers from the total" if lacking else ""
                click.echo(f"twitch {role}: {record.get('login')} (ok{note})")
    else:
        click.echo("twitch: not configured ([twitch] section missing)")
    youtube_settings = YouTubeSettings.from_workspace(workspace)
    if not youtube_settings.enabled:
        click.echo("youtube: disabled ([youtube] enabled = false)")
    else:
        youtube_problems, youtube_warnings = youtube_token_report(youtube_settings, wall_clock_ms())
        problems += len(youtube_problems)
        for message in youtube_problems:
            click.echo(f"youtube: {message}")
        if not youtube_problems:
            click.echo("youtube: authorised (ok)")
        for message in youtube_warnings:
            click.echo(f"youtube: warning: {message}")
    if problems:
        ctx.exit(1)
