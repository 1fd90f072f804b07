"""What several pages share: the request's session and view, the "no data" notes, item rows.

The session and view readers live here rather than in ``shell.py``: the shell imports the
pages, so a page importing the shell would close an import cycle.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa
import pyarrow.compute as pc
from dash import html
from flask import g

from ...report.tables import ITEMS
from ..components import note
from ..data import DataService, View
from ..filters import date_notes, from_query


def current_sid() -> str | None:
    """The browser session of this request (set by ``shell.install_sessions``)."""
    return getattr(g, "flowgap_sid", None)


def bump(version: int | None) -> int:
    """The next ``data-version``: every page that shows the session's data draws itself
    again when it changes (an upload, a mapping, a class or team choice)."""
    return (version or 0) + 1


def current_view(service: DataService, search: str | None) -> View:
    """The session's data under the filters of the URL query string ``search``."""
    return service.view(current_sid(), from_query(search))


def missing(view: View) -> html.Div | None:
    """A note instead of the page when there is nothing to show."""
    if view.dataset is None:
        return note(
            "No data yet. Upload a ticket export on the Upload page (or start flowgap serve with"
            " an input file).",
            "info",
        )
    if view.error:
        return note(view.error, "error", id="page-error")
    if view.analysis is None:
        return note("No item matches the filters. Widen or clear them.", "info", id="no-match")
    return None


def drawn(path: str, view: View, search: str | None, shape: str = "") -> dict:
    """What the router notes of the page it drew (the ``page-drawn`` store): its path,
    whether it is the page itself (not a note in its place, no note above it), and its
    ``shape`` (:func:`page_shape`)."""
    whole = missing(view) is None and not date_notes(search)
    return {"path": path, "whole": whole, "shape": shape}


def page_shape(page: object, view: View) -> str:
    """Which of its parts the page drawn for ``view`` has, for a page whose parts come and go
    with the selection (its ``shape(view)``; "" for any other page). Dash refuses a callback
    whose outputs are only partly on the page, so such a page updates each part that comes
    and goes with a callback of its own, and only while the parts stay the same."""
    shape = getattr(page, "shape", None)
    return shape(view) if shape is not None else ""


def updates_in_place(path: str, before: dict | None, now: dict, triggered: set[str]) -> bool:
    """Whether a change of the URL updates the page at ``path`` in place (its own callback
    sends what changed) instead of the router drawing it again: only the query string
    changed (``triggered``: the callback context's triggered properties), the page drawn
    (``before``, the ``page-drawn`` store) is this one, and both before and ``now`` it is
    the page itself, with the same parts (:func:`drawn`). The router and the page decide by
    this one rule, from the same inputs.

    Why: Dash builds every component of new page children afresh, so each figure was
    purged, drawn from nothing and resized twice (plotly waits 100 ms before a resize);
    a new ``figure`` for a figure in place is one redraw."""
    return (
        triggered == {"url.search"}
        and before is not None
        and before.get("path") == path
        and bool(before.get("whole"))
        and bool(now["whole"])
        and before.get("shape", "") == now.get("shape", "")
    )


def item_rows(items: pa.Table, keys: Iterable[str] | None = None) -> list[dict]:
    """Rows of the engine's items table (optionally only ``keys``), the longest wait first:
    the rows of the item grids (``tables.ITEMS``)."""
    if keys is not None:
        items = items.filter(pc.is_in(items["item"], pa.array(sorted(set(keys)), pa.string())))
    # Only the grid's columns: to_pylist costs per cell, and the items table is wide.
    rows = items.select([c.key for c in ITEMS.columns if c.key in items.column_names]).to_pylist()
    rows.sort(key=lambda r: -(r.get("wait_s") or 0.0))
    return rows


def get(summary: dict, *path: str) -> object:
    value: object = summary
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value
