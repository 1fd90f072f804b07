"""The buffer helpers the fast paths share: same answers as numpy and pyarrow's own."""

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


def test_no_pandas_import() -> None:
    code = (
        "import sys, numpy as np; from flowgap.ingest import arrow_columns as ac;"
        "ac.lexsort(np.array([2, 1]), np.array([0, 0])); ac.strings(['a', None]);"
        "ac.ints(ac.int_array(np.arange(3)));"
        "print('pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
