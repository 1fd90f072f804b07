"""The longest name a record may give: an item key, a status, a team, a person, a label.

Real names are short (Jira caps status and label names at 255 characters). A stranger's file
can hold a 50 MB "status": every table, chart and message that names it then copies and wraps
it, and ``flowgap inspect`` spent minutes wrapping one such line, ``analyze`` ran out of
memory. So an event whose item, actor or value (comments excepted: free text) is longer than
:data:`MAX_NAME` characters is rejected here, once per input, one reject per record (its
``source``), as ``time_span`` rejects a year typo. Such a *previous* value is cleared instead:
it may come from another record (a CSV row's team change names the team of the row before,
which is rejected for it), and the record after a rejected one is no worse for it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import excerpt
from ..model import (
    Finding,
    LoadResult,
    Reject,
    event_record,
    own_records,
    recount_rejected,
)
from ..time_span import instant_text
from .arrow_columns import int_array, ints, strings
from .csv_table import string_lengths

#: Most characters of a name; far above any real one.
MAX_NAME = 1000
#: Fields whose values are free text, not names.
FREE_TEXT = ("comment",)
_NAMED = ("item", "actor", "value")
#: Names among an item's own attributes.
ITEM_NAMES = ("current_status", "type", "project", "priority")
#: Most characters of an item's summary kept: free text, but a 200 MB one made an analysis
#: of 2.4 GB and 600 MB of reports, copied into report.json, report.html and the CSVs.
MAX_SUMMARY = 10_000


def _mask(arr: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A boolean Arrow array without nulls as numpy, through its buffers: loading must not
    import pandas, which pyarrow does on its first ``to_numpy`` or Python scalar handed to
    a kernel (see ``time_span``)."""
    return ints(arr.cast(pa.int8())).astype(bool)


def _bools(mask: np.ndarray) -> pa.Array:
    bits = pa.py_buffer(np.packbits(mask, bitorder="little"))
    return pa.Array.from_buffers(pa.bool_(), len(mask), [None, bits])


def _too_long(column: pa.ChunkedArray) -> np.ndarray:
    return _too_long_text(column, MAX_NAME)


def _too_long_text(column: pa.ChunkedArray, limit: int) -> np.ndarray:
    # Bytes first, from the offsets: only a value over ``limit`` bytes can be over ``limit``
    # characters, and nearly every load has none.
    if not pa.types.is_string(column.type):
        column = column.cast(pa.string())  # large_string: offsets of another width
    chunks = [string_lengths(c) for c in column.chunks]
    nbytes = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int32)
    at = np.flatnonzero(nbytes > limit)
    long = np.zeros(len(column), dtype=bool)
    if len(at):
        values = column.take(int_array(at)).to_pylist()
        long[at] = [v is not None and len(v) > limit for v in values]
    return long


def reject_long_names(result: LoadResult) -> LoadResult:
    """``result`` without the records naming something longer than :data:`MAX_NAME`
    characters: every event of such a record (its ``source``) goes and the record is
    rejected; an item left without events goes; such a name as an event's previous value or
    among an item's own attributes (current status, type, project, priority) is cleared."""
    events = result.events
    if not events.num_rows:
        return result
    free = None
    long_prev = _too_long(events.column("prev"))
    if long_prev.any():
        free = _mask(pc.is_in(events.column("field"), strings(list(FREE_TEXT))))
        prev = events.column("prev")
        cleared = pc.if_else(_bools(long_prev & ~free), pa.nulls(len(prev), prev.type), prev)
        events = events.set_column(events.schema.get_field_index("prev"), "prev", cleared)
        result = replace(result, events=events)
    bad = np.zeros(events.num_rows, dtype=bool)
    why: dict[int, str] = {}
    for name in _NAMED:
        long = _too_long(events.column(name))
        if name == "value" and long.any():
            if free is None:
                free = _mask(pc.is_in(events.column("field"), strings(list(FREE_TEXT))))
            long &= ~free
        for i in np.flatnonzero(long & ~bad):
            why[int(i)] = name
        bad |= long
    items = _clear_long_attributes(result.items)
    items, shortened = _shorten_summaries(items)
    if shortened is not None:
        result = replace(result, warnings=[*result.warnings, shortened])
    if not bad.any():
        return result if items is result.items else replace(result, items=items)
    at = np.flatnonzero(bad)
    picked = events.take(int_array(at)).select(["item", "ts", "seq", "field", "source"])
    # the time as microseconds: a year Python cannot hold (a later rule rejects it) must not fail
    rows = picked.set_column(1, "ts", picked.column("ts").cast(pa.int64())).to_pylist()
    own = own_records(result.inputs, [row["source"] for row in rows])
    sources: dict[str, str] = {}
    for i, row, alone in zip(at.tolist(), rows, own, strict=True):
        what = why[i] if why[i] in ("item", "actor") else row["field"]
        item = row["item"] if why[i] != "item" else row["item"][:40] + "..."
        if alone:  # a Parquet event: the record is the event, not every event of its source
            source = event_record(row["source"], item, instant_text(row["ts"]), row["seq"])
        else:
            source = row["source"] or f"{item}#{i}"
        sources.setdefault(
            source, f"{item}: {what} is longer than {MAX_NAME:,} characters: not a name"
        )
    # every event of a rejected record goes with it (a row's created and status events)
    shared = [row["source"] for row, alone in zip(rows, own, strict=True) if not alone]
    drop = bad | _mask(pc.is_in(events.column("source"), strings([s for s in shared if s])))
    kept = events.take(int_array(np.flatnonzero(~drop)))
    gone = set(events.column("item").to_pylist()) - set(kept.column("item").to_pylist())
    if gone and items.num_rows:
        names = items.column("item").to_pylist()
        items = items.take(int_array([k for k, key in enumerate(names) if key not in gone]))
    return replace(
        result,
        events=kept,
        items=items,
        rejects=[*result.rejects, *(Reject(s, r) for s, r in sources.items())],
        inputs=recount_rejected(result.inputs, list(sources), len(sources)),
    )


def _shorten_summaries(items: pa.Table) -> tuple[pa.Table, Finding | None]:
    """``items`` with every summary longer than :data:`MAX_SUMMARY` characters cut there
    (marked "…(N characters)"), and the warning that says so; (``items``, None) when none is."""
    if not items.num_rows or "summary" not in items.column_names:
        return items, None
    col = items.column("summary")
    long = _too_long_text(col, MAX_SUMMARY)
    if not long.any():
        return items, None
    at = np.flatnonzero(long)
    values = col.to_pylist()
    keys = items.column("item").to_pylist()
    sizes = {int(i): len(values[i]) for i in at}
    for i in at:
        values[i] = f"{values[i][:MAX_SUMMARY]}…({sizes[int(i)]:,} characters)"
    longest = max(sizes, key=lambda i: sizes[i])
    warning = Finding(
        "long_summary",
        f"{len(at):,} item summar{'y' if len(at) == 1 else 'ies'} longer than"
        f" {MAX_SUMMARY:,} characters shortened to {MAX_SUMMARY:,} (the longest:"
        f" {excerpt(keys[longest])}, {sizes[longest]:,} characters)",
        item=keys[longest],
    )
    column = pa.array(values, col.type)
    return items.set_column(items.schema.get_field_index("summary"), "summary", column), warning


def _clear_long_attributes(items: pa.Table) -> pa.Table:
    for name in ITEM_NAMES:
        if not items.num_rows or name not in items.column_names:
            continue
        col = items.column(name)
        long = _too_long(col)
        if long.any():
            cleared = pc.if_else(_bools(long), pa.nulls(len(col), col.type), col)
            items = items.set_column(items.schema.get_field_index(name), name, cleared)
    return items
