"""`flowgap inspect`: the pure inspection dict, and the CLI run as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pytest

import flowgap
from flowgap.config import Config
from flowgap.inspection import inspect_result, starter_config

FIX = Path(__file__).resolve().parent / "fixtures" / "jira"


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flowgap", "inspect", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_inspect_result_counts_and_findings() -> None:
    cfg = Config()
    data = inspect_result(flowgap.load(FIX / "reopened.ndjson", cfg), cfg)
    assert data["items"] == 2
    assert data["events"] == 13
    assert data["first_ts"] == "2023-01-01T00:00:00+00:00"
    assert data["last_ts"] == "2023-01-07T00:00:00+00:00"
    assert data["statuses"] == [
        {
            "name": "In Progress",
            "count": 3,
            "current": 0,
            "class": "active",
            "guessed": True,
            "category": None,
        },
        {
            "name": "Open",
            "count": 3,
            "current": 1,
            "class": "backlog",
            "guessed": True,
            "category": "new",
        },
        {
            "name": "Done",
            "count": 2,
            "current": 1,
            "class": "done",
            "guessed": True,
            "category": "done",
        },
    ]
    assert data["status_order"] == ["Open", "In Progress", "Done"]
    assert data["teams"] == [
        {"name": "Ann", "source": "assignee", "items": 1},
        {"name": "Bob", "source": "assignee", "items": 1},
    ]
    kinds = {f["kind"]: f for f in data["findings"]}
    assert sorted(kinds) == ["backward_moves", "events_after_done", "unmapped_statuses"]
    assert kinds["backward_moves"]["count"] == 2  # Done -> In Progress, In Progress -> Open
    assert kinds["backward_moves"]["items"] == ["R-1", "R-2"]
    assert kinds["backward_moves"]["message"].startswith("2 backward status moves in 2 items")
    # the assignee change on Jan 6 after the last Done; the comment does not count
    assert kinds["events_after_done"]["count"] == 1
    assert kinds["events_after_done"]["items"] == ["R-1"]
    assert kinds["unmapped_statuses"]["count"] == 3
    assert data["rejects"] == {"shown": [], "total": 0, "more": 0}


def test_configured_order_and_classes() -> None:
    cfg = Config.from_dict(
        {
            "statuses": {
                "order": ["Open", "In Progress", "Done"],
                "classes": {"Open": "backlog", "In Progress": "active", "Done": "done"},
            },
            "teams": {"source": ["assignee_map"], "assignee_map": {"Ann": "Platform"}},
        }
    )
    data = inspect_result(flowgap.load(FIX / "reopened.ndjson", cfg), cfg)
    assert [s["guessed"] for s in data["statuses"]] == [False, False, False]
    kinds = {f["kind"]: f for f in data["findings"]}
    assert "unmapped_statuses" not in kinds
    assert kinds["backward_moves"]["count"] == 2
    assert "statuses.order" in kinds["backward_moves"]["message"]
    assert data["teams"] == [{"name": "Platform", "source": "assignee_map", "items": 1}]


def test_rejects_are_capped(tmp_path: Path) -> None:
    path = tmp_path / "many.ndjson"
    path.write_text("".join(f'{{"key": "B-{i}"}}\n' for i in range(25)))
    cfg = Config()
    data = inspect_result(flowgap.load(path, cfg, format="jira-json"), cfg)
    assert data["rejects"]["total"] == 25
    assert data["rejects"]["more"] == 5
    assert len(data["rejects"]["shown"]) == 20
    assert data["rejects"]["shown"][0] == {
        "source": "many.ndjson:1",
        "reason": 'B-0: issue has no "fields" object',
    }


def test_cli_json() -> None:
    run = cli(str(FIX / "v2_page.json"), str(FIX / "v3_page.json"), "--json")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert [
        (
            Path(i["path"]).name,
            i["format"],
            i["records_read"],
            i["records_loaded"],
            i["records_rejected"],
        )
        for i in data["inputs"]
    ] == [
        ("v2_page.json", "jira-json", 8, 8, 0),
        ("v3_page.json", "jira-json", 7, 5, 2),
    ]
    # without team_field the changelog's "Team" keeps its name and no initial team is made
    assert (data["items"], data["events"]) == (3, 22)
    assert data["first_ts"] == "2023-05-02T08:15:30+00:00"
    assert data["last_ts"] == "2023-06-04T07:00:00+00:00"
    assert {
        "name": "En révision",
        "count": 2,
        "current": 0,
        "class": "wait",
        "guessed": True,
        "category": None,
    } in data["statuses"]
    assert "truncated_history" in [f["kind"] for f in data["findings"]]
    assert data["rejects"]["total"] == 2
    assert data["rejects"]["shown"][1] == {
        "source": "v3_page.json:ABC-4",
        "reason": 'ABC-4: issue has no "fields" object',
    }


def test_cli_human_output() -> None:
    run = cli(str(FIX / "ui_export.csv"))
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "jira-csv" in out
    assert "items: 2   events: 3" in out
    assert "En révision" in out
    assert "no status history: lead time only" in out
    assert "[no_history]" in out
    # no item holds a team for a span of time: the analysis has no teams, nor does inspect
    assert "Teams: none (no status history" in out
    assert "ui_export.csv:6: ABC-1: duplicate issue key (first at line 2)" in out


def test_cli_write_config_round_trip(tmp_path: Path) -> None:
    target = tmp_path / "flowgap.toml"
    run = cli(str(FIX / "v2_page.json"), str(FIX / "v3_page.json"), "--write-config", str(target))
    assert run.returncode == 0, run.stderr
    text = target.read_text(encoding="utf-8")
    assert '"En révision" = "wait"   # guessed;' in text
    cfg = Config.load(target)
    assert cfg.statuses.classes == {
        "To Do": "backlog",
        "Ready for QA": "wait",
        "Selected for Development": "wait",
        "In Progress": "active",
        "En révision": "wait",
        "Done": "done",
    }
    # with that config nothing is guessed any more, and the file is not overwritten
    data = inspect_result(flowgap.load(FIX / "v2_page.json", cfg), cfg)
    assert not any(s["guessed"] for s in data["statuses"])
    again = cli(str(FIX / "v2_page.json"), "--write-config", str(target))
    assert again.returncode == 2
    assert again.stderr.strip().endswith("already exists; remove it or choose another name")


def test_starter_config_escapes_odd_names() -> None:
    data = {
        "inputs": [],
        "statuses": [
            {
                "name": 'Say "hi"\\now\x7f',
                "count": 1,
                "current": 0,
                "class": "wait",
                "guessed": True,
                "category": None,
            }
        ],
        "status_order": ['Say "hi"\\now\x7f'],
        "status_side_states": ['Say "hi"\\now\x7f'],
        "findings": [],
    }
    import tomllib

    text = starter_config(data, Config())
    parsed = tomllib.loads(text)
    assert parsed["statuses"]["classes"] == {'Say "hi"\\now\x7f': "wait"}
    assert '# (left out: work returns from these to where it was: "Say \\"hi' in text


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.json", None, "no such file"),
        ("corrupt.json.gz", b"\x1f\x8b\x08\x00not deflate at all", "corrupt gzip"),
        ("broken.json", b'{"issues": [{"key": "A-1", "fields": ', "not valid JSON"),
        ("other.json", b'{"hello": "world"}', "JSON, but not a Jira export"),
        ("words.txt", b"hello\n", "cannot detect the format"),
    ],
)
def test_cli_bad_input_one_line_exit_2(
    tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    run = cli(str(path))
    assert run.returncode == 2
    assert run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith(f"flowgap: error: {path}")
    assert message in lines[0]
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("as_json", [[], ["--json"]])
def test_a_folder_where_every_file_is_rejected_is_exit_2_like_one_such_file(
    tmp_path: Path, as_json: list[str]
) -> None:
    # It printed "items: 0" and exited 0, while one such file alone exits 2.
    folder = tmp_path / "exports"
    folder.mkdir()
    for name in ("a.csv", "b.csv"):
        (folder / name).write_text("id,params,data\n1,{},{}\n")
    alone = cli(str(folder / "a.csv"))
    assert alone.returncode == 2
    run = cli(str(folder), *as_json, "--write-config", str(tmp_path / "flowgap.toml"))
    assert (run.returncode, run.stdout) == (2, "")
    (line,) = run.stderr.strip().splitlines()
    assert line.startswith(
        "flowgap: error: exports: nothing to analyse: all 2 of 2 input records were rejected"
        " (2 x not loaded: missing column"
    )
    assert not (tmp_path / "flowgap.toml").exists()


def test_cli_forced_format_on_corrupt_json(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_bytes(b'{\n  "issues": [\n    {"key": "A-1",\n')
    run = cli(str(path), "--input-format", "jira-json")
    assert run.returncode == 2
    assert run.stderr.startswith(f"flowgap: error: {path}: not valid JSON")
    assert len(run.stderr.strip().splitlines()) == 1


def test_mixed_history_and_no_history_inputs() -> None:
    cfg = Config()
    result = flowgap.load([FIX / "reopened.ndjson", FIX / "ui_export.csv"], cfg)
    data = inspect_result(result, cfg)
    counts = {s["name"]: (s["count"], s["current"]) for s in data["statuses"]}
    # Done: two entries by R-1 in the JSON history + ABC-1's current status from the CSV
    assert counts["Done"] == (3, 2)
    assert counts["En révision"] == (1, 1)
    assert counts["In Progress"] == (3, 0)
    assert data["has_history"] is False
    assert [i["format"] for i in data["inputs"]] == ["jira-json", "jira-csv"]
    # without status history the analysis has no teams: inspect lists none either (it listed
    # the JSON's and the CSV's assignees)
    assert data["teams"] == []
    assert flowgap.analyze(result, cfg).teams.num_rows == 0


def test_side_states_are_left_out_of_the_inferred_order(tmp_path: Path) -> None:
    # Blocked: 3 visits, work went back to where it was in 2 -> a side state. QA sends work
    # back to Dev as often, but QA is work (active), not a side state.
    rows = ["item,from,to,timestamp"]
    journeys = {
        "A-1": ["Open", "Dev", "Blocked", "Dev", "QA", "Dev", "QA", "Done"],
        "A-2": ["Open", "Dev", "Blocked", "Dev", "QA", "Done"],
        "A-3": ["Open", "Dev", "Blocked", "QA", "Dev", "QA", "Done"],
    }
    for item, path in journeys.items():
        for day, (a, b) in enumerate(pairwise(path), start=1):
            rows.append(f"{item},{a},{b},2024-01-{day:02d}T09:00:00Z")
    log = tmp_path / "t.csv"
    log.write_text("\n".join(rows) + "\n", encoding="utf-8")
    cfg = Config()
    data = inspect_result(flowgap.load(log, cfg), cfg)
    assert data["status_side_states"] == ["Blocked"]
    assert data["status_order"] == ["Open", "Dev", "QA", "Done"]
    text = starter_config(data, cfg)
    assert '# order = ["Open", "Dev", "QA", "Done"]' in text
    assert '# (left out: work returns from these to where it was: "Blocked")' in text


def test_write_config_for_a_day_first_csv_maps_its_columns_and_turns_dayfirst_on(
    tmp_path: Path,
) -> None:
    log = tmp_path / "dd.csv"
    log.write_text(
        "case,activity,timestamp\nc1,Open,02/01/2024 10:00\nc1,Done,13/01/2024 09:00\n"
        "c2,Open,14/01/2024 09:00\n",
        encoding="utf-8",
    )
    target = tmp_path / "flowgap.toml"
    run = cli(str(log), "--write-config", str(target))
    assert run.returncode == 0, run.stderr
    text = target.read_text(encoding="utf-8")
    assert "[input.csv]   # the columns flowgap read (csv)" in text
    assert "dayfirst = true   # rejected dates parse only day first" in text
    cfg = Config.load(target)
    assert cfg.input.csv.dayfirst is True and cfg.input.csv.item == "case"
    data = inspect_result(flowgap.load(log, cfg), cfg)
    assert data["rejects"]["total"] == 0
    assert data["first_ts"].startswith("2024-01-02T10:00")


SERVICENOW_LIKE = (
    "number,incident_state,active,reassignment_count,sys_mod_count,caller_id,opened_at,"
    "sys_updated_by,sys_updated_at,assignment_group,assigned_to,closed_at\n"
    "INC1,New,true,0,0,Caller 2403,29/2/2016 01:16,Updated by 21,29/2/2016 01:23,Group 56,?,"
    "5/3/2016 12:00\n"
    "INC1,Resolved,true,0,2,Caller 2403,29/2/2016 01:16,Updated by 804,29/2/2016 11:29,"
    "Group 56,Resolver 89,5/3/2016 12:00\n"
    "INC2,Active,true,1,3,Caller 2403,29/2/2016 04:40,Updated by 703,1/3/2016 09:52,Group 70,"
    "Resolver 31,6/3/2016 10:00\n"
    "INC2,Active,true,1,4,Caller 2403,29/2/2016 04:40,Updated by 332,1/3/2016 09:52,Group 24,"
    "Resolver 31,6/3/2016 10:00\n"
)


def test_write_config_for_a_csv_of_no_known_shape_guesses_its_mapping(tmp_path: Path) -> None:
    log = tmp_path / "incidents.csv"
    log.write_text(SERVICENOW_LIKE, encoding="utf-8")
    run = cli(str(log))  # without --write-config: the missing column, and the way out
    assert (run.returncode, run.stderr) == (
        2,
        f"flowgap: error: {log}: missing column 'case' (config key input.csv.item); columns:"
        f" {SERVICENOW_LIKE.splitlines()[0].replace(',', ', ')}; --write-config flowgap.toml"
        " writes a mapping guessed from the columns\n",
    )
    target = tmp_path / "flowgap.toml"
    run = cli(str(log), "--write-config", str(target), "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["items"] == 2
    assert run.stderr.startswith("flowgap: note: incidents.csv fits no known shape;")
    text = target.read_text(encoding="utf-8")
    section = text[text.index("[input.csv]") : text.index("[statuses]")].strip().splitlines()
    assert section == [
        "[input.csv]   # guessed from the file's columns and values: check each key",
        'item = "number"   # an id-like column whose values repeat (rows per item)',
        'status = ["incident_state"]   # a status-like name',
        'status_separator = " / "',
        'timestamp = "sys_updated_at"   # its values parse as timestamps',
        "# timestamp_format =",
        "dayfirst = true   # some dates parse only day first",
        'timezone = "UTC"',
        'team = "assignment_group"   # a group/team-like name',
        'resource = "assigned_to"   # an assignee/resource-like name',
        'missing_values = ["", "?", "NA", "N/A", "null"]',
        'order_by = "sys_mod_count"   # a counter: orders the rows of one timestamp',
        'created = "opened_at"   # a creation time: its values parse as timestamps',
        "# delimiter =",
    ]
    cfg = Config.load(target)
    result = flowgap.load(log, cfg)
    assert result.rejects == []
    items = {r["item"]: r["created"].isoformat() for r in result.items.to_pylist()}
    assert items == {"INC1": "2016-02-29T01:16:00+00:00", "INC2": "2016-02-29T04:40:00+00:00"}


def test_write_config_recognises_pm4py_standard_names(tmp_path: Path) -> None:
    log = tmp_path / "pm4py.csv"
    log.write_text(
        "case:concept:name;concept:name;time:timestamp;org:group;org:resource;cost\n"
        "1;register request;2010-12-30 11:02:00+01:00;front;Pete;50\n"
        "1;examine casually;2010-12-31 10:06:00+01:00;back;Mike;400\n",
        encoding="utf-8",
    )
    target = tmp_path / "flowgap.toml"
    run = cli(str(log), "--write-config", str(target))
    assert run.returncode == 0, run.stderr
    csv = Config.load(target).input.csv
    assert (csv.item, csv.status, csv.timestamp, csv.team, csv.resource, csv.delimiter) == (
        "case:concept:name",
        ["concept:name"],
        "time:timestamp",
        "org:group",
        "org:resource",
        ";",
    )
    assert "pm4py's standard name for the item" in target.read_text(encoding="utf-8")


def test_write_config_says_what_it_cannot_guess(tmp_path: Path) -> None:
    log = tmp_path / "odd.csv"
    log.write_text("a,b\n1,2\n3,4\n", encoding="utf-8")
    target = tmp_path / "flowgap.toml"
    run = cli(str(log), "--write-config", str(target))
    assert run.returncode == 2
    assert run.stderr == (
        f"flowgap: error: {log}: missing column 'case' (config key input.csv.item); columns:"
        " a, b; a mapping cannot be guessed either: no column looks like the item or the"
        " status or the timestamp: set [input.csv] (docs/config.md)\n"
    )
    assert not target.exists()


def test_class_warnings_come_first_and_the_shape_corrects_a_done_guess(tmp_path: Path) -> None:
    """Three items through Analysis, Dev Done, Test, Staged Done, Deploying, Closed; "Staged
    Done" is configured done although items leave it for work."""
    rows = ["item,from,to,timestamp"]
    path = ["Analysis", "Dev Done", "Test", "Staged Done", "Deploying", "Closed"]
    for i in range(3):
        for step, (a, b) in enumerate(pairwise(["", *path])):
            rows.append(f"W-{i},{a},{b},2026-02-{10 + i + step:02d}T09:00:00Z")
    (tmp_path / "moves.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    config = Config.from_dict({"statuses": {"classes": {"Staged Done": "done"}}})
    data = inspect_result(flowgap.load([tmp_path / "moves.csv"], config), config)
    classes = {s["name"]: (s["class"], s["guessed"], s["count"]) for s in data["statuses"]}
    # by name "Dev Done" would be done; all its 3 visits move on to Test (active): a queue
    assert classes["Dev Done"] == ("wait", True, 3)
    assert classes["Staged Done"] == ("done", False, 3)
    assert [f["kind"] for f in data["findings"]][:1] == ["done_inside_workflow"]
    assert data["findings"][0]["message"].startswith(
        "'Staged Done' (configured, 3 visits) is classed done, but items leave it again in 3 of"
        " its 3 visits (most often for 'Deploying')"
    )
    written = starter_config(data, config)
    assert '"Dev Done" = "wait"' in written


def test_names_in_square_brackets_are_printed_as_data_not_markup(tmp_path: Path) -> None:
    """Rich reads "[/x]" as a closing tag (an error) and "[bold]X" as a style: names are data."""
    path = tmp_path / "[odd] t.csv"
    path.write_text(
        "item,from,to,timestamp,author,team\n"
        "A-1,,[/x],2025-01-06T09:00:00Z,Ann,[bold]X\n"
        "A-1,[/x],Done,2025-01-07T09:00:00Z,Ann,[bold]X\n"
    )
    done = cli(path.name, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(line.startswith("│ [/x]   │     1 │") for line in lines), done.stdout
    assert any(line.startswith("│ [bold]X │") for line in lines), done.stdout
    assert any(line.startswith("│ [odd] t.csv │") for line in lines), done.stdout


def test_teams_are_those_the_analysis_sees_first_source_in_force() -> None:
    """An assignee is a team only while no earlier source gives one: T-1 carries a team field
    from its first moment, so its assignee Ann is no team; T-2 has none until day 3, so Bob is
    its team until then; T-3 never has one. T-4's assignee Dee came before its first status:
    no segment has her. The same names as the analysis' teams."""
    from datetime import UTC, datetime

    from flowgap.model import LoadResult, events_from_rows, items_from_rows

    def at(day: int) -> datetime:
        return datetime(2024, 1, day, tzinfo=UTC)

    rows = []
    for item, changes in {
        "T-1": [
            (1, "status", "In Progress"),
            (1, "team", "Core"),
            (1, "assignee", "Ann"),
            (4, "status", "Done"),
        ],
        "T-2": [
            (1, "status", "In Progress"),
            (1, "assignee", "Bob"),
            (3, "team", "Edge"),
            (4, "status", "Done"),
        ],
        "T-3": [(1, "status", "In Progress"), (2, "assignee", "Cy"), (4, "status", "Done")],
        "T-4": [(1, "assignee", "Dee"), (2, "assignee", None), (3, "status", "In Progress")],
    }.items():
        rows.append({"item": item, "ts": at(1), "seq": 0, "field": "created"})
        for seq, (day, field, value) in enumerate(changes, start=1):
            rows.append({"item": item, "ts": at(day), "seq": seq, "field": field, "value": value})
    result = LoadResult(
        events=events_from_rows(rows),
        items=items_from_rows([{"item": f"T-{i}", "created": at(1)} for i in range(1, 5)]),
    )
    cfg = Config()
    data = inspect_result(result, cfg)
    assert data["teams"] == [
        {"name": "Bob", "source": "assignee", "items": 1},
        {"name": "Core", "source": "field", "items": 1},
        {"name": "Cy", "source": "assignee", "items": 1},
        {"name": "Edge", "source": "field", "items": 1},
    ]
    analysis = flowgap.analyze(result, cfg)
    assert sorted(analysis.teams.column("team").to_pylist()) == ["Bob", "Core", "Cy", "Edge"]
