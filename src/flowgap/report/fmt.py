"""Display formatting shared by the Markdown and HTML reports (days, percents, counts)."""

from __future__ import annotations

from ..decisions.headline import NO_HISTORY
from ..engine.status_classes import CLASS_WARNINGS
from ..units import DAY_S


def class_warnings_of(report: dict) -> list[dict]:
    """The report's warnings about the status classes: every number depends on them, so the
    reports show them above the headline."""
    return [w for w in report["warnings"] if w["kind"] in CLASS_WARNINGS]


#: Warnings that the teams of the analysis are people (``engine/teams_seen.people_as_teams``).
TEAM_WARNINGS = ("teams_are_people",)


def team_warnings_of(report: dict) -> list[dict]:
    """The report's warnings about what its teams are: every team figure depends on it, so
    the reports show them above the headline, after the status classes'."""
    return [w for w in report["warnings"] if w["kind"] in TEAM_WARNINGS]


def days(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds / DAY_S:.1f} d"


def pct(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio * 100:.1f}%"


def num(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "–"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.{digits}f}"


def plural(n: float | None, word: str) -> str:
    """``1 item``, ``2 items``, ``1,234 items``."""
    return f"{num(n)} {word}" + ("" if n == 1 else "s")


#: What a headline number that needs a commitment shows for a log without status history:
#: its 0 would be false (the engine counts no item as committed there), so "–" and why.
NEEDS_HISTORY = "– (needs status history)"


def headline_rows(summary: dict, has_history: bool = True) -> list[tuple[str, str, list[str]]]:
    """(label, value, metric paths it shows) for the headline table of every report."""
    s = summary
    fe, lt, ct = s["flow_efficiency"], s["lead_time"], s["cycle_time"]
    st, wip = s["steering_touches"], s["wip"]
    items = s["items"]
    rows = [
        (
            "Items",
            f"{num(items['total'])} ({num(items['delivered'])} delivered, "
            f"{num(items['open'])} open)",
            ["items.total"],
        ),
        ("Flow efficiency, median of items", pct(fe["median"]), ["flow_efficiency.median"]),
        (
            "Flow efficiency, pooled (all touch / all window time)",
            pct(fe["pooled"]),
            ["flow_efficiency.pooled"],
        ),
        (
            "Lead time p50 / p85 / p95",
            " / ".join(days(lt[k]) for k in ("p50", "p85", "p95")),
            ["lead_time.p50", "lead_time.p85", "lead_time.p95"],
        ),
        (
            "Cycle time p50 / p85 / p95",
            " / ".join(days(ct[k]) for k in ("p50", "p85", "p95"))
            + (
                f" ({plural(ct['uncommitted'], 'delivered item')} without a commitment:"
                " lead time only)"
                if ct.get("uncommitted")
                else ""
            ),
            ["cycle_time.p50", "cycle_time.p85", "cycle_time.p95", "cycle_time.uncommitted"],
        ),
        ("Handoffs per item (mean)", num(s["handoffs"]["mean"]), ["handoffs.mean"]),
        (
            "Steering touches",
            f"{num(st['total'])} on {plural(st['items'], 'item')}, "
            f"{num(st['meeting_minutes'], 0)} meeting minutes",
            ["steering_touches.total", "steering_touches.meeting_minutes"],
        ),
        (
            "Work in progress",
            f"{num(wip['current'])} (median age {days(wip['median_age_s'])})"
            if has_history
            else NEEDS_HISTORY,
            ["wip.current", "wip.median_age_s"],
        ),
        (
            "Throughput per week",
            num(s["throughput"]["per_week"]) if has_history else NEEDS_HISTORY,
            ["throughput.per_week"],
        ),
        ("Rework moves per item", num(s["rework"]["mean"]), ["rework.mean"]),
    ]
    if fe.get("median_work") is not None:
        rows.insert(
            3,
            (
                "Flow efficiency in working time, median / pooled",
                f"{pct(fe['median_work'])} / {pct(fe['pooled_work'])}",
                ["flow_efficiency.median_work", "flow_efficiency.pooled_work"],
            ),
        )
    return rows


#: Beside the "Where the time went" picture: its status rows are what is left of a status's
#: waiting after blocked, steering and handoff time took theirs, so they are smaller than the
#: status's share of all waiting in the findings and the bottleneck tables.
TIME_SHARES_NOTE = (
    "Shares of the elapsed time of all flow windows, each second counted once: blocked, "
    'steering and after-a-handoff come first, so "Waiting in" a status is only the rest of '
    "its waiting, less than its share of all waiting in the findings and bottlenecks."
)

#: Why a section has nothing to show, for what only a status history gives (the decisions
#: layer's words, so the reports and the dashboard say it alike).
NO_HISTORY_REASON = NO_HISTORY


def mining_empty(report: dict) -> dict[str, str | None]:
    """Why each process-mining section of ``report`` is empty, by what it lists (None: it is
    not): the variants, the deviations and the team clusters."""
    history = report["has_history"]

    def reason(empty: bool, otherwise: str) -> str | None:
        return None if not empty else (otherwise if history else NO_HISTORY_REASON)

    clusters = report["team_clusters"]
    return {
        "variant": reason(not report["variants"]["top"], "no item passed through a status"),
        "conformance check": reason(
            not report["conformance"]["delivered"], "no item was delivered to check"
        ),
        "team cluster": reason(
            not clusters["clusters"],
            "no handoff between teams"
            if not clusters["handoffs"]
            else "no group of teams hands work mostly among itself",
        ),
    }


def no_worst_items(has_history: bool) -> str:
    """Why no item is told as a worst item (they are the items worked on with most waiting)."""
    return NO_HISTORY_REASON if not has_history else "no item was worked on (no touch)"


def actions_window(actions: list[dict]) -> str | None:
    """The one line that names the items the actions' gains replay: their p85 "before" is
    theirs, not the headline's."""
    window = next((a["window"] for a in actions if a.get("window")), None)
    if window is None:
        return None
    return (
        # committed: an item closed without a commitment has no cycle time to change, so the
        # count can be below the forecast's delivered items of the same days
        f"Each gain replays the {plural(window['items'], 'item')} committed and delivered from "
        f"{window['start']} to {window['end']} (the last {window['days']} days, "
        "[whatif] window), so its lead time p85 before the change is theirs, not the "
        "headline's p85 of every delivered item."
    )


#: Items in trouble a report lists (oldest first); csv/in_trouble.csv has them all.
IN_TROUBLE_SHOWN = 10


def in_trouble_cut(total: int) -> str | None:
    """What a report says under its items in trouble when it lists fewer than there are."""
    if total <= IN_TROUBLE_SHOWN:
        return None
    return (
        f"The {IN_TROUBLE_SHOWN} oldest of {total:,}; every one in csv/in_trouble.csv (with"
        " --format csv)."
    )


def why_empty(what: str, reason: str | None) -> str:
    """The one line an empty section shows instead of its content."""
    return f"No {what}: {reason or 'nothing to show'}."


def in_trouble_of(report: dict) -> int | None:
    """The report's count of items in progress in trouble (``summary.wip.in_trouble``)."""
    return ((report.get("summary") or {}).get("wip") or {}).get("in_trouble")


def forecast_lines(fc: dict | None, in_trouble: int | None = None) -> list[str]:
    """The report's forecast as Markdown lines: a heading, one bullet each, a blank line.

    ``in_trouble``: items in progress in trouble (the summary's ``wip.in_trouble``: past
    their service level expectation or unlikely to finish within it). A throughput forecast
    draws from the pace items were delivered at, whatever their age: where most of the work
    in progress is in trouble, its dates say when that many items will be delivered, not when
    these will (BPI Challenge 2012: "done by 2012-03-20" for 406 items, every one in trouble,
    185 already past their SLE)."""
    if not fc:
        return []
    window = fc["by"]["window"]
    out = ["## Forecast", ""]
    when = fc["when"]
    if when:
        dates = ", ".join(f"{k} {v}" for k, v in when["dates"].items())
        line = f"- The {when['items']} items in progress: done by {dates}."
        if in_trouble and in_trouble * 2 >= when["items"]:
            line = (
                f"- {when['items']} items delivered at the pace of {window['start']} to"
                f" {window['end']}: done by {dates}. But {in_trouble:,} of the"
                f" {when['items']} items in progress are in trouble (past their service level"
                " expectation or unlikely to finish within it): at that pace that many items"
                " are delivered by then, not necessarily these."
            )
        out.append(line)
    by = fc["by"]
    counts = ", ".join(f"{k} at least {v}" for k, v in by["items"].items())
    out.append(f"- Items delivered by {by['by']}: {counts}.")
    out.append(
        f"- Monte Carlo, {by['trials']:,} trials over the daily throughput of "
        f"{window['start']} to {window['end']} ({window['delivered']} items delivered)."
    )
    return [*out, ""]
