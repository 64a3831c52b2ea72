"""Writers for property-graph formats: Neo4j bulk-import CSV, Cypher, GraphML, GEXF.

All of them write the same graph (:mod:`.property_graph`): its node kinds and edge kinds,
with the same properties."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import networkx as nx

from .property_graph import EDGE_KINDS, NODE_KINDS, PropertyGraph, node_label

ARRAY_SEP = ";"  # neo4j-admin's default array delimiter


def _array(values) -> str:
    return ARRAY_SEP.join(str(v).replace(ARRAY_SEP, ",") for v in values)


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return _array(value)
    return str(value)


def _header(name: str, kind: str) -> str:
    return name if kind == "string" else f"{name}:{kind}"


def labels_of(kind, props: dict) -> list[str]:
    """The node's labels: its kind, and for an entity its type (``Entity;Person``)."""
    return [kind.label, node_label(props["entityType"])] if kind.label == "Entity" else [kind.label]


def write_neo4j_csv(pg: PropertyGraph, out: Path) -> list[Path]:
    """A folder for ``neo4j-admin database import full``: one CSV per node kind (``iri:ID(Kind)``,
    typed property columns, ``:LABEL``) and per edge kind (``:START_ID(Kind)``, ``:END_ID(Kind)``,
    ``:TYPE``, typed columns), plus ``import.sh`` with the exact command."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    nodes, rels = [], []
    for kind in NODE_KINDS:
        path = out / f"{kind.attr}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow([f"iri:ID({kind.label})", *(_header(n, t) for n, t in kind.columns), ":LABEL"])
            for iri, props in getattr(pg, kind.attr).items():
                w.writerow([iri, *(_csv_value(props.get(n)) for n, _ in kind.columns), ";".join(labels_of(kind, props))])
        written.append(path)
        nodes.append(path.name)
    for edge in EDGE_KINDS:
        path = out / f"{edge.attr}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow([f":START_ID({edge.start})", f":END_ID({edge.end})", ":TYPE",
                        *(_header(n, t) for n, t in edge.columns)])
            for e in getattr(pg, edge.attr):
                w.writerow([e["start"], e["end"], e["type"], *(_csv_value(e.get(n)) for n, _ in edge.columns)])
        written.append(path)
        rels.append(path.name)
    script = out / "import.sh"
    script.write_text(
        "#!/usr/bin/env sh\n# Load into a new Neo4j database (stop the database first).\n"
        'cd "$(dirname "$0")"\n'
        "neo4j-admin database import full --overwrite-destination --multiline-fields=true --array-delimiter=';' \\\n"
        + "".join(f"  --nodes={n} \\\n" for n in nodes)
        + "".join(f"  --relationships={r} \\\n" for r in rels)
        + '  "${1:-neo4j}"\n'
    )
    script.chmod(0o755)
    written.append(script)
    return written


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
    lines = ["// kgbuild export: idempotent (MERGE on iri). Run with cypher-shell -f FILE."]
    lines += [f"CREATE CONSTRAINT {kind.label.lower()}_iri IF NOT EXISTS FOR (n:{kind.label}) REQUIRE n.iri IS UNIQUE;"
              for kind in NODE_KINDS]
    for kind, iri, props in pg.nodes():
        extra = "".join(f"n:{label}, " for label in labels_of(kind, props)[1:])
        sets = ", ".join(f"n.{n} = {_cypher_value(props.get(n))}" for n, _ in kind.columns)
        lines.append(f"MERGE (n:{kind.label} {{iri: {_cypher_value(iri)}}}) SET {extra}{sets};")
    for kind, e in pg.edges():
        ident = ", ".join(f"{n}: {_cypher_value(e[n])}" for n in kind.ident)
        sets = ", ".join(f"r.{n} = {_cypher_value(e.get(n))}" for n, _ in kind.columns if n not in kind.ident)
        lines.append(
            f"MATCH (a:{kind.start} {{iri: {_cypher_value(e['start'])}}}), (b:{kind.end} {{iri: {_cypher_value(e['end'])}}}) "
            f"MERGE (a)-[r:{e['type']}{' {' + ident + '}' if ident else ''}]->(b)" + (f" SET {sets}" if sets else "") + ";")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def _scalar(value):
    """GraphML and GEXF take scalar attributes only: lists become ";"-joined strings."""
    return _array(value) if isinstance(value, (list, tuple)) else value


def _node_caption(kind, props: dict) -> str:
    if kind.label == "Entity":
        return props["label"]
    if kind.label == "Source":
        return props["path"]
    if kind.label == "Event":
        return f"{props['eventType']}: {props['trigger']}"
    return props["text"][:80]


def to_networkx(pg: PropertyGraph) -> nx.MultiDiGraph:
    """Every node with ``kind`` (its label) and a ``label`` caption, every edge with ``relType``
    (GEXF reserves ``type`` for directed/undirected) and a string key. Each attribute name has
    one type across the graph (GEXF declares one per name): a name whose values mix types is
    written as strings."""
    g = nx.MultiDiGraph()
    for kind, iri, props in pg.nodes():
        attrs = {"kind": kind.label, "label": _node_caption(kind, props)}
        attrs.update({n: _scalar(props.get(n)) for n, _ in kind.columns if n != "label"})
        g.add_node(iri, **{k: v for k, v in attrs.items() if v is not None})
    for kind, e in pg.edges():
        attrs = {"relType": e["type"], **{n: _scalar(e.get(n)) for n, _ in kind.columns}}
        key = e["key"] if kind.attr == "relations" else f"{kind.attr}:{e['key']}"
        g.add_edge(e["start"], e["end"], key=key, **{k: v for k, v in attrs.items() if v is not None})
    for items in (g.nodes(data=True), g.edges(data=True)):
        types: dict[str, set[type]] = {}
        for *_, data in items:
            for k, v in data.items():
                types.setdefault(k, set()).add(type(v))
        mixed = {k for k, ts in types.items() if len(ts) > 1 and ts != {int, float}}
        floats = {k for k, ts in types.items() if ts == {int, float}}
        for *_, data in items:
            for k in mixed & data.keys():
                data[k] = str(data[k]).lower() if isinstance(data[k], bool) else str(data[k])
            for k in floats & data.keys():
                data[k] = float(data[k])
    return g


def write_graphml(pg: PropertyGraph, out: Path) -> int:
    g = to_networkx(pg)
    nx.write_graphml(g, out)
    return g.number_of_nodes()


def write_gexf(pg: PropertyGraph, out: Path) -> int:
    g = to_networkx(pg)
    nx.write_gexf(g, out)
    return g.number_of_nodes()
