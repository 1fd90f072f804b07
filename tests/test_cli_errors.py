"""The command line's own errors and help: one line and exit code 2 for a usage error, and help
text shown as written."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from flowgap.cli import app

runner = CliRunner()


def _commands() -> dict[str, typer.core.TyperCommand]:
    return dict(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", sorted(_commands()))
def test_help_keeps_every_bracketed_name(name: str) -> None:
    # Rich markup took "[engine.spark]" in "(over [engine.spark] master)" for a tag and
    # printed "(over  master)".
    command = _commands()[name]
    texts = [command.help or ""] + [getattr(p, "help", None) or "" for p in command.params]
    bracketed = {b for text in texts for b in re.findall(r"\[[^\]\s]+\]", text.replace("\\", ""))}
    shown = runner.invoke(app, [name, "--help"], terminal_width=200)
    assert shown.exit_code == 0
    assert [b for b in sorted(bracketed) if b not in shown.output] == []


def test_the_analyze_help_names_the_config_keys_it_overrides() -> None:
    shown = runner.invoke(app, ["analyze", "--help"], terminal_width=200).output
    assert "[engine.spark] master" in shown and "[engine] tables_out" in shown


def test_whatif_as_of_says_what_it_replays() -> None:
    shown = " ".join(runner.invoke(app, ["whatif", "--help"], terminal_width=200).output.split())
    assert "Forecast from this date" not in shown
    assert "Replay the items delivered" in shown


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["analyze"], "Missing argument 'inputs' (see 'flowgap analyze --help')"),
        (["serve", "--port", "99999"], "Invalid value for '--port'"),
        (["serve", "--port", "0"], "Invalid value for '--port'"),
        (["inspect", "x", "--no-such-option"], "No such option: --no-such-option"),
        (["no-such-command"], "No such command 'no-such-command'"),
    ],
)
def test_a_usage_error_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    done = runner.invoke(app, args, prog_name="flowgap")
    assert done.exit_code == 2
    lines = done.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("flowgap: error: ") and message in lines[0]
