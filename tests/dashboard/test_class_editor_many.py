"""The class editor of a log with more statuses than a page can hold: the most entered are
listed, and the page says how many it leaves to flowgap.toml."""

from __future__ import annotations

from pathlib import Path

from layout_walk import walk

import flowgap
from flowgap.config import Config
from flowgap.dashboard.data import View
from flowgap.dashboard.filters import Filters
from flowgap.dashboard.pages.class_editor import MAX_STATUSES, editor, status_rows


def test_the_most_entered_statuses_are_listed_and_the_rest_named(tmp_path: Path) -> None:
    lines = ["case,activity,timestamp"]
    for i in range(MAX_STATUSES + 50):
        lines += [f"I-{i},Open,2026-01-05T09:00:00", f"I-{i},S{i:04},2026-01-06T09:00:00"]
    lines += [f"J-{i},S0007,2026-01-07T09:00:00" for i in range(5)]  # S0007: 6 entries
    (tmp_path / "log.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = Config()
    view = View(
        sid=None,
        config=config,
        filters=Filters(),
        result=flowgap.load(tmp_path / "log.csv", config),
    )
    page = editor(view)
    rows = [n for n in walk(page) if getattr(n, "className", None) == "status-row"]
    assert len(rows) == MAX_STATUSES
    listed = [next(walk(r.children[0])).children for r in rows]
    assert listed[:2] == ["Open", "S0007"]  # most entered first
    assert listed == [r["status"] for r in status_rows(view)][:MAX_STATUSES]
    text = " ".join(n for n in walk(page) if isinstance(n, str))
    total = MAX_STATUSES + 51
    assert f"The {MAX_STATUSES} most entered of {total} statuses are listed" in text
