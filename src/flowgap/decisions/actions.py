"""Recommended actions: the top findings, each with a change to try and its simulated gain,
ranked by the days it saves on the lead time p85.

- a status bottleneck (``bottleneck_status``): halve the waiting there (what-if
  ``shrink STATUS=50%``); a status the steering rules match is removed instead;
- a handoff bottleneck (``bottleneck_handoff``, ``A -> B``): A and B as one team (what-if
  ``merge_teams A+B``), with the handoffs it saves per quarter;
- steering touches (``steering``): stop the weekly review; its gain is the meeting time a
  quarter (and, when steered items were not faster than comparable ones, that fact).

The gains come from :mod:`.whatif` over the items delivered in the ``[whatif] window``
before as_of (each action names that window: its "before" is not the headline's p85, which
covers every delivered item); a quarter is 91 days of that window's rate. A change that gains
nothing the text would show (no day off the p85 at its 0.1-day precision, no handoff a
quarter, or fewer than 1% of the replayed items' handoffs) is not an action.
"""

from __future__ import annotations

from typing import Any

import pyarrow.compute as pc

from ..engine.findings import steered_lead_ratio
from ..errors import UsageError
from ..units import DAY_S
from .whatif import Change, Window, whatif, window

QUARTER_DAYS = 91
TOP = 3
#: The least share of the replayed items' handoffs a merge must remove to be advice.
MIN_HANDOFF_SHARE = 0.01


#: Why there is no action, when no change was tried or none gained.
NO_BOTTLENECK = "no status or handoff bottleneck was found to act on"
NO_GAIN = (
    "no change to the top bottlenecks, replayed on the recently delivered items, saves 0.1 day"
    " on the lead time p85 or a handoff a quarter"
)


def recommended_actions(analysis: Any) -> list[dict]:
    """The actions, ranked by days saved (lead time p85), largest first."""
    return actions_and_reason(analysis)[0]


def actions_and_reason(analysis: Any) -> tuple[list[dict], str | None]:
    """The actions, and when there is none, why (one clause, lower case)."""
    findings = analysis.findings
    candidates: list[tuple[dict, Change]] = []
    steering_statuses = _steering_statuses(analysis)
    for f in [f for f in findings if f["kind"] == "bottleneck_status"][:TOP]:
        status = f["subject"]
        if status in steering_statuses:
            candidates.append(
                (
                    _base(f, "remove_status", f"Stop sending items to '{status}'"),
                    Change(scale={status: 0.0}),
                )
            )
        else:
            candidates.append(
                (
                    _base(f, "shrink_status", f"Halve the waiting in '{status}'"),
                    Change(scale={status: 0.5}),
                )
            )
    pairs: set[frozenset[str]] = set()
    for f in [f for f in findings if f["kind"] == "bottleneck_handoff"]:
        teams = frozenset(t.strip() for t in f["subject"].split("->"))
        if len(teams) != 2 or teams in pairs or len(pairs) >= TOP:
            continue
        pairs.add(teams)
        a, b = sorted(teams)
        candidates.append(
            (_base(f, "merge_teams", f"{a} and {b} as one team"), Change(merged=(teams,)))
        )
    actions = []
    reason = NO_BOTTLENECK if not candidates else NO_GAIN
    prepared = window(analysis) if candidates else None  # one window for every candidate
    handoffs = _handoffs_of(prepared)
    for action, change in candidates:
        try:
            result = whatif(analysis, change, intervals=False, within=prepared)
        except UsageError as err:  # no delivered item in the window: no gain to show
            reason = str(err)
            continue
        gained = _with_gain(action, result, change)
        if _gains(gained, result["handoffs_removed"], handoffs):
            actions.append(gained)
    actions += _steering(analysis)
    actions.sort(key=lambda a: (-(a["days_saved"] or 0.0), a["kind"], a["subject"]))
    ranked = [{"rank": i, **a} for i, a in enumerate(actions, start=1)]
    return ranked, None if ranked else reason


def _base(finding: dict, kind: str, title: str) -> dict:
    return {"kind": kind, "subject": finding["subject"], "finding": finding["rank"], "title": title}


def _gains(action: dict, removed: int, handoffs: int) -> bool:
    """Whether the action's text shows a gain: at least 0.1 day off the p85 (its precision) or,
    for a merge, at least one handoff fewer a quarter that is also at least
    :data:`MIN_HANDOFF_SHARE` of the replayed items' ``handoffs`` (one of BPI Challenge 2012's
    51,670 is no advice)."""
    if (action["days_saved"] or 0.0) >= 0.05:
        return True
    enough = removed >= MIN_HANDOFF_SHARE * handoffs
    return enough and round(action["handoffs_per_quarter"] or 0.0) >= 1


def _handoffs_of(prepared: Window | None) -> int:
    """The handoffs of the items a what-if replays."""
    if prepared is None or prepared.picked.num_rows == 0:
        return 0
    return int(pc.sum(prepared.picked["handoffs"]).as_py() or 0)


def _with_gain(action: dict, result: dict, change: Change) -> dict:
    lead = result["lead_time"]
    before, after = lead["before"]["p85"], lead["after"]["p85"]
    change_ratio = (after - before) / before if before else None
    text = f"{action['title']}: lead time p85 {_d(before)} -> {_d(after)} ({_pct(change_ratio)})"
    per_quarter = None
    if change.merged:
        per_quarter = result["handoffs_removed"] * QUARTER_DAYS / result["window"]["days"]
        text = (
            f"{action['title']}: {per_quarter:.0f} fewer "
            f"handoff{'' if round(per_quarter) == 1 else 's'} a quarter, lead time p85 "
            f"{_d(before)} -> {_d(after)} ({_pct(change_ratio)})"
        )
    return {
        **{k: v for k, v in action.items() if k != "title"},
        "text": text,
        "changes": result["changes"],
        "window": {**result["window"], "items": result["items"]},
        "lead_time_p85_before_s": before,
        "lead_time_p85_after_s": after,
        "lead_time_p85_change": change_ratio,
        "days_saved": (before - after) / DAY_S if before is not None else None,
        "handoffs_per_quarter": per_quarter,
        "meeting_hours_per_quarter": None,
    }


def _steering(analysis: Any) -> list[dict]:
    summary = analysis.summary
    st = summary["steering_touches"]
    if not st["total"]:
        return []
    meetings = analysis.steering_meetings
    dates = [d for d in meetings["meeting_date"].to_pylist() if d is not None]
    span_days = max((max(dates) - min(dates)).days + 7, 7) if dates else 7
    minutes = st["meeting_minutes"] or 0.0
    hours = minutes / 60 * QUARTER_DAYS / span_days
    text = (
        "Stop reviewing items in the steering committee weekly: "
        f"{hours:.0f} hours of meetings a quarter"
    )
    ratio = steered_lead_ratio(analysis.items, analysis.steering_touches)
    if ratio is not None and ratio >= 0.95:
        text += "; steered items were not faster"
    return [
        {
            "kind": "steering",
            "subject": "steering committee",
            "finding": next(
                (f["rank"] for f in analysis.findings if f["kind"] == "steering"), None
            ),
            "text": text,
            "changes": ["no steering review"],
            "window": None,
            "lead_time_p85_before_s": None,
            "lead_time_p85_after_s": None,
            "lead_time_p85_change": None,
            "days_saved": 0.0,
            "handoffs_per_quarter": None,
            "meeting_hours_per_quarter": hours,
        }
    ]


def _steering_statuses(analysis: Any) -> set[str]:
    """Statuses whose entry the engine counted as a steering touch (``[steering] statuses``)."""
    touches = analysis.steering_touches
    if touches.num_rows == 0:
        return set()
    rows = touches.select(["kind", "detail"]).to_pylist()
    return {r["detail"] for r in rows if r["kind"] == "status" and r["detail"]}


def _d(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds / DAY_S:.1f} d"


def _pct(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio:+.0%}"
