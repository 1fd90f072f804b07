"""Jira REST JSON loader on hand-written fixtures: exact events, items, rejects, warnings."""

from __future__ import annotations

import gzip
import shutil
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from flowgap.config import Config
from flowgap.errors import InputError
from flowgap.ingest import jira_json

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "jira"
TEAM = Config.from_dict({"input": {"jira": {"team_field": "Team"}}})


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def rows(result, item: str) -> list[tuple]:
    ev = result.events.to_pylist()
    return [(e["field"], e["value"], e["prev"], e["ts"], e["seq"]) for e in ev if e["item"] == item]


def reconciles(result) -> None:
    for s in result.inputs:
        assert s.records_read == s.records_loaded + s.records_rejected, s


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


def test_directory_in_name_order_with_gz() -> None:
    r = jira_json.load(FIX / "pages", Config())
    reconciles(r)
    assert [Path(s.path).name for s in r.inputs] == ["page-1.json", "page-2.json.gz"]
    assert r.items.column("item").to_pylist() == ["DIR-1", "DIR-2"]
    assert rows(r, "DIR-1")[-1] == ("status", "In Progress", "Open", ts("2023-08-02T09:00"), 2)


def test_list_of_pages() -> None:
    r = jira_json.load(FIX / "list_of_pages.json", Config())
    assert r.items.column("item").to_pylist() == ["LST-1", "LST-2"]
    assert r.inputs[0].records_read == 2


def test_duplicate_issue_rejected(tmp_path: Path) -> None:
    src = (FIX / "issues.ndjson").read_bytes().splitlines()[0]
    path = tmp_path / "dup.ndjson"
    path.write_bytes(src + b"\n" + src + b"\n")
    r = jira_json.load(path, Config())
    reconciles(r)
    assert [(x.source, x.reason) for x in r.rejects] == [
        ("dup.ndjson:2", "NDJ-1: duplicate issue (first at dup.ndjson:1)")
    ]


def test_not_json_at_all_is_input_error(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text("Issue key,Summary\nABC-1,x\n")
    with pytest.raises(InputError) as err:
        jira_json.load(path, Config())
    assert str(err.value).startswith(f"{path}: not valid JSON")
    assert "\n" not in str(err.value)


def test_empty_and_truncated_gzip_are_input_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text("  \n")
    with pytest.raises(InputError, match="empty file"):
        jira_json.load(empty, Config())
    cut = tmp_path / "cut.ndjson.gz"
    data = gzip.compress((FIX / "issues.ndjson").read_bytes() * 50)
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="corrupt gzip"):
        jira_json.load(cut, Config())


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


def test_pretty_printed_file_copied_under_gz(tmp_path: Path) -> None:
    path = tmp_path / "page.json.gz"
    with (FIX / "v2_page.json").open("rb") as src, gzip.open(path, "wb") as dst:
        shutil.copyfileobj(src, dst)
    r = jira_json.load(path, TEAM)
    assert r.events.num_rows == 18


def test_adf_flattening() -> None:
    doc = {
        "type": "doc",
        "content": [
            {"type": "heading", "content": [{"type": "text", "text": "Title"}]},
            {
                "type": "bulletList",
                "content": [
                    {
                        "type": "listItem",
                        "content": [
                            {"type": "paragraph", "content": [{"type": "text", "text": "one"}]}
                        ],
                    },
                    {
                        "type": "listItem",
                        "content": [
                            {
                                "type": "paragraph",
                                "content": [
                                    {"type": "text", "text": "two"},
                                    {"type": "hardBreak"},
                                    {"type": "emoji", "attrs": {"shortName": ":smile:"}},
                                ],
                            }
                        ],
                    },
                ],
            },
        ],
    }
    assert jira_json.adf_text(doc) == "Title\none\ntwo\n:smile:"
    assert jira_json.comment_text("plain v2") == "plain v2"
    assert jira_json.comment_text(None) == ""


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
    assert [w.kind for w in r.warnings] == ["no_changelog"]
    assert "2 issue(s) have no changelog" in r.warnings[0].message


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
