"""The store seen as a property graph: entity and source nodes, relation and mention edges.

This is what graph databases want: one node per entity (with its type as a label), one
node per source file, a typed edge per kg:Relation carrying confidence and provenance,
and a MENTIONED_IN edge from each entity to each source that mentions it, with the
selectors of those mentions. Co-mention edges of the entity graph are derived, not
stated, and are not exported.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from ..store import KGStore


@dataclass
class PropertyGraph:
    entities: dict[str, dict] = field(default_factory=dict)  # iri -> {label, type, mentions}
    sources: dict[str, dict] = field(default_factory=dict)  # iri -> {sha256, path, mediaType, modality, status}
    relations: list[dict] = field(default_factory=list)  # {key, start, end, type, predicate, confidence, ...}
    mentioned_in: list[dict] = field(default_factory=list)  # {start (entity), end (source), count, modalities, selectors}


def rel_type(predicate: str) -> str:
    """``kg:worksFor`` -> ``WORKS_FOR``: Neo4j's convention for relationship types."""
    local = re.split(r"[#/]", predicate.rstrip("/#"))[-1] or "RELATED_TO"
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", local)
    return re.sub(r"[^A-Za-z0-9_]", "_", snake).upper()


def node_label(entity_type: str) -> str:
    """``PERSON`` -> ``Person``, ``WORK_OF_ART`` -> ``WorkOfArt``."""
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", entity_type) if part) or "Thing"


def load_property_graph(store: KGStore) -> PropertyGraph:
    pg = PropertyGraph()
    for r in store.rows("""SELECT ?e ?label ?type (COUNT(?m) AS ?n) WHERE { ?e a kg:Entity ; kg:entityType ?type .
            OPTIONAL { ?e rdfs:label ?label } OPTIONAL { ?m kg:refersTo ?e } } GROUP BY ?e ?label ?type ORDER BY ?e"""):
        pg.entities[r["e"]] = {"label": r["label"] or "", "type": r["type"], "mentions": int(r["n"])}
    for r in store.rows("""SELECT ?s ?sha ?mt ?mod ?status (GROUP_CONCAT(?p; separator="|") AS ?paths) WHERE {
            GRAPH ?s { ?s a kg:Source ; kg:status ?status . OPTIONAL { ?s kg:sha256 ?sha } OPTIONAL { ?s kg:mediaType ?mt }
            OPTIONAL { ?s kg:modality ?mod } OPTIONAL { ?s kg:path ?p } } } GROUP BY ?s ?sha ?mt ?mod ?status ORDER BY ?s"""):
        pg.sources[r["s"]] = {"sha256": r["sha"] or "", "path": r["paths"] or "", "mediaType": r["mt"] or "",
                              "modality": r["mod"] or "", "status": r["status"]}
    evidence = defaultdict(set)
    for r in store.rows("""SELECT ?r ?path ?sel WHERE { ?r a kg:Relation ; kg:evidence ?m .
            ?m prov:wasDerivedFrom/kg:path ?path ; oa:hasSelector ?s .
            OPTIONAL { ?s rdf:value ?v } OPTIONAL { ?s oa:start ?b ; oa:end ?e }
            BIND(COALESCE(?v, CONCAT("char=", STR(?b), ",", STR(?e))) AS ?sel) }"""):
        evidence[r["r"]].add((r["path"], r["sel"]))
    for r in store.rows("""SELECT ?r ?s ?p ?o ?conf ?inf ?ex WHERE { ?r a kg:Relation ; kg:subject ?s ; kg:predicate ?p ;
            kg:object ?o . OPTIONAL { ?r kg:confidence ?conf } OPTIONAL { ?r kg:inferred ?inf }
            OPTIONAL { ?r kg:extractor ?ex } } ORDER BY ?r"""):
        ev = sorted(evidence.get(r["r"], ()))
        pg.relations.append({
            "key": r["r"], "start": r["s"], "end": r["o"], "type": rel_type(r["p"]), "predicate": r["p"],
            "confidence": float(r["conf"]) if r["conf"] else None, "inferred": r["inf"] == "true",
            "extractor": r["ex"] or "", "sources": sorted({p for p, _ in ev}), "selectors": [f"{p}#{s}" for p, s in ev],
        })
    grouped = defaultdict(lambda: {"count": 0, "modalities": set(), "selectors": set()})
    for r in store.rows("""SELECT ?e ?src ?m ?mod ?sel WHERE { ?m kg:refersTo ?e ; prov:wasDerivedFrom ?src ;
            kg:modality ?mod ; oa:hasSelector ?s . OPTIONAL { ?s rdf:value ?v } OPTIONAL { ?s oa:start ?b ; oa:end ?x }
            BIND(COALESCE(?v, CONCAT("char=", STR(?b), ",", STR(?x))) AS ?sel) }"""):
        g = grouped[(r["e"], r["src"])]
        g["modalities"].add(r["mod"])
        g["selectors"].add(r["sel"])
        g.setdefault("mentions", set()).add(r["m"])
    for (entity, source), g in sorted(grouped.items()):
        pg.mentioned_in.append({"start": entity, "end": source, "count": len(g["mentions"]),
                                "modalities": sorted(g["modalities"]), "selectors": sorted(g["selectors"])})
    return pg
