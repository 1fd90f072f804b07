"""A flowgap.toml of a million statuses (or people, or meetings) is one config error naming the
file, the key and the limit, found before the costly work: an uploaded one cost the dashboard
about 30 s of CPU, and a config of real size still loads."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flowgap.cli import app
from flowgap.config import Config, parse_toml
from flowgap.config.bounds import MAX_CHARS, MAX_ENTRIES
from flowgap.errors import ConfigError


def _classes(n: int) -> str:
    return "[statuses.classes]\n" + "".join(f'S{i}="wait"\n' for i in range(n))


def test_a_real_size_config_loads(tmp_path: Path) -> None:
    # far more than a real site: 2,000 statuses, 20,000 people
    path = tmp_path / "flowgap.toml"
    people = "".join(f'"person{i}@example.com" = "Team {i % 40}"\n' for i in range(20_000))
    path.write_text(_classes(2_000) + "[teams.assignee_map]\n" + people, encoding="utf-8")
    config = Config.load(path)
    assert (len(config.statuses.classes), len(config.teams.assignee_map)) == (2_000, 20_000)
    assert len(_classes(MAX_ENTRIES)) < MAX_CHARS  # the entries limit is the one a table meets


@pytest.mark.parametrize(
    ("toml", "key", "n"),
    [
        (_classes(MAX_ENTRIES + 1), "statuses.classes", MAX_ENTRIES + 1),
        (
            "[teams.status_map]\n" + "".join(f'"S{i}" = "QA"\n' for i in range(120_000)),
            "teams.status_map",
            120_000,
        ),
        (
            "[steering]\nrecurring = [" + ",".join(["{}"] * 110_000) + "]\n",
            "steering.recurring",
            110_000,
        ),
        (
            '[[steering.recurring]]\nweekday = "monday"\n[[steering.recurring]]\n'
            + 'weekday = "friday"\nlabels_any = ['
            + ",".join(['"x"'] * 400_000)
            + "]\n",
            "steering.recurring.1.labels_any",
            400_000,
        ),
    ],
)
def test_a_table_or_array_past_the_limit_names_its_key(
    tmp_path: Path, toml: str, key: str, n: int
) -> None:
    path = tmp_path / "flowgap.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        Config.load(path)
    assert str(err.value) == (
        f"{path}: {key}: {n:,} entries, more than the 100,000 a table or array may hold"
    )


def test_a_million_statuses_stop_before_parsing(tmp_path: Path) -> None:
    # 25 MB: parsing took 8 s of CPU, validating 0.5 s more; the dashboard parses an
    # uploaded config twice.
    text = _classes(1_000_000)
    assert len(text) > MAX_CHARS
    start = time.process_time()
    with pytest.raises(ConfigError) as err:
        parse_toml(text, "upload.toml")
    assert time.process_time() - start < 0.5
    assert str(err.value) == (
        "upload.toml: more than 2,097,152 characters, the most a flowgap.toml may hold"
    )
    path = tmp_path / "flowgap.toml"
    path.write_text(text, encoding="utf-8")
    done = CliRunner().invoke(app, ["inspect", "missing.csv", "-c", str(path)])
    assert done.exit_code == 2
    assert done.stderr == (
        f"flowgap: error: {path}: more than 2,097,152 characters, the most a flowgap.toml"
        " may hold\n"
    )
