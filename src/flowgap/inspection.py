"""``flowgap inspect``: what was loaded, before any analysis.

:func:`inspect_result` computes everything as a plain, JSON-ready dict (the dashboard's upload
page reuses it); :func:`run_inspect` loads the inputs, prints the dict (rich tables or JSON) and
optionally writes a starter ``flowgap.toml`` (:func:`starter_config`). Every key is documented
in ``docs/inspect.md``.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .config import STATUS_CLASSES, Config
from .engine.status_classes import (
    CLASS_WARNINGS,
    class_warnings,
    classes_of,
    status_class_table,
    status_count_rows,
    status_moves,
)
from .engine.teams_seen import teams_seen
from .errors import InputError, UsageError
from .model import LoadResult

#: Rejects listed one by one; the rest are counted.
REJECTS_SHOWN = 20
#: Example items kept per finding.
EXAMPLES = 10
_CLASS_RANK = {"backlog": 0, "wait": 1, "active": 1, "done": 2}
#: Fields that routinely change after delivery and say nothing about the flow.
_AFTER_DONE_IGNORED = ("comment", "resolution")


def inspect_result(result: LoadResult, config: Config) -> dict:
    """Counts, date range, statuses with classes, teams, data-quality findings and rejects."""
    events = result.events
    ts = events.column("ts")
    first = pc.min(ts).as_py() if events.num_rows else None
    last = pc.max(ts).as_py() if events.num_rows else None
    status_ev = _status_events(events)
    moves = status_moves(result)
    statuses = _statuses(result, config, classes_of(result, config, moves))
    classes = {s["name"]: s["class"] for s in statuses}
    findings = [
        {"kind": w.kind, "count": 1, "message": w.message, "items": []}
        for w in class_warnings(classes, config, moves)
    ]
    findings += _findings(result, config, status_ev, statuses, classes)
    # with a configured order there is nothing to leave out of an inferred one
    side = [] if config.statuses.order else side_states(status_ev, classes)
    rejects = result.rejects
    return {
        "inputs": [
            {
                "path": s.path,
                "format": s.format,
                "records_read": s.records_read,
                "records_loaded": s.records_loaded,
                "records_rejected": s.records_rejected,
                "record_unit": s.record_unit,
            }
            for s in result.inputs
        ],
        "items": result.items.num_rows,
        "events": events.num_rows,
        "first_ts": _iso(first),
        "last_ts": _iso(last),
        "has_history": result.has_history,
        "statuses": statuses,
        "status_order": config.statuses.order or _inferred_order(status_ev, statuses, side),
        "status_side_states": side,
        "teams": _teams(result, config),
        "findings": findings,
        "rejects": {
            "shown": [{"source": r.source, "reason": r.reason} for r in rejects[:REJECTS_SHOWN]],
            "total": len(rejects),
            "more": max(0, len(rejects) - REJECTS_SHOWN),
        },
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _status_events(events: pa.Table) -> dict[str, list]:
    sub = events.filter(pc.equal(events.column("field"), "status"))
    sub = sub.select(["item", "ts", "value", "prev"])
    # ts as integer microseconds: Python datetimes cost seconds per million events
    sub = sub.set_column(1, "ts", sub.column("ts").cast(pa.int64()))
    return {name: sub.column(name).to_pylist() for name in sub.column_names}


def _statuses(result: LoadResult, config: Config, classes: dict[str, str]) -> list[dict]:
    """The engine's status table (every status, its class and its entries: one definition for
    the engine, inspect and the dashboard), with the items now in each status on top."""
    table = status_class_table(status_count_rows(result), config, result.status_categories, classes)
    current = Counter(v for v in result.items.column("current_status").to_pylist() if v)
    out = [
        {
            "name": row["status"],
            "count": row["events"],
            "current": current[row["status"]],
            "class": row["class"],
            "guessed": row["guessed"],
            "category": row["category"],
        }
        for row in table.to_pylist()
    ]
    out.sort(key=lambda s: (-s["count"], s["name"]))
    return out


#: Side states: wait statuses that work leaves, in most visits, for the status it came from.
SIDE_STATE_RETURNS = 0.5
SIDE_STATE_MIN_VISITS = 3


def side_states(sev: dict[str, list], classes: dict[str, str]) -> list[str]:
    """Wait statuses that are detours, not steps (Blocked, a review board): in most of their
    visits (at least ``SIDE_STATE_MIN_VISITS``) work goes back to the status it came from
    (A -> X -> A). In a workflow order they would turn every return into rework."""
    paths: dict[str, list[str]] = defaultdict(list)
    for item, value in zip(sev["item"], sev["value"], strict=True):
        path = paths[item]
        if value is not None and (not path or path[-1] != value):
            path.append(value)
    visits: Counter[str] = Counter()
    returns: Counter[str] = Counter()
    for path in paths.values():
        for before, here, after in zip(path, path[1:], path[2:], strict=False):
            visits[here] += 1
            returns[here] += before == after
    return sorted(
        name
        for name, n in visits.items()
        if classes.get(name) == "wait"
        and n >= SIDE_STATE_MIN_VISITS
        and returns[name] / n > SIDE_STATE_RETURNS
    )


def _inferred_order(sev: dict[str, list], statuses: list[dict], side: list[str]) -> list[str]:
    """Statuses by their mean relative position of first entry within an item's journey;
    side states (:func:`side_states`) are left out."""
    journeys: dict[str, list[str]] = defaultdict(list)
    for item, value in zip(sev["item"], sev["value"], strict=True):
        if value is not None and value not in journeys[item]:
            journeys[item].append(value)
    positions: dict[str, list[float]] = defaultdict(list)
    for path in journeys.values():
        for i, name in enumerate(path):
            positions[name].append(i / (len(path) - 1) if len(path) > 1 else 0.0)
    # statuses named only in the config are not part of the data's workflow
    class_rank = {
        s["name"]: STATUS_CLASSES.index(s["class"]) for s in statuses if s["count"] or s["current"]
    }

    def key(name: str) -> tuple:
        pos = positions.get(name)
        # statuses never entered (only seen as current) go by class at the end
        return (sum(pos) / len(pos) if pos else 2.0, class_rank[name], name)

    left_out = set(side)
    return sorted((name for name in class_rank if name not in left_out), key=key)


def _teams(result: LoadResult, config: Config) -> list[dict]:
    """The teams an analysis sees, each with the source that gave it and its items. Without
    status history there are none: no item holds a team for any span of time (the analysis'
    teams, stints and handoffs are empty too)."""
    if not result.has_history:
        return []
    found = teams_seen(result, config)
    return sorted(found.values(), key=lambda t: (-t["items"], t["name"]))


def _findings(
    result: LoadResult,
    config: Config,
    sev: dict[str, list],
    statuses: list[dict],
    classes: dict[str, str],
) -> list[dict]:
    findings: list[dict] = []

    # backward moves: earlier in statuses.order, or else a lower class rank
    order = {name: i for i, name in enumerate(config.statuses.order)}
    if order:
        rank = order.get
        basis = "statuses.order"
    else:

        def rank(name: str) -> int | None:
            return _CLASS_RANK.get(classes.get(name, ""))

        basis = "status classes (done -> not done, committed -> backlog)"
    moves: list[tuple[str, str, str]] = []
    for item, value, prev in zip(sev["item"], sev["value"], sev["prev"], strict=True):
        if value is None or prev is None:
            continue
        a, b = rank(prev), rank(value)
        if a is not None and b is not None and b < a:
            moves.append((item, prev, value))
    if moves:
        items = _unique(m[0] for m in moves)
        ex = moves[0]
        findings.append(
            {
                "kind": "backward_moves",
                "count": len(moves),
                "message": f"{_n(len(moves), 'backward status move', 'backward status moves')} in"
                f" {_n(len(items), 'item', 'items')} (by {basis}),"
                f" e.g. {ex[0]}: {ex[1]} -> {ex[2]}",
                "items": items[:EXAMPLES],
            }
        )

    after = _events_after_done(result.events, sev, classes)
    if after:
        items = _unique(after)
        findings.append(
            {
                "kind": "events_after_done",
                "count": len(after),
                "message": f"{_n(len(after), 'event', 'events')} after delivery in"
                f" {_n(len(items), 'item', 'items')} still done (changes made once the item was"
                " closed; comments and resolution not counted)",
                "items": items[:EXAMPLES],
            }
        )

    guessed = [s for s in statuses if s["guessed"]]
    if guessed:
        listed = ", ".join(f"{s['name']} ({s['class']})" for s in guessed[:EXAMPLES])
        more = f" and {len(guessed) - EXAMPLES} more" if len(guessed) > EXAMPLES else ""
        findings.append(
            {
                "kind": "unmapped_statuses",
                "count": len(guessed),
                "message": f"{_n(len(guessed), 'status is', 'statuses are')} not in"
                f" [statuses.classes], class guessed: {listed}{more}. Confirm them"
                " (--write-config writes a starter file)",
                "items": [],
            }
        )

    # loader warnings (truncated histories, no history, encodings, zones...), grouped by kind
    by_kind: dict[str, list] = defaultdict(list)
    for w in result.warnings:
        by_kind[w.kind].append(w)
    for kind, group in by_kind.items():
        if kind == "truncated_history":
            message = (
                f"{_n(len(group), 'item has', 'items have')} a truncated changelog (the export"
                " holds fewer histories than Jira has): part of their history is missing."
                " Use `flowgap pull`"
            )
        elif len(group) == 1:
            message = group[0].message
        else:
            message = f"{len(group)} x {group[0].message}"
        findings.append(
            {
                "kind": kind,
                "count": len(group),
                "message": message,
                "items": _unique(w.item for w in group if w.item)[:EXAMPLES],
            }
        )
    return findings


def _events_after_done(
    events: pa.Table, sev: dict[str, list], classes: dict[str, str]
) -> list[str]:
    """Items (one entry per event) changed after their last entry into done, still done."""
    last_done: dict[str, Any] = {}
    final: dict[str, str] = {}
    for item, ts, value in zip(sev["item"], sev["ts"], sev["value"], strict=True):
        if value is None:
            continue
        final[item] = value  # events are sorted by item, ts, seq: the last one wins
        if classes.get(value) == "done":
            last_done[item] = ts
    done_items = {i: t for i, t in last_done.items() if classes.get(final.get(i, "")) == "done"}
    if not done_items:
        return []
    keep = pc.invert(pc.is_in(events.column("field"), pa.array(_AFTER_DONE_IGNORED)))
    sub = events.filter(pc.and_(keep, pc.is_in(events.column("item"), pa.array(list(done_items)))))
    out = []
    ts_us = sub.column("ts").cast(pa.int64()).to_pylist()
    for item, ts in zip(sub.column("item").to_pylist(), ts_us, strict=True):
        if ts > done_items[item]:
            out.append(item)
    return out


def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _unique(values) -> list:
    return list(dict.fromkeys(values))


# --------------------------------------------------------------------------- starter config


def starter_config(data: dict, config: Config, guessed: dict[str, str] | None = None) -> str:
    """A flowgap.toml listing every status with its class, guesses marked ``# guessed``."""
    # tomlkit only when a config is written
    from .config.toml_writer import starter_config as write

    return write(data, config, guessed)


def _guessable(err: InputError, config: Config) -> bool:
    """A column of the default ``[input.csv]`` mapping is missing from the file."""
    unset = "csv" not in config.input.model_fields_set
    return unset and "(config key input.csv." in err.problem


def guessed_csv_config(err: InputError, config: Config) -> tuple[Config, dict[str, str]] | None:
    """A config whose ``[input.csv]`` is guessed from the CSV the default mapping does not fit
    (``err``: a missing column of that mapping), with the reason of each key; None when the
    error is another, or when ``[input.csv]`` was configured (its columns are the user's)."""
    from .ingest.csv_guess import guess_csv_mapping

    if not _guessable(err, config):
        return None
    guess = guess_csv_mapping(Path(err.path))
    if guess.missing:
        raise InputError(
            err.path,
            f"{err.problem}; a mapping cannot be guessed either: no column looks like the"
            f" {' or the '.join(guess.missing)}: set [input.csv] (docs/config.md)",
        )
    raw = config.model_dump(exclude_unset=True)
    raw.setdefault("input", {})["csv"] = guess.mapping
    guessed = Config.from_dict(raw)
    guessed.source_path = config.source_path
    return guessed, guess.reasons


# --------------------------------------------------------------------------- command


def run_inspect(
    inputs: Sequence[Path],
    config: Config,
    input_format: str | None,
    as_json: bool,
    write_config: Path | None,
) -> None:
    """Load, inspect, print (rich tables or one JSON object), optionally write a config."""
    from . import load

    if write_config is not None and write_config.exists():
        raise UsageError(f"{write_config} already exists; remove it or choose another name")
    guessed: dict[str, str] | None = None
    try:
        result = load(list(inputs), config, format=input_format)
    except InputError as err:
        # a CSV that fits no known shape: with --write-config, a mapping guessed from it
        if write_config is None:
            if _guessable(err, config):
                raise InputError(
                    err.path,
                    f"{err.problem}; --write-config flowgap.toml writes a mapping guessed from"
                    " the columns",
                ) from None
            raise
        retry = guessed_csv_config(err, config)
        if retry is None:
            raise
        config, guessed = retry
        result = load(list(inputs), config, format=input_format)
        keys = ", ".join(
            f"{k} = {v!r}" for k, v in config.input.csv.model_dump().items() if k in guessed
        )
        print(
            f"flowgap: note: {Path(err.path).name} fits no known shape; [input.csv] guessed"
            f" from its columns ({keys}): check them in {write_config}",
            file=sys.stderr,
        )
    # As for one such file alone (and as `flowgap analyze` does): an error, not "items: 0".
    several = len(result.inputs) > 1  # files given, or found in a folder
    empty = result.nothing_loaded(
        hint="; inspect one file alone to see its problem in full" if several else ""
    )
    if empty is not None:
        raise InputError(", ".join(Path(p).name for p in inputs), empty)
    data = inspect_result(result, config)
    if write_config is not None:
        try:
            write_config.write_text(starter_config(data, config, guessed), encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{write_config}: cannot write: {exc.strerror or exc}") from None
        data["config_written"] = str(write_config)
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        print_inspection(data)


def print_inspection(data: dict) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    def row(table: Table, *cells: object) -> None:
        # Names are data, never markup: a status called "[/x]" or "[bold]X" prints as is.
        table.add_row(*(Text(str(c)) for c in cells))

    console = Console(width=None if sys.stdout.isatty() else 120, highlight=False)
    t = Table(title="Inputs", title_justify="left")
    for col in ("path", "format", "unit", "read", "loaded", "rejected"):
        t.add_column(col, justify="right" if col in ("read", "loaded", "rejected") else "left")
    for i in data["inputs"]:
        row(
            t,
            i["path"],
            i["format"],
            i["record_unit"],
            str(i["records_read"]),
            str(i["records_loaded"]),
            str(i["records_rejected"]),
        )
    console.print(t)
    console.print(
        f"items: {data['items']}   events: {data['events']}   "
        f"from {data['first_ts'] or '-'} to {data['last_ts'] or '-'}"
        + ("" if data["has_history"] else "   (no status history: lead time only)"),
        markup=False,
    )
    t = Table(title="Statuses (count = visits: entries into it)", title_justify="left")
    # Jira's status category, or "indeterminate" for an XES activity that is started
    for col in ("status", "count", "items now", "class", "guessed", "category"):
        t.add_column(col, justify="right" if col in ("count", "items now") else "left")
    for s in data["statuses"]:
        row(
            t,
            s["name"],
            str(s["count"]),
            str(s["current"]),
            s["class"],
            "guessed" if s["guessed"] else "configured",
            s["category"] or "-",
        )
    console.print(t)
    teams = data["teams"]
    if teams:
        t = Table(title=f"Teams ({len(teams)})", title_justify="left")
        for col in ("team", "source", "items"):
            t.add_column(col, justify="right" if col == "items" else "left")
        for team in teams[:REJECTS_SHOWN]:
            row(t, team["name"], team["source"], team["items"])
        if len(teams) > REJECTS_SHOWN:
            t.add_row(f"... {len(teams) - REJECTS_SHOWN} more", "", "")
        console.print(t)
    elif not data["has_history"]:
        console.print("Teams: none (no status history: no item holds a team for a span of time)")
    else:
        console.print("Teams: none (no [teams] source gives a team on this log)")
    console.print("Data-quality findings:" if data["findings"] else "Data-quality findings: none")
    for f in data["findings"]:
        # a wrong status class makes every number wrong: these stand out
        style = "bold red" if f["kind"] in CLASS_WARNINGS else None
        console.print(f"  - [{f['kind']}] {f['message']}", markup=False, style=style)
    rej = data["rejects"]
    console.print(f"Rejects: {rej['total']}")
    for r in rej["shown"]:
        console.print(f"  {r['source']}: {r['reason']}", markup=False)
    if rej["more"]:
        console.print(f"  ... and {rej['more']} more")
    if "config_written" in data:
        console.print(f"Wrote a starter config to {data['config_written']}", markup=False)
