"""``make bench``: the whole benchmark through pytest (``-s`` shows the numbers as they come).

Sizes and measurements can be narrowed with ``FLOWGAP_BENCH_SIZES=100k,1m`` and
``FLOWGAP_BENCH_ONLY=ingest,analyze``. The test fails only when what was measured is wrong
(counts differ across formats, pm4py-only metrics differ from flowgap's, a task crashed);
budgets are reported in docs/performance.md, not asserted.
"""

from __future__ import annotations

import os

from .datasets import SIZES
from .run import MEASUREMENTS, run_bench


def test_benchmarks() -> None:
    sizes = os.environ.get("FLOWGAP_BENCH_SIZES", ",".join(SIZES)).split(",")
    only = os.environ.get("FLOWGAP_BENCH_ONLY", ",".join(MEASUREMENTS)).split(",")
    command = "make bench"
    if "FLOWGAP_BENCH_SIZES" in os.environ or "FLOWGAP_BENCH_ONLY" in os.environ:
        command = (
            f"FLOWGAP_BENCH_SIZES={','.join(sizes)} FLOWGAP_BENCH_ONLY={','.join(only)} make bench"
        )
    checks = run_bench(
        [s.strip() for s in sizes if s.strip()], [m.strip() for m in only if m.strip()], command
    )
    assert not checks.failed, "\n".join(
        f"{c['size']} {c['check']}: {c['detail']}" for c in checks.failed
    )
