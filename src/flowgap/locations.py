"""Where an input or an output lives: a local path, or a URI the cluster reaches.

One rule for every place that must tell them apart (the Spark engine's inputs, its staging
folder, ``--tables-out``, the report's list of inputs): a location with a scheme
(``hdfs://``, ``s3a://``, ``abfss://``, ``file:///``) is a URI and is kept as given; anything
else is a path of this machine.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import UsageError


def is_uri(location: str | os.PathLike[str]) -> bool:
    """Whether ``location`` is a URI (``scheme://...``) rather than a local path."""
    return "://" in str(location)


def local_output(option: str, location: str) -> Path:
    """``location`` as a path of this machine, for an output written only here; a URI is a
    usage error (a ``Path`` would fold ``s3a://b/x`` into ``s3a:/b/x``, a local folder)."""
    if is_uri(location):
        raise UsageError(
            f"{option} {location}: a URI; this writes on this machine only: give a local path"
            " and copy the result (hdfs dfs -put, aws s3 cp --recursive, azcopy)"
        )
    return Path(location)
