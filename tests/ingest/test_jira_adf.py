"""Comment text of Jira comments: plain v2 text, ADF v3 documents of every node kind, and
documents nested far deeper than Python's recursion limit."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import flowgap
from flowgap.cli import app
from flowgap.ingest.jira_adf import adf_text, comment_text


def _text(t: object, **extra: object) -> dict:
    return {"type": "text", "text": t, **extra}


def _para(*content: object) -> dict:
    return {"type": "paragraph", "content": list(content)}


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
    assert adf_text(doc) == "Title\none\ntwo\n:smile:"
    assert comment_text("plain v2") == "plain v2"
    assert comment_text(None) == ""


EVERY_KIND = {
    "type": "doc",
    "content": [
        {"type": "heading", "attrs": {"level": 2}, "content": [_text("Title")]},
        _para(
            {"type": "mention", "attrs": {"id": "5b10", "text": "@Ann"}},
            {"type": "mention", "attrs": {"id": "5b11"}},  # no text: the id
            _text(" bold", marks=[{"type": "strong"}]),
            {"type": "emoji", "attrs": {"shortName": ":smile:", "text": "x"}},  # text first
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
        {"type": "unknownNode", "content": [_text("kept")]},  # unknown kinds: their content
        {"type": "panel", "content": [_para(_text(""))]},
        None,
    ],
}


@pytest.mark.parametrize(
    ("doc", "text"),
    [
        ({"type": "doc", "version": 1, "content": [_para(_text("Plain words."))]}, "Plain words."),
        ({"type": "doc", "content": []}, ""),
        # each line right-stripped
        (
            {"type": "doc", "content": [_para(_text("a  "), {"type": "hardBreak"}, _text("b"))]},
            "a\nb",
        ),
        (
            EVERY_KIND,
            "Title\n@Ann5b11 boldx:wave:https://example.test/1\none\n1a\nh\n |  |\nx\n  y\n"
            "https://example.test/2kept",
        ),
        # blank lines at both ends dropped; a node without a type writes its content
        (
            {"type": "doc", "content": [_para(_text("\n\n")), _para(), {"content": [_text("x")]}]},
            "x",
        ),
        # content that is text, an object or nothing; a type that is not text
        ({"type": "doc", "content": "words"}, "words"),
        ({"type": "doc", "content": _para(_text("one"))}, "one"),
        ({"type": ["paragraph"], "content": [_text("t")]}, "t"),
        ({"type": {"a": 1}, "content": None}, ""),
        # a text node's text as Python writes it
        ({"type": "doc", "content": [_para(_text(5), {"type": "text"})]}, "5"),
    ],
)
def test_adf_node_kinds(doc: object, text: str) -> None:
    assert comment_text(doc) == text


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_adf_nested_deeper_than_the_recursion_limit(depth: int) -> None:
    node: dict = _text("deep")
    for _ in range(depth):
        node = {"type": "blockquote", "content": [node]}
    assert adf_text({"type": "doc", "content": [node, _para(_text("after"))]}) == "deep\nafter"


def _deep_issue(key: str, depth: int) -> str:
    """An issue line whose one comment is an ADF body nested ``depth`` paragraphs deep (written
    as text: json.dumps itself recurses)."""
    body = '{"type":"paragraph","content":[' * depth + '{"type":"text","text":"deep"}'
    body += "]}" * depth
    return (
        f'{{"key":"{key}","id":"{key[-1]}","fields":{{"created":"2023-07-03T09:00:00.000+0000",'
        '"status":{"name":"Open"},"comment":{"total":1,"comments":[{"id":"5",'
        '"created":"2023-07-03T10:00:00.000+0000","body":{"type":"doc","content":['
        f"{body}]}}}}]}}}},"
        '"changelog":{"startAt":0,"total":0,"histories":[]}}'
    )


def test_a_comment_nested_a_thousand_deep_is_read_or_rejected_never_a_crash(
    tmp_path: Path,
) -> None:
    path = tmp_path / "deep.ndjson"
    path.write_text(_deep_issue("A-1", 500) + "\n" + _deep_issue("A-2", 1000) + "\n")
    result = flowgap.load(path)
    assert result.items.column("item").to_pylist() == ["A-1"]
    comments = [e["value"] for e in result.events.to_pylist() if e["field"] == "comment"]
    assert comments == ["deep"]
    assert [(r.source, r.reason) for r in result.rejects] == [
        ("deep.ndjson:2", "malformed JSON: depth limit exceeded")
    ]
    page = tmp_path / "deep.json"
    page.write_text('{"issues":[' + _deep_issue("A-2", 1000) + "]}")
    done = CliRunner().invoke(app, ["inspect", str(page)])
    assert done.exit_code == 2
    assert done.stderr.startswith(f"flowgap: error: {page}: not valid JSON: depth limit exceeded")
    assert done.stderr.count("\n") == 1
