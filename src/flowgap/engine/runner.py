"""The engine's runner: each table names what it needs; this module resolves the order.

Every table of an analysis is made by one step, declared beside the code that computes it
(``STEPS`` of its module), in one of two kinds:

- :class:`PerItem`: computed once for all items, on the analysis' backend (Ibis over DuckDB
  or Spark). A per-item step returns either an Ibis table, kept in the backend for the steps
  that need it, or an Arrow table of rows keyed by ``item`` (the *rows* an analysis keeps:
  timeline segments, stints, status visits, ...). Any other value is passed on as it is.
- :class:`Aggregate`: computed from the rows of a *selection* of items (and from other
  aggregates), in Arrow on the driver. The full analysis is the selection "all items"; a
  dashboard filter is the same step over fewer rows, so each rule is written once.

Steps are ordered by what they need (:mod:`graphlib`), not by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from graphlib import TopologicalSorter
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from ..config import Config
from ..model import InputSummary, LoadResult

if TYPE_CHECKING:
    from .backend import Backend


@dataclass(frozen=True)
class PerItem:
    """A step computed once for all items.

    ``make(run, **needs)``; ``without_history(run, **needs)`` gives its rows for a source
    without status history (a Jira UI CSV); without it the step yields ``empty`` rows there,
    or nothing when ``empty`` is None (an engine-internal step)."""

    name: str
    needs: tuple[str, ...]
    make: Callable[..., Any]
    empty: pa.Schema | None = None
    without_history: Callable[..., Any] | None = None
    #: Whether its rows are kept with the analysis (what aggregates and selections read).
    kept: bool = True


@dataclass(frozen=True)
class Aggregate:
    """A step computed under a selection: ``make(scope, **needs)``, where each need is the
    selected rows of a per-item step or the value of another aggregate.

    ``columns`` names, for a need of rows, the only columns the step reads: a selection then
    copies those, not the whole table (the timeline has fourteen, the summary reads three)."""

    name: str
    needs: tuple[str, ...]
    make: Callable[..., Any]
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)


Step = PerItem | Aggregate


@dataclass
class RunContext:
    """What every per-item step may read besides its needs."""

    result: LoadResult
    config: Config
    as_of: datetime
    as_of_us: int
    backend: Backend | None
    #: status -> class for every status of the data or the config (the class map).
    classes: dict[str, str]
    #: ``stall_after`` in microseconds, None when not configured.
    stall_us: int | None


@dataclass(frozen=True)
class Scope:
    """What every aggregate may read besides its needs: the same for every selection."""

    config: Config
    as_of: datetime
    as_of_us: int
    has_history: bool
    inputs: list[InputSummary]
    #: Canonical events of the whole load (a selection picks items, not records).
    events: int
    #: Jira status categories of the load (status -> new / indeterminate / done).
    status_categories: dict[str, str]
    #: status -> class of the whole load (the run's classes: a selection keeps them).
    classes: dict[str, str] = field(default_factory=dict)


def ordered(steps: Iterable[Step]) -> list[Step]:
    """The steps in an order where each comes after everything it needs."""
    by_name = {step.name: step for step in steps}
    graph = {name: [n for n in step.needs if n in by_name] for name, step in by_name.items()}
    for name, step in by_name.items():
        missing = [n for n in step.needs if n not in by_name]
        if missing:
            raise ValueError(f"step {name!r} needs {missing}, which no step makes")
    return [by_name[name] for name in TopologicalSorter(graph).static_order()]


def compute_rows(steps: Iterable[Step], run: RunContext) -> dict[str, Any]:
    """Run every per-item step once; returns the kept rows by step name."""
    done: dict[str, Any] = {}
    kept: dict[str, Any] = {}
    has_history = run.result.has_history
    for step in ordered(s for s in steps if isinstance(s, PerItem)):
        if has_history:
            value = step.make(run, **{n: done[n] for n in step.needs})
            if _is_ibis(value):
                assert run.backend is not None
                value = run.backend.materialize(step.name, value)
        elif step.without_history is not None:
            value = step.without_history(run, **{n: done[n] for n in step.needs})
        elif step.empty is not None:
            value = step.empty.empty_table()
        else:
            value = None
        done[step.name] = value
        if step.kept:
            kept[step.name] = value
    return kept


def compute(name: str, steps: dict[str, Step], get: Callable[..., Any], scope: Scope) -> Any:
    """The aggregate ``name`` from its needs, each read through ``get(need, columns)`` (which
    computes an aggregate need on first read; ``columns`` is None for a whole table)."""
    step = steps[name]
    assert isinstance(step, Aggregate)
    return step.make(scope, **{n: get(n, step.columns.get(n)) for n in step.needs})


def _is_ibis(value: object) -> bool:
    module = type(value).__module__
    return module.startswith("ibis.")
