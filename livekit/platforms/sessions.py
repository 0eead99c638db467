"""Build the platform sessions a workspace is configured for, wired to one show's question intake."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from greenroom.errors import GreenroomError
from greenroom.workspace import Workspace
from livekit.core.clock import Clock
from livekit.platforms.auth import check_twitch_tokens
from livekit.platforms.base import PlatformSession
from livekit.platforms.settings import TwitchSettings, YouTubeSettings, intake_rules
from livekit.platforms.twitch import TwitchSession
from livekit.platforms.youtube import YouTubeSession
from livekit.platforms.youtube import token_problems as youtube_token_problems
from livekit.questions.intake import QuestionIntake
from livekit.questions.storage import QuestionQueue


def question_intake(queue: QuestionQueue, workspace: Workspace) -> QuestionIntake:
    """The intake for ``queue`` with the workspace's rules (``[twitch] command``, ``[questions]`` limits)."""
    return QuestionIntake(queue, intake_rules(workspace))


def platform_sessions(
    workspace: Workspace,
    intake: QuestionIntake,
    *,
    planned_show_ms: int,
    clock: Clock | None = None,
    on_status: Callable[[dict[str, Any]], None] | None = None,
) -> list[PlatformSession]:
    """Twitch when ``[twitch]`` exists, YouTube when ``[youtube] enabled = true``. Settings errors raise
    ConfigError (file and key named) here, before the show starts; platform outages never raise later.

    A token already known to be dead (missing, refused by the platform, a Twitch refresh token unused for 30
    days, a Google "Testing" app's token older than 7 days) is refused here too, with its fix: finding out
    at go-live, with the host on air, is the worst moment."""
    sessions: list[PlatformSession] = []
    config = workspace.config
    twitch = TwitchSettings.from_workspace(workspace) if config.section("twitch") else None
    dead = [str(problem) for problem in check_twitch_tokens(twitch) if problem.fatal] if twitch else []
    dead += youtube_token_problems(workspace)
    if dead:
        raise GreenroomError("cannot start the platform sessions with a dead token:\n  " + "\n  ".join(dead)
                             + "\n(or run without them: livekit run --no-platforms)")
    if twitch is not None:
        sessions.append(TwitchSession(twitch, intake, clock=clock, on_status=on_status))
    youtube = YouTubeSettings.from_workspace(workspace)
    if youtube.enabled:
        sessions.append(
            YouTubeSession(
                youtube,
                workspace.database_path,
                intake,
                planned_show_ms=planned_show_ms,
                clock=clock,
                on_status=on_status,
            )
        )
    return sessions
