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


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        # each was a traceback (or minutes of work) once the value reached the engine
        (
            '[flow]\nstall_after = "99999999999999d"',
            "flow.stall_after: '99999999999999d' is longer than 36,500 days",
        ),
        # accepted, it made every active moment a stall: all touch counted as wait
        ('[flow]\nstall_after = "0d"', "flow.stall_after: must be longer than zero, got '0d'"),
        # these named no file ("<config>"), found by the engine after the load
        (
            '[calendar]\nholidays_country = "ZZ"',
            "calendar.holidays_country: Country ZZ not available",
        ),
        (
            '[calendar]\nholidays_country = "DE"\nholidays_subdivision = "XX"',
            "calendar.holidays_subdivision: Entity `DE` does not have subdivision XX",
        ),
        # the message repeated the whole pattern
        (
            '[steering]\ncomment_pattern = "' + "ab|" * 4000 + 'c"',
            "steering.comment_pattern: pattern '"
            + ("ab|" * 27)[:80]
            + "…(12,001 characters)' is longer than 10,000 characters",
        ),
        (
            '[forecast]\nwindow = "999999999w"',
            "forecast.window: '999999999w' is longer than 36,500 days",
        ),
        (
            "[forecast]\ntrials = 99999999999999999999999",
            "forecast.trials: Input should be less than or equal to 1000000",
        ),
        (
            "[whatif]\nbootstrap = 1000000000",
            "whatif.bootstrap: Input should be less than or equal to 1000000",
        ),
        (
            "[forecast]\nseed = 99999999999999999999",
            "forecast.seed: Input should be less than 9223372036854775808",
        ),
        (
            "[steering]\nminutes_per_item = nan",
            "steering.minutes_per_item: Input should be a finite number",
        ),
        (
            "[input]\nmax_inflated_mb = inf",
            "input.max_inflated_mb: Input should be a finite number",
        ),
        (  # finite, yet its bytes overflowed to infinity (OverflowError, a traceback)
            "[input]\nmax_inflated_mb = 1e303",
            "input.max_inflated_mb: Input should be less than or equal to 1000000000",
        ),
        (
            "[input]\nmax_compression_ratio = 1e303",
            "input.max_compression_ratio: Input should be less than or equal to 1000000000",
        ),
        (
            '[input.csv]\ndelimiter = "ab"',
            "input.csv.delimiter: a single character such as ';' or '\\t', got 'ab'",
        ),
        (
            '[calendar]\ntimezone = "../../etc/passwd"',
            "calendar.timezone: unknown time zone '../../etc/passwd', e.g. 'Europe/Berlin'",
        ),
    ],
)
def test_hostile_values_are_config_errors(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "flowgap.toml"
    path.write_text(toml + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        Config.load(path)
    assert str(err.value) == f"{path}: {message}"


@pytest.mark.parametrize(
    "toml",
    [
        "a = " + "[" * 10_000 + "]" * 10_000,
        "a = " + "{b = " * 5_000 + "1" + "}" * 5_000,
    ],
)
def test_deep_nesting_is_a_config_error(tmp_path: Path, toml: str) -> None:
    """tomllib parses nesting by recursion: this was a RecursionError traceback, exit 1."""
    path = tmp_path / "deep.toml"
    path.write_text(toml + "\n", encoding="utf-8")
    done = CliRunner().invoke(app, ["inspect", "missing.csv", "-c", str(path)])
    assert done.exit_code == 2
    assert done.stderr == (
        f"flowgap: error: {path}: not valid TOML: arrays or tables nested too deeply\n"
    )
