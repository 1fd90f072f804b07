"""Charts that stay readable on real data (issue 15) and one colour per team (issue 14), on
the pages as drawn (no browser): the teams shown and their colours come from the unfiltered
analysis, statuses follow the workflow, grids page, item keys match ignoring case."""

from __future__ import annotations

import itertools
import math
import re
from pathlib import Path

import pyarrow as pa
import pytest
from layout_walk import walk

import flowgap
from flowgap import figures
from flowgap.config import Config
from flowgap.dashboard import chart_scope
from flowgap.dashboard.components import GRID_ROWS, grid_options, table_grid
from flowgap.dashboard.data import Dataset, View
from flowgap.dashboard.filters import Filters
from flowgap.dashboard.pages import bottlenecks, flow, journey
from flowgap.figures import OTHER, team_scope
from flowgap.figures.teams import OTHER_COLOUR
from flowgap.report import tables
from flowgap.sample import generate


def _figure(page, name: str):
    return next(
        n.figure
        for n in walk(page)
        if isinstance(getattr(n, "id", None), dict) and n.id.get("name") == name
    )


@pytest.fixture(scope="module")
def sample():
    return generate(items=150, seed=7)


@pytest.fixture(scope="module")
def full(sample):
    return flowgap.analyze(sample.result, sample.config)


def _view(sample, full, keys: list[str] | None = None, config: Config | None = None) -> View:
    analysis = full if keys is None else full.select(keys)
    return View(
        sid=None,
        config=config or sample.config,
        filters=Filters(),
        dataset=Dataset("k", "sample", [Path("x")], demo=False),
        result=sample.result,
        full=full,
        analysis=analysis,
    )


def _bar_colours(fig) -> dict[str, str]:
    """team -> colour of the square before its name in wait_by_team."""
    found = {}
    for text in fig.layout.yaxis.ticktext:
        colour, name = re.fullmatch(r"<span style='color:(.+)'>■</span> (.+)", text).groups()
        found[name] = colour
    return found


def _lane_colours(fig) -> dict[str, str]:
    return {t.name: t.marker.color for t in fig.data if t.type == "bar"}


def test_a_team_has_one_colour_on_every_selection_and_page(sample, full):
    keys = full.items["item"].to_pylist()
    first, second = _view(sample, full, keys[:40]), _view(sample, full, keys[60:140])
    search = "?teams=3"
    bars = [
        _bar_colours(_figure(bottlenecks.layout(v, search), "wait-by-team"))
        for v in (first, second)
    ]
    scope = chart_scope.teams_of(first, search)
    assert len(scope.shown) == 3
    for colours in bars:
        for team, colour in colours.items():
            assert colour == (OTHER_COLOUR if team.startswith(OTHER) else scope.colour(team))
    shared = set(bars[0]) & set(bars[1])
    assert shared and all(bars[0][t] == bars[1][t] for t in shared)
    # The journey page draws the same teams in the same colours.
    item = keys[70]
    lanes = _lane_colours(
        _figure(journey.layout(second, f"?item={item}&teams=3"), "journey-swimlane")
    )
    assert lanes
    for team, colour in lanes.items():
        if team in scope.shown:
            assert colour == bars[1].get(team, scope.colour(team))
        elif team == OTHER:
            assert colour == OTHER_COLOUR


def test_the_busiest_teams_of_the_whole_analysis_stay_shown_under_any_filter(sample, full):
    scope = team_scope(full.teams, 2)
    teams = full.teams.to_pylist()
    ranked = sorted(teams, key=lambda r: (-r["items"], r["team"]))
    assert scope.shown == [r["team"] for r in ranked[:2]]
    # A selection where the second busiest team is busier than the first changes nothing.
    narrow = _view(sample, full, full.items["item"].to_pylist()[:10])
    assert chart_scope.teams_of(narrow, "?teams=2").shown == scope.shown


def test_other_sums_the_folded_teams_at_the_bottom(sample, full):
    fig = _figure(bottlenecks.layout(_view(sample, full), "?teams=2"), "wait-by-team")
    wait = fig.data[0]
    names = list(wait.y)
    assert names[0].startswith(f"{OTHER} (") and len(names) == 3  # plotly's bottom is first
    folded = [r for r in full.teams.to_pylist() if r["team"] not in team_scope(full.teams, 2).shown]
    assert wait.x[0] == pytest.approx(sum(r["wait_s"] for r in folded) / 86400)
    assert names[0] == f"{OTHER} ({len(folded)} teams)"


def test_teams_shown_travel_in_the_url_and_fall_back_to_the_config():
    config = Config.from_dict({"teams": {"shown": 7}})
    assert chart_scope.shown_teams("", config) == 7
    assert chart_scope.shown_teams("?teams=4&type=Bug", config) == 4
    assert chart_scope.shown_teams("?teams=999", config) == 40
    assert chart_scope.shown_teams("?teams=lots", config) == 7
    assert chart_scope.kept("?type=Bug&teams=4&item=A-1") == {"teams": "4"}
    assert chart_scope.with_teams("?type=Bug", 5) == "?type=Bug&teams=5"
    assert chart_scope.with_teams("?type=Bug&teams=5", None) == "?type=Bug"
    with pytest.raises(Exception, match=r"teams\.shown"):
        Config.from_dict({"teams": {"shown": 0}})


def test_a_log_without_teams_says_so_on_the_team_panels(sample):
    config = Config.from_dict({**sample.config.to_toml_dict(), "teams": {"source": ["status"]}})
    full = flowgap.analyze(sample.result, config)
    assert full.teams.num_rows == 0
    page = bottlenecks.layout(_view(sample, full, config=config), "")
    notes = [n for n in walk(page) if getattr(n, "id", None) == "no-teams"]
    assert notes and "names no team" in notes[0].children
    fig = _figure(page, "wait-by-team")
    assert "No team is named" in fig.layout.annotations[0].text
    item = full.items["item"][0].as_py()
    journey_page = journey.layout(_view(sample, full, config=config), f"?item={item}")
    assert [n for n in walk(journey_page) if getattr(n, "id", None) == "no-teams"]


def test_teams_that_are_people_are_said_to_be_on_the_team_panels(sample):
    """helpdesk, BPI Challenge 2012: without a team field or a map, each person is a team;
    the team panels say so, as the reports do."""
    config = Config.from_dict({**sample.config.to_toml_dict(), "teams": {"source": ["assignee"]}})
    full = flowgap.analyze(sample.result, config)
    assert full.teams.num_rows > 0
    page = bottlenecks.layout(_view(sample, full, config=config), "")
    notes = [n for n in walk(page) if getattr(n, "id", None) == "no-teams"]
    assert notes and notes[0].children.startswith("No team field, status map or assignee map")
    page = bottlenecks.layout(_view(sample, flowgap.analyze(sample.result, sample.config)), "")
    assert not [n for n in walk(page) if getattr(n, "id", None) == "no-teams"]


def test_cumulative_flow_and_ageing_wip_follow_the_configured_workflow(sample):
    order = ["Closed", "In Progress", "Backlog"]  # a deliberately odd order
    config = Config.from_dict(
        {
            **sample.config.to_toml_dict(),
            "statuses": {**sample.config.to_toml_dict()["statuses"], "order": order},
        }
    )
    full = flowgap.analyze(sample.result, config)
    view = _view(sample, full, config=config)
    statuses = chart_scope.statuses_of(view)
    known = [s for s in order if s in statuses.classes]
    assert [s for s in statuses.order if s in known] == known
    cfd = _figure(flow.layout(view, ""), "cumulative-flow")
    stacked = [t.name for t in cfd.data][::-1]  # the first trace is the bottom of the stack
    assert [s for s in stacked if s in known] == known
    assert stacked == [s for s in statuses.order if s in stacked]
    colours = [t.fillcolor for t in cfd.data]
    assert len(set(colours)) == len(colours)  # every status its own colour
    wip = _figure(bottlenecks.layout(view, ""), "ageing-wip")
    columns = list(wip.layout.xaxis.categoryarray)
    assert columns == [s for s in statuses.order if s in columns]


def test_lead_and_cycle_time_switch_to_a_log_scale(sample, full):
    page = flow.layout(_view(sample, full), "")
    assert _figure(page, "lead-time-scatter").layout.yaxis.type != "log"
    assert _figure(page, "cycle-time-scatter") is not None
    log = figures.lead_time_scatter(full.items, log_scale=True)
    assert log.layout.yaxis.type == "log"
    # The percentile labels sit on their lines: log10 of the value on a log axis.
    for shape, label in zip(log.layout.shapes, log.layout.annotations, strict=True):
        assert label.y == pytest.approx(math.log10(shape.y0))


def test_grids_page_fifteen_rows_and_keys_look_like_links(full):
    rows = full.items.to_pylist()
    block = table_grid("items", tables.ITEMS, rows)
    ag = block.children[0]
    assert ag.dashGridOptions["domLayout"] == "autoHeight"
    assert ag.dashGridOptions["paginationPageSize"] == 15 > 5
    assert grid_options(300)["paginationPageSize"] == 10  # an old fixed height: ten rows
    item = next(c for c in ag.columnDefs if c["field"] == "item")
    assert item["cellClass"] == "item-link"
    # Text wraps and its rows grow to fit; numbers never need to, and each wrapped cell is
    # measured by the browser (eight grids on Bottlenecks).
    by_field = {c["field"]: c for c in ag.columnDefs}
    assert by_field["summary"]["wrapText"] and by_field["summary"]["autoHeight"]
    assert "autoHeight" not in by_field["lead_time_days"]
    assert "wrapText" not in by_field["flow_efficiency_pct"]


def test_item_keys_match_ignoring_case(sample, full):
    keys = full.items["item"]
    key = keys[5].as_py()
    assert journey.match_key(keys, key.lower()) == (key, [])
    assert journey.match_key(keys, f" {key} ") == (key, [])
    assert journey.match_key(keys, "NOPE-0") == (None, [])
    both = pa.chunked_array([["ab-1", "AB-1", "Ab-2"]])
    assert journey.match_key(both, "ab-1") == ("ab-1", [])
    assert journey.match_key(both, "aB-1") == ("AB-1", ["ab-1"])
    page = journey.layout(_view(sample, full), f"?item={key.lower()}")
    shown = next(n for n in walk(page) if getattr(n, "id", None) == "journey-key")
    assert shown.children == key


def test_the_journey_box_suggests_a_few_keys_holding_what_is_typed() -> None:
    import pyarrow as pa

    from flowgap.dashboard.pages import journey

    keys = pa.array([f"FLOW-{n}" for n in range(3000)] + ["OPS-7"])
    assert journey.suggestions(keys, "ops") == ["OPS-7"]
    assert journey.suggestions(keys, " flow-299 ") == [
        "FLOW-299",
        *(f"FLOW-299{d}" for d in range(10)),
    ]
    # Never more than a few: each suggestion is a component the browser builds.
    assert len(journey.suggestions(keys, "")) == journey.MAX_SUGGESTIONS
    assert len(journey.suggestions(keys, "flow")) == journey.MAX_SUGGESTIONS


def test_a_grid_sends_at_most_grid_rows_and_says_how_many_it_left_out(full):
    row = full.items.to_pylist()[0]
    rows = [dict(row, item=f"K-{i}") for i in range(GRID_ROWS + 7)]
    block = table_grid("items", tables.ITEMS, rows)
    ag, note = block.children[0], block.children[1]
    assert [r["item"] for r in ag.rowData] == [f"K-{i}" for i in range(GRID_ROWS)]
    assert note.children.startswith(f"The first {GRID_ROWS:,} of {GRID_ROWS + 7:,} rows")
    small = table_grid("items", tables.ITEMS, rows[:3])
    assert len(small.children[0].rowData) == 3
    assert not any("grid-cut" in (getattr(c, "className", "") or "") for c in small.children)


def test_a_grid_of_an_arrow_table_converts_only_the_rows_it_sends(full):
    row = full.items.to_pylist()[0]
    rows = [dict(row, item=f"K-{i}") for i in range(GRID_ROWS + 7)]
    from_list = table_grid("items", tables.ITEMS, rows)
    from_table = table_grid("items", tables.ITEMS, pa.Table.from_pylist(rows))
    assert from_table.children[0].rowData == from_list.children[0].rowData
    assert from_table.children[1].children == from_list.children[1].children


def _label_pixels(fig) -> list[float]:
    """Where the percentile labels of a time scatter are drawn, in pixels from the bottom of
    the plot: their line's place on the axis range the figure fixes, plus their shift."""
    layout = fig.layout
    low, high = layout.yaxis.range
    plot = layout.height - layout.margin.t - layout.margin.b
    return sorted((a.y - low) / (high - low) * plot + (a.yshift or 0) for a in layout.annotations)


@pytest.mark.parametrize("log_scale", [False, True])
def test_percentile_labels_sit_beside_the_plot_and_apart(log_scale):
    # Helpdesk-like lead times: every label used to sit at the plot's left edge, over the
    # y-axis tick labels ("60 p95 58.0 d") and the points; here all three percentiles are
    # 10 days, so their labels would also be drawn over each other.
    days = [10.0] * 40 + [45.0]
    items = pa.table(
        {
            "item": [f"K-{i}" for i in range(len(days))],
            "summary": ["s"] * len(days),
            "delivered": pa.array(
                [1_700_000_000_000_000 + i * 86_400_000_000 for i in range(41)]
            ).cast(pa.timestamp("us", tz="UTC")),
            "lead_time_s": [d * 86_400 for d in days],
        }
    )
    fig = figures.lead_time_scatter(items, log_scale=log_scale)
    labels = fig.layout.annotations
    assert sorted(a.text for a in labels) == ["p50 10.0 d", "p85 10.0 d", "p95 10.0 d"]
    # in the right margin, beyond the plot, which is wide enough to hold them
    assert all(a.xref == "paper" and a.x == 1.0 and a.xanchor == "left" for a in labels)
    assert fig.layout.margin.r >= 90
    pixels = _label_pixels(fig)
    assert all(b - a >= 16 - 1e-9 for a, b in itertools.pairwise(pixels)), pixels
    # the lowest label stays beside its line
    low, high = fig.layout.yaxis.range
    line = math.log10(10.0) if log_scale else 10.0
    assert pixels[0] == pytest.approx((line - low) / (high - low) * 310)


def test_ageing_wip_percentile_labels_sit_beside_the_plot_and_apart():
    # Each label sat at the plot's top left, over the first status' points, and two
    # percentiles 0.2 days apart drew their labels over each other.
    cycle = [5.0] * 30 + [5.2] * 6 + [9.0] * 4
    n_open = 5
    items = pa.table(
        {
            "item": [f"K-{i}" for i in range(len(cycle) + n_open)],
            "summary": ["s"] * (len(cycle) + n_open),
            "is_open": [False] * len(cycle) + [True] * n_open,
            "committed": [1] * (len(cycle) + n_open),
            "age_s": [None] * len(cycle) + [d * 86_400.0 for d in (1, 2, 3, 6, 12)],
            "current_status": ["Done"] * len(cycle) + ["Dev"] * n_open,
            "current_class": ["done"] * len(cycle) + ["active"] * n_open,
            "cycle_time_s": [d * 86_400 for d in cycle] + [None] * n_open,
        }
    )
    fig = figures.ageing_wip(items)
    labels = fig.layout.annotations
    assert sorted(a.text for a in labels) == ["p50 5.0 d", "p85 5.2 d", "p95 9.0 d"]
    assert all(a.xref == "paper" and a.x == 1.0 and a.xanchor == "left" for a in labels)
    pixels = _label_pixels(fig)
    assert all(b - a >= 16 - 1e-9 for a, b in itertools.pairwise(pixels)), pixels
    assert fig.layout.yaxis.range[1] >= 12  # the oldest item stays in view


def test_percentile_labels_at_the_top_stay_below_the_title():
    # One lead time: three equal percentiles at the top of the axis; pushed apart upwards,
    # the highest label ran 17 px above the plot, into the title.
    items = pa.table(
        {
            "item": ["K-1"],
            "summary": ["s"],
            "delivered": pa.array([1_700_000_000_000_000]).cast(pa.timestamp("us", tz="UTC")),
            "lead_time_s": [10 * 86_400],
        }
    )
    pixels = _label_pixels(figures.lead_time_scatter(items))
    assert all(b - a >= 16 - 1e-9 for a, b in itertools.pairwise(pixels)), pixels
    assert pixels[-1] <= 310 + 1e-9  # the plot's height


def _weekly(throughput: list[int], first: str) -> pa.Table:
    weeks = pa.array(
        [
            (pa.scalar(first, pa.string()).cast(pa.date32()).value + 7 * i)
            for i in range(len(throughput))
        ],
        pa.int32(),
    ).cast(pa.date32())
    fe = [0.5 if t else None for t in throughput]
    return pa.table(
        {
            "week": weeks,
            "throughput": throughput,
            "flow_efficiency_median": pa.array(fe, pa.float64()),
            "flow_efficiency_pooled": pa.array(fe, pa.float64()),
        }
    )


def test_weekly_charts_start_at_the_first_delivery():
    # BPI Challenge 2013: weeks from the first item's creation in 2006, deliveries only in
    # 2012; the bars sat in a sliver at the right of six empty years.
    weekly = _weekly([0] * 300 + [4, 0, 7, 0], "2006-01-02")
    first = weekly["week"][300].as_py()
    for fig in (figures.throughput_trend(weekly), figures.flow_efficiency_trend(weekly)):
        for trace in fig.data:
            xs = list(trace.x)
            assert xs[0] == first and len(xs) == 4  # a week without delivery after it stays
    nothing = _weekly([0] * 10, "2024-01-01")
    for fig in (figures.throughput_trend(nothing), figures.flow_efficiency_trend(nothing)):
        assert not fig.data and fig.layout.annotations[0].text == "No delivered items."


def test_flow_efficiency_labels_stay_readable_over_the_tallest_bar():
    # BPI Challenge 2012: nearly every item near 0%, the median and pooled labels at the top
    # of their lines were drawn straight over the bar of 11,000 items.
    items = pa.table(
        {
            "flow_efficiency": [0.001] * 50 + [0.5],
            "touch_s": [1.0] * 50 + [500.0],
            "window_s": [1000.0] * 51,
        }
    )
    fig = figures.flow_efficiency_histogram(items)
    labels = fig.layout.annotations
    assert sorted(a.text for a in labels) == ["median 0.1%", "pooled 1.1%"]
    for label in labels:
        assert label.bgcolor == "rgba(255, 255, 255, 0.85)"
