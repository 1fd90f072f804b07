"""The nodes of a Dash layout, for tests that look into a page without a browser."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def walk(node: Any) -> Iterator[Any]:
    """``node`` and everything under it, depth first: components, and the strings and
    numbers among their children."""
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, list | tuple):
        for child in children:
            yield from walk(child)
    elif children is not None:
        yield from walk(children)
