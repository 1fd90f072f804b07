"""A log with thousands of distinct statuses (a free-text status column, or a hostile upload)
analyses end to end, and every chart and map of the report stays one a person can read.

Before, the engine wrote one CASE branch per status into its queries, the stages computed
percentiles one status at a time and the map's layout scanned every status at each step:
100,000 statuses took more than 200 s and 4 GB, and the report drew a map of all of them."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

from cli_process import flowgap_cli as flowgap
from flowgap.figures.statuses import CHART_STATUSES
from flowgap.mining.process_maps import MAP_STATUSES

PAIRS = 1_500  # items, each through two statuses of its own: 3,000 statuses + Open, Done
COMMON = 200  # items through Open -> Done


def _log(path: Path) -> Path:
    t0 = datetime(2026, 1, 5, 9)
    lines = ["case,activity,timestamp"]
    for i in range(PAIRS):
        for j in range(2):
            ts = t0 + timedelta(minutes=17 * i, hours=5 * j)
            lines.append(f"I-{i},S{2 * i + j},{ts.isoformat()}")
    for i in range(COMMON):
        lines.append(f"J-{i},Open,{(t0 + timedelta(hours=i)).isoformat()}")
        lines.append(f"J-{i},Done,{(t0 + timedelta(hours=i, days=3)).isoformat()}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_thousands_of_statuses_analyse_and_the_report_folds_them(tmp_path: Path) -> None:
    log = _log(tmp_path / "free-text.csv")
    # A guard, not a timing: the run took minutes before and takes seconds now.
    run = flowgap("analyze", log, "-o", tmp_path / "out", "--quiet", cwd=tmp_path, timeout=240)
    assert run.returncode == 0, run.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["summary"]["items"]["total"] == PAIRS + COMMON
    stages = (tmp_path / "out" / "csv" / "stages.csv").read_text().splitlines()
    assert len(stages) - 1 == 2 * PAIRS + 2  # every status in the tables
    html = (tmp_path / "out" / "report.html").read_text()
    total = 2 * PAIRS + 2
    # The maps: at most MAP_STATUSES statuses (those of the busiest that have a move among
    # them), and both say so.
    drawn = re.search(rf"(\d+) of {total:,} statuses are drawn: the busiest", html)
    assert drawn and 10 < int(drawn.group(1)) <= MAP_STATUSES
    assert f"Status process map ({drawn.group(1)} of {total:,} statuses: the busiest)" in html
    # The cumulative flow diagram: the named statuses and one band of the others per class.
    cfd = re.search(r'data-figure="cumulative-flow">(.*?)</script>', html, re.S)
    assert cfd, "the cumulative flow diagram is in the report"
    bands = {trace["name"] for trace in json.loads(cfd.group(1))["data"]}
    assert len(bands) <= CHART_STATUSES + 4 and "other wait statuses" in bands
