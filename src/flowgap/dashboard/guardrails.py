"""The banner above every page (but the upload page) when the status classes make the numbers
doubtful: the analysis' class warnings (``no_active_status``, ``efficiency_extreme``,
``done_inside_workflow``, :mod:`flowgap.engine.status_classes`) and the classes that are
guesses nobody confirmed (``guessed`` in the ``status_classes`` table), each with where to
fix it: the upload page's classification editor, or ``[statuses]`` in ``flowgap.toml``.
"""

from __future__ import annotations

from dash import dcc, html

from ..engine.status_classes import CLASS_WARNINGS
from .data import View
from .filters import from_query, page_link, to_query

#: Where ``[statuses]`` of flowgap.toml is documented.
CONFIG_DOCS = (
    "https://github.com/flowgap/flowgap/blob/main/docs/config.md"
    "#statuses--what-is-work-and-what-is-a-queue"
)
#: Guessed statuses named in the banner; the editor lists them all.
NAMED_GUESSES = 5


def unconfirmed_guesses(view: View) -> list[tuple[str, str]]:
    """(status, class) of the visited statuses whose class is a guess nobody confirmed (not
    in the config, not chosen in the editor), most visited first."""
    if view.full is None:
        return []
    rows = [r for r in view.full.status_classes.to_pylist() if r["guessed"] and r["events"]]
    rows.sort(key=lambda r: (-r["events"], r["status"]))
    return [(r["status"], r["class"]) for r in rows]


def guardrail_banner(view: View, search: str | None) -> html.Div | None:
    """The banner, or None when the classes raise no doubt."""
    if view.analysis is None or not view.analysis.has_history:
        return None
    lines = [
        html.Li([html.Code(w.kind), f": {w.message}"])
        for w in view.analysis.warnings
        if w.kind in CLASS_WARNINGS
    ]
    guesses = unconfirmed_guesses(view)
    if guesses:
        named = ", ".join(f"'{s}' ({c})" for s, c in guesses[:NAMED_GUESSES])
        more = len(guesses) - NAMED_GUESSES
        lines.append(
            html.Li(
                [
                    html.Code("unconfirmed_guesses"),
                    f": {len(guesses)} visited status{'es are' if len(guesses) > 1 else ' is'}"
                    f" classed by a guess nobody confirmed: {named}"
                    + (f" and {more} more" if more > 0 else "")
                    + ". Every number depends on these classes.",
                ]
            )
        )
    if not lines:
        return None
    query = to_query(from_query(search))
    return html.Div(
        [
            html.Strong("Check the status classes before trusting the numbers"),
            html.Ul(lines),
            html.Div(
                [
                    "Fix: ",
                    dcc.Link(
                        "the classification editor",
                        href=page_link("upload", query, "classification"),
                        id="guardrail-fix-editor",
                    ),
                    " (every page follows at once), or ",
                    html.A(
                        "[statuses] classes in flowgap.toml",
                        href=CONFIG_DOCS,
                        target="_blank",
                        rel="noopener noreferrer",
                        id="guardrail-fix-config",
                    ),
                    ".",
                ]
            ),
        ],
        id="guardrail-banner-content",
        className="banner banner-warning",
    )
