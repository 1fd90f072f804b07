"""flowgap sample: determinism, the ground truth (hand-computed cases and internal consistency),
the story item, and every written format loaded back through flowgap.load()."""

from __future__ import annotations

import csv
import gzip
import itertools
import math
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from typer.testing import CliRunner

import flowgap
from flowgap.cli import app
from flowgap.config import Config
from flowgap.errors import InputError, UsageError
from flowgap.sample import SAMPLE_CONFIG_TOML, STORY_KEY, generate, sample_config, write_sample
from flowgap.sample import workflow as wf
from flowgap.sample.clock import DAY, Clock
from flowgap.sample.regen import SAMPLE_LOGS, regenerate
from flowgap.sample.simulate import Comment, Hist, SimItem
from flowgap.sample.truth import FULL, RULES, STATUS_ONLY, partial
from flowgap.sample.writers import base_name

DAY_S = 86400.0
EVENT_COLS = ["item", "ts", "seq", "field", "value", "prev", "actor"]


@pytest.fixture(scope="module")
def sample():
    return generate(items=150, seed=7, story=True)


def _rows(table: pa.Table, cols: list[str]) -> list[tuple]:
    data = table.select(cols).to_pylist()
    return sorted((tuple(r[c] for c in cols) for r in data), key=repr)


def _read_truth(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return {row["item"]: row for row in csv.DictReader(fh)}


# --------------------------------------------------------------------------- truth by hand


def _item(hists: list[Hist], comments: list[Comment] | None = None, created: int = 0) -> SimItem:
    it = SimItem(
        key="T-1",
        issue_id=1,
        type="Story",
        priority="High",
        summary="hand-made",
        reporter="R",
        created=created,
        labels0=(),
        components=(),
        story_points=None,
    )
    it.hists = hists
    it.comments = comments or []
    return it


def test_truth_of_a_hand_computed_item() -> None:
    # minutes; days apart where the calendar day matters (steering touches)
    d = DAY
    hists = [
        Hist(60, 1, "a", [("status", "Backlog", "Ready for Dev"), ("team", None, "A")]),
        Hist(120, 2, "a", [("status", "Ready for Dev", "In Development"), ("assignee", None, "x")]),
        Hist(150, 3, "x", [("flag", False, True)]),
        Hist(170, 4, "x", [("flag", True, False)]),
        Hist(240, 5, "x", [("status", "In Development", "Ready for QA"), ("team", "A", "QA")]),
        Hist(d + 10, 6, "c", [("status", "Ready for QA", "Steering Review")]),
        Hist(d + 20, 7, "c", [("status", "Steering Review", "Ready for QA")]),
        Hist(d + 25, 8, "c", [("labels", (), ("steerco",))]),
        Hist(d + 300, 9, "q", [("status", "Ready for QA", "In QA")]),
        Hist(d + 360, 10, "q", [("status", "In QA", "Done"), ("resolution", None, "Done")]),
        Hist(2 * d, 11, "r", [("status", "Done", "Ready for Dev"), ("team", "QA", "A")]),
        Hist(2 * d + 60, 12, "x", [("status", "Ready for Dev", "Blocked")]),
        Hist(2 * d + 90, 13, "x", [("status", "Blocked", "In Development")]),
        Hist(2 * d + 150, 14, "x", [("status", "In Development", "Done")]),
    ]
    comments = [
        Comment(d + 12, 20, "c", "Discussed in SteerCo 1970-01-02: keep going"),
        Comment(2 * d + 5, 21, "c", "discussed in steerco again"),
        Comment(2 * d + 6, 22, "c", "Looks good to me."),
    ]
    row = partial(_item(hists, comments), RULES, FULL).finish(as_of=3 * d)
    window = 2 * d + 150 - 60
    touch = (240 - 120 - 20) + 60 + 60  # dev minus the flag, QA, dev after Blocked
    assert row["committed"] == 60 * 60_000_000
    assert row["delivered"] == (2 * d + 150) * 60_000_000
    assert row["is_open"] is False
    assert row["lead_time_s"] == (2 * d + 150) * 60.0
    assert row["cycle_time_s"] == window * 60.0
    assert row["window_s"] == window * 60.0
    assert row["touch_s"] == touch * 60.0
    assert row["wait_s"] == (window - touch) * 60.0
    assert row["blocked_s"] == (20 + 30) * 60.0  # the flag and the Blocked status
    assert row["flow_efficiency"] == pytest.approx(touch / window)
    assert (row["handoffs"], row["teams_visited"], row["team_path"]) == (2, 2, "A > QA > A")
    assert row["rework"] == 1  # Done -> Ready for Dev; side trips are not rework
    # day 1: status + comment + label count once; day 2: the second comment
    assert row["steering_touches"] == 2

    # a status-only format sees neither the flag nor the comments and labels
    row = partial(_item(hists, comments), RULES, STATUS_ONLY).finish(as_of=3 * d)
    assert row["touch_s"] == (touch + 20) * 60.0
    assert row["blocked_s"] == 30 * 60.0
    assert row["steering_touches"] == 1


def test_truth_of_open_and_uncommitted_items_at_as_of() -> None:
    hists = [
        Hist(100, 1, "a", [("status", "Backlog", "Selected for Development"), ("team", None, "B")]),
        Hist(400, 2, "a", [("status", "Selected for Development", "In Analysis")]),
    ]
    p = partial(_item(hists), RULES, FULL)
    row = p.finish(as_of=1000)
    assert row["is_open"] is True and row["delivered"] is None
    assert row["lead_time_s"] is None and row["cycle_time_s"] is None
    assert row["window_s"] == 900 * 60.0
    assert row["touch_s"] == 600 * 60.0  # still being worked on at as_of
    assert row["flow_efficiency"] == pytest.approx(600 / 900)
    assert (row["handoffs"], row["teams_visited"]) == (0, 1)
    # measured exactly at the last change, the open tail is empty
    assert p.finish(as_of=400)["touch_s"] == 0.0

    backlog = partial(_item([]), RULES, FULL).finish(as_of=1000)
    assert backlog["committed"] is None and backlog["is_open"] is True
    for col in ("window_s", "touch_s", "wait_s", "blocked_s", "flow_efficiency"):
        assert backlog[col] is None
    assert (backlog["handoffs"], backlog["teams_visited"], backlog["team_path"]) == (0, 0, "")

    dropped = partial(
        _item(
            [Hist(50, 1, "a", [("status", "Backlog", "Done"), ("resolution", None, "Won't Do")])]
        ),
        RULES,
    ).finish(as_of=1000)
    assert dropped["is_open"] is False and dropped["lead_time_s"] == 50 * 60.0
    assert dropped["cycle_time_s"] is None and dropped["window_s"] is None


# --------------------------------------------------------------------------- generate


def test_sample_config_loads_and_classes_every_status() -> None:
    cfg = sample_config()
    for status, cls in wf.CLASSES.items():
        assert cfg.status_class(status) == (cls, False)
    assert cfg.statuses.order[0] == "Backlog" and cfg.statuses.order[-1] == "Done"
    assert cfg.steering.labels == ["steerco"]
    assert cfg.input.jira.team_field == "Team"
    assert Config.from_dict(__import__("tomllib").loads(SAMPLE_CONFIG_TOML)) == cfg


def test_generate_is_deterministic(sample) -> None:
    again = generate(items=150, seed=7, story=True)
    assert again.result.events.equals(sample.result.events)
    assert again.result.items.equals(sample.result.items)
    assert again.truth.equals(sample.truth)
    other = generate(items=150, seed=8, story=True)
    assert not other.result.events.equals(sample.result.events)


def test_generate_shapes(sample) -> None:
    events, items, truth = sample.result.events, sample.result.items, sample.truth
    assert items.num_rows == truth.num_rows == 150
    assert sorted(items["item"].to_pylist()) == sorted(truth["item"].to_pylist())
    assert events.schema.equals(flowgap.model.EVENTS_SCHEMA)
    assert sample.as_of == pc.max(events["ts"]).as_py()
    fields = set(events["field"].to_pylist())
    assert {"created", "status", "team", "assignee", "flag", "label", "comment"} <= fields
    # statuses are exactly the sample workflow's
    statuses = set(pc.filter(events["value"], pc.equal(events["field"], "status")).to_pylist())
    assert statuses <= set(wf.CLASSES)
    # every item starts with created (seq 0) then its initial status (seq 1), in Backlog
    firsts = events.filter(pc.less(events["seq"], 2)).to_pylist()
    assert len(firsts) == 2 * 150
    assert all(r["field"] == ("created" if r["seq"] == 0 else "status") for r in firsts)
    # whole minutes everywhere (every format keeps them)
    micros = events["ts"].cast(pa.int64()).to_pylist()
    assert all(v % 60_000_000 == 0 for v in micros)


def test_truth_is_internally_consistent(sample) -> None:
    rows = sample.truth.to_pylist()
    kinds = {"open": 0, "done": 0, "uncommitted": 0, "flagged": 0, "rework": 0, "steered": 0}
    for r in rows:
        assert r["is_open"] == (r["delivered"] is None)
        if r["committed"] is None:
            kinds["uncommitted"] += 1
            assert r["window_s"] is None and r["flow_efficiency"] is None
            continue
        assert r["touch_s"] + r["wait_s"] == pytest.approx(r["window_s"])
        assert 0 <= r["touch_s"] <= r["window_s"]
        assert 0 <= r["blocked_s"] <= r["wait_s"] + 1e-9
        if r["window_s"] > 0:
            assert r["flow_efficiency"] == pytest.approx(r["touch_s"] / r["window_s"])
        if r["is_open"]:
            kinds["open"] += 1
            assert r["window_s"] == pytest.approx(
                (sample.as_of.timestamp() * 1e6 - r["committed"].timestamp() * 1e6) / 1e6
            )
        else:
            kinds["done"] += 1
            assert r["cycle_time_s"] == r["window_s"]
            assert r["lead_time_s"] >= r["cycle_time_s"]
        teams = [t for t in r["team_path"].split(" > ") if t]
        assert r["handoffs"] == max(len(teams) - 1, 0)
        assert r["teams_visited"] == len(set(teams))
        assert all(a != b for a, b in itertools.pairwise(teams))
        kinds["flagged"] += r["blocked_s"] > 0
        kinds["rework"] += r["rework"] > 0
        kinds["steered"] += r["steering_touches"] > 0
    # the log holds every kind of item the engine must handle
    assert all(v > 0 for v in kinds.values()), kinds


def test_story_item_numbers_and_it_is_the_worst(sample) -> None:
    truth = {r["item"]: r for r in sample.truth.to_pylist()}
    s = truth[STORY_KEY]
    assert s["touch_s"] == 426600.0  # 4.94 days
    assert s["lead_time_s"] == 10375200.0  # 120.08 days (about four months)
    assert s["cycle_time_s"] == 9770400.0
    assert s["blocked_s"] == 7200.0
    assert (s["teams_visited"], s["handoffs"], s["steering_touches"]) == (6, 9, 16)
    assert s["team_path"] == (
        "Analysis > Backend > Frontend > Backend > Security > Backend > QA > Frontend > QA > Ops"
    )
    assert s["rework"] == 4
    others = [r for k, r in truth.items() if k != STORY_KEY]
    assert all((r["lead_time_s"] or 0) < s["lead_time_s"] for r in others)
    assert all((r["wait_s"] or 0) < s["wait_s"] for r in others)
    assert all(r["handoffs"] < 9 and r["steering_touches"] < 16 for r in others)
    delivered = [r for r in others if not r["is_open"] and r["flow_efficiency"] is not None]
    assert all(r["flow_efficiency"] > s["flow_efficiency"] for r in delivered)
    # the sixteen touches are sixteen Wednesdays
    ev = sample.result.events
    story_comments = ev.filter(
        pc.and_(pc.equal(ev["item"], STORY_KEY), pc.equal(ev["field"], "comment"))
    ).to_pylist()
    days = {c["ts"].date() for c in story_comments}
    assert len(days) == 16 and {d.weekday() for d in days} == {2}


def test_story_flag_and_no_story() -> None:
    plain = generate(items=5, seed=1, story=False)
    assert STORY_KEY not in plain.truth["item"].to_pylist()
    assert plain.truth.num_rows == 5
    with pytest.raises(ValueError):
        generate(items=0)


def test_clock_keeps_working_hours_in_berlin() -> None:
    clock = Clock("Europe/Berlin")
    # Friday 2025-03-28 17:30 local (+01:00) plus one working hour: Monday 08:30 local (+02:00)
    t = clock.align(int(1743179400 / 60))
    assert clock.iso(t) == "2025-03-28T17:30:00.000+01:00"
    assert clock.iso(clock.add_work(t, 60)) == "2025-03-31T08:30:00.000+02:00"
    assert clock.iso(clock.align(t + 60)) == "2025-03-31T08:00:00.000+02:00"


# --------------------------------------------------------------------------- writers


def test_base_name() -> None:
    assert base_name(Path("story.jira.ndjson.gz")) == "story.jira"
    assert base_name(Path("sample.xes.gz")) == "sample"
    assert base_name(Path("sample.events.csv")) == "sample.events"
    assert base_name(Path("export")) == "export"


@pytest.mark.parametrize(
    "name,fmt",
    [
        ("s.jira.ndjson.gz", "jira-json"),
        ("s.jira.json", "jira-json"),
        ("s.jira-ui.csv", "jira-csv"),
        ("s.transitions.csv", "transition-csv"),
        ("s.events.csv", "csv"),
        ("s.xes.gz", "xes"),
        ("s.xes", "xes"),
        ("s.parquet", "parquet"),
    ],
)
def test_writers_are_byte_deterministic(tmp_path: Path, name: str, fmt: str) -> None:
    a = write_sample(tmp_path / "a" / name, items=25, seed=4, format=fmt, story=True)
    b = write_sample(tmp_path / "b" / name, items=25, seed=4, format=fmt, story=True)
    assert [p.name for p in a] == [p.name for p in b]
    # nothing else left behind (no partial file)
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(p.name for p in a)
    stem = base_name(Path(name))
    assert a[-2].name == f"{stem}.truth.csv" and a[-1].name == f"{stem}.flowgap.toml"
    for pa_, pb in zip(a, b, strict=True):
        assert pa_.read_bytes() == pb.read_bytes(), pa_.name
    Config.load(a[-1])  # the config beside it is valid


def test_write_sample_refuses_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown sample format 'yaml'"):
        write_sample(tmp_path / "x.yaml", items=3, seed=1, format="yaml", story=False)
    with pytest.raises(UsageError, match="at least 1"):
        write_sample(tmp_path / "x.csv", items=0, seed=1, format="csv", story=False)
    with pytest.raises(UsageError, match="is a directory"):
        write_sample(tmp_path, items=3, seed=1, format="csv", story=False)


def test_write_sample_unwritable_place_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(InputError, match="cannot write"):
        write_sample(blocker / "x.transitions.csv", items=3, seed=1, format="transition-csv")


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, list[Path]]:
    folder = tmp_path_factory.mktemp("formats")
    specs = {
        "ndjson": ("s.jira.ndjson.gz", "jira-json"),
        "page": ("s.jira.json", "jira-json"),
        "ui": ("s.jira-ui.csv", "jira-csv"),
        "transitions": ("s.transitions.csv", "transition-csv"),
        "events": ("s.events.csv", "csv"),
        "xes": ("s.xes.gz", "xes"),
        "parquet": ("s.canonical.parquet", "parquet"),
    }
    return {
        key: write_sample(folder / name, items=60, seed=11, format=fmt, story=True)
        for key, (name, fmt) in specs.items()
    }


@pytest.fixture(scope="module")
def same() -> object:
    return generate(items=60, seed=11, story=True)


def _load(paths: list[Path]) -> flowgap.LoadResult:
    return flowgap.load(paths[0], Config.load(paths[-1]))


def _jira_counts(path: Path) -> tuple[int, int, int]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        data = fh.read()
    if path.name.endswith(".json"):
        issues = orjson.loads(data)["issues"]
    else:
        issues = [orjson.loads(line) for line in data.splitlines() if line.strip()]
    hist = sum(len(i["changelog"]["histories"]) for i in issues)
    comments = sum(len(i["fields"]["comment"]["comments"]) for i in issues)
    return len(issues), hist, comments


@pytest.mark.parametrize("key", ["ndjson", "page"])
def test_jira_json_loads_back_to_exactly_the_generated_tables(written, same, key) -> None:
    r = _load(written[key])
    issues, hist, comments = _jira_counts(written[key][0])
    assert issues == 60
    (inp,) = r.inputs
    assert (inp.format, inp.records_read, inp.records_rejected) == (
        "jira-json",
        issues + hist + comments,
        0,
    )
    assert not r.rejects and not r.warnings
    assert same.result.inputs[0].records_read == inp.records_read
    assert r.events.select(EVENT_COLS).equals(same.result.events.select(EVENT_COLS))
    assert r.items.select(same.result.items.column_names).equals(same.result.items)
    truth = _read_truth(written[key][-2])
    assert len(truth) == 60
    assert truth[STORY_KEY]["steering_touches"] == "16"


def test_page_has_adf_comments_and_ndjson_text(written) -> None:
    page = orjson.loads(written["page"][0].read_bytes())
    assert "names" in page and page["names"][wf.TEAM_FIELD_ID] == "Team"
    body = page["issues"][0]["fields"]["comment"]["comments"][0]["body"]
    assert body["type"] == "doc"
    with gzip.open(written["ndjson"][0], "rb") as fh:
        first = orjson.loads(fh.readline())
    assert isinstance(first["fields"]["comment"]["comments"][0]["body"], str)
    assert first["names"][wf.TEAM_FIELD_ID] == "Team"
    created = [h["created"] for h in first["changelog"]["histories"]]
    assert created == sorted(created) and created[0].endswith("+0100")


def _status_team(table: pa.Table, rename: dict[str, str] | None = None) -> list[tuple]:
    rows = []
    for r in table.to_pylist():
        if r["field"] not in ("created", "status", "team"):
            continue
        value, prev = r["value"], r["prev"]
        if rename and r["field"] == "status":
            value, prev = rename.get(value, value), rename.get(prev, prev)
        rows.append((r["item"], r["ts"], r["field"], value, prev))
    return sorted(rows, key=repr)


def test_transition_csv_loads_back(written, same) -> None:
    r = _load(written["transitions"])
    path = written["transitions"][0]
    n_rows = sum(1 for _ in path.open(encoding="utf-8")) - 1
    (inp,) = r.inputs
    assert (inp.format, inp.records_read, inp.records_loaded) == ("transition-csv", n_rows, n_rows)
    assert r.items.num_rows == 60
    assert _status_team(r.events) == _status_team(same.result.events)


def test_event_csv_loads_back(written, same) -> None:
    r = _load(written["events"])
    n_rows = sum(1 for _ in written["events"][0].open(encoding="utf-8")) - 1
    (inp,) = r.inputs
    assert (inp.format, inp.records_read, inp.records_loaded) == ("csv", n_rows, n_rows)
    rename = {wf.EVENT_CSV_SEPARATOR.join(v): k for k, v in wf.EVENT_CSV_PARTS.items()}
    assert _status_team(r.events, rename) == _status_team(same.result.events)
    assert "?" not in set(r.events["value"].drop_null().to_pylist())


def test_xes_loads_back(written, same) -> None:
    r = _load(written["xes"])
    (inp,) = r.inputs
    assert inp.format == "xes" and inp.records_rejected == 0
    assert r.items.num_rows == 60
    assert _status_team(r.events) == _status_team(same.result.events)
    assignees = [x for x in r.events.to_pylist() if x["field"] == "assignee"]
    expected = [x for x in same.result.events.to_pylist() if x["field"] == "assignee"]
    assert sorted((a["item"], a["ts"], a["value"]) for a in assignees) == sorted(
        (a["item"], a["ts"], a["value"]) for a in expected
    )


def test_parquet_loads_back(written, same) -> None:
    r = _load(written["parquet"])
    assert r.events.select(EVENT_COLS).equals(same.result.events.select(EVENT_COLS))
    assert r.items.num_rows == 60


def test_jira_ui_csv_loads_back_with_lead_times(written, same) -> None:
    r = _load(written["ui"])
    assert r.has_history is False
    assert r.inputs[0].records_read == 60 and r.inputs[0].records_rejected == 0
    truth = _read_truth(written["ui"][-2])
    items = {row["item"]: row for row in r.items.to_pylist()}
    assert set(items) == set(truth)
    for key, t in truth.items():
        it = items[key]
        if t["delivered"]:
            lead = (it["resolved"] - it["created"]).total_seconds()
            assert lead == float(t["lead_time_s"]), key
        else:
            assert it["resolved"] is None
        assert t["touch_s"] == ""  # no history: only lead time is known
    # the UI export's created times are the generated ones (Berlin time read back)
    gen = {row["item"]: row["created"] for row in same.result.items.to_pylist()}
    assert all(items[k]["created"] == gen[k] for k in gen)


def test_status_only_truths_agree_with_the_full_truth_where_they_can(written) -> None:
    full = _read_truth(written["ndjson"][-2])
    status_only = _read_truth(written["transitions"][-2])
    assert _read_truth(written["xes"][-2]) == status_only
    assert _read_truth(written["events"][-2]) == status_only
    same_cols = ["created", "committed", "delivered", "is_open", "handoffs", "team_path", "rework"]
    for key, row in full.items():
        other = status_only[key]
        assert all(row[c] == other[c] for c in same_cols if row["is_open"] == "false"), key
        if row["committed"] and row["is_open"] == "false":
            # flagged time becomes touch where flags cannot be expressed
            assert float(other["touch_s"]) >= float(row["touch_s"])
        assert int(other["steering_touches"]) <= int(row["steering_touches"])


def test_cli_sample(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "cli.jira.ndjson.gz"
    res = runner.invoke(app, ["sample", "-o", str(out), "--items", "12", "--seed", "3"])
    assert res.exit_code == 0, res.output
    assert res.output.split() == [
        str(out),
        str(tmp_path / "cli.jira.truth.csv"),
        str(tmp_path / "cli.jira.flowgap.toml"),
    ]
    again = runner.invoke(app, ["sample", "-o", str(out), "--items", "12", "--seed", "3"])
    assert again.output.splitlines()[0] == f"{out} (replaced)"
    bad = runner.invoke(app, ["sample", "-o", str(tmp_path / "x"), "--format", "yaml"])
    assert bad.exit_code == 2
    assert "unknown sample format 'yaml'" in bad.output


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("s.xes", "xes"),
        ("s.xes.gz", "xes"),
        ("s.parquet", "parquet"),
        ("s.jira.json", "jira-json"),
        ("S.NDJSON.GZ", "jira-json"),
    ],
)
def test_the_file_name_chooses_the_format(tmp_path: Path, name: str, fmt: str) -> None:
    from flowgap.ingest.detect import detect_format
    from flowgap.sample.writers import format_for

    assert format_for(Path(name)) == fmt
    runner = CliRunner()
    res = runner.invoke(app, ["sample", "-o", str(tmp_path / name), "--items", "5", "--seed", "1"])
    assert res.exit_code == 0, res.output
    expected = {"jira-json": "jira-json", "xes": "xes", "parquet": "parquet"}[fmt]
    assert detect_format(tmp_path / name, Config()) == expected


def test_a_csv_name_or_no_suffix_needs_the_format(tmp_path: Path) -> None:
    runner = CliRunner()
    for name in ("s.csv", "s"):
        res = runner.invoke(app, ["sample", "-o", str(tmp_path / name)])
        assert res.exit_code == 2
        assert "--format" in res.output


# --------------------------------------------------------------------------- sample_logs


def test_committed_sample_logs_are_what_regen_writes(sample_logs: Path, tmp_path: Path) -> None:
    fresh = regenerate(tmp_path)
    for path in fresh:
        committed = sample_logs / path.name
        assert committed.is_file(), f"{path.name} missing from sample_logs/"
        assert committed.read_bytes() == path.read_bytes(), f"{path.name} is stale"


@pytest.mark.parametrize("name,fmt,items,seed,story", SAMPLE_LOGS)
def test_committed_sample_logs_load(
    sample_logs: Path, name: str, fmt: str, items: int, seed: int, story: bool
) -> None:
    stem = base_name(Path(name))
    cfg = Config.load(sample_logs / f"{stem}.flowgap.toml")
    r = flowgap.load(sample_logs / name, cfg)
    (inp,) = r.inputs
    assert inp.format == fmt and inp.records_rejected == 0 and inp.reconciles
    assert r.items.num_rows == items
    truth = _read_truth(sample_logs / f"{stem}.truth.csv")
    assert set(truth) == set(r.items["item"].to_pylist())
    assert (STORY_KEY in truth) == story


def test_story_log_tells_the_story(sample_logs: Path) -> None:
    truth = _read_truth(sample_logs / "story.jira.truth.csv")
    s = truth[STORY_KEY]
    assert math.isclose(float(s["touch_s"]) / DAY_S, 4.94, abs_tol=0.01)
    assert math.isclose(float(s["lead_time_s"]) / DAY_S, 120.08, abs_tol=0.01)
    assert (s["teams_visited"], s["handoffs"], s["steering_touches"]) == ("6", "9", "16")
    assert len(truth) == 151
