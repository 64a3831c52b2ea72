"""Reading fusion's result: entity -> canonical entity, for tools that want one node per
real thing (the entity graph, the explorer). Light on purpose: no model is loaded."""

from __future__ import annotations

from ..ids import FUSION_GRAPH
from ..store import KGStore


def canonical_map(store: KGStore) -> dict[str, str]:
    """Every fused entity's canonical entity (entities fusion never saw are absent: they
    stand for themselves)."""
    return {r["a"]: r["c"] for r in store.rows(
        f"SELECT ?a ?c WHERE {{ GRAPH <{FUSION_GRAPH}> {{ ?a kg:canonical ?c }} }}")}
