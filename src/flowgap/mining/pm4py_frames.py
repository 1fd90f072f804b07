"""The boundary to pm4py: the frames it reads correctly, and its import off the critical path.

pm4py's traps (measured on 2.7.23.x), each handled here once:

- **Order.** Its directly-follows and variant code reads rows in frame order per case; its own
  sort (by case, then timestamp) does not know the engine's sequence number, and its variant
  code even drops the result of that sort. The frames built here are in (case, sequence) order
  and pm4py is told not to sort.
- **Arrow strings.** pandas 3 gives arrow-backed strings, on which pm4py's filters crash:
  activities, groups and resources are plain ``object`` columns.
- **Missing resources.** Its social-network functions raise ``TypeError`` when
  ``org:resource`` has gaps: gaps are filled with :data:`NO_RESOURCE`.
- **Import time.** ``import pm4py`` costs about 1.5 s of CPU with bytecode (about 2.8 s
  without), networkx about 0.15 s. They are imported on first use only, so ``inspect``,
  ``pull``, ``sample`` and ``--help`` never pay for them; :func:`preload` imports them in a
  background thread while the engine works (DuckDB runs without holding the GIL), and
  ``flowgap analyze`` runs pm4py in a process of its own (:mod:`.pm4py_worker`).
"""

from __future__ import annotations

import threading
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import pm4py_worker

if TYPE_CHECKING:
    import pandas as pd

#: pm4py's standard column names (XES attribute keys).
CASE = "case:concept:name"
ACTIVITY = "concept:name"
TIMESTAMP = "time:timestamp"
START = "start_timestamp"
RESOURCE = "org:resource"
GROUP = "org:group"
LIFECYCLE = "lifecycle:transition"
#: What a missing team or person becomes where pm4py needs a value.
NO_RESOURCE = "(none)"

_preloading: threading.Thread | None = None
_preload_lock = threading.Lock()


def _import_all(with_pm4py: bool) -> None:
    import networkx  # noqa: F401

    if with_pm4py:
        import pm4py  # noqa: F401


def preload() -> None:
    """Start importing pm4py and networkx in a background thread, once per process.

    ``flowgap.analyze`` calls it before the engine runs: the import then overlaps the engine's
    work instead of following it. Where :mod:`.pm4py_worker` runs, pm4py is its: only
    networkx is imported here."""
    global _preloading
    with _preload_lock:
        if _preloading is None:
            _preloading = threading.Thread(
                target=_import_all,
                args=(not pm4py_worker.running(),),
                name="flowgap-preload",
                daemon=True,
            )
            _preloading.start()


def _wait_for_preload() -> None:
    # Importing in this thread while the background one is half-way through the same modules
    # would only wait on its module locks; joining first keeps the two from interleaving.
    thread = _preloading
    if thread is not None and thread is not threading.current_thread():
        thread.join()


def pm4py() -> ModuleType:
    """The pm4py module (imported on first use)."""
    _wait_for_preload()
    import pm4py as module

    return module


def networkx() -> ModuleType:
    """The networkx module (imported on first use)."""
    _wait_for_preload()
    import networkx as module

    return module


def in_order(table: pa.Table, within: str) -> pa.Table:
    """``table`` in (item, ``within``) order. The engine writes its tables so: checking costs
    a fraction of sorting millions of rows by a text key."""
    n = table.num_rows
    if n < 2:
        return table
    item, key = table.column("item"), table.column(within)
    if pa.types.is_dictionary(item.type):
        item = item.cast(pa.string())
    a, b = item.slice(0, n - 1), item.slice(1)
    back = pc.or_(
        pc.less(b, a), pc.and_(pc.equal(a, b), pc.less(key.slice(1), key.slice(0, n - 1)))
    )
    if not pc.any(back).as_py():
        return table
    return table.sort_by([("item", "ascending"), (within, "ascending")])


def case_numbers(item: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A number per row, shared by consecutive rows of one item (rows in item order): a case
    id pm4py compares faster than text."""
    n = len(item)
    new = np.ones(n, dtype=bool)
    if n > 1:
        if pa.types.is_dictionary(item.type):
            item = item.cast(pa.string())
        same = pc.equal(item.slice(1), item.slice(0, n - 1))
        new[1:] = ~pc.fill_null(same, False).to_numpy(zero_copy_only=False)
    return np.cumsum(new) - 1


def objects(column: pa.ChunkedArray | pa.Array, fill: str | None = None) -> np.ndarray:
    """Text as a numpy ``object`` array (None for null, or ``fill``): never pandas' Arrow
    strings, which pm4py's filters do not handle."""
    if fill is not None:
        column = pc.fill_null(column, fill)
    if pa.types.is_dictionary(column.type):
        column = column.cast(pa.string())
    return np.asarray(column.to_pylist(), dtype=object)


def event_frame(
    case: np.ndarray | pa.ChunkedArray | pa.Array,
    activity: pa.ChunkedArray | pa.Array,
    timestamp: pa.ChunkedArray | pa.Array,
    **attributes: np.ndarray,
) -> pd.DataFrame:
    """A pm4py event frame of rows already in (case, time) order: case id, activity
    (``object`` text, None kept: pm4py's grouping leaves missing activities out), UTC
    timestamp, and any other XES attribute given as an array."""
    import pandas as pd

    if isinstance(case, pa.ChunkedArray | pa.Array):
        case = objects(case)
    if isinstance(timestamp, pa.Array):
        timestamp = pa.chunked_array([timestamp], type=timestamp.type)
    times = timestamp.to_pandas().reset_index(drop=True)
    if times.dt.tz is None:
        times = times.dt.tz_localize("UTC")
    columns = {CASE: case, ACTIVITY: objects(activity), TIMESTAMP: times, **attributes}
    # pandas 3 would infer its Arrow-backed ``str`` from an array of Python strings: the
    # text columns are built as ``object`` explicitly.
    return pd.DataFrame(
        {
            name: values
            if name == TIMESTAMP
            else pd.Series(values, dtype=object if _is_text(values) else None)
            for name, values in columns.items()
        }
    )


def _is_text(values: np.ndarray) -> bool:
    return values.dtype == object
