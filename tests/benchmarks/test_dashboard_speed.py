"""How fast the dashboard answers in a real browser: from a user's action to the last callback
settled, measured in headless Chromium driven by Playwright.

Run it on its own (``tests/benchmarks`` is outside the default test run)::

    python -m pytest tests/benchmarks/test_dashboard_speed.py -s
    FLOWGAP_SPEED_ONLY=demo,upload python -m pytest tests/benchmarks/test_dashboard_speed.py -s

Three scenes, each on a server started as a user starts it (``python -m flowgap serve``):

- ``demo``: the story log that ``make demo`` serves; filter changes (an item type, then
  none; timed from the click on the value) on the Overview, Flow and Bottlenecks pages, and
  navigation between every page;
- ``upload``: a 120,000-row transition CSV of 15,000 items uploaded through the upload page
  (the time to analyse it), then every page, then a status-class change;
- ``1m``: the 1M-event benchmark log served; filter changes on the Overview and Flow pages.

**Settled** means: no Dash callback request in flight and none started, and no change to the
page's DOM, for ``QUIET_MS``; the time is from the action to the last of those responses or DOM
changes (Plotly draws after its callback returns, so the DOM is watched too). The numbers are
printed and written to ``tests/benchmarks/.cache/dashboard-speed.json`` for
docs/performance.md, never asserted; the test fails only when a page does not settle or the
browser logs an error.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE.parent / "dashboard"))
from dash_http import serve  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
QUIET_MS = 400
TIMEOUT_MS = 600_000
SCENES = os.environ.get("FLOWGAP_SPEED_ONLY", "demo,upload,1m").split(",")
REPEAT = int(os.environ.get("FLOWGAP_SPEED_REPEAT", "5"))
UPLOAD_ITEMS = 15_000  # about 120,000 status changes
PAGES = ("overview", "bottlenecks", "flow", "journey", "steering", "decisions")
RESULTS = HERE / ".cache" / "dashboard-speed.json"

# Counts the Dash callback requests in flight and notes when the last one ended and when the
# page's DOM last changed (performance.now() milliseconds).
_WATCH = """
(() => {
  const w = window;
  w.__fg = {pending: 0, started: 0, lastEnd: 0, lastDom: 0};
  const original = w.fetch.bind(w);
  w.fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input.url;
    if (!url.includes('_dash-update-component')) return original(input, init);
    w.__fg.pending += 1; w.__fg.started += 1;
    const done = () => { w.__fg.pending -= 1; w.__fg.lastEnd = performance.now(); };
    return original(input, init).then(
      (r) => { r.clone().text().then(done, done); return r; },
      (e) => { done(); throw e; });
  };
  const observe = () => new MutationObserver(() => { w.__fg.lastDom = performance.now(); })
    .observe(document.body, {subtree: true, childList: true, attributes: true,
                             characterData: true});
  if (document.body) observe(); else document.addEventListener('DOMContentLoaded', observe);
})();
"""

_SETTLED = f"""
(t0) => {{
  const s = window.__fg;
  const now = performance.now();
  const last = Math.max(s.lastEnd, s.lastDom);
  return s.pending === 0 && s.started > 0 && s.lastEnd >= t0 && now - last >= {QUIET_MS};
}}
"""


def _flowgap(*args: str, cwd: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "flowgap", *args], cwd=cwd, check=True, capture_output=True
    )


@pytest.fixture(scope="module")
def browser() -> Iterator:
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (make system-deps installs it)")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Timer:
    """One browser tab with the watch installed; ``settle`` times an action."""

    def __init__(self, browser, base: str) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.context.add_init_script(_WATCH)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.base = base

    def open(self, path: str) -> float:
        """Load a page from scratch; seconds until it settled."""
        start = time.perf_counter()
        self.page.goto(self.base + path)
        self.page.wait_for_function(_SETTLED, arg=0, timeout=TIMEOUT_MS, polling=50)
        return time.perf_counter() - start

    def settle(self, action) -> float:
        """Seconds from ``action`` to the last callback response or DOM change after it."""
        t0 = self.page.evaluate("performance.now()")
        action()
        self.page.wait_for_function(_SETTLED, arg=t0, timeout=TIMEOUT_MS, polling=50)
        last = self.page.evaluate("Math.max(window.__fg.lastEnd, window.__fg.lastDom)")
        assert not self.errors, f"browser console errors: {self.errors}"
        return (last - t0) / 1000

    def choose(self, key: str) -> float:
        """Pick the first value of the filter bar's ``key`` dropdown; seconds from the click
        on the value (the menu is opened first, not timed) to the page settled."""
        self.page.click(f"#f-{key}")
        option = self.page.get_by_role("option").first
        option.wait_for()

        def pick() -> None:
            option.click()
            self.page.keyboard.press("Escape")

        return self.settle(pick)

    def close(self) -> None:
        self.context.close()


def _filter_changes(t: Timer, page: str, rounds: int, key: str = "type") -> list[float]:
    """A value picked in the ``key`` filter, then the filters cleared, ``rounds`` times."""
    t.open(f"/{page}")
    times = []
    for _ in range(rounds):
        times.append(t.choose(key))
        times.append(t.settle(lambda: t.page.click("#f-clear")))
    return times


def _navigation(t: Timer, rounds: int) -> dict[str, list[float]]:
    t.open("/overview")
    out: dict[str, list[float]] = {p: [] for p in PAGES}
    for _ in range(rounds):
        for p in (*PAGES[1:], PAGES[0]):
            out[p].append(t.settle(lambda p=p: t.page.click(f"#nav-{p}")))
    return out


def _summary(values: list[float]) -> dict:
    return {
        "n": len(values),
        "p50_ms": round(1000 * statistics.median(values)),
        "max_ms": round(1000 * max(values)),
    }


def _report(scene: str, results: dict) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    saved = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    saved[scene] = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "load_average": os.getloadavg()[0],
        **results,
    }
    RESULTS.write_text(json.dumps(saved, indent=2) + "\n")
    print(f"\n[dashboard speed] {scene}: {json.dumps(results, indent=1)}")


@pytest.mark.skipif("demo" not in SCENES, reason="FLOWGAP_SPEED_ONLY leaves it out")
def test_demo_log(browser, tmp_path: Path) -> None:
    log = ROOT / "sample_logs" / "story.jira.ndjson.gz"
    config = ROOT / "sample_logs" / "story.jira.flowgap.toml"
    with serve([log], config, tmp_path / "sessions", tmp_path / "server.log") as (base, _):
        t = Timer(browser, base)
        first = t.open("/overview")
        results = {"first_page_s": round(first, 2)}
        for page in ("overview", "flow", "bottlenecks"):
            results[f"filter_{page}"] = _summary(_filter_changes(t, page, REPEAT))
        nav = _navigation(t, REPEAT)
        results["navigation"] = {p: _summary(v) for p, v in nav.items()}
        results["navigation_all"] = _summary([x for v in nav.values() for x in v])
        t.close()
    _report("demo", results)


@pytest.mark.skipif("upload" not in SCENES, reason="FLOWGAP_SPEED_ONLY leaves it out")
def test_upload_of_an_audit_log(browser, tmp_path: Path) -> None:
    _flowgap("sample", "--items", "30", "--no-story", "-o", "demo.jira.ndjson.gz", cwd=tmp_path)
    _flowgap(
        "sample",
        "--items",
        str(UPLOAD_ITEMS),
        "--format",
        "transition-csv",
        "-o",
        "audit.csv",
        cwd=tmp_path,
    )
    audit = tmp_path / "audit.csv"
    rows = sum(1 for _ in audit.open()) - 1
    config = tmp_path / "served.flowgap.toml"
    config.write_text("[dashboard]\nupload_limit_mb = 200\n")
    demo = tmp_path / "demo.jira.ndjson.gz"
    with serve([demo], config, tmp_path / "sessions", tmp_path / "server.log") as (base, _):
        t = Timer(browser, base)
        t.open("/upload")
        start = time.perf_counter()
        t.page.set_input_files("#upload input[type=file]", str(audit))
        t.page.wait_for_selector("#upload-message:has-text('Loaded audit.csv')", timeout=TIMEOUT_MS)
        analysed = time.perf_counter() - start
        results: dict = {
            "rows": rows,
            "items": UPLOAD_ITEMS,
            "upload_analysed_s": round(analysed, 2),
        }
        t.open("/overview")
        nav = _navigation(t, max(1, REPEAT // 2))
        results["navigation"] = {p: _summary(v) for p, v in nav.items()}
        t.open("/upload")
        row = t.page.locator(".status-row").first
        boxes = [row.get_by_label("active"), row.get_by_label("wait")]
        if boxes[0].is_checked():
            boxes.reverse()
        times = []
        for i in range(2 * max(1, REPEAT // 2)):
            times.append(t.settle(boxes[i % 2].check))
        results["status_class_change"] = _summary(times)
        # A transition CSV has no item types: a team is picked instead.
        results["filter_overview"] = _summary(_filter_changes(t, "overview", REPEAT, "team"))
        t.close()
    _report("upload", results)


@pytest.mark.skipif("1m" not in SCENES, reason="FLOWGAP_SPEED_ONLY leaves it out")
def test_one_million_events(browser, tmp_path: Path) -> None:
    from .datasets import dataset

    ds = dataset("1m")
    with serve([ds.parquet], ds.config, tmp_path / "sessions", tmp_path / "server.log") as (
        base,
        _,
    ):
        t = Timer(browser, base)
        first = t.open("/overview")
        results: dict = {"events": ds.events, "first_page_s": round(first, 2)}
        for page in ("overview", "flow"):
            results[f"filter_{page}"] = _summary(_filter_changes(t, page, REPEAT))
        t.close()
    _report("1m", results)
