"""What the after-show report reads besides the show itself: its audience samples, the workspace's show
goals, and the earlier shows a baseline is made of (with their metrics, computed from their own samples).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import sqlite_utils

from greenroom.config import Config
from greenroom.errors import ConfigError
from greenroom.goals import Goal, GoalError, parse_workspace_goals
from livekit.core.audience import AudienceSample
from livekit.core.baseline import Baseline, BaselineChoice, PastShow, baselines, chosen_shows
from livekit.core.segment_audience import show_audience
from livekit.storage.audience import samples


def audience_samples(db: sqlite_utils.Database, show_id: int) -> list[AudienceSample]:
    """The show's samples, oldest first (:mod:`livekit.storage.audience` owns the table)."""
    return sorted(samples(db, show_id), key=lambda sample: (sample.at_ms, sample.platform, sample.metric))


def workspace_show_goals(config: Config) -> tuple[Goal, ...]:
    """``[goals] show.NAME`` targets from greenroom.toml; a bad entry is a :class:`ConfigError` naming it."""
    try:
        return parse_workspace_goals(config.section("goals")).show
    except GoalError as error:
        raise ConfigError(f"{config.path}: {error}") from None


def _past_shows(db: sqlite_utils.Database) -> list[PastShow]:
    shows = []
    for show_id, title, rundown_json, started_ms, rehearsal in db.execute(
            "SELECT id, title, rundown_json, started_ms, rehearsal FROM shows").fetchall():
        tags = tuple(json.loads(rundown_json).get("tags") or ())
        shows.append(PastShow(show_id, title, tags, started_ms, bool(rehearsal)))
    return shows


def show_metrics(db: sqlite_utils.Database, show_id: int) -> Mapping[str, float | None]:
    """A stored show's metrics (goal names) from its own samples, over its start to end."""
    row = db.execute("SELECT started_ms, ended_ms FROM shows WHERE id = ?", [show_id]).fetchone()
    if row is None or row[0] is None:
        return {}
    return show_audience(audience_samples(db, show_id), started_ms=row[0], ended_ms=row[1], segments=()).metrics


def show_baselines(db: sqlite_utils.Database, show_id: int, choice: BaselineChoice,
                   names: Sequence[str]) -> dict[str, Baseline]:
    """Per metric, the baseline of ``show_id`` as ``choice`` says (:mod:`livekit.core.baseline`)."""
    shows = _past_shows(db)
    current = next(show for show in shows if show.show_id == show_id)
    chosen = chosen_shows(choice, current, shows)
    return baselines(names, chosen, {show.show_id: show_metrics(db, show.show_id) for show in chosen})
