"""Every loader shows a value in a reject reason the same way: quoted by ``errors.quoted`` (an
apostrophe does not switch the quotes, control characters are escaped, a huge value is cut
with its length), an item key by ``errors.excerpt``; a JSON value that is not text shows bare."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flowgap.config import Config
from flowgap.errors import InputError, excerpt, quoted
from flowgap.ingest import event_csv, jira_csv, jira_json, transition_csv, xes

# Python's repr would switch to double quotes for the apostrophe and keep all 300 characters.
ODD = "it's\x1b[31m " + "x" * 300
LONG_KEY = "K" * 500


def test_quoted_shows_text_quoted_and_other_values_bare() -> None:
    assert quoted("it's") == "'it's'"
    assert quoted("a\nb") == "'a\\nb'"
    assert quoted("y" * 100) == f"'{'y' * 80}…(100 characters)'"
    assert quoted(None) == "None"
    assert quoted(20230501) == "20230501"
    assert quoted(b"caf\xc3\xa9") == "'café'"


def _issue(key: str, created: object, histories: list | None = None) -> dict:
    issue: dict = {"key": key, "fields": {"created": created}}
    if histories is not None:
        issue["changelog"] = {"total": len(histories), "histories": histories}
    return issue


@pytest.mark.parametrize("created", [ODD, None, 5])
def test_jira_json_issue_created(tmp_path: Path, created: object) -> None:
    path = tmp_path / "a.ndjson"
    path.write_text(json.dumps(_issue("X-1", created)) + "\n")
    (reject,) = jira_json.load(path, Config()).rejects
    assert reject.reason == f"X-1: fields.created is not a timestamp: {quoted(created)}"


def test_jira_json_history_and_comment_created(tmp_path: Path) -> None:
    ok = "2023-01-01T00:00:00.000+0000"
    issue = _issue(LONG_KEY, ok, [{"id": "7", "created": ODD, "items": []}])
    issue["fields"]["comment"] = {"comments": [{"id": "3", "created": ODD, "body": "hi"}]}
    dup = _issue(LONG_KEY, ok)
    dup["fields"] = "none"
    path = tmp_path / "a.ndjson"
    path.write_text(json.dumps(issue) + "\n" + json.dumps(dup) + "\n")
    reasons = sorted(r.reason for r in jira_json.load(path, Config()).rejects)
    assert reasons == sorted(
        [
            f"history created is not a timestamp: {quoted(ODD)}",
            f"comment created is not a timestamp: {quoted(ODD)}",
            f'{excerpt(LONG_KEY)}: issue has no "fields" object',
        ]
    )


def test_jira_csv_created(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(f"Issue key,Created,Resolved\n{LONG_KEY},{ODD},\n")
    cfg = Config.from_dict({"input": {"jira": {"csv_date_format": "%Y-%m-%d"}}})
    (reject,) = jira_csv.load(path, cfg).rejects
    assert reject.reason == (
        f"{excerpt(LONG_KEY)}: Created {quoted(ODD)} does not match the date format '%Y-%m-%d'"
    )


def test_event_csv_keys_and_values(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text(f"case,activity,timestamp\n{LONG_KEY},A,\n{LONG_KEY},B,{ODD}\n")
    reasons = [r.reason for r in event_csv.load(path, Config()).rejects]
    assert reasons == [
        f"{excerpt(LONG_KEY)}: missing timestamp (column 'timestamp')",
        f"{excerpt(LONG_KEY)}: bad timestamp: unrecognised timestamp {quoted(ODD)}",
    ]


def test_transition_csv_column_names_quoted(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("it's key,from,to,timestamp\n,A,B,2024-01-01T00:00:00Z\n")
    cfg = Config.from_dict({"input": {"transitions": {"item": "it's key"}}})
    reasons = [r.reason for r in transition_csv.load(path, cfg).rejects]
    assert reasons == ["missing item key (column 'it's key')"]


def test_xes_date_out_of_range(tmp_path: Path) -> None:
    key = "o'clock"
    path = tmp_path / "x.xes"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<log><trace><event>'
        '<string key="concept:name" value="A"/>'
        f'<date key="{key}" value="1500-01-01T00:00:00Z"/></event></trace></log>\n'
    )
    with pytest.raises(InputError) as info:
        xes.load(path, Config())
    assert f"date '1500-01-01T00:00:00Z' of {quoted(key)} is outside" in str(info.value)
