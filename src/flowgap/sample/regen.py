"""Regenerate the committed ``sample_logs/`` folder: ``python -m flowgap.sample.regen sample_logs``.

Every file there comes from this list, so the folder can always be rebuilt byte for byte.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .workflow import SAMPLE_CONFIG_TOML
from .writers import write_sample

#: (file name, format, items, seed, story). One seed for the small samples, so they are the
#: same simulated log in every format.
SAMPLE_LOGS: list[tuple[str, str, int, int, bool]] = [
    ("story.jira.ndjson.gz", "jira-json", 151, 1, True),
    ("sample.jira.json", "jira-json", 40, 2, True),
    ("sample.jira-ui.csv", "jira-csv", 40, 2, True),
    ("sample.transitions.csv", "transition-csv", 40, 2, True),
    ("sample.events.csv", "csv", 40, 2, True),
    ("sample.xes.gz", "xes", 40, 2, True),
    ("sample.canonical.parquet", "parquet", 40, 2, True),
]


def regenerate(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, fmt, items, seed, story in SAMPLE_LOGS:
        written += write_sample(folder / name, items=items, seed=seed, format=fmt, story=story)
    config = folder / "flowgap.toml"
    config.write_text(SAMPLE_CONFIG_TOML, encoding="utf-8")
    written.append(config)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m flowgap.sample.regen FOLDER", file=sys.stderr)
        return 2
    for path in regenerate(Path(args[0])):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
