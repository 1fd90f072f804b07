"""Values quoted in messages are short and printable: one rule, ``errors.excerpt``."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from flowgap.cli import app
from flowgap.errors import a_few, excerpt, quoted, unknown_name
from flowgap.model import Reject

SAMPLE = Path(__file__).resolve().parents[1] / "sample_logs" / "sample.transitions.csv"


def test_excerpt_shortens_and_escapes() -> None:
    assert excerpt("A-1") == "A-1"
    assert excerpt("x" * 81) == "x" * 80 + "…(81 characters)"
    assert excerpt("a\nflowgap: error: b\x1b[2J\x00é中") == "a\\nflowgap: error: b\\x1b[2J\\x00é中"
    assert quoted("y" * 30, 10) == "'" + "y" * 10 + "…(30 characters)'"


def test_a_reject_is_one_short_line_whatever_its_loader_quoted() -> None:
    r = Reject("f.csv:2\nfake", "bad value " + "z" * 10_000)
    assert r.source == "f.csv:2\\nfake"
    assert r.reason.endswith("…(10,010 characters)") and len(r.reason) < 450


def test_a_huge_field_is_quoted_short_in_inspect(tmp_path: Path) -> None:
    """A 2 MB item key was copied whole into its reject reason (and text inspect took
    quadratic time to wrap it: 20 MB ran until killed)."""
    path = tmp_path / "l.csv"
    path.write_text("item,from,to,timestamp\n" + "A" * (2 << 20) + "\n", encoding="utf-8")
    # Nothing loads: one line (exit 2), the key quoted short.
    done = CliRunner().invoke(app, ["inspect", str(path), "--json"])
    assert done.exit_code == 2, done.output
    (line,) = done.output.strip().splitlines()
    assert line == (
        f"flowgap: error: {path.name}: nothing to analyse: all 1 of 1 input records were"
        " rejected (1 x " + "A" * 80 + "…(2,097,152 characters): missing target status"
        " (column 'to'))"
    )
    # With a record that loads, the reject is listed, quoted short, and inspect is quick.
    with path.open("a", encoding="utf-8") as f:
        f.write("B-1,,Done,2025-01-02T00:00:00Z\n")
    done = CliRunner().invoke(app, ["inspect", str(path), "--json"])
    assert done.exit_code == 0, done.output
    [reject] = json.loads(done.stdout)["rejects"]["shown"]
    assert reject["reason"] == (
        "A" * 80 + "…(2,097,152 characters): missing target status (column 'to')"
    )
    text = CliRunner().invoke(app, ["inspect", str(path)])
    assert text.exit_code == 0 and len(text.stdout) < 10_000


def test_an_error_line_cannot_be_split(tmp_path: Path) -> None:
    """A newline in --fail-on printed a second, forged error line."""
    done = CliRunner().invoke(
        app,
        ["analyze", str(SAMPLE), "-o", str(tmp_path / "r"), "--fail-on", "x\nflowgap: error: fake"],
    )
    assert done.exit_code == 2
    assert done.stderr.startswith("flowgap: error: --fail-on 'x\\nflowgap: error: fake'")
    assert done.stderr.count("\n") == 1


def test_unknown_name_suggests_close_names() -> None:
    assert unknown_name("team", "Bakend", ["Backend", "QA", "Ops"]) == (
        "unknown team 'Bakend' (did you mean 'Backend'?); the data's teams are 'Backend', 'Ops',"
        " 'QA'"
    )
    assert unknown_name("metric", "x.y", ["a.b", "c.d"], "the docs") == (
        "unknown metric 'x.y'; all 2 metrics are in the docs"
    )


def test_a_few_names_and_how_many_more() -> None:
    assert a_few(["a", "b"]) == "a, b"
    assert a_few(f"c{i}" for i in range(10_000)) == (
        "c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11 and 9,988 more"
    )
