"""``flowgap forecast`` and ``flowgap whatif``: load, analyse, narrow to a selection, decide.

Each command returns plain data (what ``--json`` prints) and a few lines of text; the CLI
only prints them. Bad input raises a ``FlowgapError`` (one line, exit 2).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ..config import Config
from ..engine.analysis import Analysis
from ..engine.as_of import parse_as_of
from ..engine.selection import Selection, selected_mask
from ..errors import UsageError, unknown_name
from ..units import DAY_S


def parse_day(option: str, text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{option}: {text!r} is not a date (expected YYYY-MM-DD)") from None


def analyse(
    inputs: list[Path],
    config: Config,
    input_format: str | None,
    as_of: str | None,
    selection: Selection,
) -> Analysis:
    """The analysis of the inputs, narrowed to the selection (the dashboard's filter rule)."""
    from .. import analyze, load
    from ..model import LoadResult

    if not inputs:
        raise UsageError("no input given")
    if as_of is not None:
        config = config.model_copy(deep=True)
        config.flow.as_of = parse_as_of(as_of)
    result = LoadResult.combine([load(path, config, format=input_format) for path in inputs])
    analysis = analyze(result, config)
    if not selection.active:
        return analysis
    _check_names(selection, analysis)
    mask = selected_mask(analysis.items, analysis.timeline, selection, analysis.as_of)
    if not mask.any():
        raise UsageError("the selection (--team, --type, --project, --label) keeps no item")
    return analysis.select(mask)


def _check_names(selection: Selection, analysis: Analysis) -> None:
    """Each name given to --team, --type, --project and --label is in the data: a typo is
    named with the data's names, not left to "keeps no item"."""
    import pyarrow.compute as pc

    columns = {
        "team": lambda: analysis.timeline["team"],
        "type": lambda: analysis.items["type"],
        "project": lambda: analysis.items["project"],
        "label": lambda: pc.list_flatten(analysis.items["labels"]),
    }
    for what, column in columns.items():
        given = getattr(selection, what)
        if not given:
            continue
        known = {v for v in pc.unique(column()).to_pylist() if v}
        for name in given:
            if name not in known:
                raise UsageError(f"--{what}: {unknown_name(what, name, known)}")


def check_forecast(items: int | None, by: str | None) -> date | None:
    """Exactly one of ``--items N`` (N >= 1) and ``--by DATE``; the date, if given. Checked
    before the (possibly long) load."""
    if (items is None) == (by is None):
        raise UsageError("give exactly one of --items N and --by DATE")
    if items is not None and items <= 0:
        raise UsageError(f"--items: must be at least 1, got {items}")
    return None if by is None else parse_day("--by", by)


def forecast(
    analysis: Analysis, items: int | None, by: str | None, *, distribution: bool = True
) -> dict:
    """The forecast the command line asks for: exactly one of ``--items`` and ``--by``."""
    from .forecast import forecast_by, forecast_when

    day = check_forecast(items, by)
    if day is None:
        assert items is not None
        return forecast_when(
            analysis.items, analysis.as_of, analysis.config, items, distribution=distribution
        )
    return forecast_by(
        analysis.items, analysis.as_of, analysis.config, day, distribution=distribution
    )


def forecast_text(result: dict) -> str:
    window = result["window"]
    history = (
        f"from {window['delivered']} items delivered in the {window['days']} days before "
        f"{window['end']} ({window['mean_per_day']:.2f} a day), {result['trials']:,} trials"
    )
    if "dates" in result:
        lines = [f"{result['items']} more items, counting from {result['start']}:"]
        lines += [
            f"  {key}: by {value} ({result['days'][key]} days)"
            for key, value in result["dates"].items()
        ]
    else:
        lines = [f"Items delivered from {result['start']} to {result['by']}:"]
        lines += [f"  {key}: at least {value}" for key, value in result["items"].items()]
    return "\n".join([*lines, f"  {history}"])


def check_changes(shrink: list[str], merge_teams: list[str]) -> None:
    """The shape of the changes, checked before the (possibly long) load."""
    from .whatif import parse_change

    if not (shrink or merge_teams):
        return
    # Every name is taken as known here: the data's names are checked after the load.
    statuses = {m.split("=")[0].strip() for m in shrink}
    teams = {t.strip() for text in merge_teams for t in text.split("+")}
    parse_change(shrink, [], merge_teams, statuses, teams)


def whatif(analysis: Analysis, shrink: list[str], remove: list[str], merge: list[str]) -> dict:
    from .whatif import parse_change
    from .whatif import whatif as replay

    statuses = {s for s in analysis.timeline["status"].to_pylist() if s}
    teams = {t for t in analysis.timeline["team"].to_pylist() if t}
    return replay(analysis, parse_change(shrink, remove, merge, statuses, teams))


def whatif_text(result: dict) -> str:
    lines = [f"What if: {'; '.join(result['changes'])}"]
    lines.append(
        f"  replaying {result['items']} items delivered from {result['window']['start']} "
        f"to {result['window']['end']}"
    )
    conf = f"{result['confidence']:g}%"
    for name, label in (("lead_time", "lead time"), ("cycle_time", "cycle time")):
        m = result[name]
        for key in ("p50", "p85"):
            ci = m["ci"]["saved"][key] if m["ci"] else None
            interval = f" ({conf} CI {_days(ci[0])} to {_days(ci[1])})" if ci else ""
            lines.append(
                f"  {label} {key}: {_days(m['before'][key])} -> {_days(m['after'][key])},"
                f" saves {_days(m['saved'][key])}{interval}"
            )
    fe = result["flow_efficiency"]
    lines.append(
        f"  flow efficiency (median): {_pct(fe['before']['median'])} -> "
        f"{_pct(fe['after']['median'])}"
    )
    if result["handoffs_removed"]:
        lines.append(f"  handoffs removed: {result['handoffs_removed']}")
    lines.append("  assuming " + "; ".join(result["assumptions"]))
    return "\n".join(lines)


def _days(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds / DAY_S:.1f} d"


def _pct(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio:.1%}"
