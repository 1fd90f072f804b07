"""Jira timestamps, and the order of an issue's histories and comments.

Jira Cloud sends changelog histories newest first, Server and Data Center oldest first, and a
merged or hand-edited export may hold neither order: histories (and comments) are ordered by
``created``, then by id as an integer (a missing or non-numeric id counts as -1), equal keys
keeping their order in the export after it was turned oldest first.

Speed: Jira writes every timestamp of an instance in one shape (``...00.000+0200``); two
strings of that shape with the same offset order like their instants, which is ~20x cheaper
than comparing aware datetimes, and the usual case (one shape, one offset, ascending) is
recognised by a few whole-list checks in C. Other rows (a DST change, mixed shapes) are
compared as instants.
"""

from __future__ import annotations

from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

_OFFSET = itemgetter(slice(-5, None))


def timestamp(text: Any) -> datetime:
    """A Jira timestamp as Python reads it (raises ValueError/TypeError); naive means UTC."""
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt


def ordered(rows: list[tuple]) -> list[tuple]:
    """Rows ``(created, id, ...)`` with valid ``created`` texts, in (created, id) order.

    Reversed when the first does not precede the last, then kept when every row precedes the
    next, else sorted exactly (the index keeps equal keys stable)."""
    n = len(rows)
    if n < 2:
        return rows
    if not _before(rows[0], rows[-1]):
        rows.reverse()
    created = [r[0] for r in rows]
    # the usual case, checked in C: one shape and offset, distinct and ascending times
    if (
        len(set(created)) == n
        and created == sorted(created)
        and len(set(map(len, created))) == 1
        and len(set(map(_OFFSET, created))) == 1
        and created[0][-5] in "+-"
    ):
        return rows
    if all(_before(rows[i], rows[i + 1]) for i in range(n - 1)):
        return rows
    keyed = sorted((_instant(r[0]), _int_id(r[1]), i) for i, r in enumerate(rows))
    return [rows[i] for _, _, i in keyed]


def _before(a: tuple, b: tuple) -> bool:
    """Whether row ``a`` may precede ``b``: created, then id as an integer."""
    sa, sb = a[0], b[0]
    if len(sa) == len(sb) and sa[-5:] == sb[-5:] and sa[-5] in "+-":
        if sa != sb:
            return sa < sb
    else:
        ta, tb = _instant(sa), _instant(sb)
        if ta != tb:
            return ta < tb
    return _int_id(a[1]) <= _int_id(b[1])


def _instant(text: str) -> float:
    return timestamp(text).timestamp()


def _int_id(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1
