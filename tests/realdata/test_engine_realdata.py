"""The engine on real logs, against independent pandas computations from pm4py's own reading.

- BPI Challenge 2012: per case, touch time = the union of START -> COMPLETE intervals (the
  time during which at least one work item of the case is started and not yet completed).
- helpdesk: with the resource as the team, the handoffs between resources.
"""

from __future__ import annotations

from collections import Counter
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import flowgap
from flowgap.config import Config

pytestmark = [pytest.mark.realdata, pytest.mark.slow]


def read_xes(path: Path) -> pd.DataFrame:
    import pm4py

    # pm4py's own Python reader: flowgap reads XES with rustxes, which pm4py would pick too
    df = pm4py.read_xes(str(path), variant="iterparse", show_progress_bar=False)
    df = df.reset_index(drop=True)
    df["order"] = np.arange(len(df))  # file order breaks timestamp ties, as the loader does
    df["time:timestamp"] = pd.to_datetime(df["time:timestamp"], utc=True)
    return df.sort_values(["case:concept:name", "time:timestamp", "order"], kind="stable")


def union_of_work_intervals(df: pd.DataFrame, as_of: pd.Timestamp) -> dict[str, float]:
    """Seconds per case during which some started activity instance is not yet completed
    (a START never completed stays open to the end of the log)."""
    lc = df["lifecycle:transition"].astype(str).str.lower()
    started = set(df.loc[lc == "start", "concept:name"])
    touch: dict[str, float] = {}
    for case, group in df.assign(lc=lc).groupby("case:concept:name", sort=False):
        open_by_activity: Counter = Counter()
        open_total, since, total = 0, None, 0.0
        rows = zip(group["concept:name"], group["lc"], group["time:timestamp"], strict=True)
        for act, trans, ts in rows:
            if act not in started:
                continue
            if trans == "start":
                if open_total == 0:
                    since = ts
                open_by_activity[act] += 1
                open_total += 1
            elif trans == "complete" and open_by_activity[act] > 0:
                open_by_activity[act] -= 1
                open_total -= 1
                if open_total == 0:
                    total += (ts - since).total_seconds()
        if open_total > 0:
            total += (as_of - since).total_seconds()
        touch[str(case)] = total
    return touch


def test_bpi2012_touch_is_the_union_of_start_complete_intervals(bpi_result, shared_data):
    df = read_xes(shared_data / "BPI_Challenge_2012.xes.gz")
    lc = df["lifecycle:transition"].astype(str).str.lower()
    worked = sorted(set(df.loc[lc == "start", "concept:name"]))
    assert len(worked) == 6  # the W_* work items
    # The started activities are the work; queues and "waiting after X" stay wait.
    cfg = Config.from_dict({"statuses": {"classes": {name: "active" for name in worked}}})
    analysis = flowgap.analyze(bpi_result, cfg)
    as_of = pd.Timestamp(analysis.as_of)
    assert as_of == df["time:timestamp"].max()
    expected = union_of_work_intervals(df, as_of)
    got = dict(
        zip(
            analysis.items.column("item").to_pylist(),
            analysis.items.column("touch_s").to_pylist(),
            strict=True,
        )
    )
    assert len(got) == len(expected) == 13087
    diff = {case: (t, got[case]) for case, t in expected.items() if abs(t - got[case]) > 1e-6}
    assert diff == {}
    assert sum(expected.values()) > 0 and sum(1 for t in expected.values() if t > 0) > 5000


def resource_handoffs(df: pd.DataFrame) -> Counter:
    """(from, to) -> count: per case, the resource in force after each distinct timestamp
    (events at one instant apply together), missing values keep the previous resource,
    consecutive repeats collapse."""
    df = df.copy()
    df["resource"] = df.groupby("case:concept:name", sort=False)["org:resource"].ffill()
    last_at_ts = df.groupby(["case:concept:name", "time:timestamp"], sort=False).tail(1)
    edges: Counter = Counter()
    for _, group in last_at_ts.groupby("case:concept:name", sort=False):
        path = [r for r in group["resource"] if isinstance(r, str)]
        runs = [r for i, r in enumerate(path) if i == 0 or r != path[i - 1]]
        edges.update(pairwise(runs))
    return edges


def test_helpdesk_handoffs_between_resources(helpdesk_result, shared_data):
    df = read_xes(shared_data / "helpdesk.xes.gz")
    expected = resource_handoffs(df)
    cfg = Config.from_dict({"teams": {"source": ["assignee"]}})
    analysis = flowgap.analyze(helpdesk_result, cfg)
    got = {(h["from_team"], h["to_team"]): h["count"] for h in analysis.handoffs.to_pylist()}
    assert got == dict(expected)
    assert sum(got.values()) == sum(analysis.items.column("handoffs").to_pylist()) > 1000


@pytest.mark.parametrize("log", ["helpdesk_result", "running_example_result"])
def test_handoff_waits_add_up_to_the_waiting_after_handoffs(log, request):
    """Each second of waiting after handoffs belongs to one handoff: per item, the waits of
    its handoffs add up to the "waiting after a handoff" of where its time went. Before,
    work handed on untouched counted the rest of its wait once per handoff: the running
    example's handoff waits added up to 202.5 days of its 67.1 elapsed (a team cluster was
    said to save 121.7 of them)."""
    from collections import defaultdict

    cfg = Config()
    analysis = flowgap.analyze(request.getfixturevalue(log), cfg)
    waits: dict[str, float] = defaultdict(float)
    for h in analysis.handoff_events.to_pylist():
        waits[h["item"]] += h["wait_s"]
    assert len(waits) >= 6
    items = sorted(waits)[:300]
    for item in items:
        shares = analysis.select([item]).time_shares.to_pylist()
        handoff = next(r["seconds"] for r in shares if r["part"] == "handoff")
        assert handoff == pytest.approx(waits[item], abs=1e-6), item
    whole = next(r["seconds"] for r in analysis.time_shares.to_pylist() if r["part"] == "handoff")
    assert whole == pytest.approx(sum(waits.values()), rel=1e-12)
    elapsed = sum(r["seconds"] for r in analysis.time_shares.to_pylist())
    assert sum(waits.values()) <= elapsed


def test_bpi2013_no_active_status_is_warned_and_counts_are_visits(shared_data):
    """BPI Challenge 2013 (closed problems): Accepted, Queued, Completed, Unmatched; by their
    names nothing is work. Visits counted independently from the XES: consecutive events of a
    case with the same concept:name are one visit (Accepted has 4,207 events, 2,325 visits)."""
    from flowgap.inspection import inspect_result

    config = Config()
    result = flowgap.load([shared_data / "BPI_Challenge_2013_closed_problems.xes.gz"], config)
    data = inspect_result(result, config)
    counts = {s["name"]: (s["count"], s["class"]) for s in data["statuses"]}
    assert counts == {
        "Accepted": (2325, "wait"),
        "Completed": (1568, "done"),
        "Queued": (809, "wait"),
        "Unmatched": (10, "wait"),
    }
    first = data["findings"][0]
    assert first["kind"] == "no_active_status"
    assert first["message"].startswith(
        "No status is classed active, so flow efficiency is 0 by construction. Look at"
        " 'Accepted' (wait, guessed, 2325 visits), 'Queued' (wait, guessed, 809 visits),"
    )
    analysis = flowgap.analyze(result, config)
    assert analysis.summary["flow_efficiency"]["median"] == 0.0
    assert [w.kind for w in analysis.warnings[:1]] == ["no_active_status"]


def test_devlake_team_queue_before_pickup_stops_at_delivery(shared_data, tmp_path):
    """Apache DevLake's real Jira Cloud payloads, with the assignee as the team: people who
    handed work on and never touched it again used to "wait" until as_of (a median of 763.9
    days for Dingding Zhang); stopped at delivery, 6.1 days."""
    import csv

    import orjson

    csv.field_size_limit(1 << 30)
    with (shared_data / "jira_devlake" / "_raw_jira_api_issues.csv").open(
        encoding="utf-8", newline=""
    ) as fh:
        issues = [orjson.loads(row["data"]) for row in csv.DictReader(fh)]
    path = tmp_path / "devlake.ndjson"
    path.write_bytes(b"".join(orjson.dumps(x) + b"\n" for x in issues))
    config = Config.from_dict({"teams": {"source": ["assignee"]}})
    analysis = flowgap.analyze(flowgap.load([path], config), config)
    teams = {t["team"]: t for t in analysis.teams.to_pylist()}
    assert round(teams["Dingding Zhang"]["median_queue_s"] / 86400, 1) == 6.1
    assert teams["Dingding Zhang"]["stints"] == 13
    # no stint's queue runs past its item's delivery
    delivered = {r["item"]: r["delivered"] for r in analysis.items.to_pylist()}
    for stint in analysis.stints.to_pylist():
        end = delivered[stint["item"]] or analysis.as_of
        assert stint["queue_s"] <= max((end - stint["start"]).total_seconds(), 0.0)
    # Every second of waiting after a handoff lies in an item's flow window: per item, the
    # handoffs' waits add up to its "waiting after a handoff" (EE-35, never committed, and
    # EE-3's handoff before its commitment counted 3.4 days outside any window).
    from collections import defaultdict

    waits: dict[str, float] = defaultdict(float)
    for h in analysis.handoff_events.to_pylist():
        waits[h["item"]] += h["wait_s"]
    assert waits["EE-35"] == 0.0
    for item, wait in waits.items():
        shares = analysis.select([item]).time_shares.to_pylist()
        after = next(r["seconds"] for r in shares if r["part"] == "handoff")
        assert after == pytest.approx(wait, abs=1e-6), item


def test_helpdesk_forecast_and_whatif_read_the_same_window(shared_data):
    """The helpdesk log ends with a delivery (its last event closes a ticket, at as_of): the
    forecast's history left it out (132 items) while the what-if replayed it (133)."""
    from datetime import timedelta

    import pyarrow.compute as pc

    from flowgap.decisions.forecast import daily_throughput
    from flowgap.decisions.whatif import window

    config = Config()
    analysis = flowgap.analyze(flowgap.load([shared_data / "helpdesk.xes.gz"], config), config)
    delivered = analysis.items.column("delivered")
    assert pc.max(delivered).as_py() == analysis.as_of  # a delivery at as_of
    days = 84
    start = analysis.as_of - timedelta(days=days)
    expected = pc.sum(
        pc.and_(pc.greater(delivered, start), pc.less_equal(delivered, analysis.as_of))
    ).as_py()
    assert expected == 133
    assert daily_throughput(analysis.items, analysis.as_of, days).delivered == expected
    assert window(analysis, days).picked.num_rows == expected
