"""Every table of an analysis, by name: the engine's and those the mining layer adds.

What the reports write and the dashboard reads; each schema is defined beside the step that
makes its table.
"""

from __future__ import annotations

import pyarrow as pa

from .engine.schemas import TABLES as ENGINE_TABLES
from .mining import TABLES as MINING_TABLES

TABLES: dict[str, pa.Schema] = {**ENGINE_TABLES, **MINING_TABLES}
