"""Arrow <-> numpy through buffers, for the loaders' fast paths (``jira_arrow``,
``transition_arrow``).

pyarrow imports pandas (about a second) on the first ``pa.array``/``pa.scalar``/``to_numpy``
call; loading never needs pandas, so the fast paths build and read arrays through their
buffers with these helpers instead.

A fast path answers only when it can answer exactly as its per-record loader would; it gives
up with :class:`NotPlain` (caught by its ``try_load``, which then returns None).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

S = pa.string()
_INT_DTYPES = {1: np.int8, 2: np.int16, 4: np.int32, 8: np.int64}


class NotPlain(Exception):
    """The input is not the plain shape a fast path handles: its per-record loader takes it."""


def check(ok: bool, why: str) -> None:
    if not ok:
        raise NotPlain(why)


def ints(arr: pa.Array | pa.ChunkedArray, *, wide: bool = False) -> np.ndarray:
    """An integer Arrow array without nulls as numpy: a view in its own width, or int64 when
    ``wide``."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.null_count:
        raise NotPlain("unexpected null")
    dtype = _INT_DTYPES[arr.type.bit_width // 8]
    if len(arr) == 0:
        return np.zeros(0, dtype=np.int64 if wide else dtype)
    values = np.frombuffer(arr.buffers()[1], dtype=dtype)[arr.offset : arr.offset + len(arr)]
    return values.astype(np.int64) if wide else values


def int_array(values: np.ndarray) -> pa.Array:
    values = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(values)])


def strings(values: list[str | None]) -> pa.Array:
    """A small string array from Python values (None for null), through buffers."""
    encoded = [b"" if v is None else v.encode() for v in values]
    offsets = np.zeros(len(values) + 1, dtype=np.int32)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    valid = [v is not None for v in values]
    validity = None if all(valid) else pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.Array.from_buffers(
        S, len(values), [validity, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
    )


def scalar(value: str) -> pa.Scalar:
    return strings([value])[0]


def lexsort(*keys: np.ndarray) -> np.ndarray:
    """``np.lexsort`` (stable, the last key primary) of int64 keys by Arrow's multi-column
    sort, several times faster."""
    if len(keys[0]) == 0:
        return np.zeros(0, dtype=np.int64)
    names = [str(i) for i in range(len(keys))]
    table = pa.Table.from_arrays([int_array(k) for k in keys], names=names)
    order = pc.sort_indices(table, sort_keys=[(name, "ascending") for name in reversed(names)])
    return ints(order.cast(pa.int64()))
