"""The class editor's download: the session's config with every status of the data classified,
the guesses marked on their lines; it loads back as the same config."""

from __future__ import annotations

from pathlib import Path

import tomlkit

import flowgap
from flowgap.config import Config
from flowgap.dashboard.data import View
from flowgap.dashboard.filters import Filters
from flowgap.dashboard.pages.upload import toml_for


def test_download_classifies_every_status_and_loads_back(sample_logs: Path, tmp_path: Path):
    config = Config.from_dict({"statuses": {"classes": {"Done": "done", "Ready for QA": "active"}}})
    result = flowgap.load(sample_logs / "sample.jira-ui.csv", config)
    text = toml_for(View(sid=None, config=config, filters=Filters(), result=result))
    path = tmp_path / "flowgap.toml"
    path.write_text(text, encoding="utf-8")
    loaded = Config.load(path)
    assert loaded.statuses.classes == {
        "Done": "done",
        "Ready for QA": "active",
        "Backlog": "backlog",
        "Ready for Dev": "wait",
    }
    expected = config.model_copy(deep=True)
    expected.statuses.classes = loaded.statuses.classes
    assert loaded.to_toml_dict() == expected.to_toml_dict()
    classes = tomlkit.parse(text)["statuses"]["classes"]
    assert classes["Backlog"].trivia.comment == "# guessed"
    assert classes["Ready for QA"].trivia.comment == ""
    assert text.startswith("# flowgap.toml written by the flowgap dashboard.\n")
    assert "guesses nobody confirmed (marked # guessed): Backlog, Ready for Dev" in text
