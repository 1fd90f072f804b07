"""Findings: plain sentences with numbers, ranked by the waiting they explain.

Each finding is ``{"ranking", "rank", "kind", "subject", "impact_s", "text", "item"}``.
``impact_s`` is the seconds of waiting behind it (for steering: the meeting time it cost), and
each ranking is ordered by it, largest first; ties fall back to a fixed kind order and the
subject, so the same analysis always reads the same. Days are shown with one decimal.

There are two rankings, each numbered from 1: ``main`` (the flow, the statuses where work
waits, handoffs, ping-pongs, steering, the worst items) and ``team`` (the teams with whom work
waits). Waiting by status and waiting by team are two shares of the same waiting: in one
numbered list their percentages would add up to more than 100%.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..config import Config
from ..units import DAY_S
from .runner import Aggregate, Scope

TOP_BOTTLENECKS = 3
TOP_STORIES = 5
KIND_ORDER = (
    "flow",
    "lead_time",
    "bottleneck_status",
    "bottleneck_team",
    "bottleneck_handoff",
    "ping_pong",
    "steering",
    "worst_item",
    # Added by the decisions layer (flowgap.decisions), ranked with the engine's by rank().
    "in_trouble",
)


def build_findings(summary: dict, tables: dict[str, pa.Table], config: Config) -> list[dict]:
    """Ranked findings from the summary and the analysis tables."""
    window_name = "cycle time" if config.flow.flow_window == "commitment" else "lead time"
    found: list[dict] = []
    if _has_history(summary, tables):
        found += _flow(summary, window_name)
        found += _status_bottlenecks(tables.get("stages"))
        found += _team_bottlenecks(tables.get("teams"))
        found += _handoff_bottlenecks(tables.get("handoffs"))
        found += _ping_pongs(tables.get("handoffs"))
        found += _worst_items(tables.get("items"), tables.get("steering_touches"), config)
    else:
        found += _no_history(summary)
    found += _steering(summary, tables.get("items"), tables.get("steering_touches"))
    return rank(found)


def rank(found: list[dict]) -> list[dict]:
    """Findings ordered by impact (then kind and subject), numbered from 1."""
    found = [{k: v for k, v in f.items() if k != "rank"} for f in found]
    found.sort(key=lambda f: (-f["impact_s"], KIND_ORDER.index(f["kind"]), f["subject"]))
    out = []
    for ranking in RANKINGS:
        mine = [f for f in found if ranking_of(f["kind"]) == ranking]
        out += [{"ranking": ranking, "rank": i, **f} for i, f in enumerate(mine, start=1)]
    return out


#: The rankings of the findings, in the order they are listed.
RANKINGS = ("main", "team")


#: The heading of the worst items wherever they are listed: they are ranked by waiting, and
#: not every one is "a week of work that took months", so the heading claims only the rank.
WORST_ITEMS_TITLE = "Worst items: the most waiting among items worked on"

#: The heading of the ``team`` ranking wherever findings are shown.
TEAM_RANKING_TITLE = "Where work waits, by team (a second ranking of the same waiting)"


def ranking_of(kind: str) -> str:
    """``team`` for the teams' shares of all waiting, ``main`` for every other kind."""
    return "team" if kind == "bottleneck_team" else "main"


def main_findings(findings: list[dict]) -> list[dict]:
    """The findings of the ``main`` ranking, in rank order."""
    return [f for f in findings if f.get("ranking", "main") == "main"]


def team_findings(findings: list[dict]) -> list[dict]:
    """The findings of the ``team`` ranking, in rank order."""
    return [f for f in findings if f.get("ranking") == "team"]


# --------------------------------------------------------------------------- groups


@dataclass(frozen=True)
class FindingGroup:
    """Findings shown together: their shares are of one stated whole and do not overlap."""

    key: str
    title: str
    #: What the shares of the group are of; None for a group without shares.
    whole: str | None


#: The groups in the order they are shown. Status and team split the same waiting two ways:
#: two groups, each adding up to at most 100% of it. A ping-pong's waiting is that of the
#: handoffs between its two teams, so ping-pongs are a group of their own beside the handoffs.
FINDING_GROUPS = (
    FindingGroup("flow", "The flow", None),
    FindingGroup("status", "Where work waits, by status", "all waiting inside flow windows"),
    FindingGroup(
        "team",
        "Where work waits, by team",
        "all waiting inside flow windows (the same waiting as by status, split by team)",
    ),
    FindingGroup(
        "handoff", "Waiting after handoffs", "the waiting after every handoff, counted per handoff"
    ),
    FindingGroup(
        "ping_pong",
        "Work that bounces back",
        "the waiting after every handoff, counted per handoff (a second look at the handoffs)",
    ),
    FindingGroup("steering", "Steering committees", None),
    FindingGroup("in_trouble", "Items in trouble", None),
    FindingGroup("worst_item", WORST_ITEMS_TITLE, None),
)

GROUP_OF_KIND = {
    "flow": "flow",
    "lead_time": "flow",
    "bottleneck_status": "status",
    "bottleneck_team": "team",
    "bottleneck_handoff": "handoff",
    "ping_pong": "ping_pong",
    "steering": "steering",
    "in_trouble": "in_trouble",
    "worst_item": "worst_item",
}


def group_wholes(stages: pa.Table, handoffs: pa.Table) -> dict[str, float]:
    """The whole (seconds) each group's shares are of: all waiting inside flow windows (the
    denominator of the stages' and teams' ``wait_share``) and all handoff waiting (the sum of
    the handoff edges' ``total_wait_s``)."""

    def total(table: pa.Table, column: str) -> float:
        return float(pc.sum(table.column(column)).as_py() or 0.0) if table.num_rows else 0.0

    waiting = total(stages, "wait_s")
    after_handoffs = total(handoffs, "total_wait_s")
    return {
        "status": waiting,
        "team": waiting,
        "handoff": after_handoffs,
        "ping_pong": after_handoffs,
    }


def grouped_findings(findings: list[dict], wholes: dict[str, float]) -> list[dict]:
    """The findings by group, in the order of ``FINDING_GROUPS`` and within a group by rank:
    ``{"group", "title", "whole", "whole_s", "findings"}``, each finding with ``share``
    (its ``impact_s`` of ``whole_s``; null in a group without a whole). Empty groups are
    left out."""
    out = []
    for group in FINDING_GROUPS:
        mine = [f for f in findings if GROUP_OF_KIND.get(f["kind"]) == group.key]
        if not mine:
            continue
        whole_s = wholes.get(group.key) if group.whole else None
        rows = [
            {**f, "share": f["impact_s"] / whole_s if whole_s else None}
            for f in sorted(mine, key=lambda f: (f.get("ranking", "main"), f.get("rank", 0)))
        ]
        out.append(
            {
                "group": group.key,
                "title": group.title,
                "whole": group.whole,
                "whole_s": whole_s,
                "findings": rows,
            }
        )
    return out


def _has_history(summary: dict, tables: dict[str, pa.Table]) -> bool:
    # build_summary counts no item "with history" when the input has none (Jira UI CSV)
    return summary["items"]["with_history"] > 0


# --------------------------------------------------------------------------- kinds


def _flow(summary: dict, window_name: str) -> list[dict]:
    fe = summary["flow_efficiency"]
    if fe["pooled"] is None:
        return []
    text = f"Work waits {pct(1.0 - fe['pooled'])} of its {window_name}"
    if fe["median"] is not None:
        text += (
            f" (flow efficiency: median {pct(fe['median'])} per item, {pct(fe['pooled'])} pooled)"
        )
    return [_finding("flow", "all items", summary["wait"]["total_s"], text + ".")]


def _no_history(summary: dict) -> list[dict]:
    out = [
        _finding(
            "flow",
            "all items",
            0.0,
            "Flow efficiency needs status history: this input has none (a Jira UI CSV export "
            "has only created, resolved and the current status), so only lead time is reported.",
        )
    ]
    lead = summary["lead_time"]
    if lead["p50"] is not None:
        out.append(
            _finding(
                "lead_time",
                "delivered items",
                0.0,
                f"Half of the delivered items took up to {days(lead['p50'])} days from creation "
                f"to delivery, 85% up to {days(lead['p85'])} days, 95% up to "
                f"{days(lead['p95'])} days.",
            )
        )
    return out


def bottleneck_statuses(rows: list[dict]) -> list[dict]:
    """The stage rows that may rank as bottlenecks wherever statuses are ranked: some wait
    inside flow windows, and not a done status (the time in 'Resolved' before a reopen is
    wait inside the window, but "wait less in 'Resolved'" is no advice)."""
    return [r for r in rows if (r.get("wait_s") or 0.0) > 0 and r.get("class") != "done"]


def _status_bottlenecks(stages: pa.Table | None) -> list[dict]:
    out = []
    rows = bottleneck_statuses(stages.to_pylist()) if stages is not None else []
    rows.sort(key=lambda r: (-r["wait_s"], str(r["status"])))
    for row in rows[:TOP_BOTTLENECKS]:
        text = (
            f"{pct(row['wait_share'])} of all waiting happens in '{row['status']}' "
            f"(median {days(row['median_visit_s'])} days per visit"
        )
        if row["wip"]:
            text += (
                f", {_count(row['wip'], 'item')} waiting now, the oldest for "
                f"{days(row['wip_age_max_s'])} days"
            )
        out.append(_finding("bottleneck_status", row["status"], row["wait_s"], text + ")."))
    return out


def _team_bottlenecks(teams: pa.Table | None) -> list[dict]:
    out = []
    for row in _top(teams, "wait_s", "team"):
        parts = []
        if row["median_queue_s"] is not None:
            parts.append(f"median {days(row['median_queue_s'])} days from arrival to pickup")
        if row["handoffs_in"]:
            parts.append(f"{_count(row['handoffs_in'], 'handoff')} in")
        detail = f" ({', '.join(parts)})" if parts else ""
        text = (
            f"{pct(row['wait_share'])} of all waiting happens while work sits with "
            f"{row['team']}{detail}."
        )
        out.append(_finding("bottleneck_team", row["team"], row["wait_s"], text))
    return out


def _handoff_bottlenecks(handoffs: pa.Table | None) -> list[dict]:
    out = []
    for row in _top(handoffs, "total_wait_s", "from_team", "to_team"):
        edge = f"{row['from_team']} -> {row['to_team']}"
        text = f"{edge}: {_count(row['count'], 'handoff')}"
        if row["median_wait_s"] is not None:
            text += (
                f", median {days(row['median_wait_s'])} days before {row['to_team']} "
                "picks the work up"
            )
        out.append(_finding("bottleneck_handoff", edge, row["total_wait_s"], text + "."))
    return out


def _ping_pongs(handoffs: pa.Table | None) -> list[dict]:
    """One finding per pair of teams between which work went A -> B -> A."""
    if handoffs is None or handoffs.num_rows == 0:
        return []
    returns: dict[tuple[str, str], int] = defaultdict(int)
    waits: dict[tuple[str, str], float] = defaultdict(float)
    bouncing: set[tuple[str, str]] = set()
    for row in handoffs.to_pylist():
        pair = tuple(sorted((str(row["from_team"]), str(row["to_team"]))))
        returns[pair] += row["ping_pongs"] or 0
        waits[pair] += row["total_wait_s"] or 0.0
        if row["ping_pong"]:
            bouncing.add(pair)
    ranked = sorted(
        (p for p in bouncing if returns[p] > 0), key=lambda p: (-waits[p], -returns[p], p)
    )
    out = []
    for a, b in ranked[:TOP_BOTTLENECKS]:
        text = (
            f"Work ping-pongs between {a} and {b}: {_count(returns[(a, b)], 'return')} to the "
            f"team that had it just before, {days(waits[(a, b)])} days of waiting on the "
            "handoffs between them."
        )
        out.append(_finding("ping_pong", f"{a} <-> {b}", waits[(a, b)], text))
    return out


def _steering(summary: dict, items: pa.Table | None, touches: pa.Table | None) -> list[dict]:
    st = summary["steering_touches"]
    if not st["total"]:
        return []
    minutes = st["meeting_minutes"] or 0.0
    text = (
        f"{_count(st['items'], 'item')} {'was' if st['items'] == 1 else 'were'} discussed in "
        f"{_count(st['total'], 'steering touch', 'steering touches')} costing "
        f"{hours(minutes / 60.0)} hours of meeting time"
    )
    ratio = steered_lead_ratio(items, touches)
    if ratio is not None:
        if ratio >= 1.05:
            text += f"; steered items took {ratio:.1f}x longer than comparable unsteered ones"
        elif ratio <= 0.95:
            text += (
                f"; steered items were delivered in {ratio:.1f}x the lead time of comparable "
                "unsteered ones"
            )
        else:
            text += "; steered items took about as long as comparable unsteered ones"
    return [_finding("steering", "steering committee", minutes * 60.0, text + ".")]


def steered_lead_ratio(items: pa.Table | None, touches: pa.Table | None) -> float | None:
    """Median lead time of steered delivered items / that of unsteered ones, both taken only
    from (type, delivery quarter) groups that hold both kinds; None without such a group."""
    if items is None or touches is None or items.num_rows == 0 or touches.num_rows == 0:
        return None
    done = items.filter(pc.is_valid(items.column("delivered")))
    if done.num_rows == 0:
        return None
    delivered = done.column("delivered")
    keyed = pa.table(
        {
            "type": pc.fill_null(done.column("type"), ""),
            "year": pc.year(delivered),
            "quarter": pc.quarter(delivered),
            "steered": pc.is_in(done.column("item"), value_set=pc.unique(touches.column("item"))),
            "lead": done.column("lead_time_s").cast(pa.float64()),
        }
    )
    groups = keyed.group_by(["type", "year", "quarter"]).aggregate(
        [("steered", "min"), ("steered", "max")]
    )
    mixed = groups.filter(pc.not_equal(groups.column("steered_min"), groups.column("steered_max")))
    both = keyed.join(mixed, keys=["type", "year", "quarter"], join_type="inner")
    both = both.filter(pc.is_valid(both.column("lead")))
    a = both.filter(both.column("steered")).column("lead").to_numpy()
    b = both.filter(pc.invert(both.column("steered"))).column("lead").to_numpy()
    if not a.size or not b.size or np.median(b) <= 0:
        return None
    return float(np.median(a) / np.median(b))


def _worst_items(items: pa.Table | None, touches: pa.Table | None, config: Config) -> list[dict]:
    """The items with the most waiting among those that were worked on (some touch in their
    window), longest window then key on ties; at most five, told as stories. An item that
    never reached an active status has no touch: its flow efficiency of 0 says nothing about
    how work flows, only that nobody started it."""
    if items is None or items.num_rows == 0:
        return []
    worked = items.filter(
        pc.and_(
            pc.is_valid(items.column("window_s")),
            pc.greater(pc.fill_null(items.column("touch_s"), 0.0), 0.0),
        )
    )
    if worked.num_rows == 0:
        return []
    worst = worked.append_column("neg_wait", pc.negate(worked.column("wait_s")))
    worst = worst.append_column("neg_window", pc.negate(worst.column("window_s")))
    worst = worst.sort_by(
        [("neg_wait", "ascending"), ("neg_window", "ascending"), ("item", "ascending")]
    ).slice(0, TOP_STORIES)
    rows = worst.to_pylist()
    steering = _touch_counts(touches, [r["item"] for r in rows])
    out = []
    for row in rows:
        n_touches = steering.get(row["item"], row.get("steering_touches") or 0)
        out.append(
            _finding(
                "worst_item",
                row["item"],
                row["wait_s"] or 0.0,
                story(row, n_touches, config.flow.flow_window),
                item=row["item"],
            )
        )
    return out


def story(row: dict, steering_touches: int, flow_window: str = "commitment") -> str:
    """ "ABC-123: 4.5 days of touch in 121.0 days (3.7%), 9 handoffs across 6 teams, ..." """
    text = (
        f"{row['item']}: {_touch(row['touch_s'])} of touch in {days(row['window_s'])} days "
        f"({_small_pct(row['flow_efficiency'])})"
    )
    lead = row.get("lead_time_s")
    if row.get("delivered") is None:
        text += ", still open"
    elif flow_window == "commitment" and lead is not None and days(lead) != days(row["window_s"]):
        text += f", {days(lead)} days from creation to delivery"
    text += (
        f", {_count(row['handoffs'] or 0, 'handoff')} across "
        f"{_count(row['teams_visited'] or 0, 'team')}"
    )
    if steering_touches:
        text += f", {_count(steering_touches, 'steering touch', 'steering touches')}"
    return text + "."


# --------------------------------------------------------------------------- formatting


def days(seconds: float | None) -> str:
    return "?" if seconds is None else f"{seconds / DAY_S:.1f}"


def _touch(seconds: float | None) -> str:
    """Touch in days, or in hours or minutes when it would read "0.0 days" (BPI Challenge
    2013's worst item "worked on" showed 0.0 days for its 293 seconds)."""
    if seconds is None or seconds >= 0.05 * DAY_S or seconds <= 0:
        return f"{days(seconds)} days"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / 60:.0f} minutes" if seconds >= 60 else f"{seconds:.0f} seconds"


def _small_pct(ratio: float) -> str:
    """A flow efficiency with one decimal; "under 0.1%" for one that would read 0.0%."""
    if 0 < ratio < 0.0005:
        return "under 0.1%"
    return f"{ratio * 100:.1f}%"


def hours(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def pct(ratio: float | None) -> str:
    """Whole percent from 10% up, one decimal below (so 3.7% does not read as 4%)."""
    if ratio is None:
        return "?"
    value = ratio * 100.0
    return f"{value:.0f}%" if round(value, 1) >= 10 else f"{value:.1f}%"


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


def _finding(kind: str, subject: str, impact_s: float, text: str, item: str | None = None) -> dict:
    return {
        "kind": kind,
        "subject": subject,
        "impact_s": float(impact_s),
        "text": text,
        "item": item,
    }


def _top(table: pa.Table | None, by: str, *names: str) -> list[dict]:
    if table is None or table.num_rows == 0:
        return []
    rows = [r for r in table.to_pylist() if (r[by] or 0.0) > 0]
    rows.sort(key=lambda r: (-r[by], *(str(r[n]) for n in names)))
    return rows[:TOP_BOTTLENECKS]


def _touch_counts(touches: pa.Table | None, keys: list[str]) -> dict[str, int]:
    if touches is None or touches.num_rows == 0 or not keys:
        return {}
    mine = touches.filter(pc.is_in(touches.column("item"), value_set=pa.array(keys, pa.string())))
    counts: dict[str, int] = defaultdict(int)
    for key in mine.column("item").to_pylist():
        counts[key] += 1
    return dict(counts)


def _findings(scope: Scope, summary: dict, **tables: pa.Table) -> list[dict]:
    return build_findings(summary, tables, scope.config)


STEPS = [
    Aggregate(
        "findings",
        ("summary", "stages", "teams", "handoffs", "items", "steering_touches"),
        _findings,
    )
]
