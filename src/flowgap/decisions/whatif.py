"""What-if: replay the timelines of delivered items with a change applied.

Changes:

- ``shrink`` ``STATUS=P%``: the time not touched in every segment of that status is scaled to
  P percent (``Ready for QA=50%`` halves the waiting there);
- ``remove`` ``STATUS``: the same at 0%: the status' untouched time is gone;
- ``merge_teams`` ``A+B``: handoffs between those teams vanish, and so does their handoff
  waiting (from the handoff to the next touch or handoff, the engine's
  ``handoff_events.wait_s``).

Assumptions (stated in the output too): the work content (touch time) is unchanged; queues are
not re-ordered (each item keeps its own waiting elsewhere, a shortened wait is not filled by
other work); throughput is unchanged (no item is added). Each item's saving is removed from the
moments after it: its lead time shrinks by the saving between creation and delivery, its cycle
time by the part inside its cycle window, and its flow efficiency is its touch over the
shortened flow window.

The replayed items are those delivered in the ``[whatif] window`` before ``as_of``. Before
and after, p50 and p85 interpolate linearly (as the summary does); the confidence intervals
are percentile bootstrap intervals (``[whatif] bootstrap`` resamples of the items, seeded).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import UsageError, unknown_name
from ..units import iso_day
from .forecast import delivered_within

ASSUMPTIONS = (
    "work content (touch time) is unchanged",
    "queues are not re-ordered: each item keeps the rest of its waiting",
    "throughput is unchanged",
)

_SHRINK = re.compile(r"^\s*(?P<status>.+?)\s*=\s*(?P<pct>\d+(?:\.\d+)?)\s*%\s*$")


@dataclass(frozen=True)
class Change:
    """The changes of one what-if. ``scale``: status -> share of its untouched time kept."""

    scale: dict[str, float] = field(default_factory=dict)
    merged: tuple[frozenset[str], ...] = ()

    @property
    def empty(self) -> bool:
        return not self.scale and not self.merged

    def describe(self) -> list[str]:
        out = []
        for status, share in self.scale.items():
            out.append(f"remove '{status}'" if share == 0 else f"shrink '{status}' to {share:.0%}")
        out += ["merge teams " + " + ".join(sorted(group)) for group in self.merged]
        return out


def parse_change(
    shrink: list[str], remove: list[str], merge_teams: list[str], statuses: set, teams: set
) -> Change:
    """The command line's changes, checked against the statuses and teams of the data."""
    scale: dict[str, float] = {}
    for text in shrink:
        m = _SHRINK.match(text)
        if not m:
            raise UsageError(
                f"--shrink: expected 'STATUS=PERCENT%' such as 'Ready for QA=50%', got {text!r}"
            )
        pct = float(m.group("pct"))
        if pct > 100:
            raise UsageError(f"--shrink: {pct:g}% is more than 100%: a shrink keeps 0% to 100%")
        scale[_known("--shrink", m.group("status"), statuses, "status")] = pct / 100
    for text in remove:
        scale[_known("--remove", text.strip(), statuses, "status")] = 0.0
    merged = []
    for text in merge_teams:
        names = [t.strip() for t in text.split("+")]
        if len(names) < 2 or not all(names):
            raise UsageError(
                f"--merge-teams: expected 'TEAM+TEAM' such as 'Backend+QA', got {text!r}"
            )
        merged.append(frozenset(_known("--merge-teams", n, teams, "team") for n in names))
    change = Change(scale=scale, merged=tuple(merged))
    if change.empty:
        raise UsageError("give at least one change: --shrink, --remove or --merge-teams")
    return change


def _known(option: str, name: str, known: set, what: str) -> str:
    if name not in known:
        raise UsageError(f"{option}: {unknown_name(what, name, known)}")
    return name


# --------------------------------------------------------------------------- replay


@dataclass
class Replay:
    """Per replayed item (same order everywhere): before and after, in seconds."""

    items: list[str]
    lead_before: np.ndarray
    lead_after: np.ndarray
    cycle_before: np.ndarray
    cycle_after: np.ndarray
    touch: np.ndarray
    flow_before: np.ndarray  # flow window
    flow_after: np.ndarray
    handoffs_removed: int
    days: int


@dataclass
class Window:
    """The delivered items of a what-if window and their segments before delivery, sorted by
    item position: what every change is applied to (prepared once for several changes)."""

    days: int
    picked: pa.Table
    committed: np.ndarray
    pos: np.ndarray  # per segment: its item's position in ``picked``
    status: pa.ChunkedArray
    start_us: np.ndarray
    end_us: np.ndarray
    length: np.ndarray
    untouched: np.ndarray


def window(analysis: Any, window_days: int | None = None) -> Window:
    """The delivered items of the ``window_days`` (``[whatif] window_days``) before as_of."""
    config = analysis.config
    days = config.whatif.window_days if window_days is None else window_days
    items = analysis.items
    keep = pc.and_(
        delivered_within(items["delivered"], analysis.as_of, days),
        pc.is_valid(items["cycle_time_s"]),
    )
    picked = items.filter(keep)
    committed = _us(picked["committed"])
    delivered = _us(picked["delivered"])

    tl = analysis.timeline.select(["item", "status", "class", "start", "end", "touch_s"])
    where = pc.index_in(tl["item"], value_set=picked["item"])
    tl = tl.filter(pc.and_(pc.is_valid(where), pc.not_equal(tl["class"], "done")))
    pos = pc.index_in(tl["item"], value_set=picked["item"]).to_numpy().astype(np.int64)
    order = np.argsort(pos, kind="stable")
    tl, pos = tl.take(pa.array(order)), pos[order]
    start_us = _us(tl["start"])
    end_us = np.minimum(_us(tl["end"]), delivered[pos])  # nothing after delivery counts
    length = np.maximum(end_us - start_us, 0) / 1e6
    touch = pc.fill_null(tl["touch_s"], 0.0).to_numpy(zero_copy_only=False).astype(float)
    return Window(
        days=days,
        picked=picked,
        committed=committed,
        pos=pos,
        status=tl["status"],
        start_us=start_us,
        end_us=end_us,
        length=length,
        untouched=np.maximum(length - touch, 0.0),
    )


def replay(
    analysis: Any, change: Change, window_days: int | None = None, *, within: Window | None = None
) -> Replay:
    """Apply ``change`` to the delivered items of the window (``within``, when prepared)."""
    w = window(analysis, window_days) if within is None else within
    picked, pos, n = w.picked, w.pos, w.picked.num_rows
    by_commitment = analysis.config.flow.flow_window == "commitment"
    kept = np.ones(pos.size)
    for status, share in change.scale.items():
        kept[pc.fill_null(pc.equal(w.status, status), False).to_numpy(zero_copy_only=False)] = share
    cut = np.minimum(
        _cut(analysis.handoff_events, change, picked, pos, w.start_us, w.end_us), w.untouched
    )
    saved = cut + (w.untouched - cut) * (1.0 - kept)
    # The saving is spread evenly over the segment: the part inside the cycle window counts
    # for the cycle time.
    share = np.divide(saved, w.length, out=np.zeros_like(saved), where=w.length > 0)
    in_cycle = np.maximum(w.end_us - np.maximum(w.start_us, w.committed[pos]), 0) / 1e6
    lead_saved = np.bincount(pos, weights=saved, minlength=n)
    cycle_saved = np.bincount(pos, weights=share * in_cycle, minlength=n)
    flow_saved = cycle_saved if by_commitment else lead_saved
    handoffs_removed = _handoffs_between(analysis.handoff_events, change, picked)

    lead = picked["lead_time_s"].to_numpy(zero_copy_only=False).astype(float)
    cycle = picked["cycle_time_s"].to_numpy(zero_copy_only=False).astype(float)
    flow = picked["window_s"].to_numpy(zero_copy_only=False).astype(float)
    item_touch = picked["touch_s"].to_numpy(zero_copy_only=False).astype(float)
    return Replay(
        items=picked["item"].to_pylist(),
        lead_before=lead,
        lead_after=np.maximum(lead - lead_saved, 0.0),
        cycle_before=cycle,
        cycle_after=np.maximum(cycle - cycle_saved, 0.0),
        touch=item_touch,
        flow_before=flow,
        flow_after=np.maximum(flow - flow_saved, 0.0),
        handoffs_removed=handoffs_removed,
        days=w.days,
    )


def _merged_handoffs(handoffs: pa.Table, change: Change, picked: pa.Table) -> pa.Table:
    """The handoff events of the replayed items between teams that the change merges."""
    if not change.merged or handoffs.num_rows == 0:
        return handoffs.slice(0, 0)
    hit = pc.is_valid(pc.index_in(handoffs["item"], value_set=picked["item"]))
    between = None
    for group in change.merged:
        names = pa.array(sorted(group), pa.string())
        both = pc.and_(pc.is_in(handoffs["from_team"], names), pc.is_in(handoffs["to_team"], names))
        between = both if between is None else pc.or_(between, both)
    return handoffs.filter(pc.fill_null(pc.and_(hit, between), False))


def _handoffs_between(handoffs: pa.Table, change: Change, picked: pa.Table) -> int:
    return _merged_handoffs(handoffs, change, picked).num_rows


def _cut(
    handoffs: pa.Table,
    change: Change,
    picked: pa.Table,
    pos: np.ndarray,
    start_us: np.ndarray,
    end_us: np.ndarray,
) -> np.ndarray:
    """Per segment (sorted by item position ``pos``): seconds of handoff waiting that vanish."""
    cut = np.zeros(pos.size)
    merged = _merged_handoffs(handoffs, change, picked)
    if merged.num_rows == 0:
        return cut
    items = pc.index_in(merged["item"], value_set=picked["item"]).to_numpy().astype(np.int64)
    froms = _us(merged["ts"])
    waits = pc.fill_null(merged["wait_s"], 0.0).to_numpy(zero_copy_only=False)
    tos = froms + np.round(waits * 1e6).astype(np.int64)
    lo = np.searchsorted(pos, items, side="left")
    counts = np.searchsorted(pos, items, side="right") - lo
    # Every (vanishing handoff, segment of its item) pair, handoff by handoff: a handful of
    # segments per handoff, in one pass of numpy instead of a Python loop per handoff.
    which = np.repeat(np.arange(counts.size), counts)
    seg = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    seg += np.repeat(lo, counts)
    overlap = np.minimum(end_us[seg], tos[which]) - np.maximum(start_us[seg], froms[which])
    return cut + np.bincount(seg, weights=np.maximum(overlap, 0) / 1e6, minlength=cut.size)


def _us(column: pa.ChunkedArray) -> np.ndarray:
    values = pc.cast(column, pa.timestamp("us", tz="UTC")).cast(pa.int64())
    return pc.fill_null(values, 0).to_numpy(zero_copy_only=False).astype(np.int64)


# --------------------------------------------------------------------------- result


def _spread(values: np.ndarray) -> dict[str, float | None]:
    if values.size == 0:
        return {"p50": None, "p85": None}
    p50, p85 = np.percentile(values, [50, 85])
    return {"p50": float(p50), "p85": float(p85)}


def _pooled(touch: np.ndarray, window: np.ndarray) -> float | None:
    keep = ~(np.isnan(touch) | np.isnan(window))
    total = float(window[keep].sum())
    return float(touch[keep].sum()) / total if total > 0 else None


def _efficiency(touch: np.ndarray, window: np.ndarray) -> dict[str, float | None]:
    keep = ~(np.isnan(touch) | np.isnan(window)) & (window > 0)
    per_item = touch[keep] / window[keep]
    return {
        "median": float(np.median(per_item)) if per_item.size else None,
        "pooled": _pooled(touch, window),
    }


def _interval(samples: np.ndarray, confidence: float) -> list[float]:
    tail = (100 - confidence) / 2
    lo, hi = np.percentile(samples, [tail, 100 - tail])
    return [float(lo), float(hi)]


def _bootstrap(before: np.ndarray, after: np.ndarray, boots: int, seed: int, conf: float) -> dict:
    """Percentile intervals of p50/p85 before, after and saved, resampling items."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, before.size, size=(boots, before.size))
    b = np.percentile(before[picks], [50, 85], axis=1)
    a = np.percentile(after[picks], [50, 85], axis=1)
    out: dict[str, dict[str, list[float]]] = {"before": {}, "after": {}, "saved": {}}
    for row, key in enumerate(("p50", "p85")):
        out["before"][key] = _interval(b[row], conf)
        out["after"][key] = _interval(a[row], conf)
        out["saved"][key] = _interval(b[row] - a[row], conf)
    return out


def _measure(before: np.ndarray, after: np.ndarray, boots: int, seed: int, conf: float) -> dict:
    """p50/p85 before, after and saved; with ``boots`` > 0 their bootstrap intervals."""
    b, a = _spread(before), _spread(after)
    saved = {k: None if b[k] is None else b[k] - a[k] for k in ("p50", "p85")}  # type: ignore[operator]
    out = {"before": b, "after": a, "saved": saved}
    out["ci"] = _bootstrap(before, after, boots, seed, conf) if before.size and boots else None
    return out


def whatif(
    analysis: Any,
    change: Change,
    window_days: int | None = None,
    *,
    intervals: bool = True,
    per_item: bool = False,
    within: Window | None = None,
) -> dict:
    """The what-if's result (seconds, ratios 0..1), as ``flowgap whatif --json`` prints it;
    without ``intervals`` no bootstrap (the report's actions need only the point values); with
    ``per_item`` also every replayed item's lead and cycle time before and after (what the
    dashboard draws as distributions); ``within``, a window prepared once for several
    changes."""
    cfg = analysis.config.whatif
    r = replay(analysis, change, window_days, within=within)
    if not r.items:
        raise UsageError(
            f"no item was delivered in the {r.days} days before "
            f"{iso_day(analysis.as_of)}: nothing to replay"
        )
    boots, seed, conf = cfg.bootstrap if intervals else 0, cfg.seed, cfg.confidence
    out = {
        "changes": change.describe(),
        "items": len(r.items),
        "window": {
            "days": r.days,
            "start": (analysis.as_of - timedelta(days=r.days)).date().isoformat(),
            "end": iso_day(analysis.as_of),
        },
        "lead_time": _measure(r.lead_before, r.lead_after, boots, seed, conf),
        "cycle_time": _measure(r.cycle_before, r.cycle_after, boots, seed, conf),
        "flow_efficiency": {
            "before": _efficiency(r.touch, r.flow_before),
            "after": _efficiency(r.touch, r.flow_after),
        },
        "handoffs_removed": r.handoffs_removed,
        "confidence": conf,
        "bootstrap": boots,
        "assumptions": list(ASSUMPTIONS),
    }
    if per_item:
        out["per_item"] = {
            "item": list(r.items),
            "lead_time": {"before": r.lead_before.tolist(), "after": r.lead_after.tolist()},
            "cycle_time": {"before": r.cycle_before.tolist(), "after": r.cycle_after.tolist()},
        }
    return out
