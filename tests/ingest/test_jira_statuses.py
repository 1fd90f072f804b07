"""Jira status categories from the issues (a majority vote, not the first issue's word) and
from Jira's own status list (``/rest/api/2/status``) given as one more input."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from jira_helpers import reconciles

import flowgap
from flowgap.config import Config
from flowgap.ingest.detect import detect_format
from flowgap.inspection import inspect_result


def issue(key: str, status: str, category: str) -> dict:
    """An issue created in "Offen" that moved to ``status`` (its current one, of ``category``)."""
    return {
        "key": key,
        "fields": {
            "created": "2024-03-01T09:00:00.000+0000",
            "status": {"name": status, "statusCategory": {"key": category}},
        },
        "changelog": {
            "total": 1,
            "histories": [
                {
                    "id": f"{key}-1",
                    "created": "2024-03-04T09:00:00.000+0000",
                    "items": [{"field": "status", "fromString": "Offen", "toString": status}],
                }
            ],
        },
    }


def write_issues(path: Path, categories: list[str]) -> Path:
    lines = [issue(f"E-{i}", "Erledigt", c) for i, c in enumerate(categories, start=1)]
    path.write_bytes(b"".join(orjson.dumps(x) + b"\n" for x in lines))
    return path


STATUS_LIST = [
    {
        "self": "https://jira.example.com/rest/api/2/status/10001",
        "name": "Erledigt",
        "id": "10001",
        "statusCategory": {"id": 3, "key": "done", "colorName": "green", "name": "Done"},
    },
    {
        "name": "Offen",
        "id": "1",
        "statusCategory": {"id": 2, "key": "new", "colorName": "blue-gray", "name": "To Do"},
    },
    {"name": "In Arbeit", "id": "3", "statusCategory": {"key": "indeterminate"}},
    {"name": "Ohne", "id": "4", "statusCategory": {"key": "undefined"}},
    {"id": "5", "statusCategory": {"key": "done"}},
]


def test_the_majority_of_the_issues_decides_a_category_not_the_first(tmp_path: Path) -> None:
    # the first issue says "new", 26 of 30 say "done": a name no heuristic knows
    path = write_issues(tmp_path / "erledigt.ndjson", ["new"] + ["done"] * 26 + ["new"] * 3)
    result = flowgap.load([path], Config())
    assert result.status_categories["Erledigt"] == "done"
    (conflict,) = [w for w in result.warnings if w.kind == "category_conflict"]
    assert conflict.message == (
        "status 'Erledigt': the issues and the status list disagree on its Jira status category"
        " (26 x done, 4 x new): the majority, done, is used"
    )
    data = inspect_result(result, Config())
    erledigt = next(s for s in data["statuses"] if s["name"] == "Erledigt")
    assert (erledigt["category"], erledigt["class"]) == ("done", "done")


def test_the_status_list_is_an_input_beside_the_issues(tmp_path: Path) -> None:
    issues = write_issues(tmp_path / "erledigt.ndjson", ["new", "done", "new"])
    statuses = tmp_path / "erledigt.statuses.json"
    statuses.write_bytes(orjson.dumps(STATUS_LIST))
    assert detect_format(statuses) == "jira-statuses"
    alone = flowgap.load([statuses], Config())
    reconciles(alone)
    (summary,) = alone.inputs
    assert (summary.format, summary.record_unit) == ("jira-statuses", "status")
    assert (summary.records_read, summary.records_loaded, summary.records_rejected) == (5, 3, 2)
    assert [(r.source, r.reason) for r in alone.rejects] == [
        (
            "erledigt.statuses.json:[3]",
            'status "Ohne": statusCategory "undefined" is none of new, indeterminate, done',
        ),
        ("erledigt.statuses.json:[4]", 'not a Jira status: no "name"'),
    ]
    assert alone.status_categories == {
        "Erledigt": "done",
        "Offen": "new",
        "In Arbeit": "indeterminate",
    }
    both = flowgap.load([issues, statuses], Config())
    # 2 issues say new, 1 issue and the list say done: a tie, the first voted wins...
    assert both.status_categories["Erledigt"] == "new"
    # ...and "Offen", seen only in changelogs, has its category from the list alone
    assert both.status_categories["Offen"] == "new"
    (conflict,) = [w.message for w in both.warnings if w.kind == "category_conflict"]
    assert conflict.endswith("(2 x new, 2 x done): the majority, new, is used")
    more = flowgap.load(
        [write_issues(tmp_path / "more.ndjson", ["done"]), issues, statuses], Config()
    )
    assert more.status_categories["Erledigt"] == "done"


def devlake_rows(path: Path) -> list[dict]:
    """The JSON objects of a DevLake raw table (one per row, in its ``data`` column)."""
    import csv

    csv.field_size_limit(1 << 30)
    with path.open(encoding="utf-8", newline="") as fh:
        return [orjson.loads(row["data"]) for row in csv.DictReader(fh)]


@pytest.mark.realdata
def test_devlake_site_the_majority_and_the_status_list_class_its_chinese_done(
    shared_data: Path, tmp_path: Path
) -> None:
    """Apache DevLake's real Jira Cloud payloads: 30 issues are now in 已完成, the first of them
    (and 4 more) saying its category is "new", 25 saying "done"; the site's status list says
    done. 已完成 matches no name heuristic: the category decides its class."""
    raw = shared_data / "jira_devlake"
    issues = tmp_path / "devlake.ndjson"
    issues.write_bytes(
        b"".join(orjson.dumps(x) + b"\n" for x in devlake_rows(raw / "_raw_jira_api_issues.csv"))
    )
    statuses = tmp_path / "devlake.statuses.json"
    statuses.write_bytes(orjson.dumps(devlake_rows(raw / "_raw_jira_api_status.csv")))
    config = Config()
    for inputs, done_votes in (([issues], 25), ([issues, statuses], 26)):
        result = flowgap.load(inputs, config)
        (conflict,) = [w.message for w in result.warnings if w.kind == "category_conflict"]
        assert conflict == (
            "status '已完成': the issues and the status list disagree on its Jira status"
            f" category ({done_votes} x done, 5 x new): the majority, done, is used"
        )
        done = next(s for s in inspect_result(result, config)["statuses"] if s["name"] == "已完成")
        assert (done["count"], done["current"], done["category"], done["class"]) == (
            30,
            30,
            "done",
            "done",
        )
    (summary,) = [i for i in result.inputs if i.format == "jira-statuses"]
    assert (summary.records_read, summary.records_loaded) == (53, 53)
    # statuses only seen in changelogs get their category from the list
    assert (result.status_categories["Closed"], result.status_categories["Open"]) == (
        "done",
        "new",
    )
