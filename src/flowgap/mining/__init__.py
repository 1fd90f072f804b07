"""The mining layer: pm4py and networkx over the engine's reduced tables.

One module per thing it makes: :mod:`.process_maps` (pm4py's directly-follows graphs of
statuses and teams), :mod:`.handoff_network` (networkx: centrality, two-way pairs),
:mod:`.variants` (pm4py's variants), :mod:`.social_network` (handover of work and working
together, pm4py), :mod:`.conformance` (deviations from the intended
workflow), :mod:`.team_clusters` (networkx communities of teams),
:mod:`.pm4py_frames` (the boundary: frames pm4py reads correctly, its import off the critical
path). Importing this package imports neither pm4py nor networkx: the functions do, on first
use.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from . import (
    conformance,
    handoff_network,
    process_maps,
    social_network,
    team_clusters,
    variants,
)
from .handoff_network import CENTRALITY, centrality, two_way_pairs
from .pm4py_frames import preload
from .process_maps import PROCESS_EDGES, directly_follows, handoff_graph, status_map

__all__ = [
    "CENTRALITY",
    "PM4PY_STEPS",
    "PROCESS_EDGES",
    "STEPS",
    "TABLES",
    "MiningResult",
    "centrality",
    "directly_follows",
    "handoff_graph",
    "mine",
    "preload",
    "status_map",
    "two_way_pairs",
]

#: The mining layer's tables of an analysis, by name.
TABLES: dict[str, pa.Schema] = {
    "status_map": PROCESS_EDGES,
    "handoff_graph": PROCESS_EDGES,
    "team_centrality": CENTRALITY,
}


@dataclass
class MiningResult:
    status_map: pa.Table
    handoff_graph: pa.Table
    team_centrality: pa.Table
    #: Pairs of teams that hand work to each other both ways (A -> B and B -> A on any
    #: items), sorted.
    two_way_handoffs: list[list[str]] = field(default_factory=list)


def mine(timeline: pa.Table, stints: pa.Table) -> MiningResult:
    """Status process map over status visits, handoff graph over team stints."""
    handoffs = handoff_graph(stints)
    return MiningResult(
        status_map=status_map(timeline),
        handoff_graph=handoffs,
        team_centrality=centrality(handoffs),
        two_way_handoffs=two_way_pairs(handoffs),
    )


#: The steps whose work is pm4py's, in the order a report first reads them. Where pm4py runs
#: in a process of its own (:mod:`.pm4py_worker`), ``flowgap analyze`` has them computed in
#: the background while it builds the rest of the report.
PM4PY_STEPS = ("handoff_graph", "item_variants", "status_map")

#: The mining layer's steps: aggregates of the engine's reduced tables of the analysis'
#: selection of items (a dashboard filter reruns them on fewer items).
STEPS = [
    *process_maps.STEPS,
    *handoff_network.STEPS,
    *variants.STEPS,
    *conformance.STEPS,
    *team_clusters.STEPS,
    *social_network.STEPS,
]
