"""Simulated items as the canonical ``events``/``items`` tables, exactly as the Jira JSON loader
emits them (team conventions): ``created`` and the initial ``status`` (seq 0, 1) and the
initial labels at creation, with no actor; then every changelog item in history order (labels:
one event per label added, then per label removed); then the comments. ``seq`` runs over the
item in that order.

Columns are gathered in plain lists and turned into Arrow per chunk, so a 10M-event log never
exists as Python objects all at once.
"""

from __future__ import annotations

import pyarrow as pa

from ..model import EVENTS_SCHEMA, ITEMS_SCHEMA, TS
from . import workflow as wf
from .sim_item import SimItem

_US = 60_000_000  # microseconds per minute


class Columns:
    """Accumulates canonical rows of items, flushed to Arrow tables per chunk."""

    def __init__(self, source_name: str) -> None:
        self.source_name = source_name
        self.events: list[pa.Table] = []
        self.items: list[pa.Table] = []
        self._reset()

    def _reset(self) -> None:
        self.e_item: list[str] = []
        self.e_ts: list[int] = []
        self.e_seq: list[int] = []
        self.e_field: list[str] = []
        self.e_value: list[str | None] = []
        self.e_prev: list[str | None] = []
        self.e_actor: list[str | None] = []
        self.e_source: list[str] = []
        self.i_rows: list[dict] = []

    @property
    def pending(self) -> int:
        return len(self.e_item)

    def add(self, it: SimItem) -> None:
        key = it.key
        src = f"{self.source_name}:{key}"
        ts, fld, val, prv, act, sources = (
            self.e_ts,
            self.e_field,
            self.e_value,
            self.e_prev,
            self.e_actor,
            self.e_source,
        )
        n0 = len(ts)
        created = it.created * _US
        k = 2 + len(it.labels0)
        ts.extend([created] * k)
        fld.extend(("created", "status"))
        val.extend((None, wf.BACKLOG))
        for label in it.labels0:
            fld.append("label")
            val.append(label)
        prv.extend([None] * k)
        act.extend([None] * k)
        sources.extend([src] * k)
        for h in it.hists:
            t = h.t * _US
            hsrc = f"{src}#{h.hid}"
            author = h.author
            for name, old, new in h.changes:
                if name == "labels":
                    added = [x for x in new if x not in old]  # type: ignore[union-attr,operator]
                    gone = [x for x in old if x not in new]  # type: ignore[union-attr,operator]
                    m = len(added) + len(gone)
                    ts.extend([t] * m)
                    fld.extend(["label"] * m)
                    val.extend(added + [None] * len(gone))
                    prv.extend([None] * len(added) + gone)
                    act.extend([author] * m)
                    sources.extend([hsrc] * m)
                    continue
                if name == "flag":
                    new = wf.FLAG_VALUE if new else None
                    old = wf.FLAG_VALUE if old else None
                ts.append(t)
                fld.append(name)
                val.append(new)  # type: ignore[arg-type]
                prv.append(old)  # type: ignore[arg-type]
                act.append(author)
                sources.append(hsrc)
        for c in it.comments:
            ts.append(c.t * _US)
            fld.append("comment")
            val.append(c.text)
            prv.append(None)
            act.append(c.author)
            sources.append(f"{src}#comment-{c.cid}")
        n = len(ts) - n0
        self.e_item.extend([key] * n)
        self.e_seq.extend(range(n))
        self.i_rows.append(item_row(it))

    def flush(self) -> None:
        if not self.e_item and not self.i_rows:
            return
        self.events.append(
            pa.table(
                {
                    "item": pa.array(self.e_item, pa.string()),
                    "ts": pa.array(self.e_ts, pa.int64()).cast(TS),
                    "seq": pa.array(self.e_seq, pa.int64()),
                    "field": pa.array(self.e_field, pa.string()),
                    "value": pa.array(self.e_value, pa.string()),
                    "prev": pa.array(self.e_prev, pa.string()),
                    "actor": pa.array(self.e_actor, pa.string()),
                    "source": pa.array(self.e_source, pa.string()),
                },
                schema=EVENTS_SCHEMA,
            )
        )
        self.items.append(pa.Table.from_pylist(self.i_rows, schema=ITEMS_SCHEMA))
        self._reset()

    def tables(self) -> tuple[pa.Table, pa.Table]:
        self.flush()
        events = pa.concat_tables(self.events) if self.events else EVENTS_SCHEMA.empty_table()
        items = pa.concat_tables(self.items) if self.items else ITEMS_SCHEMA.empty_table()
        return events, items


def item_row(it: SimItem) -> dict:
    return {
        "item": it.key,
        "project": wf.PROJECT,
        "type": it.type,
        "priority": it.priority,
        "summary": it.summary,
        "created": it.created * _US,
        "resolved": None if it.resolution is None or it.resolved is None else it.resolved * _US,
        "current_status": it.status,
        "labels": list(it.labels),
        "components": list(it.components),
        "story_points": it.story_points,
    }
