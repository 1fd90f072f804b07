"""The status -> class mapping used by an analysis, with where each class came from and how
often items entered each status: the one status count of flowgap (``inspect``, the
dashboard's class editor and the starter config show this same count).

``events`` counts entries into the status (visits: a status event that repeats the item's
status in force is no entry); an item without any status event (a UI CSV has none) counts one
entry into its current status. Per item first
(:func:`status_count_rows`), so that a selection of items counts its own entries.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..config import Config, StatusMoves
from ..config.status_guess import guess_classes, named_like_work, regularly_left_for
from ..model import INT, STR, TS, Finding, LoadResult
from ..units import DAY_S, US
from .runner import Aggregate, PerItem, RunContext, Scope

STATUS_CLASSES = pa.schema(
    [
        ("status", STR),
        ("class", STR),
        ("guessed", pa.bool_()),
        ("category", STR),  # Jira status category when known
        ("events", INT),  # times an item entered it (visits, not raw status events)
    ]
)


#: Entries into each status per item.
STATUS_COUNTS = pa.schema([("item", pa.string()), ("status", pa.string()), ("n", pa.int64())])


def _status_events(result: LoadResult) -> pa.Table:
    """The events the status rules read: every event of a loaded log, or the status events
    of a log the backend read itself (``BackendLoad.status_events``, collected for these
    rules: the rest of its events stay on the cluster)."""
    if getattr(result, "on_backend", False):
        return result.status_events  # type: ignore[attr-defined]
    return result.events


def status_count_rows(result: LoadResult, as_of: datetime | None = None) -> pa.Table:
    """item, status, n: the item's entries into each status (visits); and a row for its current
    status, which counts one entry only for an item without any status event (an export
    without history, or such an item among others with history).

    With ``as_of`` (an analysis), nothing after it counts: neither later events nor items
    created later. Without it (``inspect``), the whole load."""
    parts = []
    events = _status_events(result)
    items = result.items
    if as_of is not None:
        at = pa.scalar(as_of, TS)
        if events.num_rows and pc.max(events.column("ts")).as_py() > as_of:
            events = events.filter(pc.less_equal(events.column("ts"), at))
        if items.num_rows:
            created = items.column("created")
            items = items.filter(pc.or_kleene(pc.is_null(created), pc.less_equal(created, at)))
    status = events.select(["item", "value"]).filter(pc.equal(events.column("field"), "status"))
    with_events = pc.unique(status.column("item"))
    status = status.filter(pc.is_valid(status.column("value")))
    if status.num_rows:
        parts.append(_counts_per_item(status))
    if items.num_rows:
        current = items.filter(pc.is_valid(items.column("current_status")))
        entered = pc.invert(pc.is_in(current.column("item"), value_set=with_events))
        parts.append(
            pa.table(
                {
                    "item": current.column("item"),
                    "status": current.column("current_status"),
                    "n": entered.cast(pa.int64()),
                }
            )
        )
    if not parts:
        return STATUS_COUNTS.empty_table()
    return pa.concat_tables([p.cast(STATUS_COUNTS) for p in parts])


def _visits(status: pa.Table) -> tuple[np.ndarray, np.ndarray, pa.Array, pa.Array]:
    """Item and status codes of each visit, in canonical order (item, ts, seq), with the
    dictionaries of both: a status event that repeats the item's status in force is no new
    visit (an audit log writes a row per change of any column; the engine's timeline keeps
    such a status as one visit)."""
    item = pc.dictionary_encode(status.column("item").combine_chunks())
    value = pc.dictionary_encode(status.column("value").combine_chunks())
    item_codes = item.indices.to_numpy().astype(np.int64)
    value_codes = value.indices.to_numpy().astype(np.int64)
    entered = np.ones(len(item_codes), dtype=bool)
    entered[1:] = (item_codes[1:] != item_codes[:-1]) | (value_codes[1:] != value_codes[:-1])
    return item_codes[entered], value_codes[entered], item.dictionary, value.dictionary


def _counts_per_item(status: pa.Table) -> pa.Table:
    """item, status, n of visits. Items and values as integer codes, counted by one sort of
    one int64 key: a group-by on two string columns took 12 s at 4.7M status events."""
    items, values, item_names, value_names = _visits(status)
    n_values = len(value_names)
    keys, counts = np.unique(items * n_values + values, return_counts=True)
    return pa.table(
        {
            "item": item_names.take(pa.array(keys // n_values)),
            "status": value_names.take(pa.array(keys % n_values)),
            "n": pa.array(counts, pa.int64()),
        }
    )


def status_moves(result: LoadResult) -> StatusMoves:
    """The workflow's shape over the whole load: visits of each status and the moves between
    statuses (consecutive visits of one item)."""
    events = _status_events(result)
    status = events.select(["item", "value"]).filter(
        pc.and_(pc.equal(events.column("field"), "status"), pc.is_valid(events.column("value")))
    )
    if status.num_rows == 0:
        return StatusMoves()
    items, values, _, names = _visits(status)
    n = len(names)
    codes, visits = np.unique(values, return_counts=True)
    same_item = items[1:] == items[:-1]
    pairs, moves = np.unique(values[:-1][same_item] * n + values[1:][same_item], return_counts=True)
    name = names.to_pylist()
    return StatusMoves(
        visits={name[c]: int(k) for c, k in zip(codes.tolist(), visits.tolist(), strict=True)},
        moves={
            (name[p // n], name[p % n]): int(k)
            for p, k in zip(pairs.tolist(), moves.tolist(), strict=True)
        },
    )


def status_class_table(
    counts: pa.Table,
    config: Config,
    categories: dict[str, str],
    classes: dict[str, str] | None = None,
) -> pa.Table:
    """One row per status of ``counts`` or named in the config, with its class: from
    ``classes`` (the whole load's classes, :func:`classes_of`, which a selection keeps) or
    else the config and the guess from name and category."""
    totals: dict[str, int] = {}
    if counts.num_rows:
        sums = counts.group_by("status", use_threads=False).aggregate([("n", "sum")])
        totals = dict(
            zip(sums.column("status").to_pylist(), sums.column("n_sum").to_pylist(), strict=True)
        )
    for name in config.statuses.classes:
        totals.setdefault(name, 0)
    classes = classes or {}
    rows = []
    for name in sorted(totals):
        category = categories.get(name)
        cls, guessed = config.status_class(name, category)
        rows.append(
            {
                "status": name,
                "class": classes.get(name, cls),
                "guessed": guessed,
                "category": category,
                "events": int(totals[name]),
            }
        )
    return pa.Table.from_pylist(rows, schema=STATUS_CLASSES)


def build_status_classes(result: LoadResult, config: Config) -> pa.Table:
    """One row per status seen in the data or named in the config (every item counted)."""
    return status_class_table(
        status_count_rows(result),
        config,
        result.status_categories,
        classes_of(result, config),
    )


def status_names(result: LoadResult, config: Config) -> list[str]:
    """Every status the load or the config names, sorted."""
    events = _status_events(result)
    names = set(config.statuses.classes)
    status = events.column("value").filter(pc.equal(events.column("field"), "status"))
    names.update(v for v in pc.unique(status).to_pylist() if v is not None)
    if result.items.num_rows:
        current = pc.unique(result.items.column("current_status"))
        names.update(v for v in current.to_pylist() if v is not None)
    return sorted(names)


def classes_of(
    result: LoadResult, config: Config, moves: StatusMoves | None = None
) -> dict[str, str]:
    """status -> class for every status the load or the config names (what the engine's
    timeline classes segments by): configured, or guessed from the name, Jira's category and
    the workflow's shape (``moves``, computed from the load when not given)."""
    moves = status_moves(result) if moves is None else moves
    found = config.status_classes(status_names(result, config), result.status_categories, moves)
    return {name: cls for name, (cls, _) in found.items()}


def guesses_of(result: LoadResult, config: Config) -> dict[str, str]:
    """flowgap's guess for every status of the load or the config, configured ones included
    (what the dashboard's class editor offers beside the class in use)."""
    names = status_names(result, config)
    return guess_classes(
        names, result.status_categories, status_moves(result), config.statuses.classes
    )


#: Median flow efficiency outside [LOW, HIGH] says more about the class mapping than the flow.
EFFICIENCY_LOW = 0.01
EFFICIENCY_HIGH = 0.95
#: Statuses named per warning.
NAMED = 3
#: The kinds of :func:`class_warnings`.
CLASS_WARNINGS = ("no_active_status", "done_inside_workflow", "efficiency_extreme")


def class_warnings(
    classes: dict[str, str],
    config: Config,
    moves: StatusMoves,
    median_flow_efficiency: float | None = None,
    time_held: Mapping[str, float] | None = None,
) -> list[Finding]:
    """Guardrails on the class mapping, each naming the statuses to look at and the fix in
    flowgap.toml: ``no_active_status`` (nothing is classed active: flow efficiency is 0 by
    construction), ``done_inside_workflow`` (a done status that most of its visits leave for a
    status that is not done) and, given the median flow efficiency (an analysis),
    ``efficiency_extreme`` (under 1% or over 95%). Only statuses items visit count.

    ``time_held`` (an analysis: seconds inside flow windows per status) ranks the statuses a
    warning names by the time they hold, else by visits: the status that makes an efficiency
    extreme is the one holding the time (helpdesk's "Resolve ticket", 137,184 item-days,
    not "Take in charge ticket", 17,415, though the latter has more visits)."""
    seen = {name: n for name, n in moves.visits.items() if n}
    if not seen:
        return []
    held = time_held or {}

    def rank(name: str) -> tuple:
        return (-held.get(name, 0.0), -seen[name], name)

    def listed(wanted: tuple[str, ...], but: str | None = None) -> list[str]:
        """The statuses of the ``wanted`` classes holding the most time, else the most
        visited (none starting with ``but``)."""
        names = [n for n in seen if classes.get(n) in wanted and not (but and n.startswith(but))]
        return sorted(names, key=rank)[:NAMED]

    def how(name: str, with_class: bool = True) -> str:
        source = "configured" if name in config.statuses.classes else "guessed"
        cls = f"{classes.get(name)}, " if with_class else ""
        # the time a status holds ranks it where a class decides touch or wait
        timed = with_class and name in held
        time = f", {held[name] / DAY_S:,.1f} d in flow windows" if timed else ""
        return f"'{name}' ({cls}{source}, {seen[name]} visits{time})"

    def fix(name: str, cls: str) -> str:
        return f'in flowgap.toml: [statuses.classes] "{name}" = "{cls}"'

    def to_active(among: tuple[str, ...]) -> str:
        # Only a status named like work is offered as an example: advice to class a queue
        # ("Ready for Dev", flowgap's own "waiting after X") as active makes numbers worse.
        work = [n for n in seen if classes.get(n) in among and named_like_work(n)]
        if not work:
            named = " or ".join(among)
            return f" (no status classed {named} is named like work), {fix('<status>', 'active')}"
        return f", e.g. {fix(min(work, key=rank), 'active')}"

    out: list[Finding] = []
    no_active = not listed(("active",))
    if no_active:
        queues = listed(("wait", "backlog"))
        if queues:
            out.append(
                Finding(
                    "no_active_status",
                    "No status is classed active, so flow efficiency is 0 by construction."
                    f" Look at {', '.join(how(n) for n in queues)}: class the statuses where"
                    f" someone works as active{to_active(('wait', 'backlog'))}",
                )
            )
    done = sorted((n for n in seen if classes.get(n) == "done"), key=lambda n: (-seen[n], n))
    for name in done:
        if not regularly_left_for(moves, name, classes, ("backlog", "wait", "active")):
            continue
        exits = {b: k for b, k in moves.exits(name).items() if classes.get(b) != "done"}
        left = sum(exits.values())
        to = min(exits, key=lambda b: (-exits[b], b))
        out.append(
            Finding(
                "done_inside_workflow",
                f"{how(name, with_class=False)} is classed done, but items leave it again"
                f" in {left} of its {seen[name]} visits (most often for '{to}'): each item"
                " counts as delivered there until it comes back. If it is a step of the"
                f" workflow, class it as a queue, {fix(name, 'wait')}",
            )
        )
    fe = median_flow_efficiency
    if fe is not None and fe > EFFICIENCY_HIGH:
        active = listed(("active",))
        if active:
            out.append(
                Finding(
                    "efficiency_extreme",
                    f"Median flow efficiency is {fe * 100:.1f}% (over"
                    f" {EFFICIENCY_HIGH * 100:.0f}%): nearly all the time counts as work. Look"
                    f" at {', '.join(how(n) for n in active)}: a queue classed active counts as"
                    f" touch; class queues as wait, e.g. {fix(active[0], 'wait')}",
                )
            )
    elif fe is not None and fe < EFFICIENCY_LOW and not no_active:
        # flowgap's own "waiting after X" (an XES lifecycle's gap between a complete and the
        # next start) is never work: a log whose only queues are those measured its touch.
        # So does one with such gaps whose other waits are not named like work (BPI
        # Challenge 2012's A_PARTLYSUBMITTED, O_SENT: events between its started work items):
        # its efficiency is measured from start and complete, not guessed from a class.
        # Backlog statuses too: an item moved back to the backlog after its commitment waits
        # there inside its window (a Jira export held 79 of its 86 window item-days in 'Open',
        # and was told to look at 'Ready for Dev', 0.6 day).
        prefix = config.input.xes.waiting_prefix
        queues = listed(("wait", "backlog"), but=prefix)
        waits = [
            n for n in seen if classes.get(n) in ("wait", "backlog") and not n.startswith(prefix)
        ]
        measured = len(waits) < sum(
            classes.get(n) in ("wait", "backlog") for n in seen
        ) and not any(named_like_work(n) for n in waits)
        if queues and not measured:
            out.append(
                Finding(
                    "efficiency_extreme",
                    f"Median flow efficiency is {fe * 100:.1f}% (under"
                    f" {EFFICIENCY_LOW * 100:.0f}%): almost no time counts as work. Look at"
                    f" {', '.join(how(n) for n in queues)}: a work status classed wait counts"
                    f" no touch; class work statuses as active{to_active(('wait', 'backlog'))}",
                )
            )
    return out


def time_held(visits: pa.Table) -> dict[str, float]:
    """Seconds inside flow windows (touch and wait) per status, over the visits' rows."""
    if visits.num_rows == 0:
        return {}
    held = pc.add(visits.column("touch"), visits.column("wait"))
    sums = (
        pa.table({"status": visits.column("status"), "held": held})
        .group_by("status", use_threads=False)
        .aggregate([("held", "sum")])
    )
    return {
        status: total / US
        for status, total in zip(
            sums.column("status").to_pylist(), sums.column("held_sum").to_pylist(), strict=True
        )
        if status is not None and total
    }


def class_map(status_classes: pa.Table) -> dict[str, str]:
    return dict(
        zip(
            status_classes.column("status").to_pylist(),
            status_classes.column("class").to_pylist(),
            strict=True,
        )
    )


def _status_counts(run: RunContext) -> pa.Table:
    return status_count_rows(run.result, as_of=run.as_of)


def _status_classes(scope: Scope, status_counts: pa.Table) -> pa.Table:
    return status_class_table(status_counts, scope.config, scope.status_categories, scope.classes)


STEPS = [
    PerItem(
        "status_counts",
        (),
        _status_counts,
        without_history=lambda run, **_: _status_counts(run),
    ),
    Aggregate(
        "status_classes",
        ("status_counts",),
        _status_classes,
        columns={"status_counts": ("status", "n")},
    ),
]
