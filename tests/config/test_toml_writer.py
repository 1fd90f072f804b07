"""Every flowgap.toml flowgap writes reads back as the same config, comments included."""

from __future__ import annotations

import tomllib
from pathlib import Path

import tomlkit
from hypothesis import given, settings
from hypothesis import strategies as st

import flowgap
from flowgap.config import STATUS_CLASSES, Config
from flowgap.config.toml_writer import LINE_WIDTH, config_to_toml, dumps, starter_config
from flowgap.inspection import inspect_result
from flowgap.sample.event_formats import event_csv_config
from flowgap.sample.workflow import SAMPLE_CONFIG_TOML

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "jira"


def test_round_trip_with_odd_names_and_arrays_of_tables():
    config = Config.from_dict(
        {
            "statuses": {
                "classes": {"Ready for QA": "wait", 'Prüfung "intern"': "active"},
                "order": ["To Do", "In Dev"],
            },
            "teams": {"source": ["status", "assignee"], "status_map": {"In QA": "QA"}},
            "steering": {
                "statuses": ["^Steering"],
                "recurring": [{"weekday": "wednesday", "labels_any": ["steerco"]}],
            },
            "calendar": {"holidays_country": "DE"},
            "flow": {"stall_after": "5d"},
        }
    )
    text = config_to_toml(config, "written by the dashboard\nguesses: X")
    assert text.startswith("# written by the dashboard\n# guesses: X\n")
    assert '"Prüfung \\"intern\\"" = "active"' in text
    assert "[[steering.recurring]]" in text
    again = Config.from_dict(tomllib.loads(text))
    assert again.to_toml_dict() == config.to_toml_dict()


def test_written_file_loads_with_config_load(tmp_path: Path) -> None:
    config = Config.from_dict(tomllib.loads(SAMPLE_CONFIG_TOML))
    path = tmp_path / "flowgap.toml"
    path.write_text(config_to_toml(config), encoding="utf-8")
    assert Config.load(path).to_toml_dict() == config.to_toml_dict()


def test_notes_stay_on_their_keys() -> None:
    config = Config.from_dict({"statuses": {"classes": {"Limbo": "wait", "Done": "done"}}})
    text = config_to_toml(config, notes={("statuses", "classes", "Limbo"): "guessed"})
    assert '"Limbo" = "wait"   # guessed\n' in text
    classes = tomlkit.parse(text)["statuses"]["classes"]
    assert classes["Limbo"].trivia.comment == "# guessed"
    assert classes["Done"].trivia.comment == ""


def test_long_arrays_one_value_a_line_short_ones_on_one() -> None:
    long = [f"Status number {i}" for i in range(12)]
    text = dumps({"statuses": {"order": long, "blocked": ["Blocked"]}})
    assert 'order = [\n  "Status number 0",\n' in text
    assert 'blocked = ["Blocked"]\n' in text
    assert all(len(line) <= LINE_WIDTH for line in text.splitlines())
    assert tomllib.loads(text)["statuses"]["order"] == long


def test_a_table_of_tables_has_no_empty_header() -> None:
    text = dumps({"input": {"csv": {"item": "case"}}})
    assert text == '[input.csv]\nitem = "case"\n'


def test_the_sample_event_csv_config_validates_and_keeps_its_header() -> None:
    text = event_csv_config()
    assert text.startswith("# flowgap configuration for a generic event-log CSV")
    config = Config.from_dict(tomllib.loads(text))
    assert config.input.csv.status == ["activity", "sub_status"]
    assert config.statuses.classes["Done / closed"] == "done"


def test_starter_config_loads_back_with_its_comments(tmp_path: Path) -> None:
    """Every status of the inputs with its class and counts; classes named only in the config
    are kept and said to be unseen."""
    cfg = Config.from_dict({"statuses": {"classes": {"Done": "done", "Archived": "done"}}})
    data = inspect_result(flowgap.load(FIX / "reopened.ndjson", cfg), cfg)
    path = tmp_path / "flowgap.toml"
    path.write_text(starter_config(data, cfg), encoding="utf-8")
    loaded = Config.load(path)
    assert loaded.statuses.classes == {
        "Open": "backlog",
        "In Progress": "active",
        "Done": "done",
        "Archived": "done",
    }
    classes = tomlkit.parse(path.read_text(encoding="utf-8"))["statuses"]["classes"]
    assert classes["Open"].trivia.comment == "# guessed; entries: 3, items now: 1"
    assert classes["Done"].trivia.comment == "# entries: 2, items now: 1"
    assert classes["Archived"].trivia.comment == "# not seen in these inputs"


_NAMES = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), min_size=1, max_size=12
)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(_NAMES, st.sampled_from(STATUS_CLASSES), max_size=6), st.lists(_NAMES))
def test_any_status_names_round_trip(classes: dict[str, str], order: list[str]) -> None:
    config = Config.from_dict({"statuses": {"classes": classes, "order": order}})
    notes = {("statuses", "classes", name): "guessed" for name in classes}
    again = Config.from_dict(tomllib.loads(config_to_toml(config, "header", notes)))
    assert again.statuses.classes == config.statuses.classes
    assert again.statuses.order == config.statuses.order
