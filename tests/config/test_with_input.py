"""``Config.with_input``: a column mapping picked in the dashboard, validated like a file's."""

from __future__ import annotations

import pytest

from flowgap.config import Config
from flowgap.errors import ConfigError


def test_picked_keys_are_set_over_the_section_and_none_unsets_one():
    served = Config.from_dict(
        {"input": {"csv": {"missing_values": ["-"], "team": "group", "item": "id"}}}
    )
    mapped = served.with_input("csv", {"item": "ticket", "status": "state", "team": None}, "m")
    csv = mapped.input.csv
    assert (csv.item, csv.status, csv.team) == ("ticket", ["state"], None)
    assert csv.missing_values == ["-"]  # a key the mapping does not name stays the config's
    assert served.input.csv.item == "id"  # the config itself is unchanged


def test_a_bad_value_is_one_line_naming_the_key():
    with pytest.raises(ConfigError, match=r"^column mapping: input\.xes\.status_attribute: "):
        Config().with_input("xes", {"status_attribute": []}, "column mapping")
    with pytest.raises(ConfigError, match=r"input\.csv\.dayfirst"):
        Config().with_input("csv", {"dayfirst": "maybe"}, "column mapping")
