"""--fail-on grammar: parsing, units, errors that show where, evaluation, baseline forms."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowgap.errors import UsageError
from flowgap.report import thresholds as th
from flowgap.report.thresholds import Metric

DAY = 86400.0
SUMMARY = {
    "flow_efficiency": {"median": 0.12, "pooled": 0.2},
    "lead_time": {"p85": 31 * DAY},
    "handoffs": {"mean": 3.5},
    "items": {"total": 10},
    "wait_share": {"status": {"Ready for QA": 0.45}, "team": {}},
}


def test_issue_examples_parse_to_absolute_limits() -> None:
    t = th.parse("flow_efficiency.median < 0.15")
    assert (t.metric.parts, t.op, t.number, t.relative) == (
        ("flow_efficiency", "median"),
        "<",
        0.15,
        False,
    )
    assert th.parse("lead_time.p85 > 30d").number == 30 * DAY
    assert th.parse("lead_time.p85>12h").number == 12 * 3600
    assert th.parse("handoffs.mean > 3").number == 3.0
    t = th.parse("wait_share.status['Ready for QA'] > 40%")
    assert t.metric.parts == ("wait_share", "status", "Ready for QA")
    assert t.number == pytest.approx(0.40)
    t = th.parse('wait_share.team["R&D \\"core\\""] >= 5%')
    assert t.metric.parts == ("wait_share", "team", 'R&D "core"')


def test_relative_forms() -> None:
    t = th.parse("lead_time.p85 > baseline + 10%")
    assert (t.relative, t.proportional, t.number) == (True, True, pytest.approx(0.10))
    t = th.parse("handoffs.mean > baseline - 5")
    assert (t.relative, t.proportional, t.number) == (True, False, -5.0)
    assert th.parse("lead_time.p85 > baseline + 2d").number == 2 * DAY
    assert th.parse("flow_efficiency.median < baseline").number == 0.0


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("lead_time.p85 >> 30d", 'column 16 (just before "> 30d")'),
        ("lead_time.p85 > 30 days", 'column 20 (just before "days")'),
        ("lead_time.p85 30d", 'column 15 (just before "30d")'),
        ("lead_time. > 3", 'column 12 (just before "> 3")'),
        ("lead_time.p85 > ", "column 17 (at the end)"),
        ("wait_share.status[Ready] > 1%", 'column 19 (just before "Ready] > 1%")'),
        ("handoffs.mean > 3 ; rm -rf", 'column 19 (just before "; rm -rf")'),
        ("handoffs.mean > 3 4", 'column 19 (just before "4")'),
    ],
)
def test_syntax_errors_show_where(text: str, where: str) -> None:
    with pytest.raises(UsageError) as err:
        th.parse(text)
    message = str(err.value)
    assert where in message and "\n" not in message
    assert message.startswith(f"--fail-on {text!r}: ")


def test_units_must_fit_the_metric() -> None:
    with pytest.raises(UsageError, match="unit 'd' needs a duration metric"):
        th.parse("handoffs.mean > 3d")
    with pytest.raises(UsageError, match="'%' needs a ratio metric"):
        th.parse("lead_time.p85 > 40%")
    with pytest.raises(UsageError, match="unknown unit 'w'"):
        th.parse("lead_time.p85 > 3w")


def test_a_unit_that_does_not_fit_reads_as_a_sentence_naming_the_column() -> None:
    # It read "unit 'd' needs a duration metric, flow_efficiency.median is not at column 27".
    with pytest.raises(UsageError) as err:
        th.parse("flow_efficiency.median > 3d")
    assert str(err.value) == (
        "--fail-on 'flow_efficiency.median > 3d': at column 27 (just before \"d\"): unit 'd'"
        " needs a duration metric, and flow_efficiency.median is a ratio (write 40% or 0.4)"
    )
    with pytest.raises(UsageError, match=r"column 19 .*: unit 'h' .* a count \(give a plain"):
        th.parse("handoffs.total > 2h")


def test_unknown_metric_suggests_close_names_and_where_all_are() -> None:
    # It listed every metric (about 900 characters); now the close ones and where all are.
    with pytest.raises(UsageError) as err:
        th.parse("lead_time.p99 > 3d")
    assert str(err.value) == (
        "--fail-on: unknown metric 'lead_time.p99' (did you mean 'lead_time.p95',"
        f" 'lead_time.p85' or 'lead_time.p50'?); all {len(th.valid_metric_names())} metrics"
        " are in docs/metrics.md (section Summary)"
    )
    with pytest.raises(UsageError) as err:
        th.parse("no_such_metric < 3")
    assert str(err.value).startswith("--fail-on: unknown metric 'no_such_metric'; all ")
    assert len(str(err.value)) < 120


def test_the_metrics_doc_an_error_points_to_lists_every_metric() -> None:
    doc = (Path(__file__).resolve().parents[2] / th.METRICS_DOC.split()[0]).read_text()
    assert "\n## Summary\n" in doc
    for name in th.valid_metric_names():
        documented = name.replace("['NAME']", "[name]")
        assert f"`{documented}`" in doc, name


def test_never_evaluates_python() -> None:
    for text in (
        "__import__('os').system('true') > 1",
        "handoffs.mean > 1 or True",
        "handoffs.mean.__class__ > 1",
    ):
        with pytest.raises(UsageError):
            th.parse(text)


def test_evaluate_held_and_failed_with_messages() -> None:
    ts = [
        th.parse(x)
        for x in (
            "flow_efficiency.median < 0.15",
            "lead_time.p85 > 30d",
            "handoffs.mean > 4",
            "wait_share.status['Ready for QA'] > 40%",
        )
    ]
    out = th.evaluate(ts, SUMMARY)
    assert [o.held for o in out] == [False, False, True, False]
    assert out[0].message == "failed: flow_efficiency.median = 12.0%, limit < 15.0%"
    assert out[1].message == "failed: lead_time.p85 = 31.0 d, limit > 30.0 d"
    assert out[2].message == "held: handoffs.mean = 3.50, limit > 4.00"
    assert (out[3].actual, out[3].limit) == (0.45, pytest.approx(0.40))


def test_relative_needs_and_uses_the_baseline() -> None:
    t = th.parse("lead_time.p85 > baseline + 10%")
    with pytest.raises(UsageError, match="needs --baseline"):
        th.evaluate([t], SUMMARY)
    base = {"lead_time": {"p85": 28 * DAY}}
    (o,) = th.evaluate([t], SUMMARY, base)
    assert o.limit == pytest.approx(30.8 * DAY) and o.baseline == 28 * DAY and not o.held
    assert o.message == "failed: lead_time.p85 = 31.0 d, limit > 30.8 d (baseline 28.0 d)"
    (o,) = th.evaluate([th.parse("lead_time.p85 > baseline + 1d")], SUMMARY, base)
    assert o.limit == 29 * DAY and not o.held


def test_missing_values_fail_instead_of_passing_silently() -> None:
    (o,) = th.evaluate([th.parse("cycle_time.p85 > 3d")], SUMMARY)
    assert not o.held and o.actual is None
    assert o.message == "failed: cycle_time.p85 has no value in this run, so it cannot hold"


def test_named_metric_known_to_data_but_without_wait_is_zero() -> None:
    known = {"status": {"Ready for QA", "In Review"}, "team": set()}
    (o,) = th.evaluate([th.parse("wait_share.status['In Review'] > 10%")], SUMMARY, None, known)
    assert (o.actual, o.held) == (0.0, True)
    # The data's statuses, not the list of every metric (about 1,000 characters).
    with pytest.raises(UsageError) as err:
        th.evaluate([th.parse("wait_share.status['Nope'] > 10%")], SUMMARY, None, known)
    assert str(err.value) == (
        "--fail-on wait_share.status['Nope']: unknown status 'Nope'; the data's statuses are"
        " 'In Review', 'Ready for QA'"
    )


def test_an_unknown_name_lists_a_few_of_the_data_s_names() -> None:
    known = {"status": set(), "team": {f"team {i:02d}" for i in range(40)}}
    with pytest.raises(UsageError) as err:
        th.evaluate([th.parse("wait_share.team['Nope'] > 10%")], SUMMARY, None, known)
    assert str(err.value).endswith("'team 10', 'team 11' and 28 more")
    with pytest.raises(UsageError, match=r"unknown status 'Nope'; the data names no status$"):
        th.evaluate([th.parse("wait_share.status['Nope'] > 10%")], SUMMARY, None, known)


GROUPS = [(g, k) for g, keys in th.METRICS.items() for k in keys]


@settings(deadline=None)
@given(
    metric=st.sampled_from(GROUPS),
    op=st.sampled_from(sorted(th.OPS)),
    number=st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False),
    spaces=st.sampled_from(["", " ", "  "]),
)
def test_generated_expressions_parse_back(metric, op, number, spaces) -> None:
    m = Metric(metric)
    unit, factor = ("d", DAY) if m.is_duration else ("%", 0.01) if m.is_ratio else ("", 1.0)
    text = f"{m}{spaces}{op}{spaces}{number}{unit}"
    t = th.parse(text)
    assert (t.metric.parts, t.op) == (metric, op)
    assert t.number == pytest.approx(float(number) * factor)


@settings(deadline=None)
@given(st.text(max_size=40))
def test_any_text_is_a_threshold_or_a_usage_error(text: str) -> None:
    try:
        th.parse(text)
    except UsageError as err:
        assert "\n" not in str(err)


def test_rejected_share_is_a_ratio_metric() -> None:
    summary = {"records": {"read": 1228, "rejected": 819, "rejected_share": 819 / 1228}}
    (out,) = th.evaluate([th.parse("records.rejected_share > 5%")], summary)
    assert out.held is False
    assert out.message == "failed: records.rejected_share = 66.7%, limit > 5.0%"
    (count,) = th.evaluate([th.parse("records.rejected > 1000")], summary)
    assert count.held is True and count.message == "held: records.rejected = 819, limit > 1,000"
