"""The team and status charts on a real log with hundreds of teams: BPI Challenge 2013 (closed
problems) with each person (``org:resource``) as the team, 585 teams. Skipped when the shared
real logs are absent."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pyarrow.compute as pc
import pytest

import flowgap
from flowgap import figures
from flowgap.config import Config
from flowgap.figures.teams import OTHER, OTHER_COLOUR

CONFIG = {
    "input": {
        "xes": {
            "status_attribute": ["concept:name", "lifecycle:transition"],
            "team_attribute": "org:resource",
        }
    }
}


@pytest.fixture(scope="module")
def bpi2013(shared_data: Path):
    config = Config.from_dict(CONFIG)
    result = flowgap.load([shared_data / "BPI_Challenge_2013_closed_problems.xes.gz"], config)
    return flowgap.analyze(result, config)


def test_585_teams_fit_a_chart_of_normal_height(bpi2013) -> None:
    assert bpi2013.teams.num_rows == 585
    scope = figures.team_scope(bpi2013.teams, bpi2013.config.teams.shown)
    fig = figures.wait_by_team(bpi2013.teams, scope)
    names = list(fig.data[0].y)
    assert len(names) == 16 and names[0] == "other (570 teams)"
    assert fig.layout.height < 600
    # the "other" bar holds the wait of the 570 folded teams, nothing lost
    total = pc.sum(bpi2013.teams["wait_s"]).as_py() / 86400
    assert sum(fig.data[0].x) == pytest.approx(total)


def test_a_team_keeps_its_colour_on_two_selections(bpi2013) -> None:
    scope = figures.team_scope(bpi2013.teams, 10)
    keys = bpi2013.items["item"].to_pylist()
    colours = []
    for part in (bpi2013.select(keys[:300]), bpi2013.select(keys[700:1100])):
        lanes = part.select(figures.longest_waiting(part.items, 10))
        fig = figures.item_journeys(lanes.timeline, lanes.items, n=10, teams=scope)
        colours.append({t.name: t.marker.color for t in fig.data if t.type == "bar"})
    for seen in colours:
        for team, colour in seen.items():
            assert colour == (OTHER_COLOUR if team == OTHER else scope.colour(team))
            assert team in {*scope.shown, OTHER, "(no team)"}


def test_statuses_stack_in_workflow_order_each_in_its_own_colour(bpi2013) -> None:
    statuses = figures.status_scope(bpi2013.status_classes, bpi2013.status_map)
    fig = figures.cumulative_flow(bpi2013.daily, statuses)
    names = [t.name for t in fig.data][::-1]  # top of the stack first
    assert names == [s for s in statuses.order if s in names]
    assert statuses.classes[names[-1]] == "done"
    assert len({t.fillcolor for t in fig.data}) == len(fig.data)


def test_weekly_charts_start_in_the_week_of_the_first_delivery(bpi2013) -> None:
    # Items were created from 2006, every one was delivered in 2012: six years of empty
    # weeks put the data in a sliver at the right of the chart.
    delivered = bpi2013.items.column("delivered").to_pandas().dropna()
    first = delivered.min().tz_convert("UTC").date()
    monday = first - timedelta(days=first.weekday())
    assert monday.year == 2012
    for fig in (
        figures.throughput_trend(bpi2013.weekly),
        figures.flow_efficiency_trend(bpi2013.weekly),
    ):
        weeks = [x for trace in fig.data for x in trace.x]
        assert min(weeks) == monday
    bars = figures.throughput_trend(bpi2013.weekly).data[0]
    assert sum(bars.y) == len(delivered)
