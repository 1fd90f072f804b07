"""A pattern that is no regular expression is a config error naming the file and the key, never
a ``re.error`` traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from flowgap.cli import app
from flowgap.config import Config
from flowgap.errors import ConfigError


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[steering]\ncomment_pattern = "("\n',
            "flowgap.toml: steering.comment_pattern: pattern '(' is not supported (missing ): (); "
            "patterns run in RE2, which has no look-arounds or back-references",
        ),
        (
            '[steering]\nstatuses = ["Steering", "[x"]\n',
            "flowgap.toml: steering.statuses: pattern '[x' is not supported (missing ]: [x); "
            "patterns run in RE2, which has no look-arounds or back-references",
        ),
    ],
)
def test_a_broken_pattern_names_the_key(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "flowgap.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        Config.load(path)
    assert str(err.value) == f"{tmp_path}/{message}"
    done = CliRunner().invoke(app, ["inspect", "missing.csv", "-c", str(path)])
    assert done.exit_code == 2
    assert done.stderr == f"flowgap: error: {tmp_path}/{message}\n"
