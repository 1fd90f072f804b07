"""The handoff edges (engine/handoffs.py): handoff events aggregated per from_team -> to_team,
with their waits and ping-pongs; computed by hand."""

from __future__ import annotations

import pyarrow as pa
import pytest
from engine_log import DAY, STATUS_TEAMS, build, config, ping_pong_analysis

import flowgap
from flowgap.engine.handoffs import build_handoffs
from flowgap.engine.schemas import HANDOFFS
from flowgap.engine.stints import HANDOFF_ROWS

US = 1_000_000


def test_status_to_team_map_gives_ping_pong_edges():
    a = ping_pong_analysis()
    edges = {(h["from_team"], h["to_team"]): h for h in a.handoffs.to_pylist()}
    assert edges[("Dev", "QA")]["count"] == 1 and edges[("Dev", "QA")]["median_wait_s"] == DAY
    assert edges[("Dev", "QA")]["ping_pong"] is True and edges[("Dev", "QA")]["ping_pongs"] == 0
    assert edges[("QA", "Dev")]["ping_pong"] is True and edges[("QA", "Dev")]["ping_pongs"] == 1


def handoff_rows(rows: list[tuple[str, str, str, float, bool]]) -> pa.Table:
    """(item, from, to, wait in days, is_return) -> the engine's handoff rows."""
    return pa.Table.from_pylist(
        [
            {
                "item": item,
                "ts": n,
                "from_team": source,
                "to_team": target,
                "wait": round(wait * DAY * US),
                "is_return": is_return,
            }
            for n, (item, source, target, wait, is_return) in enumerate(rows)
        ],
        schema=HANDOFF_ROWS,
    )


def test_edges_count_items_total_median_and_p85_of_the_waits():
    edges = build_handoffs(
        handoff_rows(
            [
                ("A", "Dev", "QA", 1, False),
                ("A", "QA", "Dev", 0.5, True),  # A: Dev -> QA -> Dev
                ("A", "Dev", "QA", 2, True),  # ... -> QA again: a return over Dev -> QA
                ("B", "Dev", "QA", 4, False),
                ("B", "QA", "Ops", 3, False),
            ]
        )
    )
    assert edges.schema == HANDOFFS
    got = {(e["from_team"], e["to_team"]): e for e in edges.to_pylist()}
    assert list(got) == [("Dev", "QA"), ("QA", "Dev"), ("QA", "Ops")]  # sorted
    dev_qa = got[("Dev", "QA")]
    assert (dev_qa["count"], dev_qa["items"]) == (3, 2)
    assert dev_qa["total_wait_s"] == 7 * DAY and dev_qa["median_wait_s"] == 2 * DAY
    assert dev_qa["p85_wait_s"] == pytest.approx(3.4 * DAY)  # 2 + 0.7 x (4 - 2)
    assert (dev_qa["ping_pong"], dev_qa["ping_pongs"]) == (True, 1)
    assert (got[("QA", "Dev")]["ping_pong"], got[("QA", "Dev")]["ping_pongs"]) == (True, 1)
    # An edge without a return either way is no ping-pong.
    assert (got[("QA", "Ops")]["ping_pong"], got[("QA", "Ops")]["ping_pongs"]) == (False, 0)


def test_no_handoff_gives_an_empty_table():
    assert build_handoffs(HANDOFF_ROWS.empty_table()) == HANDOFFS.empty_table()


def test_returns_of_several_items_add_up_on_the_edge_they_come_back_over():
    back_and_forth = [
        (0, "status", "Dev"),
        (1, "status", "Test"),
        (2, "status", "Dev"),
        (3, "status", "Done"),
    ]
    log = build({"A": back_and_forth, "B": back_and_forth})
    cfg = config(4, teams={"source": ["status"], "status_map": STATUS_TEAMS})
    edges = {
        (h["from_team"], h["to_team"]): (h["count"], h["items"], h["ping_pongs"])
        for h in flowgap.analyze(log, cfg).handoffs.to_pylist()
    }
    assert edges == {("Dev", "QA"): (2, 2, 0), ("QA", "Dev"): (2, 2, 2)}
