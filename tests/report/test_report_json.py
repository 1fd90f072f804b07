"""report.json: schema-valid, deterministic, capped with a flag, versions, guesses."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pyarrow as pa
from analysis_factory import make_analysis
from hypothesis import given, settings
from hypothesis import strategies as st

from flowgap.model import InputSummary
from flowgap.report import json_report
from flowgap.report import schema as report_schema
from flowgap.report import thresholds as th
from flowgap.tables import TABLES as ALL_TABLES

ROOT = Path(__file__).resolve().parents[2]


def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((ROOT / "docs" / "report-schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def test_committed_schema_is_the_generated_one() -> None:
    committed = (ROOT / "docs" / "report-schema.json").read_text(encoding="utf-8")
    assert committed == report_schema.schema_text(), "regenerate: python -m flowgap.report.docs"


def test_report_validates_and_holds_what_ci_needs() -> None:
    a = make_analysis()
    outcomes = th.evaluate([th.parse("handoffs.mean > 3")], a.summary)
    report = json.loads(json_report.dumps(json_report.build_report(a, outcomes)))
    validator().validate(report)
    assert report["schema_version"] == "2.2"
    assert report["pm4py_version"] == "2.7.23.11"
    assert report["as_of"] == "2026-03-01T00:00:00Z"
    assert report["inputs"] == [
        {
            "path": "abc.jira.ndjson",
            "format": "jira-json",
            "record_unit": "issue",
            "records_read": 5,
            "records_loaded": 4,
            "records_rejected": 1,
        }
    ]
    assert report["rejects"] == 1 and report["warnings_total"] == 1
    assert report["guessed_statuses"] == ["Done", "In QA", "Ready for Dev", "Ready for QA", "To Do"]
    assert report["thresholds"]["held"] == 1 and report["thresholds"]["failed"] == 0
    assert "timeline" not in report["tables"]
    assert report["tables"]["items"]["total_rows"] == 4
    assert report["tables"]["items"]["truncated"] is False
    # 6 significant digits, nulls for missing values
    assert report["summary"]["flow_efficiency"]["pooled"] == 0.333333
    assert report["summary"]["flow_efficiency"]["median_work"] is None
    assert report["config"]["flow"]["flow_window"] == "commitment"


def test_same_analysis_gives_byte_identical_json() -> None:
    one = json_report.dumps(json_report.build_report(make_analysis()))
    two = json_report.dumps(json_report.build_report(make_analysis()))
    assert one == two
    keys = list(json.loads(one))
    assert keys == sorted(keys)


def test_items_are_capped_with_a_flag(monkeypatch) -> None:
    monkeypatch.setattr(json_report, "ROW_CAP", 3)
    report = json_report.build_report(make_analysis())
    items = report["tables"]["items"]
    assert (len(items["rows"]), items["total_rows"], items["truncated"]) == (3, 4, True)
    validator().validate(report)


def test_nan_and_infinity_become_null() -> None:
    items = make_analysis().items
    fe = items.column("flow_efficiency").to_pylist()
    fe[0] = float("nan")
    items = items.set_column(
        items.schema.get_field_index("flow_efficiency"),
        "flow_efficiency",
        pa.array(fe, pa.float64()),
    )
    # A table is given when the analysis is made: it is what every reader of it sees.
    a = make_analysis(items=items)
    a.summary["handoffs"]["mean"] = float("nan")
    a.summary["rework"]["mean"] = float("inf")
    text = json_report.dumps(json_report.build_report(a))
    report = json.loads(text)
    assert report["summary"]["handoffs"]["mean"] is None
    assert report["summary"]["rework"]["mean"] is None
    assert report["tables"]["items"]["rows"][0]["flow_efficiency"] is None
    assert "NaN" not in text and "Infinity" not in text


def test_empty_analysis_validates() -> None:
    from analysis_factory import empty_analysis

    validator().validate(json_report.build_report(empty_analysis()))


def test_every_engine_table_has_a_schema_entry() -> None:
    schema = report_schema.report_schema()
    tables = schema["properties"]["tables"]["properties"]
    for name, arrow in ALL_TABLES.items():
        if name in report_schema.EXCLUDED_TABLES:
            continue
        row = tables[name]["properties"]["rows"]["items"]
        assert row["required"] == arrow.names


@settings(deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_vectorised_rounding_keeps_six_significant_digits(x: float) -> None:
    (r,) = json_report.round_column(pa.array([x], pa.float64())).to_pylist()
    assert float(f"{r:.6g}") == r  # no more than 6 significant digits
    if x != 0:
        unit = 10 ** (math.floor(math.log10(abs(x))) - 5)
        assert abs(r - x) <= unit * 0.5000001  # half a unit in the 6th digit


def test_vectorised_rounding_nulls_and_signs() -> None:
    values = [float("nan"), float("inf"), -0.0, None, 1 / 3, 86400.0 * 31.7, 1e-7]
    assert json_report.round_column(pa.array(values, pa.float64())).to_pylist() == [
        None,
        None,
        0.0,
        None,
        0.333333,
        2738880.0,
        1e-7,
    ]


@settings(deadline=None)
@given(
    st.datetimes(
        min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    )
)
def test_iso_column_matches_iso(ts: datetime) -> None:
    col = pa.array([ts, None], pa.timestamp("us", tz="UTC"))
    assert json_report.iso_column(col).to_pylist() == [json_report.iso(ts), None]


def test_the_typed_models_accept_the_report_and_refuse_an_unknown_key() -> None:
    outcomes = th.evaluate([th.parse("handoffs.mean > 3")], make_analysis().summary)
    report = json.loads(json_report.dumps(json_report.build_report(make_analysis(), outcomes)))
    report_schema.Report.model_validate(report)
    report["summary"]["lead_time"]["p85"] = "30 days"
    report["surprise"] = 1
    try:
        report_schema.Report.model_validate(report)
    except ValueError as err:
        assert "surprise" in str(err) and "p85" in str(err)
    else:
        raise AssertionError("an unknown key and a text metric must not validate")


def test_precision_is_stated_once_and_as_written() -> None:
    """report.json rounds its floats; docs/ci.md says so, with the same number of digits and
    its own examples, and no other page calls the written summary raw."""
    ci = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    assert f"rounded to {json_report.SIGNIFICANT}\nsignificant digits" in ci
    assert json_report.normalise(1900800.4) == 1900800.0 and "`1900800.0`" in ci
    assert json_report.normalise(0.24347826) == 0.243478 and "`0.243478`" in ci
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    stated = [p.name for p in pages if "significant digits" in p.read_text(encoding="utf-8")]
    assert stated == ["ci.md"]
    assert not [p.name for p in pages if "unrounded" in p.read_text(encoding="utf-8")]


def test_input_uris_are_written_as_given_and_local_paths_with_slashes() -> None:
    """``Path("file:///data/x")`` is ``file:/data/x``: a URI went through it and lost the
    slashes of its authority (``hdfs://nn/x`` became ``hdfs:/nn/x``)."""
    given = [
        ("file:///data/events.parquet", "file:///data/events.parquet"),
        ("hdfs://nn:8020/logs/events", "hdfs://nn:8020/logs/events"),
        ("s3a://bucket/events.parquet", "s3a://bucket/events.parquet"),
        ("/data/./events.parquet", "/data/events.parquet"),
        ("logs/jira.ndjson", "logs/jira.ndjson"),
    ]
    a = make_analysis(inputs=[InputSummary(path, "parquet", 1, 1, 0, "event") for path, _ in given])
    report = json.loads(json_report.dumps(json_report.build_report(a)))
    validator().validate(report)
    assert [i["path"] for i in report["inputs"]] == [shown for _, shown in given]
