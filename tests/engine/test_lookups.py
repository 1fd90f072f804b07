"""Mappings applied in the backend (engine/lookups.py): written into the query when small,
joined as a registered table when large; the same tables either way."""

from __future__ import annotations

from pathlib import Path

import ibis
import pyarrow as pa
import pytest

import flowgap
from flowgap.config import Config
from flowgap.engine import lookups
from flowgap.engine.backend import connect
from flowgap.engine.lookups import Lookup, lookup

ROOT = Path(__file__).resolve().parents[2]
STORY = ROOT / "sample_logs" / "story.jira.ndjson.gz"
TABLES = ("timeline", "stints", "items", "stages", "teams", "handoffs", "daily")


def _config(order: bool) -> Config:
    cfg = Config.load(ROOT / "sample_logs" / "story.jira.flowgap.toml")
    raw = cfg.model_dump(mode="python", exclude_none=True)
    if not order:
        raw["statuses"]["order"] = []  # rework by class instead of by workflow rank
    # Every team source that maps: the status and the assignee maps are lookups too.
    raw["teams"]["source"] = ["status", "assignee_map", "field"]
    raw["teams"]["status_map"] = {"In QA": "QA", "Ready for QA": "QA", "Releasing": "Ops"}
    raw["teams"]["assignee_map"] = {"alice": "Platform", "bob": "Platform"}
    return Config.from_dict(raw)


def _tables(cfg: Config) -> dict[str, pa.Table]:
    analysis = flowgap.analyze(flowgap.load([STORY], cfg), cfg)
    return {name: getattr(analysis, name) for name in TABLES}


@pytest.mark.parametrize("order", [True, False], ids=["rework-by-order", "rework-by-class"])
def test_joined_mappings_give_the_tables_inline_ones_give(monkeypatch, order):
    cfg = _config(order)
    inline = _tables(cfg)
    monkeypatch.setattr(lookups, "INLINE_KEYS", 0)  # every mapping joined
    joined = _tables(cfg)
    for name in TABLES:
        assert joined[name].equals(inline[name]), name
    # The maps were in force: some time went to the teams only they name.
    assert {"QA", "Ops"} <= set(inline["timeline"].column("team").to_pylist())


def test_a_large_mapping_is_joined_not_written_into_the_query():
    be = connect()
    try:
        statuses = {f"S{i}": "active" if i % 2 else "wait" for i in range(lookups.INLINE_KEYS + 1)}
        t = be.register("t", pa.table({"status": ["S1", "S2", None, "other"]}))
        small = lookup(be, "small", dict(list(statuses.items())[:3]), pa.string(), pa.string())
        large = lookup(be, "large", statuses, pa.string(), pa.string())
        assert small.table is None and large.table is not None
        wait = ibis.literal("wait")
        sql = str(ibis.to_sql(large.apply(t, "status", "cls", wait)))
        assert f"S{lookups.INLINE_KEYS}" not in sql  # no branch per status
        got = be.to_arrow(large.apply(t, "status", "cls", wait).order_by("status"))
        want = be.to_arrow(Lookup(statuses).apply(t, "status", "cls", wait).order_by("status"))
        assert got.equals(want)
        assert dict(zip(*[got.column(c).to_pylist() for c in ("status", "cls")], strict=True)) == {
            "S1": "active",
            "S2": "wait",
            None: "wait",
            "other": "wait",
        }
    finally:
        be.close()
