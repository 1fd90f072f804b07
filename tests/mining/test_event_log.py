"""The status segments as a pm4py frame and as XES; read back, the same touch, wait and
handoffs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pm4py
import pyarrow as pa
import pytest

import flowgap
from flowgap.engine.analysis import Analysis
from flowgap.engine.schemas import TIMELINE
from flowgap.mining.event_log import segment_events, write_xes, xes_config
from flowgap.mining.pm4py_frames import NO_RESOURCE
from flowgap.sample import generate

T0 = datetime(2026, 1, 5, tzinfo=UTC)


def at(hours: int) -> datetime:
    return datetime.fromtimestamp(T0.timestamp() + hours * 3600, tz=UTC)


def test_a_start_per_segment_and_a_complete_for_all_but_the_last() -> None:
    rows = [
        ("A", 0, "Ready", "Dev", None, 0, 5),
        ("A", 1, "In Dev", "Dev", "ann", 5, 9),
        ("A", 2, "Done", "Dev", "ann", 9, 20),
        ("B", 0, "Ready", None, None, 1, 20),
    ]
    timeline = pa.Table.from_pylist(
        [
            {
                "item": item,
                "seg": seg,
                "status": status,
                "team": team,
                "assignee": who,
                "start": at(start),
                "end": at(end),
            }
            for item, seg, status, team, who, start, end in rows
        ],
        schema=pa.schema(
            [TIMELINE.field(n) for n in ("item", "seg", "status", "team")]
            + [TIMELINE.field(n) for n in ("assignee", "start", "end")]
        ),
    )
    got = segment_events(timeline).to_pylist()
    assert [(r["item"], r["status"], r["ts"], r["transition"]) for r in got] == [
        ("A", "Ready", at(0), "start"),
        ("A", "Ready", at(5), "complete"),
        ("A", "In Dev", at(5), "start"),
        ("A", "In Dev", at(9), "complete"),
        ("A", "Done", at(9), "start"),  # still in force: no complete
        ("B", "Ready", at(1), "start"),
    ]
    assert [r["team"] for r in got] == ["Dev"] * 5 + [None]
    assert [r["assignee"] for r in got] == [None, None, "ann", "ann", "ann", None]


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    sample = generate(items=120, seed=4)
    config = sample.config.model_copy(deep=True)
    # XES has no flags: compare without blocked time.
    config.flow.flagged_is_blocked = False
    return flowgap.analyze(sample.result, config)


def test_to_pm4py_is_a_frame_pm4py_reads(analysis: Analysis) -> None:
    frame = flowgap.to_pm4py(analysis)
    segments = analysis.timeline.num_rows
    assert len(frame) == 2 * segments - analysis.items.num_rows
    assert frame["org:resource"].isna().sum() == 0  # pm4py's social network refuses gaps
    assert (frame["org:resource"] == NO_RESOURCE).any()
    assert frame["concept:name"].dtype == object
    # pm4py's own views work on it, gaps in resources and all.
    handover = pm4py.discover_handover_of_work_network(frame)
    assert handover.connections
    starts = frame[frame["lifecycle:transition"] == "start"]
    assert pm4py.get_start_activities(starts) == {"Backlog": analysis.items.num_rows}


def test_xes_read_back_gives_the_same_touch_wait_and_handoffs(
    analysis: Analysis, tmp_path: Path
) -> None:
    path = write_xes(analysis, tmp_path / "segments.xes")
    log = pm4py.read_xes(str(path), variant="iterparse")
    assert len(log) == 2 * analysis.timeline.num_rows - analysis.items.num_rows
    assert set(log["case:concept:name"]) == set(analysis.items.column("item").to_pylist())

    # The classes in force pinned, the as_of, the default [input]: what convert writes beside.
    config = xes_config(analysis)
    again = flowgap.analyze(flowgap.load(path, config), config)

    def per_item(a: Analysis) -> dict:
        rows = a.items.select(["item", "touch_s", "wait_s", "handoffs"]).to_pylist()
        return {r["item"]: (r["touch_s"], r["wait_s"], r["handoffs"]) for r in rows}

    assert per_item(again) == per_item(analysis)
    assert again.handoff_graph.equals(analysis.handoff_graph)


def test_convert_to_xes_from_the_command_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from flowgap.cli import app

    logs = Path(__file__).resolve().parents[2] / "sample_logs"
    out = tmp_path / "story.xes"
    args = ["convert", str(logs / "story.jira.ndjson.gz"), "-c"]
    args += [str(logs / "story.jira.flowgap.toml"), "--to", "xes", "-o", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    companion = tmp_path / "story.flowgap.toml"
    assert result.stdout.split() == [str(out), str(companion)]
    log = pm4py.read_xes(str(out), variant="iterparse")
    assert set(log["lifecycle:transition"]) == {"start", "complete"}
    assert log["case:concept:name"].nunique() == 151
    # Read back with the flowgap.toml written beside it: the same items, lead and cycle times
    # and handoffs (the story log's flags and steering labels are not in an XES).
    again = _summaries(
        tmp_path,
        [str(logs / "story.jira.ndjson.gz"), "-c", str(logs / "story.jira.flowgap.toml")],
        [str(out), "-c", str(companion)],
    )
    for key in ("items", "lead_time", "cycle_time", "handoffs"):
        assert again[0][key] == again[1][key], key
    bad = CliRunner().invoke(
        app,
        [
            "convert",
            str(logs / "story.jira.ndjson.gz"),
            "--to",
            "csv",
            "-o",
            str(tmp_path / "x.csv"),
        ],
    )
    assert bad.exit_code == 2 and "--to: unknown format 'csv'" in bad.output


def _summaries(tmp_path: Path, *runs: list[str]) -> list[dict]:
    """report.json's summary of ``flowgap analyze`` with each argument list."""
    from typer.testing import CliRunner

    from flowgap.cli import app

    out = []
    for i, argv in enumerate(runs):
        folder = tmp_path / f"run-{i}"
        done = CliRunner().invoke(
            app, ["analyze", *argv, "-q", "-o", str(folder), "--format", "json"]
        )
        assert done.exit_code == 0, done.output
        out.append(json.loads((folder / "report.json").read_text())["summary"])
    return out


def test_a_real_log_read_back_from_its_xes_is_the_same_analysis(
    shared_data: Path, tmp_path: Path
) -> None:
    """The running example (no flags, no labels): every summary metric the same. Without the
    flowgap.toml beside it, the XES lifecycle read every started status as work, and the
    cases' done statuses ('pay compensation', 'reject request') as active: no delivery."""
    from typer.testing import CliRunner

    from flowgap.cli import app

    log, out = shared_data / "running-example.xes", tmp_path / "re.xes"
    done = CliRunner().invoke(app, ["convert", str(log), "--to", "xes", "-o", str(out)])
    assert done.exit_code == 0, done.output
    first, again = _summaries(
        tmp_path, [str(log)], [str(out), "-c", str(tmp_path / "re.flowgap.toml")]
    )
    assert first["items"]["delivered"] == 6
    for key in ("items", "flow_efficiency", "lead_time", "cycle_time", "touch", "wait", "handoffs"):
        assert again[key] == first[key], key


def test_convert_to_xes_where_it_cannot_write_is_one_line_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    from typer.testing import CliRunner

    from flowgap.cli import app

    logs = Path(__file__).resolve().parents[2] / "sample_logs"
    (tmp_path / "a-file").write_text("")
    out = tmp_path / "a-file" / "story.xes"
    args = ["convert", str(logs / "story.jira.ndjson.gz"), "--to", "xes", "-o", str(out)]
    result = CliRunner().invoke(app, args)
    # pm4py's open() failed with a FileNotFoundError traceback.
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"flowgap: error: {out}: cannot write: "), lines
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]
    # Checked before the input is read and analysed (a missing input is not even reached).
    args = ["convert", str(tmp_path / "no-such-input.json"), "--to", "xes", "-o", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and f"{out}: cannot write: " in result.output


def test_a_segment_without_a_person_has_no_resource_in_the_xes(tmp_path: Path) -> None:
    # Written as "(none)", the missing person read back as a person, the team of every
    # segment without one: the story log's handoffs went from 285 to 412.
    logs = Path(__file__).resolve().parents[2] / "sample_logs"
    config = flowgap.Config.load(logs / "story.jira.flowgap.toml")
    analysis = flowgap.analyze(flowgap.load(logs / "story.jira.ndjson.gz", config), config)
    path = write_xes(analysis, tmp_path / "story.xes")
    assert NO_RESOURCE not in path.read_text(encoding="utf-8")

    def handoffs(a: Analysis) -> dict:
        return dict(zip(a.items["item"].to_pylist(), a.items["handoffs"].to_pylist(), strict=True))

    expected = handoffs(analysis)
    assert sum(expected.values()) == 285
    # Read back with the config written for the log, and with none at all.
    for again_config in (config, flowgap.Config()):
        again = flowgap.analyze(flowgap.load(path, again_config), again_config)
        assert handoffs(again) == expected
