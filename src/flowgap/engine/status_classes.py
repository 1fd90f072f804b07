"""The status -> class mapping used by an analysis, with where each class came from and how
often items entered each status: the one status count of flowgap (``inspect``, the
dashboard's class editor and the starter config show this same count).

``events`` counts entries into the status (visits: a status event that repeats the item's
status in force is no entry); an item without any status event (a UI CSV has none) counts one
entry into its current status. Per item first
(:func:`status_count_rows`), so that a selection of items counts its own entries.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..config import Config
from ..model import INT, STR, TS, LoadResult
from .runner import Aggregate, PerItem, RunContext, Scope

STATUS_CLASSES = pa.schema(
    [
        ("status", STR),
        ("class", STR),
        ("guessed", pa.bool_()),
        ("category", STR),  # Jira status category when known
        ("events", INT),  # times an item entered it (visits, not raw status events)
    ]
)


#: Entries into each status per item.
STATUS_COUNTS = pa.schema([("item", pa.string()), ("status", pa.string()), ("n", pa.int64())])


def status_count_rows(result: LoadResult, as_of: datetime | None = None) -> pa.Table:
    """item, status, n: the item's entries into each status (visits); and a row for its current
    status, which counts one entry only for an item without any status event (an export
    without history, or such an item among others with history).

    With ``as_of`` (an analysis), nothing after it counts: neither later events nor items
    created later. Without it (``inspect``), the whole load."""
    parts = []
    events = result.events
    items = result.items
    if as_of is not None:
        at = pa.scalar(as_of, TS)
        if events.num_rows and pc.max(events.column("ts")).as_py() > as_of:
            events = events.filter(pc.less_equal(events.column("ts"), at))
        if items.num_rows:
            created = items.column("created")
            items = items.filter(pc.or_kleene(pc.is_null(created), pc.less_equal(created, at)))
    status = events.select(["item", "value"]).filter(pc.equal(events.column("field"), "status"))
    with_events = pc.unique(status.column("item"))
    status = status.filter(pc.is_valid(status.column("value")))
    if status.num_rows:
        parts.append(_counts_per_item(status))
    if items.num_rows:
        current = items.filter(pc.is_valid(items.column("current_status")))
        entered = pc.invert(pc.is_in(current.column("item"), value_set=with_events))
        parts.append(
            pa.table(
                {
                    "item": current.column("item"),
                    "status": current.column("current_status"),
                    "n": entered.cast(pa.int64()),
                }
            )
        )
    if not parts:
        return STATUS_COUNTS.empty_table()
    return pa.concat_tables([p.cast(STATUS_COUNTS) for p in parts])


def _counts_per_item(status: pa.Table) -> pa.Table:
    """item, status, n of visits: status events in canonical order (item, ts, seq), a repeat
    of the item's status in force is no new visit (an audit log writes a row per change of
    any column; the engine's timeline keeps such a status as one visit). Items and values as
    integer codes, counted by one sort of one int64 key: a group-by on two string columns
    took 12 s at 4.7M status events."""
    item = pc.dictionary_encode(status.column("item").combine_chunks())
    value = pc.dictionary_encode(status.column("value").combine_chunks())
    n_values = len(value.dictionary)
    item_codes = item.indices.to_numpy().astype(np.int64)
    value_codes = value.indices.to_numpy().astype(np.int64)
    entered = np.ones(len(item_codes), dtype=bool)
    entered[1:] = (item_codes[1:] != item_codes[:-1]) | (value_codes[1:] != value_codes[:-1])
    key = item_codes[entered] * n_values + value_codes[entered]
    keys, counts = np.unique(key, return_counts=True)
    return pa.table(
        {
            "item": item.dictionary.take(pa.array(keys // n_values)),
            "status": value.dictionary.take(pa.array(keys % n_values)),
            "n": pa.array(counts, pa.int64()),
        }
    )


def status_class_table(counts: pa.Table, config: Config, categories: dict[str, str]) -> pa.Table:
    """One row per status of ``counts`` or named in the config, with its class."""
    totals: dict[str, int] = {}
    if counts.num_rows:
        sums = counts.group_by("status", use_threads=False).aggregate([("n", "sum")])
        totals = dict(
            zip(sums.column("status").to_pylist(), sums.column("n_sum").to_pylist(), strict=True)
        )
    for name in config.statuses.classes:
        totals.setdefault(name, 0)
    rows = []
    for name in sorted(totals):
        category = categories.get(name)
        cls, guessed = config.status_class(name, category)
        rows.append(
            {
                "status": name,
                "class": cls,
                "guessed": guessed,
                "category": category,
                "events": int(totals[name]),
            }
        )
    return pa.Table.from_pylist(rows, schema=STATUS_CLASSES)


def build_status_classes(result: LoadResult, config: Config) -> pa.Table:
    """One row per status seen in the data or named in the config (every item counted)."""
    return status_class_table(status_count_rows(result), config, result.status_categories)


def classes_of(result: LoadResult, config: Config) -> dict[str, str]:
    """status -> class for every status the load or the config names (what the engine's
    timeline classes segments by): the classes of :func:`build_status_classes`, without
    counting entries."""
    events = result.events
    names = set(config.statuses.classes)
    status = events.column("value").filter(pc.equal(events.column("field"), "status"))
    names.update(v for v in pc.unique(status).to_pylist() if v is not None)
    if result.items.num_rows:
        current = pc.unique(result.items.column("current_status"))
        names.update(v for v in current.to_pylist() if v is not None)
    categories = result.status_categories
    return {name: config.status_class(name, categories.get(name))[0] for name in sorted(names)}


def class_map(status_classes: pa.Table) -> dict[str, str]:
    return dict(
        zip(
            status_classes.column("status").to_pylist(),
            status_classes.column("class").to_pylist(),
            strict=True,
        )
    )


def _status_counts(run: RunContext) -> pa.Table:
    return status_count_rows(run.result, as_of=run.as_of)


def _status_classes(scope: Scope, status_counts: pa.Table) -> pa.Table:
    return status_class_table(status_counts, scope.config, scope.status_categories)


STEPS = [
    PerItem(
        "status_counts",
        (),
        _status_counts,
        without_history=lambda run, **_: _status_counts(run),
    ),
    Aggregate(
        "status_classes",
        ("status_counts",),
        _status_classes,
        columns={"status_counts": ("status", "n")},
    ),
]
