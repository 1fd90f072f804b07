"""A Python mapping (status -> class, status -> team, ...) applied to a column in the backend.

A mapping of a few dozen keys is written into the query (``CASE``), which is what it always
was. A log can have many more: one with 100,000 distinct statuses made a ``CASE`` of 100,000
branches, which Ibis took minutes to compile and the backend evaluated for every row against
every branch (more than 200 s and 4 GB for 100,000 events). Past :data:`INLINE_KEYS` keys the
mapping is registered as a two-column table and joined instead: the same values, in time
linear in the rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from .backend import Backend

#: The most keys a mapping may have to be written into the query itself.
INLINE_KEYS = 64

_KEY, _VALUE = "_lookup_key", "_lookup_value"


@dataclass(frozen=True)
class Lookup:
    """A mapping ready to apply in one backend: inline, or a registered table."""

    mapping: Mapping[Any, Any]
    table: ir.Table | None = None

    def apply(self, t: ir.Table, column: str, out: str, default: ir.Value) -> ir.Table:
        """``t`` with ``out`` = the mapped value of ``column``, ``default`` where ``column`` is
        null or not a key (``substitute``'s meaning, whichever way it is computed)."""
        if self.table is None:
            return t.mutate(**{out: t[column].substitute(dict(self.mapping), else_=default)})
        joined = t.left_join(self.table, t[column] == self.table[_KEY])
        mapped = ibis.coalesce(joined[_VALUE], default)
        return joined.mutate(**{out: mapped}).drop(_KEY, _VALUE)


def lookup(
    be: Backend,
    name: str,
    mapping: Mapping[Any, Any],
    key_type: pa.DataType,
    value_type: pa.DataType,
) -> Lookup:
    """``mapping`` as a :class:`Lookup`: registered in ``be`` past :data:`INLINE_KEYS` keys."""
    if len(mapping) <= INLINE_KEYS:
        return Lookup(mapping)
    table = pa.table(
        {
            _KEY: pa.array(list(mapping.keys()), key_type),
            _VALUE: pa.array(list(mapping.values()), value_type),
        }
    )
    return Lookup(mapping, be.register(f"lookup_{name}", table))
