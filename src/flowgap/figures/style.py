"""What every figure shares: the class and team colours, the plain template, the empty figure
that explains itself, and the conversions of tables and values for plotly."""

from __future__ import annotations

import copy
import html
import json
import math
from collections.abc import Sequence
from functools import partial
from importlib.resources import files
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from _plotly_utils.basevalidators import copy_to_readonly_numpy_array
from plotly.colors import get_colorscale, qualitative

from ..units import DAY_S

CLASS_COLOURS = {
    "backlog": "#9aa5b1",
    "wait": "#e4572e",
    "active": "#17a398",
    "done": "#4c6ef5",
}
CLASS_ORDER = ("done", "active", "wait", "backlog")
#: Colours of the statuses of one class, told apart by shade and hue within the class' family
#: (greys, reds and oranges, greens and teals, blues and violets); the first is the class
#: colour. Dark and light alternate, so neighbours in the workflow differ most.
STATUS_SHADES = {
    "backlog": ("#9aa5b1", "#495057", "#ced4da", "#6c757d", "#dee2e6", "#343a40"),
    "wait": ("#e4572e", "#f59f00", "#a61e4d", "#ffa8a8", "#c92a2a", "#ffd43b", "#e8590c"),
    "active": ("#17a398", "#2b8a3e", "#8ce99a", "#0b7285", "#94d82d", "#087f5b", "#66d9e8"),
    "done": ("#4c6ef5", "#1864ab", "#b197fc", "#74c0fc", "#5f3dc4", "#364fc7"),
}
#: Team colours by rank among the busiest (``figures.teams``): distinct qualitative palettes,
#: their greys left out (grey is "other").
TEAM_COLOURS: Sequence[str] = tuple(
    c
    for palette in (qualitative.Safe, qualitative.Vivid, qualitative.Bold, qualitative.Pastel)
    for c in palette[:-1]
)
#: Yellow to red, as the (position, colour) pairs plotly's validation would make of "YlOrRd".
WAIT_SCALE = get_colorscale("YlOrRd")
PERCENTILES = (50, 85, 95)
#: plotly_white, the template of every figure, in plotly's package.
PLOTLY_WHITE = "package_data/templates/plotly_white.json"

TableLike = Any  # pyarrow.Table or pandas.DataFrame


def frame(table: TableLike) -> pd.DataFrame:
    """A pandas frame of an Arrow table (or the frame itself; None gives an empty one)."""
    if isinstance(table, pd.DataFrame):
        return table
    if table is None:
        return pd.DataFrame()
    return table.to_pandas()


#: The layout every figure starts from (title, template, margins), as plotly's validation
#: stores it: the template is plotly_white's layout without its per-trace-type defaults
#: (copying the whole named template into every figure cost ~30 ms a figure, most of a
#: dashboard filter change), read from plotly's own file: building it through plotly's
#: template registry and validation cost 0.12-0.17 s of CPU at every start, for the same
#: JSON (``tests/test_figures.py``).
_WHITE = json.loads(files("plotly").joinpath(PLOTLY_WHITE).read_bytes())
_BASE_LAYOUT: dict[str, Any] = {
    "title": {"text": "", "x": 0.0, "xanchor": "left"},
    "template": {"layout": _WHITE["layout"]},
    "height": 420,
    "margin": {"l": 60, "r": 30, "t": 60, "b": 50},
}


def base_figure(title: str, height: int = 420) -> go.Figure:
    """An empty figure with the title, the template and the margins of every figure.

    The figure does not validate what is set on it afterwards: plotly's validation of every
    property (the template's hundreds of them, each trace's arrays copied) was most of the
    time of a figure, 40-80 ms each, on every dashboard filter change. The builders set only
    properties plotly documents, in the form its validation would store
    (``tests/test_figures.py`` validates every figure again)."""
    layout = copy.deepcopy(_BASE_LAYOUT)
    layout["title"]["text"] = title
    layout["height"] = height
    fig = go.Figure(layout=layout, _validate=False)
    # Figure.add_traces validates the traces whatever the figure says; this figure's own
    # copy of the data validator is told not to.
    fig._data_validator.validate_coerce = partial(
        fig._data_validator.validate_coerce, _validate=False
    )
    return fig


def add_trace(fig: go.Figure, kind: str, **props: Any) -> None:
    """A trace of type ``kind`` ("bar", "scatter", ...) added to a :func:`base_figure` as
    given, without plotly's validation (``fig.add_bar`` validates every property twice)."""
    fig.add_trace({"type": kind, **{k: _plain(v) for k, v in props.items()}})


def point_trace(points: int, webgl_above: int | None) -> str:
    """The trace type of a chart with a point per item: "scattergl" (drawn with WebGL) past
    ``webgl_above`` points, else "scatter" (SVG, crisper; the default: the offline report).
    A browser draws thousands of SVG points slowly: after a 15,000-item upload the
    dashboard's Flow page took 12 to 17 s to draw in SVG, 4 to 6 s in WebGL (on a loaded
    machine; docs/performance.md)."""
    return "scattergl" if webgl_above is not None and points > webgl_above else "scatter"


def _plain(value: Any) -> Any:
    """A trace property as plotly's validation stores it: a pandas column as plotly's numpy
    array of it (time-zone-aware times as their local time; ``trace.x[0]`` the first value,
    not the value labelled 0)."""
    if isinstance(value, pd.Series | pd.Index):
        return copy_to_readonly_numpy_array(value)
    return value


def empty_figure(title: str, reason: str) -> go.Figure:
    """A figure that explains why there is nothing to draw."""
    fig = base_figure(title, height=260)
    fig.add_annotation(
        text=esc(reason),
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"size": 14, "color": "#666"},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def esc(value: object) -> str:
    """Text for a plotly label: ``&``, ``<`` and ``>`` escaped (plotly reads some HTML), empty
    when missing. Quotes stay as they are: plotly decodes ``&lt;``, ``&gt;``, ``&amp;`` and
    numeric entities in labels but not ``&quot;``, which would show as typed."""
    return (
        ""
        if value is None or (isinstance(value, float) and math.isnan(value))
        else html.escape(str(value), quote=False)
    )


def days(seconds: pd.Series) -> pd.Series:
    """Seconds as days, the unit of every axis."""
    return seconds.astype("float64") / DAY_S


def count_axis(fig: go.Figure, largest: float, axis: str = "y") -> None:
    """Whole-number ticks on an axis of counts: one tick per unit up to ten, plotly's own
    (whole) steps above, never "0.5 items"."""
    update = fig.update_yaxes if axis == "y" else fig.update_xaxes
    settings: dict[str, Any] = {"tickformat": ",d", "rangemode": "tozero"}
    if largest <= 10:
        settings |= {"tick0": 0, "dtick": 1}
    update(**settings)


def percentiles(values: pd.Series) -> dict[int, float]:
    arr = values.dropna().to_numpy(dtype="float64")
    if arr.size == 0:
        return {}
    return {p: float(np.percentile(arr, p)) for p in PERCENTILES}


#: Height of a line label in pixels (12 px text and its leading), and the right margin that
#: holds the labels ("p95 2254.8 d").
_LABEL_PX = 16
_LABELS_MARGIN = 96


def margin_lines(
    fig: go.Figure, lines: Sequence[tuple[str, float]], data: Sequence[float], log_scale: bool
) -> None:
    """Dashed horizontal lines at ``lines`` (label, y value), each labelled in the right
    margin beside its end, on a y axis whose range covers ``data`` and the lines (from zero,
    or on a log scale from the smallest value). Inside the plot a label sat over the y-axis
    tick labels ("60 p95 58.0 d") or over the points; in the margin it covers nothing, and
    labels of lines closer than a label's height are pushed apart, the lowest staying at its
    line (unless the pushed labels would pass the plot's top into the title: then the stack
    moves down). The axis range is set here because the labels' spacing is computed from it."""
    values = [v for _, v in lines] + [float(d) for d in data]
    if log_scale:
        positive = [math.log10(v) for v in values if v > 0]
        low, high = (min(positive), max(positive)) if positive else (0.0, 1.0)
        pad = max((high - low) * 0.05, 0.05)
        low, high = low - pad, high + pad
    else:
        low, high = 0.0, max([*values, 0.0]) * 1.05 or 1.0
    layout = fig.layout
    plot_px = layout.height - layout.margin.t - layout.margin.b
    placed = []  # (label, value, y, pixel height of its line, pixel height of its label)
    previous = -math.inf
    for label, value in sorted(lines, key=lambda line: line[1]):
        if log_scale and value <= 0:
            continue  # zero days has no place on a log axis
        # On a log axis a shape is placed in data units but an annotation in log10 units.
        y = math.log10(value) if log_scale else value
        at = (y - low) / (high - low) * plot_px
        previous = max(at, previous + _LABEL_PX)
        placed.append((label, value, y, at, previous))
    # Labels pushed past the plot's top would run into the title: the stack moves down.
    over = max(0.0, placed[-1][4] - plot_px) if placed else 0.0
    for label, value, y, at, shown in placed:
        shown -= over
        fig.add_hline(y=value, line_dash="dash", line_color="#555")
        fig.add_annotation(
            x=1.0,
            xref="paper",
            xanchor="left",
            xshift=4,
            y=y,
            yanchor="middle",
            yshift=shown - at,
            text=label,
            showarrow=False,
        )
    fig.update_yaxes(range=[low, high], type="log" if log_scale else "linear")
    fig.update_layout(margin={"r": max(layout.margin.r, _LABELS_MARGIN)})
