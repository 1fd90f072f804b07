"""figures.py: every builder on a hand-written analysis, on empty tables, deterministic."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import plotly.graph_objects as go
import pyarrow as pa
import pyarrow.compute
import pytest

from flowgap import figures
from flowgap.tables import TABLES as ALL_TABLES

sys.path.insert(0, str(Path(__file__).parent / "report"))
from analysis_factory import DAY, EVIL, make_analysis


def build_all(a) -> dict[str, go.Figure]:
    return {
        "wait_by_status": figures.wait_by_status(a.stages),
        "wait_by_team": figures.wait_by_team(a.teams),
        "handoff_graph": figures.handoff_graph(a.handoffs),
        "handoff_matrix": figures.handoff_matrix(a.handoffs),
        "status_map": figures.status_map(a.status_map, a.status_classes),
        "lead_time_scatter": figures.lead_time_scatter(a.items),
        "flow_efficiency_histogram": figures.flow_efficiency_histogram(a.items),
        "cumulative_flow": figures.cumulative_flow(a.daily),
        "ageing_wip": figures.ageing_wip(a.items),
        "item_journeys": figures.item_journeys(a.timeline, a.items),
        "steering_touches": figures.steering_touches(a.steering_touches),
        "throughput_trend": figures.throughput_trend(a.weekly),
        "flow_efficiency_trend": figures.flow_efficiency_trend(a.weekly),
    }


def test_every_figure_builds_and_is_deterministic() -> None:
    first = {k: f.to_json() for k, f in build_all(make_analysis()).items()}
    second = {k: f.to_json() for k, f in build_all(make_analysis()).items()}
    assert first == second
    for name, fig_json in first.items():
        assert json.loads(fig_json)["data"], name


def test_every_figure_is_what_plotly_validates_it_to() -> None:
    """The builders skip plotly's validation for speed (``style.base_figure``): each figure
    must be valid, and already in the form validation would give it (validating changes
    nothing in its JSON)."""
    a = make_analysis()
    more = {
        "cycle_time_scatter_log": figures.cycle_time_scatter(a.items, log_scale=True),
        "lead_time_scatter_gl": figures.lead_time_scatter(a.items, webgl_above=0),
        "time_shares": figures.time_shares(a.time_shares, a.time_shares, ("now", "before")),
        "empty": figures.empty_figure("t", "nothing"),
    }
    for name, fig in (build_all(a) | more).items():
        validated = go.Figure(fig.to_plotly_json())  # raises on an invalid property
        assert json.loads(validated.to_json()) == json.loads(fig.to_json()), name


def test_empty_tables_explain_themselves() -> None:
    empty = {n: s.empty_table() for n, s in ALL_TABLES.items()}
    for fig in build_all(make_analysis(**empty)).values():
        layout = fig.to_plotly_json()["layout"]
        assert fig.data == () and layout["annotations"][0]["text"]


def test_wait_by_status_orders_biggest_queue_on_top_in_days() -> None:
    fig = figures.wait_by_status(make_analysis().stages)
    wait = fig.data[0]
    # plotly draws the first category at the bottom: the biggest queue comes last.
    assert list(wait.y)[-1] == "Ready for QA"
    assert list(wait.x)[-1] == pytest.approx(58.0)
    assert fig.data[1].name == "touch"


def test_handoff_graph_width_is_count_and_marks_ping_pong() -> None:
    fig = figures.handoff_graph(make_analysis().handoffs)
    arrows = fig.layout.annotations[:2]
    widths = sorted(a.arrowwidth for a in arrows)
    assert widths == [pytest.approx(1.5 + 8.5 / 2), pytest.approx(10.0)]
    assert "ping-pong" in fig.layout.annotations[-1].text
    nodes = fig.data[-1]
    assert list(nodes.text) == ["Dev", "QA"]  # busiest first; tie broken by name


def test_lead_time_lines_are_linear_percentiles() -> None:
    fig = figures.lead_time_scatter(make_analysis().items)
    ys = sorted(shape.y0 for shape in fig.layout.shapes)
    # delivered lead times: 19 d and 26 d
    assert ys == [pytest.approx(22.5), pytest.approx(24.95), pytest.approx(25.65)]
    assert list(fig.data[0].y) == [pytest.approx(19.0), pytest.approx(26.0)]


def test_flow_efficiency_histogram_marks_median_and_pooled() -> None:
    fig = figures.flow_efficiency_histogram(make_analysis().items)
    texts = sorted(a.text for a in fig.layout.annotations)
    # per item 3/18, 1/49, 24/25 -> median 16.7 %; pooled 28/92 = 30.4 %
    assert texts == ["median 16.7%", "pooled 30.4%"]


def test_ticket_text_is_escaped_in_hover_labels() -> None:
    a = make_analysis()
    raw = figures.ageing_wip(a.items).to_json() + figures.lead_time_scatter(a.items).to_json()
    assert "<script>" not in raw and "&lt;script&gt;" in raw
    assert EVIL not in raw


def test_item_journeys_orders_lanes_by_wait_and_hatches_waiting() -> None:
    fig = figures.item_journeys(make_analysis().timeline, make_analysis().items, n=2)
    lanes = list(fig.layout.yaxis.categoryarray)
    assert lanes == ["ABC-2", "ABC-1"]  # 48 d and 15 d of wait
    dev = next(t for t in fig.data if t.name == "Dev")
    shapes = dict(zip(zip(dev.y, dev.base, strict=True), dev.marker.pattern.shape, strict=True))
    assert shapes[("ABC-1", "2026-01-02T00:00:00")] == ""  # In Progress: touch
    assert shapes[("ABC-1", "2026-01-15T00:00:00")] == "/"  # Ready for Dev: wait
    ms = dict(zip(zip(dev.y, dev.base, strict=True), dev.x, strict=True))
    assert ms[("ABC-1", "2026-01-02T00:00:00")] == 2 * DAY * 1000


def test_status_map_reads_left_to_right() -> None:
    fig = figures.status_map(make_analysis().status_map, make_analysis().status_classes)
    nodes = fig.data[-1]
    x = dict(zip(nodes.text, nodes.x, strict=True))
    assert x["To Do"] < x["In Progress"] < x["Ready for QA"] < x["In QA"] < x["Done"]


def test_status_layers_follow_the_workflow() -> None:
    classes = {
        "Backlog": "backlog",
        "Ready": "wait",
        "Dev": "active",
        "Blocked": "wait",
        "QA": "active",
        "Done": "done",
    }
    moves = {
        ("Backlog", "Ready"): 10,
        ("Ready", "Dev"): 10,
        ("Dev", "QA"): 9,
        ("QA", "Dev"): 3,  # rework: a back move, not a layer
        ("Dev", "Blocked"): 2,
        ("Blocked", "Dev"): 2,
        ("QA", "Done"): 9,
        ("Backlog", "Done"): 1,  # closed straight away: Done still comes last
        ("Dev", "Dev"): 4,  # a self-loop changes nothing
    }
    layers = figures.status_layers(classes, moves)
    assert {n: c for n, (c, _) in layers.items()} == {
        "Backlog": 0,
        "Ready": 1,
        "Dev": 2,
        "QA": 3,
        "Blocked": 3,
        "Done": 4,
    }
    # Statuses sharing a column are stacked around its middle, in workflow order.
    assert layers["QA"][1] == -0.5 and layers["Blocked"][1] == 0.5
    assert layers["Done"][1] == 0.0


def test_steering_touches_counts_per_meeting_and_kind() -> None:
    fig = figures.steering_touches(make_analysis().steering_touches)
    assert sorted(t.name for t in fig.data) == ["comment", "label"]
    assert [list(t.y) for t in fig.data] == [[1], [1]]


def test_accepts_pandas_frames() -> None:
    a = make_analysis()
    fig = figures.wait_by_team(a.teams.to_pandas())
    assert fig.to_json() == figures.wait_by_team(a.teams).to_json()


def test_item_journeys_end_at_delivery() -> None:
    a = make_analysis()
    fig = figures.item_journeys(a.timeline, a.items, n=4)
    bars = [(y, b) for t in fig.data for y, b in zip(t.y, t.base, strict=True)]
    # ABC-1 was delivered on 20 January: its Done segment up to as_of is not drawn
    assert ("ABC-1", "2026-01-20T00:00:00") not in bars
    assert ("ABC-1", "2026-01-15T00:00:00") in bars
    # the open item keeps its last segment up to as_of
    qa = next(t for t in fig.data if t.name == "QA")
    spans = dict(zip(qa.y, qa.x, strict=True))
    assert spans["ABC-2"] == 48 * DAY * 1000


def test_one_item_journey_with_steering_touches() -> None:
    a = make_analysis()
    one = a.items.filter(pa.compute.equal(a.items["item"], "ABC-1"))
    fig = figures.item_journeys(a.timeline, one, n=1, touches=a.steering_touches)
    assert fig.layout.title.text == "Journey of ABC-1"
    marks = next(t for t in fig.data if t.name == "steering touch")
    assert list(marks.x) == ["2026-01-07T10:00:00", "2026-01-14T10:00:00"]
    assert list(marks.y) == ["ABC-1", "ABC-1"]
    assert {y for t in fig.data for y in t.y} == {"ABC-1"}


def test_handoff_graph_hover_counts_have_thousands_separators() -> None:
    handoffs = make_analysis().handoffs
    count = handoffs.column("count")
    big = handoffs.set_column(
        handoffs.schema.get_field_index("count"), "count", pa.array([1293] * len(count), pa.int64())
    )
    hover = list(figures.handoff_graph(big).data[-1].hovertext)
    assert any(f"{1293 * len(count):,} handoffs in or out" in h for h in hover), hover


def test_item_journeys_pick_the_same_lanes_from_arrow_and_pandas() -> None:
    a = make_analysis()
    items = a.items
    i = items.schema.get_field_index("wait_s")
    waits = items.column("wait_s").to_pylist()
    # ties, a missing and a NaN wait: ranked by wait, then key, missing ones last
    waits = [None, float("nan"), *([waits[0]] * (len(waits) - 2))]
    items = items.set_column(i, "wait_s", pa.array(waits, pa.float64()))
    arrow = figures.item_journeys(a.timeline, items, n=3)
    frame = figures.item_journeys(a.timeline.to_pandas(), items.to_pandas(), n=3)
    assert arrow.to_json() == frame.to_json()
    assert len(arrow.layout.yaxis.categoryarray) == 3


def test_longest_waiting_ranks_by_wait_then_key_with_missing_waits_last() -> None:
    items = pa.table(
        {
            "item": ["C", "A", "B", "D", "E"],
            "wait_s": [5.0, 9.0, 9.0, None, float("nan")],
        }
    )
    assert figures.longest_waiting(items, 3) == ["A", "B", "C"]
    assert figures.longest_waiting(items, 10) == ["A", "B", "C", "D", "E"]
    assert figures.longest_waiting(items.slice(0, 0), 3) == []


def test_decisions_figures_draw_their_data_and_say_when_empty() -> None:
    from flowgap.figures import forecast_dates, whatif_before_after

    assert "No forecast" in forecast_dates(None).layout.annotations[0].text
    when = {
        "dates": {"p50": "2026-03-04", "p85": "2026-03-07"},
        "distribution": [
            {"date": "2026-03-03", "trials": 1, "cumulative": 0.5},
            {"date": "2026-03-04", "trials": 1, "cumulative": 1.0},
        ],
    }
    fig = forecast_dates(when)
    assert list(fig.data[0].y) == [1, 1] and list(fig.data[1].y) == [50.0, 100.0]
    per_item = {
        "lead_time": {"before": [86400.0, 2 * 86400.0], "after": [86400.0, 86400.0]},
        "cycle_time": {"before": [86400.0, 86400.0], "after": [43200.0, 43200.0]},
    }
    boxes = whatif_before_after({"per_item": per_item})
    assert [t.name for t in boxes.data] == ["before", "after"]
    assert list(boxes.data[1].y) == [1.0, 1.0, 0.5, 0.5]


def test_handoff_matrix_counts_from_rows_to_columns() -> None:
    fig = figures.handoff_matrix(make_analysis().handoffs)
    heat = fig.data[0]
    assert list(heat.x) == ["Dev", "QA"] and list(heat.y) == ["Dev", "QA"]
    assert [list(row) for row in heat.z] == [[None, 2], [1, None]]  # Dev -> QA twice
    assert heat.text[1][0] == "QA → Dev<br>1 handoff, median wait 5.0 d"
    # The fold of the other teams comes last whatever its volume.
    folded = pa.table(
        {
            "from_team": ["other", "Dev"],
            "to_team": ["Dev", "QA"],
            "count": pa.array([9, 1], pa.int64()),
            "median_wait_s": [None, 60.0],
        }
    )
    assert list(figures.handoff_matrix(folded).data[0].x) == ["Dev", "QA", "other"]


def test_quotes_in_status_names_reach_chart_labels_as_quotes() -> None:
    # plotly decodes &lt; &gt; &amp; and numeric entities in labels, but not &quot;: a quote
    # escaped that way would show as the six characters "&quot;".
    stages = pa.table(
        {
            "status": ['Ready "QA"', "it's <done>"],
            "wait_s": [2 * DAY, DAY],
            "touch_s": [0.0, 0.0],
        }
    )
    assert figures.style.esc('Ready "QA"') == 'Ready "QA"'
    assert figures.style.esc("it's <done> & more") == "it's &lt;done&gt; &amp; more"
    raw = figures.wait_by_status(stages).to_json()
    assert "&quot;" not in raw and "&#x27;" not in raw
    assert 'Ready \\"QA\\"' in raw and "&lt;done&gt;" in raw


def test_per_item_scatters_use_webgl_only_past_the_threshold_asked_for() -> None:
    a = make_analysis()
    delivered = int(pyarrow.compute.sum(a.items["delivered"].is_valid()).as_py())
    assert figures.lead_time_scatter(a.items).data[0].type == "scatter"  # the report's
    assert figures.lead_time_scatter(a.items, webgl_above=delivered).data[0].type == "scatter"
    gl = figures.cycle_time_scatter(a.items, log_scale=True, webgl_above=0)
    assert gl.data[0].type == "scattergl"
    assert figures.ageing_wip(a.items, webgl_above=0).data[0].type == "scattergl"


def test_a_lane_of_thousands_of_segments_draws_its_longest() -> None:
    """An item of 100,000 status changes made a page of 22 MB: a lane draws at most
    LANE_SEGMENTS segments, the longest, and the title says so."""
    from flowgap.figures.journeys import LANE_SEGMENTS

    n = LANE_SEGMENTS + 200
    start = pa.array([i * 60_000_000 for i in range(n)], pa.timestamp("us", "UTC"))
    # every fifth segment lasts two minutes (it covers the next minute's slot), the rest one
    end = pa.array(
        [i * 60_000_000 + (120_000_000 if i % 5 == 0 else 60_000_000) for i in range(n)],
        pa.timestamp("us", "UTC"),
    )
    timeline = pa.table(
        {
            "item": ["BIG-1"] * n,
            "seg": list(range(n)),
            "status": ["Dev", "QA"] * (n // 2),
            "class": ["active"] * n,
            "team": ["A"] * n,
            "blocked": [False] * n,
            "start": start,
            "end": end,
            "duration_s": [120.0 if i % 5 == 0 else 60.0 for i in range(n)],
        }
    )
    items = pa.table({"item": ["BIG-1"], "wait_s": [0.0]})
    fig = figures.item_journeys(timeline, items, n=1)
    spans = [x for t in fig.data for x in t.x]
    assert len(spans) == LANE_SEGMENTS
    assert spans.count(120_000.0) == n // 5  # every long one is drawn
    assert (
        fig.layout.title.text
        == f"Journey of BIG-1 (the {LANE_SEGMENTS:,} longest segments of a lane drawn)"
    )


def test_base_layout_is_plotly_whites_layout_as_plotly_validates_it() -> None:
    """The common layout is read from plotly's file, not built through its validation: the
    same JSON."""
    import plotly.graph_objects as go
    import plotly.io as pio

    from flowgap.figures.style import _BASE_LAYOUT

    validated = go.Layout(
        title={"text": "", "x": 0.0, "xanchor": "left"},
        template=go.layout.Template(layout=pio.templates["plotly_white"].layout),
        height=420,
        margin={"l": 60, "r": 30, "t": 60, "b": 50},
    )
    assert json.loads(go.Figure(layout=_BASE_LAYOUT).to_json()) == json.loads(
        go.Figure(layout=validated).to_json()
    )


def _delivered_items(n: int) -> pa.Table:
    """``n`` items delivered one a day from 2025-01-06, item i taking i days."""
    from datetime import UTC, datetime, timedelta

    start = datetime(2025, 1, 6, 12, tzinfo=UTC)
    return pa.table(
        {
            "item": [f"K-{i}" for i in range(1, n + 1)],
            "summary": [f"item {i}" for i in range(1, n + 1)],
            "delivered": [start + timedelta(days=i) for i in range(1, n + 1)],
            "lead_time_s": [float(i * DAY) for i in range(1, n + 1)],
            "cycle_time_s": [float(i * DAY) / 2 for i in range(1, n + 1)],
        }
    )


@pytest.mark.parametrize("log_scale", [False, True])
def test_past_the_threshold_items_are_a_density_and_the_slowest_stay_points(log_scale) -> None:
    """57,539 points made the dashboard's Flow page 9 MB and its filter change near 3 s: past
    ``density_above`` items a chart shows how many items fall in each week x time cell, and
    the slowest 5% as points, each with its key. The percentile lines are those of every
    item."""
    items = _delivered_items(40)
    points = figures.lead_time_scatter(items, log_scale=log_scale)
    dense = figures.lead_time_scatter(items, log_scale=log_scale, density_above=10)
    assert [t.type for t in points.data] == ["scatter"]
    heat, slowest = dense.data
    assert heat.type == "heatmap" and slowest.type == "scatter"
    assert sum(v for row in heat.z for v in row if v is not None) == 40
    # p95 of 1..40 days is 38.05 d: items 39 and 40 stay points
    assert [h.split(":")[0] for h in slowest.hovertext] == ["K-39", "K-40"]
    assert list(slowest.y) == [39.0, 40.0]
    # forty days delivered one a day: cells of one week (the last holds the 40th day alone)
    assert len(heat.x) == 6 and all(x.startswith("2025-") for x in heat.x)
    assert [a.text for a in dense.layout.annotations] == [a.text for a in points.layout.annotations]
    assert "40 items as a density, the slowest 5% (2) as points" in dense.layout.title.text
    validated = go.Figure(dense.to_plotly_json())
    assert json.loads(validated.to_json()) == json.loads(dense.to_json())
    cycle = figures.cycle_time_scatter(items, density_above=39)
    assert cycle.data[0].type == "heatmap"
    assert figures.cycle_time_scatter(items, density_above=40).data[0].type == "scatter"
