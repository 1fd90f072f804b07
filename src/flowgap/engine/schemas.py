"""The column contract of every table the engine produces, by name.

Each schema is defined beside the step that makes its table (``TIMELINE`` in ``timeline.py``,
``ITEMS`` in ``items.py``, ...); this index lists them. The report writers, figures and
dashboard read these columns by name; docs/metrics.md documents every one of them (a test keeps
it so). Durations are seconds (float64); timestamps UTC. A column that only exists with a
working calendar is null without one. The tables of an analysis that other layers add (the
process maps) are in :mod:`flowgap.tables`.
"""

from __future__ import annotations

import pyarrow as pa

from .daily import DAILY, DAILY_TOTALS, WEEKLY
from .handoffs import HANDOFFS
from .items import ITEMS
from .stages import STAGES
from .status_classes import STATUS_CLASSES
from .steering import STEERING_COMPARISON, STEERING_MEETINGS
from .steering_touches import STEERING_TOUCHES
from .stints import HANDOFF_EVENTS, STINTS
from .teams import TEAMS
from .time_shares import TIME_SHARES
from .timeline import TIMELINE

__all__ = [
    "DAILY",
    "DAILY_TOTALS",
    "HANDOFFS",
    "HANDOFF_EVENTS",
    "ITEMS",
    "STAGES",
    "STATUS_CLASSES",
    "STEERING_COMPARISON",
    "STEERING_MEETINGS",
    "STEERING_TOUCHES",
    "STINTS",
    "TABLES",
    "TEAMS",
    "TIMELINE",
    "TIME_SHARES",
    "WEEKLY",
]

#: Every table of the engine, by the name an Analysis gives it.
TABLES: dict[str, pa.Schema] = {
    "timeline": TIMELINE,
    "stints": STINTS,
    "items": ITEMS,
    "stages": STAGES,
    "teams": TEAMS,
    "handoffs": HANDOFFS,
    "handoff_events": HANDOFF_EVENTS,
    "daily": DAILY,
    "daily_totals": DAILY_TOTALS,
    "weekly": WEEKLY,
    "steering_touches": STEERING_TOUCHES,
    "steering_meetings": STEERING_MEETINGS,
    "steering_comparison": STEERING_COMPARISON,
    "status_classes": STATUS_CLASSES,
    "time_shares": TIME_SHARES,
}
