"""engine/teams_seen.py: which teams an analysis sees, and the warning when they are people."""

from __future__ import annotations

from engine_log import STATUS_TEAMS, build, config

import flowgap


def _log(with_team_field: bool = False):
    changes = [
        (0, "status", "Dev"),
        (0, "assignee", "ann"),
        (2, "status", "Test"),
        (2, "assignee", "quinn"),
        (3, "status", "Done"),
    ]
    if with_team_field:
        changes.insert(1, (0, "team", "Platform"))
    return build({"P": changes})


def _kinds(analysis) -> list[str]:
    return [w.kind for w in analysis.warnings]


def test_teams_that_are_people_are_said_to_be():
    """helpdesk, BPI Challenge 2012, the running example: no team field, map or group, so
    every assignee (org:resource) was a team, and the reports named people as teams without
    saying so ("Value 1 and Value 2 as one team")."""
    a = flowgap.analyze(_log(), config(5))
    assert {s["team"] for s in a.stints.to_pylist()} == {"ann", "quinn"}
    (warning,) = [w for w in a.warnings if w.kind == "teams_are_people"]
    assert "each person (the assignee; org:resource in XES) counts as a team" in warning.message
    assert "[input.xes] team_attribute" in warning.message


def test_no_such_warning_where_a_team_source_gives_teams():
    assert "teams_are_people" not in _kinds(flowgap.analyze(_log(True), config(5)))
    mapped = config(5, teams={"status_map": STATUS_TEAMS})
    assert "teams_are_people" not in _kinds(flowgap.analyze(_log(), mapped))
    people = config(5, teams={"assignee_map": {"ann": "Dev", "quinn": "QA"}})
    assert "teams_are_people" not in _kinds(flowgap.analyze(_log(), people))
    # a source list without the assignee has no people as teams
    no_people = config(5, teams={"source": ["field", "status"]})
    assert "teams_are_people" not in _kinds(flowgap.analyze(_log(), no_people))


def test_people_an_assignee_map_leaves_out_are_said_to_be_teams_of_one():
    """2 of helpdesk's 22 people mapped left 20 ranked and proposed for merging as teams,
    and the warning went silent."""
    a = flowgap.analyze(_log(), config(5, teams={"assignee_map": {"ann": "Dev"}}))
    (warning,) = [w for w in a.warnings if w.kind == "teams_are_people"]
    assert warning.message.startswith(
        "1 of 2 people are not in [teams] assignee_map ('quinn'): each of them counts as a"
        " team of one"
    )
