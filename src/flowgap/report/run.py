"""``flowgap analyze``: load, analyse, write the reports atomically, evaluate thresholds.

Exit code: 0 every threshold held, 1 a threshold failed. Bad usage, input or config raise a
``FlowgapError`` (the CLI prints one line and exits 2) before anything is written.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from ..config import Config
from ..engine.as_of import parse_as_of
from ..engine.findings import pct as share_of
from ..errors import InputError, UsageError
from ..locations import is_uri
from ..model import LoadResult
from ..progress import Steps, enabled
from . import csv_export, json_report, junit, markdown, thresholds
from .baseline import compare, read_baseline
from .fmt import days, pct, plural

if TYPE_CHECKING:
    from ..engine.parquet_source import ParquetSource

FORMATS = ("json", "md", "html", "csv", "junit")
ENGINES = ("duckdb", "spark")
FILES = {"md": "report.md", "html": "report.html", "junit": "junit.xml", "json": "report.json"}


def parse_formats(text: str) -> list[str]:
    wanted = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise UsageError(
            f"--format: unknown format {', '.join(map(repr, unknown)) or '(none)'}; "
            f"choose from {','.join(FORMATS)}"
        )
    return list(dict.fromkeys(wanted))


def _load(
    inputs: list[str | Path], config: Config, input_format: str | None, steps: Steps
) -> LoadResult:
    from ..ingest import combine_inputs, load_path

    if not inputs:
        raise UsageError("no input given")
    uris = [str(p) for p in inputs if is_uri(p)]
    if uris:
        raise UsageError(
            f"{uris[0]}: a URI is read by the cluster itself, only with --engine spark and one"
            " canonical Parquet input (flowgap convert output)"
        )
    results = []
    with steps.task("Loading inputs", total=len(inputs)) as advance:
        for path in inputs:
            results.append(load_path(Path(path), config, input_format))
            advance()
    return combine_inputs(results)


def direct_source(
    inputs: list[str | Path], engine: str, input_format: str | None
) -> ParquetSource | None:
    """The canonical Parquet that Spark reads itself, when that is what is given: one input,
    a URI, a Parquet dataset directory or a Parquet file, with ``--engine spark``. Anything
    else is loaded in this process."""
    from ..engine.parquet_source import source_of
    from ..ingest.detect import detect_format
    from ..ingest.parquet import is_dataset

    if engine != "spark" or len(inputs) != 1 or input_format not in (None, "parquet"):
        return None
    given = str(inputs[0])
    if is_uri(given):
        return source_of(given)
    path = Path(given)
    if is_dataset(path) or (path.is_file() and detect_format(path) == "parquet"):
        return source_of(given)
    return None


def known_names(analysis: object) -> dict[str, set[str]]:
    """Statuses and teams the data knows (a wait share absent for one of them is 0)."""
    statuses = set(analysis.status_classes.column("status").to_pylist())  # type: ignore[attr-defined]
    teams = set(analysis.teams.column("team").to_pylist())  # type: ignore[attr-defined]
    return {"status": {s for s in statuses if s}, "team": {t for t in teams if t}}


def write_reports(analysis: object, report: dict, out: Path, formats: list[str]) -> list[Path]:
    """Write the new report set into a folder beside ``out`` and switch the two in one step
    (``switch.exchange``): a reader sees the old set or the new one, never a mix. Files of the
    user's own in ``out`` are carried over (hard links); reports of formats not asked for this
    time go with the old set. A killed run leaves only a ``.<out>-<pid>-*`` folder, which the
    next run removes."""
    with report_folder(out) as folder:
        if "csv" in formats:
            folder.start_csvs(analysis)
        return folder.write(analysis, report, formats)


#: The decisions' tables written as CSVs (the reports list the first rows of each).
DECISION_TABLES = ("in_trouble", "service_levels")


class ReportFolder:
    """The folder the new report set is written into (``tmp``), beside ``out``."""

    def __init__(self, out: Path, tmp: Path) -> None:
        self.out, self.tmp = out, tmp
        self._csvs: Future | None = None

    def start_csvs(self, analysis: object) -> None:
        """Start writing the CSVs: Arrow converts and writes them without the GIL, beside
        the Python work of the other reports (the tables they need are computed by whichever
        reads them first)."""
        pool = ThreadPoolExecutor(1, thread_name_prefix="flowgap-csv")
        self._csvs = pool.submit(csv_export.write_csvs, analysis, self.tmp / "csv")  # type: ignore[arg-type]
        pool.shutdown(wait=False)

    def decision_csvs(self, decided: dict) -> None:
        """The decisions' tables as CSVs beside the analysis' (:data:`DECISION_TABLES`)."""
        for name in DECISION_TABLES:
            csv_export.write_csv(decided[name], self.tmp / "csv", name)

    def write(self, analysis: object, report: dict, formats: list[str]) -> list[Path]:
        """Write the reports of ``formats`` besides the CSVs (:meth:`start_csvs`), and wait
        for those; the paths they will have in ``out``."""
        try:
            written: list[str] = []
            renderers = {
                "md": lambda: markdown.render(report),
                "html": lambda: _html().render(report, analysis),  # type: ignore[arg-type]
                "junit": lambda: junit.render(report),
                "json": lambda: json_report.dumps(report),
            }
            for fmt in ("md", "html", "junit", "json"):
                if fmt in formats:
                    (self.tmp / FILES[fmt]).write_text(renderers[fmt](), encoding="utf-8")
                    written.append(FILES[fmt])
            if self._csvs is not None:
                self._csvs.result()
                written.insert(0, "csv")
            return [self.out / name for name in written]
        except OSError as exc:
            raise UsageError(
                f"--out: cannot write the reports into {self.out}: {exc.strerror}"
            ) from None

    def settle(self) -> None:
        """Wait for the CSVs, whatever became of them (before the folder is removed)."""
        if self._csvs is not None:
            wait([self._csvs])


#: The scratch folder of a run inside ``out`` (where ``out``'s parent may not be written).
INSIDE_PREFIX = ".flowgap-new-"


@contextmanager
def report_folder(out: Path) -> Iterator[ReportFolder]:
    """A folder beside ``out`` to write the new report set into, switched with ``out`` when
    the block ends without an error; removed in every case.

    Where the parent of an existing ``out`` may not be written (a folder of one's own in a
    shared one), the folder is made inside ``out`` and each report is then renamed into
    place on its own (``switch.put_in_place``): every report is whole, old or new, but for a
    moment the set may mix the two (``report.json`` goes last)."""
    from .. import scratch
    from .switch import carry_over, exchange, put_in_place, refuse_in_the_way

    out = Path(os.path.abspath(out))
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: {out} exists and is not a directory")
    here = Path.cwd().resolve()
    if out.exists() and (out.resolve() == here or out.resolve() in here.parents):
        # The folder is swapped for a new one: the shell would be left in a deleted folder.
        raise UsageError(
            f"--out: {out} is the current folder or holds it; give the reports a folder of "
            "their own (the default is flowgap-report)"
        )
    refuse_in_the_way(out, {"csv"}, set(FILES.values()))
    prefix = f".{out.name}-"
    inside = False
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        scratch.clean_stale(out.parent, prefix)
        tmp = scratch.make(out.parent, prefix, private=False)
    except PermissionError as exc:
        if not out.is_dir():
            raise UsageError(f"--out: cannot write into {out.parent}: {exc.strerror}") from None
        inside = True
    except OSError as exc:
        raise UsageError(f"--out: cannot write into {out.parent}: {exc.strerror}") from None
    try:
        scratch.clean_stale(out, INSIDE_PREFIX)  # a killed run's, in either case
        if inside:
            tmp = scratch.make(out, INSIDE_PREFIX, private=False)
    except OSError as exc:
        raise UsageError(f"--out: cannot write into {out}: {exc.strerror}") from None
    folder = ReportFolder(out, tmp)
    try:
        yield folder
        try:
            if inside:
                put_in_place(tmp, out, ["csv", *FILES.values()])
            elif out.is_dir():
                carry_over(out, tmp, keep_out={"csv", *FILES.values()})
                exchange(tmp, out)  # tmp now holds the previous set, removed below
            else:
                tmp.rename(out)
        except OSError as exc:
            raise UsageError(
                f"--out: cannot write the reports into {out}: {exc.strerror}"
            ) from None
    finally:
        folder.settle()
        shutil.rmtree(tmp, ignore_errors=True)


#: Data-quality warnings repeated on stderr (all of them are in report.json and report.md).
NOTICES_SHOWN = 3


def notice_lines(report: dict) -> list[str]:
    """What a CI log must not hide: rejected records and data-quality warnings."""
    lines = []
    read = sum(i["records_read"] for i in report["inputs"])
    if report["rejects"]:
        part = f" ({share_of(report['rejects'] / read)})" if read else ""
        lines.append(
            f"flowgap: warning: {report['rejects']:,} of {read:,} input records rejected{part};"
            " `flowgap inspect` lists them with their reasons"
        )
    warnings = report["warnings"]
    lines += [f"flowgap: warning: {w['message']}" for w in warnings[:NOTICES_SHOWN]]
    more = report["warnings_total"] - min(len(warnings), NOTICES_SHOWN)
    if more > 0:
        lines.append(f"flowgap: {plural(more, 'more warning')} in report.json")
    return lines


def summary_line(report: dict, out: Path) -> str:
    s = report["summary"]
    fe = s["flow_efficiency"]
    th = report["thresholds"]
    text = f"flowgap: {s['items']['total']:,} items"
    if report["has_history"]:
        text += f", flow efficiency {pct(fe['median'])} median / {pct(fe['pooled'])} pooled"
    else:
        text += " (no status history: lead time only)"
    text += f", lead time p85 {days(s['lead_time']['p85'])}"
    if th["results"]:
        text += f"; {plural(th['held'], 'threshold')} held, {th['failed']} failed"
    return text + f" -> {out.as_posix().rstrip('/')}/"


def run_analyze(
    inputs: list[str | Path],
    config: Config,
    input_format: str | None,
    out: Path,
    formats: str,
    fail_on: list[str],
    baseline: Path | None,
    as_of: str | None,
    engine: str,
    quiet: bool,
) -> int:
    # Everything the user typed is checked before the (possibly long) load.
    wanted = parse_formats(formats)
    if engine not in ENGINES:
        raise UsageError(f"--engine: unknown engine {engine!r}; choose duckdb or spark")
    parsed = [thresholds.parse(text) for text in fail_on]
    if any(t.relative for t in parsed) and baseline is None:
        raise UsageError("--fail-on: a threshold relative to 'baseline' needs --baseline")
    base_report = read_baseline(baseline) if baseline is not None else None
    if config.engine.tables_out is not None:
        from .tables_out import check_location

        check_location(config.engine.tables_out)
    if as_of is not None:
        config = config.model_copy(deep=True)
        config.flow.as_of = parse_as_of(as_of)

    from ..mining import pm4py_worker

    # pm4py imports on another core while this process loads and runs the engine.
    pm4py_worker.start()
    try:
        return _analyze_and_write(
            list(inputs), config, input_format, out, wanted, parsed, base_report, engine, quiet
        )
    finally:
        pm4py_worker.stop()


def _analyze_and_write(
    inputs: list[str | Path],
    config: Config,
    input_format: str | None,
    out: Path,
    wanted: list[str],
    parsed: list[thresholds.Threshold],
    base_report: dict | None,
    engine: str,
    quiet: bool,
) -> int:
    from .. import analyze
    from ..decisions.headline import decide
    from ..mining import PM4PY_STEPS, pm4py_worker

    with Steps(enabled(quiet)) as steps:
        source = direct_source(inputs, engine, input_format or config.input.format)
        if source is None:
            result = _load(inputs, config, input_format, steps)
            # An export that went bad must fail the CI job, not pass with an empty report.
            empty = result.nothing_loaded()
            if empty is not None:
                raise InputError(", ".join(Path(p).name for p in inputs), empty)
        with steps.task("Analysing", total=None):
            # Canonical Parquet with --engine spark: the cluster reads it (an empty one fails
            # there the same way).
            analysis = analyze(result if source is None else source, config, engine=engine)
            if pm4py_worker.running():
                analysis.prefetch(PM4PY_STEPS)  # pm4py's process works while this one goes on
        if config.engine.tables_out is not None:
            from .tables_out import write_tables

            with steps.task("Writing the large tables", total=None):
                write_tables(analysis, config.engine.tables_out)
        with report_folder(out) as folder:
            if "csv" in wanted:
                folder.start_csvs(analysis)  # beside the forecasts and the other reports
            with steps.task("Forecasts, service levels and what-ifs", total=None):
                decided = decide(analysis)
            if "csv" in wanted:
                folder.decision_csvs(decided)
            outcomes = thresholds.evaluate(
                parsed,
                decided["summary"],
                base_report["summary"] if base_report else None,
                known_names(analysis),
            )
            baseline_section = None
            if base_report is not None:
                current_tables = {
                    name: json_report.table_rows(analysis.table(name))
                    for name in ("stages", "teams", "handoffs")
                }
                summary = json_report.normalise(decided["summary"])
                baseline_section = compare(current_tables, summary, base_report)  # type: ignore[arg-type]
            report = json_report.build_report(analysis, outcomes, baseline_section, decided)
            folder.write(analysis, report, wanted)
    for line in [summary_line(report, out), *notice_lines(report)]:
        print(line, file=sys.stderr)
    return 1 if any(not o.held for o in outcomes) else 0


def _html() -> ModuleType:
    """The HTML writer, imported only when asked for: it brings plotly and every figure (~2 s)."""
    from . import html

    return html
