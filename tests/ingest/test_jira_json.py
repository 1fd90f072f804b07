"""Jira REST JSON loader on hand-written fixtures: exact events, items, rejects, warnings."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jira_helpers import FIX, TEAM, dump, reconciles, rows, sample_export, ts

import flowgap
from flowgap.config import Config
from flowgap.ingest import jira_columns, jira_json


def test_v2_page_events_in_canonical_order() -> None:
    r = jira_json.load(FIX / "v2_page.json", TEAM)
    reconciles(r)
    created = ts("2023-05-02T08:15:30")  # 10:15:30 +0200
    assert rows(r, "ABC-1") == [
        ("created", None, None, created, 0),
        ("status", "To Do", None, created, 1),  # fromString of the first status change
        ("team", "Core", None, created, 2),  # fromString of the first Team change
        ("label", "backend", None, created, 3),  # fromString of the first labels change
        ("status", "In Progress", "To Do", ts("2023-05-03T07:00"), 4),
        ("assignee", "Ann", None, ts("2023-05-03T07:00"), 5),
        # one history, four fields: same ts, source order kept in seq
        ("status", "En révision", "In Progress", ts("2023-05-04T07:30"), 6),
        ("team", "Platform", "Core", ts("2023-05-04T07:30"), 7),
        ("assignee", "Bob", "Ann", ts("2023-05-04T07:30"), 8),
        ("label", "steerco", None, ts("2023-05-04T07:30"), 9),
        ("flag", "Impediment", None, ts("2023-05-05T10:00"), 10),
        ("comment", "Discussed in steering.", None, ts("2023-05-06T13:00"), 14),
        ("flag", None, "Impediment", ts("2023-05-08T10:00"), 11),  # cleared = null
        ("status", "Done", "En révision", ts("2023-05-10T07:00"), 12),
        ("resolution", "Done", None, ts("2023-05-10T07:00"), 13),
    ]
    ev = [e for e in r.events.to_pylist() if e["item"] == "ABC-1"]
    assert ev[4]["source"] == "v2_page.json:ABC-1#10001"
    assert ev[4]["actor"] == "Ann"
    assert ev[0]["source"] == "v2_page.json:ABC-1"
    assert ev[11]["actor"] == "Carl"
    assert ev[11]["source"] == "v2_page.json:ABC-1#comment-20001"
    # never changed: current status and current team (through names) at creation
    assert rows(r, "ABC-2") == [
        ("created", None, None, ts("2023-05-09T08:00"), 0),
        ("status", "Ready for QA", None, ts("2023-05-09T08:00"), 1),
        ("team", "QA", None, ts("2023-05-09T08:00"), 2),
    ]
    assert r.status_categories == {"Done": "done", "Ready for QA": "indeterminate"}
    assert r.warnings == []
    assert r.rejects == []
    s = r.inputs[0]
    # 2 issues + 5 histories + 1 comment
    assert (s.records_read, s.records_loaded, s.records_rejected) == (8, 8, 0)


def test_v2_items_table() -> None:
    items = jira_json.load(FIX / "v2_page.json", TEAM).items.to_pylist()
    assert items[0] == {
        "item": "ABC-1",
        "project": "ABC",
        "type": "Story",
        "priority": "High",
        "summary": "Checkout times out",
        "created": ts("2023-05-02T08:15:30"),
        "resolved": ts("2023-05-10T07:00"),
        "current_status": "Done",
        "labels": ["backend", "steerco"],
        "components": ["api"],
        "story_points": 5.0,
    }
    assert items[1]["resolved"] is None
    assert items[1]["story_points"] is None


def test_without_team_field_no_team_events() -> None:
    r = jira_json.load(FIX / "v2_page.json", Config())
    fields = [e["field"] for e in r.events.to_pylist()]
    assert "team" not in fields
    assert "Team" in fields  # the changelog field keeps its name when not configured


def test_v3_adf_truncated_same_ts_and_rejects() -> None:
    r = jira_json.load(FIX / "v3_page.json", Config())
    reconciles(r)
    assert rows(r, "ABC-3") == [
        ("created", None, None, ts("2023-06-01T08:00"), 0),
        # the valid first status change gives the initial status
        ("status", "Selected for Development", None, ts("2023-06-01T08:00"), 1),
        ("comment", "Waiting for @Eve\nthen ship it", None, ts("2023-06-02T09:00"), 5),
        ("status", "In Progress", "Selected for Development", ts("2023-06-03T08:00"), 2),
        # same created: history id order (30003 before 30004), whatever the array order
        ("status", "En révision", "In Progress", ts("2023-06-04T07:00"), 3),
        ("status", "In Progress", "En révision", ts("2023-06-04T07:00"), 4),
    ]
    assert [(x.source, x.reason) for x in r.rejects] == [
        ("v3_page.json:ABC-3#30001", "history created is not a timestamp: 'yesterday'"),
        ("v3_page.json:ABC-4", 'ABC-4: issue has no "fields" object'),
    ]
    assert [(w.kind, w.item) for w in r.warnings] == [("truncated_history", "ABC-3")]
    assert "4 of 45" in r.warnings[0].message
    s = r.inputs[0]
    # issues ABC-3, ABC-4; 4 histories; 1 comment
    assert (s.records_read, s.records_loaded, s.records_rejected) == (7, 5, 2)
    assert r.items.column("item").to_pylist() == ["ABC-3"]
    assert r.items.column("project").to_pylist() == ["ABC"]  # from the key prefix


@pytest.mark.parametrize("name", ["issues.ndjson", "issues.ndjson.gz"])
def test_ndjson_plain_and_gzip(name: str) -> None:
    r = jira_json.load(FIX / name, Config())
    reconciles(r)
    assert [(x.source, x.reason) for x in r.rejects] == [
        (f"{name}:2", "malformed JSON: unexpected end of data")
    ]
    assert r.items.column("item").to_pylist() == ["NDJ-1", "NDJ-3", "NDJ-4"]
    assert rows(r, "NDJ-1") == [
        ("created", None, None, ts("2023-07-01T09:00"), 0),
        ("status", "Open", None, ts("2023-07-01T09:00"), 1),
        ("status", "Done", "Open", ts("2023-07-02T09:00"), 2),
    ]
    s = r.inputs[0]
    # 4 values (3 issues + 1 broken line), 1 history
    assert (s.records_read, s.records_loaded, s.records_rejected) == (5, 4, 1)


def test_ndjson_team_through_per_line_names() -> None:
    r = jira_json.load(FIX / "issues.ndjson", TEAM)
    assert ("team", "Web", None, ts("2023-07-01T09:00"), 2) in rows(r, "NDJ-1")


def test_duplicate_issue_rejected(tmp_path: Path) -> None:
    src = (FIX / "issues.ndjson").read_bytes().splitlines()[0]
    path = tmp_path / "dup.ndjson"
    path.write_bytes(src + b"\n" + src + b"\n")
    r = jira_json.load(path, Config())
    reconciles(r)
    assert [(x.source, x.reason) for x in r.rejects] == [
        ("dup.ndjson:2", "NDJ-1: duplicate issue (first at dup.ndjson:1)")
    ]


def test_bad_values_are_rejected_not_crashes(tmp_path: Path) -> None:
    lines = [
        b'{"key": "X-1", "fields": {"created": "never"}}',
        b'{"key": "X-2", "fields": {"created": "2023-01-01T00:00:00.000+0000"},'
        b' "changelog": {"total": 2, "histories": ['
        b'{"id": "9", "created": "2023-01-02T00:00:00.000+0000", "items": [1, 2]},'
        b'{"id": "8", "created": "2023-01-03T00:00:00.000+0000", "items": "x"},'
        b'{"id": "7", "created": "2023-01-02T00:00:00.000+0000", "items": [{"field": "status",'
        b' "fromString": "A", "toString": "B"}]}]}}',
        b'"just a string"',
        b'{"errorMessages": ["boom"]}',
        b"\xef\xbb\xbf" + b'{"key": "X-3", "fields": {"created": "2023-01-01T00:00:00Z"}}',
    ]
    path = tmp_path / "bad.ndjson"
    path.write_bytes(b"\n".join(lines) + b"\n")
    r = jira_json.load(path, Config())
    reconciles(r)
    assert [(x.source, x.reason) for x in r.rejects] == [
        ("bad.ndjson:1", "X-1: fields.created is not a timestamp: 'never'"),
        ("bad.ndjson:X-2#8", "history items is not a list of objects"),
        ("bad.ndjson:X-2#9", "history items is not a list of objects"),
        ("bad.ndjson:3", "not a Jira issue: a JSON str"),
        ("bad.ndjson:4", 'not a Jira issue: no "key"'),
    ]
    assert "X-3" in r.items.column("item").to_pylist()  # a BOM inside the file is dropped
    assert [e["value"] for e in r.events.to_pylist() if e["item"] == "X-2"] == [None, "A", "B"]
    assert [w.kind for w in r.warnings] == ["no_changelog"]


def test_values_of_the_wrong_type_are_rejected_or_ignored(tmp_path: Path) -> None:
    """Numbers where Jira sends text: the history is rejected; a project key or an author
    name that is not text is ignored (the key prefix, no actor), never a crash."""
    line = orjson.dumps(
        {
            "key": "N-1",
            "fields": {"created": "2023-01-01T00:00:00.000+0000", "project": {"key": 5}},
            "changelog": {
                "histories": [
                    {
                        "id": "1",
                        "created": "2023-01-02T00:00:00.000+0000",
                        "items": [{"field": "status", "fromString": "A", "toString": 7}],
                    },
                    {
                        "id": "2",
                        "created": "2023-01-03T00:00:00.000+0000",
                        "author": {"displayName": 3},
                        "items": [{"field": "status", "fromString": "A", "toString": "B"}],
                    },
                ]
            },
        }
    )
    path = tmp_path / "types.ndjson"
    path.write_bytes(line + b"\n")
    r = jira_json.load(path, Config())
    reconciles(r)
    assert [(x.source, x.reason) for x in r.rejects] == [
        ("types.ndjson:N-1#1", "history item fromString/toString is not text")
    ]
    assert r.items.column("project").to_pylist() == ["N"]
    assert [(e["field"], e["value"], e["actor"]) for e in r.events.to_pylist()] == [
        ("created", None, None),
        ("status", "A", None),
        ("status", "B", None),
    ]


def test_latin1_line_is_read_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "latin.ndjson"
    path.write_bytes(
        '{"key": "L-1", "fields": {"created": "2023-01-01T00:00:00Z",'
        ' "status": {"name": "Geprüft"}}, "changelog": {"histories": []}}\n'.encode("latin-1")
    )
    r = jira_json.load(path, Config())
    assert r.items.column("current_status").to_pylist() == ["Geprüft"]
    assert [w.kind for w in r.warnings] == ["encoding"]


def test_array_of_issues_and_page_without_names(tmp_path: Path) -> None:
    path = tmp_path / "issues.json"
    path.write_text(
        '[{"key": "A-1", "fields": {"created": "2023-01-01T10:00:00.000+0100",'
        ' "status": {"name": "Open"}}},\n'
        ' {"key": "A-2", "fields": {"created": "2023-01-02T10:00:00.000-0500",'
        ' "status": {"name": "Open"}}}]\n'
    )
    r = jira_json.load(path, TEAM)
    assert r.items.column("item").to_pylist() == ["A-1", "A-2"]
    assert r.items.column("created").to_pylist() == [ts("2023-01-01T09:00"), ts("2023-01-02T15:00")]
    # the Team field of TEAM cannot be found without `names` or a history of it: said so
    assert [w.kind for w in r.warnings] == ["team_unresolved", "no_changelog"]
    assert "2 issue(s) have no changelog" in r.warnings[1].message


def test_history_order_across_a_dst_change_and_unsorted_input(tmp_path: Path) -> None:
    # 01:30+0100 is 00:30Z, after 00:15Z written as 02:15+0200: the strings alone would lie
    hist = [
        ("3", "2023-10-29T01:30:00.000+0100", "B", "C"),
        ("1", "2023-10-28T12:00:00.000+0200", "Open", "A"),
        ("2", "2023-10-29T02:15:00.000+0200", "A", "B"),
    ]
    items = ",".join(
        f'{{"id": "{i}", "created": "{c}", "items": [{{"field": "status", "fromString": "{a}",'
        f' "toString": "{b}"}}]}}'
        for i, c, a, b in hist
    )
    path = tmp_path / "dst.ndjson"
    path.write_text(
        '{"key": "D-1", "fields": {"created": "2023-10-28T10:00:00.000+0200"},'
        f' "changelog": {{"histories": [{items}]}}}}\n'
    )
    r = jira_json.load(path, Config())
    assert [(f, v, t) for f, v, _, t, _ in rows(r, "D-1")][1:] == [
        ("status", "Open", ts("2023-10-28T08:00")),
        ("status", "A", ts("2023-10-28T10:00")),
        ("status", "B", ts("2023-10-29T00:15")),
        ("status", "C", ts("2023-10-29T00:30")),
    ]


def test_a_later_line_renaming_a_field_id_is_followed(tmp_path: Path) -> None:
    """names maps ids to names per page or line; a later one can rename an id."""

    def issue(key: str, names: dict) -> bytes:
        return orjson.dumps(
            {
                "key": key,
                "names": names,
                "fields": {
                    "created": "2023-01-01T00:00:00.000+0000",
                    "customfield_1": {"value": "Web"},
                },
            }
        )

    path = tmp_path / "renamed.ndjson"
    path.write_bytes(
        issue("R-1", {"customfield_1": "Team"})
        + b"\n"
        + issue("R-2", {"customfield_1": "Squad"})
        + b"\n"
    )
    r = jira_json.load(path, TEAM)
    teams = [(e["item"], e["value"]) for e in r.events.to_pylist() if e["field"] == "team"]
    assert teams == [("R-1", "Web")]


# ------------------------------------------------ one sample export, edited (from the fast-path
# era's tests: what they showed about the loader itself, not about two loaders agreeing)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    return sample_export(tmp_path_factory.mktemp("sample"), 60)


def copy(lines: list[dict]) -> list[dict]:
    return orjson.loads(orjson.dumps(lines))


def load_lines(tmp_path: Path, lines: list[dict] | bytes, config: Config = TEAM, gz: bool = False):
    data = lines if isinstance(lines, bytes) else dump(lines)
    path = tmp_path / ("x.jira.ndjson.gz" if gz else "x.jira.ndjson")
    path.write_bytes(gzip.compress(data) if gz else data)
    return jira_json.load(path, config)


def same_tables(a, b) -> None:
    assert a.events.to_pylist() == b.events.to_pylist()
    assert a.items.to_pylist() == b.items.to_pylist()
    assert a.rejects == b.rejects


def test_newest_first_and_shuffled_histories_load_as_written(
    base: list[dict], tmp_path: Path
) -> None:
    """Jira Cloud sends histories newest first; neither order at all takes the exact sort."""
    written = load_lines(tmp_path, base)
    for reorder in (lambda h: h.reverse(), lambda h: h.__setitem__(slice(None), h[1::2] + h[0::2])):
        lines = copy(base)
        for x in lines:
            reorder(x["changelog"]["histories"])
        got = load_lines(tmp_path, lines)
        assert got.events.drop_columns("source").equals(written.events.drop_columns("source"))
        same_tables(got, written)


def test_label_sets_become_one_event_per_label(base: list[dict], tmp_path: Path) -> None:
    lines = copy(base)[:2]
    last = lines[1]["changelog"]["histories"][-1]
    lines[1]["changelog"]["histories"].append(
        {
            "id": "99999001",
            "created": last["created"],
            "author": {"displayName": "Ann"},
            "items": [
                {"field": "labels", "fromString": "a b  c", "toString": "c d a"},
                {"field": "Flagged", "fromString": None, "toString": "Impediment"},
                {"field": "Sprint", "fromString": "", "toString": "S1"},
                {"fromString": "x", "toString": "y"},
            ],
        }
    )
    r = load_lines(tmp_path, lines)
    key = lines[1]["key"]
    got = [
        (e["field"], e["value"], e["prev"], e["actor"])
        for e in r.events.to_pylist()
        if e["source"] == f"x.jira.ndjson:{key}#99999001"
    ]
    assert got == [
        ("label", "d", None, "Ann"),
        ("label", None, "b", "Ann"),
        ("flag", "Impediment", None, "Ann"),
        ("Sprint", "S1", None, "Ann"),  # "" is no value
        ("unknown", "y", "x", "Ann"),  # an item without a field name
    ]


FLAG, TEAM_ID = "customfield_10021", "customfield_10042"


@pytest.mark.parametrize(
    ("fid", "value", "shown"),
    [
        (FLAG, [{"value": "Impediment"}], "Impediment"),
        (FLAG, {"value": "Impediment"}, "Impediment"),
        (FLAG, "Impediment", "Impediment"),
        (FLAG, ["Impediment", "Waiting"], "Impediment, Waiting"),
        (TEAM_ID, "Web", "Web"),
        (TEAM_ID, [{"value": "Web"}, {"name": "Ops"}, {"value": ""}], "Web, Ops"),
        (TEAM_ID, {"value": "", "name": "", "displayName": "Core"}, "Core"),
        (TEAM_ID, [], None),
        (TEAM_ID, True, "true"),
        (TEAM_ID, 12, "12"),
    ],
)
def test_custom_field_values_of_any_shape(
    base: list[dict], tmp_path: Path, fid: str, value: object, shown: str | None
) -> None:
    """The team and flag fields (found through names) as an option, text or a list of either:
    their display value at creation when the changelog never changed them."""
    lines = copy(base)[:1]
    lines[0]["fields"][fid] = value
    field = "flag" if fid == FLAG else "team"
    lines[0]["changelog"]["histories"] = [
        h
        for h in lines[0]["changelog"]["histories"]
        if not any(it.get("field") in ("Flagged", "Team") for it in h["items"])
    ]
    r = load_lines(tmp_path, lines)
    initial = [e["value"] for e in r.events.to_pylist() if e["field"] == field]
    assert initial == ([shown] if shown else [])


def test_a_name_on_two_field_ids_takes_the_first_present(base: list[dict], tmp_path: Path) -> None:
    lines = copy(base)[:1]
    lines[0]["names"]["customfield_99"] = "Team"
    lines[0]["fields"]["customfield_99"] = {"value": "Other"}
    for h in lines[0]["changelog"]["histories"]:
        h["items"] = [it for it in h["items"] if it.get("field") != "Team"]
    r = load_lines(tmp_path, lines)
    first_id = next(fid for fid, name in lines[0]["names"].items() if name == "Team")
    expected = lines[0]["fields"][first_id]["value"]
    assert [e["value"] for e in r.events.to_pylist() if e["field"] == "team"] == [expected]


def test_loading_imports_no_pandas_and_changes_no_process_setting(
    base: list[dict], tmp_path: Path
) -> None:
    """pyarrow imports pandas (about a second) on its first pa.array: loading builds its
    columns from buffers, so a fresh process never pays it. A server loads uploads for many
    sessions at once: loading leaves the garbage collector and Arrow's allocator alone."""
    path = tmp_path / "x.jira.ndjson.gz"
    path.write_bytes(gzip.compress(dump(base)))
    code = (
        "import gc, sys; from pathlib import Path; import pyarrow as pa; import flowgap;"
        "pool = pa.default_memory_pool().backend_name; gc.disable();"
        "r = flowgap.load([Path(sys.argv[1])]);"
        "assert r.items.num_rows == int(sys.argv[2]), r.items.num_rows;"
        "assert not gc.isenabled() and pa.default_memory_pool().backend_name == pool;"
        "gc.enable(); flowgap.load([Path(sys.argv[1])]); assert gc.isenabled();"
        "print('pandas' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path), str(len(base))],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "False"


def test_an_adf_body_as_deep_as_json_allows_loads(base: list[dict], tmp_path: Path) -> None:
    """orjson reads values nested up to 1024 levels: an ADF body 500 nodes deep (1000 levels)
    loads without a RecursionError."""
    deep = b'{"type":"blockquote","content":[' * 498 + b'{"type":"text","text":"deep"}'
    deep += b"]}" * 498
    lines = copy(base)[:3]
    lines[1]["fields"]["comment"]["comments"] = [
        {"id": "1", "created": lines[1]["fields"]["created"], "body": {"type": "doc"}}
    ]
    text = dump(lines).replace(b'{"type":"doc"}', b'{"type":"doc","content":[' + deep + b"]}")
    r = load_lines(tmp_path, text)
    key = lines[1]["key"]
    assert r.rejects == []
    assert [
        e["value"] for e in r.events.to_pylist() if e["field"] == "comment" and e["item"] == key
    ] == ["deep"]


PATHS = [
    "key",
    "fields",
    "fields.created",
    "fields.summary",
    "fields.status",
    "fields.status.name",
    "fields.status.statusCategory",
    "fields.assignee",
    "fields.project",
    "fields.project.key",
    "fields.priority",
    "fields.labels",
    "fields.components",
    "fields.resolutiondate",
    "fields.customfield_10042",
    "fields.customfield_10021",
    "fields.customfield_10016",
    "fields.comment",
    "fields.comment.comments",
    "fields.comment.comments.0.id",
    "fields.comment.comments.0.created",
    "fields.comment.comments.0.body",
    "fields.comment.comments.0.author",
    "changelog",
    "changelog.total",
    "changelog.histories",
    "changelog.histories.0.id",
    "changelog.histories.0.created",
    "changelog.histories.0.author",
    "changelog.histories.0.items",
    "changelog.histories.0.items.0.field",
    "changelog.histories.0.items.0.fromString",
    "changelog.histories.0.items.0.toString",
    "changelog.histories.0.items.0",
    "changelog.histories.1",
    "fields.labels.0",
    "names",
    "names.customfield_10042",
]
VALUES = [
    None,
    "",
    "x",
    5,
    5.5,
    True,
    {},
    [],
    {"name": "n"},
    [{"value": "Impediment"}],
    ["a", "b"],
    [None],
    "2025-01-01T10:00:00.000+0100",
    "2025-01-01",
    "a b c",
    {"field": "labels", "fromString": "a", "toString": "b a"},
    {"type": ["doc"], "content": "x"},
]


def _put(line: dict, path: str, value: object) -> None:
    target: object = line
    *parents, last = path.split(".")
    for p in parents:
        if isinstance(target, list):
            if not target:
                return
            target = target[0]
        elif isinstance(target, dict) and isinstance(target.get(p), dict | list):
            target = target[p]
        else:
            return
    if isinstance(target, list):
        if target and value is ...:
            target.pop(0)
        elif target:
            target[0] = value
    elif isinstance(target, dict):
        if value is ...:
            target.pop(last, None)
        else:
            target[last] = value


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.integers(0, 59), st.sampled_from(PATHS), st.sampled_from([*VALUES, ...])),
        min_size=1,
        max_size=4,
    )
)
def test_any_value_anywhere_is_loaded_or_rejected_never_a_crash(
    base: list[dict], tmp_path: Path, edits: list[tuple[int, str, object]]
) -> None:
    lines = copy(base)
    for i, path, value in edits:
        _put(lines[i % len(lines)], path, copy([value])[0] if value is not ... else ...)
    r = load_lines(tmp_path, lines)
    s = r.inputs[0]
    assert s.records_read == s.records_loaded + s.records_rejected
    items = r.items.column("item").to_pylist()
    assert set(r.events.column("item").to_pylist()) == set(items)
    assert r.events.column("field").to_pylist().count("created") == len(items)


def test_columns_flushed_as_the_load_goes_give_the_same_tables(
    base: list[dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = load_lines(tmp_path, base)
    monkeypatch.setattr(jira_columns.Columns, "flush_every", 7)
    flushed = load_lines(tmp_path, base)
    assert flushed.events.equals(whole.events)
    assert flushed.items.equals(whole.items)


def server_issue(key: str, created: str, assignee: dict | None, histories: list[dict]) -> dict:
    return {
        "key": key,
        "fields": {
            "created": created,
            "status": {"name": "In Progress"},
            "assignee": assignee,
        },
        "changelog": {"total": len(histories), "histories": histories},
    }


def test_one_person_one_name_on_jira_server(tmp_path: Path) -> None:
    """Jira Server/DC: a user's `name` is the login; the changelog's fromString/toString and
    authors use the display name, its from/to the login."""
    john = {"name": "jdoe", "key": "JIRAUSER10100", "displayName": "John Doe"}
    handover = {
        "id": "7",
        "created": "2023-03-02T10:00:00.000+0000",
        "author": john,
        "items": [
            {
                "field": "assignee",
                "fieldtype": "jira",
                "from": "jdoe",
                "fromString": "John Doe",
                "to": "asmith",
                "toString": "Alice Smith",
            }
        ],
    }
    lines = [
        # never reassigned: the current assignee is John by his display name
        server_issue("S-1", "2023-03-01T09:00:00.000+0000", john, []),
        # an export cut down to logins: Alice is known only as asmith here ...
        server_issue("S-2", "2023-03-01T09:30:00.000+0000", {"name": "asmith"}, []),
        # ... and the changelog of a later issue names her
        server_issue("S-3", "2023-03-01T10:00:00.000+0000", {"name": "asmith"}, [handover]),
    ]
    path = tmp_path / "server.jira.ndjson"
    path.write_bytes(dump(lines))
    result = jira_json.load(path, Config())
    assignees = [
        (e["item"], e["value"], e["prev"], e["actor"])
        for e in result.events.to_pylist()
        if e["field"] == "assignee"
    ]
    assert assignees == [
        ("S-1", "John Doe", None, None),
        ("S-2", "Alice Smith", None, None),
        ("S-3", "John Doe", None, None),
        ("S-3", "Alice Smith", "John Doe", "John Doe"),
    ]
    # teams from the assignee: two people, not four
    team = Config.from_dict({"teams": {"source": ["assignee"]}})
    teams = flowgap.analyze(result, team).teams.column("team").to_pylist()
    assert sorted(teams) == ["Alice Smith", "John Doe"]


def scrum_issue(key: str, team: str, histories: list[dict]) -> dict:
    return {
        "key": key,
        "fields": {
            "created": "2023-04-01T09:00:00.000+0000",
            "status": {"name": "Open"},
            "customfield_11500": {"value": team, "id": "1"},
        },
        "changelog": {"total": len(histories), "histories": histories},
    }


SCRUM_MOVE = {
    "id": "9",
    "created": "2023-04-02T09:00:00.000+0000",
    "items": [
        {
            "field": "Scrum Team",
            "fieldtype": "custom",
            "fieldId": "customfield_11500",
            "from": "1",
            "fromString": "Alpha",
            "to": "2",
            "toString": "Beta",
        }
    ],
}


@pytest.mark.parametrize("team_field", ["Scrum Team", "customfield_11500"])
def test_team_field_id_from_the_histories_or_the_config(tmp_path: Path, team_field: str) -> None:
    """A search response without `names`: the team field's id comes from a history item
    (`field` + `fieldId`), even for issues read before it, or from the config."""
    path = tmp_path / "no-names.jira.ndjson"
    path.write_bytes(
        dump(
            [
                scrum_issue("T-1", "Alpha", []),
                scrum_issue("T-2", "Beta", [SCRUM_MOVE]),
                scrum_issue("T-3", "Gamma", []),
            ]
        )
    )
    cfg = Config.from_dict({"input": {"jira": {"team_field": team_field}}})
    result = jira_json.load(path, cfg)
    teams = [
        (e["item"], e["value"], e["prev"], e["source"])
        for e in result.events.to_pylist()
        if e["field"] == "team"
    ]
    f = "no-names.jira.ndjson"
    assert teams == [
        ("T-1", "Alpha", None, f"{f}:T-1"),
        ("T-2", "Alpha", None, f"{f}:T-2"),
        ("T-2", "Beta", "Alpha", f"{f}:T-2#9"),
        ("T-3", "Gamma", None, f"{f}:T-3"),
    ]
    assert [w.kind for w in result.warnings] == []
    reconciles(result)


def test_team_field_without_any_id_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "no-names.jira.ndjson"
    path.write_bytes(dump([scrum_issue("T-1", "Alpha", []), scrum_issue("T-3", "Gamma", [])]))
    cfg = Config.from_dict({"input": {"jira": {"team_field": "Scrum Team"}}})
    result = jira_json.load(path, cfg)
    assert not [e for e in result.events.to_pylist() if e["field"] == "team"]
    assert [(w.kind, w.message) for w in result.warnings] == [
        (
            "team_unresolved",
            "no-names.jira.ndjson: the team field 'Scrum Team' has no field id in this export"
            " (no `names` map, no history of it): the current team of 2 issue(s) is unknown;"
            ' set [input.jira] team_field to the field\'s id (such as "customfield_10001") or'
            " export with expand=names",
        )
    ]


def test_issues_wait_for_the_team_field_id_only_so_long(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jira_json, "WAIT_RECORDS", 2)  # memory stays bounded
    path = tmp_path / "no-names.jira.ndjson"
    path.write_bytes(
        dump(
            [
                scrum_issue("T-1", "Alpha", []),
                scrum_issue("T-2", "Alpha", []),
                scrum_issue("T-3", "Beta", [SCRUM_MOVE]),
                scrum_issue("T-4", "Gamma", []),
            ]
        )
    )
    cfg = Config.from_dict({"input": {"jira": {"team_field": "Scrum Team"}}})
    result = jira_json.load(path, cfg)
    teams = [(e["item"], e["value"]) for e in result.events.to_pylist() if e["field"] == "team"]
    assert teams == [("T-3", "Alpha"), ("T-3", "Beta"), ("T-4", "Gamma")]
    assert [(w.kind, w.message) for w in result.warnings] == [
        (
            "team_unresolved",
            "no-names.jira.ndjson: the id of the team field 'Scrum Team' (customfield_11500,"
            " from a history) was found too late for 2 issue(s): their current team is"
            ' unknown; set [input.jira] team_field = "customfield_11500"',
        )
    ]


@pytest.mark.parametrize(
    ("changelog", "what"),
    [
        ("x", "changelog is a JSON str, not an object"),
        ({"histories": {"0": {}}}, "changelog.histories is a JSON dict, not a list"),
    ],
)
def test_a_changelog_of_the_wrong_type_is_said_not_taken_for_none(
    tmp_path: Path, changelog: object, what: str
) -> None:
    issue = {
        "key": "A-1",
        "fields": {"created": "2025-01-01T10:00:00.000+0000", "status": {"name": "Done"}},
        "changelog": changelog,
    }
    path = tmp_path / "x.json"
    path.write_bytes(orjson.dumps({"issues": [issue]}))
    r = jira_json.load(path, Config())
    assert [(w.kind, w.message, w.item, w.source) for w in r.warnings] == [
        (
            "unreadable_changelog",
            f"A-1: {what}: its history is unknown, only its current state is loaded",
            "A-1",
            "x.json:1",
        )
    ]
