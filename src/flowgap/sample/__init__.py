"""``flowgap sample``: synthetic Jira-like logs with known ground truth.

``generate()`` returns the canonical tables of a simulated organisation together with the
truth of every item (computed from the simulation itself, never by the engine);
``write_sample()`` writes the same simulation in one of the input formats, with the truth and
the flowgap.toml to analyse it beside it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime

import pyarrow as pa

from ..config import Config
from ..model import InputSummary, LoadResult, sort_events
from .canonical import Columns
from .clock import MINUTE_S
from .simulate import NO_CHANGE, STORY_KEY, OrgChange, simulate
from .truth import RULES, partial, table
from .workflow import CLASSES, SAMPLE_CONFIG_TOML, STATUS_CATEGORY
from .writers import FORMATS, write_sample

__all__ = [
    "FORMATS",
    "NO_CHANGE",
    "SAMPLE_CONFIG_TOML",
    "STORY_KEY",
    "OrgChange",
    "Sample",
    "generate",
    "sample_config",
    "write_sample",
]

_CHUNK_EVENTS = 500_000


@dataclass
class Sample:
    #: The canonical tables as the Jira JSON loader gives them for the same log.
    result: LoadResult
    #: One row per item (see ``truth.TRUTH_SCHEMA``), measured at ``as_of``.
    truth: pa.Table
    config: Config
    #: The latest event of the log: where open items are measured.
    as_of: datetime


def sample_config() -> Config:
    return Config.from_dict(tomllib.loads(SAMPLE_CONFIG_TOML), "SAMPLE_CONFIG_TOML")


def generate(
    items: int = 200, seed: int = 1, story: bool = True, change: OrgChange = NO_CHANGE
) -> Sample:
    """Simulate ``items`` items (one of them the story item when ``story``), in the
    organisation with ``change`` applied when given."""
    cols = Columns("generated")
    partials = []
    as_of = 0
    records = 0  # what the Jira JSON loader counts: issues, histories and comments
    for it in simulate(items, seed, story, change):
        cols.add(it)
        records += 1 + len(it.hists) + len(it.comments)
        partials.append(it.checked or partial(it, RULES))
        as_of = max(as_of, it.last)
        if cols.pending >= _CHUNK_EVENTS:
            cols.flush()
    events, items_table = cols.tables()
    result = LoadResult(
        events=sort_events(events),
        items=items_table,
        status_categories={name: STATUS_CATEGORY[name] for name in CLASSES},
        inputs=[
            InputSummary(
                path=f"generated:items={items},seed={seed},story={story}",
                format="jira-json",
                records_read=records,
                records_loaded=records,
                records_rejected=0,
                record_unit="issue, history entry or comment",
            )
        ],
    )
    truth = table(p.finish(as_of) for p in partials)
    return Sample(
        result=result,
        truth=truth,
        config=sample_config(),
        as_of=datetime.fromtimestamp(as_of * MINUTE_S, UTC),
    )
