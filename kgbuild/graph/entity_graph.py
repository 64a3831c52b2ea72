"""The entity graph as a networkx multigraph, for path, neighbourhood and ranking queries.

Nodes are entities. Edges carry evidence: a ``relation`` edge for every kg:Relation
(extracted, scene or inferred), and a ``co-mention`` edge between entities mentioned close
together in one source (within a character window in text, in one image, or within a
time window in speech). Every edge keeps the source path and the selectors of its
mentions, so a path answers "how are A and B connected, and where does it say so".

Loading reads the whole store once; the result is cached on disk keyed by the store's
content (its named graphs and size), so it is rebuilt only when the store changes.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections import defaultdict
from pathlib import Path

import networkx as nx

from ..errors import EntityNotFound  # noqa: F401 - re-exported (kgbuild.server.entity_view)
from ..store import KGStore
from .resolve import EntityResolver, graph_names

CACHE_VERSION = 3  # 2: nodes are canonical entities (fusion); 3: nodes keep their names (resolve.py)
TEXT_WINDOW_CHARS = 250  # about a sentence or two: further apart is not evidence of a link
SPEECH_WINDOW_S = 10.0


def store_fingerprint(store: KGStore) -> str:
    digest = hashlib.sha256(str(len(store)).encode())
    for g in store.named_graphs():
        digest.update(g.encode())
    return digest.hexdigest()[:24]


def _cache_file(store: KGStore) -> Path:
    root = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "kgbuild" / "entity-graph"
    key = hashlib.sha256(str(store.path.resolve()).encode()).hexdigest()[:24]
    return root / f"{key}.pickle"


def load_entity_graph(store: KGStore, *, use_cache: bool = True) -> nx.MultiDiGraph:
    fingerprint = store_fingerprint(store)
    cache = _cache_file(store)
    if use_cache and cache.exists():
        try:
            with cache.open("rb") as fh:
                version, cached_fp, graph = pickle.load(fh)
            if version == CACHE_VERSION and cached_fp == fingerprint:
                return graph
        except (OSError, pickle.UnpicklingError, ValueError, EOFError):
            pass  # a stale or broken cache is rebuilt, never trusted
    graph = build_entity_graph(store)
    if use_cache:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            pickle.dump((CACHE_VERSION, fingerprint, graph), fh)
        tmp.replace(cache)
    return graph


def build_entity_graph(store: KGStore) -> nx.MultiDiGraph:
    """One node per canonical entity (fusion's ``kg:canonical``; an entity fusion has not
    seen is its own node), carrying the mentions of all its members."""
    from ..fusion.canonical import canonical_map

    canon = canonical_map(store)
    graph = nx.MultiDiGraph()
    for r in store.rows("""SELECT ?e ?label ?type (COUNT(?m) AS ?mentions) WHERE {
            ?e a kg:Entity ; kg:entityType ?type . OPTIONAL { ?e rdfs:label ?label }
            OPTIONAL { ?m kg:refersTo ?e } } GROUP BY ?e ?label ?type"""):
        node = canon.get(r["e"], r["e"])
        mentions = int(r["mentions"]) + (graph.nodes[node]["mentions"] if node in graph else 0)
        if node == r["e"] or node not in graph:
            graph.add_node(node, label=r["label"] or "", type=r["type"], mentions=mentions)
        graph.nodes[node]["mentions"] = mentions
    _add_relations(store, graph, canon)
    _add_co_mentions(store, graph, canon)
    for node, names in graph_names(store, canon).items():
        if node in graph:
            graph.nodes[node]["names"] = [n for n in names if n != graph.nodes[node].get("label")]
    return graph


def _selector_text(start, end, fragment) -> str:
    return fragment if fragment else f"char={start},{end}"


def _add_relations(store: KGStore, graph: nx.MultiDiGraph, canon: dict[str, str]) -> None:
    evidence = defaultdict(list)
    for r in store.rows("""SELECT ?r ?path ?start ?end ?frag WHERE {
            ?r a kg:Relation ; kg:evidence ?m . ?m prov:wasDerivedFrom/kg:path ?path .
            OPTIONAL { ?m oa:hasSelector ?s1 . ?s1 oa:start ?start ; oa:end ?end }
            OPTIONAL { ?m oa:hasSelector ?s2 . ?s2 rdf:value ?frag } }"""):
        evidence[r["r"]].append((r["path"], _selector_text(r["start"], r["end"], r["frag"])))
    for r in store.rows("""SELECT ?r ?s ?p ?o ?conf ?inferred ?extractor WHERE {
            ?r a kg:Relation ; kg:subject ?s ; kg:predicate ?p ; kg:object ?o .
            OPTIONAL { ?r kg:confidence ?conf } OPTIONAL { ?r kg:inferred ?inferred }
            OPTIONAL { ?r kg:extractor ?extractor } }"""):
        r["s"], r["o"] = canon.get(r["s"], r["s"]), canon.get(r["o"], r["o"])
        if r["s"] == r["o"]:
            continue  # "Kowalczyk" worksFor ... is kept; "Anna Kowalczyk" is "Kowalczyk" is not an edge
        for node in (r["s"], r["o"]):
            if node not in graph:
                graph.add_node(node, label="", type="", mentions=0)
        ev = sorted(set(evidence.get(r["r"], [])))
        graph.add_edge(r["s"], r["o"], key=r["r"], kind="relation", predicate=r["p"],
                       confidence=float(r["conf"]) if r["conf"] else None,
                       inferred=r["inferred"] == "true", extractor=r["extractor"],
                       sources=sorted({p for p, _ in ev}), selectors=[s for _, s in ev])


def _add_co_mentions(store: KGStore, graph: nx.MultiDiGraph, canon: dict[str, str]) -> None:
    by_source = defaultdict(list)
    for r in store.rows("""SELECT ?e ?path ?modality ?start ?end ?frag WHERE {
            ?m kg:refersTo ?e ; kg:modality ?modality ; prov:wasDerivedFrom/kg:path ?path .
            OPTIONAL { ?m oa:hasSelector ?s1 . ?s1 oa:start ?start ; oa:end ?end }
            OPTIONAL { ?m oa:hasSelector ?s2 . ?s2 rdf:value ?frag } }"""):
        r["e"] = canon.get(r["e"], r["e"])
        by_source[r["path"]].append(r)
    for path, mentions in by_source.items():
        seen = set()
        for a, b in _close_pairs(mentions):
            if a["e"] == b["e"] or (a["e"], b["e"]) in seen:
                continue
            seen.add((a["e"], b["e"]))
            seen.add((b["e"], a["e"]))
            graph.add_edge(a["e"], b["e"], key=f"co:{path}:{a['e']}:{b['e']}", kind="co-mention",
                           predicate=None, confidence=None, inferred=False, extractor=None, sources=[path],
                           selectors=[_selector_text(a["start"], a["end"], a["frag"]),
                                      _selector_text(b["start"], b["end"], b["frag"])])


def _position(m: dict) -> float | None:
    """Where a mention sits on its source's axis: seconds for speech, characters otherwise."""
    if m["modality"] == "speech":
        frag = m["frag"] or ""
        return float(frag[2:].split(",")[0]) if frag.startswith("t=") else None
    return float(m["start"]) if m["start"] is not None else None


def _close_pairs(mentions: list[dict]):
    """Pairs of mentions near each other: same image, or within a window in text/speech."""
    images = [m for m in mentions if m["modality"] == "image"]
    for i, a in enumerate(images):
        for b in images[i + 1:]:
            yield a, b
    for modality, window in (("speech", SPEECH_WINDOW_S), ("text", TEXT_WINDOW_CHARS), ("ocr", TEXT_WINDOW_CHARS)):
        placed = [(p, m) for m in mentions if m["modality"] == modality for p in [_position(m)] if p is not None]
        placed.sort(key=lambda pm: pm[0])
        for i, (pa, a) in enumerate(placed):
            for pb, b in placed[i + 1:]:
                if pb - pa > window:
                    break
                yield a, b


def resolve_entity(graph: nx.MultiDiGraph, name: str) -> str:
    """An entity IRI from an IRI, a label, an alias or a near spelling of one: see
    :mod:`kgbuild.graph.resolve` (raises EntityNotFound with suggestions, or AmbiguousEntity)."""
    if name in graph:
        return name
    return EntityResolver.from_graph(graph).resolve(name)
