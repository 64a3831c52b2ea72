"""Writers for property-graph formats: Neo4j bulk-import CSV, Cypher, GraphML, GEXF."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import networkx as nx

from .property_graph import PropertyGraph, node_label

ARRAY_SEP = ";"  # neo4j-admin's default array delimiter


def _array(values) -> str:
    return ARRAY_SEP.join(str(v).replace(ARRAY_SEP, ",") for v in values)


def write_neo4j_csv(pg: PropertyGraph, out: Path) -> list[Path]:
    """A folder for ``neo4j-admin database import full`` (header format with typed columns),
    plus ``import.sh`` with the exact command."""
    out.mkdir(parents=True, exist_ok=True)
    files = {name: out / f"{name}.csv" for name in ("entities", "sources", "relations", "mentioned_in")}
    with files["entities"].open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["iri:ID(Entity)", "label", "entityType", "mentions:int", ":LABEL"])
        for iri, e in pg.entities.items():
            w.writerow([iri, e["label"], e["type"], e["mentions"], f"Entity;{node_label(e['type'])}"])
    with files["sources"].open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["iri:ID(Source)", "sha256", "path", "mediaType", "modality", "status", ":LABEL"])
        for iri, s in pg.sources.items():
            w.writerow([iri, s["sha256"], s["path"], s["mediaType"], s["modality"], s["status"], "Source"])
    with files["relations"].open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([":START_ID(Entity)", ":END_ID(Entity)", ":TYPE", "iri", "predicate", "confidence:float",
                    "inferred:boolean", "extractor", "sources:string[]", "selectors:string[]"])
        for r in pg.relations:
            w.writerow([r["start"], r["end"], r["type"], r["key"], r["predicate"],
                        "" if r["confidence"] is None else r["confidence"], str(r["inferred"]).lower(), r["extractor"],
                        _array(r["sources"]), _array(r["selectors"])])
    with files["mentioned_in"].open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([":START_ID(Entity)", ":END_ID(Source)", ":TYPE", "count:int", "modalities:string[]", "selectors:string[]"])
        for m in pg.mentioned_in:
            w.writerow([m["start"], m["end"], "MENTIONED_IN", m["count"], _array(m["modalities"]), _array(m["selectors"])])
    script = out / "import.sh"
    script.write_text(
        "#!/usr/bin/env sh\n# Load into a new Neo4j database (stop the database first).\n"
        'cd "$(dirname "$0")"\n'
        "neo4j-admin database import full --overwrite-destination \\\n"
        "  --nodes=entities.csv --nodes=sources.csv \\\n"
        "  --relationships=relations.csv --relationships=mentioned_in.csv \\\n"
        '  "${1:-neo4j}"\n'
    )
    script.chmod(0o755)
    return [*files.values(), script]


def _cypher_value(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_cypher_value(v) for v in value) + "]"
    return json.dumps(str(value))  # a JSON string is a valid Cypher string literal


def write_cypher(pg: PropertyGraph, out: Path) -> int:
    """An idempotent script: MERGE on IRIs, so running it twice changes nothing."""
    lines = ["// kgbuild export: idempotent (MERGE on iri). Run with cypher-shell -f FILE.",
             "CREATE CONSTRAINT entity_iri IF NOT EXISTS FOR (e:Entity) REQUIRE e.iri IS UNIQUE;",
             "CREATE CONSTRAINT source_iri IF NOT EXISTS FOR (s:Source) REQUIRE s.iri IS UNIQUE;"]
    for iri, e in pg.entities.items():
        lines.append(f"MERGE (n:Entity {{iri: {_cypher_value(iri)}}}) SET n:{node_label(e['type'])}, "
                     f"n.label = {_cypher_value(e['label'])}, n.entityType = {_cypher_value(e['type'])}, "
                     f"n.mentions = {e['mentions']};")
    for iri, s in pg.sources.items():
        props = ", ".join(f"n.{k} = {_cypher_value(v)}" for k, v in s.items())
        lines.append(f"MERGE (n:Source {{iri: {_cypher_value(iri)}}}) SET {props};")
    for r in pg.relations:
        lines.append(
            f"MATCH (a:Entity {{iri: {_cypher_value(r['start'])}}}), (b:Entity {{iri: {_cypher_value(r['end'])}}}) "
            f"MERGE (a)-[r:{r['type']} {{iri: {_cypher_value(r['key'])}}}]->(b) "
            f"SET r.predicate = {_cypher_value(r['predicate'])}, r.confidence = {_cypher_value(r['confidence'])}, "
            f"r.inferred = {_cypher_value(r['inferred'])}, r.extractor = {_cypher_value(r['extractor'])}, "
            f"r.sources = {_cypher_value(r['sources'])}, r.selectors = {_cypher_value(r['selectors'])};")
    for m in pg.mentioned_in:
        lines.append(
            f"MATCH (a:Entity {{iri: {_cypher_value(m['start'])}}}), (b:Source {{iri: {_cypher_value(m['end'])}}}) "
            f"MERGE (a)-[r:MENTIONED_IN]->(b) SET r.count = {m['count']}, "
            f"r.modalities = {_cypher_value(m['modalities'])}, r.selectors = {_cypher_value(m['selectors'])};")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def to_networkx(pg: PropertyGraph) -> nx.MultiDiGraph:
    """GraphML and GEXF take scalar attributes only: lists become ";"-joined strings. The edge
    type is `relType`: GEXF reserves `type` for directed/undirected."""
    g = nx.MultiDiGraph()
    for iri, e in pg.entities.items():
        g.add_node(iri, kind="Entity", label=e["label"], entityType=e["type"], mentions=e["mentions"])
    for iri, s in pg.sources.items():
        g.add_node(iri, kind="Source", label=s["path"], **{k: v for k, v in s.items() if k != "path"})
    for r in pg.relations:
        attrs = {"relType": r["type"], "predicate": r["predicate"], "inferred": r["inferred"], "extractor": r["extractor"],
                 "sources": _array(r["sources"]), "selectors": _array(r["selectors"])}
        if r["confidence"] is not None:
            attrs["confidence"] = r["confidence"]
        g.add_edge(r["start"], r["end"], key=r["key"], **attrs)
    for m in pg.mentioned_in:
        g.add_edge(m["start"], m["end"], relType="MENTIONED_IN", count=m["count"],
                   modalities=_array(m["modalities"]), selectors=_array(m["selectors"]))
    return g


def write_graphml(pg: PropertyGraph, out: Path) -> int:
    g = to_networkx(pg)
    nx.write_graphml(g, out)
    return g.number_of_nodes()


def write_gexf(pg: PropertyGraph, out: Path) -> int:
    g = to_networkx(pg)
    nx.write_gexf(g, out)
    return g.number_of_nodes()
