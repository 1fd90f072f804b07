"""``flowgap.toml``: the models of every section (:mod:`.models`), their checked values
(:mod:`.values`: durations, zones, formats, patterns), the status-class heuristics
(:mod:`.status_guess`) and the one TOML writer (:mod:`.toml_writer`).

The writer is not imported here: it brings tomlkit, which only commands that write a config
need.
"""

from __future__ import annotations

from .models import (
    CalendarConfig,
    Config,
    DashboardConfig,
    FlowConfig,
    GenericCsvInput,
    InputConfig,
    JiraInput,
    RecurringMeeting,
    StatusConfig,
    SteeringConfig,
    TeamConfig,
    TeamSource,
    TransitionCsvInput,
    Weekday,
    XesInput,
    parse_toml,
)
from .status_guess import STATUS_CLASSES, StatusClass, StatusMoves, guess_status_class
from .values import parse_duration

__all__ = [
    "STATUS_CLASSES",
    "CalendarConfig",
    "Config",
    "DashboardConfig",
    "FlowConfig",
    "GenericCsvInput",
    "InputConfig",
    "JiraInput",
    "RecurringMeeting",
    "StatusClass",
    "StatusConfig",
    "StatusMoves",
    "SteeringConfig",
    "TeamConfig",
    "TeamSource",
    "TransitionCsvInput",
    "Weekday",
    "XesInput",
    "guess_status_class",
    "parse_duration",
    "parse_toml",
]
