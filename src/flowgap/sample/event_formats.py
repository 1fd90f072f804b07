"""Status-change shapes of a simulated item: transition CSV rows, generic event-log CSV rows and
XES traces. They carry statuses, teams and people, not flags, labels or comments.
"""

from __future__ import annotations

from collections.abc import Iterator
from xml.sax.saxutils import quoteattr

from . import workflow as wf
from .clock import Clock
from .sim_item import SimItem


def status_path(it: SimItem) -> Iterator[tuple[int, str | None, str, str | None, str | None, str]]:
    """(t, from, to, team after, assignee after, author): creation first (from None)."""
    team: str | None = None
    assignee: str | None = None
    yield it.created, None, wf.BACKLOG, None, None, it.reporter
    for h in it.hists:
        moved: tuple[str, str] | None = None
        for name, old, new in h.changes:
            if name == "status":
                moved = (old, new)  # type: ignore[assignment]
            elif name == "team":
                team = new  # type: ignore[assignment]
            elif name == "assignee":
                assignee = new  # type: ignore[assignment]
        if moved is not None:
            yield h.t, moved[0], moved[1], team, assignee, h.author or it.reporter


def last_status_moment(it: SimItem) -> int:
    """The latest moment a status-only format shows for this item."""
    last = it.created
    for h in it.hists:
        if any(name == "status" for name, _, _ in h.changes):
            last = h.t
    return last


TRANSITION_HEADER = ["item", "from", "to", "timestamp", "author", "team"]


def transition_rows(it: SimItem, clock: Clock) -> Iterator[list[str]]:
    for t, old, new, team, _assignee, author in status_path(it):
        yield [it.key, old or "", new, clock.iso(t, millis=False), author, team or ""]


EVENT_CSV_HEADER = ["case", "activity", "sub_status", "timestamp", "team", "resource", "order"]
EVENT_CSV_MISSING = "?"


def event_csv_rows(it: SimItem, clock: Clock, counter: list[int]) -> Iterator[list[str]]:
    """Day-first local timestamps (``21/11/2026 14:03``), ``?`` for missing cells and a running
    ``order`` number that breaks ties."""
    for t, _old, new, team, assignee, _author in status_path(it):
        activity, sub = wf.EVENT_CSV_PARTS[new]
        counter[0] += 1
        yield [
            it.key,
            activity,
            sub,
            f"{clock.naive_local(t):%d/%m/%Y %H:%M}",
            team or EVENT_CSV_MISSING,
            assignee or EVENT_CSV_MISSING,
            str(counter[0]),
        ]


XES_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">
\t<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
\t<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
\t<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
\t<classifier name="Status" keys="concept:name"/>
\t<string key="concept:name" value="flowgap sample"/>
"""
XES_TAIL = "</log>\n"


def xes_trace(it: SimItem, clock: Clock) -> str:
    """One trace: an event per status entered (creation included), with team and assignee."""
    out = [
        "\t<trace>\n",
        f'\t\t<string key="concept:name" value={quoteattr(it.key)}/>\n',
        f'\t\t<string key="type" value={quoteattr(it.type)}/>\n',
        f'\t\t<string key="priority" value={quoteattr(it.priority)}/>\n',
        f'\t\t<string key="summary" value={quoteattr(it.summary)}/>\n',
    ]
    for t, _old, new, team, assignee, _author in status_path(it):
        out.append("\t\t<event>\n")
        out.append(f'\t\t\t<string key="concept:name" value={quoteattr(new)}/>\n')
        if team is not None:
            out.append(f'\t\t\t<string key="org:group" value={quoteattr(team)}/>\n')
        if assignee is not None:
            out.append(f'\t\t\t<string key="org:resource" value={quoteattr(assignee)}/>\n')
        out.append(f'\t\t\t<date key="time:timestamp" value="{clock.iso(t)}"/>\n')
        out.append("\t\t</event>\n")
    out.append("\t</trace>\n")
    return "".join(out)


_EVENT_CSV_HEADER = """\
flowgap configuration for a generic event-log CSV written by `flowgap sample --format csv`.
One row per status change; the status is composed of two columns ("Development" + "ready"
-> "Development / ready"); dates are day first in Berlin time; "?" marks a missing cell."""


def event_csv_config() -> str:
    """The flowgap.toml for the generic event-log CSV: its mapping, and the sample workflow
    under the composed status names (activity / sub-status)."""
    from ..config import Config
    from ..config.toml_writer import dumps

    def name(status: str) -> str:
        return wf.EVENT_CSV_SEPARATOR.join(wf.EVENT_CSV_PARTS[status])

    config = {
        "input": {
            "format": "csv",
            "csv": {
                "item": "case",
                "status": ["activity", "sub_status"],
                "status_separator": wf.EVENT_CSV_SEPARATOR,
                "timestamp": "timestamp",
                "timestamp_format": "%d/%m/%Y %H:%M",
                "dayfirst": True,
                "timezone": wf.ZONE,
                "team": "team",
                "resource": "resource",
                "missing_values": ["", "?"],
                "order_by": "order",
                "delimiter": ";",
            },
        },
        "statuses": {
            "order": [name(s) for s in wf.ORDER],
            "blocked": [name(wf.BLOCKED)],
            "classes": {name(s): c for s, c in wf.CLASSES.items()},
        },
        "flow": {"flow_window": "commitment", "flagged_is_blocked": True},
        "teams": {"source": ["field"]},
        "steering": {
            "statuses": ["^" + name(wf.STEERING) + "$"],
            "minutes_per_item": 10,
            "attendees": 8,
        },
    }
    Config.from_dict(config, "event_csv_config")  # written only when flowgap reads it
    return dumps(config, _EVENT_CSV_HEADER)
