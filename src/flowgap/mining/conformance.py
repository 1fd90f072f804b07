"""Conformance of delivered items to the intended workflow.

The intended workflow is ``[statuses] order`` when configured, otherwise the path of the most
frequent variant of delivered items that someone worked on without moving back (the "happy
path" pm4py's variants give; items delivered without any touch, such as BPI Challenge 2012's
loans declined on arrival, are the most frequent path of some logs and no workflow, and a path
that moves back deviates from itself). For each delivered item's
variant, three kinds of deviation:

- **skipped** a status S of the workflow: the item never visited S, but visited a status before
  S and one after S in the workflow (delivered without passing ``In Review``);
- **moved backward**: the engine's ``rework`` (a move to a status earlier in the configured
  order; without one, back from done or to backlog): the one rule of a backward move;
- **outside** the workflow: the item visited a status that is not in the workflow, other
  than a ``done`` one: ending in another outcome ("reject request" where the workflow ends in
  "pay compensation", "Won't Do" beside "Done") is no deviation.

Each deviation gets the share of delivered items with it, and their median lead time beside
that of the delivered items without it: whether deviating items were slower.

The check runs once per variant, not per item: a variant's skipped and outside statuses are
the same for all its items. pm4py's token replay and footprints were not used: on a workflow
that is a sequence they answer "fits or not" per variant, while the question here is which
step was skipped or left; the variants themselves come from pm4py.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..engine.runner import Aggregate, Scope

ITEM_COLUMNS = ("item", "is_open", "lead_time_s", "rework", "touch_s")
KIND_ORDER = ("skipped", "backward", "outside")
#: An inferred workflow followed by fewer delivered items than this share is no workflow but
#: one path among many (BPI Challenge 2012: 15%): the finding says so instead of naming a
#: deviation.
MIN_FOLLOWED = 0.25


def intended_workflow(
    order: list[str],
    paths: dict[str, tuple[str, ...]],
    delivered: set[str],
    worked: set[str] | None = None,
    steady: set[str] | None = None,
) -> tuple[list[str], str]:
    """(the workflow, "config" or "inferred"): the configured order, or the most frequent
    path of delivered items, of those ``worked`` on when there are any, and of those without
    a backward move among them when there are any (ties: the first in path order): a path
    that moves back (a Jira export's "Resolved -> Open") was followed by none of its own
    items, whose rework made them deviate."""
    if order:
        return list(order), "config"
    among = delivered & worked if worked and delivered & worked else delivered
    if steady and among & steady:
        among = among & steady
    counts: dict[tuple[str, ...], int] = {}
    for item, path in paths.items():
        if item in among:
            counts[path] = counts.get(path, 0) + 1
    if not counts:
        return [], "inferred"
    best = min(counts, key=lambda p: (-counts[p], p))
    return list(dict.fromkeys(best)), "inferred"


def deviations_of(
    path: tuple[str, ...], rank: dict[str, int], outcomes: frozenset[str] = frozenset()
) -> list[tuple[str, str | None]]:
    """(kind, status) of the skipped and outside deviations of one variant; a status of
    ``outcomes`` (the done ones) outside the workflow is another outcome, no deviation."""
    seen = [rank[s] for s in path if s in rank]
    found: list[tuple[str, str | None]] = []
    if seen:
        low, high, visited = min(seen), max(seen), set(seen)
        found += [
            ("skipped", status)
            for status, r in sorted(rank.items(), key=lambda kv: kv[1])
            if low < r < high and r not in visited
        ]
    found += [("outside", s) for s in dict.fromkeys(path) if s not in rank and s not in outcomes]
    return found


def conformance(
    paths: dict[str, tuple[str, ...]],
    items: pa.Table,
    order: list[str],
    classes: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Deviations of delivered items from the intended workflow (module docstring);
    ``paths``: each item's variant (:func:`.variants.item_variants`); ``classes``: the status
    classes (the done statuses are outcomes)."""
    done = items.filter(pc.invert(items.column("is_open")))
    keys = done.column("item").to_pylist()
    of_item = [paths.get(k) for k in keys]
    has_path = np.array([p is not None for p in of_item], dtype=bool)
    # Null lead times are NaN here, left out of every median.
    lead = np.asarray(done.column("lead_time_s").to_numpy(zero_copy_only=False), dtype=float)
    rework = pc.fill_null(done.column("rework"), 0).to_numpy(zero_copy_only=False)
    delivered = {k for k, p in zip(keys, of_item, strict=True) if p is not None}
    worked = set()
    if "touch_s" in done.column_names:
        touched = pc.fill_null(pc.greater(done.column("touch_s"), 0), False)
        worked = set(pc.filter(done.column("item"), touched).to_pylist())
    steady = {k for k, r in zip(keys, rework.tolist(), strict=True) if not r}
    workflow, source = intended_workflow(order, paths, delivered, worked, steady)
    rank = {status: i for i, status in enumerate(workflow)}
    outcomes = frozenset(s for s, c in (classes or {}).items() if c == "done")
    # Deviations are a variant's: found once per variant, then spread to its items by number.
    variant: dict[tuple[str, ...], int] = {}
    codes = np.array([-1 if p is None else variant.setdefault(p, len(variant)) for p in of_item])
    with_kind: dict[tuple[str, str | None], list[int]] = {}
    for path, code in variant.items():
        for kind in deviations_of(path, rank, outcomes):
            with_kind.setdefault(kind, []).append(code)
    found = {kind: np.isin(codes, members) for kind, members in with_kind.items()}
    backward = has_path & (rework > 0)
    if backward.any():
        found[("backward", None)] = backward
    deviating = np.zeros(len(keys), dtype=bool)
    for members in found.values():
        deviating |= members
    n = int(has_path.sum())
    rows = []
    for (kind, status), members in found.items():
        rows.append(
            {
                "kind": kind,
                "status": status,
                "items": int(members.sum()),
                "share": int(members.sum()) / n,
                "median_lead_time_s": _median(lead[members]),
                "median_lead_time_s_without": _median(lead[has_path & ~members]),
            }
        )
    rows.sort(key=lambda r: (-r["items"], KIND_ORDER.index(r["kind"]), r["status"] or ""))
    conforming = has_path & ~deviating
    finding = _finding(rows)
    followed = int(conforming.sum())
    if source == "inferred" and n and followed < MIN_FOLLOWED * n:
        finding = (
            "No path dominates: the most frequent path of the delivered items someone worked on"
            " without moving back is followed by"
            f" {followed / n:.0%} of delivered items ({followed:,} of {n:,}), so"
            " the deviations below are mostly other paths through the process. Set"
            " [statuses] order to the intended workflow to check conformance against it."
        )
    return {
        "workflow": workflow,
        "workflow_source": source,
        "delivered": n,
        "conforming": int(conforming.sum()),
        "conforming_share": int(conforming.sum()) / n if n else None,
        "median_lead_time_s_conforming": _median(lead[conforming]),
        "deviations": rows,
        "finding": finding,
    }


def describe(row: dict[str, Any]) -> str:
    """A deviation in words: "skipped 'In Review'", "moved backward", ..."""
    if row["kind"] == "skipped":
        return f"skipped '{row['status']}'"
    if row["kind"] == "outside":
        return f"passed through '{row['status']}', outside the workflow"
    return "moved backward in the workflow"


def _finding(rows: list[dict[str, Any]]) -> str | None:
    """The biggest deviation as a sentence with its numbers."""
    if not rows:
        return None
    top = rows[0]
    text = f"{top['share']:.0%} of delivered items {describe(top)}"
    with_, without = top["median_lead_time_s"], top["median_lead_time_s_without"]
    if with_ is not None and without is not None:
        text += (
            f"; their median lead time was {with_ / 86400:.1f} days against "
            f"{without / 86400:.1f} days for the others"
        )
    return text + "."


def _median(values: np.ndarray) -> float | None:
    known = values[~np.isnan(values)]
    return float(np.median(known)) if len(known) else None


def _conformance(scope: Scope, item_variants: dict, items: pa.Table) -> dict[str, Any]:
    return conformance(item_variants, items, scope.config.statuses.order, scope.classes)


STEPS = [
    Aggregate(
        "conformance", ("item_variants", "items"), _conformance, columns={"items": ITEM_COLUMNS}
    )
]
