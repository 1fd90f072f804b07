"""Global filters: parsed from and written to the URL query string, applied to the items.

A filter selects *items*; the dashboard then shows the analysis of those items with ``as_of``
pinned to the unfiltered analysis' so that open items are measured to the same date. That
analysis is ``Analysis.select`` of the unfiltered one: the engine's own steps over the
selected items' rows, tested equal to re-running ``flowgap.analyze`` on the selected items.

Which items a filter keeps is the rule of :mod:`flowgap.engine.selection` (the command
line's ``--team``/``--type``/``--project``/``--label`` use it too).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qs, urlencode

import pyarrow as pa
import pyarrow.compute as pc

from ..engine.selection import Selection, selected_items, selected_mask

__all__ = [
    "LIST_KEYS",
    "Filters",
    "Selection",
    "from_query",
    "options",
    "selected_items",
    "selected_mask",
    "shown_options",
    "to_query",
]

LIST_KEYS = ("project", "type", "team", "label")


@dataclass(frozen=True)
class Filters(Selection):
    """A selection as the dashboard's URL carries it."""

    def key(self) -> str:
        """A stable digest for caches (same filters, same key, whatever the URL order)."""
        return hashlib.sha256(to_query(self).encode()).hexdigest()[:16]


def parse_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None  # a hand-edited URL with a bad date filters nothing rather than failing


def bad_dates(search: str | None) -> list[str]:
    """``key=value`` of the date parameters of a (hand-edited) URL that are not dates: they
    filter nothing, and the page says so."""
    params = parse_qs((search or "").lstrip("?"), keep_blank_values=False)
    return [
        f"{key}={params[key][0]}"
        for key in ("from", "to")
        if key in params and parse_date(params[key][0]) is None
    ]


def url_dates(search: str | None) -> tuple[date | None, date | None]:
    """The URL's ``from`` and ``to`` as written (what the date boxes show), reversed or not."""
    params = parse_qs((search or "").lstrip("?"), keep_blank_values=False)
    return parse_date(params.get("from", [None])[0]), parse_date(params.get("to", [None])[0])


def reversed_range(search: str | None) -> tuple[date, date] | None:
    """(from, to) when the URL's ``from`` is after its ``to``: such a range holds no day, so
    it filters nothing by date, and the page says so."""
    start, end = url_dates(search)
    return (start, end) if start and end and start > end else None


def date_notes(search: str | None) -> list[str]:
    """What the page says about the date filters of the URL: dates that are not dates, and a
    reversed range; both filter nothing by date."""
    notes = []
    ignored = bad_dates(search)
    if ignored:
        notes.append(f"Not a date (YYYY-MM-DD), ignored: {', '.join(ignored)}.")
    flipped = reversed_range(search)
    if flipped:
        notes.append(
            f"The date range is reversed: From {flipped[0]} is after To {flipped[1]}, so it"
            " holds no day and is ignored. Swap the two dates."
        )
    return notes


def from_query(search: str | None) -> Filters:
    """``?from=2026-01-01&team=QA&team=Dev`` -> Filters. Unknown keys are ignored, and so is a
    reversed date range (``reversed_range``)."""
    params = parse_qs((search or "").lstrip("?"), keep_blank_values=False)
    flipped = reversed_range(search) is not None

    def values(key: str) -> tuple[str, ...]:
        seen: list[str] = []
        for raw in params.get(key, []):
            if raw and raw not in seen:
                seen.append(raw)
        return tuple(sorted(seen))

    return Filters(
        start=None if flipped else parse_date(params.get("from", [None])[0]),
        end=None if flipped else parse_date(params.get("to", [None])[0]),
        **{k: values(k) for k in LIST_KEYS},
    )


def to_query(filters: Filters, extra: dict[str, str] | None = None) -> str:
    """Filters -> ``?...`` (empty string when nothing is filtered); keys in a fixed order."""
    pairs: list[tuple[str, str]] = []
    if filters.start:
        pairs.append(("from", filters.start.isoformat()))
    if filters.end:
        pairs.append(("to", filters.end.isoformat()))
    for key in LIST_KEYS:
        pairs.extend((key, v) for v in sorted(getattr(filters, key)))
    for key, value in sorted((extra or {}).items()):
        if value:
            pairs.append((key, value))
    return f"?{urlencode(pairs)}" if pairs else ""


def page_link(page: str, query: str = "", fragment: str = "") -> str:
    """The address of a page relative to the page that links to it: every page sits directly
    under ``[dashboard] url_prefix`` (``/overview``, ``/journey``; home is the prefix itself),
    so the address needs no app to know the prefix while a page is drawn."""
    return f"{page}{query}{'#' + fragment if fragment else ''}"


def query_value(search: str | None, key: str) -> str | None:
    """One non-filter parameter of the query string (e.g. the journey's ``item``)."""
    values = parse_qs((search or "").lstrip("?")).get(key)
    return values[0] if values else None


#: Values a filter dropdown lists before anything is typed: the ones with the most items (a log
#: can name 75,000 teams, and every address change sends the lists). Typing searches them all.
OPTIONS_SHOWN = 300


def options(items: pa.Table, timeline: pa.Table) -> dict[str, list[str]]:
    """Every value each dropdown can filter on, from the unfiltered analysis, the most used
    first (items; for teams, timeline segments), ties by name."""

    def ranked(column: pa.ChunkedArray | pa.Array) -> list[str]:
        counts = pc.value_counts(column).to_pylist()
        pairs = [(-c["counts"], c["values"]) for c in counts if c["values"]]
        return [value for _, value in sorted(pairs)]

    labels = ranked(pc.list_flatten(items["labels"])) if items.num_rows else []
    return {
        "project": ranked(items["project"]),
        "type": ranked(items["type"]),
        "team": ranked(timeline["team"]),
        "label": labels,
    }


def matching(names: list[str], typed: str | None) -> list[int]:
    """The positions of the ``names`` containing ``typed`` (any case, spaces around it
    ignored), in order; all of them when nothing is typed: the one search rule of the filter
    dropdowns and the upload page's editors."""
    needle = (typed or "").strip().casefold()
    return [i for i, name in enumerate(names) if needle in name.casefold()]


def shown_options(values: list[str], chosen: Iterable[str], typed: str | None = None) -> list[str]:
    """What a dropdown lists, by name: the first :data:`OPTIONS_SHOWN` of ``values`` (ranked
    by :func:`options`) that contain ``typed`` (any case), and the ``chosen`` ones whatever
    they are (a dropdown drops a value missing from its options, which would rewrite a
    shared URL)."""
    picked = [values[i] for i in matching(values, typed)[:OPTIONS_SHOWN]]
    return sorted(set(picked) | set(chosen))
