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
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pyarrow as pa
import pyarrow.parquet as pq

from ..engine.backend import filesystem_of
from ..errors import UsageError
from ..locations import is_uri

#: The tables written, by their name in an analysis.
TABLES_OUT = ("timeline", "stints", "items")


def _cannot(where: str, exc: BaseException | str) -> UsageError:
    # pyarrow's messages may span lines (an S3 error with its details): the error is one line.
    problem = " ".join(str(getattr(exc, "strerror", None) or exc).split())
    return UsageError(f"--tables-out: cannot write into {where}: {problem}")


def check_location(where: str) -> None:
    """Fail now, before the analysis and its reports, when ``where`` cannot be written: a URI
    of no file system pyarrow knows or reaches, or a local path under a file or a folder
    this user cannot write. Nothing is created."""
    if is_uri(where):
        try:
            _probe_s3(where)
            filesystem_of(where)
        except (OSError, pa.ArrowException, ValueError) as exc:
            raise _cannot(where, exc) from None
        return
    path = Path(where).absolute()
    existing = next(p for p in (path, *path.parents) if p.exists())
    if not existing.is_dir():
        raise _cannot(where, f"{existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise _cannot(where, f"{existing} is not writable")


def _probe_s3(where: str) -> None:
    """Raise pyarrow's OSError when the S3 endpoint of ``where`` cannot be reached at all.

    Measured without network: pyarrow's ``FileSystem.from_uri`` asks S3 for the bucket's
    region when the URI names none, and that request, like every request of a file system
    made from a URI, runs under the AWS SDK's own retries: 6.5 s to fail (9 to 12 s for the
    whole command); given a region, it is made without a request, and an endpoint nobody
    answers failed only after the analysis. The same settings (read back from pyarrow, as it
    pickles them) in ``S3FileSystem``, whose retries are pyarrow's (three attempts), fail one
    request in about 1 s. Only a connection failure counts: any answer (a bucket in another
    region, access denied) means S3 is there, and what follows decides."""
    parts = urlsplit(where)
    if parts.scheme not in ("s3", "s3a"):
        return
    if "region" not in parse_qs(parts.query):  # any will do to reach the endpoint
        where += ("&" if parts.query else "?") + "region=us-east-1"
    filesystem, path = filesystem_of(where)
    try:
        settings = filesystem.__reduce__()[1][0]
        probe = type(filesystem)(**settings)
    except (AttributeError, IndexError, KeyError, TypeError):
        return  # another pyarrow: no probe, the check stays as slow as it was
    try:
        probe.get_file_info(path.partition("/")[0])
    except OSError as exc:
        if "NETWORK_CONNECTION" in str(exc):
            raise


def write_tables(analysis: Any, where: str) -> list[str]:
    """Write :data:`TABLES_OUT` of ``analysis`` into the folder or URI ``where``."""
    written = []
    try:
        filesystem, root = filesystem_of(where if is_uri(where) else os.path.abspath(where))
        root = root.rstrip("/")
        filesystem.create_dir(root, recursive=True)
        for name in TABLES_OUT:
            target = f"{root}/{name}.parquet"
            tmp = f"{root}/.{name}.parquet.tmp"
            pq.write_table(analysis.table(name), tmp, filesystem=filesystem, compression="zstd")
            filesystem.move(tmp, target)
            written.append(target)
    except (OSError, pa.ArrowException, ValueError) as exc:
        raise _cannot(where, exc) from None
    return written
