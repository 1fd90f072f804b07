"""``flowgap convert --dataset``: many inputs into one canonical Parquet dataset, one input at a
time.

The events go to a directory (``events.parquet/``), hive-partitioned by the item's project
and the event's month (``project=ABC/month=2024-01/part-00003-0.parquet``, UTC months), the
items to its sibling ``events.items.parquet/`` (one file per input, unpartitioned: one row per
item), the rejects of every input to ``events.rejects.csv``. Only one input's tables are in
memory at a time; what is kept across inputs is the item keys already written (an item in
several inputs keeps the attributes of the first, as a combined load does: its events are all
written) and the rejects.

Each input is checked as ``flowgap analyze`` checks it (its loader's rules, then the time span
of :mod:`flowgap.time_span` over that input); the time span of the whole dataset is checked
again when it is analysed. The dataset appears complete or not at all: it is written beside
its target and moved into place at the end.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ..config import Config
from ..errors import InputError, UsageError
from ..model import EVENTS_SCHEMA, Reject
from ..outputs import check_targets
from .parquet import (
    canonical_order,
    is_dataset,
    items_path,
    rejects_path,
    with_kind,
    write_rejects,
)

#: What the events may be partitioned by: the item's project, the event's month (UTC).
PARTITIONS = ("project", "month")


@dataclass
class DatasetWritten:
    """What ``write_dataset`` wrote and counted."""

    paths: list[Path]
    inputs: int
    events: int
    items: int
    rejects: int


def parse_partitions(text: str) -> tuple[str, ...]:
    wanted = tuple(p.strip().lower() for p in text.split(",") if p.strip())
    unknown = [p for p in wanted if p not in PARTITIONS]
    if unknown:
        raise UsageError(
            f"--partition-by: unknown {', '.join(map(repr, unknown))}; choose from "
            f"{','.join(PARTITIONS)} (or '' for none)"
        )
    return tuple(dict.fromkeys(wanted))


def input_files(paths: Sequence[Path]) -> list[tuple[Path, bool]]:
    """Every input, directories expanded into their files (a Parquet dataset is one input),
    each with whether it was named on the command line."""
    from . import directory_inputs

    files: list[tuple[Path, bool]] = []
    for path in paths:
        path = Path(path)
        if path.is_dir() and not is_dataset(path):
            files += [(file, False) for file in directory_inputs(path)]
        else:
            files.append((path, True))
    return files


def write_dataset(
    paths: Sequence[Path],
    out: Path,
    config: Config,
    format: str | None = None,
    partition_by: Sequence[str] = PARTITIONS,
) -> DatasetWritten:
    """Convert every input into the dataset ``out`` (see the module's docstring)."""
    import pyarrow.dataset as ds

    from . import combine_inputs, load_or_reject, load_path

    out = Path(out)
    files = input_files(paths)
    if not files:
        raise UsageError("no input given")
    items_out = items_path(out)
    check_targets([rejects_path(out)], folders=[out, items_out])
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(out.parent, f"cannot create output directory: {exc.strerror}") from None
    tmp_events = out.with_name(f".{out.name}.tmp")
    tmp_items = items_out.with_name(f".{items_out.name}.tmp")
    for tmp in (tmp_events, tmp_items):
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
    partitioning = (
        ds.partitioning(pa.schema([(p, pa.string()) for p in partition_by]), flavor="hive")
        if partition_by
        else None
    )
    seen: set[str] = set()
    rejects: list[Reject] = []
    n_events = n_items = 0
    try:
        for i, (path, named) in enumerate(files):
            # One input in memory: loaded, checked over its own time span, written. As in a
            # combined load, a file named on the command line that cannot be read is an
            # error; one found in a directory is a rejected record.
            load_one = load_path if named else load_or_reject
            result = combine_inputs([load_one(path, config, format)])
            rejects += result.rejects
            events = canonical_order(result.events.cast(EVENTS_SCHEMA))
            items = result.items
            if events.num_rows:
                table = _with_partitions(events, items, partition_by)
                ds.write_dataset(
                    with_kind(table, "events"),
                    tmp_events,
                    format="parquet",
                    partitioning=partitioning,
                    basename_template=f"part-{i:05d}-{{i}}.parquet",
                    existing_data_behavior="overwrite_or_ignore",
                    file_options=ds.ParquetFileFormat().make_write_options(compression="zstd"),
                )
                n_events += events.num_rows
            if items.num_rows:
                keys = items.column("item")
                new = pc.invert(pc.is_in(keys, value_set=pa.array(sorted(seen), pa.string())))
                items = items.filter(new)
                seen.update(items.column("item").to_pylist())
            if items.num_rows:
                import pyarrow.parquet as pq

                pq.write_table(
                    with_kind(items, "items"),
                    tmp_items / f"part-{i:05d}.parquet",
                    compression="zstd",
                )
                n_items += items.num_rows
        written = [out, items_out]
        for target, tmp in ((out, tmp_events), (items_out, tmp_items)):
            _replace(target, tmp)
        written += write_rejects(out, rejects)
    except OSError as exc:
        raise InputError(out, f"cannot write: {exc.strerror or exc}") from None
    finally:
        for tmp in (tmp_events, tmp_items):
            shutil.rmtree(tmp, ignore_errors=True)
    return DatasetWritten(written, len(files), n_events, n_items, len(rejects))


def _with_partitions(events: pa.Table, items: pa.Table, partition_by: Sequence[str]) -> pa.Table:
    """``events`` plus the partition columns: the item's project, the event's UTC month."""
    table = events
    if "project" in partition_by:
        project = pa.nulls(events.num_rows, pa.string())
        if items.num_rows and "project" in items.column_names:
            at = pc.index_in(events.column("item"), value_set=items.column("item"))
            project = pc.take(items.column("project").cast(pa.string()), at)
        table = table.append_column("project", project)
    if "month" in partition_by:
        table = table.append_column("month", pc.strftime(events.column("ts"), format="%Y-%m"))
    return table


def _replace(target: Path, tmp: Path) -> None:
    """Move the finished ``tmp`` to ``target``, replacing a file or dataset there."""
    if target.is_dir() and not target.is_symlink():
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
        tmp.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        target.unlink(missing_ok=True)
        tmp.rename(target)
