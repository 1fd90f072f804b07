"""The result of an analysis: every table of the engine (and of the layers that add steps to
it, such as the process maps of :mod:`flowgap.mining`) plus the headline summary.

An :class:`Analysis` keeps the per-item rows its steps computed once (see
:mod:`flowgap.engine.runner`) and computes every other table on first read, from the rows of
its *selection* of items. :meth:`Analysis.select` is a dashboard filter: the same steps over
the rows of fewer items, never a second implementation.

``summary`` is the nested dict of metric groups declared, with each metric's unit and meaning,
in :mod:`flowgap.engine.summary_metrics` and built by :mod:`flowgap.engine.summary`; threshold
expressions address it by path (``flow_efficiency.median``, ``lead_time.p85``).
``findings`` is a list ranked by impact (:mod:`flowgap.engine.findings`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..config import Config
from ..model import Finding, InputSummary
from .runner import Aggregate, Scope, Step, compute

#: What every analysis carries besides its tables.
_PLAIN = ("config", "as_of", "engine", "has_history", "inputs", "warnings", "rejects")


class _Source:
    """The rows of a full analysis, shared by every selection of it."""

    def __init__(self, rows: dict[str, Any], steps: list[Step], scope: Scope) -> None:
        self.rows = rows
        self.steps = {step.name: step for step in steps}
        self.scope = scope
        self.keys: pa.Array = _one(rows["items"].column("item"))
        #: What an analysis can be asked for: the kept rows and the aggregates.
        self.names = [*rows, *(s.name for s in steps if isinstance(s, Aggregate))]
        self._codes: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def codes(self, name: str) -> np.ndarray:
        """Each row's item as its position in ``keys`` (-1: an item not in the analysis)."""
        with self._lock:
            if name not in self._codes:
                column = self.rows[name].column("item")
                found = None
                if len(column):
                    column = column.combine_chunks()
                    if pa.types.is_dictionary(column.type):  # engine rows: look up the keys once
                        lookup = pc.index_in(column.dictionary, value_set=self.keys)
                        found = lookup.take(column.indices)
                    else:
                        found = pc.index_in(column, value_set=self.keys)
                self._codes[name] = (
                    np.zeros(0, np.int64)
                    if found is None
                    else pc.fill_null(found, -1).to_numpy().astype(np.int64)
                )
            return self._codes[name]


class Analysis:
    """An analysis of a selection of items (all of them unless :meth:`select` narrowed it).

    Made by :func:`flowgap.engine.analyze.analyze` (lazily, from per-item rows), or directly with
    every table given as a keyword (fixtures)."""

    config: Config
    as_of: datetime
    engine: str
    has_history: bool
    inputs: list[InputSummary]
    warnings: list[Finding]
    rejects: int

    def __init__(
        self,
        *,
        config: Config,
        as_of: datetime,
        engine: str,
        has_history: bool,
        inputs: list[InputSummary],
        warnings: list[Finding],
        rejects: int,
        **values: Any,
    ) -> None:
        self.config, self.as_of, self.engine = config, as_of, engine
        self.has_history, self.inputs, self.warnings, self.rejects = (
            has_history,
            inputs,
            warnings,
            rejects,
        )
        values.setdefault("two_way_handoffs", [])
        self._values: dict[str, Any] = values
        #: What has been computed, whole tables by name and column projections by (name,
        #: columns); the whole ones are also in ``_values``.
        self._parts: dict[Any, Any] = {}
        self._source: _Source | None = None
        self._mask: np.ndarray | None = None
        self._lock = threading.Lock()  # guards _locks
        self._locks: dict[Any, threading.Lock] = {}

    @classmethod
    def of_rows(
        cls,
        rows: dict[str, Any],
        steps: list[Step],
        scope: Scope,
        *,
        engine: str,
        warnings: list[Finding],
        rejects: int,
    ) -> Analysis:
        """The analysis of every item, its aggregates computed on first read."""
        analysis = cls(
            config=scope.config,
            as_of=scope.as_of,
            engine=engine,
            has_history=scope.has_history,
            inputs=scope.inputs,
            warnings=warnings,
            rejects=rejects,
        )
        analysis._values = {}
        analysis._source = _Source(rows, steps, scope)
        return analysis

    # ------------------------------------------------------------------ reading

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.value(name)

    def table(self, name: str) -> pa.Table:
        return self.value(name)

    def value(self, name: str, columns: tuple[str, ...] | None = None) -> Any:
        """A table (or the summary, findings, ...) by name, computed on first read; with
        ``columns``, only those columns of a table of rows."""
        values = self.__dict__.get("_values", {})
        if name in values:
            return values[name] if columns is None else values[name].select(list(columns))
        source = self.__dict__.get("_source")
        if source is None or name not in source.names:
            raise AttributeError(f"an analysis has no table {name!r}")
        key = name if columns is None or name not in source.rows else (name, columns)
        # One lock per table: a thread computing one table does not hold up a thread that
        # reads another (the steps form a graph without cycles, so waits cannot go round).
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._parts:
                self._parts[key] = self._compute(source, name, columns)
            value = self._parts[key]
            if key == name:
                self._values[name] = value
            return value

    def prefetch(self, names: Iterable[str]) -> threading.Thread:
        """Compute ``names`` in order in a background thread, for work that runs elsewhere
        (pm4py's process) while this thread computes the rest. A failure is left for the
        read of that table to raise."""

        def run() -> None:
            for name in names:
                try:
                    self.value(name)
                except Exception:  # the foreground read computes it again and raises
                    return

        thread = threading.Thread(target=run, name="flowgap-prefetch", daemon=True)
        thread.start()
        return thread

    def _compute(self, source: _Source, name: str, columns: tuple[str, ...] | None) -> Any:
        step = source.steps.get(name)
        if isinstance(step, Aggregate):
            return compute(name, source.steps, self.value, self._scope(source))
        rows = source.rows[name]
        if not isinstance(rows, pa.Table):
            return rows
        if columns is not None:
            rows = rows.select(list(columns))
        if self._mask is None:
            return rows
        codes = source.codes(name)
        keep = self._mask[codes] & (codes >= 0)
        return rows.filter(pa.array(keep))

    def _scope(self, source: _Source) -> Scope:
        # A selection pins its own copy of the config (as_of fixed); the rest is shared.
        return replace(source.scope, config=self.config)

    def nbytes(self) -> int:
        """Memory held by the tables computed so far: the full analysis counts the per-item
        rows its selections share, a selection only what it computed itself."""
        # Without the lock, which a table being computed holds: a snapshot of the dicts (one
        # C call each under the GIL) is enough for a size. Measured again only when a table
        # was added: the dashboard's cache asks on every hit, and walking every table's
        # chunks (and the mining layer's nested values) each time took most of a loaded
        # server's time.
        held = [*list(self._values.values()), *list(self._parts.values())]
        stamp = (len(self._values), len(self._parts))
        measured = self.__dict__.get("_measured")
        if measured is not None and measured[0] == stamp:
            return measured[1]
        source = self._source
        if source is not None and self._mask is None:
            held.extend(source.rows.values())
        size = sum(_nbytes(value) for value in held)
        self._measured = (stamp, size)
        return size

    def complete(self) -> Analysis:
        """Compute every table now (before pickling, or to time the whole analysis)."""
        source = self._source
        if source is not None:
            for name in source.names:
                self.value(name)
        return self

    def __getstate__(self) -> dict:
        self.complete()
        dropped = ("_lock", "_locks", "_source")
        state = {k: v for k, v in self.__dict__.items() if k not in dropped}
        state["_source"] = None
        state["_parts"] = {}
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
        self._locks = {}

    # ------------------------------------------------------------------ selecting

    @property
    def keys(self) -> pa.Array:
        """The item keys of this analysis' ``items`` rows, in their order."""
        return _one(self.value("items").column("item"))

    def select(self, items: Iterable[str] | np.ndarray) -> Analysis:
        """The analysis of a selection: item keys, or a boolean mask over ``items`` rows.

        Every per-item row of the engine depends only on its own item and ``as_of``, so a
        selection's tables are the same steps over the selected items' rows; ``as_of`` stays
        the full analysis' (what a filtered re-run pins)."""
        source = self._source
        if source is None:
            raise ValueError("only an analysis computed by the engine can be narrowed")
        full = np.ones(len(source.keys), dtype=bool) if self._mask is None else self._mask
        if isinstance(items, np.ndarray) and items.dtype == bool:
            picked = np.zeros(len(source.keys), dtype=bool)
            picked[np.flatnonzero(full)[np.asarray(items)]] = True
        else:
            wanted = pa.array(list(items), pa.string())
            picked = np.zeros(len(source.keys), dtype=bool)
            if len(wanted):
                found = pc.index_in(wanted, value_set=source.keys).drop_null()
                picked[found.to_numpy().astype(np.int64)] = True
            picked &= full
        # A new [flow] section with as_of pinned; the other sections are shared, read-only
        # (a deep copy of the whole config cost ~30 ms on every dashboard filter change).
        flow = self.config.flow.model_copy(update={"as_of": self.as_of})
        config = self.config.model_copy(update={"flow": flow})
        kept = set(source.keys.filter(pa.array(picked)).to_pylist()) if self.warnings else set()
        narrowed = Analysis(
            config=config,
            as_of=self.as_of,
            engine=self.engine,
            has_history=self.has_history,
            inputs=self.inputs,
            # The full analysis' warnings of the selected items (and those of no item).
            warnings=[w for w in self.warnings if w.item is None or w.item in kept],
            rejects=self.rejects,
        )
        narrowed._values = {}
        narrowed._source = source
        narrowed._mask = picked
        return narrowed


def _one(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    if isinstance(column, pa.ChunkedArray):
        return column.combine_chunks() if column.num_chunks else pa.array([], column.type)
    return column


def _nbytes(value: Any) -> int:
    if isinstance(value, pa.Table | pa.ChunkedArray | pa.Array | pa.RecordBatch):
        return value.get_total_buffer_size()
    if isinstance(value, dict):
        return sum(_nbytes(v) for v in value.values())
    if isinstance(value, list | tuple):
        return sum(_nbytes(v) for v in value)
    return 0
