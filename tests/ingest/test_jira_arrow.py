"""The Arrow fast path of the Jira JSON loader answers exactly as the Python walk, or not at all.

Every case loads the same file both ways (``jira_json.load`` with and without ``fast``) and
compares every output; ``answers`` says whether the fast path must take the file itself.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.json as pj
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowgap.config import Config
from flowgap.errors import InputError
from flowgap.ingest import arrow_columns as ac
from flowgap.ingest import jira_arrow, jira_json
from flowgap.sample import write_sample

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "jira"
TEAM = Config.from_dict({"input": {"jira": {"team_field": "Team"}}})


def same(path: Path, config: Config) -> None:
    fast = jira_json.load(path, config)
    slow = jira_json.load(path, config, fast=False)
    assert fast.events.schema == slow.events.schema
    assert fast.events.to_pylist() == slow.events.to_pylist()
    assert fast.events.equals(slow.events)
    assert fast.items.to_pylist() == slow.items.to_pylist()
    assert fast.items.equals(slow.items)
    assert fast.rejects == slow.rejects
    assert fast.warnings == slow.warnings
    assert fast.inputs == slow.inputs
    assert fast.status_categories == slow.status_categories
    assert fast.has_history == slow.has_history


def answers(path: Path, config: Config) -> bool:
    return jira_arrow.try_load(path, config, jira_json.field_map(config)) is not None


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """A small `flowgap sample` export (with the four-month story item), one dict per line."""
    out = tmp_path_factory.mktemp("sample") / "base.jira.ndjson"
    write_sample(out, 60, 7, "jira-json", True)
    return [orjson.loads(line) for line in out.read_bytes().splitlines()]


def dump(lines: list[dict]) -> bytes:
    return b"".join(orjson.dumps(x) + b"\n" for x in lines)


def histories(issue: dict) -> list[dict]:
    return issue["changelog"]["histories"]


def copy(lines: list[dict]) -> list[dict]:
    return orjson.loads(orjson.dumps(lines))


# -------------------------------------------------------------- files the fast path must take


def _reverse(lines: list[dict]) -> None:  # Jira Cloud sends histories newest first
    for x in lines:
        histories(x).reverse()


def _shuffle(lines: list[dict]) -> None:  # neither order: the exact sort
    for x in lines:
        h = histories(x)
        h[:] = h[1::2] + h[0::2]
    c = lines[0]["fields"]["comment"]["comments"]
    c[:] = c[::-1][1:] + c[-1:]


def _same_instant(lines: list[dict]) -> None:  # equal created: ids decide, as integers
    h = histories(lines[1])
    for x in h[:3]:
        x["created"] = h[0]["created"]
    h[0]["id"], h[2]["id"] = "900", "1000"


def _empty_and_missing(lines: list[dict]) -> None:
    it = histories(lines[2])[0]["items"][0]
    it["fromString"] = ""
    del histories(lines[3])[0]["id"]
    del histories(lines[4])[0]["author"]
    histories(lines[5])[0]["author"]["displayName"] = ""
    c = lines[0]["fields"]["comment"]["comments"][0]
    c["author"] = {"name": "jdoe"}
    del lines[0]["fields"]["comment"]["comments"][1]["body"]
    lines[6]["fields"]["priority"] = None
    lines[7]["fields"]["project"] = {"name": "Other"}
    del lines[8]["fields"]["project"]
    lines[9]["fields"]["assignee"] = {"name": "", "displayName": "Dana"}


def _no_changelog_and_truncated(lines: list[dict]) -> None:
    del lines[1]["changelog"]
    lines[2]["changelog"]["total"] = 99
    lines[3]["changelog"] = None


def _label_changes(lines: list[dict]) -> None:
    histories(lines[1]).append(
        {
            "id": "99999001",
            "created": histories(lines[1])[-1]["created"],
            "author": {"displayName": "Ann"},
            "items": [
                {"field": "labels", "fromString": "a b  c", "toString": "c d a"},
                {"field": "Flagged", "fromString": None, "toString": "Impediment"},
                {"field": "Sprint", "fromString": "", "toString": "S1"},
                {"fromString": "x", "toString": "y"},
            ],
        }
    )
    lines[2]["fields"]["labels"] = ["z", "y", "z"]


def _words_in_text(lines: list[dict]) -> None:  # not number tokens: the screen lets them be
    lines[1]["fields"]["summary"] = "Infrastructure work (Info) about NaN handling -Inf"
    lines[2]["fields"]["comment"]["comments"] = [
        {"id": "1", "created": lines[2]["fields"]["created"], "body": "Inf", "author": None}
    ]


def _own_names(lines: list[dict]) -> None:
    """As `flowgap pull` writes them: each line names only the fields its issue has."""
    for x in lines[1::3]:
        del x["fields"]["customfield_10021"], x["names"]["customfield_10021"]
    for x in lines[2::5]:
        x["fields"]["customfield_77"] = "other"
        x["names"]["customfield_77"] = "Sprint"


def _no_names(lines: list[dict]) -> None:
    for x in lines:
        del x["names"]


def _text(t: str, **extra: object) -> dict:
    return {"type": "text", "text": t, **extra}


def _para(*content: dict) -> dict:
    return {"type": "paragraph", "content": list(content)}


ADF_DOCS: list[object] = [
    {"type": "doc", "version": 1, "content": [_para(_text("Plain words."))]},
    {"type": "doc", "content": []},
    {"type": "doc", "content": [_para(_text("a  "), {"type": "hardBreak"}, _text("b"))]},
    {
        "type": "doc",
        "content": [
            {"type": "heading", "attrs": {"level": 2}, "content": [_text("Title")]},
            _para(
                {"type": "mention", "attrs": {"id": "5b10", "text": "@Ann"}},
                {"type": "mention", "attrs": {"id": "5b11"}},
                _text(" bold", marks=[{"type": "strong"}]),
                {"type": "emoji", "attrs": {"shortName": ":smile:", "text": "x"}},
                {"type": "emoji", "attrs": {"shortName": ":wave:"}},
                {"type": "inlineCard", "attrs": {"url": "https://example.test/1"}},
            ),
            {
                "type": "bulletList",
                "content": [
                    {
                        "type": "listItem",
                        "content": [
                            _para(_text("one")),
                            {
                                "type": "orderedList",
                                "attrs": {"order": 1},
                                "content": [{"type": "listItem", "content": [_para(_text("1a"))]}],
                            },
                        ],
                    }
                ],
            },
            {
                "type": "table",
                "content": [
                    {
                        "type": "tableRow",
                        "content": [
                            {"type": "tableHeader", "content": [_para(_text("h"))]},
                            {"type": "tableCell", "attrs": {"colspan": 1}, "content": []},
                        ],
                    }
                ],
            },
            {"type": "rule"},
            {"type": "codeBlock", "attrs": {"language": "sql"}, "content": [_text("x\n  y\n")]},
            {"type": "blockCard", "attrs": {"url": "https://example.test/2"}},
            {"type": "unknownNode", "content": [_text("kept")]},
            {"type": "panel", "content": [_para(_text(""))]},
            None,
        ],
    },
    {"type": "doc", "content": [_para(_text("\n\n")), _para(), {"content": [_text("no type")]}]},
    None,
    ...,
]


def _adf_bodies(lines: list[dict]) -> None:  # Jira Cloud, API v3
    k = 0
    for x in lines:
        for c in x["fields"]["comment"]["comments"]:
            doc = ADF_DOCS[k % len(ADF_DOCS)]
            k += 1
            if doc is ...:
                del c["body"]
            else:
                c["body"] = copy([doc])[0]


TAKEN: dict[str, Callable[[list[dict]], None]] = {
    "as written": lambda lines: None,
    "reversed histories": _reverse,
    "shuffled histories and comments": _shuffle,
    "same instants": _same_instant,
    "empty and missing values": _empty_and_missing,
    "no or truncated changelog": _no_changelog_and_truncated,
    "label, flag and other changes": _label_changes,
    "no names at all": _no_names,
    "each line names its own fields": _own_names,
    "Inf and NaN as words": _words_in_text,
    "ADF comment bodies": _adf_bodies,
    "ADF as deep as read": lambda lines: _adf_with(_nested(jira_arrow.ADF_DEPTH), line=3)(lines),
}


@pytest.mark.parametrize("head", [256, 2], ids=["planned from all", "planned from 2 lines"])
@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gz"])
@pytest.mark.parametrize("case", list(TAKEN))
def test_fast_path_takes_and_equals(
    base: list[dict],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    case: str,
    gz: bool,
    head: int,
) -> None:
    monkeypatch.setattr(jira_arrow, "_GUESS_LINES", head)
    lines = copy(base)
    TAKEN[case](lines)
    data = dump(lines)
    path = tmp_path / ("x.jira.ndjson.gz" if gz else "x.jira.ndjson")
    path.write_bytes(gzip.compress(data) if gz else data)
    for config in (TEAM, Config()):
        assert answers(path, config)
        same(path, config)


# -------------------------------------------------------------- files it must leave alone


def _line_edit(i: int, old: bytes, new: bytes) -> Callable[[bytes], bytes]:
    def edit(data: bytes) -> bytes:
        lines = data.split(b"\n")
        assert old in lines[i]
        lines[i] = lines[i].replace(old, new, 1)
        return b"\n".join(lines)

    return edit


def _insert(i: int, text: bytes) -> Callable[[bytes], bytes]:
    def edit(data: bytes) -> bytes:
        lines = data.split(b"\n")
        lines.insert(i, text)
        return b"\n".join(lines)

    return edit


def _join_lines(data: bytes) -> bytes:
    return data.replace(b"}\n{", b"}{", 1)


def _duplicate(data: bytes) -> bytes:
    first = data.split(b"\n")[0]
    return data + first + b"\n"


def _mutate(change: Callable[[list[dict]], None]) -> Callable[[bytes], bytes]:
    def edit(data: bytes) -> bytes:
        lines = [orjson.loads(x) for x in data.splitlines()]
        change(lines)
        return dump(lines)

    return edit


def _set(path: str, value: object, line: int = 3) -> Callable[[list[dict]], None]:
    def change(lines: list[dict]) -> None:
        target = lines[line]
        *parents, last = path.split(".")
        for p in parents:
            target = target[int(p)] if p.isdigit() else target[p]
        target[last] = value

    return change


def _names_differ(lines: list[dict]) -> None:
    lines[5]["names"] = {**lines[5]["names"], "customfield_10042": "Squad"}


def _team_named_after_line_1(lines: list[dict]) -> None:
    del lines[0]["fields"]["customfield_10042"], lines[0]["names"]["customfield_10042"]


def _names_later_only(lines: list[dict]) -> None:
    names = lines[0].pop("names")
    for x in lines[1:]:
        x["names"] = names


def _nested(depth: int) -> dict:
    """An ADF document ``depth`` nodes deep (the doc is 1, the innermost a text node)."""
    node: dict = _text("deep")
    for _ in range(depth - 2):
        node = {"type": "blockquote", "content": [node]}
    return {"type": "doc", "content": [node]}


def _adf_with(body: object, line: int = 0) -> Callable[[list[dict]], None]:
    """ADF bodies, the first comment of the ``line``-th commented issue holding ``body``."""

    def change(lines: list[dict]) -> None:
        _adf_bodies(lines)
        commented = [x for x in lines if x["fields"]["comment"]["comments"]]
        commented[line]["fields"]["comment"]["comments"][0]["body"] = body

    return change


LEFT: dict[str, Callable[[bytes], bytes]] = {
    "NaN": _line_edit(3, b'"customfield_10016":', b'"customfield_10016":NaN,"x":'),
    "Infinity": _line_edit(3, b'"customfield_10016":', b'"customfield_10016":-Infinity,"x":'),
    "Inf in a list": _line_edit(3, b'"customfield_10016":', b'"x":[1,\t-Inf],"customfield_10016":'),
    "blank line": _insert(4, b""),
    "malformed line": _insert(4, b'{"key": "BAD-1", "fields": {'),
    "two issues on one line": _join_lines,
    "CRLF": lambda data: data.replace(b"\n", b"\r\n"),
    "BOM": lambda data: b"\xef\xbb\xbf" + data,
    "duplicate issue": _duplicate,
    "latin-1 bytes": _line_edit(2, b'"summary":"', b'"summary":"\xe9'),
    "issue without key": _mutate(lambda lines: lines[2].pop("key")),
    "bad history timestamp": _mutate(
        _set("changelog.histories.0.created", "2025-02-30T10:00:00.000+0100")
    ),
    "other timestamp shape": _mutate(_set("fields.created", "2025-01-27T10:00:00+01:00")),
    "history id not digits": _mutate(_set("changelog.histories.0.id", "h-1")),
    "numeric history id": _mutate(_set("changelog.histories.0.id", 17)),
    "comment without id": _mutate(
        lambda lines: lines[0]["fields"]["comment"]["comments"][0].pop("id")
    ),
    "string where an object was": _mutate(_set("fields.priority", "High")),
    "number where text was": _mutate(_set("fields.summary", 12)),
    "items not a list": _mutate(_set("changelog.histories.0.items", None)),
    "null history item": _mutate(_set("changelog.histories.0.items", [None])),
    "null history": _mutate(_set("changelog.histories", [None])),
    "null comment": _mutate(_set("fields.comment.comments", [None], line=0)),
    "null label": _mutate(_set("fields.labels", ["a", None])),
    "names differ": _mutate(_names_differ),
    "names on later lines only": _mutate(_names_later_only),
    "team id named only after line 1": _mutate(_team_named_after_line_1),
    "names not last on a line": _mutate(
        lambda lines: lines.__setitem__(0, {"names": lines[0].pop("names"), **lines[0]})
    ),
    "literal team field": _mutate(_set("fields.Team", "Web")),
    "ADF comment body": _mutate(
        lambda lines: lines[0]["fields"]["comment"]["comments"][0].__setitem__(
            "body", {"type": "doc", "content": []}
        )
    ),
    "search page line": _insert(2, b'{"issues": [], "names": {}}'),
    "ADF text node without text": _mutate(
        _adf_with({"type": "doc", "content": [_para({"type": "text"})]})
    ),
    "ADF text null": _mutate(_adf_with({"type": "doc", "content": [_para(_text(None))]}, line=4)),
    "ADF text a number": _mutate(_adf_with({"type": "doc", "content": [_para(_text(5))]})),
    "ADF content an object": _mutate(_adf_with({"type": "doc", "content": _para()})),
    "ADF text in content": _mutate(_adf_with({"type": "doc", "content": ["words"]})),
    "ADF deeper than read": _mutate(_adf_with(_nested(jira_arrow.ADF_DEPTH + 1), line=7)),
    "ADF body a list": _mutate(_adf_with([_para(_text("x"))])),
    "text body, ADF later": _mutate(
        lambda lines: [x for x in lines if x["fields"]["comment"]["comments"]][3]["fields"][
            "comment"
        ]["comments"][0].__setitem__("body", _nested(3))
    ),
}


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gz"])
@pytest.mark.parametrize("case", list(LEFT))
def test_fast_path_leaves_odd_files_to_the_walk(
    base: list[dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, gz: bool
) -> None:
    # what is not in the first lines is screened while Arrow reads
    monkeypatch.setattr(jira_arrow, "_GUESS_LINES", 2)
    path = tmp_path / "x.jira.ndjson"
    data = LEFT[case](dump(base))
    path.write_bytes(gzip.compress(data) if gz else data)
    assert not answers(path, TEAM)
    same(path, TEAM)


def test_ids_map_to_one_field_name_only(base: list[dict], tmp_path: Path) -> None:
    lines = copy(base)
    for x in lines:
        x["names"]["customfield_99"] = "Team"
    path = tmp_path / "x.jira.ndjson"
    path.write_bytes(dump(lines))
    assert not answers(path, TEAM)
    assert answers(path, Config())  # the team field is not configured: no ambiguity
    same(path, TEAM)
    same(path, Config())


# -------------------------------------------------------------- display field types

FLAG, TEAM_ID = "customfield_10021", "customfield_10042"


def _values(fid: str, first: object, later: object) -> Callable[[list[dict]], None]:
    def change(lines: list[dict]) -> None:
        for i, x in enumerate(lines):
            x["fields"][fid] = first if i < 5 else later

    return change


SHAPES: dict[str, Callable[[list[dict]], None]] = {
    "flag as list of options": _values(FLAG, None, [{"value": "Impediment"}]),
    "flag as one option": _values(FLAG, None, {"value": "Impediment"}),
    "flag as text": _values(FLAG, None, "Impediment"),
    "flag as list of text": _values(FLAG, None, ["Impediment"]),
    "team as text": _values(TEAM_ID, None, "Web"),
    "team as list of options": _values(TEAM_ID, [], [{"value": "Web"}, {"value": "Ops"}]),
    "all null": lambda lines: (
        _values(FLAG, None, None)(lines),
        _values(TEAM_ID, None, None)(lines),
    ),
}


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gz"])
@pytest.mark.parametrize("near", [1, 256], ids=["guessed", "seen near"])
@pytest.mark.parametrize("case", list(SHAPES))
def test_display_field_of_any_one_type_is_taken(
    base: list[dict],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    case: str,
    near: int,
    gz: bool,
) -> None:
    """The type is looked for in the first lines, else the usual one is guessed; a wrong guess
    fails Arrow's read, and the first value of the whole file decides a second read."""
    monkeypatch.setattr(jira_arrow, "_GUESS_LINES", near)
    lines = copy(base)
    SHAPES[case](lines)
    path = tmp_path / "x.jira.ndjson"
    path.write_bytes(gzip.compress(dump(lines)) if gz else dump(lines))
    reads: list[object] = []
    real = jira_arrow._arrow_read
    monkeypatch.setattr(jira_arrow, "_arrow_read", lambda *a: reads.append(a) or real(*a))
    assert answers(path, TEAM)
    # the usual types: the team field one option, the flag field a list of options
    usual = case in ("flag as list of options", "all null")
    assert len(reads) == (1 if near == 256 or usual else 2)
    same(path, TEAM)


def test_display_field_of_two_types_is_left(base: list[dict], tmp_path: Path) -> None:
    lines = copy(base)
    lines[3]["fields"][TEAM_ID] = "Web"  # others hold an option object
    path = tmp_path / "x.jira.ndjson"
    path.write_bytes(dump(lines))
    assert not answers(path, TEAM)
    same(path, TEAM)


def test_adf_bodies_after_the_first_lines(
    base: list[dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first lines of a gzip file have no comment: text is guessed, the read fails, and
    the first body of the whole file decides a second read."""
    monkeypatch.setattr(jira_arrow, "_GUESS_LINES", 2)
    lines = copy(base)
    _adf_bodies(lines)
    for x in lines[:3]:
        x["fields"]["comment"]["comments"] = []
    path = tmp_path / "x.jira.ndjson.gz"
    path.write_bytes(gzip.compress(dump(lines)))
    reads: list[object] = []
    real = jira_arrow._arrow_read
    monkeypatch.setattr(jira_arrow, "_arrow_read", lambda *a: reads.append(a) or real(*a))
    assert answers(path, TEAM)
    assert len(reads) == 2
    same(path, TEAM)


GZIP_EDITS: dict[str, Callable[[bytes], bytes]] = {
    "truncated": lambda z: z[: len(z) // 2],
    "two members": lambda z: z + gzip.compress(b'{"key": "X-1", "fields": {}}\n'),
    "bytes after the member": lambda z: z + b"\0\0\0\0",
    "length in the trailer too small": lambda z: z[:-4] + (5).to_bytes(4, "little"),
    "length in the trailer too large": lambda z: z[:-4] + (1 << 29).to_bytes(4, "little"),
    "corrupt deflate data": lambda z: z[:40] + bytes(b ^ 0x55 for b in z[40:80]) + z[80:],
}


@pytest.mark.parametrize("case", list(GZIP_EDITS))
def test_odd_gzip_is_left_to_the_walk(base: list[dict], tmp_path: Path, case: str) -> None:
    path = tmp_path / "x.jira.ndjson.gz"
    path.write_bytes(GZIP_EDITS[case](gzip.compress(dump(base))))
    assert not answers(path, TEAM)
    try:
        slow = jira_json.load(path, TEAM, fast=False)
    except InputError:
        with pytest.raises(InputError):
            jira_json.load(path, TEAM)
    else:
        assert slow is not None
        same(path, TEAM)


def test_head_is_whole_lines() -> None:
    data = b"{1}\n{22}\n{333}\n"
    assert jira_arrow._head(data, len(data)) is None  # fewer lines than _GUESS_LINES
    many = data * 100  # 300 lines, 15 bytes every 3
    assert jira_arrow._head(many, len(many)) == many[: 85 * 15 + 4]  # 256 lines
    assert jira_arrow._head(many, 1000) is None  # not yet 256 lines: more may come


def test_head_of_long_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jira_arrow, "_HEAD_BYTES", 10)
    data = b"{1}\n{22}\n{333}\n"
    assert jira_arrow._head(data, len(data)) == b"{1}\n{22}\n"
    assert jira_arrow._head(data, 6) is None  # not yet 10 bytes: more may come
    assert jira_arrow._head(b"{" + b"x" * 20 + b"}\n", 22) is None  # no whole line in 10


# -------------------------------------------------------------- the NaN/Inf screen

NUMBER_WORDS = {
    b'"x":NaN': True,
    b'"x": -Infinity': True,
    b'"x":\t Inf': True,
    b'"x":[1,\r\nNaN]': True,
    b'"x":[Infinity]': True,
    b'"x":"NaN"': False,
    b'"x":"a NaN"': False,
    b'"x":"Info","y":"-Inf"': False,
    b'"x":"Information"': False,
    b'"x":"a,NaN"': True,  # a separator inside a string: the Python loader decides
    b'"x":"b: Inf"': True,
}


@pytest.mark.parametrize("step", [1, 2, 3, 1 << 22])
@pytest.mark.parametrize("text", list(NUMBER_WORDS), ids=lambda t: t.decode())
def test_nan_inf_screen(monkeypatch: pytest.MonkeyPatch, text: bytes, step: int) -> None:
    """Whatever the windows the words are looked for in."""
    monkeypatch.setattr(jira_arrow, "_SCAN_STEP", step)
    data = b"{" + text + b"}\n"
    if NUMBER_WORDS[text]:
        with pytest.raises(ac.NotPlain):
            jira_arrow._screen_numbers(data)
    else:
        jira_arrow._screen_numbers(data)


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gz"])
def test_empty_or_short_file_is_left(tmp_path: Path, gz: bool) -> None:
    for data in (b"", b"{", b"\n"):
        path = tmp_path / "x.jira.ndjson"
        path.write_bytes(gzip.compress(data) if gz else data)
        assert not answers(path, TEAM)
        with pytest.raises(InputError):
            jira_json.load(path, TEAM)


# -------------------------------------------------------------- ADF bodies, node by node

ADF_KINDS = [
    "doc",
    "paragraph",
    "heading",
    "bulletList",
    "listItem",
    "table",
    "tableRow",
    "tableCell",
    "tableHeader",
    "codeBlock",
    "text",
    "hardBreak",
    "mention",
    "emoji",
    "inlineCard",
    "blockCard",
    "status",
    None,
]
ADF_TEXT = st.sampled_from(["", "a", "b c", "\n", "x\n", " \t", "end  ", "\x1c", "\x85", "é "])


def adf_nodes(depth: int) -> st.SearchStrategy:
    attrs = st.dictionaries(st.sampled_from(["text", "id", "shortName", "url"]), ADF_TEXT)
    leaf = st.fixed_dictionaries(
        {"type": st.sampled_from(ADF_KINDS)},
        optional={"text": ADF_TEXT, "attrs": attrs},
    )
    if depth <= 1:
        return leaf.filter(lambda n: n["type"] != "text" or "text" in n)
    children = st.lists(st.one_of(st.none(), adf_nodes(depth - 1)), max_size=3)
    node = st.fixed_dictionaries(
        {"type": st.sampled_from(ADF_KINDS)},
        optional={"text": ADF_TEXT, "attrs": attrs, "content": children},
    )
    return node.filter(lambda n: n["type"] != "text" or "text" in n)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.none(), adf_nodes(5)), min_size=1, max_size=6))
def test_adf_text_of_every_shape(docs: list[object]) -> None:
    """Random ADF documents: Arrow's read and the vectorised walk give ``adf_text``'s text."""
    data = b"".join(orjson.dumps({"body": d}) + b"\n" for d in docs)
    table = pj.read_json(
        pa.BufferReader(data),
        parse_options=pj.ParseOptions(
            explicit_schema=pa.schema([("body", jira_arrow._adf_type())]),
            unexpected_field_behavior="ignore",
        ),
    )
    got = jira_arrow._comment_texts(table.column("body").combine_chunks())
    assert got.to_pylist() == [jira_json.comment_text(d) for d in docs]


# -------------------------------------------------------------- the project's own files


@pytest.mark.parametrize(
    ("name", "config", "fast"),
    [
        ("sample.jira.json", "sample.jira.flowgap.toml", False),  # one search page: the walk
        ("story.jira.ndjson.gz", "story.jira.flowgap.toml", True),
    ],
)
def test_sample_logs(sample_logs: Path, name: str, config: str, fast: bool) -> None:
    path = sample_logs / name
    cfg = Config.load(sample_logs / config)
    assert answers(path, cfg) is fast
    same(path, cfg)


@pytest.mark.parametrize(
    "path", sorted(p for p in FIX.rglob("*") if p.is_file()), ids=lambda p: p.name
)
def test_fixtures(path: Path) -> None:
    for config in (TEAM, Config()):
        try:
            slow = jira_json.load(path, config, fast=False)
        except Exception as exc:  # an unreadable fixture: both ways fail the same
            with pytest.raises(type(exc)):
                jira_json.load(path, config)
            continue
        assert slow is not None
        same(path, config)


def test_no_pandas_import(base: list[dict], tmp_path: Path) -> None:
    """pyarrow imports pandas (about a second) on its first pa.array/pa.scalar/to_numpy; the
    fast path builds everything from buffers so a fresh process never pays it."""
    path = tmp_path / "x.jira.ndjson"
    path.write_bytes(dump(base))
    code = (
        "import sys; from pathlib import Path; import flowgap;"
        "r = flowgap.load([Path(sys.argv[1])]);"
        "assert r.items.num_rows == int(sys.argv[2]), r.items.num_rows;"
        "print('pandas' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path), str(len(base))],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "False"


def test_plain_pages_while_loading_only(
    base: list[dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """numpy's huge pages off and Arrow's system allocator while loading; both restored."""
    from numpy._core.multiarray import _set_madvise_hugepage as setter

    path = tmp_path / "x.jira.ndjson"
    path.write_bytes(dump(base))
    seen: list[tuple[bool, str]] = []
    real = jira_arrow._build

    def build(*args: object) -> object:
        now = setter(False)
        setter(now)
        seen.append((now, pa.default_memory_pool().backend_name))
        return real(*args)

    monkeypatch.setattr(jira_arrow, "_build", build)
    pool = pa.default_memory_pool().backend_name
    for before in (True, False):
        setter(before)
        assert answers(path, TEAM)
        assert setter(True) is before
        assert pa.default_memory_pool().backend_name == pool
    assert seen == [(False, "system")] * 2


# -------------------------------------------------------------- random edits: still the same

PATHS = [
    "key",
    "fields",
    "fields.created",
    "fields.summary",
    "fields.status",
    "fields.status.name",
    "fields.status.statusCategory",
    "fields.assignee",
    "fields.assignee.displayName",
    "fields.project",
    "fields.project.key",
    "fields.priority",
    "fields.issuetype",
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
    "changelog.histories.0.author.displayName",
    "changelog.histories.1",
    "fields.status.statusCategory.key",
    "fields.components.0",
    "fields.labels.0",
    "fields.comment.comments.0.author.displayName",
    "fields.comment.comments.1",
    "names",
    "names.customfield_10042",
    "names.customfield_10021",
    "names.customfield_10016",
    "fields.Team",
    "fields.Flagged",
]
VALUES = [
    None,
    "",
    "x",
    "Team",
    5,
    5.5,
    True,
    {},
    [],
    {"name": "n"},
    {"value": "v", "id": "1"},
    [{"value": "Impediment"}],
    ["a", "b"],
    [None],
    "2025-01-01T10:00:00.000+0100",
    "2025-01-01T10:00:00.000-0300",
    "2025-01-01",
    "12",
    "a b c",
    "Flagged",
    "Story Points",
    {"field": "labels", "fromString": "a", "toString": "b a"},
    [{"name": ""}, {"key": "K"}],
    {"value": "", "name": "n2", "key": 3},
    {"displayName": "D", "name": "N"},
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
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.integers(0, 59), st.sampled_from(PATHS), st.sampled_from([*VALUES, ...])),
        min_size=1,
        max_size=4,
    )
)
def test_random_edits_load_the_same_both_ways(
    base: list[dict], tmp_path: Path, edits: list[tuple[int, str, object]]
) -> None:
    lines = copy(base)
    for i, path, value in edits:
        _put(lines[i % len(lines)], path, copy([value])[0] if value is not ... else ...)
    path = tmp_path / "edited.jira.ndjson"
    path.write_bytes(dump(lines))
    same(path, TEAM)
