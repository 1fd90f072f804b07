"""The contract of report.json as typed models; ``docs/report-schema.json`` is generated from
them (pydantic's ``model_json_schema``), never written by hand.

The summary's models come from the metric registry (``engine/summary_metrics.py``), with each
metric's meaning and unit as its description; the tables' row models come from the engine's
Arrow schemas (``engine/schemas.py``). The report itself is built as plain data by
``json_report.build_report`` (validating every row of big tables would cost seconds); the
tests validate it against this schema.

Regenerate the committed file with ``python -m flowgap.report.docs``.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Literal

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.json_schema import GenerateJsonSchema

from ..decisions.service_level import IN_TROUBLE, SERVICE_LEVELS
from ..engine import summary_metrics as registry
from ..engine.summary_metrics import Kind
from ..tables import TABLES

#: ``1.x``: a new minor version adds to the contract, a new major one breaks it.
SCHEMA_VERSION = "2.2"
WARNING_CAP = 1000
#: Too big for the JSON and always in the CSV.
EXCLUDED_TABLES = ("timeline",)
SCHEMA_ID = "https://github.com/flowgap/flowgap/blob/main/docs/report-schema.json"

Number = float | None


class _Open(BaseModel):
    """An object that may carry more keys than listed."""


class _Closed(BaseModel):
    """An object with exactly the keys listed (``additionalProperties: false``)."""

    model_config = ConfigDict(extra="forbid")


class InputSummary(_Closed):
    path: str = Field(
        description="The input as given: a local path (forward slashes) or a URI as given "
        "(file:///..., hdfs://..., s3a://...)."
    )
    format: str
    record_unit: str
    records_read: int = Field(ge=0)
    records_loaded: int = Field(ge=0)
    records_rejected: int = Field(ge=0)


class DataWarning(_Open):
    kind: str
    message: str
    item: str | None
    source: str | None


class Finding(_Open):
    #: Two rankings, each numbered from 1: waiting by team is a second share of the waiting
    #: the ``main`` ranking shares by status.
    ranking: Literal["main", "team"]
    rank: int
    kind: str
    subject: str | None
    impact_s: Number
    text: str
    item: str | None


class ThresholdResult(_Closed):
    expression: str
    metric: str
    op: Literal["<", "<=", ">", ">=", "==", "!="]
    relative: bool
    actual: Number
    limit: Number
    baseline: Number
    held: bool
    message: str


class Thresholds(_Closed):
    held: int = Field(ge=0)
    failed: int = Field(ge=0)
    results: list[ThresholdResult]


class MetricDelta(_Open):
    metric: str
    current: Number
    baseline: Number
    delta: Number
    delta_pct: Number


class BottleneckDelta(_Open):
    name: str
    current_wait_s: Number
    baseline_wait_s: Number
    delta_s: Number
    delta_pct: Number
    current_share: Number = None
    baseline_share: Number = None


class BaselineBottlenecks(_Closed):
    status: list[BottleneckDelta]
    team: list[BottleneckDelta]
    handoff: list[BottleneckDelta]


class Baseline(_Closed):
    as_of: str | None
    flowgap_version: str | None
    metrics: list[MetricDelta]
    bottlenecks: BaselineBottlenecks


class ForecastWindow(_Closed):
    start: date
    end: date
    days: int = Field(ge=1)
    delivered: int = Field(ge=0)
    mean_per_day: float


class WhenPoint(_Closed):
    date: date
    trials: int = Field(ge=1)
    cumulative: float = Field(description="Share of trials done by this date.")


class ByPoint(_Closed):
    items: int = Field(ge=0)
    trials: int = Field(ge=1)
    at_least: float = Field(description="Share of trials delivering at least this many items.")


class ForecastWhen(_Closed):
    """When will N more items be delivered (N: the current WIP)."""

    items: int = Field(ge=1)
    start: date
    dates: dict[str, date] = Field(
        description="pXX: the date by which the items are done in XX% of trials."
    )
    days: dict[str, int]
    trials: int
    seed: int
    window: ForecastWindow
    distribution: list[WhenPoint]


class ForecastBy(_Closed):
    """How many items will be delivered by a date (four weeks after as_of)."""

    by: date
    start: date
    days: int = Field(ge=1)
    items: dict[str, int] = Field(
        description="pXX: the count reached or exceeded in XX% of trials."
    )
    trials: int
    seed: int
    window: ForecastWindow
    distribution: list[ByPoint]


class Forecast(_Closed):
    """Monte Carlo forecasts from the daily throughput of `[forecast] window` before as_of."""

    when: ForecastWhen | None
    by: ForecastBy


class WhyEmpty(_Closed):
    """Why a decisions section is empty: one clause each, null when it is not."""

    forecast: str | None = Field(description="Why `forecast` is null.")
    actions: str | None = Field(description="Why `actions` is empty.")
    in_trouble: str | None = Field(description="Why `in_trouble` has no row.")
    service_levels: str | None = Field(
        description="Why `service_levels` says nothing (no status history: no cycle time)."
    )


class ActionWindow(_Closed):
    """The delivered items an action's gain replays (`[whatif] window_days` before as_of)."""

    start: date
    end: date
    days: int = Field(ge=1)
    items: int = Field(ge=1, description="Delivered items replayed.")


class Action(_Closed):
    rank: int = Field(ge=1)
    kind: Literal["shrink_status", "remove_status", "merge_teams", "steering"]
    subject: str
    finding: int | None = Field(description="Rank of the finding the action answers.")
    text: str
    changes: list[str]
    window: ActionWindow | None = Field(
        description=(
            "The items replayed: the p85 before and after are theirs, not the headline's"
            " (null for the steering action, which replays nothing)."
        )
    )
    lead_time_p85_before_s: Number
    lead_time_p85_after_s: Number
    lead_time_p85_change: Number = Field(description="after / before - 1.")
    days_saved: Number = Field(description="Days saved on the lead time p85 (what ranks).")
    handoffs_per_quarter: Number
    meeting_hours_per_quarter: Number


# --------------------------------------------------------------------------- mining


class Variant(_Closed):
    rank: int = Field(ge=1)
    path: list[str] = Field(description="The statuses visited, in order.")
    items: int = Field(ge=0)
    share: float = Field(description="Of the items with a status path.")
    delivered: int = Field(ge=0)
    median_lead_time_s: Number = Field(description="Of its delivered items.")
    median_flow_efficiency: Number = Field(description="Of its delivered items.")


class Variants(_Closed):
    """The paths items take through the statuses (pm4py's variants), most frequent first."""

    items: int = Field(ge=0, description="Items with a status path.")
    distinct: int = Field(ge=0, description="Distinct variants.")
    top_share: Number = Field(description="Share of the items the listed variants cover.")
    top: list[Variant]


class Deviation(_Closed):
    kind: Literal["skipped", "backward", "outside"]
    status: str | None = Field(description="The status skipped or visited outside.")
    items: int = Field(ge=0, description="Delivered items with this deviation.")
    share: float = Field(description="Of the delivered items.")
    median_lead_time_s: Number = Field(description="Of the items with this deviation.")
    median_lead_time_s_without: Number = Field(
        description="Of the delivered items without this deviation."
    )


class Conformance(_Closed):
    """Delivered items against the intended workflow: skipped steps, backward moves, statuses
    outside it."""

    workflow: list[str]
    workflow_source: Literal["config", "inferred"] = Field(
        description="`[statuses] order`, or the most frequent path of delivered items."
    )
    delivered: int = Field(ge=0)
    conforming: int = Field(ge=0, description="Delivered items without any deviation.")
    conforming_share: Number
    median_lead_time_s_conforming: Number
    deviations: list[Deviation]
    finding: str | None = Field(description="The biggest deviation, in words.")


class HandoffCycle(_Closed):
    teams: list[str] = Field(description="A -> B -> C (-> A), starting at the first in name order.")
    handoffs: int = Field(ge=1, description="Handoffs on the cycle's weakest step.")


class TeamCluster(_Closed):
    rank: int = Field(ge=1)
    teams: list[str]
    handoffs_inside: int = Field(ge=0, description="Handoffs between teams of the cluster.")
    share_of_handoffs: Number
    wait_inside_s: Number = Field(description="Waiting after those handoffs (wait_s).")
    whole_graph: bool = Field(description="The cluster holds every team that handed work.")


class TeamClusters(_Closed):
    """Communities of teams that hand work mostly among themselves (networkx), best
    candidate for working as one team first."""

    handoffs: int = Field(ge=0)
    clusters: list[TeamCluster]
    finding: str | None = Field(description="The best candidate, as a question.")


# --------------------------------------------------------------------------- from the registry


def _metric_type(metric: registry.SummaryMetric, named: bool) -> Any:
    value = str | None if metric.kind is Kind.TIMESTAMP else Number
    return dict[str, value] if named else value  # type: ignore[valid-type]


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _summary_model() -> type[BaseModel]:
    groups: dict[str, Any] = {}
    for group in registry.GROUPS:
        fields: dict[str, Any] = {
            f"m{i}": (
                _metric_type(m, group.named),
                Field(
                    alias=m.key, description=f"{m.description}. Unit: {registry.UNIT_TEXT[m.kind]}."
                ),
            )
            for i, m in enumerate(group.every)
        }
        model = create_model(_camel(group.name), __base__=_Open, **fields)
        groups[f"g{len(groups)}"] = (model, Field(alias=group.name))
    return create_model("Summary", __base__=_Open, **groups)


# --------------------------------------------------------------------------- from the tables


def _column_type(dtype: pa.DataType) -> Any:
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype):
        return str | None
    if pa.types.is_integer(dtype):
        return int | None
    if pa.types.is_floating(dtype):
        return Number
    if pa.types.is_boolean(dtype):
        return bool | None
    if pa.types.is_timestamp(dtype):
        return datetime | None
    if pa.types.is_date(dtype):
        return date | None
    if pa.types.is_list(dtype):
        return list[_column_type(dtype.value_type)] | None  # type: ignore[misc]
    raise TypeError(f"no JSON schema for {dtype}")


def _row_model(name: str, schema: pa.Schema) -> type[BaseModel]:
    # Column names such as "class" are no Python identifiers: fields by position, aliased.
    fields: dict[str, Any] = {
        f"c{i}": (_column_type(f.type), Field(alias=f.name)) for i, f in enumerate(schema)
    }
    return create_model(f"{_camel(name)}Row", __base__=_Open, **fields)


def _table_model(name: str, row: type[BaseModel]) -> type[BaseModel]:
    return create_model(
        f"{_camel(name)}Table",
        __base__=_Closed,
        rows=(list[row], ...),  # type: ignore[valid-type]
        total_rows=(int, Field(ge=0)),
        truncated=(bool, ...),
    )


ROWS: dict[str, type[BaseModel]] = {name: _row_model(name, s) for name, s in TABLES.items()}
ServiceLevelRow = _row_model("service_levels", SERVICE_LEVELS)
InTroubleTable = _table_model("in_trouble", _row_model("in_trouble", IN_TROUBLE))
_tables: dict[str, Any] = {
    f"t{i}": (_table_model(name, ROWS[name]), Field(alias=name))
    for i, name in enumerate(n for n in TABLES if n not in EXCLUDED_TABLES)
}
Tables = create_model("Tables", __base__=_Closed, **_tables)
Summary = _summary_model()
StatusClassesRow = ROWS["status_classes"]


class Report(_Closed):
    """Written by `flowgap analyze`. Durations are seconds, ratios 0..1, timestamps ISO 8601
    UTC. Floats are rounded to 6 significant digits; the CSVs hold every row at full
    precision. The timeline table is only in csv/timeline.csv."""

    schema_version: str = Field(pattern=r"^2\.\d+$")
    flowgap_version: str | None
    pm4py_version: str | None
    engine: Literal["duckdb", "spark"]
    as_of: datetime
    has_history: bool = Field(
        description="False for inputs without status history: lead time only."
    )
    inputs: list[InputSummary]
    rejects: int = Field(ge=0)
    warnings: list[DataWarning] = Field(max_length=WARNING_CAP)
    warnings_total: int = Field(ge=0)
    config: dict[str, Any] = Field(description="The flowgap.toml in force.")
    status_classes: list[StatusClassesRow]  # type: ignore[valid-type]
    guessed_statuses: list[str]
    summary: Summary  # type: ignore[valid-type]
    findings: list[Finding]
    service_levels: list[ServiceLevelRow] = Field(  # type: ignore[valid-type]
        description="The service level expectation per item type (`*`: every item)."
    )
    in_trouble: InTroubleTable = Field(  # type: ignore[valid-type]
        description="Open items past their SLE or with under `min_chance` to finish within it."
    )
    forecast: Forecast | None = Field(
        description="Null when no item was delivered in the forecast window."
    )
    actions: list[Action] = Field(description="Recommended actions, ranked by days saved.")
    why_empty: WhyEmpty
    two_way_handoffs: list[list[str]] = Field(
        description=(
            "Pairs of teams that hand work to each other in both directions, on any items "
            "(a ping-pong is A -> B -> A within one item: see the handoffs table)."
        )
    )
    handoff_cycles: list[HandoffCycle] = Field(
        description=(
            "Cycles of three or four teams in the handoff graph (networkx), among the 30 "
            "busiest teams: work that comes back around, on any items."
        )
    )
    variants: Variants
    conformance: Conformance
    team_clusters: TeamClusters
    tables: Tables  # type: ignore[valid-type]
    thresholds: Thresholds
    baseline: Baseline | None


# --------------------------------------------------------------------------- the schema


class _Generator(GenerateJsonSchema):
    """Draft 2020-12 without a title on every property (the names say it)."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """Every ``$ref`` replaced by its definition: the schema reads top to bottom, and a path
    like ``properties.tables.properties.items`` leads to the table itself."""
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    if "$ref" in node:
        out.update(_inline(defs[node["$ref"].rsplit("/", 1)[1]], defs))
    for key, value in node.items():
        # A model's "title" is its Python class name: noise in the contract.
        if key in ("$ref", "$defs") or (key == "title" and isinstance(value, str)):
            continue
        out[key] = _inline(value, defs)
    return out


def report_schema() -> dict:
    """JSON Schema (draft 2020-12) of report.json; docs/report-schema.json is its output."""
    raw = Report.model_json_schema(schema_generator=_Generator)
    body = _inline(raw, raw.get("$defs", {}))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "flowgap report.json",
        **body,
        "description": " ".join((Report.__doc__ or "").split()),
    }


def schema_text() -> str:
    return json.dumps(report_schema(), indent=2, ensure_ascii=False) + "\n"
