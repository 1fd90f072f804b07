"""Layer 1: from canonical events to timeline segments with touch and wait.

All times inside the engine are int64 microseconds since the epoch (``t``), so sums are exact
and every backend gives bit-identical results; conversion to timestamps and float seconds
happens once, when a table leaves the engine. Items, too, are int64 codes inside the engine
(the pipeline maps them back to keys), and change values are codes until the segments are
formed, so that the heavy windows partition and sort integers.

Steps (each a flat Ibis expression over explicit columns):

1. ``segments``: one row per change point (status, team, assignee, flag events), numbered
   ``g`` in (ts, seq) order, with the values in force (a running maximum over encoded
   values, which also honours a value cleared to null), its
   end (the next change point, or ``as_of``), class, blocked flag and team; zero-length
   segments are dropped (except the item's last one, the state at ``as_of``).
2. ``item_windows``: committed, delivered and the flow window of every item.
3. ``timeline``: segments with the part inside the window, touch (active, not blocked, and
   with ``stall_after`` only the first ``stall_after`` after each event) and wait. Only with
   ``stall_after`` does it need every event: ``event_groups`` gives each event ``g``, the
   number of change points up to and including it, and ``nxt``, the item's next event.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from ..model import INT, STR, TS, S
from .backend import conform
from .coded_events import CHANGE_FIELDS, CodedEvents
from .lookups import Lookup, lookup
from .runner import PerItem, RunContext

TIMELINE = pa.schema(
    [
        ("item", pa.string()),
        ("seg", INT),  # 0-based position of the segment within the item
        ("status", STR),
        ("class", STR),  # backlog | wait | active | done
        ("team", STR),
        ("assignee", STR),
        ("flagged", pa.bool_()),
        ("blocked", pa.bool_()),  # flagged (when flags block) or a blocked status
        ("start", TS),
        ("end", TS),  # open item: the analysis' as_of
        ("duration_s", S),
        ("in_window_s", S),  # part of the segment inside the item's flow window
        ("touch_s", S),  # active, not blocked, not stalled, inside the window
        ("wait_s", S),  # in_window_s - touch_s
    ]
)


NULL_STR = ibis.null("string")


def _w(t: ir.Table, *, cumulative: bool = False, following: bool = False, by=None, order=None):
    group = by if by is not None else [t.item]
    order = order if order is not None else [t.g]
    if cumulative:
        return ibis.window(group_by=group, order_by=order, rows=(None, 0))
    if following:
        return ibis.window(group_by=group, order_by=order, rows=(0, None))
    return ibis.window(group_by=group, order_by=order)


def event_groups(ev: ir.Table) -> ir.Table:
    """events(item, t, seq, field, value) -> + g (segment group), nxt (next event ts)."""
    order = [ev.t, ev.seq]
    is_cp = ev.field.isin(CHANGE_FIELDS).cast("int64")
    return ev.mutate(
        g=is_cp.sum().over(_w(ev, cumulative=True, order=order)),
        nxt=ev.t.lead().over(_w(ev, order=order)),
    )


def _in_force(cp: ir.Table, field: str, window, modulus: int) -> ir.Value:
    """The value code of the latest ``field`` event up to each change point, null-clears
    included (null when the field has no event yet or was cleared).

    Every change point carries ``enc`` = g * modulus + (value code + 1, or 0 for a cleared
    value): the running maximum over the item's change points is then the latest such event.
    All four fields share one window (one sort), and integers keep that window cheap.
    """
    latest = ibis.ifelse(cp.field == field, cp.enc, ibis.null("int64")).max().over(window)
    code = latest % modulus
    return ibis.ifelse(code > 0, code - 1, ibis.null("int64"))


def _decode(t: ir.Table, values: ir.Table, column: str) -> ir.Table:
    """Replace the value code ``column`` + "_c" by its string (a join with the small
    dictionary of change values)."""
    key = f"{column}_c"
    v = values.select(**{f"_{key}": values.code, column: values.value})
    return t.left_join(v, t[key] == v[f"_{key}"]).drop(key, f"_{key}")


def segments(
    ev: ir.Table,
    values: ir.Table,
    *,
    as_of: int,
    classes: Lookup,
    blocked_statuses: list[str],
    flagged_is_blocked: bool,
    team_sources: list[str],
    status_map: Lookup,
    assignee_map: Lookup,
    n_values: int,
    team_source: bool = False,
) -> ir.Table:
    """One row per non-empty segment: item, g, status, class, team, assignee, flagged,
    blocked, start, end, seg, prev_class, is_last, new_visit; with ``team_source``, also
    which of ``team_sources`` gave the team.

    ``g`` numbers the item's change points from 1 in (ts, seq) order: the same numbering as
    :func:`event_groups` gives the events of each segment.

    ``ev`` carries ``vcode``, the code of ``value`` in ``values`` (code, value): the heavy
    windows run on integers and the four strings are joined back once per segment.
    """
    modulus = int(n_values) + 1
    cp = ev.filter(ev.field.isin(CHANGE_FIELDS)).select("item", "t", "seq", "field", "vcode")
    cp = cp.mutate(g=ibis.row_number().over(_w(cp, order=[cp.t, cp.seq])) + 1)
    # The encoding of _in_force, built once for all four fields.
    cp = cp.mutate(enc=(cp.g * modulus + ibis.coalesce(cp.vcode + 1, 0)).cast("int64"))
    cum = _w(cp, cumulative=True)
    nxt = cp.t.lead().over(_w(cp))
    cp = cp.mutate(
        status_c=_in_force(cp, "status", cum, modulus),
        team_field_c=_in_force(cp, "team", cum, modulus),
        assignee_c=_in_force(cp, "assignee", cum, modulus),
        flag_c=_in_force(cp, "flag", cum, modulus),
        end=ibis.coalesce(nxt, ibis.literal(as_of, "int64")),
        last_cp=nxt.isnull(),
    )
    # Zero-length segments are dropped, except the state in force at as_of itself (a change
    # at exactly as_of, e.g. an item delivered at the latest timestamp of the data).
    seg = cp.filter(cp.status_c.notnull(), (cp.end > cp.t) | cp.last_cp)
    seg = seg.select("item", "g", "t", "end", "status_c", "team_field_c", "assignee_c", "flag_c")
    # The per-segment windows run before the strings are joined back: their sort then
    # carries integers only.
    w = _w(seg)
    prev_status = seg.status_c.lag().over(w)
    seg = seg.mutate(
        seg=ibis.row_number().over(w),
        prev_status_c=prev_status,
        is_last=seg.g.lead().over(w).isnull(),
        # A status visit starts here (a team or assignee change keeps the visit).
        new_visit=prev_status.isnull() | (prev_status != seg.status_c),
    )
    for column in ("status", "team_field", "assignee", "flag", "prev_status"):
        seg = _decode(seg, values, column)
    wait = ibis.literal("wait")
    seg = classes.apply(seg, "status", "_cls", wait)
    seg = classes.apply(seg, "prev_status", "_prev_cls", wait)
    seg = _team(seg, team_sources, status_map, assignee_map)
    flagged = seg.flag.notnull() & (seg.flag != "")
    blocked = flagged if flagged_is_blocked else ibis.literal(False)
    if blocked_statuses:
        blocked = blocked | seg.status.isin(blocked_statuses)
    extra = {"team_source": seg._team_source} if team_source else {}
    return seg.select(
        "item",
        "g",
        "status",
        **extra,
        cls=seg._cls,
        team=seg._team,
        assignee=seg.assignee,
        flagged=flagged,
        blocked=blocked,
        start=seg.t,
        end=seg.end,
        seg=seg.seg,
        prev_class=ibis.ifelse(seg.prev_status.isnull(), NULL_STR, seg._prev_cls),
        is_last=seg.is_last,
        new_visit=seg.new_visit,
    )


def _team(seg: ir.Table, sources: list[str], status_map: Lookup, assignee_map: Lookup) -> ir.Table:
    """``seg`` with ``_team``: the first of ``sources`` that gives the segment a team, and
    ``_team_source``: which source that was (the rule ``flowgap inspect`` reports too)."""
    candidates: dict[str, str] = {}  # source -> its column of candidate teams
    for source in sources:
        if source == "field":
            candidates[source] = "team_field"
        elif source == "status" and status_map.mapping:
            seg = status_map.apply(seg, "status", "_status_team", NULL_STR)
            candidates[source] = "_status_team"
        elif source == "assignee_map" and assignee_map.mapping:
            seg = assignee_map.apply(seg, "assignee", "_assignee_team", NULL_STR)
            candidates[source] = "_assignee_team"
        elif source == "assignee":
            candidates[source] = "assignee"
    if not candidates:
        return seg.mutate(_team=NULL_STR, _team_source=NULL_STR)
    columns = [seg[c] for c in candidates.values()]
    return seg.mutate(
        _team=columns[0] if len(columns) == 1 else ibis.coalesce(*columns),
        _team_source=ibis.cases(
            *(
                (column.notnull(), source)
                for source, column in zip(candidates, columns, strict=True)
            ),
            else_=NULL_STR,
        ),
    )


def item_windows(seg: ir.Table, created: ir.Table, *, as_of: int, flow_window: str) -> ir.Table:
    """Per item: created, committed, delivered, window start/end, current status/class."""
    committing = seg.cls.isin(["wait", "active"])
    entry_done = (seg.cls == "done") & (seg.prev_class.isnull() | (seg.prev_class != "done"))
    agg = seg.group_by("item").aggregate(
        committed=ibis.ifelse(committing, seg.start, ibis.null("int64")).min(),
        last_done_entry=ibis.ifelse(entry_done, seg.start, ibis.null("int64")).max(),
        last_status=ibis.ifelse(seg.is_last, seg.status, NULL_STR).max(),
        last_class=ibis.ifelse(seg.is_last, seg.cls, NULL_STR).max(),
    )
    j = agg.join(created, "item", how="left")
    delivered = ibis.ifelse(j.last_class == "done", j.last_done_entry, ibis.null("int64"))
    created_t = ibis.coalesce(j.created, j.committed)
    if flow_window == "created":
        ws = ibis.ifelse(
            j.committed.notnull(), ibis.least(created_t, j.committed), ibis.null("int64")
        )
    else:
        ws = j.committed
    return j.select(
        "item",
        "committed",
        "last_status",
        "last_class",
        created=created_t,
        delivered=delivered,
        ws=ws,
        we=ibis.coalesce(delivered, ibis.literal(as_of, "int64")),
    )


def _overlap(a: ir.Value, b: ir.Value, ws: ir.Value, we: ir.Value) -> ir.Value:
    """Length of [a, b) inside [ws, we); 0 when there is no window."""
    length = ibis.least(b, we) - ibis.greatest(a, ws)
    return ibis.ifelse(ws.isnull(), 0, ibis.greatest(length, 0)).cast("int64")


def timeline(
    seg: ir.Table, windows: ir.Table, evg: ir.Table | None, *, as_of: int, stall_us: int | None
) -> ir.Table:
    """Segments with in-window time, touch, wait, the item's window (ws, we), the first touch
    moment from each segment on (ntm) and the status visit (the seg of its first segment)."""
    j = seg.join(windows.select("item", "ws", "we"), "item")
    touching = (j.cls == "active") & ~j.blocked
    j = j.mutate(in_window=_overlap(j.start, j.end, j.ws, j.we), touching=touching)
    if stall_us is None:
        j = j.mutate(touch=ibis.ifelse(j.touching, j.in_window, 0).cast("int64"))
    else:
        pieces = touch_pieces(j, evg, as_of=as_of, stall_us=stall_us)
        per_seg = pieces.group_by(["item", "g"]).aggregate(
            touch=(pieces.b - pieces.a).sum().cast("int64")
        )
        j = j.left_join(per_seg, ["item", "g"])
        j = j.select([c for c in j.columns if not c.endswith("_right")])
        j = j.mutate(touch=ibis.coalesce(j.touch, 0).cast("int64"))
    j = j.mutate(
        wait=j.in_window - j.touch,
        duration=j.end - j.start,
        # The first touch moment of a segment: touch always starts where the segment enters
        # the window (segments start at change points, windows at segment starts or created).
        tm=ibis.ifelse(j.touch > 0, ibis.greatest(j.start, j.ws), ibis.null("int64")),
    )
    # Both windows share the item's order by seg (one sort): the first touch moment at or
    # after each segment, and the visit it belongs to (numbered by its first segment).
    return j.mutate(
        ntm=j.tm.min().over(_w(j, following=True, order=[j.seg])),
        visit=ibis.ifelse(j.new_visit, j.seg, ibis.null("int64"))
        .max()
        .over(_w(j, cumulative=True, order=[j.seg])),
    )


def touch_pieces(
    tl: ir.Table, evg: ir.Table | None, *, as_of: int, stall_us: int | None
) -> ir.Table:
    """The touch intervals (item, g, a, b), clipped to the window; ``tl`` needs touching/ws/we.

    Without ``stall_after`` a segment's touch is one interval; with it, each event inside an
    active segment opens at most ``stall_after`` of touch, up to the next event.
    """
    active = tl.filter(tl.touching, tl.ws.notnull())
    if stall_us is None:
        a = ibis.greatest(active.start, active.ws)
        b = ibis.least(active.end, active.we)
        out = active.select("item", "g", a=a, b=b)
        return out.filter(out.b > out.a)
    ev = evg.filter(evg.g > 0).select("item", "g", "t", "nxt")
    j = ev.join(active.select("item", "g", "end", "ws", "we"), ["item", "g"])
    stop = ibis.least(ibis.coalesce(j.nxt, ibis.literal(as_of, "int64")), j.end, j.t + stall_us)
    a = ibis.greatest(j.t, j.ws)
    b = ibis.least(stop, j.we)
    out = j.select("item", "g", a=a, b=b)
    return out.filter(out.b > out.a)


# --------------------------------------------------------------------------- steps


def _event_groups(run: RunContext, coded_events: CodedEvents) -> ir.Table | None:
    # Every event is only needed to cut touch after stall_after (and for its working time).
    return event_groups(coded_events.events) if run.stall_us is not None else None


def run_segments(
    run: RunContext, coded_events: CodedEvents, *, team_source: bool = False
) -> ir.Table:
    """The segments of a run's events, under its configuration (see :func:`segments`)."""
    config, be, text = run.config, run.backend, pa.string()
    assert be is not None
    return segments(
        coded_events.events,
        coded_events.values,
        n_values=len(coded_events.value_names),
        as_of=run.as_of_us,
        classes=lookup(be, "classes", run.classes, text, text),
        blocked_statuses=config.statuses.blocked,
        flagged_is_blocked=config.flow.flagged_is_blocked,
        team_sources=list(config.teams.source),
        status_map=lookup(be, "status_teams", config.teams.status_map, text, text),
        assignee_map=lookup(be, "assignee_teams", config.teams.assignee_map, text, text),
        team_source=team_source,
    )


def _windows(run: RunContext, segments: ir.Table, coded_events: CodedEvents) -> ir.Table:
    return item_windows(
        segments, coded_events.created, as_of=run.as_of_us, flow_window=run.config.flow.flow_window
    )


def _timeline_segments(
    run: RunContext, segments: ir.Table, windows: ir.Table, event_groups: ir.Table | None
) -> ir.Table:
    return timeline(segments, windows, event_groups, as_of=run.as_of_us, stall_us=run.stall_us)


# The engine columns the TIMELINE table is made of (only these leave the engine).
_COLUMNS = (
    "item", "seg", "status", "cls", "team", "assignee", "flagged", "blocked",
    "start", "end", "duration", "in_window", "touch", "wait",
)  # fmt: skip


def _timeline_rows(
    run: RunContext, timeline_segments: ir.Table, coded_events: CodedEvents
) -> pa.Table:
    raw = run.backend.to_arrow(timeline_segments.select(*_COLUMNS))  # type: ignore[union-attr]
    raw = coded_events.decode_items(raw.sort_by([("item", "ascending"), ("seg", "ascending")]))
    renamed = {
        "class": raw.column("cls"),
        "duration_s": raw.column("duration"),
        "in_window_s": raw.column("in_window"),
        "touch_s": raw.column("touch"),
        "wait_s": raw.column("wait"),
    }
    cols = {
        f.name: renamed.get(f.name, raw.column(f.name) if f.name in raw.column_names else None)
        for f in TIMELINE
    }
    return conform(pa.table(cols), TIMELINE)


STEPS = [
    PerItem("event_groups", ("coded_events",), _event_groups, kept=False),
    PerItem("segments", ("coded_events",), run_segments, kept=False),
    PerItem("windows", ("segments", "coded_events"), _windows, kept=False),
    PerItem(
        "timeline_segments",
        ("segments", "windows", "event_groups"),
        _timeline_segments,
        kept=False,
    ),
    PerItem("timeline", ("timeline_segments", "coded_events"), _timeline_rows, empty=TIMELINE),
]
