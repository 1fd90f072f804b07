"""``write_sample``: one simulated log in one input format, streamed item by item, with its
ground truth (``<name>.truth.csv``) and the configuration to analyse it
(``<name>.flowgap.toml``) beside it. ``<name>`` is the output's file name without its format
extensions (``story.jira.ndjson.gz`` -> ``story.jira``).

Which truth columns a format can reproduce: Jira JSON and Parquet keep everything; transition
CSV, generic CSV and XES have no flags, labels or comments, so their truth counts flagged time
as touch and only Steering Review entries as steering touches; the Jira UI CSV has no history,
so only ``created``, ``delivered``, ``is_open`` and ``lead_time_s`` are filled.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import orjson

from ..errors import InputError, UsageError
from ..outputs import atomic_write, check_targets
from ..units import US
from . import event_formats as ev
from . import jira_formats as jira
from . import workflow as wf
from .clock import Clock
from .scale import BASE, Shape, check, config_toml, widen
from .sim_item import SimItem
from .simulate import NO_CHANGE, OrgChange, simulate
from .truth import (
    FULL,
    NO_HISTORY,
    RULES,
    STATUS_ONLY,
    TRUTH_SCHEMA,
    Caps,
    Rules,
    lead_only,
    partial,
    rules_from_config,
)

FORMATS = ("jira-json", "jira-csv", "transition-csv", "csv", "xes", "parquet")
_FORMAT_SUFFIXES = {".json", ".ndjson", ".jsonl", ".csv", ".xes", ".parquet", ".gz"}


def base_name(out: Path) -> str:
    """``story.jira.ndjson.gz`` -> ``story.jira``; ``sample.xes.gz`` -> ``sample``."""
    name = out.name
    while True:
        stem, dot, ext = name.rpartition(".")
        if not dot or not stem or f".{ext.lower()}" not in _FORMAT_SUFFIXES:
            return name
        name = stem
        if f".{ext.lower()}" != ".gz":
            return name


@contextmanager
def _open_text(path: Path) -> Iterator[IO[str]]:
    """A text file, gzipped (reproducibly: no name, no time in the header) for ``.gz``."""
    if path.suffix == ".gz":
        with (
            path.open("wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz,
            io.TextIOWrapper(gz, encoding="utf-8", newline="") as fh,
        ):
            yield fh
    else:
        with path.open("w", encoding="utf-8", newline="") as fh:
            yield fh


@contextmanager
def _open_binary(path: Path) -> Iterator[IO[bytes]]:
    if path.suffix == ".gz":
        with (
            path.open("wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz,
        ):
            yield gz  # type: ignore[misc]
    else:
        with path.open("wb") as fh:
            yield fh


class _Truth:
    """Per-format truth, finished once the format's latest event (as_of) is known."""

    def __init__(self, caps: Caps, rules: Rules = RULES) -> None:
        self.caps = caps
        self.rules = rules
        self.partials: list = []
        self.as_of = 0

    def add(self, it: SimItem) -> None:
        if not self.caps.history:
            self.partials.append(lead_only(it))
            return
        self.partials.append(
            it.checked if self.caps == FULL and it.checked else partial(it, self.rules, self.caps)
        )
        last = it.last if self.caps.comments else ev.last_status_moment(it)
        self.as_of = max(self.as_of, last)

    def rows(self) -> list[dict]:
        if not self.caps.history:
            return self.partials
        return [p.finish(self.as_of) for p in self.partials]


def format_for(out: Path) -> str:
    """The sample format a file name asks for: .xes(.gz) XES, .parquet Parquet, .json/.ndjson
    (.gz) Jira JSON. A .csv name fits three formats: it needs ``--format``."""
    name = Path(out).name.lower().removesuffix(".gz")
    if name.endswith(".xes"):
        return "xes"
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith((".json", ".ndjson", ".jsonl")):
        return "jira-json"
    if name.endswith(".csv"):
        raise UsageError(
            f"{Path(out).name}: a .csv sample needs --format transition-csv, csv or jira-csv"
        )
    raise UsageError(f"{Path(out).name}: say which format with --format ({', '.join(FORMATS)})")


def write_sample(
    out: Path,
    items: int = 200,
    seed: int = 1,
    format: str | None = None,
    story: bool = True,
    change: OrgChange = NO_CHANGE,
    shape: Shape = BASE,
) -> list[Path]:
    """Write a simulated log; returns the log, its truth CSV and its flowgap.toml. Without
    ``format`` the file name decides (:func:`format_for`); ``change`` simulates the same
    organisation with a change applied; ``shape`` a bigger organisation (``scale.py``,
    Jira JSON only)."""
    if format is None:
        format = format_for(out)
    if format not in FORMATS:
        raise UsageError(f"unknown sample format {format!r}; known: {', '.join(FORMATS)}")
    if items < 1:
        raise UsageError(f"--items must be at least 1, got {items}")
    if (problem := check(shape)) is not None:
        raise UsageError(problem)
    if not shape.is_base and format != "jira-json":
        raise UsageError("--teams and --statuses are written as Jira JSON only (jira-json)")
    out = Path(out)
    if out.is_dir():
        raise UsageError(f"{out}: is a directory; give the file to write")
    check_targets(_targets(out, format))
    try:
        return _write(out, items, seed, format, story, change, shape)
    except OSError as exc:
        raise InputError(exc.filename or out, f"cannot write: {exc.strerror or exc}") from None


def _write(
    out: Path,
    items: int,
    seed: int,
    format: str,
    story: bool,
    change: OrgChange,
    shape: Shape = BASE,
) -> list[Path]:
    out.parent.mkdir(parents=True, exist_ok=True)
    clock = Clock(wf.ZONE)
    stream = widen(simulate(items, seed, story, change), shape)
    writer, caps, config_text = _WRITERS[format]
    truth = _Truth(caps, _rules(shape))
    if not shape.is_base:
        config_text = functools.partial(config_toml, shape)

    def tracked() -> Iterator[SimItem]:
        for it in stream:
            truth.add(it)
            yield it

    if format == "parquet":  # write_parquet is atomic itself
        written = writer(out, tracked(), clock)
    else:
        # an interrupted run must not leave a log that looks complete: write, then rename
        atomic_write(out, lambda tmp: writer(tmp, tracked(), clock))
        written = [out]
    _, truth_path, config_path = _companions(out)
    atomic_write(truth_path, lambda tmp: write_truth(tmp, truth.rows()))
    atomic_write(config_path, lambda tmp: tmp.write_text(config_text(), encoding="utf-8"))
    return [*written, truth_path, config_path]


def _companions(out: Path) -> tuple[Path, Path, Path]:
    """The log, its truth and its configuration."""
    name = base_name(out)
    return out, out.with_name(f"{name}.truth.csv"), out.with_name(f"{name}.flowgap.toml")


def _targets(out: Path, format: str) -> list[Path]:
    """Every file a sample run writes (a Parquet sample has its items and rejects beside)."""
    if format != "parquet":
        return list(_companions(out))
    from ..ingest.parquet import items_path, rejects_path

    return [*_companions(out), items_path(out), rejects_path(out)]


# --------------------------------------------------------------------------- formats


def _jira_json(out: Path, stream: Iterator[SimItem], clock: Clock) -> list[Path]:
    """``.json``: one search-response page, v3 (ADF) comments, newest-first histories (Jira
    Cloud). Otherwise NDJSON, one issue per line with ``names``, v2 text comments, oldest-first
    histories (Jira Server / Data Center)."""
    page = out.name.removesuffix(".gz").endswith(".json")
    names = orjson.dumps(jira.NAMES)
    with _open_binary(out) as fh:
        if page:
            fh.write(b'{"expand":"names,schema","startAt":0,"issues":[\n')
            n = 0
            for it in stream:
                if n:
                    fh.write(b",\n")
                fh.write(orjson.dumps(jira.issue(it, clock, adf=True, newest_first=True)))
                n += 1
            fh.write(b'\n],"maxResults":%d,"total":%d,"names":%s}\n' % (n, n, names))
        else:
            for it in stream:
                doc = jira.issue(it, clock, adf=False, newest_first=False)
                doc["names"] = jira.NAMES
                fh.write(orjson.dumps(doc))
                fh.write(b"\n")
    return [out]


def _jira_csv(out: Path, stream: Iterator[SimItem], clock: Clock) -> list[Path]:
    with _open_text(out) as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(jira.UI_HEADER)
        for it in stream:
            w.writerow(jira.ui_row(it, clock))
    return [out]


def _transition_csv(out: Path, stream: Iterator[SimItem], clock: Clock) -> list[Path]:
    with _open_text(out) as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(ev.TRANSITION_HEADER)
        for it in stream:
            w.writerows(ev.transition_rows(it, clock))
    return [out]


def _event_csv(out: Path, stream: Iterator[SimItem], clock: Clock) -> list[Path]:
    counter = [0]
    with _open_text(out) as fh:
        w = csv.writer(fh, delimiter=";", lineterminator="\n")
        w.writerow(ev.EVENT_CSV_HEADER)
        for it in stream:
            w.writerows(ev.event_csv_rows(it, clock, counter))
    return [out]


def _xes(out: Path, stream: Iterator[SimItem], clock: Clock) -> list[Path]:
    with _open_text(out) as fh:
        fh.write(ev.XES_HEAD)
        for it in stream:
            fh.write(ev.xes_trace(it, clock))
        fh.write(ev.XES_TAIL)
    return [out]


def _parquet(out: Path, stream: Iterator[SimItem], clock: Clock) -> list[Path]:
    try:
        from ..ingest.parquet import write_parquet
    except ImportError:
        raise UsageError("parquet output needs flowgap.ingest.parquet, not available") from None
    from ..model import LoadResult, sort_events
    from .canonical import Columns

    cols = Columns("generated")
    for it in stream:
        cols.add(it)
    events, items = cols.tables()
    categories = {name: wf.STATUS_CATEGORY[name] for name in wf.CLASSES}
    result = LoadResult(events=sort_events(events), items=items, status_categories=categories)
    return [Path(p) for p in write_parquet(result, out)]


def _rules(shape: Shape) -> Rules:
    if shape.is_base:
        return RULES
    from ..config import Config

    return rules_from_config(Config.from_dict(tomllib.loads(config_toml(shape)), "sample"))


def _sample_toml() -> str:
    return wf.SAMPLE_CONFIG_TOML


_WRITERS: dict[str, tuple[Callable[..., list[Path]], Caps, Callable[[], str]]] = {
    "jira-json": (_jira_json, FULL, _sample_toml),
    "jira-csv": (_jira_csv, NO_HISTORY, _sample_toml),
    "transition-csv": (_transition_csv, STATUS_ONLY, _sample_toml),
    "csv": (_event_csv, STATUS_ONLY, ev.event_csv_config),
    "xes": (_xes, STATUS_ONLY, _sample_toml),
    "parquet": (_parquet, FULL, _sample_toml),
}


# --------------------------------------------------------------------------- truth


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def write_truth(path: Path, rows: list[dict]) -> None:
    """CSV, one row per item; timestamps ISO 8601 UTC, durations in seconds, empty = null."""
    ts_cols = {f.name for f in TRUTH_SCHEMA if str(f.type).startswith("timestamp")}
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(TRUTH_SCHEMA.names)
        for row in rows:
            cells = []
            for name in TRUTH_SCHEMA.names:
                v = row[name]
                if name in ts_cols and v is not None:
                    v = datetime.fromtimestamp(v / US, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                cells.append(_cell(v))
            w.writerow(cells)
