"""Findings by group (engine/findings.py): each group's shares are of one stated whole and do
not overlap; computed by hand on the ping-pong log of docs/metrics.md."""

from __future__ import annotations

from engine_log import DAY, ping_pong_analysis

from flowgap.engine.findings import group_wholes, grouped_findings


def test_groups_their_wholes_and_shares():
    # P: Ready (no team) 0..1, Dev 1..3, QA Queue 3..4, Test 4..5, Dev 5..6, Done 6..7.
    a = ping_pong_analysis()
    wholes = group_wholes(a.stages, a.handoffs)
    # All waiting: Ready 1 d + QA Queue 1 d; after handoffs: Dev -> QA 1 d, QA -> Dev 0.
    assert wholes == {"status": 2 * DAY, "team": 2 * DAY, "handoff": DAY, "ping_pong": DAY}
    groups = grouped_findings(a.findings, wholes)
    got = [(g["group"], [(f["subject"], f["share"]) for f in g["findings"]]) for g in groups]
    assert got == [
        ("flow", [("all items", None)]),
        ("status", [("QA Queue", 0.5), ("Ready", 0.5)]),
        # QA holds QA Queue's day; Dev waited nothing and is no finding.
        ("team", [("QA", 0.5)]),
        ("handoff", [("Dev -> QA", 1.0)]),
        ("ping_pong", [("Dev <-> QA", 1.0)]),
        ("worst_item", [("P", None)]),
    ]
    # Within a group with a whole, the shares never add up to more than all of it.
    for g in groups:
        if g["whole"]:
            assert sum(f["share"] for f in g["findings"]) <= 1.0
    assert groups[2]["whole"].startswith("all waiting inside flow windows (the same waiting")


def test_a_group_without_its_whole_has_no_shares():
    a = ping_pong_analysis()
    groups = grouped_findings(a.findings, {})
    assert all(f["share"] is None for g in groups for f in g["findings"])
    # Every finding is in exactly one group.
    assert sum(len(g["findings"]) for g in groups) == len(a.findings)
