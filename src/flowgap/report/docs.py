"""The generated parts of the docs, so that they cannot drift from the code:

- the summary table of ``docs/metrics.md`` (between ``<!-- summary-metrics:start -->`` and
  ``<!-- summary-metrics:end -->``), from the metric registry ``engine/summary_metrics.py``;
- ``docs/report-schema.json``, from the report's models (``report/schema.py``).

After changing either source, regenerate both from the repository root with::

    python -m flowgap.report.docs            # rewrites the generated parts
    python -m flowgap.report.docs --check    # exit 1 when a generated part is stale

``tests/report/test_report_docs.py`` and ``test_report_json.py`` fail while they are stale.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..engine import summary_metrics as registry
from . import schema

START = "<!-- summary-metrics:start -->"
END = "<!-- summary-metrics:end -->"
METRICS_MD = Path("docs/metrics.md")
SCHEMA_JSON = Path("docs/report-schema.json")


def summary_table() -> str:
    """The Markdown table of every summary metric: path, unit, definition."""
    lines = [
        "<!-- Generated from src/flowgap/engine/summary_metrics.py by"
        " `python -m flowgap.report.docs`: edit the registry, not this table. -->",
        "| metric | unit | definition |",
        "|---|---|---|",
    ]
    for group in registry.GROUPS:
        for m in group.metrics:
            path = f"{m.path}[name]" if group.named else m.path
            lines.append(f"| `{path}` | {registry.UNIT_TEXT[m.kind]} | {m.description} |")
    return "\n".join(lines)


def with_summary_table(text: str) -> str:
    """``text`` (docs/metrics.md) with the block between the markers regenerated."""
    head, start, rest = text.partition(START)
    _, end, tail = rest.partition(END)
    if not start or not end:
        raise ValueError(f"docs/metrics.md lacks the markers {START} ... {END}")
    return f"{head}{START}\n{summary_table()}\n{END}{tail}"


def generated(root: Path) -> dict[Path, str]:
    """Each generated file under ``root`` (a checkout) with the text it should have."""
    metrics_md = (root / METRICS_MD).read_text(encoding="utf-8")
    return {
        root / METRICS_MD: with_summary_table(metrics_md),
        root / SCHEMA_JSON: schema.schema_text(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m flowgap.report.docs", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("root", nargs="?", default=".", help="the repository root")
    parser.add_argument("--check", action="store_true", help="only say what is stale")
    args = parser.parse_args(argv)
    stale = []
    for path, text in generated(Path(args.root)).items():
        if path.read_text(encoding="utf-8") == text:
            continue
        stale.append(path)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    verb = "stale" if args.check else "regenerated"
    for path in stale:
        print(f"{verb}: {path.as_posix()}", file=sys.stderr)
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
