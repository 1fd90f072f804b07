"""report.md: a CI job summary. Headline numbers, thresholds, top findings, worst items as
stories, top bottlenecks, changes since the baseline, inputs. Built from the normalised JSON
report so that every format says the same thing. Ticket text is escaped (no markup, no HTML).
"""

from __future__ import annotations

import re

from .baseline import describe_delta
from .fmt import days, headline_rows, num, pct, plural

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
    deltas = {}
    if report.get("baseline"):
        deltas = {r["metric"]: r for r in report["baseline"]["metrics"]}
    lines += ["## Headline", ""]
    header = ["Metric", "Value"] + (["Change since baseline"] if deltas else [])
    rows = []
    for label, value, paths in headline_rows(s):
        row = [label, value]
        if deltas:
            row.append("<br>".join(describe_delta(p, deltas[p]) for p in paths if p in deltas))
        rows.append(row)
    lines += _table(header, rows)

    th = report["thresholds"]
    if th["results"]:
        lines += [f"## Thresholds: {th['held']} held, {th['failed']} failed", ""]
        lines += _table(
            ["", "Threshold", "Result"],
            [
                ["✅ held" if r["held"] else "❌ failed", f"`{r['expression']}`", esc(r["message"])]
                for r in th["results"]
            ],
        )

    findings = [f for f in report["findings"] if f["kind"] != "worst_item"]
    if findings:
        lines += ["## Top findings", ""]
        lines += [f"{i}. {esc(f['text'])}" for i, f in enumerate(findings[:TOP], 1)] + [""]
    worst = [f for f in report["findings"] if f["kind"] == "worst_item"]
    if worst:
        summaries = {r["item"]: r["summary"] for r in report["tables"]["items"]["rows"]}
        lines += ["## Worst items: a week of work that took months", ""]
        for f in worst[:TOP]:
            title = summaries.get(f["item"])
            lines.append(f"- {esc(f['text'])}" + (f" — *{esc(title)}*" if title else ""))
        lines.append("")

    lines += _bottlenecks(report)
    if report.get("baseline"):
        lines += _baseline(report["baseline"])
    lines += _inputs(report)
    return "\n".join(lines).rstrip() + "\n"


def _bottlenecks(report: dict) -> list[str]:
    t = report["tables"]
    out = ["## Top bottlenecks", ""]
    stages = [r for r in t["stages"]["rows"] if (r["wait_s"] or 0) > 0]
    stages.sort(key=lambda r: (-r["wait_s"], r["status"]))
    if stages:
        out += ["**Statuses** where work waited longest (inside flow windows):", ""]
        out += _table(
            ["Status", "Wait", "Share of all wait", "Visits", "Median per visit", "WIP now"],
            [
                [
                    esc(r["status"]),
                    days(r["wait_s"]),
                    pct(r["wait_share"]),
                    num(r["visits"]),
                    days(r["median_visit_s"]),
                    num(r["wip"]),
                ]
                for r in stages[:TOP]
            ],
        )
    teams = [r for r in t["teams"]["rows"] if (r["wait_s"] or 0) > 0]
    teams.sort(key=lambda r: (-r["wait_s"], r["team"]))
    if teams:
        out += ["**Teams** whose queues held work longest:", ""]
        out += _table(
            ["Team", "Wait", "Share of all wait", "Median queue before pickup", "Handoffs in"],
            [
                [
                    esc(r["team"]),
                    days(r["wait_s"]),
                    pct(r["wait_share"]),
                    days(r["median_queue_s"]),
                    num(r["handoffs_in"]),
                ]
                for r in teams[:TOP]
            ],
        )
    edges = sorted(
        t["handoffs"]["rows"],
        key=lambda r: (-(r["total_wait_s"] or 0), r["from_team"], r["to_team"]),
    )
    if edges:
        out += ["**Handoffs** that cost the most waiting:", ""]
        out += _table(
            ["Handoff", "Count", "Total wait", "Median wait", "p85 wait", "Ping-pong"],
            [
                [
                    f"{esc(r['from_team'])} → {esc(r['to_team'])}",
                    num(r["count"]),
                    days(r["total_wait_s"]),
                    days(r["median_wait_s"]),
                    days(r["p85_wait_s"]),
                    "yes" if r["ping_pong"] else "",
                ]
                for r in edges[:TOP]
            ],
        )
    return out if len(out) > 2 else []


def _baseline(b: dict) -> list[str]:
    out = [f"## Changes since the baseline (as of {esc(b['as_of'])})", ""]
    changed = [r for r in b["metrics"] if r["delta"]]
    if changed:
        out += _table(
            ["Metric", "Baseline → now"],
            [[f"`{r['metric']}`", describe_delta(r["metric"], r)] for r in changed],
        )
    else:
        out += ["No headline metric changed.", ""]
    for kind, label in (("status", "Statuses"), ("team", "Teams"), ("handoff", "Handoffs")):
        rows = b["bottlenecks"][kind]
        if rows:
            out += [f"**{label}**, wait contributed:", ""]
            out += _table(
                ["", "Baseline", "Now", "Change"],
                [
                    [
                        esc(r["name"]),
                        days(r["baseline_wait_s"]),
                        days(r["current_wait_s"]),
                        (f"{r['delta_s'] / 86400:+.1f} d" if r["delta_s"] is not None else "–"),
                    ]
                    for r in rows[:TOP]
                ],
            )
    return out


def _inputs(report: dict) -> list[str]:
    out = ["## Inputs", ""]
    out += _table(
        ["File", "Format", "Read", "Loaded", "Rejected"],
        [
            [
                esc(i["path"]),
                esc(i["format"]),
                num(i["records_read"]),
                num(i["records_loaded"]),
                num(i["records_rejected"]),
            ]
            for i in report["inputs"]
        ],
    )
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
