"""Arrow arrays from Python lists and numpy, and back, through buffers.

pyarrow imports pandas (about a second) on the first ``pa.array``/``pa.scalar``/``to_numpy``
call; loading never needs pandas, so the loaders build their columns with these helpers: one
column list per field, turned into one Arrow array at the end (``strings``, ``timestamps``,
``floats``, ``string_lists``, ``int_array``), and read integer arrays back with ``ints``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import repeat
from operator import is_not

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..model import TS

S = pa.string()
_INT_DTYPES = {1: np.int8, 2: np.int16, 4: np.int32, 8: np.int64}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class NotPlain(ValueError):
    """An array holds what a helper cannot take (a null where it reads integers)."""


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


def int_array(values: np.ndarray | list[int]) -> pa.Array:
    values = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(values)])


def _validity(values: list, nulls: int) -> pa.Buffer | None:
    if not nulls:
        return None
    present = np.frombuffer(bytes(map(is_not, values, repeat(None))), dtype=bool)
    return pa.py_buffer(np.packbits(present, bitorder="little"))


#: Stands for None in the joined text: a lone surrogate, which no text decoded from JSON (nor
#: a file name's undecodable bytes, \udc80-\udcff) can hold.
_NULL = "\udfff"
_NULL_BYTES = _NULL.encode("utf-8", "surrogatepass")


def _one(data: bytes) -> pa.Array:
    """A string array of one value holding ``data``."""
    offsets = np.array([0, len(data)], np.int32)
    return pa.Array.from_buffers(S, 1, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def strings(values: list, *, coerce: bool = False) -> pa.Array:
    """A string array from Python values (None for null). Values that are not text raise
    TypeError, or are written with ``str`` when ``coerce``.

    The texts are joined with NUL (None as a marker no text holds) and split again by Arrow:
    several times faster than measuring each one in Python. A text holding NUL itself, or
    more than 2 GB of text, takes the slower way."""
    n = len(values)
    try:
        joined = "\0".join(values)
        texts = values
    except TypeError:  # None, or not text
        texts = [_NULL if v is None else v for v in values]
        if coerce:
            texts = [v if v.__class__ is str else str(v) for v in texts]
        joined = "\0".join(texts)
    data = joined.encode("utf-8", "surrogatepass")
    if n == 0 or len(data) >= 2**31 or joined.count("\0") != n - 1:
        return _measured(values, coerce)
    split = pc.split_pattern(_one(data), "\0").values
    if texts is values:
        arr = split
    else:
        valid = pc.not_equal(split, _one(_NULL_BYTES)[0])
        arr = pa.Array.from_buffers(
            S, n, [valid.buffers()[1], *split.buffers()[1:]], -1, split.offset
        )
    try:
        arr.validate(full=True)  # UTF-8: a file name may hold undecodable bytes
    except pa.ArrowInvalid:
        return _measured(values, coerce)
    return arr


def _measured(values: list, coerce: bool) -> pa.Array:
    """``strings`` by the byte length of each text (any texts, any total size)."""
    n = len(values)
    nulls = values.count(None)
    texts = ["" if v is None else v if v.__class__ is str or not coerce else str(v) for v in values]
    encoded = [t.encode() for t in texts]
    offsets = np.zeros(n + 1, dtype=np.int64)
    offsets[1:] = list(map(len, encoded))
    np.cumsum(offsets, out=offsets)
    data = b"".join(encoded)
    kind = S if len(data) < 2**31 else pa.large_string()
    arr = pa.Array.from_buffers(
        kind,
        n,
        [
            _validity(values, nulls),
            pa.py_buffer(offsets.astype(np.int32) if kind == S else offsets),
            pa.py_buffer(data),
        ],
        null_count=nulls,
    )
    return arr if kind == S else arr.cast(S)


def scalar(value: str) -> pa.Scalar:
    return strings([value])[0]


def timestamps(values: list[str | None] | pa.Array, parse: Callable[[str], datetime]) -> pa.Array:
    """UTC microsecond timestamps from ISO texts (None for null): one vectorised Arrow cast;
    when Arrow's parser (narrower than Python's) refuses one, ``parse(text) -> datetime``
    reads them all."""
    texts = values if isinstance(values, pa.Array) else strings(values)
    try:
        return texts.cast(TS)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    values = texts.to_pylist()
    micros = [0 if v is None else (parse(v) - _EPOCH) // _MICROSECOND for v in values]
    nulls = values.count(None)
    return pa.Array.from_buffers(
        TS,
        len(values),
        [_validity(values, nulls), pa.py_buffer(np.asarray(micros, dtype=np.int64))],
        null_count=nulls,
    )


def floats(values: list[float | None]) -> pa.Array:
    """A float64 array from Python numbers (None for null)."""
    nulls = values.count(None)
    data = np.fromiter(
        (0.0 if v is None else v for v in values), dtype=np.float64, count=len(values)
    )
    return pa.Array.from_buffers(
        pa.float64(),
        len(values),
        [_validity(values, nulls), pa.py_buffer(data)],
        null_count=nulls,
    )


def string_lists(values: list[list[str]]) -> pa.Array:
    """A list<string> array from lists of text (none of them null)."""
    offsets = np.zeros(len(values) + 1, dtype=np.int32)
    np.cumsum(np.fromiter(map(len, values), dtype=np.int64, count=len(values)), out=offsets[1:])
    flat = [x for v in values for x in v]
    return pa.ListArray.from_arrays(
        pa.Array.from_buffers(pa.int32(), len(offsets), [None, pa.py_buffer(offsets)]),
        strings(flat),
    )


def repeat_runs(values: pa.Array, lengths: list[int]) -> pa.Array:
    """Each value repeated by its run length."""
    index = np.repeat(np.arange(len(lengths), dtype=np.int64), np.asarray(lengths, np.int64))
    return values.take(int_array(index))


def lexsort(*keys: np.ndarray) -> np.ndarray:
    """``np.lexsort`` (stable, the last key primary) of int64 keys by Arrow's multi-column
    sort, several times faster."""
    if len(keys[0]) == 0:
        return np.zeros(0, dtype=np.int64)
    names = [str(i) for i in range(len(keys))]
    table = pa.Table.from_arrays([int_array(k) for k in keys], names=names)
    order = pc.sort_indices(table, sort_keys=[(name, "ascending") for name in reversed(names)])
    return ints(order.cast(pa.int64()))
