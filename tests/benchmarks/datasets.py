"""The benchmark logs: one simulated organisation at about 100k, 1M and 10M events, written by
``flowgap.sample`` in every measured format and cached under ``tests/benchmarks/.cache/``.

The cache key is size, seed and flowgap version: a new version of the generator (or of the
Parquet writer) gives new files. A size directory is complete once its ``manifest.json`` exists
(written last), so an interrupted generation is redone, never half reused.
"""

from __future__ import annotations

import gzip
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import flowgap
from flowgap.sample import generate, write_sample

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
SEED = 42
SIZES = {"100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
#: Formats written per size. The 10M Jira JSON would be ~2.6 GB plain: JSON ingest is measured
#: at 100k and 1M only (the per-byte throughput ratio does not depend on the size).
JSON_SIZES = {"100k", "1m"}


@dataclass
class Dataset:
    size: str
    dir: Path
    items: int
    events: int

    @property
    def parquet(self) -> Path:
        return self.dir / "log.parquet"

    @property
    def config(self) -> Path:
        return self.dir / "log.flowgap.toml"

    @property
    def ndjson(self) -> Path:
        return self.dir / "log.jira.ndjson"

    @property
    def ndjson_gz(self) -> Path:
        return self.dir / "log.jira.ndjson.gz"

    @property
    def transitions(self) -> Path:
        return self.dir / "log.transitions.csv"

    @property
    def has_json(self) -> bool:
        return self.ndjson.is_file()

    def files(self) -> dict[str, int]:
        return {p.name: p.stat().st_size for p in sorted(self.dir.iterdir()) if p.is_file()}


def version_dir() -> Path:
    return CACHE / f"flowgap-{flowgap.__version__}"


def events_per_item() -> float:
    """Measured once per version on a 3000-item simulation (the story item included)."""
    path = version_dir() / "calibration.json"
    if path.is_file():
        return float(json.loads(path.read_text())["events_per_item"])
    n = 3000
    sample = generate(n, SEED, story=True)
    ratio = sample.result.events.num_rows / n
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({"items": n, "events": sample.result.events.num_rows, "events_per_item": ratio})
    )
    return ratio


def items_for(size: str) -> int:
    return max(1, round(SIZES[size] / events_per_item()))


def dataset(size: str, log=print) -> Dataset:
    """The cached dataset of ``size``, generated when missing."""
    d = version_dir() / f"{size}-seed{SEED}"
    manifest = d / "manifest.json"
    if manifest.is_file():
        m = json.loads(manifest.read_text())
        return Dataset(size, d, m["items"], m["events"])
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    items = items_for(size)
    ds = Dataset(size, d, items, 0)
    t0 = time.perf_counter()
    log(f"[data] {size}: generating {items} items under {d.relative_to(HERE.parent.parent)}")
    write_sample(ds.parquet, items, SEED, "parquet", True)
    write_sample(ds.transitions, items, SEED, "transition-csv", True)
    if size in JSON_SIZES:
        write_sample(ds.ndjson, items, SEED, "jira-json", True)
        # the same bytes gzipped, as `flowgap pull` would write them
        with (
            ds.ndjson.open("rb") as src,
            ds.ndjson_gz.open("wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz,
        ):
            shutil.copyfileobj(src, gz, 1 << 20)
    import pyarrow.parquet as pq

    events = pq.ParquetFile(ds.parquet).metadata.num_rows
    gen_s = time.perf_counter() - t0
    manifest.write_text(
        json.dumps(
            {
                "size": size,
                "items": items,
                "events": events,
                "seed": SEED,
                "version": flowgap.__version__,
                "generate_s": round(gen_s, 1),
            }
        )
    )
    log(f"[data] {size}: {events} events in {gen_s:.0f} s")
    return Dataset(size, d, items, events)
