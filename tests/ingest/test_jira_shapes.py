"""Every shape of a Jira JSON export read into one stream of issues: search pages, lists of
pages or issues, NDJSON (CRLF, blank lines, BOMs, broken lines), directories, gzip (plain,
several members, broken), pretty-printed files; and the positions each issue is known by."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import orjson
import pytest
from jira_helpers import FIX, TEAM, dump, reconciles, rows, sample_export, ts

from flowgap.config import Config
from flowgap.errors import InputError
from flowgap.ingest import jira_json
from flowgap.ingest.jira_shapes import Broken, Issue, JiraFile, Names, is_json_file, json_files


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    return sample_export(tmp_path_factory.mktemp("sample"), 20)


def load_lines(tmp_path: Path, lines: list[dict] | bytes, gz: bool = False):
    data = lines if isinstance(lines, bytes) else dump(lines)
    path = tmp_path / ("x.jira.ndjson.gz" if gz else "x.jira.ndjson")
    path.write_bytes(gzip.compress(data) if gz else data)
    return jira_json.load(path, TEAM)


def stream(path: Path) -> list[tuple]:
    out: list[tuple] = []
    for record in JiraFile(path):
        if isinstance(record, Issue):
            key = record.value.get("key") if isinstance(record.value, dict) else record.value
            out.append(("issue", key, record.line, record.path))
        elif isinstance(record, Names):
            out.append(("names", len(record.names)))
        else:
            assert isinstance(record, Broken)
            out.append(("broken", record.line, record.reason))
    return out


def test_positions_of_every_shape(tmp_path: Path) -> None:
    page = {"names": {"customfield_1": "Team"}, "issues": [{"key": "P-1"}, {"key": "P-2"}]}
    (tmp_path / "page.json").write_bytes(orjson.dumps(page, option=orjson.OPT_INDENT_2))
    assert stream(tmp_path / "page.json") == [
        ("names", 1),
        ("issue", "P-1", None, "issues[0]"),
        ("issue", "P-2", None, "issues[1]"),
    ]
    (tmp_path / "pages.json").write_bytes(orjson.dumps([{"issues": [{"key": "A"}]}, {"key": "B"}]))
    assert stream(tmp_path / "pages.json") == [
        ("issue", "A", None, "[0]issues[0]"),
        ("issue", "B", None, "[1]"),
    ]
    (tmp_path / "one.json").write_bytes(b'  \n\n"text"\n')
    assert stream(tmp_path / "one.json") == [("issue", "text", None, "[0]")]
    (tmp_path / "lines.ndjson").write_bytes(b'{"key": "L-1"}\n\n{"key": \n{"issues": []}\n')
    assert stream(tmp_path / "lines.ndjson") == [
        ("issue", "L-1", 1, "[0]"),
        ("broken", 3, "malformed JSON: unexpected end of data"),
    ]


def test_json_files_and_names() -> None:
    assert [p.name for p in json_files(FIX / "pages")] == ["page-1.json", "page-2.json.gz"]
    assert json_files(FIX / "v2_page.json") == [FIX / "v2_page.json"]
    assert is_json_file(Path("x.JSONL.gz")) and not is_json_file(Path("x.csv"))
    with pytest.raises(InputError, match="holds no"):
        json_files(FIX.parent)  # the fixtures folder itself holds only folders


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
    with pytest.raises(InputError, match="only whitespace"):
        jira_json.load(empty, Config())
    cut = tmp_path / "cut.ndjson.gz"
    data = gzip.compress((FIX / "issues.ndjson").read_bytes() * 50)
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="corrupt gzip"):
        jira_json.load(cut, Config())


def test_pretty_printed_file_copied_under_gz(tmp_path: Path) -> None:
    path = tmp_path / "page.json.gz"
    with (FIX / "v2_page.json").open("rb") as src, gzip.open(path, "wb") as dst:
        shutil.copyfileobj(src, dst)
    r = jira_json.load(path, TEAM)
    assert r.events.num_rows == 18


def test_gzip_and_plain_give_the_same_tables(base: list[dict], tmp_path: Path) -> None:
    plain = load_lines(tmp_path, base)
    gz = load_lines(tmp_path, base, gz=True)
    assert plain.events.drop_columns("source").equals(gz.events.drop_columns("source"))
    assert plain.items.equals(gz.items)


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gz"])
def test_line_shapes(base: list[dict], tmp_path: Path, gz: bool) -> None:
    data = dump(base[:3])
    first, second, third = data.splitlines()
    # CRLF, a blank line, a BOM on the first line: read as if they were not there
    for odd in (data.replace(b"\n", b"\r\n"), first + b"\n\n" + second + b"\n" + third + b"\n"):
        r = load_lines(tmp_path, odd, gz=gz)
        assert r.items.num_rows == 3 and r.rejects == [] and r.inputs[0].reconciles
    r = load_lines(tmp_path, b"\xef\xbb\xbf" + data, gz=gz)
    assert r.items.num_rows == 3 and r.rejects == []
    # two issues on one line: one broken record; NaN is no JSON
    r = load_lines(tmp_path, first + second + b"\n" + third + b"\n", gz=gz)
    assert [(x.source, x.reason) for x in r.rejects] == [
        (
            "x.jira.ndjson.gz:1" if gz else "x.jira.ndjson:1",
            "malformed JSON: unexpected content after document",
        )
    ]
    nan = second.replace(b'"customfield_10016":', b'"x":NaN,"y":')
    r = load_lines(tmp_path, first + b"\n" + nan + b"\n", gz=gz)
    assert r.rejects[0].reason == "malformed JSON: unexpected character, expected a JSON value"


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gz"])
@pytest.mark.parametrize("data", [b"", b"{", b"\n"])
def test_empty_or_short_file_is_input_error(tmp_path: Path, gz: bool, data: bytes) -> None:
    with pytest.raises(InputError):
        load_lines(tmp_path, data, gz=gz)


GZIP_EDITS = {
    "truncated": (lambda z: z[: len(z) // 2], "Compressed file ended"),
    "length in the trailer too small": (
        lambda z: z[:-4] + (5).to_bytes(4, "little"),
        "Incorrect length",
    ),
    "corrupt deflate data": (
        lambda z: z[:40] + bytes(b ^ 0x55 for b in z[40:80]) + z[80:],
        "while decompressing",
    ),
    "two members": (lambda z: z + gzip.compress(b'{"key": "X-1", "fields": {}}\n'), None),
    "bytes after the member": (lambda z: z + b"\0\0\0\0", None),
}


@pytest.mark.parametrize("case", list(GZIP_EDITS))
def test_odd_gzip(base: list[dict], tmp_path: Path, case: str) -> None:
    """A broken stream is one clear error; a second member is read too."""
    edit, problem = GZIP_EDITS[case]
    path = tmp_path / "x.jira.ndjson.gz"
    path.write_bytes(edit(gzip.compress(dump(base))))
    if problem is None:
        r = jira_json.load(path, TEAM)
        assert r.items.num_rows == len(base) and r.inputs[0].reconciles
        return
    with pytest.raises(InputError, match=f"corrupt gzip.*{problem}"):
        jira_json.load(path, TEAM)


def perceval(issue: dict) -> dict:
    """How GrimoireLab's Perceval writes a Jira issue: wrapped, comments beside the fields."""
    data = dict(issue)
    fields = dict(data["fields"])
    comments = fields.pop("comment", None)
    if isinstance(comments, dict):
        data["comments_data"] = comments["comments"]
    data["fields"] = fields
    return {
        "backend_name": "Jira",
        "backend_version": "0.13.0",
        "category": "issue",
        "origin": "https://issues.example.org",
        "uuid": "0" * 40,
        "updated_on": 1700000000.0,
        "data": data,
    }


def test_collector_wrappers_load_as_the_issues_they_wrap(base: list[dict], tmp_path: Path) -> None:
    from flowgap.ingest.detect import detect_format

    plain = load_lines(tmp_path, base)
    assert plain.events.filter(pc_equal(plain.events, "comment")).num_rows > 0
    wrapped = [perceval(issue) for issue in base]
    for name, data in (
        ("lines", dump(wrapped)),  # one wrapper per line
        ("list", orjson.dumps(wrapped)),  # a JSON list of wrappers
    ):
        path = tmp_path / name / "x.jira.ndjson"
        path.parent.mkdir()
        path.write_bytes(data)
        assert detect_format(path) == "jira-json"
        result = jira_json.load(path, TEAM)
        assert result.rejects == []
        assert result.items.equals(plain.items)
        assert result.events.drop_columns("source").equals(plain.events.drop_columns("source"))
        reconciles(result)
    assert stream(tmp_path / "list" / "x.jira.ndjson")[0] == (
        "issue",
        base[0]["key"],
        None,
        "[0].data",
    )


def pc_equal(events, field: str):
    import pyarrow.compute as pc

    return pc.equal(events.column("field"), field)
