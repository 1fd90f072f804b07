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
