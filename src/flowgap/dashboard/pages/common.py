"""What several pages share: the "no data" notes and the item rows of grids."""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa
import pyarrow.compute as pc
from dash import html

from ..components import DAY, note
from ..data import View

ITEM_COLUMNS = (
    ("item", "Item"),
    ("type", "Type"),
    ("summary", "Summary"),
    ("current_status", "Status"),
    ("lead_days", "Lead (d)"),
    ("cycle_days", "Cycle (d)"),
    ("touch_days", "Touch (d)"),
    ("wait_days", "Wait (d)"),
    ("flow_efficiency_pct", "Flow eff. (%)"),
    ("handoffs", "Handoffs"),
    ("team_path", "Teams"),
    ("steering_touches", "Steering"),
)


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


def _d(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / DAY, 2)


def item_rows(items: pa.Table, keys: Iterable[str] | None = None) -> list[dict]:
    """Grid rows of the engine's items table (optionally only ``keys``), durations in days."""
    if keys is not None:
        items = items.filter(pc.is_in(items["item"], pa.array(sorted(set(keys)), pa.string())))
    rows = []
    for r in items.to_pylist():
        fe = r.get("flow_efficiency")
        rows.append(
            {
                "item": r["item"],
                "type": r.get("type"),
                "summary": r.get("summary"),
                "current_status": r.get("current_status"),
                "lead_days": _d(r.get("lead_time_s")),
                "cycle_days": _d(r.get("cycle_time_s")),
                "touch_days": _d(r.get("touch_s")),
                "wait_days": _d(r.get("wait_s")),
                "flow_efficiency_pct": None if fe is None else round(fe * 100, 1),
                "handoffs": r.get("handoffs"),
                "team_path": r.get("team_path"),
                "steering_touches": r.get("steering_touches"),
            }
        )
    rows.sort(key=lambda r: -(r["wait_days"] or 0.0))
    return rows


def get(summary: dict, *path: str) -> object:
    value: object = summary
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value
