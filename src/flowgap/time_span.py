"""The span of time one analysis can hold, and the records outside it.

The engine measures in int64 microseconds and its output tables in float64 seconds, which are
exact up to 2**53 microseconds (285 years): a duration longer than that cannot be converted
(Arrow refuses the lossy cast). A year typo in one row (``0025``, ``1700``, ``2999``) makes such
a duration, so every instant must lie within :data:`MAX_DISTANCE_US` (100 years) of the median
of the data: any two are then at most 200 years apart. A record with a time outside that, or
outside years 1000-8999 (beyond them Python cannot represent an instant in every zone), is a
rejected record; an ``as_of`` outside it is a usage error.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .errors import UsageError
from .ingest.arrow_columns import int_array, ints, strings
from .model import LoadResult, Reject, event_record, own_records, recount_rejected
from .units import DAY_US, iso_day

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: How far (microseconds) an instant may lie from the median of the data.
MAX_DISTANCE_YEARS = 100
MAX_DISTANCE_US = round(MAX_DISTANCE_YEARS * 365.2425 * DAY_US)
#: Instants Python converts in any zone (years 1000-8999, as the CSV timestamp rule reads).
EARLIEST_US = (datetime(1000, 1, 2, tzinfo=UTC) - _EPOCH) // timedelta(microseconds=1)
LATEST_US = (datetime(8999, 12, 31, tzinfo=UTC) - _EPOCH) // timedelta(microseconds=1)


def _us(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(int64 microseconds, valid) read through Arrow's buffers: loading must not import
    pandas, which pyarrow does on its first ``to_numpy``, ``pa.array`` or ``pa.scalar``."""
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    arr = arr.cast(pa.int64())
    n = len(arr)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, bool)
    values = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + n]
    if not arr.null_count:
        return values, np.ones(n, bool)
    bits = np.frombuffer(arr.buffers()[0], dtype=np.uint8)
    valid = np.unpackbits(bits, bitorder="little")[arr.offset : arr.offset + n].astype(bool)
    return values, valid


def instant_text(us: int) -> str:
    """A UTC instant for a message; years Python cannot hold are shown by their year."""
    if EARLIEST_US <= us < LATEST_US:
        return (_EPOCH + timedelta(microseconds=int(us))).strftime("%Y-%m-%dT%H:%M:%SZ")
    # numpy's calendar reaches far beyond Python's (years 1-9999): the exact year, where an
    # average year length rounded 9999-12-31 up to "year 10000"
    return f"year {np.datetime64(int(us), 'us').astype('datetime64[Y]').astype(int) + 1970}"


def _in_years(us: np.ndarray) -> np.ndarray:
    return (us >= EARLIEST_US) & (us < LATEST_US)


def bounds(centre: int) -> tuple[int, int]:
    """The first and last instant (us) a record may hold, given the median of the data."""
    return max(EARLIEST_US, centre - MAX_DISTANCE_US), min(LATEST_US - 1, centre + MAX_DISTANCE_US)


def _outside(us: np.ndarray, centre: int) -> np.ndarray:
    """Two comparisons, no arithmetic on ``us``: fast, and nothing can overflow."""
    low, high = bounds(centre)
    return (us < low) | (us > high)


def far_rejects(
    sources: list[str | None],
    items: list[str],
    us: list[int],
    centre: int,
    first_row: list[int] | None = None,
    seqs: list[int] | None = None,
    own: list[bool] | None = None,
) -> list[Reject]:
    """One reject per record among the far events given (source, item, time of each): the
    events a record made (a history entry or a row changing several fields) share its source
    and its time. An event that is a record of its own (``own``: a Parquet input's, which
    may share a source with others) is one reject, named by :func:`event_record`. An event
    without a source is its own record (``item#row``)."""
    rows = first_row if first_row is not None else list(range(len(items)))
    found: dict[str, Reject] = {}
    for k, (source, item, at, row) in enumerate(zip(sources, items, us, rows, strict=True)):
        if own is not None and seqs is not None and own[k]:
            key = event_record(source, item, instant_text(at), seqs[k])
        else:
            key = source or f"{item}#{row}"
        if key not in found:
            found[key] = Reject(key, far_reason(item, at, centre))
    return list(found.values())


def far_reason(item: str, us: int, centre: int) -> str:
    """Why a record with an event at ``us`` is rejected."""
    return (
        f"{item}: time {instant_text(us)} is more than {MAX_DISTANCE_YEARS} years from the"
        f" median of the data ({instant_text(centre)[:10]}): a typo in the year?"
    )


def _centre(result: LoadResult) -> int | None:
    """The median instant of the events' own times, else of the items' creation dates (a log
    the backend read itself, ``engine/parquet_source.py``, brings the median it computed).

    ``created`` events are left out when there are others: a loader derives them from an
    item's first record, so a typo there would count twice (``1700, 1700, 2025, 2025``)."""
    if getattr(result, "on_backend", False):
        return result.centre_us  # type: ignore[attr-defined]
    if result.events.num_rows:
        us, valid = _us(result.events.column("ts"))
        derived = pc.is_in(result.events.column("field"), strings(["created"]))
        own = ints(derived.cast(pa.int8())) == 0
        if own.any():
            valid = valid & own
    elif result.items.num_rows:
        us, valid = _us(result.items.column("created"))
    else:
        return None
    if not valid.all():
        us = us[valid]
    if not len(us):
        return None
    # A median of instants Python can hold: a handful of absurd years cannot move it far.
    centre = _median(us)
    if not EARLIEST_US <= centre < LATEST_US:
        inside = us[_in_years(us)]
        if len(inside):
            centre = _median(inside)
    return centre


def _median(us: np.ndarray) -> int:
    """The middle instant; of an even count's two middle ones, the one whose span keeps more
    instants (the lower when they keep as many): the lower alone can be the typo itself
    (``1700, 2025``). np.partition: linear time, where a sort costs about a second at 10M."""
    k = (len(us) - 1) // 2
    if len(us) % 2:
        return int(np.partition(us, k)[k])
    parted = np.partition(us, (k, k + 1))
    low, high = int(parted[k]), int(parted[k + 1])
    if low == high:
        return low
    kept_low = int((~_outside(us, low)).sum())
    return high if int((~_outside(us, high)).sum()) > kept_low else low


def reject_far_times(result: LoadResult) -> LoadResult:
    """Reject every record holding an event more than 100 years from the median of the data
    (or outside years 1000-8999); clear item dates outside that span (the engine then uses
    the item's first event). One reject per record (its ``source``), counted per input."""
    centre = _centre(result)
    if centre is None:
        return result
    events, items = result.events, result.items
    ts_us, _ = _us(events.column("ts"))
    far = _outside(ts_us, centre)
    if far.any():
        sources = events.column("source").to_pylist()
        item_col = events.column("item").to_pylist()
        far_at = np.flatnonzero(far)
        far_sources = [sources[i] for i in far_at]
        seqs = events.column("seq").take(int_array(far_at)).to_pylist()
        rejects = far_rejects(
            far_sources,
            [item_col[i] for i in far_at],
            [int(ts_us[i]) for i in far_at],
            centre,
            first_row=far_at.tolist(),
            seqs=seqs,
            own=own_records(result.inputs, far_sources),
        )
        drop = far
        events = events.take(int_array(np.flatnonzero(~drop)))
        # An item whose every record was rejected is not loaded at all.
        gone = set(item_col) - set(events.column("item").to_pylist())
        if gone and items.num_rows:
            names = items.column("item").to_pylist()
            items = items.take(int_array([i for i, k in enumerate(names) if k not in gone]))
        inputs = recount_rejected(result.inputs, [r.source for r in rejects], int(drop.sum()))
        result = replace(result, events=events, rejects=[*result.rejects, *rejects], inputs=inputs)
    items = clear_far_dates(items, centre)
    if items is not result.items:
        result = replace(result, items=items)
    return result


def clear_far_dates(items: pa.Table, centre: int) -> pa.Table:
    """Item dates (created, resolved) outside the span of the data cleared: the engine then
    uses the item's first event."""
    for name in ("created", "resolved"):
        if not items.num_rows or name not in items.column_names:
            continue
        col = items.column(name).combine_chunks()
        us, valid = _us(col)
        bad = _outside(us, centre) & valid
        if bad.any():
            cleared = pc.if_else(pa.array(bad), pa.scalar(None, col.type), col)
            items = items.set_column(items.schema.get_field_index(name), name, cleared)
    return items


def check_as_of(as_of: datetime, result: LoadResult) -> None:
    """An ``as_of`` too far from the data for its durations to be measured is a usage error."""
    centre = _centre(result)
    try:
        moment = as_of.astimezone(UTC) if as_of.tzinfo else as_of.replace(tzinfo=UTC)
    except OverflowError:  # 9999-12-31T23:59:59-14:00 is in year 10000 in UTC
        raise UsageError(f"as_of {as_of.isoformat()} is beyond the year 9999 in UTC") from None
    us = (moment - _EPOCH) // timedelta(microseconds=1)
    if centre is None:
        centre = us
    if not EARLIEST_US <= us < LATEST_US or abs(us - centre) > MAX_DISTANCE_US:
        raise UsageError(
            f"as_of {iso_day(moment)} is more than {MAX_DISTANCE_YEARS} years from the median "
            f"of the data ({instant_text(centre)[:10]}): durations that long cannot be measured"
        )
