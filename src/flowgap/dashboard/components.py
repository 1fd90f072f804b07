"""Building blocks shared by the pages: grids with CSV export, headline cards, figures, notes.

Ticket text (summaries, comments, labels, status names) only ever reaches the page as plain
strings in Dash children, AG Grid cells (rendered as text, no HTML renderer) or plotly data; no
component here renders HTML or Markdown from data.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

import dash_ag_grid as dag
import plotly.graph_objects as go
import pyarrow as pa
from dash import dcc, html

# The reports' formats ("12.3 d", "12.3%", "–" for no value); pct is also the upload page's.
from ..engine.status_classes import CLASS_WARNINGS
from ..report.fmt import days as fmt_days
from ..report.fmt import num, pct
from ..report.tables import TableSpec, grid_columns, grid_rows

__all__ = ["fmt_days", "num", "pct"]


def cell(value: object) -> object:
    """A JSON-friendly grid cell: timestamps as ISO text, lists joined."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float):
        return round(value, 4)
    return value


def grid_data(spec: TableSpec, rows: Iterable[dict]) -> list[dict]:
    """Grid rows of a table of ``report/tables.py``: durations in days, ratios in percent,
    every cell JSON-friendly."""
    return [{k: cell(v) for k, v in r.items()} for r in grid_rows(spec, rows)]


#: The most rows a grid sends to the browser: a log with 100,000 statuses made a stages grid
#: of 27 MB and 15 s of server time. The callers give their rows in their ranking's order
#: (the longest wait first), so the rows kept are the ones that matter most.
GRID_ROWS = 5000


def table_grid(
    name: str, spec: TableSpec, rows: Iterable[dict] | pa.Table, height: int | None = None
):
    """:func:`grid` of a table of ``report/tables.py``: its columns, headers and formats.
    ``rows`` may be an Arrow table: only the rows sent are converted (an item's timeline can
    hold 100,000 segments)."""
    if isinstance(rows, pa.Table):
        total, rows = rows.num_rows, rows.slice(0, GRID_ROWS).to_pylist()
    else:
        rows = list(rows)
        total = len(rows)
    return grid(name, grid_data(spec, rows[:GRID_ROWS]), grid_columns(spec), height, total)


def table_row_data(spec: TableSpec, rows: Iterable[dict]) -> list[dict]:
    """The ``rowData`` of :func:`table_grid` of these rows, for a grid updated in place."""
    rows = list(rows)
    return row_data(grid_data(spec, rows[:GRID_ROWS]), grid_columns(spec))


def row_data(rows: list[dict], columns: Sequence[tuple[str, str]]) -> list[dict]:
    """The ``rowData`` a :func:`grid` sends: its first :data:`GRID_ROWS` rows, the columns'
    fields only."""
    return [{f: cell(r.get(f)) for f, _ in columns} for r in rows[:GRID_ROWS]]


#: Rows of a grid's page (AG Grid's alpine rows are 42 px; the header and the pager take
#: about 90 px more), and the fewest a page shows whatever height a caller asks for.
PAGE_ROWS, MIN_PAGE_ROWS, ROW_PX = 15, 10, 42


def page_rows(height: int | None = None) -> int:
    """Rows per page: :data:`PAGE_ROWS`, or what fits in ``height`` pixels, at least
    :data:`MIN_PAGE_ROWS`."""
    if height is None:
        return PAGE_ROWS
    return max(MIN_PAGE_ROWS, (height - 90) // ROW_PX)


def grid_options(height: int | None = None) -> dict:
    """AG Grid options of every grid: as tall as its rows (no box that shows five rows and
    scrolls), in pages of :func:`page_rows` rows with a pager below."""
    per_page = page_rows(height)
    return {
        "animateRows": False,
        "domLayout": "autoHeight",
        "pagination": True,
        "paginationPageSize": per_page,
        "paginationPageSizeSelector": sorted({per_page, 50, 100}),
    }


#: The column of item keys: styled as links (``.item-link`` in ``assets/style.css``); a click
#: opens the item's journey (the journey page's ``open_item`` callback). The cells keep AG
#: Grid's text renderer: a key is text, never HTML.
ITEM_FIELD = "item"


def column_def(field: str, header: str, wraps: bool = True) -> dict:
    """An AG Grid column; the item keys' cells look like links and say where they lead. A
    column of text ``wraps`` (:data:`WRAPPED`)."""
    col: dict = {"field": field, "headerName": header}
    if wraps:
        col.update(WRAPPED)
    if field == ITEM_FIELD:
        col["cellClass"] = "item-link"
        col["headerTooltip"] = "Click a key to open its journey"
    return col


#: Every grid column: sortable, filterable, resizable, its header wrapped (it grows to fit):
#: with the columns sized to the page's width, headers such as "Lead time (d)" were cut after
#: a few letters.
DEFAULT_COLUMN = {
    "sortable": True,
    "filter": True,
    "resizable": True,
    "wrapHeaderText": True,
    "autoHeaderHeight": True,
}
#: What a column of text adds: its cells wrap and its rows grow to fit (a variant's path or a
#: deviation was cut after its first status). Numbers never need it, and it is not free: AG
#: Grid measures the height of every cell of such a column in the browser, which made it the
#: largest script of the Bottlenecks page (eight grids) when every column wrapped.
WRAPPED = {"wrapText": True, "autoHeight": True}


def wraps(rows: Sequence[dict], field: str) -> bool:
    """Whether a column holds text: not every value sent a number or a flag (a column of
    nothing but nulls may hold text later, once the grid is updated in place)."""
    known = [v for v in (r.get(field) for r in rows) if v is not None]
    return not known or not all(isinstance(v, int | float) for v in known)


def grid(
    name: str,
    rows: list[dict],
    columns: Sequence[tuple[str, str]],
    height: int | None = None,
    total: int | None = None,
):
    """An AG Grid (sortable, filterable, paged) with a "Download CSV" button below it.

    ``columns`` are (field, header) pairs; :func:`table_grid` takes them from a table
    specification. ``height``: the pixels a page of rows may take (see :func:`page_rows`).
    The CSV is produced server-side from the rows the grid shows (after the user's
    sorting/filtering, every page) with formula injection neutralised. At most
    :data:`GRID_ROWS` of the rows are sent; ``total`` (default: all of ``rows``) is how many
    there are, and a note says when some are left out.
    """
    total = len(rows) if total is None else total
    rows = rows[:GRID_ROWS]
    column_defs = [column_def(f, h, wraps(rows, f)) for f, h in columns]
    note = []
    if total > len(rows):
        note.append(
            html.P(
                f"The first {len(rows):,} of {total:,} rows, in this table's order; the CSV"
                " files of flowgap analyze have every row.",
                className="note grid-cut",
            )
        )
    return html.Div(
        [
            dag.AgGrid(
                id={"type": "grid", "name": name},
                rowData=row_data(rows, columns),
                columnDefs=column_defs,
                defaultColDef=DEFAULT_COLUMN,
                columnSize="responsiveSizeToFit",
                dashGridOptions=grid_options(height),
                style={"height": None},
                className="ag-theme-alpine",
            ),
            *note,
            html.Button(
                "Download CSV",
                id={"type": "csv-button", "name": name},
                className="csv-button",
                n_clicks=0,
            ),
            dcc.Download(id={"type": "csv-download", "name": name}),
        ],
        className="grid-block",
    )


def csv_text(rows: list[dict], columns: list[dict]) -> str:
    """CSV of grid rows, every text cell neutralised against formula injection."""
    from ..report.csv_safe import neutralise

    fields = [c["field"] for c in columns]
    headers = [c.get("headerName") or c["field"] for c in columns]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([neutralise(h) for h in headers])
    for row in rows:
        writer.writerow([neutralise(row.get(f)) for f in fields])
    return out.getvalue()


#: Points past which a chart with a point per item is drawn with WebGL (``webgl_above`` of the
#: figures): a few thousand SVG points draw in well under a second in Chromium, 15,000 took
#: six (and the software WebGL of a machine without a GPU still draws them at once).
WEBGL_ABOVE = 2000


def figure(fig: go.Figure, name: str, height: int | None = None) -> dcc.Graph:
    style = {"height": f"{height}px"} if height else {}
    return dcc.Graph(
        id={"type": "figure", "name": name},
        figure=fig,
        config={"displaylogo": False, "responsive": True},
        style=style,
        className="figure",
    )


def card(label: str, value: str, name: str, note: str = "") -> html.Div:
    return html.Div(
        [
            html.Div(label, className="card-label"),
            html.Div(value, className="card-value", id=f"card-{name}"),
            html.Div(note, className="card-note") if note else None,
        ],
        className="card",
    )


def note(text: str, kind: str = "info", id: str | None = None) -> html.Div:
    extra = {"id": id} if id else {}
    return html.Div(text, className=f"note note-{kind}", **extra)


def class_warning_notes(warnings: Iterable) -> html.Div | None:
    """The analysis' warnings about the status classes (nothing active, a done status inside
    the workflow, an extreme flow efficiency) as warning notes, or None: every number depends
    on the classes, so these stand above the numbers."""
    found = [w for w in warnings if w.kind in CLASS_WARNINGS]
    if not found:
        return None
    return html.Div([note(f"{w.kind}: {w.message}", "warning") for w in found], id="class-warnings")


def section(title: str, *children, id: str | None = None) -> html.Section:
    extra = {"id": id} if id else {}
    return html.Section([html.H2(title), *children], className="section", **extra)
