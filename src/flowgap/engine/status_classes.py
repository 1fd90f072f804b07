"""The status -> class mapping used by an analysis, with where each class came from."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ..config import Config
from ..model import LoadResult
from .schemas import STATUS_CLASSES


def build_status_classes(result: LoadResult, config: Config) -> pa.Table:
    """One row per status seen in the data or named in the config.

    ``events`` counts entries into the status (status events); without history (UI CSV) it
    counts the items currently in it, since each of them entered it once.
    """
    counts: dict[str, int] = {}
    if result.has_history and result.events.num_rows:
        events = result.events
        values = events.column("value").filter(pc.equal(events.column("field"), "status"))
        values = values.drop_null()
        if len(values):
            vc = pc.value_counts(values)
            for name, n in zip(
                vc.field("values").to_pylist(), vc.field("counts").to_pylist(), strict=True
            ):
                counts[name] = int(n)
    current = result.items.column("current_status").drop_null() if result.items.num_rows else []
    for name in pa.array(current, pa.string()).to_pylist():
        if result.has_history:
            counts.setdefault(name, 0)
        else:
            counts[name] = counts.get(name, 0) + 1
    for name in config.statuses.classes:
        counts.setdefault(name, 0)
    rows = []
    for name in sorted(counts):
        category = result.status_categories.get(name)
        cls, guessed = config.status_class(name, category)
        rows.append(
            {
                "status": name,
                "class": cls,
                "guessed": guessed,
                "category": category,
                "events": counts[name],
            }
        )
    return pa.Table.from_pylist(rows, schema=STATUS_CLASSES)


def class_map(status_classes: pa.Table) -> dict[str, str]:
    return dict(
        zip(
            status_classes.column("status").to_pylist(),
            status_classes.column("class").to_pylist(),
            strict=True,
        )
    )
