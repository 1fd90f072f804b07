"""A starter ``[input.csv]`` mapping for an event-log CSV that fits no known shape, guessed from
its header and the values of its first rows.

pm4py's standard column names (``case:concept:name``, ``concept:name``, ``time:timestamp``,
``org:group``, ``org:resource``) are taken as they are. Otherwise, by name and by values:

- **timestamp**: columns whose values parse as timestamps (``csv_timestamps``' rule, month
  first, or day first when only that reads them); the event time is one named like an update
  or a change (``updated``, ``changed``, ``time``, ``date``...), not a creation; a column named
  like a creation (``created``, ``opened``...) becomes ``created``;
- **item**: an id-like name (``case``, ``ticket``, ``number``, ``..._id``, ``key``...) whose
  values repeat (an event log has several rows per item);
- **status**: a status-like name (``status``, ``state``, ``activity``, ``stage``...), and a
  sub-status (``substate``, ``sub_status``...) composed with it;
- **team**, **resource**: group/team/queue-like and assignee/resource/owner-like names;
- **order_by**: a counter (``sys_mod_count``, ``sequence``, ``order``...) whose values are
  numbers.

Every guess comes with the reason, written beside the key in the starter ``flowgap.toml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .csv_table import index_array, open_csv, string_lengths
from .csv_timestamps import DAY_FIRST_HINT, parse_column

#: Rows whose values are looked at.
SAMPLE_ROWS = 2000
#: Share of a column's non-empty values that must parse for it to hold timestamps.
TIMESTAMP_SHARE = 0.9

PM4PY_NAMES = {
    "case:concept:name": "item",
    "concept:name": "status",
    "time:timestamp": "timestamp",
    "org:group": "team",
    "org:resource": "resource",
}
# id-like names, best first: the key itself, then a name with an id word in it
_ID = re.compile(
    r"^(case|case_?id|ticket|ticket_?id|issue|issue_?(key|id)|incident|incident_?(id|number)"
    r"|number|key|id|item|item_?id|request_?id|work_?item)$"
)
_ID_PART = re.compile(r"(^|_)(case|ticket|issue|incident|number|key|id)($|_)")
_STATUS = re.compile(r"(status|state|activity|stage|phase|step|event|action)")
_SUB = re.compile(r"^sub_?(status|state)|_sub_?(status|state)$")
_CREATED = re.compile(r"(created|opened|open_date|submitted|reported|creation)")
_CHANGE_TIME = re.compile(r"(updated|changed|modified|timestamp|event_?time)")
_EVENT_TIME = re.compile(r"(time|date|_at$|_on$)")
_TEAM = re.compile(r"(group|team|queue|department|squad|unit|section)")
_RESOURCE = re.compile(r"(assign|resource|owner|agent|handler|user|person|analyst|worker)")
_ORDER = re.compile(r"(mod_count|seq|sequence|order|counter|version|line|row|event_id)")
_DATE_LIKE = re.compile(r"\d[-/.]\d")


@dataclass
class CsvGuess:
    """The guessed ``[input.csv]`` keys (only those it could tell) and why each."""

    mapping: dict[str, object] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)

    def set(self, key: str, value: object, reason: str) -> None:
        self.mapping[key] = value
        self.reasons[key] = reason

    @property
    def missing(self) -> list[str]:
        """Keys a mapping needs that could not be told."""
        return [k for k in ("item", "status", "timestamp") if k not in self.mapping]


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def guess_csv_mapping(path: Path, delimiter: str | None = None) -> CsvGuess:
    """The ``[input.csv]`` keys that the header and the first rows of ``path`` tell."""
    csv = open_csv(path, delimiter)
    header = csv.header
    records = csv.read_all()
    n = min(len(records), SAMPLE_ROWS)
    columns = {i: records.values(i).slice(0, n) for i in range(len(header))}
    guess = CsvGuess()
    if csv.delimiter != ",":
        guess.set("delimiter", csv.delimiter, "the header's separator")
    taken: set[str] = set()

    def take(key: str, column: str, reason: str) -> None:
        guess.set(key, [column] if key == "status" else column, reason)
        taken.add(column)

    for column in header:
        key = PM4PY_NAMES.get(column)
        if key is not None and key not in guess.mapping:
            take(key, column, f"pm4py's standard name for the {key}")

    times = {h: _timestamp_reading(columns[i]) for i, h in enumerate(header) if h not in taken}
    times = {h: dayfirst for h, dayfirst in times.items() if dayfirst is not None}
    if "timestamp" not in guess.mapping and times:
        events = [h for h in times if not _CREATED.search(_norm(h))]
        changes = [h for h in events if _CHANGE_TIME.search(_norm(h))]
        named = [h for h in events if _EVENT_TIME.search(_norm(h))]
        chosen = (changes or named or events or list(times))[0]
        take("timestamp", chosen, "its values parse as timestamps")
    if "timestamp" in guess.mapping:
        ts_column = str(guess.mapping["timestamp"])
        if times.get(ts_column):
            guess.set("dayfirst", True, "some dates parse only day first")
        created = [h for h in times if h not in taken and _CREATED.search(_norm(h))]
        if created:
            take("created", created[0], "a creation time: its values parse as timestamps")

    rest = [(i, h) for i, h in enumerate(header) if h not in taken and h not in times]
    if "item" not in guess.mapping:
        texts = [(i, h) for i, h in rest if not _STATUS.search(_norm(h))]
        ids = [(i, h) for i, h in texts if _ID.match(_norm(h)) and _repeats(columns[i])]
        ids = ids or [
            (i, h) for i, h in texts if _ID_PART.search(_norm(h)) and _repeats(columns[i])
        ]
        if not ids:  # no id-like name: the first column whose values repeat, if text
            ids = [(i, h) for i, h in rest[:1] if _repeats(columns[i])]
        if ids:
            take("item", ids[0][1], "an id-like column whose values repeat (rows per item)")
    rest = [(i, h) for i, h in rest if h not in taken]
    if "status" not in guess.mapping:
        found = [h for _, h in rest if _STATUS.search(_norm(h)) and not _SUB.search(_norm(h))]
        if found:
            take("status", found[0], "a status-like name")
    if "status" in guess.mapping:
        subs = [h for _, h in rest if h not in taken and _SUB.search(_norm(h))]
        if subs:
            status = [*guess.mapping["status"], subs[0]]  # type: ignore[misc]
            guess.set("status", status, "a status-like name and its sub-status")
            taken.add(subs[0])
    for key, pattern, what in (
        ("team", _TEAM, "a group/team-like name"),
        ("resource", _RESOURCE, "an assignee/resource-like name"),
    ):
        if key not in guess.mapping:
            found = [
                h
                for i, h in rest
                if h not in taken and pattern.search(_norm(h)) and not _numbers(columns[i])
            ]
            if found:
                take(key, found[0], what)
    counters = [
        h for i, h in rest if h not in taken and _ORDER.search(_norm(h)) and _numbers(columns[i])
    ]
    if counters:
        take("order_by", counters[0], "a counter: orders the rows of one timestamp")
    return guess


def _present(values: pa.Array) -> np.ndarray:
    return np.flatnonzero(string_lengths(values) > 0)


def _timestamp_reading(values: pa.Array) -> bool | None:
    """None: not timestamps; else whether they read day first."""
    rows = _present(values)
    if not len(rows):
        return None
    texts = values.take(index_array(rows)).to_pylist()
    if sum(bool(_DATE_LIKE.search(t)) for t in texts) < TIMESTAMP_SHARE * len(texts):
        return None  # numbers, codes: never dates, whatever a parser accepts
    for dayfirst in (False, True):
        _, errors = parse_column(values, None, None, dayfirst, rows)
        if len(errors) <= (1 - TIMESTAMP_SHARE) * len(rows):
            return dayfirst
        if dayfirst or not any(DAY_FIRST_HINT in e for e in errors.values()):
            return None
    return None


def _repeats(values: pa.Array) -> bool:
    rows = _present(values)
    if not len(rows):
        return False
    present = values.take(index_array(rows))
    return len(pc.unique(present)) < len(present)


def _numbers(values: pa.Array) -> bool:
    rows = _present(values)
    if not len(rows):
        return False
    texts = values.take(index_array(rows)).to_pylist()
    try:
        for t in texts:
            float(t)
    except ValueError:
        return False
    return True
