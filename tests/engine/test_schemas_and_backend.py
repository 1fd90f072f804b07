"""Every produced table matches engine/schemas.py; logs without history; backend errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest
from engine_log import DAY, build, config

import flowgap
from flowgap.engine.backend import connect
from flowgap.errors import UsageError
from flowgap.model import LoadResult, empty_events, items_from_rows
from flowgap.tables import TABLES


def mixed_log():
    return build(
        {
            "A": [
                (0, "status", "Ready"),
                (0, "assignee", "ann"),
                (1, "status", "Dev"),
                (1.5, "flag", "Impediment"),
                (2, "flag", None),
                (2, "label", "steerco"),
                (3, "status", "QA Queue"),
                (4, "status", "Test"),
                (5, "status", "Done"),
            ],
            "B": [(2, "status", "Backlog")],
            "C": [(1, "status", "Dev"), (2, "comment", "steering: looked at it")],
        }
    )


def assert_schemas(analysis) -> None:
    for name, schema in TABLES.items():
        table = analysis.table(name)
        assert table.schema.names == schema.names, name
        assert [f.type for f in table.schema] == [f.type for f in schema], name


def test_every_table_matches_its_schema():
    cfg = config(
        6,
        teams={"status_map": {"Dev": "Dev", "Test": "QA", "QA Queue": "QA"}},
        steering={"labels": ["steerco"], "comment_pattern": "steering"},
    )
    a = flowgap.analyze(mixed_log(), cfg)
    assert_schemas(a)
    assert a.timeline.num_rows > 0 and a.daily.num_rows > 0 and a.handoffs.num_rows > 0
    assert a.items.column("item").to_pylist() == ["A", "B", "C"]
    assert a.as_of == datetime(2026, 1, 11, tzinfo=UTC) and a.engine == "duckdb"


def test_as_of_defaults_to_the_latest_event():
    a = flowgap.analyze(
        mixed_log(),
        config(6).model_copy(update={"flow": config(6).flow.model_copy(update={"as_of": None})}),
    )
    assert a.as_of == datetime(2026, 1, 10, tzinfo=UTC)  # A's Done at day 5
    assert a.items.to_pylist()[1]["age_s"] == 3 * DAY  # B created day 2


def test_without_history_only_lead_time_is_computed():
    items = items_from_rows(
        [
            {
                "item": "X-1",
                "created": datetime(2026, 1, 1, tzinfo=UTC),
                "resolved": datetime(2026, 1, 11, tzinfo=UTC),
                "current_status": "Done",
            },
            {"item": "X-2", "created": datetime(2026, 1, 5, tzinfo=UTC), "current_status": "Open"},
        ]
    )
    result = LoadResult(events=empty_events(), items=items, has_history=False)
    a = flowgap.analyze(result, flowgap.Config())
    assert_schemas(a)
    x1, x2 = a.items.to_pylist()
    assert x1["lead_time_s"] == 10 * DAY and x1["is_open"] is False
    assert x1["flow_efficiency"] is None and x1["touch_s"] is None and x1["handoffs"] is None
    assert x2["is_open"] is True and x2["age_s"] == 6 * DAY  # as_of = latest resolved
    assert x2["current_status"] == "Open"
    assert a.timeline.num_rows == 0 and a.stages.num_rows == 0 and a.daily.num_rows == 0
    assert {s["status"]: s["events"] for s in a.status_classes.to_pylist()} == {
        "Done": 1,
        "Open": 1,
    }


def test_empty_log_gives_empty_well_formed_tables():
    result = LoadResult(events=empty_events(), items=items_from_rows([]))
    a = flowgap.analyze(result, flowgap.Config())
    assert_schemas(a)
    assert all(a.table(name).num_rows == 0 for name in ("items", "timeline", "weekly"))


def test_unknown_engine_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown engine 'polars'"):
        connect("polars")


def test_duckdb_backend_round_trips_arrow():
    be = connect("duckdb")
    try:
        t = be.register("x", pa.table({"a": [1, 2, 3]}))
        stored = be.materialize("y", t.aggregate(s=t.a.sum()))
        assert be.to_arrow(stored).to_pylist() == [{"s": 6}]
        assert stored.schema()["s"].is_int64()
    finally:
        be.close()


def test_duckdb_backend_bounds_memory_and_removes_its_spill_directory():
    import os

    import duckdb

    from flowgap.engine.backend import DUCKDB_MEMORY_LIMIT

    be = connect("duckdb")
    spill = be.spill_dir
    try:
        setting = be.con.raw_sql(
            "SELECT current_setting('memory_limit'), current_setting('temp_directory'), "
            "current_setting('preserve_insertion_order')"
        ).fetchall()[0]
        query = "SELECT current_setting('memory_limit')"
        bounded = duckdb.connect(config={"memory_limit": DUCKDB_MEMORY_LIMIT})
        expected = bounded.execute(query).fetchall()[0][0]
        default = duckdb.connect().execute(query).fetchall()[0][0]
        assert setting[0] == expected != default
        assert setting[1] == spill and os.path.isdir(spill)
        assert setting[2] is False
    finally:
        be.close()
    assert not os.path.exists(spill)


def test_steering_touches_and_warnings_reach_the_analysis(tmp_path):
    meetings = tmp_path / "meetings.csv"
    meetings.write_text("date,items\n2026-01-07,A NOPE-1\n2026-01-08,A\n", encoding="utf-8")
    cfg = config(6, steering={"meetings_file": str(meetings), "labels": ["steerco"]})
    a = flowgap.analyze(mixed_log(), cfg)
    # A: meetings on days 2 and 3; the steerco label on day 2 is the same day as a meeting.
    touches = {r["item"]: r["steering_touches"] for r in a.items.to_pylist()}
    assert touches == {"A": 2, "B": 0, "C": 0}
    # the log's teams are its assignees: said too (engine/teams_seen.py)
    assert [w.kind for w in a.warnings] == ["teams_are_people", "steering_unknown_items"]
    assert "NOPE-1" in a.warnings[1].message


def test_spark_without_java_is_one_clear_input_error(monkeypatch):
    from flowgap.engine import spark_session
    from flowgap.errors import InputError

    monkeypatch.setattr(spark_session, "_current", None)
    monkeypatch.setattr(spark_session.shutil, "which", lambda name: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(InputError) as err:
        connect("spark")
    message = str(err.value)
    assert message.startswith("--engine spark: ") and "\n" not in message
    assert "Java" in message or "PySpark" in message


def test_a_backend_never_closed_still_removes_its_spill_directory():
    import gc
    import os

    be = connect("duckdb")
    spill = be.spill_dir
    assert os.path.isdir(spill)
    be.con.disconnect()
    del be
    gc.collect()
    assert not os.path.exists(spill)


def test_without_history_as_of_drops_later_items_and_reopens_later_resolutions():
    items = items_from_rows(
        [
            {
                "item": "X-1",
                "created": datetime(2026, 1, 1, tzinfo=UTC),
                "resolved": datetime(2026, 1, 11, tzinfo=UTC),
                "current_status": "Done",
            },
            {
                "item": "X-2",
                "created": datetime(2026, 1, 2, tzinfo=UTC),
                "resolved": datetime(2026, 1, 4, tzinfo=UTC),
                "current_status": "Done",
            },
            {"item": "X-3", "created": datetime(2026, 1, 9, tzinfo=UTC), "current_status": "Open"},
        ]
    )
    result = LoadResult(events=empty_events(), items=items, has_history=False)
    cfg = flowgap.Config.from_dict({"flow": {"as_of": "2026-01-06T00:00:00Z"}})
    a = flowgap.analyze(result, cfg)
    rows = {r["item"]: r for r in a.items.to_pylist()}
    assert sorted(rows) == ["X-1", "X-2"]  # X-3 did not exist yet
    assert rows["X-1"]["is_open"] is True and rows["X-1"]["age_s"] == 5 * DAY
    assert rows["X-1"]["current_status"] is None  # its status on 6 January is unknown
    assert rows["X-2"]["is_open"] is False and rows["X-2"]["lead_time_s"] == 2 * DAY
    late = flowgap.Config.from_dict({"flow": {"as_of": "2026-03-01T00:00:00Z"}})
    assert [w.kind for w in flowgap.analyze(result, late).warnings] == ["as_of_after_data"]


def test_spill_directories_of_killed_runs_are_removed_by_the_next_one(tmp_path, monkeypatch):
    import os
    import subprocess
    import sys
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    dead = tmp_path / f"flowgap-duckdb-{gone.stdout.strip()}-abc"
    (dead / "duckdb_temp_storage").mkdir(parents=True)
    live = tmp_path / f"flowgap-duckdb-{os.getppid()}-xyz"  # a run still going
    live.mkdir()
    other = tmp_path / "flowgap-duckdb-notes"
    other.mkdir()
    be = connect("duckdb")
    try:
        assert os.path.basename(be.spill_dir).startswith(f"flowgap-duckdb-{os.getpid()}-")
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
            [live.name, other.name, os.path.basename(be.spill_dir)]
        )
    finally:
        be.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name])
