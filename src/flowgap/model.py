"""The canonical tables every loader produces and every later layer consumes.

``events`` holds one row per change of one field of one item (Jira's issue history shape);
``items`` one row per item. A :class:`LoadResult` carries both plus what was *not* loaded, so
that for every input ``records_read == records_loaded + records_rejected``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import pyarrow as pa
import pyarrow.compute as pc

from .errors import MAX_REASON, excerpt

TS = pa.timestamp("us", tz="UTC")
#: The column types of the output tables: seconds (float64), text, counts.
S = pa.float64()
STR = pa.string()
INT = pa.int64()

#: Fields an event can change. Custom fields keep their own (configured) name.
KNOWN_FIELDS = (
    "created",
    "status",
    "team",
    "assignee",
    "flag",
    "label",
    "comment",
    "steering",
    "resolution",
    "link",
)

EVENTS_SCHEMA = pa.schema(
    [
        pa.field("item", pa.string(), nullable=False),
        pa.field("ts", TS, nullable=False),
        # Order among events of the same item and ts, from the source order.
        pa.field("seq", pa.int64(), nullable=False),
        pa.field("field", pa.string(), nullable=False),
        pa.field("value", pa.string()),  # new value; null when cleared
        pa.field("prev", pa.string()),  # old value
        pa.field("actor", pa.string()),
        pa.field("source", pa.string()),  # provenance: file:line or KEY#history-id
    ]
)

#: Base columns of ``items``; loaders may append extra attributes as string columns.
ITEMS_SCHEMA = pa.schema(
    [
        pa.field("item", pa.string(), nullable=False),
        pa.field("project", pa.string()),
        pa.field("type", pa.string()),
        pa.field("priority", pa.string()),
        pa.field("summary", pa.string()),
        pa.field("created", TS),
        pa.field("resolved", TS),
        pa.field("current_status", pa.string()),
        pa.field("labels", pa.list_(pa.string())),
        pa.field("components", pa.list_(pa.string())),
        pa.field("story_points", pa.float64()),
    ]
)

#: Reject reasons named when nothing was loaded; the rest are counted.
REASONS_SHOWN = 3
#: A reject reason's leading item key ("INC1: missing status"): one word before ": ".
_ITEM_PREFIX = re.compile(r"^[^\s:]+: ")


def _without_item(reason: str) -> str:
    """The reason without its item key, so that one cause over many items counts once."""
    return _ITEM_PREFIX.sub("", reason, count=1)


REJECTS_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),  # file:line, or file: KEY#history-id
        pa.field("reason", pa.string(), nullable=False),
    ]
)


@dataclass(frozen=True)
class Reject:
    source: str
    reason: str

    def __post_init__(self) -> None:
        # Every reject is printed, one per line: no control characters, no 20 MB reason. The
        # loaders quote values with ``excerpt`` already; this catches what they do not.
        object.__setattr__(self, "source", excerpt(self.source, MAX_REASON))
        object.__setattr__(self, "reason", excerpt(self.reason, MAX_REASON))


@dataclass(frozen=True)
class Finding:
    """A data-quality finding (not an error): truncated history, events after done, ..."""

    kind: str
    message: str
    item: str | None = None
    source: str | None = None


@dataclass
class InputSummary:
    """What one input file contributed. ``records_read == records_loaded + records_rejected``."""

    path: str
    format: str
    records_read: int
    records_loaded: int
    records_rejected: int
    #: What one record is for this format ("issue", "history", "row", "event", ...).
    record_unit: str = "record"
    #: What the sources of its records start with (``NAME:line``) when not its file name:
    #: ``archive.zip!member`` in an archive, ``d1/x.csv`` beside another ``x.csv``.
    source_name: str = ""

    @property
    def reconciles(self) -> bool:
        return self.records_read == self.records_loaded + self.records_rejected

    @property
    def label(self) -> str:
        """The name its records' sources start with."""
        return self.source_name or self.path.replace("\\", "/").rsplit("/", 1)[-1]


def input_named(source: str | None, labels: set[str]) -> str | None:
    """The input of ``labels`` a record's ``source`` (``NAME`` or ``NAME:...``) is named after,
    the longest that fits ("a:b" beside "a"), or None. A look-up per colon of the source: a
    load of thousands of files and a million sources is not their product."""
    if not source:
        return None
    if source in labels:
        return source
    i = source.rfind(":")
    while i != -1:
        if source[:i] in labels:
            return source[:i]
        i = source.rfind(":", 0, i)
    return None


def own_records(inputs: Sequence[InputSummary], sources: Sequence[str | None]) -> list[bool]:
    """Whether each event (given by its source) is a record of its own: one of an input whose
    record is one event (Parquet), whose sources are the provenance its events carry, so
    that several events share one. An event named after another input is that input's."""
    if not any(s.record_unit == "event" for s in inputs):
        return [False] * len(sources)
    others = {s.label for s in inputs if s.record_unit != "event"}
    return [input_named(src, others) is None for src in sources]


def event_record(source: str | None, item: str, at: str, seq: int) -> str:
    """The source of a rejected event that is a record of its own: its provenance, told apart
    from the other events sharing it by item, time and ``seq``."""
    return f"{source or item} ({item} at {at} #{seq})"


def recount_rejected(
    inputs: list[InputSummary], sources: list[str], events: int
) -> list[InputSummary]:
    """``inputs`` with the records rejected after loading (their ``sources``, ``events``
    events in all) moved from loaded to rejected in the input each came from: the one whose
    :attr:`~InputSummary.label` starts the source. An input whose record is one event counts
    events; a lone input takes the sources not named after it (Parquet's own provenance)."""
    labels = {i.label for i in inputs}
    counts = Counter(input_named(s, labels) for s in sources)
    out = []
    for summary in inputs:
        mine = counts.get(summary.label, 0)
        if len(inputs) == 1 and not mine:
            mine = len(sources)
        n = events if summary.record_unit == "event" and mine and len(inputs) == 1 else mine
        n = min(n, summary.records_loaded)
        out.append(
            replace(
                summary,
                records_loaded=summary.records_loaded - n,
                records_rejected=summary.records_rejected + n,
            )
        )
    return out


@dataclass
class LoadResult:
    events: pa.Table
    items: pa.Table
    rejects: list[Reject] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    inputs: list[InputSummary] = field(default_factory=list)
    #: Jira status category per status name ("new", "indeterminate", "done") when the source
    #: knows it; feeds the status-class guesses.
    status_categories: dict[str, str] = field(default_factory=dict)
    #: False for sources without status history (Jira UI CSV): only lead time is computable.
    has_history: bool = True
    #: status -> category -> votes (issues whose current status it is, entries of Jira's
    #: status list); ``status_categories`` holds their majority (:func:`settle_categories`).
    category_votes: dict[str, dict[str, int]] = field(default_factory=dict)

    def nothing_loaded(
        self, hint: str = "; `flowgap inspect` lists each with its source"
    ) -> str | None:
        """Why there is nothing to analyse (no item remains), or None when there is.

        One line: how many records were read and rejected and the most common reasons, so that
        a CI job whose export went bad fails with the cause instead of an empty report; then
        ``hint`` after the reasons (``flowgap inspect`` itself gives its own)."""
        if self.items.num_rows:
            return None
        read = sum(s.records_read for s in self.inputs)
        if not self.rejects:
            return f"nothing to analyse: no item in the input(s) ({read:,} records read)"
        reasons = Counter(_without_item(r.reason) for r in self.rejects)
        top = "; ".join(f"{n:,} x {reason}" for reason, n in reasons.most_common(REASONS_SHOWN))
        more = len(reasons) - REASONS_SHOWN
        tail = f"; and {more:,} other reason(s)" if more > 0 else ""
        return (
            f"nothing to analyse: all {len(self.rejects):,} of {read:,} input records were"
            f" rejected ({top}{tail}){hint}"
        )

    def rejects_table(self) -> pa.Table:
        return pa.Table.from_pylist(
            [{"source": r.source, "reason": r.reason} for r in self.rejects],
            schema=REJECTS_SCHEMA,
        )

    @classmethod
    def combine(cls, results: Sequence[LoadResult]) -> LoadResult:
        """Concatenate several inputs into one result (items unified by key, first wins)."""
        if len(results) == 1:
            return results[0]
        results = distinct_sources(results)
        events = pa.concat_tables([r.events for r in results], promote_options="permissive")
        items = dedupe_items(
            pa.concat_tables([r.items for r in results], promote_options="permissive")
        )
        warnings = [x for r in results for x in r.warnings]
        shared = _keys_in_several(results)
        if shared:
            examples = ", ".join(shared[:5]) + (" ..." if len(shared) > 5 else "")
            warnings.append(
                Finding(
                    "duplicate_items",
                    f"{len(shared)} item key(s) appear in more than one input ({examples}):"
                    " their events are combined and their attributes come from the first input",
                )
            )
        votes: dict[str, dict[str, int]] = {}
        for r in results:
            for name, counted in r.category_votes.items():
                mine = votes.setdefault(name, {})
                for cat, n in counted.items():
                    mine[cat] = mine.get(cat, 0) + n
        categories, conflicts = settle_categories(votes)
        for r in results:  # sources without votes (a Jira UI CSV, XES): first input wins
            for name, cat in r.status_categories.items():
                categories.setdefault(name, cat)
        # each input's conflicts are re-counted over all of them
        warnings = [w for w in warnings if w.kind != "category_conflict"] + conflicts
        return cls(
            events=sort_events(events),
            items=items,
            rejects=[x for r in results for x in r.rejects],
            warnings=warnings,
            inputs=[x for r in results for x in r.inputs],
            status_categories=categories,
            has_history=all(r.has_history for r in results),
            category_votes=votes,
        )


def settle_categories(
    votes: dict[str, dict[str, int]],
) -> tuple[dict[str, str], list[Finding]]:
    """Each status' Jira category by the majority of its votes (ties: the category voted
    first), and a ``category_conflict`` warning for each status the votes disagree on: the
    first issue's word is not the site's."""
    categories: dict[str, str] = {}
    conflicts: list[Finding] = []
    for name, counted in votes.items():
        if not counted:
            continue
        ranked = sorted(counted, key=lambda cat: -counted[cat])  # stable: first voted wins ties
        categories[name] = ranked[0]
        if len(ranked) > 1:
            tally = ", ".join(f"{counted[cat]} x {cat}" for cat in ranked)
            conflicts.append(
                Finding(
                    "category_conflict",
                    f"status '{name}': the issues and the status list disagree on its Jira"
                    f" status category ({tally}): the majority, {ranked[0]}, is used",
                )
            )
    return categories, conflicts


def empty_events() -> pa.Table:
    return EVENTS_SCHEMA.empty_table()


def empty_items() -> pa.Table:
    return ITEMS_SCHEMA.empty_table()


def events_from_rows(rows: Iterable[dict]) -> pa.Table:
    """Build a canonical, sorted events table from dict rows (keys of EVENTS_SCHEMA)."""
    return sort_events(pa.Table.from_pylist(list(rows), schema=EVENTS_SCHEMA))


def items_from_rows(rows: Iterable[dict], extra_columns: Sequence[str] = ()) -> pa.Table:
    """Build an items table; ``extra_columns`` are appended as string columns."""
    schema = ITEMS_SCHEMA
    for name in extra_columns:
        if name not in schema.names:
            schema = schema.append(pa.field(name, pa.string()))
    return pa.Table.from_pylist(list(rows), schema=schema)


def sort_events(events: pa.Table) -> pa.Table:
    """The canonical order: item, ts, seq. pm4py and the engine rely on it."""
    if is_sorted(events):  # loaders mostly emit sorted tables; a check costs ~1% of a sort
        return events
    return events.sort_by([("item", "ascending"), ("ts", "ascending"), ("seq", "ascending")])


def is_sorted(events: pa.Table) -> bool:
    """Whether ``events`` is already ordered by item, ts, seq."""
    n = events.num_rows
    if n < 2:
        return True
    cols = [events.column(name).combine_chunks() for name in ("item", "ts", "seq")]
    if any(c.null_count for c in cols):
        return False
    before = [c.slice(0, n - 1) for c in cols]
    after = [c.slice(1) for c in cols]
    # Lexicographic "before <= after", from the last key to the first.
    ok = pc.less_equal(before[2], after[2])
    for b, a in ((before[1], after[1]), (before[0], after[0])):
        ok = pc.or_(pc.less(b, a), pc.and_(pc.equal(b, a), ok))
    return bool(pc.all(ok).as_py())


def _keys_in_several(results: Sequence[LoadResult]) -> list[str]:
    """Item keys that more than one input holds, sorted."""
    seen: set[str] = set()
    shared: set[str] = set()
    for r in results:
        keys = set(r.items.column("item").to_pylist()) if r.items.num_rows else set()
        shared |= keys & seen
        seen |= keys
    return sorted(shared)


def dedupe_items(items: pa.Table) -> pa.Table:
    """One row per item key: the first."""
    if items.num_rows == 0:
        return items
    keys = items.column("item").to_pylist()
    seen: set[str] = set()
    keep = []
    for i, key in enumerate(keys):
        if key not in seen:
            seen.add(key)
            keep.append(i)
    return items.take(keep) if len(keep) != len(keys) else items


def relabelled(result: LoadResult, old: str, new: str, new_path: str | None = None) -> LoadResult:
    """``result`` with the sources of its input ``old`` (``old`` or ``old:...``) starting
    with ``new`` instead; that input's path becomes ``new_path`` when given."""

    def fix(source: str | None) -> str | None:
        if source is None:
            return None
        if source == old:
            return new
        return new + source[len(old) :] if source.startswith(old + ":") else source

    col = result.events.column("source")
    pattern = "^" + re.escape(old) + "(:|$)"
    fixed = pc.replace_substring_regex(
        col, pattern, new.replace("\\", "\\\\") + r"\1", max_replacements=1
    )
    events = result.events.set_column(
        result.events.schema.get_field_index("source"),
        result.events.schema.field("source"),
        fixed if isinstance(fixed, pa.ChunkedArray) else pa.chunked_array([fixed]),
    )
    inputs = [
        replace(s, source_name=new, path=new_path or s.path) if s.label == old else s
        for s in result.inputs
    ]
    return replace(
        result,
        events=events,
        rejects=[Reject(fix(r.source) or new, r.reason) for r in result.rejects],
        warnings=[replace(w, source=fix(w.source)) for w in result.warnings],
        inputs=inputs,
    )


def distinct_sources(results: Sequence[LoadResult]) -> list[LoadResult]:
    """``results`` with inputs of one file name (``d1/x.csv``, ``d2/x.csv``) named by as many
    of their last folders as tell them apart (by their place among the inputs when nothing
    does): a source such as ``x.csv:3`` must say which input it came from, and a reject be
    counted against that input alone."""
    labels = Counter(s.label for r in results for s in r.inputs)
    clashing = {name for name, n in labels.items() if n > 1}
    if not clashing:
        return list(results)
    paths: dict[str, list[list[str]]] = {name: [] for name in clashing}
    for s in (s for r in results for s in r.inputs if s.label in clashing):
        paths[s.label].append(_parts(s.path))
    depth = {name: _telling_depth(found) for name, found in paths.items()}
    seen: Counter[str] = Counter()
    out = []
    for result in results:
        for summary in [s for s in result.inputs if s.label in clashing]:
            name = summary.label
            seen[name] += 1
            k = depth[name]
            new = "/".join(_parts(summary.path)[-k:]) if k else f"{name} ({seen[name]})"
            if new != name:
                result = relabelled(result, name, new)
        out.append(result)
    return out


def _parts(path: str) -> list[str]:
    return path.replace("\\", "/").split("/")


def _telling_depth(paths: list[list[str]]) -> int | None:
    """The fewest last parts of the paths that are all different, None when none are."""
    for k in range(2, max(len(p) for p in paths) + 1):
        if len({"/".join(p[-k:]) for p in paths}) == len(paths):
            return k
    return None
