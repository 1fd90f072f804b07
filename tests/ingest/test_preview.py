"""The bounded head of an export that needs a mapping, and what the preview reads from it."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from flowgap.config import Config
from flowgap.errors import InputError
from flowgap.ingest import preview

HEADER = "ticket,state,changed\n"
ROW = "T-{n},Open,2026-01-{day:02d}T10:00:00Z\n"


def _rows(n: int) -> str:
    return HEADER + "".join(ROW.format(n=k % 10, day=1 + k % 28) for k in range(n))


def test_a_small_csv_is_its_own_head(tmp_path: Path):
    src, head = tmp_path / "a.csv", tmp_path / "head.csv"
    src.write_text(_rows(5))
    assert preview.write_head(src, head, "csv") is False
    assert head.read_bytes() == src.read_bytes()
    assert head.stat().st_mode & 0o777 == 0o600


def test_a_large_csv_is_cut_after_a_whole_line_within_the_bound(tmp_path: Path):
    src, head = tmp_path / "a.csv", tmp_path / "head.csv"
    src.write_text(_rows(50_000))
    assert src.stat().st_size > 4 * preview.PREVIEW_BYTES["csv"]
    assert preview.write_head(src, head, "csv") is True
    data = head.read_bytes()
    assert len(data) <= preview.PREVIEW_BYTES["csv"] and data.endswith(b"\n")
    assert src.read_bytes().startswith(data)


def test_a_gzip_bomb_costs_only_the_head(tmp_path: Path):
    src, head = tmp_path / "bomb.csv.gz", tmp_path / "bomb.csv"
    with gzip.open(src, "wb", compresslevel=9) as fh:
        fh.write(HEADER.encode())
        for _ in range(200):  # 200 MB of one repeated row, a few hundred KB packed
            fh.write(b"T-1,Open,2026-01-01T10:00:00Z\n" * 35_000)
    assert preview.write_head(src, head, "csv") is True  # inflates the head, not the 200 MB
    assert len(head.read_bytes()) <= preview.PREVIEW_BYTES["csv"]


def _xes(traces: int, pad: str = "") -> str:
    body = "".join(
        f'<trace><string key="concept:name" value="C-{t}"/>'
        f'<event><string key="Step" value="Open{pad}"/>'
        f'<date key="time:timestamp" value="2026-01-02T10:00:00.000+00:00"/></event>'
        f'<event><string key="Step" value="Done"/>'
        f'<date key="time:timestamp" value="2026-01-03T10:00:00.000+00:00"/></event></trace>\n'
        for t in range(traces)
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0">\n{body}</log>\n'


def test_a_large_xes_is_cut_after_a_whole_trace_and_closed(tmp_path: Path):
    src, head = tmp_path / "log.xes", tmp_path / "head.xes"
    src.write_text(_xes(20_000))
    assert preview.write_head(src, head, "xes") is True
    assert head.read_bytes().endswith(b"</trace>\n</log>\n")
    found = preview.sample(head, "xes", Config())
    assert found.choices == ["Step"]
    assert found.rows[0]["case:concept:name"] == "C-0"
    config = Config().with_input("xes", {"status_attribute": ["Step"]}, "test")
    result = preview.read(head, "xes", config)
    assert 0 < result.items.num_rows < 20_000
    assert not result.rejects


def test_an_xes_without_a_whole_trace_in_the_head_is_one_line(tmp_path: Path):
    src, head = tmp_path / "log.xes", tmp_path / "head.xes"
    src.write_text(_xes(1, pad="x" * (2 << 20)))
    with pytest.raises(InputError, match="no complete trace in the first 1024 KB"):
        preview.write_head(src, head, "xes")


def test_guesses_name_what_the_names_tell(tmp_path: Path):
    src = tmp_path / "a.csv"
    src.write_text(_rows(30))
    found = preview.sample(src, "csv", Config())
    assert found.columns == ["ticket", "state", "changed"]
    assert found.rows[0] == {"ticket": "T-0", "state": "Open", "changed": "2026-01-01T10:00:00Z"}
    assert preview.guess(src, "csv", found) == {
        "timestamp": "changed",
        "item": "ticket",
        "status": ["state"],
    }
    xes = tmp_path / "log.xes"
    xes.write_text(_xes(3))
    found = preview.sample(xes, "xes", Config())
    # No standard attribute: one named like a status ("step") is taken; none for the rest.
    # The item and the time are XES's standard attributes, which the log has.
    assert preview.guess(xes, "xes", found) == {
        "status_attribute": ["Step"],
        "team_attribute": None,
        "resource_attribute": None,
        "case_attribute": "concept:name",
        "timestamp_attribute": "time:timestamp",
    }
