"""Leave with your data: the status segments as a pm4py event log, and as XES.

Each segment of the timeline becomes two events of its status: ``start`` when it begins and
``complete`` when it ends, with ``org:group`` = the segment's team and ``org:resource`` = its
assignee. The last segment of an item is the state still in force (open work, or done): it
only starts. Items' project, type, priority and summary go along as case attributes. pm4py,
Disco, ProM and Celonis read the XES; flowgap reads it back with ``[input.xes] lifecycle``,
where a complete is followed, at the same moment, by the start of the next segment. The XES
cannot carry the status classes (its lifecycle reads every started status as work), so
``flowgap convert --to xes`` writes :func:`xes_config` beside it: the analysis' config with
its classes pinned, its as_of and the default ``[input]``, which reads the file back as the
same analysis.

What the XES cannot say: flags (blocked time inside active statuses) and cleared values (an
XES event without ``org:group`` leaves the team in force). A person missing on a segment is
``(none)`` in the pm4py frame (pm4py's social-network functions refuse gaps in
``org:resource``), but has no ``org:resource`` in the XES: written there, it read back as a
person, and as the team of every segment without one.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError
from ..outputs import atomic_write
from .pm4py_frames import (
    CASE,
    GROUP,
    LIFECYCLE,
    NO_RESOURCE,
    RESOURCE,
    TIMESTAMP,
    case_numbers,
    in_order,
    objects,
    pm4py,
)

if TYPE_CHECKING:
    import pandas as pd

    from ..config import Config
    from ..engine.analysis import Analysis

#: Item columns written as case attributes (``case:project``, ...), as flowgap's XES loader
#: reads them back.
CASE_ATTRIBUTES = ("project", "type", "priority", "summary")


def segment_events(timeline: pa.Table) -> pa.Table:
    """item, status, ts, transition, team, assignee: a start and (except for each item's
    last segment) a complete event per segment, in (item, time) order."""
    tl = in_order(
        timeline.select(["item", "seg", "status", "team", "assignee", "start", "end"]), "seg"
    )
    n = tl.num_rows
    case = case_numbers(tl.column("item"))
    last = np.ones(n, dtype=bool)
    last[:-1] = case[1:] != case[:-1]
    # Row 2i is segment i's start, row 2i + 1 its complete; the complete of a last segment
    # is dropped.
    order = np.repeat(np.arange(n), 2)
    is_start = np.tile([True, False], n)
    keep = is_start | ~last[order]
    order, is_start = order[keep], is_start[keep]
    take = pa.array(order)
    item = tl.column("item")
    if pa.types.is_dictionary(item.type):
        item = item.cast(pa.string())
    return pa.table(
        {
            "item": item.take(take),
            "status": tl.column("status").take(take),
            "ts": pc.if_else(
                pa.array(is_start), tl.column("start").take(take), tl.column("end").take(take)
            ),
            "transition": pa.array(np.where(is_start, "start", "complete")),
            "team": tl.column("team").take(take),
            "assignee": tl.column("assignee").take(take),
        }
    )


def to_pm4py(analysis: Analysis) -> pd.DataFrame:
    """The analysis' status segments as a pm4py event frame: ``case:concept:name`` (item),
    ``concept:name`` (status), ``time:timestamp``, ``lifecycle:transition`` (start or
    complete), ``org:group`` (team, None when the segment has none), ``org:resource``
    (assignee, ``(none)`` when missing) and the items' case attributes; rows in case and time
    order, text as ``object``."""
    return _segment_frame(analysis, NO_RESOURCE)


def _segment_frame(analysis: Analysis, no_resource: str | None) -> pd.DataFrame:
    """:func:`to_pm4py`, a missing assignee as ``no_resource``."""
    import pandas as pd

    from .pm4py_frames import event_frame

    events = segment_events(analysis.timeline)
    frame = event_frame(
        events.column("item"),
        events.column("status"),
        events.column("ts"),
        **{
            LIFECYCLE: objects(events.column("transition")),
            GROUP: objects(events.column("team")),
            RESOURCE: objects(events.column("assignee"), fill=no_resource),
        },
    )
    items = analysis.items.select(["item", *CASE_ATTRIBUTES])
    keys = items.column("item").to_pylist()
    for column in CASE_ATTRIBUTES:
        values = dict(zip(keys, items.column(column).to_pylist(), strict=True))
        frame[f"case:{column}"] = pd.Series(
            [values.get(k) for k in frame[CASE].tolist()], dtype=object
        )
    return frame


def write_xes(analysis: Analysis, path: Path) -> Path:
    """The status segments as an XES file (``.xes``, or ``.xes.gz`` compressed), written by
    pm4py's own exporter."""
    frame = _segment_frame(analysis, None)
    module = pm4py()
    # Attributes without a value are left out of the events, not written as "None" or NaN.
    frame = frame.astype({c: object for c in frame.columns if c != TIMESTAMP})
    frame = frame.where(frame.notna(), None)
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            # pm4py suggests a faster exporter package on every use; its own is the one wanted.
            warnings.simplefilter("ignore")
            # The file is complete or absent; the temporary name keeps the ending, from which
            # pm4py decides whether to compress.
            atomic_write(
                path,
                lambda tmp: module.write_xes(
                    frame,
                    str(tmp),
                    case_id_key=CASE,
                    variant_str="line_by_line",
                    show_progress_bar=False,
                ),
            )
    except OSError as exc:
        raise InputError(path, f"cannot write: {exc.strerror or exc}") from None
    return path


#: The header of :func:`xes_config`'s file.
XES_CONFIG_HEADER = """\
flowgap.toml written by `flowgap convert --to xes` beside {name}: the configuration of the
analysis it was written from, with every status class pinned (an XES lifecycle reads every
started status as work), its as_of and the default [input] section.
Read it back with: flowgap analyze {name} -c <this file>"""


def xes_config(analysis: Analysis) -> Config:
    """The config that reads :func:`write_xes`' file back as ``analysis``: its config with the
    classes in force pinned (a re-read log would have them guessed anew, every started status
    as work), its as_of (the log's last event may be an earlier one) and the default
    ``[input]`` (the original's may force another format or map other columns)."""
    from ..config import InputConfig

    config = analysis.config.model_copy(deep=True)
    config.input = InputConfig()
    config.flow.as_of = analysis.as_of
    classes = {r["status"]: r["class"] for r in analysis.status_classes.to_pylist()}
    config.statuses.classes = {**config.statuses.classes, **classes}
    return config


def xes_config_path(path: Path) -> Path:
    """``segments.xes`` or ``segments.xes.gz`` -> ``segments.flowgap.toml``."""
    name = path.name
    for ending in (".xes.gz", ".xes"):
        if name.lower().endswith(ending):
            name = name[: -len(ending)]
            break
    return path.with_name(f"{name}.flowgap.toml")
