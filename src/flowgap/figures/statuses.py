"""The order and the colours of statuses in every chart that lists them (the cumulative flow
diagram, ageing work in progress).

**Order**: the workflow's: the order the status map reads left to right
(:func:`status_layers`: backlog first, done last, and in between as many moves as possible
forward), so the charts and the map agree; the statuses ``[statuses] order`` lists follow it
among themselves. The dashboard takes it from the unfiltered analysis, so a filter never reorders.

**How many**: a chart names at most :data:`CHART_STATUSES` statuses, those that weigh most in
it (item-days in the cumulative flow diagram, open items in ageing WIP); the others are
folded into one band per class, "other wait statuses" and so on (:func:`chart_labels`). A log
can have thousands of statuses, and a chart of thousands of bands reads as none.

**Colours**: each status in its class' family of :data:`STATUS_SHADES` (greys for backlog,
reds and oranges for wait, greens for active, blues for done), the statuses of one class told
apart by distinct shades in workflow order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import pyarrow as pa

from .process_maps import status_layers
from .style import CLASS_COLOURS, CLASS_ORDER, STATUS_SHADES, TableLike, frame

#: Where a class sits in the workflow: backlog before everything, done after.
_BAND = {"backlog": 0, "wait": 1, "active": 1, "done": 2}
#: backlog, wait, active, done: the fallback order when no moves are known.
_CLASS_RANK = {c: i for i, c in enumerate(reversed(CLASS_ORDER))}


def workflow_order(
    classes: Mapping[str, str],
    moves: Mapping[tuple[str, str], int] | None = None,
    configured: Sequence[str] = (),
) -> list[str]:
    """Every status of ``classes`` (status -> class) in workflow order: as the status map
    lays them out from ``moves`` ((source, target) -> how often), left to right and top to
    bottom, backlog statuses first and done statuses last (without moves: by class, then
    name); the ``configured`` ones (``[statuses] order``) then take the places of the
    configured statuses in their configured order, the others keep theirs."""
    if moves:
        layers = status_layers(dict(classes), dict(moves))
        # Backlog first and done last, as the map's order has them, whatever the columns: a
        # side status reached late (a review, blocked) still belongs before delivery.
        laid = sorted(
            classes,
            key=lambda s: (_BAND.get(classes[s], 1), *layers.get(s, (len(classes), 0.0)), s),
        )
    else:
        laid = sorted(classes, key=lambda s: (_CLASS_RANK.get(classes[s], len(_CLASS_RANK)), s))
    listed = [s for s in dict.fromkeys(configured) if s in classes]
    slots = iter(listed)
    chosen = set(listed)
    return [next(slots) if s in chosen else s for s in laid]


#: The most statuses a chart names; the rest are folded into one band per class.
CHART_STATUSES = 40


def other_label(cls: str) -> str:
    """The band of a class' statuses a chart does not name."""
    return f"other {cls} statuses"


def chart_labels(
    weights: Mapping[str, float], classes: Mapping[str, str], limit: int = CHART_STATUSES
) -> dict[str, str]:
    """status -> what a chart calls it: itself for the ``limit`` statuses of most ``weight``
    (ties by name), :func:`other_label` of its class for the rest."""
    if len(weights) <= limit:
        return {s: s for s in weights}
    named = set(sorted(weights, key=lambda s: (-weights[s], s))[:limit])
    return {s: s if s in named else other_label(classes.get(s) or "wait") for s in weights}


@dataclass(frozen=True)
class StatusScope:
    """The statuses of a whole analysis in workflow order, with their classes and colours."""

    order: tuple[str, ...]
    classes: Mapping[str, str]

    @cached_property
    def colours(self) -> dict[str, str]:
        return status_colours(self.order, self.classes)

    def arrange(self, classes: Mapping[str, str]) -> list[str]:
        """The statuses of a chart (``classes``: status -> class) in this order; a band of
        folded statuses (:func:`other_label`) right after the last named status of its
        class; other statuses the scope does not know follow, by class then name."""
        out = [s for s in self.order if s in classes]
        known = set(out)
        for status in workflow_order(classes):
            if status in known:
                continue
            cls = classes[status]
            same = (
                [i for i, s in enumerate(out) if s in known and classes.get(s) == cls]
                if status == other_label(cls)
                else []
            )
            if same:
                out.insert(same[-1] + 1, status)
            else:
                out.append(status)
        return out

    def colour(self, status: str, cls: str | None = None) -> str:
        found = self.colours.get(status)
        return found or CLASS_COLOURS.get(cls or "", "#888888")


def status_scope(
    status_classes: TableLike, status_map: TableLike | None = None, configured: Sequence[str] = ()
) -> StatusScope:
    """The :class:`StatusScope` of an analysis' tables: ``status_classes`` (status, class)
    and the status map's edges (source, target, count), with ``[statuses] order``."""
    sc = frame(status_classes)
    classes = (
        {s: c for s, c in zip(sc["status"], sc["class"], strict=True) if s is not None}
        if not sc.empty
        else {}
    )
    moves: dict[tuple[str, str], int] = {}
    if isinstance(status_map, pa.Table) and status_map.num_rows:
        edges = status_map.select(["source", "target", "count"]).to_pylist()
        moves = {(e["source"], e["target"]): int(e["count"] or 0) for e in edges}
    return StatusScope(tuple(workflow_order(classes, moves, configured)), classes)


def status_colours(order: Sequence[str], classes: Mapping[str, str]) -> dict[str, str]:
    """A colour per status: the shades of its class' family in workflow ``order``; a class
    with more statuses than shades goes on with paler, then darker, variants of them."""
    count: dict[str, int] = {}
    for status in order:
        cls = classes.get(status) or ""
        count[cls] = count.get(cls, 0) + 1
    families = {cls: _family(cls, n) for cls, n in count.items()}
    used: dict[str, int] = {}
    colours: dict[str, str] = {}
    for status in order:
        cls = classes.get(status) or ""
        colours[status] = families[cls][used.get(cls, 0) % len(families[cls])]
        used[cls] = used.get(cls, 0) + 1
    return colours


def _family(cls: str, n: int) -> list[str]:
    base = list(STATUS_SHADES.get(cls, (CLASS_COLOURS.get(cls, "#888888"),)))
    shades = list(base)
    for towards, amount in (("#ffffff", 0.5), ("#000000", 0.35), ("#ffffff", 0.75)):
        if len(shades) >= n:
            break
        shades += [_mix(c, towards, amount) for c in base]
    return shades


def _mix(colour: str, towards: str, amount: float) -> str:
    a = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(towards[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * amount):02x}" for x, y in zip(a, b, strict=True))
