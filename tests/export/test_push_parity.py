"""Parity: the same questions get the same answers from the embedded store (SPARQL through
KGStore.query), from Virtuoso after `kgbuild push` over the Graph Store Protocol (SPARQL over
HTTP), and from FalkorDB after `kgbuild push falkordb://` (Cypher).

The questions: entity counts by type; the 2-hop neighbourhood of one entity, over relation and
mention edges (entity - source - entity) and over relations alone; the relations of that
entity. The table of answers is written to test-artifacts/push-parity.md (docs/query-and-export.md
shows it)."""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlsplit

import pytest

from helpers import REPO, run_cli
from push_servers import virtuoso_server

from kgbuild.store import KGStore

ENTITY_TYPES = "SELECT ?type (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a kg:Entity ; kg:entityType ?type } GROUP BY ?type"


def edge(a: str, b: str, k: str, mentions: bool = True) -> str:
    """An undirected edge of the property graph in SPARQL: a relation between two entities,
    or (with `mentions`) an entity mentioned in a source."""
    out = (f"{{ ?r{k} a kg:Relation ; kg:subject {a} ; kg:object {b} }} UNION "
           f"{{ ?r{k} a kg:Relation ; kg:subject {b} ; kg:object {a} }}")
    if mentions:
        out += (f" UNION {{ ?m{k} kg:refersTo {a} ; prov:wasDerivedFrom {b} }}"
                f" UNION {{ ?m{k} kg:refersTo {b} ; prov:wasDerivedFrom {a} }}")
    return out


def two_hops(x: str, mentions: bool) -> str:
    typed = "" if mentions else " ?n a kg:Entity . ?b a kg:Entity ."
    return (f"SELECT DISTINCT ?n WHERE {{ {{ {edge(x, '?n', '1', mentions)} }} UNION "
            f"{{ {{ {edge(x, '?b', '2', mentions)} }} {{ {edge('?b', '?n', '3', mentions)} }}{typed} }} "
            f"FILTER(?n != {x}) }}")


def relations_of(x: str) -> str:
    return (f"SELECT ?r ?s ?p ?o WHERE {{ ?r a kg:Relation ; kg:subject ?s ; kg:predicate ?p ; kg:object ?o . "
            f"FILTER(?s = {x} || ?o = {x}) }}")


CYPHER = {
    "types": "MATCH (e:Entity) RETURN e.entityType, count(e)",
    "hops": "MATCH (x:Entity {iri: $x})-[*1..2]-(n) WHERE n.iri <> $x RETURN DISTINCT n.iri",
    # Entity-only paths: MENTIONED_IN edges end at a Source, so they cannot be on them.
    "hops_relations": "MATCH (x:Entity {iri: $x})-[]-(n:Entity) WHERE n.iri <> $x RETURN DISTINCT n.iri "
                      "UNION MATCH (x:Entity {iri: $x})-[]-(:Entity)-[]-(n:Entity) WHERE n.iri <> $x RETURN DISTINCT n.iri",
    "relations": "MATCH (a:Entity)-[e]->(b:Entity) WHERE a.iri = $x OR b.iri = $x "
                 "RETURN e.iri, a.iri, e.predicate, b.iri",
}


@pytest.fixture(scope="module")
def own_virtuoso(tmp_path_factory):
    """A Virtuoso of its own: the union-graph answers must not see other tests' graphs."""
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso-parity")) as server:
        yield server


def test_embedded_virtuoso_and_falkordb_give_the_same_answers(sample_store, own_virtuoso, falkordb_url, tmp_path):
    from falkordb import FalkorDB

    url = falkordb_url + "/parity"
    for target, extra in ((own_virtuoso.gsp, ("--user", "dba", "--password", "dba")), (url, ())):
        proc = run_cli("push", "--store", sample_store, "--to", target, *extra, "--state", tmp_path / "state.sqlite")
        assert proc.returncode == 0, proc.stdout + proc.stderr

    kg = KGStore(sample_store, read_only=True)
    graph = FalkorDB(host="127.0.0.1", port=urlsplit(falkordb_url).port).select_graph("parity")
    # The entity with the most relations: the busiest neighbourhood is the strictest test.
    x, label = next((r["e"], r["label"]) for r in kg.rows(
        """SELECT ?e ?label (COUNT(DISTINCT ?r) AS ?n) WHERE { ?e a kg:Entity ; rdfs:label ?label . ?r a kg:Relation .
           { ?r kg:subject ?e } UNION { ?r kg:object ?e } } GROUP BY ?e ?label ORDER BY DESC(?n) ?e LIMIT 1"""))
    term = f"<{x}>"

    def cypher(name):
        return [tuple(row) for row in graph.query(CYPHER[name], {"x": x}).result_set]

    answers = {}  # question -> (embedded, virtuoso, falkordb)
    sparql = {"types": ENTITY_TYPES, "hops": two_hops(term, True), "hops_relations": two_hops(term, False),
              "relations": relations_of(term)}
    for name, query in sparql.items():
        here, there = list(kg.rows(query)), own_virtuoso.select(query)
        if name == "types":
            answers[name] = ({r["type"]: int(r["n"]) for r in here}, {r["type"]: int(r["n"]) for r in there},
                             {t: int(n) for t, n in cypher(name)})
        elif name == "relations":
            answers[name] = (Counter((r["r"], r["s"], r["p"], r["o"]) for r in here),
                             Counter((r["r"], r["s"], r["p"], r["o"]) for r in there), Counter(cypher(name)))
        else:
            answers[name] = ({r["n"] for r in here}, {r["n"] for r in there}, {n for (n,) in cypher(name)})

    triples = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), 'https://w3id.org/kgbuild/')) } GROUP BY ?g"
    graphs = ({r["g"]: int(r["n"]) for r in kg.rows(triples)}, {r["g"]: int(r["n"]) for r in own_virtuoso.select(triples)})

    def size(v):
        if isinstance(v, Counter):
            return f"{sum(v.values())} relations"
        return f"{len(v)} types, {sum(v.values())} entities" if isinstance(v, dict) else f"{len(v)} nodes"

    lines = ["| question | embedded store (SPARQL) | Virtuoso (SPARQL) | FalkorDB (Cypher) | same |", "|---|---|---|---|---|"]
    titles = {"types": "entity counts by type", "hops": f"2-hop neighbourhood of {label}, relation and mention edges",
              "hops_relations": f"2-hop neighbourhood of {label}, relations only", "relations": f"relations of {label}"}
    for name, (a, b, c) in answers.items():
        lines.append(f"| {titles[name]} | {size(a)} | {size(b)} | {size(c)} | {'yes' if a == b == c else 'NO'} |")
    lines.append(f"| triples per named graph | {len(graphs[0])} graphs, {sum(graphs[0].values())} triples | "
                 f"{len(graphs[1])} graphs, {sum(graphs[1].values())} triples | (property graph) | "
                 f"{'yes' if graphs[0] == graphs[1] else 'NO'} |")
    lines += ["", "| entity type | embedded store | Virtuoso | FalkorDB |", "|---|---|---|---|"]
    for t in sorted(answers["types"][0], key=lambda t: (-answers["types"][0][t], t)):
        lines.append(f"| {t} | " + " | ".join(str(v.get(t, 0)) for v in answers["types"]) + " |")
    out = REPO / "test-artifacts" / "push-parity.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")

    assert len(answers["types"][0]) > 3 and len(answers["relations"][0]) > 3 and len(answers["hops_relations"][0]) > 3
    for name, (embedded, virtuoso, falkordb) in answers.items():
        assert embedded == virtuoso, f"{name}: Virtuoso differs from the embedded store"
        assert embedded == falkordb, f"{name}: FalkorDB differs from the embedded store"
    assert graphs[0] == graphs[1]
