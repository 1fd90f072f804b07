"""Reading an export back and comparing it issue by issue with what the fake Jira holds."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from .fake_jira import NAMES, FakeJira


def export_lines(path: Path) -> list[dict]:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return [json.loads(line) for line in data.splitlines() if line.strip()]


def requested_fields(fake: FakeJira) -> list[str]:
    return fake.routes("search")[0]["query"]["fields"].split(",")


def assert_export_matches(path: Path, fake: FakeJira, ids: list[str] | None = None) -> None:
    """Every line is the complete issue (full changelog, all comments) plus its field names."""
    lines = export_lines(path)
    fields = requested_fields(fake)
    wanted = ids if ids is not None else [s.id for s in fake.issues]
    assert [line["id"] for line in lines] == wanted
    by_id = {s.id: s for s in fake.issues}
    for line in lines:
        names = line.pop("names")
        expected = fake.expected_issue(by_id[line["id"]], fields)
        assert line == expected, line["key"]
        changelog = line["changelog"]
        assert changelog["total"] == len(changelog["histories"]) and changelog["startAt"] == 0
        assert names == {f: NAMES[f] for f in line["fields"]}
