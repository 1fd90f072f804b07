"""The pydantic models of ``flowgap.toml``, one per section, and loading with clear errors.

Each section is documented key by key in ``docs/config.md``; a status the config does not class
is guessed by :mod:`.status_guess`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from ..errors import ConfigError, excerpt
from .bounds import MAX_CHARS, check_entries, check_text
from .status_guess import (
    WAITING_AFTER,
    StatusClass,
    StatusMoves,
    guess_classes,
    guess_status_class,
)
from .values import (
    MAX_DAYS,
    TimeFormat,
    Zone,
    check_pattern,
    parse_duration,
)


class _Section(BaseModel):
    # nan and inf are numbers TOML has, and no setting means them
    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)


# --------------------------------------------------------------------------- inputs


class JiraInput(_Section):
    """Jira REST JSON and Jira UI CSV."""

    #: Name of the custom field that holds the team (history of it gives team changes).
    team_field: str | None = None
    #: Name of the flag field; a non-empty value means flagged (impediment).
    flagged_field: str = "Flagged"
    #: Date format of the UI CSV export (strptime), e.g. "%d/%b/%y %I:%M %p".
    csv_date_format: str = "%d/%b/%y %I:%M %p"
    #: Zone of naive timestamps in the UI CSV (the instance's zone). A warning says when assumed.
    csv_timezone: Zone | None = None


class TransitionCsvInput(_Section):
    """One row per status change."""

    item: str = "item"
    from_status: str = Field("from", alias="from")
    to_status: str = Field("to", alias="to")
    timestamp: str = "timestamp"
    author: str | None = "author"
    team: str | None = "team"
    #: Optional column with the item's creation time (else its first transition's).
    created: str | None = "created"
    timestamp_format: TimeFormat | None = None  # None: ISO 8601
    dayfirst: bool = False
    timezone: Zone = "UTC"


class GenericCsvInput(_Section):
    """A generic event log: one row per event, columns mapped here."""

    item: str = "case"
    #: One or more columns whose values, joined by ``status_separator``, form the status.
    status: list[str] = Field(default_factory=lambda: ["activity"])
    status_separator: str = " / "
    timestamp: str = "timestamp"
    timestamp_format: TimeFormat | None = None
    dayfirst: bool = False
    timezone: Zone = "UTC"
    team: str | None = None
    resource: str | None = None
    #: Cells equal to one of these are treated as missing.
    missing_values: list[str] = Field(default_factory=lambda: ["", "?", "NA", "N/A", "null"])
    #: A column that orders events of the same item and timestamp.
    order_by: str | None = None
    #: A column with the item's creation time (its earliest cell counts; else the first row's).
    created: str | None = None
    delimiter: str | None = None  # None: sniffed

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, v: str | None) -> str | None:
        if v is not None and (len(v) != 1 or v in '\r\n"'):
            raise ValueError(f"a single character such as ';' or '\\t', got {v!r}")
        return v

    @field_validator("status", mode="before")
    @classmethod
    def _one_or_many(cls, v: object) -> object:
        return [v] if isinstance(v, str) else v


class XesInput(_Section):
    #: The trace attribute that names the item (XES: the trace's ``concept:name``).
    case_attribute: str = "concept:name"
    #: The event attribute that holds when the event happened (an XES date).
    timestamp_attribute: str = "time:timestamp"
    #: One or more event attributes whose values, joined by ``status_separator``, form the
    #: status (e.g. ``["concept:name", "lifecycle:transition"]`` for a sub-status).
    status_attribute: list[str] = Field(default_factory=lambda: ["concept:name"])
    status_separator: str = " / "
    team_attribute: str | None = "org:group"
    resource_attribute: str | None = "org:resource"
    #: Turn start/complete lifecycles into state changes (complete -> "waiting after X").
    lifecycle: bool = True
    waiting_prefix: str = WAITING_AFTER

    @field_validator("status_attribute", mode="before")
    @classmethod
    def _one_or_many(cls, v: object) -> object:
        return [v] if isinstance(v, str) else v

    @field_validator("status_attribute")
    @classmethod
    def _some(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("name at least one attribute")
        return v


#: How the error of an input that inflates too far names the configured limit.
MAX_INFLATED_KEY = "[input] max_inflated_mb"


class InputConfig(_Section):
    #: Force a format instead of detecting it: jira-json, jira-statuses, jira-csv,
    #: transition-csv, csv, xes, parquet.
    format: str | None = None
    #: Decompression limits of one input over all its gzip and zip layers (bombs stop here).
    # Bounded above so that their byte counts stay integers (1e303 overflowed to infinity).
    max_inflated_mb: float = Field(2048.0, gt=0, le=1e9)
    max_compression_ratio: float = Field(200.0, gt=1, le=1e9)
    jira: JiraInput = Field(default_factory=JiraInput)
    transitions: TransitionCsvInput = Field(default_factory=TransitionCsvInput)
    csv: GenericCsvInput = Field(default_factory=GenericCsvInput)
    xes: XesInput = Field(default_factory=XesInput)
    # What set max_inflated_mb, as the error past it names it: the key, or a caller's own cap.
    _inflated_cap: str = PrivateAttr(MAX_INFLATED_KEY)

    @property
    def inflated_cap(self) -> str:
        """What set ``max_inflated_mb``: ``[input] max_inflated_mb`` or a caller's cap."""
        return self._inflated_cap

    def cap_inflated(self, max_mb: float, name: str) -> None:
        """Lower ``max_inflated_mb`` to a caller's own cap (the dashboard's, per upload) when
        that is lower, named ``name`` in the error past it: an error that named the key when
        the cap applied was the caller's sent the user to a setting that changes nothing."""
        if max_mb < self.max_inflated_mb:
            self.max_inflated_mb, self._inflated_cap = max_mb, name


# --------------------------------------------------------------------------- analysis


class StatusConfig(_Section):
    #: Status name -> class. Statuses not listed are guessed (and reported as guesses).
    classes: dict[str, StatusClass] = Field(default_factory=dict)
    #: Workflow order for rework: a move to a status earlier in this list is rework.
    order: list[str] = Field(default_factory=list)
    #: Statuses that count as blocked (wait) whatever their class.
    blocked: list[str] = Field(default_factory=list)


class FlowConfig(_Section):
    flow_window: Literal["commitment", "created"] = "commitment"
    #: Analysis date: open items are measured up to it (default: latest timestamp in the data).
    as_of: datetime | None = None
    #: Flag field set means blocked (touch becomes wait).
    flagged_is_blocked: bool = True
    #: Active time with no event for longer than this counts as wait beyond that point.
    stall_after: str | None = None

    @field_validator("stall_after")
    @classmethod
    def _duration(cls, v: str | None) -> str | None:
        # 0 would make every active moment a stall: all touch would count as wait
        if v is not None and parse_duration(v) <= 0:
            raise ValueError(f"must be longer than zero, got {v.strip()!r}")
        return v

    @property
    def stall_after_s(self) -> float | None:
        return parse_duration(self.stall_after) if self.stall_after else None


TeamSource = Literal["field", "status", "assignee_map", "assignee"]
#: Teams every team chart shows by name (the busiest; the others are one "other"), and the
#: most it may show (one distinct colour each).
SHOWN_TEAMS, MAX_SHOWN_TEAMS = 15, 40


class TeamConfig(_Section):
    #: Where a segment's team comes from, first that gives one wins.
    source: list[TeamSource] = Field(
        default_factory=lambda: ["field", "status", "assignee_map", "assignee"]
    )
    status_map: dict[str, str] = Field(default_factory=dict)
    assignee_map: dict[str, str] = Field(default_factory=dict)
    #: Teams the team charts show by name, the busiest first; the rest are one "other".
    shown: int = Field(SHOWN_TEAMS, ge=1, le=MAX_SHOWN_TEAMS)


Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class RecurringMeeting(_Section):
    """Every ``weekday``, every open, committed item matching a condition is reviewed."""

    weekday: Weekday
    labels_any: list[str] = Field(default_factory=list)
    priorities: list[str] = Field(default_factory=list)
    types: list[str] = Field(default_factory=list)
    start: date | None = None
    end: date | None = None


class SteeringConfig(_Section):
    #: Regexes: entering a matching status is a steering touch.
    statuses: list[str] = Field(default_factory=list)
    #: Adding one of these labels is a steering touch.
    labels: list[str] = Field(default_factory=list)
    #: Regex: a comment matching it is a steering touch.
    comment_pattern: str | None = None
    #: CSV with columns date, items (keys separated by spaces, commas or semicolons).
    meetings_file: Path | None = None
    recurring: list[RecurringMeeting] = Field(default_factory=list)
    minutes_per_item: float = Field(10.0, ge=0, le=24 * 60)
    attendees: int = Field(8, ge=0, le=100_000)

    @field_validator("statuses")
    @classmethod
    def _regexes(cls, v: list[str]) -> list[str]:
        for pattern in v:
            check_pattern(pattern)
        return v

    @field_validator("comment_pattern")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        if v is not None:
            check_pattern(v)
        return v

    @property
    def enabled(self) -> bool:
        return bool(
            self.statuses
            or self.labels
            or self.comment_pattern
            or self.meetings_file
            or self.recurring
        )


class CalendarConfig(_Section):
    """Working time. When present, touch and wait are also reported in working time."""

    timezone: Zone = "UTC"
    days: list[Weekday] = Field(
        default_factory=lambda: ["monday", "tuesday", "wednesday", "thursday", "friday"]
    )
    start: time = time(9, 0)
    end: time = time(17, 0)
    #: Country code for the ``holidays`` package ("DE", "US", ...), optional subdivision.
    holidays_country: str | None = None
    holidays_subdivision: str | None = None
    #: Extra non-working dates.
    extra_holidays: list[date] = Field(default_factory=list)

    @field_validator("holidays_country", "holidays_subdivision")
    @classmethod
    def _holidays(cls, v: str | None, info: ValidationInfo) -> str | None:
        # Checked when the file is read, so the error names the file and the key (the engine
        # used to find out, naming no file).
        subdivision = info.field_name == "holidays_subdivision"
        country = info.data.get("holidays_country") if subdivision else v
        if v is not None and country:
            import holidays  # only for a config that names a country

            try:
                holidays.country_holidays(country, subdiv=v if subdivision else None, years=[])
            except NotImplementedError as exc:
                raise ValueError(excerpt(exc)) from None
        return v


class DashboardConfig(_Section):
    upload_limit_mb: float = 200.0
    session_ttl_hours: float = 24.0
    #: Memory the server's cache of load results and analyses may hold (all sessions), and
    #: how many it keeps; the least recently used go first.
    cache_mb: float = Field(1024.0, gt=0)
    cache_entries: int = Field(24, ge=1)
    #: The path the dashboard is served under, behind a reverse proxy that forwards it as is.
    url_prefix: str = "/"

    @field_validator("url_prefix")
    @classmethod
    def _prefix(cls, v: str) -> str:
        if not (v.startswith("/") and v.endswith("/")) or "//" in v or any(c in v for c in "?#"):
            raise ValueError('a path that starts and ends with "/", such as "/flowgap/"')
        return v


# --------------------------------------------------------------------------- decisions

_WINDOW = re.compile(r"^\s*(\d+)\s*([dw])\s*$")


def parse_window_days(text: str) -> int:
    """``"12w"`` -> 84, ``"30d"`` -> 30: a forecast's history window in whole days."""
    m = _WINDOW.match(text)
    if not m or int(m.group(1)) <= 0:
        raise ValueError(f"expected a number of days or weeks like '12w' or '30d', got {text!r}")
    days = int(m.group(1)) * (7 if m.group(2) == "w" else 1)
    if days > MAX_DAYS:
        raise ValueError(f"{text.strip()!r} is longer than {MAX_DAYS:,} days")
    return days


#: Most Monte Carlo trials or bootstrap resamples: each costs time and memory for every
#: session of a shared server, and a million leaves the percentiles' noise far below a day.
MAX_TRIALS = 1_000_000


class ForecastConfig(_Section):
    """Monte Carlo forecasts from daily throughput."""

    #: History the daily throughput is sampled from: the days before ``as_of``.
    window: str = "12w"
    trials: int = Field(10_000, gt=0, le=MAX_TRIALS)
    seed: int = Field(0, ge=0, lt=2**63)
    #: Percentiles reported, each 1..99 (``p85``: done by that date in 85% of trials).
    percentiles: list[int] = Field(default_factory=lambda: [50, 85, 95])

    @field_validator("window")
    @classmethod
    def _window(cls, v: str) -> str:
        parse_window_days(v)
        return v

    @field_validator("percentiles")
    @classmethod
    def _percentiles(cls, v: list[int]) -> list[int]:
        if not v or any(p < 1 or p > 99 for p in v):
            raise ValueError("percentiles must be whole numbers from 1 to 99")
        return sorted(set(v))

    @property
    def window_days(self) -> int:
        return parse_window_days(self.window)


class ServiceLevelConfig(_Section):
    """Service level expectation per item type, and items in trouble."""

    #: The SLE is the cycle time this percentage of delivered items of the type met.
    percentile: float = Field(85.0, gt=0, lt=100)
    #: An open item whose chance to finish within the SLE is below this is in trouble.
    min_chance: float = Field(0.5, ge=0, le=1)
    #: Fewer delivered items of a type than this: the type gets the SLE of all items.
    min_items: int = Field(5, ge=1)


class WhatIfConfig(_Section):
    """What-if replays of delivered items."""

    #: Delivered items replayed: those delivered in this window before ``as_of``.
    window: str = "12w"
    #: Bootstrap resamples for the confidence intervals.
    bootstrap: int = Field(1000, gt=0, le=MAX_TRIALS)
    #: Confidence level of the intervals, in percent.
    confidence: float = Field(90.0, gt=0, lt=100)
    seed: int = Field(0, ge=0, lt=2**63)

    @field_validator("window")
    @classmethod
    def _window(cls, v: str) -> str:
        parse_window_days(v)
        return v

    @property
    def window_days(self) -> int:
        return parse_window_days(self.window)


# --------------------------------------------------------------------------- engine

_MASTER = re.compile(
    r"^(local(\[(\*|\d+)(,\d+)?\])?|spark://[^/\s]+|yarn|k8s://\S+|local-cluster\[\d+,\d+,\d+\])$"
)
_REMOTE = re.compile(r"^sc://[^/\s:;]+(:\d{1,5})?/?(;\S*)?$")


class SparkConfig(_Section):
    """Where ``--engine spark`` runs and what it is told (``[engine.spark]``)."""

    #: A master URL: ``local[N]``, ``spark://host:port``, ``yarn``, ``k8s://https://...``.
    master: str | None = None
    #: A Spark Connect endpoint, ``sc://host:15002``; ``SPARK_REMOTE`` when neither is set.
    remote: str | None = None
    #: Spark settings passed through as they are (``spark.executor.memory = "4g"``).
    conf: dict[str, str | int | float | bool] = Field(default_factory=dict)
    #: A folder the cluster can read where flowgap puts the tables it hands to Spark
    #: (``hdfs://``, ``s3a://``, ``abfss://`` or a shared path); default: a local temporary
    #: folder when Spark runs on this machine, else the tables travel over the connection.
    staging: str | None = None

    @field_validator("master")
    @classmethod
    def _master(cls, v: str | None) -> str | None:
        if v is not None and not _MASTER.match(v.strip()):
            raise ValueError(
                f"{v!r} is not a Spark master URL (local[N], spark://host:port, yarn, k8s://...)"
            )
        return None if v is None else v.strip()

    @field_validator("remote")
    @classmethod
    def _remote(cls, v: str | None) -> str | None:
        if v is not None and not _REMOTE.match(v.strip()):
            raise ValueError(f"{v!r} is not a Spark Connect URL (sc://host:port)")
        return None if v is None else v.strip()

    @field_validator("conf")
    @classmethod
    def _conf(cls, v: dict) -> dict:
        for key in v:
            if not key.startswith("spark."):
                raise ValueError(f"{key!r} is not a Spark setting (they start with 'spark.')")
        return v

    def model_post_init(self, __context: object) -> None:
        if self.master is not None and self.remote is not None:
            raise ValueError("give master or remote, not both")


class EngineConfig(_Section):
    spark: SparkConfig = Field(default_factory=SparkConfig)
    #: Where ``flowgap analyze`` writes the large tables (timeline, stints, items) as Parquet:
    #: a local folder or a URI (``hdfs://``, ``s3a://``, ``abfss://``); ``--tables-out``.
    tables_out: str | None = None


def parse_toml(text: str, path: str | Path) -> dict:
    """The TOML text of the configuration ``path``; a ConfigError naming it when it is not
    TOML. ``tomllib`` parses nested arrays and tables by recursion: a few thousand levels
    exhaust Python's stack (RecursionError), which is bad input like any other."""
    check_text(text, path)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "-", f"not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(path, "-", "not valid TOML: arrays or tables nested too deeply") from None


class Config(_Section):
    input: InputConfig = Field(default_factory=InputConfig)
    statuses: StatusConfig = Field(default_factory=StatusConfig)
    flow: FlowConfig = Field(default_factory=FlowConfig)
    teams: TeamConfig = Field(default_factory=TeamConfig)
    steering: SteeringConfig = Field(default_factory=SteeringConfig)
    calendar: CalendarConfig | None = None
    dashboard: DashboardConfig = Field(default_factory=DashboardConfig)
    forecast: ForecastConfig = Field(default_factory=ForecastConfig)
    service_level: ServiceLevelConfig = Field(default_factory=ServiceLevelConfig)
    whatif: WhatIfConfig = Field(default_factory=WhatIfConfig)
    engine: EngineConfig = Field(default_factory=EngineConfig)

    #: Where the config came from (for relative paths and error messages); not a TOML key.
    source_path: Path | None = Field(default=None, exclude=True)

    @classmethod
    def load(cls, path: str | Path) -> Config:
        """Read and validate a TOML file. Errors name the file and the key."""
        path = Path(path)
        try:
            with path.open(encoding="utf-8-sig") as fh:
                text = fh.read(MAX_CHARS + 1)  # enough to tell a file too long, never more
        except FileNotFoundError:
            raise ConfigError(path, "-", "file not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(path, "-", f"cannot read: {exc}") from None
        cfg = cls.from_dict(parse_toml(text, path), path)
        cfg.source_path = path
        steering = cfg.steering
        if steering.meetings_file is not None and not steering.meetings_file.is_absolute():
            steering.meetings_file = path.parent / steering.meetings_file
        return cfg

    @classmethod
    def from_dict(cls, raw: dict, path: str | Path = "<config>") -> Config:
        check_entries(raw, path)
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(p) for p in err["loc"]) or "-"
            # "Value error, " is pydantic's wrapping of a validator's own message.
            raise ConfigError(path, key, err["msg"].removeprefix("Value error, ")) from None

    def with_input(self, section: str, values: Mapping[str, object], name: str) -> Config:
        """This config with the keys of ``[input.<section>]`` given in ``values`` set (a
        mapping picked in the dashboard; ``None`` unsets a key, back to its default), validated
        as a file's would be: a ConfigError names ``name`` and the key."""
        raw = self.to_toml_dict()
        mapped = raw["input"].setdefault(section, {})
        for key, value in values.items():
            if value is None:
                mapped.pop(key, None)
            else:
                mapped[key] = value
        config = Config.from_dict(raw, name)
        config.source_path = self.source_path
        config.steering.meetings_file = self.steering.meetings_file
        config.input._inflated_cap = self.input._inflated_cap  # not a TOML key: kept by hand
        return config

    def to_toml_dict(self) -> dict:
        """The config as plain TOML-able data (dates as ISO strings, nulls dropped)."""
        return _drop_none(self.model_dump(mode="json", by_alias=True))

    def status_class(self, status: str, category: str | None = None) -> tuple[str, bool]:
        """Class of a status and whether it was guessed (not in ``[statuses] classes``)."""
        if status in self.statuses.classes:
            return self.statuses.classes[status], False
        return guess_status_class(status, category), True

    def status_classes(
        self,
        names: Iterable[str],
        categories: Mapping[str, str],
        moves: StatusMoves | None = None,
    ) -> dict[str, tuple[str, bool]]:
        """Class of each status and whether it was guessed, the guesses reading the
        workflow's shape (``moves``) as well as names and categories."""
        fixed = dict(self.statuses.classes)
        names = list(names)
        guesses = guess_classes([n for n in names if n not in fixed], categories, moves, fixed)
        return {n: (fixed[n], False) if n in fixed else (guesses[n], True) for n in names}


def _drop_none(value: object) -> object:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value
