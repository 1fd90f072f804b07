"""One specification of every table the reports and the dashboard show: which columns, their
headers and their formats.

A :class:`TableSpec` lists its columns once. Each column names the row key it shows, its
header, its format (days, percent, count, ...) and the views that show it: ``md`` (report.md,
a CI job summary, so the fewest columns), ``html`` (report.html) and ``grid`` (the dashboard's
AG Grids, which also take the columns too detailed for a report). The Markdown and HTML
writers turn a value into text with :func:`text`; the dashboard turns it into a sortable
number with :func:`grid_value` and puts the unit in the header (``Wait (d)``).

Rows are the engine's table rows (or the report's JSON rows of them): durations in seconds,
ratios 0..1. Ticket text is escaped by each writer, never here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from ..engine.time_shares import part_label
from ..units import DAY_S
from .baseline import describe_delta
from .fmt import days, num, pct


class Fmt(StrEnum):
    #: As is (escaped by the writer).
    TEXT = "text"
    #: Seconds, shown in days: "12.3 d"; a grid holds the days as a number.
    DAYS = "days"
    #: A signed change in seconds, shown in days: "+1.2 d".
    DAYS_DELTA = "days_delta"
    #: Hours: "1.5 h".
    HOURS = "hours"
    #: A ratio 0..1, shown as a percentage: "12.3%"; a grid holds 12.3.
    PERCENT = "percent"
    #: A count ("1,234") or an average ("2.35").
    COUNT = "count"
    #: A flag: "yes" or nothing; a grid holds the boolean.
    FLAG = "flag"
    #: A moment or a day; a grid shows it as ISO text.
    TIME = "time"
    #: An expression or a metric path, set as code by the writer.
    CODE = "code"
    #: A threshold's outcome (True: held), set by the writer (a mark, a colour).
    VERDICT = "verdict"


#: The unit a grid header carries for a column whose cells are bare numbers.
GRID_UNITS = {Fmt.DAYS: "d", Fmt.DAYS_DELTA: "d", Fmt.HOURS: "h", Fmt.PERCENT: "%"}
#: Decimals a grid keeps (sorting and filtering work on the number).
GRID_DIGITS = {Fmt.DAYS: 2, Fmt.DAYS_DELTA: 2, Fmt.HOURS: 2, Fmt.PERCENT: 1}

MD, HTML, GRID = "md", "html", "grid"
ALL = frozenset({MD, HTML, GRID})
REPORTS = frozenset({MD, HTML})


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    fmt: Fmt = Fmt.TEXT
    views: frozenset[str] = ALL
    #: The value from the whole row, for a column that combines keys (``from -> to``).
    get: Callable[[dict], object] | None = None

    def value(self, row: dict) -> object:
        return self.get(row) if self.get is not None else row.get(self.key)

    @property
    def grid_field(self) -> str:
        """The grid's field: named for its unit when the number is converted."""
        if self.fmt in (Fmt.DAYS, Fmt.DAYS_DELTA):
            return self.key.removesuffix("_s") + "_days"
        if self.fmt is Fmt.PERCENT:
            return self.key + "_pct"
        return self.key

    @property
    def grid_header(self) -> str:
        unit = GRID_UNITS.get(self.fmt)
        return f"{self.header} ({unit})" if unit else self.header


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[Column, ...]

    def view(self, view: str) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if view in c.views)

    def headers(self, view: str) -> list[str]:
        return [c.header for c in self.view(view)]

    def select(self, *keys: str) -> TableSpec:
        """The columns ``keys``, in that order, shown everywhere (a page's own cut)."""
        by_key = {c.key: c for c in self.columns}
        return TableSpec(self.name, tuple(replace(by_key[k], views=ALL) for k in keys))


# --------------------------------------------------------------------------- formatting


def text(fmt: Fmt, value: object) -> str:
    """A value as report text (before the writer's escaping)."""
    if fmt is Fmt.DAYS:
        return days(value)  # type: ignore[arg-type]
    if fmt is Fmt.DAYS_DELTA:
        return "–" if value is None else f"{value / DAY_S:+.1f} d"  # type: ignore[operator]
    if fmt is Fmt.HOURS:
        return "–" if value is None else f"{value:.1f} h"
    if fmt is Fmt.PERCENT:
        return pct(value)  # type: ignore[arg-type]
    if fmt is Fmt.COUNT:
        return num(value)  # type: ignore[arg-type]
    if fmt is Fmt.FLAG:
        return "yes" if value else ""
    return "" if value is None else str(value)


def grid_value(fmt: Fmt, value: object) -> object:
    """A value as a grid cell: durations in days and ratios in percent, rounded; the rest as
    is (the dashboard renders moments and lists as text)."""
    if value is None or fmt not in GRID_DIGITS:
        return value
    if fmt in (Fmt.DAYS, Fmt.DAYS_DELTA):
        value = value / DAY_S  # type: ignore[operator]
    elif fmt is Fmt.PERCENT:
        value = value * 100  # type: ignore[operator]
    return round(value, GRID_DIGITS[fmt])  # type: ignore[call-overload]


def grid_rows(spec: TableSpec, rows: Iterable[dict]) -> list[dict]:
    columns = spec.view(GRID)
    return [{c.grid_field: grid_value(c.fmt, c.value(r)) for c in columns} for r in rows]


def grid_columns(spec: TableSpec) -> list[tuple[str, str]]:
    """(field, header) of each grid column."""
    return [(c.grid_field, c.grid_header) for c in spec.view(GRID)]


def by_wait(rows: Iterable[dict], wait: str, *names: str) -> list[dict]:
    """Rows ranked by the wait they contributed, the biggest first, ties by name: the order
    of every bottleneck table."""
    return sorted(rows, key=lambda r: (-(r.get(wait) or 0.0), *(str(r[n]) for n in names)))


# --------------------------------------------------------------------------- the tables

D, P, N = Fmt.DAYS, Fmt.PERCENT, Fmt.COUNT
_HTML_GRID = frozenset({HTML, GRID})


def _edge(row: dict) -> str:
    return f"{row['from_team']} → {row['to_team']}"


TIME_SHARES = TableSpec(
    "time_shares",
    (
        Column("part", "Where the time went", get=part_label),
        Column("seconds", "Item-days", D),
        Column("share", "Share of elapsed time", P),
    ),
)

STAGES = TableSpec(
    "stages",
    (
        Column("status", "Status"),
        Column("class", "Class", views=_HTML_GRID),
        # Two different spans: the wait counts only time inside flow windows, a visit's
        # median whole visits (a done status's visits run on after delivery).
        Column("wait_s", "Wait in flow windows", D),
        Column("wait_share", "Share of wait", P),
        Column("visits", "Visits", N),
        Column("median_visit_s", "Median visit (whole)", D),
        # Open items in the status, committed or not: "WIP" beside a backlog status read as
        # work in progress where the headline's WIP (committed items) said none.
        Column("wip", "Open items now", N),
        Column("wip_age_median_s", "Their median time here", D, _HTML_GRID),
        Column("wip_age_max_s", "Their longest time here", D, frozenset({GRID})),
    ),
)

TEAMS = TableSpec(
    "teams",
    (
        Column("team", "Team"),
        Column("items", "Items", N, _HTML_GRID),
        Column("touch_s", "Touch", D, _HTML_GRID),
        Column("wait_s", "Wait", D),
        Column("wait_share", "Share of wait", P),
        Column("median_queue_s", "Median queue before pickup", D),
        Column("handoffs_in", "Handoffs in", N),
        Column("handoffs_out", "Handoffs out", N, _HTML_GRID),
    ),
)

HANDOFFS = TableSpec(
    "handoffs",
    (
        Column("edge", "Handoff", get=_edge),
        Column("count", "Count", N),
        Column("items", "Items", N, _HTML_GRID),
        Column("total_wait_s", "Total wait", D),
        Column("median_wait_s", "Median wait", D),
        Column("p85_wait_s", "p85 wait", D),
        Column("ping_pong", "Ping-pong", Fmt.FLAG),
    ),
)


def _path(row: dict) -> str:
    return " → ".join(row["path"])


def _deviation(row: dict) -> str:
    if row["kind"] == "skipped":
        return f"skipped {row['status']}"
    if row["kind"] == "outside":
        return f"passed through {row['status']} (outside the workflow)"
    return "moved backward"


def cycle_text(cycle: dict) -> str:
    """A cycle of teams in words: "Dev → QA → Ops → Dev (at least 4 handoffs a step)"."""
    teams = [*cycle["teams"], cycle["teams"][0]]
    return f"{' → '.join(teams)} (at least {cycle['handoffs']:,} handoffs a step)"


def _teams(row: dict) -> str:
    return ", ".join(row["teams"])


#: The mining layer's summaries (report.json's ``variants``, ``conformance``, ``team_clusters``).
VARIANTS = TableSpec(
    "variants",
    (
        Column("path", "Path through the statuses", get=_path),
        Column("items", "Items", N),
        Column("share", "Share of items", P),
        Column("median_lead_time_s", "Median lead time", D),
        Column("median_flow_efficiency", "Median flow efficiency", P),
    ),
)

DEVIATIONS = TableSpec(
    "deviations",
    (
        Column("deviation", "Deviation", get=_deviation),
        Column("items", "Delivered items", N),
        Column("share", "Share of delivered", P),
        Column("median_lead_time_s", "Their median lead time", D),
        Column("median_lead_time_s_without", "Others' median lead time", D),
    ),
)

TEAM_CLUSTERS = TableSpec(
    "team_clusters",
    (
        Column("teams", "Teams", get=_teams),
        Column("handoffs_inside", "Handoffs inside", N),
        Column("share_of_handoffs", "Share of handoffs", P),
        Column("wait_inside_s", "Waiting after them", D),
    ),
)

ITEMS = TableSpec(
    "items",
    (
        Column("item", "Item"),
        Column("type", "Type"),
        Column("summary", "Summary"),
        Column("current_status", "Status"),
        Column("lead_time_s", "Lead time", D),
        Column("cycle_time_s", "Cycle time", D),
        Column("touch_s", "Touch", D),
        Column("wait_s", "Wait", D),
        Column("flow_efficiency", "Flow efficiency", P),
        Column("handoffs", "Handoffs", N),
        Column("team_path", "Teams"),
        Column("steering_touches", "Steering touches", N),
    ),
)

#: One item's timeline (the journey page).
SEGMENTS = TableSpec(
    "timeline",
    (
        Column("start", "Start", Fmt.TIME),
        Column("end", "End", Fmt.TIME),
        Column("status", "Status"),
        Column("class", "Class"),
        Column("team", "Team"),
        Column("assignee", "Assignee"),
        Column("flagged", "Flagged", Fmt.FLAG),
        Column("blocked", "Blocked", Fmt.FLAG),
        Column("duration_s", "Duration", D),
    ),
)

EVENTS = TableSpec(
    "events",
    (
        Column("ts", "Time (UTC)", Fmt.TIME),
        Column("field", "Field"),
        Column("prev", "From"),
        Column("value", "To / text"),
        Column("actor", "By"),
        Column("source", "Source"),
    ),
)

STEERING_TOUCHES = TableSpec(
    "steering_touches",
    (
        Column("meeting_date", "Day", Fmt.TIME),
        Column("kind", "Kind"),
        Column("detail", "Detail"),
    ),
)


def _meeting_hours(row: dict) -> float | None:
    minutes = row.get("cost_minutes")
    return None if minutes is None else minutes / 60


STEERING_MEETINGS = TableSpec(
    "steering_meetings",
    (
        Column("meeting_date", "Day", Fmt.TIME),
        Column("items", "Items", N),
        Column("touches", "Touches", N),
        Column("cost_hours", "Meeting cost, person-hours", Fmt.HOURS, get=_meeting_hours),
    ),
)

STEERING_COMPARISON = TableSpec(
    "steering_comparison",
    (
        Column("type", "Type"),
        Column("period", "Quarter"),
        Column("steered_items", "Steered items", N),
        Column("unsteered_items", "Unsteered items", N),
        Column("steered_lead_median_s", "Steered lead time, median", D),
        Column("unsteered_lead_median_s", "Unsteered lead time, median", D),
    ),
)

#: Rows: ``report.json``'s ``inputs`` (one per input file).
INPUTS = TableSpec(
    "inputs",
    (
        Column("path", "File"),
        Column("format", "Format"),
        Column("records_read", "Read", N),
        Column("records_loaded", "Loaded", N),
        Column("records_rejected", "Rejected", N),
        Column("record_unit", "Record", views=frozenset({GRID})),
    ),
)

REJECTS = TableSpec("rejects", (Column("source", "Source"), Column("reason", "Reason")))

WARNINGS = TableSpec(
    "warnings",
    (
        Column("kind", "Kind"),
        Column("item", "Item"),
        Column("message", "Finding"),
        Column("source", "Source"),
    ),
)


def _guessed(row: dict) -> str:
    return "guess" if row["guessed"] else "configured"


STATUS_CLASSES = TableSpec(
    "status_classes",
    (
        Column("status", "Status"),
        Column("class", "Class"),
        Column("guessed", "Guessed", get=_guessed),
        Column("events", "Entered", N),
    ),
)

#: Rows: ``thresholds.results`` of report.json.
IN_TROUBLE = TableSpec(
    "in_trouble",
    (
        Column("item", "Item"),
        Column("type", "Type"),
        Column("age_s", "Age", Fmt.DAYS),
        Column("sle_s", "SLE", Fmt.DAYS),
        Column("chance", "Chance within SLE", Fmt.PERCENT),
        # The current status, a queue or not (the class tells): "waits in" would be false
        # for an item being worked on.
        Column("status", "Now in"),
        Column("class", "Class", views=_HTML_GRID),
        Column("team", "Team"),
        Column("in_status_s", "For", Fmt.DAYS),
        Column("summary", "Summary", views=frozenset({HTML, GRID})),
    ),
)

SERVICE_LEVELS = TableSpec(
    "service_levels",
    (
        Column("type", "Type"),
        Column("sle_s", "SLE", Fmt.DAYS),
        Column("delivered", "Delivered", Fmt.COUNT),
        Column("pooled", "SLE of all items", Fmt.FLAG),
        Column("wip", "Open", Fmt.COUNT),
        Column("over_sle", "Past SLE", Fmt.COUNT),
        Column("in_trouble", "In trouble", Fmt.COUNT),
    ),
)

ACTIONS = TableSpec(
    "actions",
    (
        Column("rank", "#", Fmt.COUNT),
        Column("text", "Action"),
        Column(
            "days_saved", "Days saved (lead time p85)", Fmt.COUNT, views=frozenset({HTML, GRID})
        ),
    ),
)

THRESHOLDS = TableSpec(
    "thresholds",
    (
        Column("held", "", Fmt.VERDICT),
        Column("expression", "Threshold", Fmt.CODE),
        Column("message", "Result"),
    ),
)


def _metric_change(row: dict) -> str:
    return describe_delta(row["metric"], row)


#: Rows: ``baseline.metrics`` of report.json (only the changed ones are shown).
METRIC_CHANGES = TableSpec(
    "baseline_metrics",
    (
        Column("metric", "Metric", Fmt.CODE),
        Column("change", "Baseline → now", get=_metric_change),
    ),
)


#: The kinds of ``baseline.bottlenecks``: (key, column header, heading).
BOTTLENECK_KINDS = (
    ("status", "Status", "Statuses"),
    ("team", "Team", "Teams"),
    ("handoff", "Handoff", "Handoffs"),
)


def bottleneck_changes(label: str) -> TableSpec:
    """Rows: ``baseline.bottlenecks[kind]`` of report.json; ``label`` names the kind
    (Status, Team, Handoff)."""
    return TableSpec(
        "baseline_bottlenecks",
        (
            Column("name", label),
            Column("baseline_wait_s", "Baseline wait", D),
            Column("current_wait_s", "Wait now", D),
            Column("delta_s", "Change", Fmt.DAYS_DELTA, frozenset({MD, GRID})),
        ),
    )
