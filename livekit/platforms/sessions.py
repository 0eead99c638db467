"""Build the platform sessions a workspace is configured for, wired to one show's question intake."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from greenroom.workspace import Workspace
from livekit.core.clock import Clock
from livekit.platforms.base import PlatformSession
from livekit.platforms.settings import TwitchSettings, YouTubeSettings, intake_rules
from livekit.platforms.twitch import TwitchSession
from livekit.platforms.youtube import YouTubeSession
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
    ConfigError (file and key named) here, before the show starts; platform outages never raise later."""
    sessions: list[PlatformSession] = []
    config = workspace.config
    if config.section("twitch"):
        sessions.append(
            TwitchSession(TwitchSettings.from_workspace(workspace), intake, clock=clock, on_status=on_status)
        )
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
