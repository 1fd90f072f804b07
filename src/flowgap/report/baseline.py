"""``--baseline old/report.json``: what changed since the previous report.

Deltas of every headline metric (every numeric entry of the summary's metric groups) and of
the top bottlenecks (statuses, teams and handoff edges ranked by the wait they contributed,
the top ones of either report).
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import InputError
from ..units import DAY_S
from .thresholds import METRICS, Metric, display, format_path, lookup, number

TOP = 5
#: Report majors whose summary and tables a baseline comparison reads (2.0 renamed
#: ``ping_pong_cycles`` to ``two_way_handoffs``, which a comparison does not read).
SUPPORTED_MAJORS = ("1", "2")


def read_baseline(path: Path) -> dict:
    """Read a previous report.json; anything else is an InputError naming the file."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(path, "baseline report not found") from None
    except OSError as exc:
        raise InputError(path, f"cannot read the baseline report: {exc.strerror}") from None
    try:
        report = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(path, f"baseline is not valid JSON ({exc})") from None
    except RecursionError:  # the parser recurses per level: deep nesting exhausts the stack
        raise InputError(path, "baseline is not valid JSON (nested too deeply)") from None
    if not isinstance(report, dict) or "schema_version" not in report:
        raise InputError(path, "baseline is not a flowgap report.json (no schema_version)")
    version = str(report["schema_version"])
    if version.split(".")[0] not in SUPPORTED_MAJORS:
        raise InputError(
            path, f"baseline report has schema_version {version}; this flowgap reads 1.x and 2.x"
        )
    if not isinstance(report.get("summary"), dict) or not isinstance(report.get("tables"), dict):
        raise InputError(path, "baseline report lacks 'summary' or 'tables'")
    return report


def _delta(current: float | None, base: float | None) -> tuple[float | None, float | None]:
    if current is None or base is None:
        return None, None
    delta = current - base
    return delta, (delta / abs(base) if base else None)


def metric_deltas(summary: dict, baseline_summary: dict) -> list[dict]:
    rows = []
    for group, keys in METRICS.items():
        for key in keys:
            metric = Metric((group, key))
            current = lookup(summary, metric)
            base = lookup(baseline_summary, metric)
            delta, pct = _delta(current, base)
            rows.append(
                {
                    "metric": format_path((group, key)),
                    "current": current,
                    "baseline": base,
                    "delta": delta,
                    "delta_pct": pct,
                }
            )
    return rows


def _ranked(rows: list[dict], key: str) -> dict[str, dict]:
    return {r[key]: r for r in rows if r.get(key) is not None}


def _bottleneck_deltas(current: list[dict], base: list[dict], key: str, wait: str) -> list[dict]:
    def top(rows: list[dict]) -> list[str]:
        ordered = sorted(rows, key=lambda r: (-(r.get(wait) or 0.0), str(r[key])))
        return [r[key] for r in ordered[:TOP]]

    cur, old = _ranked(current, key), _ranked(base, key)
    names = list(dict.fromkeys(top(list(cur.values())) + top(list(old.values()))))
    out = []
    for name in names:
        c = (cur.get(name) or {}).get(wait)
        b = (old.get(name) or {}).get(wait)
        delta, pct = _delta(c if c is not None else 0.0, b if b is not None else 0.0)
        out.append(
            {
                "name": name,
                "current_wait_s": c,
                "baseline_wait_s": b,
                "delta_s": delta,
                "delta_pct": pct,
                "current_share": (cur.get(name) or {}).get("wait_share"),
                "baseline_share": (old.get(name) or {}).get("wait_share"),
            }
        )
    out.sort(key=lambda r: (-abs(r["delta_s"] or 0.0), r["name"]))
    return out


def _edges(rows: list[dict]) -> list[dict]:
    return [{**r, "edge": f"{r['from_team']} -> {r['to_team']}"} for r in rows]


def compare(current_tables: dict, summary: dict, baseline: dict) -> dict:
    """The ``baseline`` section of report.json. ``current_tables`` holds row dicts by table."""
    base_tables = baseline.get("tables") or {}

    def rows(tables: dict, name: str) -> list[dict]:
        t = tables.get(name) or {}
        return t.get("rows", []) if isinstance(t, dict) else []

    return {
        "as_of": (baseline.get("summary", {}).get("period") or {}).get("as_of"),
        "flowgap_version": baseline.get("flowgap_version"),
        "metrics": metric_deltas(summary, baseline["summary"]),
        "bottlenecks": {
            "status": _bottleneck_deltas(
                rows(current_tables, "stages"), rows(base_tables, "stages"), "status", "wait_s"
            ),
            "team": _bottleneck_deltas(
                rows(current_tables, "teams"), rows(base_tables, "teams"), "team", "wait_s"
            ),
            "handoff": _bottleneck_deltas(
                _edges(rows(current_tables, "handoffs")),
                _edges(rows(base_tables, "handoffs")),
                "edge",
                "total_wait_s",
            ),
        },
    }


def describe_delta(metric_path: str, row: dict) -> str:
    """ "12.3% -> 9.8% (-2.5 pts)" style text for the Markdown and HTML reports."""
    metric = Metric(tuple(metric_path.split(".")))
    cur, base, delta = row.get("current"), row.get("baseline"), row.get("delta")
    text = f"{display(metric, base)} → {display(metric, cur)}"
    if delta is None:
        return text
    if metric.is_ratio:
        return text + f" ({delta * 100:+.1f} pts)"
    change = (
        f"{delta / DAY_S:+.1f} d"
        if metric.is_duration
        else number(delta, signed=True, decimals=metric.is_average)
    )
    pct = row.get("delta_pct")
    return text + (f" ({change}, {pct * 100:+.0f}%)" if pct is not None else f" ({change})")
