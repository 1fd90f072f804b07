"""What the Jira JSON loader's tests share: the fixtures, a team config and a few readers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from flowgap.config import Config

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


def sample_export(directory: Path, items: int) -> list[dict]:
    """A small `flowgap sample` Jira export (seed 7, with the story item), one dict per line."""
    import orjson

    from flowgap.sample import write_sample

    out = directory / "base.jira.ndjson"
    write_sample(out, items, 7, "jira-json", True)
    return [orjson.loads(line) for line in out.read_bytes().splitlines()]


def dump(lines: list[dict]) -> bytes:
    import orjson

    return b"".join(orjson.dumps(x) + b"\n" for x in lines)
