"""Comment text of Jira comments: plain text (REST API v2) or Atlassian Document Format (v3).

ADF is a tree of nodes (``{"type": ..., "content": [...], "attrs": {...}}``). Its text is the
text nodes, mentions, emoji and card links in document order, blocks (paragraphs, headings,
list items, ...) on their own lines, `` | `` after each table cell; each line is right-stripped
and blank lines at both ends are dropped.

The walk keeps its own stack: a body nested thousands of levels deep (a hostile or broken
export) costs time in proportion to its size, never a RecursionError.
"""

from __future__ import annotations

from typing import Any

#: Node kinds that stand on their own lines.
BLOCKS = frozenset(
    {
        "paragraph",
        "heading",
        "blockquote",
        "codeBlock",
        "listItem",
        "bulletList",
        "orderedList",
        "tableRow",
        "table",
        "panel",
        "rule",
        "mediaSingle",
        "expand",
        "taskList",
        "taskItem",
        "decisionList",
        "decisionItem",
        "doc",
    }
)

# What the stack holds besides nodes: the work to do once a node's content has been written.
_CELL_END = object()  # " | " after a table cell
_BLOCK_END = object()  # a newline after a block, unless the text already ends in one


def comment_text(body: Any) -> str:
    """v2 bodies are text; v3 bodies are ADF documents; a missing body is ""."""
    if body is None:
        return ""
    if isinstance(body, str):
        return body
    return adf_text(body)


def adf_text(node: Any) -> str:
    """Flatten Atlassian Document Format to plain text (blocks on their own lines)."""
    out: list[str] = []
    stack: list[Any] = [node]
    while stack:
        node = stack.pop()
        if node is _CELL_END:
            out.append(" | ")
        elif node is _BLOCK_END:
            if out and not out[-1].endswith("\n"):
                out.append("\n")
        elif isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, dict):
            _node(node, out, stack)
        elif isinstance(node, str):
            out.append(node)
    lines = "".join(out).split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def _node(node: dict, out: list[str], stack: list[Any]) -> None:
    """Write a leaf node's text, or schedule a node's content (and what follows it)."""
    kind = node.get("type")
    attrs = node.get("attrs")
    if not isinstance(attrs, dict):
        attrs = {}
    if kind == "text":
        out.append(str(node.get("text", "")))
    elif kind == "hardBreak":
        out.append("\n")
    elif kind == "mention":
        out.append(str(attrs.get("text") or attrs.get("id") or ""))
    elif kind == "emoji":
        out.append(str(attrs.get("text") or attrs.get("shortName") or ""))
    elif kind in ("inlineCard", "blockCard"):
        out.append(str(attrs.get("url") or ""))
    elif kind in ("tableCell", "tableHeader"):
        stack.append(_CELL_END)
        stack.append(node.get("content"))
    else:
        block = isinstance(kind, str) and kind in BLOCKS
        if block and kind != "doc":
            stack.append(_BLOCK_END)
        stack.append(node.get("content"))
        if block and out and not out[-1].endswith("\n"):
            out.append("\n")
