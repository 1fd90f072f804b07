"""`flowgap forecast` as a subprocess: the JSON shapes of the issue, the selection filters,
and one clear line with exit code 2 for bad requests."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.compute as pc
import pytest

import flowgap
from cli_process import flowgap_cli
from flowgap.decisions.forecast import daily_throughput
from flowgap.engine.selection import Selection, selected_mask
from flowgap.report import html as html_report
from flowgap.report import markdown

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("forecast")
    done = flowgap_cli("sample", "-o", "s.jira.ndjson", "--items", "120", "--seed", "4", cwd=work)
    assert done.returncode == 0, done.stderr
    return work


def test_items_json_shape(work: Path) -> None:
    done = flowgap_cli(
        "forecast", "s.jira.ndjson", "-c", "s.jira.flowgap.toml", "--items", "10", "--json",
        cwd=work,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["items"] == 10
    assert set(out["dates"]) == {"p50", "p85", "p95"}
    assert out["dates"]["p50"] <= out["dates"]["p85"] <= out["dates"]["p95"]
    assert out["start"] == "2025-06-30"
    assert out["trials"] == 10_000


def test_by_json_shape_and_team_selection(work: Path) -> None:
    args = ["forecast", "s.jira.ndjson", "-c", "s.jira.flowgap.toml", "--by", "2025-08-01"]
    done = flowgap_cli(*args, "--json", "--team", "QA", cwd=work)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["by"] == "2025-08-01"
    assert out["items"]["p50"] >= out["items"]["p85"] >= out["items"]["p95"]
    # The history is that of the items the dashboard's team filter keeps.
    config = flowgap.Config.load(work / "s.jira.flowgap.toml")
    analysis = flowgap.analyze(flowgap.load(work / "s.jira.ndjson", config), config)
    mask = selected_mask(analysis.items, analysis.timeline, Selection(team=("QA",)), analysis.as_of)
    qa_items = analysis.items.filter(mask)
    history = daily_throughput(qa_items, analysis.as_of, 84)
    assert out["window"]["delivered"] == history.delivered
    everyone = daily_throughput(analysis.items, analysis.as_of, 84).delivered
    assert 0 < history.delivered < everyone
    assert int(pc.sum(mask).as_py()) == qa_items.num_rows


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--items", "0"], "--items: must be at least 1"),
        (["--items", "-3"], "--items: must be at least 1"),
        (["--by", "2024-01-01"], "--by: 2024-01-01 is not after the analysis date 2025-06-30"),
        (["--by", "soon"], "--by: 'soon' is not a date"),
        ([], "give exactly one of --items N and --by DATE"),
        (["--items", "3", "--by", "2026-01-01"], "give exactly one of"),
        # A name the data lacks is named with the data's names (it said "keeps no item").
        (
            ["--items", "3", "--type", "Nothing"],
            "--type: unknown type 'Nothing'; the data's types are",
        ),
        (
            ["--items", "3", "--team", "Nope"],
            "--team: unknown team 'Nope'; the data's teams are '",
        ),
        (
            ["--items", "3", "--label", "Nope"],
            "--label: unknown label 'Nope'; the data's labels are",
        ),
    ],
)
def test_bad_requests_get_one_line_and_exit_2(work: Path, extra: list[str], message: str) -> None:
    done = flowgap_cli("forecast", "s.jira.ndjson", *extra, cwd=work)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("flowgap: error: ")
    assert message in line
    assert "Traceback" not in done.stderr


def test_whatif_json_shape(work: Path) -> None:
    done = flowgap_cli(
        "whatif", "s.jira.ndjson", "-c", "s.jira.flowgap.toml",
        "--shrink", "Ready for QA=50%", "--merge-teams", "Backend+QA", "--json",
        cwd=work,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    for metric in ("lead_time", "cycle_time"):
        assert set(out[metric]["before"]) == {"p50", "p85"}
        assert out[metric]["after"]["p85"] <= out[metric]["before"]["p85"]
    assert set(out["flow_efficiency"]) == {"before", "after"}
    assert out["changes"] == ["shrink 'Ready for QA' to 50%", "merge teams Backend + QA"]
    assert len(out["assumptions"]) == 3


def test_whatif_text_states_the_assumptions(work: Path) -> None:
    args = ["whatif", "s.jira.ndjson", "-c", "s.jira.flowgap.toml", "--remove", "Steering Review"]
    done = flowgap_cli(*args, cwd=work)
    assert done.returncode == 0, done.stderr
    assert "assuming work content (touch time) is unchanged" in done.stdout


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--shrink", "Nope=50%"], "--shrink: unknown status 'Nope'"),
        (["--shrink", "Ready for QA"], "--shrink: expected 'STATUS=PERCENT%'"),
        (["--merge-teams", "Backend"], "--merge-teams: expected 'TEAM+TEAM'"),
        (["--remove", "Nope"], "--remove: unknown status 'Nope'"),
        ([], "give at least one change"),
    ],
)
def test_whatif_bad_changes_get_one_line_and_exit_2(
    work: Path, extra: list[str], message: str
) -> None:
    done = flowgap_cli("whatif", "s.jira.ndjson", "-c", "s.jira.flowgap.toml", *extra, cwd=work)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("flowgap: error: ")
    assert message in line


def test_analyze_reports_decisions_and_thresholds_on_wip_over_sle(work: Path) -> None:
    args = ["analyze", "s.jira.ndjson", "-c", "s.jira.flowgap.toml", "-o", "out"]
    formats = ["--format", "json,md,csv"]
    done = flowgap_cli(*args, *formats, "--fail-on", "wip.over_sle > 5", cwd=work)
    assert done.returncode == 0, done.stderr
    report = json.loads((work / "out" / "report.json").read_text(encoding="utf-8"))
    wip = report["summary"]["wip"]
    assert 0 <= wip["over_sle"] <= wip["in_trouble"] <= wip["current"]
    assert report["in_trouble"]["total_rows"] == wip["in_trouble"]
    # Every item in trouble in the CSV; the reports list the ten oldest, and say so past ten.
    with (work / "out" / "csv" / "in_trouble.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["item"] for r in rows] == [r["item"] for r in report["in_trouble"]["rows"]]
    assert len(rows) == wip["in_trouble"] >= 1
    many = {**report, "in_trouble": {"rows": report["in_trouble"]["rows"] * 12, "total_rows": 12}}
    cut = "The 10 oldest of 12; every one in csv/in"
    assert "every one in csv" not in markdown.render(report)
    assert cut in markdown.render(many).replace("\\_", "_")
    assert cut in html_report._decisions(many)
    assert (work / "out" / "csv" / "service_levels.csv").is_file()
    (result,) = report["thresholds"]["results"]
    assert result["metric"] == "wip.over_sle" and result["actual"] == wip["over_sle"]
    ranks = [a["rank"] for a in report["actions"]]
    assert ranks == list(range(1, len(ranks) + 1)) and ranks
    saved = [a["days_saved"] for a in report["actions"]]
    assert saved == sorted(saved, reverse=True)
    assert report["forecast"]["by"]["window"]["days"] == 84
    md = (work / "out" / "report.md").read_text(encoding="utf-8")
    for heading in ("## Recommended actions", "## Service level expectations", "## Forecast"):
        assert heading in md
    # A threshold that must fail: exit 1.
    done = flowgap_cli(*args, "--format", "json", "--fail-on", "wip.over_sle >= 0", cwd=work)
    assert done.returncode == 1, done.stderr
