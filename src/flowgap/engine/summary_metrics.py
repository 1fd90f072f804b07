"""Every metric of the summary, declared once: its path, its unit and what it means.

The summary (``Analysis.summary``, the ``summary`` of report.json) is a nested dict of metric
groups: ``summary["lead_time"]["p85"]``, addressed by ``--fail-on`` as ``lead_time.p85``. This
registry is the one list of them; everything that lists summary metrics reads it:

- ``engine/summary.py`` fills exactly these keys, in this order (:func:`nest`);
- the ``--fail-on`` grammar (``report/thresholds.py``) takes the valid names and the units from
  it (``d``/``h`` on durations, ``%`` on ratios);
- the baseline comparison (``report/baseline.py``) compares every addressable metric;
- the JSON report's schema (``report/schema.py``) describes each metric from it;
- the summary table of ``docs/metrics.md`` is generated from it (``report/docs.py``).

A named group (``wait_share``) holds maps keyed by names from the data:
``wait_share.status['Ready for QA']``.

A group's ``added`` metrics are filled by the decisions layer (``flowgap.decisions.headline``,
e.g. ``wip.over_sle``): declared here like the others, computed there, since the engine never
imports the layers after it. ``Analysis.summary`` has the engine's metrics; the report's
summary, the thresholds and the baseline comparison have every metric (:func:`complete`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """What a metric's number is: it decides the units a threshold may use and the display."""

    #: A whole number of things (items, handoffs, records).
    COUNT = "count"
    #: An average of counts per item or per week (2.35 handoffs per item).
    AVERAGE = "average"
    #: Seconds (calendar time unless the name says ``work``).
    DURATION = "duration"
    #: A ratio 0..1 (shown as a percentage).
    RATIO = "ratio"
    #: Minutes of meeting time.
    MINUTES = "minutes"
    #: A moment, as an ISO 8601 string in UTC.
    TIMESTAMP = "timestamp"


#: The unit column of the docs table.
UNIT_TEXT: dict[Kind, str] = {
    Kind.COUNT: "count",
    Kind.AVERAGE: "average",
    Kind.DURATION: "seconds",
    Kind.RATIO: "ratio 0..1",
    Kind.MINUTES: "minutes",
    Kind.TIMESTAMP: "ISO 8601 UTC",
}


@dataclass(frozen=True)
class SummaryMetric:
    group: str
    key: str
    kind: Kind
    description: str

    @property
    def path(self) -> str:
        return f"{self.group}.{self.key}"


@dataclass(frozen=True)
class SummaryGroup:
    name: str
    metrics: tuple[SummaryMetric, ...]
    #: Each metric is a map {name from the data: value} (``wait_share.status[name]``).
    named: bool = False
    #: Numbers a threshold or the baseline comparison can address (``period`` holds moments).
    addressable: bool = True
    #: Metrics of the group that the decisions layer fills (after the engine's).
    added: tuple[SummaryMetric, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys the engine's summary fills."""
        return tuple(m.key for m in self.metrics)

    @property
    def every(self) -> tuple[SummaryMetric, ...]:
        """The engine's metrics and the added ones: the report's summary."""
        return (*self.metrics, *self.added)

    @property
    def all_keys(self) -> tuple[str, ...]:
        return tuple(m.key for m in self.every)


def _group(
    name: str,
    *metrics: tuple[str, Kind, str],
    named: bool = False,
    addressable: bool = True,
    added: tuple[tuple[str, Kind, str], ...] = (),
) -> SummaryGroup:
    return SummaryGroup(
        name,
        tuple(SummaryMetric(name, key, kind, text) for key, kind, text in metrics),
        named,
        addressable,
        tuple(SummaryMetric(name, key, kind, text) for key, kind, text in added),
    )


C, A, D, R, M, T = Kind.COUNT, Kind.AVERAGE, Kind.DURATION, Kind.RATIO, Kind.MINUTES, Kind.TIMESTAMP

#: The summary, group by group, in the order of ``build_summary``'s dict.
GROUPS: tuple[SummaryGroup, ...] = (
    _group(
        "items",
        ("total", C, "items in the analysis"),
        ("open", C, "items not delivered at `as_of` (an item that never left backlog is open)"),
        ("delivered", C, "items in a done status at `as_of`"),
        (
            "with_history",
            C,
            "items whose status changed at least once (more than one timeline segment);"
            " 0 when the input has no status history",
        ),
    ),
    _group(
        "flow_efficiency",
        ("median", R, "median of the per-item flow efficiency (items with a flow window)"),
        ("pooled", R, "sum of touch / sum of window over the items with a flow window"),
        ("median_work", R, "`median` in working time; null without a `[calendar]`"),
        ("pooled_work", R, "`pooled` in working time; null without a `[calendar]`"),
    ),
    _group(
        "lead_time",
        ("p50", D, "median lead time of delivered items (linear interpolation)"),
        ("p85", D, "85th percentile of the lead time of delivered items"),
        ("p95", D, "95th percentile of the lead time of delivered items"),
        ("mean", D, "mean lead time of delivered items"),
    ),
    _group(
        "cycle_time",
        ("p50", D, "median cycle time of delivered items (linear interpolation)"),
        ("p85", D, "85th percentile of the cycle time of delivered items"),
        ("p95", D, "95th percentile of the cycle time of delivered items"),
        ("mean", D, "mean cycle time of delivered items"),
        (
            "uncommitted",
            C,
            "delivered items without a cycle time: they first appear already done (never in a"
            " `wait` or `active` status), so `lead_time` counts them and `cycle_time` does not,"
            " which can put the cycle-time p50 above the lead-time p50",
        ),
    ),
    _group(
        "touch",
        ("total_s", D, "touch summed over the items with a flow window"),
        ("median_s", D, "median touch of the items with a flow window"),
    ),
    _group(
        "wait",
        ("total_s", D, "wait summed over the items with a flow window"),
        ("median_s", D, "median wait of the items with a flow window"),
    ),
    _group(
        "handoffs",
        ("mean", A, "handoffs per item, over all items"),
        ("median", A, "median handoffs per item, over all items"),
        ("total", C, "handoffs of all items"),
        (
            "ping_pongs",
            C,
            "A -> B -> A returns within one item (the sum of `ping_pongs` over the handoff edges)",
        ),
    ),
    _group(
        "steering_touches",
        ("total", C, "steering touches after de-duplication"),
        ("per_item", A, "`total` / all items"),
        ("items", C, "distinct items touched"),
        ("meeting_minutes", M, "the meeting cost of the touches, summed over the meetings"),
    ),
    _group(
        "rework",
        ("mean", A, "backward status moves per item"),
        ("total", C, "backward status moves of all items"),
    ),
    _group(
        "wip",
        ("current", C, "items committed and not delivered at `as_of`"),
        ("median_age_s", D, "the median `age_s` of the items of `wip.current`"),
        added=(
            (
                "over_sle",
                C,
                "items of `wip.current` older than the service level expectation of their"
                " type (the `service_levels` of report.json)",
            ),
            (
                "in_trouble",
                C,
                "items of `wip.current` past their service level expectation or with under"
                " `[service_level] min_chance` chance to finish within it",
            ),
        ),
    ),
    _group(
        "throughput",
        (
            "per_week",
            A,
            "delivered items / weeks from the first commitment to `as_of` (at least one week)",
        ),
    ),
    _group(
        "records",
        (
            "read",
            C,
            "input records read over every input (the same for a dashboard filter: it"
            " selects items, not records)",
        ),
        ("rejected", C, "input records rejected over every input"),
        ("rejected_share", R, "`rejected` / `read`; null when nothing was read"),
    ),
    _group(
        "wait_share",
        ("status", R, "each status's share of all waiting, from the `stages` table"),
        ("team", R, "each team's share of all waiting, from the `teams` table"),
        named=True,
    ),
    _group(
        "period",
        ("first_ts", T, "the first change point (creation or start of a timeline segment)"),
        ("last_ts", T, "the last change point (creation or start of a timeline segment)"),
        ("as_of", T, "the analysis date"),
        addressable=False,
    ),
)

GROUP: dict[str, SummaryGroup] = {g.name: g for g in GROUPS}


def metrics() -> Iterator[SummaryMetric]:
    for group in GROUPS:
        yield from group.metrics


def every_metric() -> Iterator[SummaryMetric]:
    """The engine's metrics and those the decisions layer adds, group by group."""
    for group in GROUPS:
        yield from group.every


def find(group: str, key: str) -> SummaryMetric | None:
    """The metric ``group.key`` (for a named group, ``key`` is the map: ``status``)."""
    g = GROUP.get(group)
    return next((m for m in g.every if m.key == key), None) if g else None


def kind_of(parts: tuple[str, ...]) -> Kind | None:
    """The kind of the value at a summary path (``("wait_share", "status", "X")`` is a
    ratio), or None when the path names no metric."""
    if len(parts) < 2:
        return None
    metric = find(parts[0], parts[1])
    if metric is None:
        return None
    depth = 3 if GROUP[parts[0]].named else 2
    return metric.kind if len(parts) == depth else None


def nest(values: Mapping[str, object]) -> dict[str, dict[str, object]]:
    """The summary dict from ``{"group.key": value}``, in the registry's order. Every metric
    must be given and no other: the registry and the builder cannot drift apart."""
    paths = [m.path for m in metrics()]
    missing = [p for p in paths if p not in values]
    extra = sorted(set(values) - set(paths))
    if missing or extra:
        raise KeyError(f"summary metrics missing: {missing}, not in the registry: {extra}")
    return {g.name: {m.key: values[m.path] for m in g.metrics} for g in GROUPS}


def complete(summary: Mapping[str, Mapping[str, object]], added: Mapping[str, object]) -> dict:
    """The engine's ``summary`` with the decisions layer's metrics (``{"group.key": value}``,
    exactly the ``added`` ones of the registry) in place, in the registry's order."""
    paths = [m.path for g in GROUPS for m in g.added]
    missing = [p for p in paths if p not in added]
    extra = sorted(set(added) - set(paths))
    if missing or extra:
        raise KeyError(f"added metrics missing: {missing}, not in the registry: {extra}")
    return {
        g.name: {
            **summary[g.name],
            **{m.key: added[m.path] for m in g.added},
        }
        for g in GROUPS
    }
