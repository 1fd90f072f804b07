"""docs/config.md stays true to the code: every example validates, every key is documented."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from flowgap.config import Config

DOC = Path(__file__).resolve().parents[2] / "docs" / "config.md"
TEXT = DOC.read_text(encoding="utf-8")
EXAMPLES = re.findall(r"```toml\n(.*?)```", TEXT, flags=re.DOTALL)


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"example{i}" for i in range(len(EXAMPLES))])
def test_every_example_validates(example: str) -> None:
    Config.from_dict(tomllib.loads(example), DOC)


def _keys(model: type[BaseModel]) -> set[str]:
    keys = set()
    for name, field in model.model_fields.items():
        if field.exclude:
            continue
        keys.add(field.alias or name)
        annotation = field.annotation
        for candidate in (*getattr(annotation, "__args__", ()), annotation):
            item = getattr(candidate, "__args__", (None,))[0] if candidate is not None else None
            for sub in (candidate, item):
                if isinstance(sub, type) and issubclass(sub, BaseModel):
                    keys |= _keys(sub)
    return keys


def test_every_key_is_documented() -> None:
    documented = set(re.findall(r"^\| `([a-z_]+)`", TEXT, flags=re.MULTILINE))
    documented |= {
        k for pair in re.findall(r"^\| `([a-z_]+)`, `([a-z_]+)`", TEXT, re.M) for k in pair
    }
    sections = {
        "input",
        "jira",
        "transitions",
        "csv",
        "xes",
        "statuses",
        "flow",
        "teams",
        "steering",
        "recurring",
        "calendar",
        "dashboard",
        "forecast",
        "service_level",
        "whatif",
        "engine",
        "spark",
    }
    missing = _keys(Config) - documented - sections
    assert not missing, f"keys missing from docs/config.md: {sorted(missing)}"


def test_a_bad_key_names_the_file_and_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "flowgap.toml"
    bad.write_text('[flow]\nflow_window = "sometimes"\n', encoding="utf-8")
    with pytest.raises(Exception, match=r"flowgap.toml: flow.flow_window: "):
        Config.load(bad)
