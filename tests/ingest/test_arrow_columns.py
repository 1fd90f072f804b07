"""The buffer helpers the loaders build their columns with: same answers as numpy and
pyarrow's own."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest

from flowgap.ingest import arrow_columns as ac


def test_lexsort_is_numpys_with_the_last_key_primary() -> None:
    rng = np.random.default_rng(3)
    a, b, c = (rng.integers(0, 4, 500) for _ in range(3))
    assert np.array_equal(ac.lexsort(a, b, c), np.lexsort((a, b, c)))
    assert len(ac.lexsort(np.zeros(0, np.int64))) == 0


@pytest.mark.parametrize("kind", [pa.int8(), pa.int16(), pa.int32(), pa.int64(), pa.uint32()])
def test_ints_read_every_width(kind: pa.DataType) -> None:
    arr = pa.array([1, 2, 3, 4], kind).slice(1)
    assert ac.ints(arr).tolist() == [2, 3, 4]
    assert ac.ints(arr, wide=True).dtype == np.int64
    with pytest.raises(ac.NotPlain):
        ac.ints(pa.array([1, None], kind))


def test_strings_and_ints_round_trip() -> None:
    assert ac.strings(["a", None, "ü"]).equals(pa.array(["a", None, "ü"]))
    assert ac.int_array(np.array([5, -1])).equals(pa.array([5, -1], pa.int64()))
    assert ac.scalar("x").as_py() == "x"


@pytest.mark.parametrize(
    "values",
    [
        [],
        [None],
        ["a", None, "ü", "", "日本"],
        ["with\x00nul", None, "x"],  # a text holding the separator: measured one by one
        [None, None, "b"],
        ["plain"] * 3,
    ],
)
def test_strings_any_texts_and_nulls(values: list) -> None:
    arr = ac.strings(values)
    arr.validate(full=True)
    assert arr.type == pa.string()
    assert arr.to_pylist() == values
    assert arr.null_count == values.count(None)


def test_strings_refuse_or_write_what_is_not_text() -> None:
    with pytest.raises(TypeError):
        ac.strings(["a", 5])
    assert ac.strings(["a", 5, None, True], coerce=True).to_pylist() == ["a", "5", None, "True"]


def test_timestamps_floats_lists_and_runs() -> None:
    from datetime import UTC, datetime

    from flowgap.ingest.common import parse_iso

    got = ac.timestamps(["2023-05-02T10:15:30.000+0200", None, "2023-05-02T08:15:31Z"], parse_iso)
    assert got.to_pylist() == [
        datetime(2023, 5, 2, 8, 15, 30, tzinfo=UTC),
        None,
        datetime(2023, 5, 2, 8, 15, 31, tzinfo=UTC),
    ]
    # a shape Arrow's parser refuses: Python's reads the column
    odd = ac.timestamps(["2023-05-02T10:15:30", "20230502T101530+0100"], parse_iso)
    assert odd.to_pylist() == [
        datetime(2023, 5, 2, 10, 15, 30, tzinfo=UTC),
        datetime(2023, 5, 2, 9, 15, 30, tzinfo=UTC),
    ]
    assert ac.floats([1.5, None, 2]).to_pylist() == [1.5, None, 2.0]
    assert ac.string_lists([["a", "b"], [], ["c"]]).to_pylist() == [["a", "b"], [], ["c"]]
    assert ac.repeat_runs(ac.strings(["x", "y", "z"]), [2, 0, 1]).to_pylist() == ["x", "x", "z"]


def test_no_pandas_import() -> None:
    code = (
        "import sys, numpy as np; from flowgap.ingest import arrow_columns as ac;"
        "ac.lexsort(np.array([2, 1]), np.array([0, 0])); ac.strings(['a', None]);"
        "ac.ints(ac.int_array(np.arange(3))); ac.strings(['a', None, 'b\\x00']);"
        "ac.floats([1.0, None]); ac.string_lists([['a']]);"
        "print('pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
