"""``--tables-out``: the large tables of an analysis (timeline, stints, items) as Parquet, for
whatever reads them next (a notebook, the cluster, a warehouse).

``<tables_out>/timeline.parquet``, ``stints.parquet`` and ``items.parquet``, in the columns
and types of their schemas (docs/metrics.md), written to a local folder or a URI pyarrow's
file systems reach (``hdfs://``, ``s3a://`` as S3, ``abfss://``). Each file is written under a
temporary name and then moved into place (on object stores, where a move is a copy, it is
written in place).
"""

from __future__ import annotations

import os
from typing import Any

import pyarrow.parquet as pq

from ..engine.backend import filesystem_of
from ..errors import UsageError
from ..locations import is_uri

#: The tables written, by their name in an analysis.
TABLES_OUT = ("timeline", "stints", "items")


def write_tables(analysis: Any, where: str) -> list[str]:
    """Write :data:`TABLES_OUT` of ``analysis`` into the folder or URI ``where``."""
    filesystem, root = filesystem_of(where if is_uri(where) else os.path.abspath(where))
    root = root.rstrip("/")
    written = []
    try:
        filesystem.create_dir(root, recursive=True)
        for name in TABLES_OUT:
            target = f"{root}/{name}.parquet"
            tmp = f"{root}/.{name}.parquet.tmp"
            pq.write_table(analysis.table(name), tmp, filesystem=filesystem, compression="zstd")
            filesystem.move(tmp, target)
            written.append(target)
    except (OSError, ValueError) as exc:
        raise UsageError(f"--tables-out: cannot write into {where}: {exc}") from None
    return written
