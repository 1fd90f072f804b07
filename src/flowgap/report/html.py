"""report.html: one self-contained page that works offline. plotly.js is embedded inline once;
each figure's JSON sits in a ``<script type="application/json">`` block (with ``<`` escaped so
ticket text can never close the tag) and is drawn by a small loader script. Every piece of
text from the data is HTML-escaped.
"""

from __future__ import annotations

from html import escape

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from .. import figures
from ..engine.analysis import Analysis
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
from .tables import HTML, Column, Fmt, TableSpec

TOP = 5

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1f2933;
background:#f5f7fa}
main{max-width:1200px;margin:0 auto;padding:24px}
h1{margin:0 0 4px}h2{margin-top:36px;border-bottom:1px solid #d9e2ec;padding-bottom:4px}
.meta{color:#52606d;font-size:14px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:12px;
margin-top:16px}
.card{background:#fff;border-radius:8px;padding:12px 14px;box-shadow:0 1px 3px #0002}
.card .label{font-size:12px;color:#52606d}.card .value{font-size:20px;font-weight:600}
.card .delta{font-size:12px;color:#7b8794;margin-top:4px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(540px,1fr));gap:16px}
.figure{background:#fff;border-radius:8px;box-shadow:0 1px 3px #0002;min-height:260px}
.figure.wide{grid-column:1/-1}
table{border-collapse:collapse;background:#fff;font-size:14px;margin:8px 0}
th,td{border:1px solid #d9e2ec;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef2f7}.held{color:#177245;font-weight:600}.failed{color:#b42318;font-weight:600}
.note{background:#fff4e5;border-left:4px solid #f59f00;padding:8px 12px}
li{margin:4px 0}
.svg-map svg{max-width:100%;height:auto}
"""

LOADER = """
document.querySelectorAll('script[type="application/json"][data-figure]').forEach(function(s){
  var fig = JSON.parse(s.textContent);
  Plotly.newPlot(s.dataset.figure, fig.data, fig.layout,
                 {displaylogo: false, responsive: true});
});
"""


def build_figures(analysis: Analysis) -> list[tuple[str, go.Figure]]:
    """The report's figures, in reading order, each with its element id."""
    a = analysis
    # The teams shown by name and their colours, the statuses' order: as in the dashboard.
    teams = figures.team_scope(a.teams, a.config.teams.shown)
    statuses = figures.status_scope(a.status_classes, a.status_map, a.config.statuses.order)
    return [
        ("wait-by-status", figures.wait_by_status(a.stages)),
        ("wait-by-team", figures.wait_by_team(a.teams, teams)),
        ("handoff-graph", figures.handoff_graph(_handoffs_shown(a, teams), teams)),
        ("status-map", figures.status_map(a.status_map, a.status_classes)),
        ("lead-time", figures.lead_time_scatter(a.items)),
        ("flow-efficiency", figures.flow_efficiency_histogram(a.items)),
        ("cumulative-flow", figures.cumulative_flow(a.daily, statuses)),
        ("ageing-wip", figures.ageing_wip(a.items, statuses)),
        ("throughput", figures.throughput_trend(a.weekly)),
        ("flow-efficiency-trend", figures.flow_efficiency_trend(a.weekly)),
        (
            "journeys",
            figures.item_journeys(a.timeline, a.items, touches=a.steering_touches, teams=teams),
        ),
        ("steering", figures.steering_touches(a.steering_touches)),
    ]


def _handoffs_shown(a: Analysis, teams: figures.TeamScope):
    """The handoff edges of the teams shown by name, the others as "other" (as the dashboard)."""
    edges, _ = figures.handoffs_shown(a.handoffs, lambda: a.value("handoff_rows"), teams)
    return edges


WIDE = {"status-map", "journeys", "cumulative-flow", "time-shares"}


def _figure_block(fig_id: str, fig: go.Figure) -> str:
    # "\u003c" keeps "</script>" (or "<!--") in any string of the data from ending the block.
    payload = fig.to_json().replace("<", "\\u003c")
    return (
        f'<div class="figure{" wide" if fig_id in WIDE else ""}" id="{fig_id}"></div>\n'
        f'<script type="application/json" data-figure="{fig_id}">{payload}</script>'
    )


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(column: Column, row: dict) -> str:
    value = column.value(row)
    if column.fmt is Fmt.TEXT:
        return escape(spec.text(Fmt.TEXT, value))
    if column.fmt is Fmt.CODE:
        return f"<code>{escape(str(value))}</code>"
    if column.fmt is Fmt.VERDICT:
        verdict = "held" if value else "failed"
        return f'<span class="{verdict}">{verdict}</span>'
    return escape(spec.text(column.fmt, value))


def table(table_spec: TableSpec, rows: list[dict]) -> str:
    """The HTML view of a table of ``tables.py``."""
    columns = table_spec.view(HTML)
    return _table([c.header for c in columns], [[_cell(c, r) for c in columns] for r in rows])


def render(report: dict, analysis: Analysis) -> str:
    s = report["summary"]
    e = escape
    deltas = {r["metric"]: r for r in (report.get("baseline") or {}).get("metrics", [])}
    cards = []
    for label, value, paths in headline_rows(s, report["has_history"]):
        delta = " · ".join(describe_delta(p, deltas[p]) for p in paths if p in deltas)
        cards.append(
            f'<div class="card"><div class="label">{e(label)}</div>'
            f'<div class="value">{e(value)}</div>'
            + (f'<div class="delta">since baseline: {e(delta)}</div>' if delta else "")
            + "</div>"
        )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>flowgap report</title>",
        f"<style>{CSS}</style>",
        f"<script>{get_plotlyjs()}</script>",
        "</head><body><main>",
        "<h1>flowgap report</h1>",
        f'<div class="meta">As of {e(report["as_of"])} · engine {e(report["engine"])} · '
        f"flowgap {e(str(report['flowgap_version']))} · pm4py "
        f"{e(str(report['pm4py_version']))}</div>",
    ]
    if not report["has_history"]:
        parts.append(
            '<p class="note">No status history in the input: only lead time can be computed. '
            "Flow efficiency, handoffs and bottlenecks need an export with status changes.</p>"
        )
    for w in class_warnings_of(report):
        parts.append(
            f'<p class="note class-warning"><strong>Check the status classes'
            f" ({e(w['kind'])}):</strong> {e(w['message'])}</p>"
        )
    for w in team_warnings_of(report):
        parts.append(
            f'<p class="note class-warning"><strong>Check the teams'
            f" ({e(w['kind'])}):</strong> {e(w['message'])}</p>"
        )
    parts.append('<section id="headline"><div class="cards">' + "".join(cards) + "</div>")
    parts.append(_time_shares(report, analysis))
    th = report["thresholds"]
    if th["results"]:
        parts.append(f"<h2>Thresholds: {th['held']} held, {th['failed']} failed</h2>")
        parts.append(table(spec.THRESHOLDS, th["results"]))
    parts.append("</section>")

    findings = [f for f in main_findings(report["findings"]) if f["kind"] != "worst_item"]
    worst = [f for f in report["findings"] if f["kind"] == "worst_item"]
    by_team = team_findings(report["findings"])
    parts.append('<section id="findings"><h2>Findings</h2>')
    if findings:
        parts.append("<ol>" + "".join(f"<li>{e(f['text'])}</li>" for f in findings) + "</ol>")
    else:
        parts.append("<p>No findings.</p>")
    if by_team:
        parts.append(f"<h3>{e(TEAM_RANKING_TITLE)}</h3>")
        parts.append(
            '<ol id="team-findings">'
            + "".join(f"<li>{e(f['text'])}</li>" for f in by_team)
            + "</ol>"
        )
    parts.append(f"<h3>{e(WORST_ITEMS_TITLE)}</h3>")
    if not worst:
        parts.append(_why(why_empty("worst item", no_worst_items(report["has_history"]))))
    else:
        summaries = {r["item"]: r["summary"] for r in report["tables"]["items"]["rows"]}
        parts.append("<ul>")
        for f in worst[:TOP]:
            title = summaries.get(f["item"])
            parts.append(
                f"<li>{e(f['text'])}" + (f" — <em>{e(title)}</em>" if title else "") + "</li>"
            )
        parts.append("</ul>")
    parts.append("</section>")

    parts.append(_decisions(report))
    parts.append('<section id="figures"><h2>Where work waits</h2><div class="grid">')
    parts += [_figure_block(fig_id, fig) for fig_id, fig in build_figures(analysis)]
    parts.append("</div></section>")
    parts.append(_drawings(analysis, report["conformance"]["workflow"]))
    parts.append(_handoff_drawing(analysis))
    parts.append(_bottlenecks(report))
    parts.append(_mining(report))
    if report.get("baseline"):
        parts.append(_baseline(report["baseline"]))
    parts.append(_inputs(report))
    parts.append(f"<script>{LOADER}</script>")
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


def _decisions(report: dict) -> str:
    """Recommended actions, items in trouble, service levels and the forecast."""
    e = escape
    out = ['<section id="decisions">', "<h2>Recommended actions</h2>"]
    why = report.get("why_empty") or {}
    actions = report.get("actions") or []
    if actions:
        note = actions_window(actions)
        out += [f'<p class="actions-window">{e(note)}</p>'] if note else []
        out.append(table(spec.ACTIONS, actions))
    else:
        out.append(_why(why_empty("recommended action", why.get("actions"))))
    trouble = report.get("in_trouble") or {"rows": [], "total_rows": 0}
    if trouble["total_rows"]:
        out.append(f"<h2>Items in trouble ({trouble['total_rows']})</h2>")
        out.append(table(spec.IN_TROUBLE, trouble["rows"][:IN_TROUBLE_SHOWN]))
        cut = in_trouble_cut(trouble["total_rows"])
        out += [f'<p class="note">{e(cut)}</p>'] if cut else []
    else:
        out.append("<h2>Items in trouble</h2>")
        out.append(_why(why_empty("item in trouble", why.get("in_trouble"))))
    out.append("<h2>Service level expectations</h2>")
    if report.get("service_levels") and not why.get("service_levels"):
        out.append(table(spec.SERVICE_LEVELS, report["service_levels"]))
    else:
        out.append(_why(why_empty("service level expectation", why.get("service_levels"))))
    fc = report.get("forecast")
    if not fc:
        out.append("<h2>Forecast</h2>")
        out.append(_why(why_empty("forecast", why.get("forecast"))))
    else:
        out.append("<h2>Forecast</h2><ul>")
        lines = forecast_lines(fc, in_trouble_of(report))[2:-1]
        out += [f"<li>{e(line.removeprefix('- '))}</li>" for line in lines]
        out.append("</ul>")
        if fc["when"]:
            # The distribution as a table with bars drawn by CSS: the report's figures are
            # the analysis' (the dashboard draws this one with figures.forecast_dates).
            rows = [
                [
                    e(p["date"]),
                    f"{p['trials']:,}",
                    f'<span class="bar" style="display:inline-block;background:#9ab;height:0.8em;'
                    f'width:{p["cumulative"] * 10:.1f}em"></span> {p["cumulative"]:.0%}',
                ]
                for p in fc["when"]["distribution"]
            ]
            out.append("<h3>Trials done by each date</h3>")
            out.append(_table(["Date", "Trials done that day", "Done by then"], rows))
    return "\n".join(out) + "</section>"


def _why(line: str) -> str:
    """An empty section's one line saying why."""
    return f'<p class="why-empty">{escape(line)}</p>'


def _time_shares(report: dict, analysis: Analysis) -> str:
    """Every second of the flow windows in one part: the picture and its table."""
    rows = [r for r in report["tables"]["time_shares"]["rows"] if r["seconds"]]
    head = '<section id="where-time-went"><h2>Where the time went</h2>'
    if not rows:
        reason = NO_HISTORY_REASON if not report["has_history"] else "no item has a flow window"
        return head + _why(why_empty("split of the elapsed time", reason)) + "</section>"
    return (
        head
        + f"<p>{escape(TIME_SHARES_NOTE)}</p>"
        + _figure_block("time-shares", figures.time_shares(analysis.time_shares))
        + table(spec.TIME_SHARES, rows)
        + "</section>"
    )


def _bottlenecks(report: dict) -> str:
    t = report["tables"]
    stages = bottleneck_statuses(t["stages"]["rows"])
    teams = [r for r in t["teams"]["rows"] if (r["wait_s"] or 0) > 0]
    edges = t["handoffs"]["rows"]
    out = ['<section id="bottlenecks"><h2>Top bottlenecks</h2>']
    if not (stages or teams or edges):
        reason = NO_HISTORY_REASON if not report["has_history"] else "nothing waited"
        return out[0] + _why(why_empty("bottleneck", reason)) + "</section>"
    out.append(
        "<p>Statuses by their wait inside flow windows (done statuses are not ranked); a "
        "visit's median counts whole visits, inside windows or not.</p>"
    )
    out.append(table(spec.STAGES, spec.by_wait(stages, "wait_s", "status")[:10]))
    out.append(table(spec.TEAMS, spec.by_wait(teams, "wait_s", "team")[:10]))
    edges = spec.by_wait(edges, "total_wait_s", "from_team", "to_team")
    out.append(table(spec.HANDOFFS, edges[:10]))
    return "\n".join(out) + "</section>"


def _drawings(analysis: Analysis, workflow: list[str]) -> str:
    """The status map drawn by pm4py and Graphviz (frequency, and performance folded away),
    top-down in ``workflow`` order: a static layered picture that needs no script."""
    from ..mining.map_drawings import graphviz_available, status_map_svg
    from ..mining.process_maps import busiest_map, map_statuses

    out = ['<section id="map-drawing"><h2>Status process map (static drawing)</h2>']
    if not graphviz_available():
        out.append(
            '<p class="note">Graphviz (<code>dot</code>) is not installed, so there is no '
            "static drawing here (<code>make system-deps</code> installs it); the interactive "
            "map above shows the same edges.</p>"
        )
        return "\n".join(out) + "</section>"
    visits = getattr(analysis, "status_visits", None)
    drawn = busiest_map(analysis.status_map)
    frequency = status_map_svg(drawn, visits, "frequency", workflow)
    if frequency is None:
        return ""
    out.append(
        "<p>Moves between statuses, top-down; edge labels count the moves. The circle marks "
        "where items' paths begin, the square where they end (so far).</p>"
    )
    if drawn is not analysis.status_map:
        shown, total = map_statuses(drawn), map_statuses(analysis.status_map)
        out.append(
            f'<p class="note">{shown} of {total:,} statuses are drawn: the busiest (most moves '
            "in and out). The tables list every status.</p>"
        )
    out.append(f'<div class="svg-map">{frequency}</div>')
    performance = status_map_svg(drawn, visits, "performance", workflow)
    if performance is not None:
        out.append(
            "<details><summary>Performance view: median time from entering a status to "
            f'the next</summary><div class="svg-map">{performance}</div></details>'
        )
    return "\n".join(out) + "</section>"


def _handoff_drawing(analysis: Analysis) -> str:
    """The team handoff graph drawn by pm4py and Graphviz, top-down: the teams shown by name
    (``[teams] shown``, as in every team chart), the others as one "other"."""
    from ..mining.map_drawings import graphviz_available, handoff_graph_svg

    if not graphviz_available():
        return ""  # the status map's drawing section says why there is none
    teams = figures.team_scope(analysis.teams, analysis.config.teams.shown)
    edges = _handoffs_shown(analysis, teams)
    frequency = handoff_graph_svg(edges, "frequency")
    if frequency is None:
        return ""
    out = [
        '<section id="handoff-drawing"><h2>Team handoff graph (static drawing)</h2>',
        f"<p>Handoffs between the {len(teams.shown)} busiest teams, the others as one "
        '"other"; edge labels count the handoffs, a team\'s number is how many it received.</p>',
        f'<div class="svg-map">{frequency}</div>',
    ]
    performance = handoff_graph_svg(edges, "performance")
    if performance is not None:
        out.append(
            "<details><summary>Performance view: median wait after each handoff</summary>"
            f'<div class="svg-map">{performance}</div></details>'
        )
    return "\n".join(out) + "</section>"


def _mining(report: dict) -> str:
    """Variants, conformance and team clusters (their findings above each table)."""
    e = escape
    variants, conformance, clusters = (
        report["variants"],
        report["conformance"],
        report["team_clusters"],
    )
    empty = mining_empty(report)

    def why(what: str) -> str:
        return f"<p>{e(why_empty(what, empty[what]))}</p>"

    out = [
        '<section id="mining"><h2>Variants, conformance, team clusters</h2>',
        "<h3>Variants</h3>",
    ]
    if variants["top"]:
        out.append(
            f"<p>{variants['distinct']:,} distinct paths through the statuses "
            f"among {plural(variants['items'], 'item')}.</p>"
        )
        out.append(table(spec.VARIANTS, variants["top"]))
    else:
        out.append(why("variant"))
    out.append("<h3>Conformance</h3>")
    if conformance["delivered"]:
        workflow = " → ".join(conformance["workflow"])
        out.append(f"<p>Workflow ({e(conformance['workflow_source'])}): {e(workflow)}</p>")
        if conformance["finding"]:
            out.append(f"<p>{e(conformance['finding'])}</p>")
        out.append(table(spec.DEVIATIONS, conformance["deviations"][:10]))
    else:
        out.append(why("conformance check"))
    out.append("<h3>Team clusters</h3>")
    if clusters["clusters"]:
        if clusters["finding"]:
            out.append(f"<p>{e(clusters['finding'])}</p>")
        out.append(table(spec.TEAM_CLUSTERS, clusters["clusters"][:10]))
    else:
        out.append(why("team cluster"))
    if report["handoff_cycles"]:
        out.append("<p>Work that comes back around (cycles of teams, weakest step):</p><ul>")
        out += [f"<li>{e(spec.cycle_text(c))}</li>" for c in report["handoff_cycles"]]
        out.append("</ul>")
    return "\n".join(out) + "</section>"


def _baseline(b: dict) -> str:
    e = escape
    out = [
        f'<section id="baseline"><h2>Changes since the baseline (as of {e(str(b["as_of"]))})</h2>'
    ]
    out.append(table(spec.METRIC_CHANGES, [r for r in b["metrics"] if r["delta"]]))
    for kind, label, _ in spec.BOTTLENECK_KINDS:
        rows = b["bottlenecks"][kind][:TOP]
        out.append(table(spec.bottleneck_changes(label), rows))
    return "\n".join(out) + "</section>"


def _inputs(report: dict) -> str:
    out = ['<section id="inputs"><h2>Inputs and status classes</h2>']
    out.append(table(spec.INPUTS, report["inputs"]))
    out.append(table(spec.STATUS_CLASSES, report["status_classes"]))
    out.append(
        f"<p>{plural(report['rejects'], 'record')} rejected, "
        f"{plural(report['warnings_total'], 'data-quality warning')}.</p>"
    )
    return "\n".join(out) + "</section>"
