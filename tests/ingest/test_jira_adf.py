"""Comment text of Jira comments: plain v2 text, ADF v3 documents of every node kind, and
documents nested far deeper than Python's recursion limit."""

from __future__ import annotations

import pytest

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
