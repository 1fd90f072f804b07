"""The downloaded flowgap.toml reads back as the same config."""

from __future__ import annotations

import tomllib

from flowgap.config import Config
from flowgap.dashboard.toml_text import config_to_toml


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
