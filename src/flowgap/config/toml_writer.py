"""Every ``flowgap.toml`` flowgap writes: the dashboard's download, the starter config of
``flowgap inspect --write-config`` and the configs ``flowgap sample`` writes beside its logs.

tomlkit writes the text (quoting, escapes, comments kept on their keys); this module only
decides the layout: a table's plain keys before its sub-tables, a blank line before each table
header, arrays too long for one line written one value a line, and notes as ``   # comment``
after a key (the ``# guessed`` marks of status classes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import Item, KeyType, SingleKey, Table

from ..redaction import shareable_config
from .models import Config

#: An array whose one-line form is longer than this is written one value a line.
LINE_WIDTH = 100
#: Notes after a value line up a little apart from it.
_NOTE_GAP = "   "
#: Notes on keys, by their path (``("statuses", "classes", "Done")``).
Notes = Mapping[tuple[str, ...], str]
#: Tables whose keys are names from the data (statuses, assignees): always quoted, so that
#: every status reads alike whether or not its name could go bare.
NAME_TABLES = {("statuses", "classes"), ("teams", "status_map"), ("teams", "assignee_map")}


def value_text(value: object) -> str:
    """A value as TOML writes it, for the commented-out examples of a starter config."""
    return tomlkit.item(value).as_string()


def _name(name: str) -> SingleKey:
    return SingleKey(name, t=KeyType.Basic)


def _is_table_list(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _value(value: object, note: str | None = None) -> Item:
    item: Item
    if isinstance(value, list) and len(value_text(value)) > LINE_WIDTH:
        array = tomlkit.array()
        for entry in value:
            array.add_line(entry, indent="  ")
        array.add_line(indent="")
        item = array
    else:
        item = tomlkit.item(value)
    if note:
        item.comment(note)
        item.trivia.comment_ws = _NOTE_GAP
    return item


def _fill(
    table: Table | tomlkit.TOMLDocument, data: Mapping[str, Any], path: tuple, notes: Notes
) -> None:
    quoted = path in NAME_TABLES
    for key, value in data.items():
        if value is None or isinstance(value, dict) or _is_table_list(value):
            continue
        table.add(_name(key) if quoted else key, _value(value, notes.get((*path, key))))
    for key, value in data.items():
        if isinstance(value, dict):
            plain = any(not isinstance(v, dict) for v in value.values())
            # A table holding only tables gets no header of its own ([input.csv], not [input]).
            sub = tomlkit.table(is_super_table=bool(value) and not plain)
            _fill(sub, value, (*path, key), notes)
            table.add(key, sub)
        elif _is_table_list(value):
            tables = tomlkit.aot()
            for entry in value:
                sub = tomlkit.table()
                _fill(sub, entry, (*path, key), notes)
                tables.append(sub)
            table.add(key, tables)


def dumps(data: Mapping[str, Any], header: str = "", notes: Notes | None = None) -> str:
    """TOML text of plain data (tables, arrays of tables, scalars, arrays); ``header`` lines
    become comments at the top; ``None`` values are left out."""
    doc = tomlkit.document()
    for line in header.splitlines():
        doc.add(tomlkit.comment(line))
    _fill(doc, data, (), notes or {})
    return tomlkit.dumps(doc)


def config_to_toml(
    config: Config, header: str = "", notes: Notes | None = None, *, shared: bool = False
) -> str:
    """The whole config, every key written out (defaults too); ``shared``: for someone else
    (a dashboard visitor), with its credentials masked (:mod:`flowgap.redaction`)."""
    raw = config.to_toml_dict()
    return dumps(shareable_config(raw) if shared else raw, header, notes)


# --------------------------------------------------------------------------- starter config

_STARTER_HEADER = """\
flowgap.toml: starter configuration written by `flowgap inspect`.
Inputs: {inputs}
Every status seen is listed under [statuses.classes]. Lines marked "# guessed" were
guessed from the status name and Jira's status category: check them.
Classes: backlog (not committed yet), wait (committed, nobody works on it: queues),
active (someone works on it: touch time), done (delivered or closed).
Every key is documented in docs/config.md."""

#: The config section of each input format that has a column mapping.
_SECTIONS = {"transition-csv": "transitions", "csv": "csv", "xes": "xes"}

#: Commented-out examples of the sections a starter config leaves to the user.
_EXAMPLES: dict[str, list[str]] = {
    "flow": [
        'flow_window = "commitment"   # or "created": efficiency over the lead-time window',
        "as_of = 2026-11-01T00:00:00Z   # measure open items up to this moment",
        "flagged_is_blocked = true",
        'stall_after = "5d"   # active time with no event for longer counts as wait',
    ],
    "teams": [
        'source = ["field", "status", "assignee_map", "assignee"]   # first that gives one',
        'status_map = { "In QA" = "QA" }',
        'assignee_map = { "Ann" = "Platform" }',
    ],
    "steering": [
        'statuses = ["Steering Review"]   # regexes',
        'labels = ["steerco"]',
        'comment_pattern = "(?i)steering|steerco"',
        'meetings_file = "meetings.csv"   # columns: date, items',
        "minutes_per_item = 10",
        "attendees = 8",
        "[[steering.recurring]]",
        'weekday = "wednesday"',
        'labels_any = ["escalated"]',
        'priorities = ["Highest"]',
    ],
}
_CALENDAR_EXAMPLE = [
    "[calendar]   # working time: touch and wait also reported in working hours",
    'timezone = "Europe/Berlin"',
    'days = ["monday", "tuesday", "wednesday", "thursday", "friday"]',
    "start = 09:00:00",
    "end = 17:00:00",
    'holidays_country = "DE"',
]


def _comments(table: Table, lines: Sequence[str]) -> None:
    for line in lines:
        table.add(tomlkit.comment(line))


def _dayfirst_asked(findings: Sequence[Mapping[str, Any]]) -> bool:
    """The loader's date-order finding says so when rejected dates only parse day first."""
    return any(f["kind"] == "date_order" and "dayfirst = true" in f["message"] for f in findings)


def _input_tables(
    data: Mapping[str, Any], config: Config, guessed: Mapping[str, str] | None
) -> dict[str, Table]:
    """The mapping of each CSV or XES input's format as used, every key written out (unset
    ones commented); ``dayfirst`` turned on when rejected dates only parse day first. A
    guessed ``[input.csv]`` mapping says why each key was guessed."""
    day_first = _dayfirst_asked(data["findings"])
    tables: dict[str, Table] = {}
    for fmt in dict.fromkeys(i["format"] for i in data["inputs"]):
        if fmt not in _SECTIONS:
            continue
        name = _SECTIONS[fmt]
        values = getattr(config.input, name).model_dump(by_alias=True)
        table = tomlkit.table()
        reasons = guessed if guessed is not None and name == "csv" else {}
        if reasons:
            table.comment("guessed from the file's columns and values: check each key")
        else:
            table.comment(f"the columns flowgap read ({fmt})")
        table.trivia.comment_ws = _NOTE_GAP
        for key, value in values.items():
            if value is None:
                table.add(tomlkit.comment(f"{key} ="))
            elif key in reasons:
                table.add(key, _value(value, reasons[key]))
            elif key == "dayfirst" and day_first:
                table.add(key, _value(True, "rejected dates parse only day first"))
            else:
                table.add(key, _value(value))
        tables[name] = table
    return tables


def _status_note(status: Mapping[str, Any]) -> str:
    if not status["count"] and not status["current"]:
        return "not seen in these inputs"
    guessed = "guessed; " if status["guessed"] else ""
    return f"{guessed}entries: {status['count']}, items now: {status['current']}"


def starter_config(
    data: Mapping[str, Any], config: Config, guessed: Mapping[str, str] | None = None
) -> str:
    """A flowgap.toml listing every status with its class, guesses marked ``# guessed``.

    ``data`` is what ``flowgap inspect`` found (``inputs``, ``statuses``, ``status_order``,
    ``status_side_states``, ``findings``: see docs/inspect.md); ``guessed`` the reason of each
    ``[input.csv]`` key that was guessed from the file's columns."""
    inputs = ", ".join(f"{Path(i['path']).name} ({i['format']})" for i in data["inputs"])
    doc = tomlkit.document()
    for line in _STARTER_HEADER.format(inputs=inputs).splitlines():
        doc.add(tomlkit.comment(line))

    jira = tomlkit.table()
    jira_config = config.input.jira
    if jira_config.team_field:
        jira.add("team_field", jira_config.team_field)
    else:
        jira.add(tomlkit.comment('team_field = "Team"   # name of the Jira field holding the team'))
    _comments(
        jira,
        [
            f"flagged_field = {value_text(jira_config.flagged_field)}",
            f"csv_date_format = {value_text(jira_config.csv_date_format)}",
            'csv_timezone = "Europe/Berlin"',
        ],
    )
    section = tomlkit.table(is_super_table=True)
    section.add("jira", jira)
    for name, table in _input_tables(data, config, guessed).items():
        section.add(name, table)
    doc.add("input", section)

    statuses = tomlkit.table()
    _comments(
        statuses, ["Workflow order: a move to a status earlier in this list counts as rework."]
    )
    position = {name: i for i, name in enumerate(data["status_order"])}
    by_order = sorted(
        data["statuses"], key=lambda s: (position.get(s["name"], len(position)), s["name"])
    )
    if config.statuses.order:
        statuses.add("order", _value(list(config.statuses.order)))
    else:
        inferred = [s["name"] for s in by_order if s["name"] in position]
        _comments(
            statuses,
            ["(inferred from the order items enter statuses)", f"order = {value_text(inferred)}"],
        )
        if data["status_side_states"]:
            side = ", ".join(value_text(name) for name in data["status_side_states"])
            _comments(statuses, [f"(left out: work returns from these to where it was: {side})"])
    if config.statuses.blocked:
        statuses.add("blocked", _value(list(config.statuses.blocked)))
    else:
        _comments(
            statuses, ['blocked = ["Blocked"]   # statuses that count as wait whatever their class']
        )
    classes = tomlkit.table()
    for s in by_order:
        classes.add(_name(s["name"]), _value(s["class"], _status_note(s)))
    statuses.add("classes", classes)
    doc.add("statuses", statuses)

    for name, lines in _EXAMPLES.items():
        table = tomlkit.table()
        _comments(table, lines)
        doc.add(name, table)
    doc.add(tomlkit.nl())
    for line in _CALENDAR_EXAMPLE:
        doc.add(tomlkit.comment(line))
    return tomlkit.dumps(doc)
