"""The moment an analysis is taken at (``as_of``), and what is odd about a given one."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pyarrow.compute as pc

from ..config import Config
from ..errors import UsageError
from ..model import Finding, LoadResult
from ..units import DAY_S, US, iso


def parse_as_of(text: str) -> datetime:
    """``2026-11-01`` (midnight UTC) or an ISO 8601 date-time; naive means UTC."""
    try:
        if len(text.strip()) == 10:
            d = date.fromisoformat(text.strip())
            return datetime(d.year, d.month, d.day, tzinfo=UTC)
        ts = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"--as-of: {text!r} is not a date (expected YYYY-MM-DD or an ISO 8601 date-time)"
        ) from None
    try:
        return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59:59-14:00 is in year 10000 in UTC
        raise UsageError(f"--as-of: {text!r} is beyond the year 9999 in UTC") from None


def resolve_as_of(result: LoadResult, config: Config) -> datetime:
    """``[flow] as_of`` (naive means UTC), else the latest timestamp of any event, else the
    latest ``created``/``resolved`` of the items."""
    if config.flow.as_of is not None:
        as_of = config.flow.as_of
        return as_of.replace(tzinfo=UTC) if as_of.tzinfo is None else as_of.astimezone(UTC)
    if getattr(result, "on_backend", False):  # a log read by the backend: its range came back
        if result.last is not None:  # type: ignore[attr-defined]
            return result.last.astimezone(UTC)  # type: ignore[attr-defined]
    elif result.events.num_rows:
        return pc.max(result.events.column("ts")).as_py().astimezone(UTC)
    # No events (an input without history): the latest date the items carry.
    candidates = []
    for name in ("created", "resolved"):
        if result.items.num_rows and name in result.items.column_names:
            value = pc.max(result.items.column(name)).as_py()
            if value is not None:
                candidates.append(value)
    if not candidates:
        return datetime(1970, 1, 1, tzinfo=UTC)
    return max(candidates).astimezone(UTC)


def microseconds(moment: datetime) -> int:
    """``moment`` as the engine's int64 microseconds since the epoch."""
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * US + delta.microseconds  # exact: no floats


#: An ``as_of`` further than this after the last event is worth a word: open items keep
#: waiting until then, which may not be what was meant.
AS_OF_GAP_DAYS = 7


def as_of_warnings(result: LoadResult, config: Config, as_of: datetime) -> list[Finding]:
    """A given ``as_of`` before the first event, or long after the last one (without
    history: the first creation and the last creation or resolution)."""
    if config.flow.as_of is None:
        return []
    if getattr(result, "on_backend", False):
        first, last = result.first, result.last  # type: ignore[attr-defined]
    elif result.events.num_rows:
        ts = result.events.column("ts")
        first, last = pc.min(ts).as_py(), pc.max(ts).as_py()
    elif result.items.num_rows:
        items = result.items
        first = pc.min(items.column("created")).as_py()
        last = max(
            (v for v in (pc.max(items.column(c)).as_py() for c in ("created", "resolved")) if v),
            default=None,
        )
    else:
        return []
    if first is None or last is None:
        return []
    when = iso(as_of)
    if as_of < first:
        return [
            Finding(
                kind="as_of_before_data",
                message=(
                    f"as_of {when} is before the first event ({iso(first)}): no item existed "
                    "yet, so nothing is measured"
                ),
            )
        ]
    gap = (as_of - last).total_seconds() / DAY_S
    if gap > AS_OF_GAP_DAYS:
        return [
            Finding(
                kind="as_of_after_data",
                message=(
                    f"as_of {when} is {gap:,.0f} days after the last event ({iso(last)}): open "
                    "items count as waiting (or working) until then"
                ),
            )
        ]
    return []
