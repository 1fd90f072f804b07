"""Service level expectations per item type, and the open items in trouble.

- The **SLE** of a type is the cycle time that ``[service_level] percentile`` (85) percent of
  its delivered items met: the smallest delivered cycle time ``s`` such that at least 85% of
  them took ``s`` or less (no interpolation: a promise that the history kept). A type with
  fewer than ``min_items`` delivered items gets the SLE of all delivered items (row ``*``).
- For every open, committed item (the WIP), its **age** (``age_s``: from commitment to
  ``as_of``) against its type's SLE, and the **chance** it still finishes within the SLE given
  its age: among the delivered items of the same pool whose cycle time reached that age, the
  share that finished within the SLE. Past the SLE the chance is 0.
- An item is **in trouble** when it is past its SLE or its chance is under ``min_chance`` (0.5).
  Where it waits now is its last timeline segment: status, class, team and time in it.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..config import Config
from ..model import STR, S
from ..units import DAY_S

ALL_TYPES = "*"

SERVICE_LEVELS = pa.schema(
    [
        ("type", pa.string()),  # "*": every delivered item
        ("delivered", pa.int64()),  # delivered items with a cycle time
        ("sle_s", S),  # null: no delivered item
        ("pooled", pa.bool_()),  # too few items of the type: the SLE of all items
        ("wip", pa.int64()),  # open, committed items of the type
        ("over_sle", pa.int64()),
        ("in_trouble", pa.int64()),
    ]
)

IN_TROUBLE = pa.schema(
    [
        ("item", pa.string()),
        ("type", STR),
        ("summary", STR),
        ("age_s", S),
        ("sle_s", S),
        ("chance", S),  # to finish within the SLE, given the age; null without an SLE
        ("over_sle", pa.bool_()),
        ("status", STR),  # where it is now (waiting or worked on: see class)
        ("class", STR),
        ("team", STR),
        ("in_status_s", S),  # time in the current status at as_of
    ]
)


def percentile_met(values: np.ndarray, percent: float) -> float | None:
    """The smallest value that at least ``percent`` % of ``values`` do not exceed."""
    if values.size == 0:
        return None
    ordered = np.sort(values)
    return float(ordered[max(math.ceil(percent / 100 * ordered.size) - 1, 0)])


def chance_within(cycle_times: np.ndarray, age: float, sle: float) -> float:
    """Share of the items whose cycle time reached ``age`` that finished within ``sle``.

    ``cycle_times`` sorted ascending (as :func:`_pools` gives them): two binary searches per
    open item instead of a pass over every delivered item."""
    if age > sle:
        return 0.0
    first = int(np.searchsorted(cycle_times, age, side="left"))  # the first that reached age
    reached = cycle_times.size - first
    if reached == 0:
        return 0.0
    within = int(np.searchsorted(cycle_times, sle, side="right")) - first
    return float(within / reached)


def _pools(items: pa.Table, config: Config) -> dict[str, np.ndarray]:
    """Delivered cycle times by type, and of every item under ``*``, each sorted."""
    delivered = items.filter(
        pc.and_(pc.is_valid(items["cycle_time_s"]), pc.is_valid(items["delivered"]))
    )
    types = delivered["type"].to_pylist()
    cycle = delivered["cycle_time_s"].to_numpy(zero_copy_only=False).astype(np.float64)
    pools = {ALL_TYPES: np.sort(cycle)}
    for name in sorted({t for t in types if t is not None}):
        pools[name] = np.sort(cycle[np.array([t == name for t in types], dtype=bool)])
    return pools


def _pool_of(pools: dict[str, np.ndarray], typ: str | None, min_items: int) -> str:
    if typ is not None and typ in pools and pools[typ].size >= min_items:
        return typ
    return ALL_TYPES


def wip_ages(items: pa.Table, timeline: pa.Table, config: Config) -> pa.Table:
    """One row per open, committed item (in trouble or not), oldest first."""
    sl = config.service_level
    pools = _pools(items, config)
    sles = {name: percentile_met(values, sl.percentile) for name, values in pools.items()}
    wip = items.filter(
        pc.and_(pc.fill_null(items["is_open"], False), pc.is_valid(items["committed"]))
    ).select(["item", "type", "summary", "age_s"])
    last = _last_segments(timeline, wip["item"])
    rows = []
    for r in wip.to_pylist():
        pool = _pool_of(pools, r["type"], sl.min_items)
        sle = sles[pool]
        age = r["age_s"] or 0.0
        chance = None if sle is None else chance_within(pools[pool], age, sle)
        where = last.get(r["item"], {})
        rows.append(
            {
                **r,
                "sle_s": sle,
                "chance": chance,
                "over_sle": sle is not None and age > sle,
                "status": where.get("status"),
                "class": where.get("class"),
                "team": where.get("team"),
                "in_status_s": where.get("in_status_s"),
            }
        )
    rows.sort(key=lambda r: (-(r["age_s"] or 0.0), r["item"]))
    return pa.Table.from_pylist(rows, schema=IN_TROUBLE)


def is_in_trouble(rows: pa.Table, config: Config) -> np.ndarray:
    """Past the SLE, or a chance under ``min_chance``."""
    over = pc.fill_null(rows["over_sle"], False).to_numpy(zero_copy_only=False).astype(bool)
    chance = pc.fill_null(rows["chance"], 1.0).to_numpy(zero_copy_only=False)
    return over | (chance < config.service_level.min_chance)


def in_trouble(wip: pa.Table, config: Config) -> pa.Table:
    """The rows of :func:`wip_ages` that are in trouble."""
    return wip.filter(pa.array(is_in_trouble(wip, config), pa.bool_()))


def service_levels(items: pa.Table, wip: pa.Table, config: Config) -> pa.Table:
    """One row per type with delivered items or WIP, and ``*`` for all of them."""
    sl = config.service_level
    pools = _pools(items, config)
    trouble = is_in_trouble(wip, config)
    over = pc.fill_null(wip["over_sle"], False).to_numpy(zero_copy_only=False).astype(bool)
    wip_types = wip["type"].to_pylist()
    names = sorted({*pools, *(t for t in wip_types if t is not None)} - {ALL_TYPES})
    rows = []
    for name in [ALL_TYPES, *names]:
        pool = ALL_TYPES if name == ALL_TYPES else _pool_of(pools, name, sl.min_items)
        mine = np.array([name == ALL_TYPES or t == name for t in wip_types], dtype=bool).reshape(-1)
        rows.append(
            {
                "type": name,
                "delivered": int(pools.get(name, np.zeros(0)).size),
                "sle_s": percentile_met(pools[pool], sl.percentile),
                "pooled": pool != name,
                "wip": int(mine.sum()),
                "over_sle": int((over & mine).sum()),
                "in_trouble": int((trouble & mine).sum()),
            }
        )
    return pa.Table.from_pylist(rows, schema=SERVICE_LEVELS)


def _last_segments(timeline: pa.Table, keys: pa.ChunkedArray) -> dict[str, dict]:
    """item -> its last segment (where it is at ``as_of``), for the items ``keys``."""
    if timeline.num_rows == 0 or len(keys) == 0:
        return {}
    timeline = timeline.filter(pc.is_in(timeline["item"], value_set=keys.combine_chunks()))
    ordered = timeline.sort_by([("item", "ascending"), ("seg", "descending")])
    out: dict[str, dict] = {}
    for r in ordered.select(["item", "status", "class", "team", "duration_s"]).to_pylist():
        if r["item"] not in out:
            out[r["item"]] = {
                "status": r["status"],
                "class": r["class"],
                "team": r["team"],
                "in_status_s": r["duration_s"],
            }
    return out


def trouble_finding(rows: pa.Table, config: Config) -> list[dict]:
    """One finding naming how many open items are in trouble and the oldest of them."""
    trouble = rows.filter(pa.array(is_in_trouble(rows, config)))
    if trouble.num_rows == 0:
        return []
    over = int(pc.sum(trouble["over_sle"]).as_py() or 0)
    low = trouble.num_rows - over
    worst = trouble.to_pylist()[0]
    impact = float(
        sum(max((r["age_s"] or 0.0) - (r["sle_s"] or 0.0), 0.0) for r in trouble.to_pylist())
    )
    percent = f"{config.service_level.percentile:g}"
    text = (
        f"{trouble.num_rows} open item{'s' if trouble.num_rows != 1 else ''} in trouble: "
        f"{over} past the service level expectation (the cycle time {percent}% of delivered "
        f"items met), {low} with under {config.service_level.min_chance:.0%} chance to finish "
        f"within it. The oldest, {worst['item']}, is {_d(worst['age_s'])} old against "
        f"{_d(worst['sle_s'])}"
    )
    if worst["status"]:
        text += f" and {where_now(worst['class'])} '{worst['status']}'"
        if worst["team"]:
            text += f" ({worst['team']})"
        text += f" for {_d(worst['in_status_s'])}"
    return [
        {
            "kind": "in_trouble",
            "subject": "open items",
            "impact_s": impact,
            "text": text + ".",
            "item": worst["item"],
        }
    ]


def where_now(status_class: str | None) -> str:
    """The verb for an open item's current status: only a queue (or the backlog) is waiting;
    an item in an active status is being worked on, whatever its age."""
    return "waits in" if status_class in ("wait", "backlog") else "is in"


def _d(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds / DAY_S:.1f} d"
