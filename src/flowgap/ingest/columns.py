"""Events collected straight into Arrow-ready column lists (one list per canonical column):
several times cheaper than a dict per event for loaders that emit hundreds of thousands."""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa

from ..model import EVENTS_SCHEMA, LoadResult, sort_events


class EventColumns:
    """Appends events and numbers same-timestamp events of one item in arrival order."""

    def __init__(self) -> None:
        self.item: list[str] = []
        self.ts: list[datetime] = []
        self.seq: list[int] = []
        self.field: list[str] = []
        self.value: list[str | None] = []
        self.prev: list[str | None] = []
        self.actor: list[str | None] = []
        self.source: list[str | None] = []
        self._seqs: dict[datetime, int] = {}
        self._item: str | None = None

    def add(
        self,
        item: str,
        ts: datetime,
        field: str,
        value: str | None,
        prev: str | None,
        actor: str | None,
        source: str | None,
    ) -> None:
        """Events of one item must be added together, in (ts, source order) order."""
        if item != self._item:
            self._item = item
            self._seqs = {}
        seq = self._seqs.get(ts, 0)
        self._seqs[ts] = seq + 1
        self.item.append(item)
        self.ts.append(ts)
        self.seq.append(seq)
        self.field.append(field)
        self.value.append(value)
        self.prev.append(prev)
        self.actor.append(actor)
        self.source.append(source)

    def table(self) -> pa.Table:
        columns = [
            self.item,
            self.ts,
            self.seq,
            self.field,
            self.value,
            self.prev,
            self.actor,
            self.source,
        ]
        return sort_events(
            pa.table(dict(zip(EVENTS_SCHEMA.names, columns, strict=True)), schema=EVENTS_SCHEMA)
        )

    def into(self, result: LoadResult) -> LoadResult:
        result.events = self.table()
        return result
