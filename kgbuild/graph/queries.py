"""Path, neighbourhood, ranking and community queries over the entity graph.

Each returns plain data (lists of dicts) so the CLI prints it and the server sends it
as JSON unchanged.
"""

from __future__ import annotations

from itertools import islice

import networkx as nx

from .entity_graph import resolve_entity

# A stated relation is stronger evidence of a connection than two names near each other.
EDGE_COST = {"relation": 1.0, "co-mention": 2.0}


def _best_edges(graph: nx.MultiDiGraph) -> nx.Graph:
    """Undirected view keeping, for each pair, the cheapest (strongest) edge."""
    simple = nx.Graph()
    simple.add_nodes_from(graph.nodes(data=True))
    for u, v, data in graph.edges(data=True):
        cost = EDGE_COST.get(data["kind"], 2.0) + (0.5 if data.get("inferred") else 0.0)
        if not simple.has_edge(u, v) or simple[u][v]["cost"] > cost:
            simple.add_edge(u, v, cost=cost, subject=u, object=v, **data)
    return simple


def _node(graph, iri: str) -> dict:
    data = graph.nodes[iri]
    return {"iri": iri, "label": data.get("label", ""), "type": data.get("type", "")}


def _hop(simple: nx.Graph, a: str, b: str) -> dict:
    e = simple[a][b]
    return {
        "from": _node(simple, a), "to": _node(simple, b), "kind": e["kind"], "predicate": e["predicate"],
        "direction": "forward" if e["subject"] == a else "backward", "confidence": e["confidence"],
        "inferred": e["inferred"], "sources": e["sources"], "selectors": e["selectors"],
    }


def paths(graph: nx.MultiDiGraph, a: str, b: str, *, k: int = 3) -> list[list[dict]]:
    """Up to ``k`` cheapest evidence-bearing paths from ``a`` to ``b``, each a list of hops."""
    start, end = resolve_entity(graph, a), resolve_entity(graph, b)
    simple = _best_edges(graph)
    try:
        found = list(islice(nx.shortest_simple_paths(simple, start, end, weight="cost"), k))
    except nx.NetworkXNoPath:
        return []
    return [[_hop(simple, u, v) for u, v in zip(p, p[1:])] for p in found]


def neighbors(graph: nx.MultiDiGraph, a: str, *, hops: int = 1) -> dict:
    center = resolve_entity(graph, a)
    simple = _best_edges(graph)
    distances = nx.single_source_shortest_path_length(simple, center, cutoff=hops)
    sub = simple.subgraph(distances)
    return {
        "center": _node(simple, center),
        "nodes": [{**_node(simple, n), "distance": d} for n, d in sorted(distances.items(), key=lambda x: (x[1], x[0]))],
        "edges": [_hop(simple, u, v) for u, v in sub.edges()],
    }


def rank(graph: nx.MultiDiGraph, *, by: str = "pagerank", top: int = 20) -> list[dict]:
    simple = _best_edges(graph)
    if by == "pagerank":
        scores = nx.pagerank(simple, weight=None) if simple.number_of_nodes() else {}
    elif by == "degree":
        scores = dict(simple.degree())
    else:
        raise ValueError(f"unknown ranking '{by}': use pagerank or degree")
    ordered = sorted(scores.items(), key=lambda x: (-x[1], x[0]))[:top]
    return [{**_node(simple, n), "score": round(float(s), 6)} for n, s in ordered]


def communities(graph: nx.MultiDiGraph, *, min_size: int = 2) -> list[list[dict]]:
    """Louvain communities (fixed seed, so the answer is stable), largest first."""
    simple = _best_edges(graph)
    if simple.number_of_edges() == 0:
        return []
    groups = nx.community.louvain_communities(simple, weight=None, seed=0)
    groups = [sorted(g) for g in groups if len(g) >= min_size]
    groups.sort(key=lambda g: (-len(g), g[0]))
    return [[_node(simple, n) for n in g] for g in groups]
