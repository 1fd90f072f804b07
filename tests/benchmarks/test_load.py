"""A bounded loopback load test of ``flowgap serve``: 20 concurrent clients for 60 s on page
loads and filter changes at 5,000 items, all on 127.0.0.1.

Run it on its own (``tests/benchmarks`` is outside the default test run)::

    python -m pytest tests/benchmarks/test_load.py -s
    FLOWGAP_LOAD_SECONDS=20 python -m pytest tests/benchmarks/test_load.py -s

Each client is a browser session over HTTP (``tests/dashboard/dash_http.py``): it opens a
page as a browser does (the HTML, the page's callback, the header line's callback) or changes
a filter (the same callbacks with the new query string). The test fails on any error (an HTTP
error, a timeout, a page that could not be drawn); the times are printed and written to
``tests/benchmarks/.cache/load.json`` for docs/performance.md, never asserted.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "dashboard"))
from dash_http import ROUTE, DashSession, serve  # noqa: E402

PAGES = ("/overview", "/bottlenecks", "/flow", "/journey", "/steering", "/upload")
CLIENTS = int(os.environ.get("FLOWGAP_LOAD_CLIENTS", "20"))
SECONDS = float(os.environ.get("FLOWGAP_LOAD_SECONDS", "60"))
ITEMS = int(os.environ.get("FLOWGAP_LOAD_ITEMS", "5000"))


def _queries(rng: random.Random) -> str:
    """A filter a user might pick: a type, a team, a date range, or two of them."""
    choices = [
        "?type=Bug",
        "?type=Story",
        "?team=Backend",
        "?team=QA",
        "?from=2025-03-01&to=2025-06-30",
        "?type=Story&team=Frontend",
        "",
    ]
    return rng.choice(choices)


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if values else 0.0


def test_twenty_clients_for_a_minute(tmp_path: Path) -> None:
    demo = tmp_path / "load.jira.ndjson.gz"
    subprocess.run(
        [sys.executable, "-m", "flowgap", "sample", "--items", str(ITEMS), "-o", str(demo)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    config = tmp_path / "flowgap.toml"
    config.write_text((tmp_path / "load.jira.flowgap.toml").read_text())
    renders: list[tuple[str, float]] = []  # (kind, seconds of the page's callback)
    actions: list[tuple[str, float]] = []  # (kind, seconds of everything the browser asks)
    errors: list[str] = []
    lock = threading.Lock()
    with serve([demo], config, tmp_path / "sessions", tmp_path / "server.log") as (base, _):
        DashSession(base).open("/overview")  # the first analysis is not what is measured
        stop = time.monotonic() + SECONDS

        def client(n: int) -> None:
            rng = random.Random(n)
            user = DashSession(base)
            search = ""
            while time.monotonic() < stop:
                kind = rng.choice(("page", "filter"))
                page = rng.choice(PAGES)
                if kind == "filter":
                    search = _queries(rng)
                start = time.perf_counter()
                try:
                    user.request(page + search)
                    t0 = time.perf_counter()
                    out = user.call(dict(zip(ROUTE, (page, search, 0), strict=True)))
                    render = time.perf_counter() - t0
                    user.call({"data-version.data": 0, "url.search": search})
                    if "could not be drawn" in json.dumps(out):
                        raise RuntimeError(f"{page}{search}: the page could not be drawn")
                except Exception as exc:  # every failure is counted, none stops the run
                    with lock:
                        errors.append(f"{page}{search}: {type(exc).__name__}: {exc}")
                    continue
                with lock:
                    renders.append((kind, render))
                    actions.append((kind, time.perf_counter() - start))

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    summary = {
        "clients": CLIENTS,
        "seconds": SECONDS,
        "items": ITEMS,
        "requests": len(actions),
        "errors": len(errors),
    }
    for kind in ("page", "filter", None):
        r = [s for k, s in renders if kind in (None, k)]
        a = [s for k, s in actions if kind in (None, k)]
        name = kind or "all"
        summary[name] = {
            "count": len(r),
            "render_p50_s": round(_percentile(r, 50), 3),
            "render_p95_s": round(_percentile(r, 95), 3),
            "action_p50_s": round(_percentile(a, 50), 3),
            "action_p95_s": round(_percentile(a, 95), 3),
        }
    out = HERE / ".cache" / "load.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))
    assert errors == [], errors[:5]
    assert actions, "no request completed"
