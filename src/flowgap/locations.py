"""Where an input or an output lives: a local path, or a URI the cluster reaches.

One rule for every place that must tell them apart (the Spark engine's inputs, its staging
folder, ``--tables-out``, the report's list of inputs): a location with a scheme
(``hdfs://``, ``s3a://``, ``abfss://``, ``file:///``) is a URI and is kept as given; anything
else is a path of this machine.
"""

from __future__ import annotations

import os


def is_uri(location: str | os.PathLike[str]) -> bool:
    """Whether ``location`` is a URI (``scheme://...``) rather than a local path."""
    return "://" in str(location)
