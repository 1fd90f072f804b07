"""report.md: a CI job summary. Headline numbers, thresholds, top findings, worst items as
stories, top bottlenecks, changes since the baseline, inputs. Built from the normalised JSON
report so that every format says the same thing. Ticket text is escaped (no markup, no HTML).
"""

from __future__ import annotations

import re

from ..engine.findings import (
    TEAM_RANKING_TITLE,
    WORST_ITEMS_TITLE,
    bottleneck_statuses,
    main_findings,
    team_findings,
)
from . import tables as spec
from .baseline import describe_delta
from .fmt import (
    IN_TROUBLE_SHOWN,
    NO_HISTORY_REASON,
    TIME_SHARES_NOTE,
    actions_window,
    class_warnings_of,
    forecast_lines,
    headline_rows,
    in_trouble_cut,
    in_trouble_of,
    mining_empty,
    no_worst_items,
    plural,
    team_warnings_of,
    why_empty,
)
from .tables import MD, Column, Fmt, TableSpec, cycle_text

TOP = 5
# Backslash escapes (CommonMark escapes any ASCII punctuation) rather than entities, so that
# the file also reads well in a terminal: "limit > 30 d", not "limit &gt; 30 d". "<" could
# open an HTML tag and "&" an entity; ">" only quotes at the start of a line, where no
# escaped text goes.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#<&])")


def esc(value: object) -> str:
    """Plain text inside Markdown: no emphasis, links, table breaks, entities or HTML."""
    text = "" if value is None else str(value)
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return [*out, ""]


def _cell(column: Column, row: dict) -> str:
    value = column.value(row)
    if column.fmt is Fmt.TEXT:
        return esc(value)
    if column.fmt is Fmt.CODE:
        return f"`{value}`"
    if column.fmt is Fmt.VERDICT:
        return "✅ held" if value else "❌ failed"
    return spec.text(column.fmt, value)


def table(table_spec: TableSpec, rows: list[dict]) -> list[str]:
    """The Markdown view of a table of ``tables.py``."""
    columns = table_spec.view(MD)
    return _table([c.header for c in columns], [[_cell(c, r) for c in columns] for r in rows])


def render(report: dict) -> str:
    s = report["summary"]
    lines = ["# flowgap report", ""]
    period = s.get("period") or {}
    lines.append(
        f"As of **{esc(report['as_of'])}** · data from {esc(period.get('first_ts'))} to "
        f"{esc(period.get('last_ts'))} · engine {esc(report['engine'])} · "
        f"flowgap {esc(report['flowgap_version'])}, pm4py {esc(report['pm4py_version'])}"
    )
    lines.append("")
    if not report["has_history"]:
        lines += [
            "> **No status history in the input:** only lead time can be computed. "
            "Flow efficiency, handoffs and bottlenecks need a Jira JSON export with "
            "changelogs, a transition CSV or an event log.",
            "",
        ]
    for w in class_warnings_of(report):
        lines += [f"> **Check the status classes ({esc(w['kind'])}):** {esc(w['message'])}", ""]
    for w in team_warnings_of(report):
        lines += [f"> **Check the teams ({esc(w['kind'])}):** {esc(w['message'])}", ""]
    deltas = {}
    if report.get("baseline"):
        deltas = {r["metric"]: r for r in report["baseline"]["metrics"]}
    lines += ["## Headline", ""]
    header = ["Metric", "Value"] + (["Change since baseline"] if deltas else [])
    rows = []
    for label, value, paths in headline_rows(s, report["has_history"]):
        row = [label, value]
        if deltas:
            row.append("<br>".join(describe_delta(p, deltas[p]) for p in paths if p in deltas))
        rows.append(row)
    lines += _table(header, rows)

    lines += _time_shares(report)

    th = report["thresholds"]
    if th["results"]:
        lines += [f"## Thresholds: {th['held']} held, {th['failed']} failed", ""]
        lines += table(spec.THRESHOLDS, th["results"])

    findings = [f for f in main_findings(report["findings"]) if f["kind"] != "worst_item"]
    if findings:
        lines += ["## Top findings", ""]
        lines += [f"{i}. {esc(f['text'])}" for i, f in enumerate(findings[:TOP], 1)] + [""]
    by_team = team_findings(report["findings"])
    if by_team:
        lines += [f"## {TEAM_RANKING_TITLE}", ""]
        lines += [f"{i}. {esc(f['text'])}" for i, f in enumerate(by_team[:TOP], 1)] + [""]
    worst = [f for f in report["findings"] if f["kind"] == "worst_item"]
    lines += [f"## {WORST_ITEMS_TITLE}", ""]
    if not worst:
        lines += [esc(why_empty("worst item", no_worst_items(report["has_history"]))), ""]
    else:
        summaries = {r["item"]: r["summary"] for r in report["tables"]["items"]["rows"]}
        for f in worst[:TOP]:
            title = summaries.get(f["item"])
            lines.append(f"- {esc(f['text'])}" + (f" — *{esc(title)}*" if title else ""))
        lines.append("")

    lines += decisions(report)
    lines += _bottlenecks(report)
    lines += _mining(report)
    if report.get("baseline"):
        lines += _baseline(report["baseline"])
    lines += _inputs(report)
    return "\n".join(lines).rstrip() + "\n"


def decisions(report: dict) -> list[str]:
    """Recommended actions, items in trouble, service levels and the forecast."""
    out: list[str] = ["## Recommended actions", ""]
    why = report.get("why_empty") or {}
    actions = report.get("actions") or []
    if actions:
        note = actions_window(actions)
        out += [esc(note), ""] if note else []
        out += [f"{a['rank']}. {esc(a['text'])}" for a in actions[: TOP * 2]] + [""]
    else:
        out += [esc(why_empty("recommended action", why.get("actions"))), ""]
    trouble = report.get("in_trouble") or {"rows": [], "total_rows": 0}
    if trouble["total_rows"]:
        out += [f"## Items in trouble ({trouble['total_rows']})", ""]
        chance = (report.get("config") or {}).get("service_level", {}).get("min_chance", 0.5)
        out += [
            "Open items past the service level expectation of their type, or with under "
            f"{chance:.0%} chance to finish within it.",
            "",
        ]
        out += table(spec.IN_TROUBLE, trouble["rows"][:IN_TROUBLE_SHOWN])
        cut = in_trouble_cut(trouble["total_rows"])
        out += [esc(cut), ""] if cut else []
    else:
        out += ["## Items in trouble", "", esc(why_empty("item in trouble", why.get("in_trouble")))]
        out += [""]
    out += ["## Service level expectations", ""]
    if report.get("service_levels") and not why.get("service_levels"):
        out += table(spec.SERVICE_LEVELS, report["service_levels"])
    else:
        out += [esc(why_empty("service level expectation", why.get("service_levels"))), ""]
    if report.get("forecast"):
        out += forecast_lines(report["forecast"], in_trouble_of(report))
    else:
        out += ["## Forecast", "", esc(why_empty("forecast", why.get("forecast"))), ""]
    return out


def _time_shares(report: dict) -> list[str]:
    """Every second of the flow windows in one part (docs/metrics.md, *Where the time
    went*); parts without time are left out."""
    rows = [r for r in report["tables"]["time_shares"]["rows"] if r["seconds"]]
    out = ["## Where the time went", ""]
    if not rows:
        reason = NO_HISTORY_REASON if not report["has_history"] else "no item has a flow window"
        return [*out, esc(why_empty("split of the elapsed time", reason)), ""]
    return [*out, esc(TIME_SHARES_NOTE), "", *table(spec.TIME_SHARES, rows)]


def _bottlenecks(report: dict) -> list[str]:
    t = report["tables"]
    out = ["## Top bottlenecks", ""]
    stages = spec.by_wait(bottleneck_statuses(t["stages"]["rows"]), "wait_s", "status")
    if stages:
        out += [
            "**Statuses** where work waited longest inside flow windows (done statuses are"
            " not ranked; a visit's median counts whole visits, inside windows or not):",
            "",
        ]
        out += table(spec.STAGES, stages[:TOP])
    teams = spec.by_wait(
        [r for r in t["teams"]["rows"] if (r["wait_s"] or 0) > 0], "wait_s", "team"
    )
    if teams:
        out += ["**Teams** whose queues held work longest:", ""]
        out += table(spec.TEAMS, teams[:TOP])
    edges = spec.by_wait(t["handoffs"]["rows"], "total_wait_s", "from_team", "to_team")
    if edges:
        out += ["**Handoffs** that cost the most waiting:", ""]
        out += table(spec.HANDOFFS, edges[:TOP])
    if len(out) > 2:
        return out
    reason = (
        NO_HISTORY_REASON if not report["has_history"] else "nothing waited inside a flow window"
    )
    return [*out, esc(why_empty("bottleneck", reason)), ""]


def _mining(report: dict) -> list[str]:
    """Variants, conformance and team clusters: what a process-mining user reads next."""
    out: list[str] = []
    variants, conformance, clusters = (
        report["variants"],
        report["conformance"],
        report["team_clusters"],
    )
    empty = mining_empty(report)
    out += ["## Variants", ""]
    if variants["top"]:
        out += [
            f"{variants['distinct']:,} distinct paths through the statuses among "
            f"{plural(variants['items'], 'item')}; the most frequent:",
            "",
        ]
        out += table(spec.VARIANTS, variants["top"][:TOP])
    else:
        out += [esc(why_empty("variant", empty["variant"])), ""]
    out += ["## Conformance to the workflow", ""]
    if conformance["delivered"]:
        out += [
            f"Workflow ({conformance['workflow_source']}): "
            + esc(" → ".join(conformance["workflow"])),
            "",
        ]
        if conformance["finding"]:
            out += [esc(conformance["finding"]), ""]
        if conformance["deviations"]:
            out += table(spec.DEVIATIONS, conformance["deviations"][:TOP])
    else:
        out += [esc(why_empty("conformance check", empty["conformance check"])), ""]
    out += ["## Team clusters", ""]
    if clusters["clusters"]:
        if clusters["finding"]:
            out += [esc(clusters["finding"]), ""]
        out += table(spec.TEAM_CLUSTERS, clusters["clusters"][:TOP])
    else:
        out += [esc(why_empty("team cluster", empty["team cluster"])), ""]
    cycles = report["handoff_cycles"]
    if cycles:
        out += ["**Work that comes back around** (cycles of teams, weakest step):", ""]
        out += [f"- {esc(cycle_text(c))}" for c in cycles[:TOP]] + [""]
    return out


def _baseline(b: dict) -> list[str]:
    out = [f"## Changes since the baseline (as of {esc(b['as_of'])})", ""]
    changed = [r for r in b["metrics"] if r["delta"]]
    if changed:
        out += table(spec.METRIC_CHANGES, changed)
    else:
        out += ["No headline metric changed.", ""]
    for kind, label, plural_label in spec.BOTTLENECK_KINDS:
        rows = b["bottlenecks"][kind]
        if rows:
            out += [f"**{plural_label}**, wait contributed:", ""]
            out += table(spec.bottleneck_changes(label), rows[:TOP])
    return out


def _inputs(report: dict) -> list[str]:
    out = ["## Inputs", ""]
    out += table(spec.INPUTS, report["inputs"])
    notes = []
    if report["rejects"]:
        notes.append(
            f"{plural(report['rejects'], 'record')} rejected (listed by `flowgap inspect`)."
        )
    if report["warnings_total"]:
        notes.append(
            f"{plural(report['warnings_total'], 'data-quality warning')} (in report.json)."
        )
    guessed = report["guessed_statuses"]
    if guessed:
        notes.append(
            "Status classes guessed (confirm them in flowgap.toml `[statuses.classes]`): "
            + ", ".join(esc(g) for g in guessed)
            + "."
        )
    notes.append("Every table, complete: `csv/` beside this report (with `--format csv`).")
    return out + [f"- {n}" for n in notes]
