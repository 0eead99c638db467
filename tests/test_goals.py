"""Goals: typed values, unknown names and bad values as file:line errors, workspace goals, verdicts."""

import pytest

from greenroom.goals import (
    CAMPAIGN_GOALS,
    SHOW_GOALS,
    Goal,
    GoalError,
    Verdict,
    parse_goal,
    parse_workspace_goals,
    verdict,
)
from livekit.rundown import (
    RundownError,
    parse_rundown_csv,
    parse_rundown_yaml,
    rundown_to_csv,
    rundown_to_yaml,
)

YAML = """\
title: Weekly Q&A
tags: [qa, weekly]
goals:
  peak_viewers: 150
  avg_viewers: 80.5
  retention: 80%
  chat_per_viewer: 0.5
segments:
  - title: Intro
    duration: 1m
"""


def problems_of(text: str, parse=parse_rundown_yaml) -> list[tuple[int | None, str]]:
    with pytest.raises(RundownError) as caught:
        parse(text, "show.yaml")
    return [(problem.line, problem.message) for problem in caught.value.problems]


def test_a_yaml_rundown_carries_typed_goals_and_tags():
    rundown = parse_rundown_yaml(YAML)
    assert rundown.goals == (Goal("peak_viewers", 150), Goal("avg_viewers", 80.5), Goal("retention", 80),
                             Goal("chat_per_viewer", 0.5))
    assert rundown.tags == ("qa", "weekly")


def test_goals_and_tags_survive_yaml_csv_and_the_stored_copy():
    rundown = parse_rundown_yaml(YAML)
    assert parse_rundown_yaml(rundown_to_yaml(rundown)) == rundown
    assert parse_rundown_csv(rundown_to_csv(rundown)) == rundown
    assert type(rundown).from_dict(rundown.to_dict()) == rundown


def test_a_rundown_without_goals_or_tags_keeps_its_content_hash():
    plain = parse_rundown_yaml("title: A\nsegments:\n  - {title: X, duration: 1m}\n")
    assert "goals" not in plain.to_dict() and "tags" not in plain.to_dict()


def test_an_unknown_goal_name_is_reported_on_its_line():
    text = YAML.replace("  avg_viewers: 80.5\n", "  avg_viewer: 80.5\n")
    assert problems_of(text) == [(5, "goals: unknown key 'avg_viewer' (did you mean 'avg_viewers'?)")]


@pytest.mark.parametrize(("line", "message"), [
    ("retention: 80", "goal retention is a percentage: write it with %, e.g. 80% (found '80')"),
    ("retention: 120%", "goal retention must be at most 100%, found '120%'"),
    ("peak_viewers: 12.5", "goal peak_viewers must be a whole number of 0 or more, found '12.5'"),
    ("peak_viewers: 15%", "goal peak_viewers is a whole number of 0 or more, not a percentage (found '15%')"),
    ("questions: -3", "goal questions must be a whole number of 0 or more, found '-3'"),
    ("avg_viewers: lots", "goal avg_viewers must be a number of 0 or more, found 'lots'"),
    ("new_followers: true", "goal new_followers must be a whole number of 0 or more, found 'true'"),
])
def test_a_bad_goal_value_is_reported_on_its_line(line, message):
    text = f"title: A\ngoals:\n  {line}\nsegments:\n  - {{title: X, duration: 1m}}\n"
    assert problems_of(text) == [(3, f"goals: {message}")]


def test_csv_goals_are_name_value_pairs_in_a_setting_line():
    rundown = parse_rundown_csv("# title: A\n# tags: qa\n# goals: questions=20 | retention=75%\ntitle,duration\nX,1m\n")
    assert (rundown.goals, rundown.tags) == ((Goal("questions", 20), Goal("retention", 75)), ("qa",))


def test_csv_goal_problems_name_the_setting_line():
    text = "# title: A\n# goals: question=20 | retention=75 | booked\ntitle,duration\nX,1m\n"
    assert problems_of(text, parse_rundown_csv) == [
        (2, "goals: unknown goal 'question' (did you mean 'questions'?); known goals: peak_viewers, avg_viewers, "
            "questions, new_followers, chat_per_viewer, retention, chat_per_minute"),
        (2, "goals: goal retention is a percentage: write it with %, e.g. 80% (found '75')"),
        (2, "goals: expected name=value, found 'booked'"),
    ]


def test_campaign_goals_use_the_same_model():
    assert parse_goal("reply_rate", "15%", CAMPAIGN_GOALS) == Goal("reply_rate", 15)
    assert parse_goal("booked", 3, CAMPAIGN_GOALS) == Goal("booked", 3)
    with pytest.raises(GoalError, match="unknown goal 'peak_viewers'"):
        parse_goal("peak_viewers", 3, CAMPAIGN_GOALS)


def test_workspace_goals_have_a_period_and_show_and_campaign_targets():
    goals = parse_workspace_goals({"period": "4w", "show": {"peak_viewers": 150, "retention": "70%"},
                                   "campaign": {"reply_rate": "15%"}})
    assert goals.period_days == 28
    assert goals.show == (Goal("peak_viewers", 150), Goal("retention", 70))
    assert goals.campaign_goal("reply_rate") == Goal("reply_rate", 15)


@pytest.mark.parametrize(("table", "message"), [
    ({"period": "soon"}, "[goals] period must be a number of days, weeks or months such as 30d, 4w or 3m, "
                         "found 'soon'"),
    ({"show": {"peak": 1}}, "[goals] show.peak: unknown goal 'peak'"),
    ({"show": {"retention": 70}}, "[goals] show.retention: goal retention is a percentage"),
    ({"shows": {}}, "[goals] unknown key 'shows'"),
    ({"period": "99999999999999999999d"}, "[goals] period must be at most 36,500 days (a century), found "
                                          "'99999999999999999999d'"),
    ({"show": {"peak_viewers": 99999999999999999999999}}, "[goals] show.peak_viewers: goal peak_viewers must be "
                                                          "at most 1,000,000,000,000 (found 99999999999999999999999"),
])
def test_workspace_goal_problems_name_the_key(table, message):
    with pytest.raises(GoalError) as caught:
        parse_workspace_goals(table)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(("name", "actual", "target", "expected"), [
    ("peak_viewers", 150, 150, Verdict.MET),
    ("peak_viewers", 149, 150, Verdict.MISSED),
    ("peak_viewers", 149, None, Verdict.NO_GOAL),
    ("peak_viewers", None, 150, Verdict.NO_DATA),
    ("peak_viewers", 0, 150, Verdict.MISSED),
])
def test_show_verdicts(name, actual, target, expected):
    assert verdict(SHOW_GOALS[name], actual, target) is expected


def test_a_goal_where_less_is_better_is_met_at_or_under_its_target():
    bounce = CAMPAIGN_GOALS["bounce_rate"]
    assert (verdict(bounce, 2, 3), verdict(bounce, 3, 3), verdict(bounce, 4, 3)) == (
        Verdict.MET, Verdict.MET, Verdict.MISSED)
