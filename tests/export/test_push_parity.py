"""Parity: the same questions get the same answers from the embedded store (SPARQL through
KGStore.query), from Virtuoso after `kgbuild push` over the Graph Store Protocol (SPARQL over
HTTP), from FalkorDB after `kgbuild push falkordb://` (Cypher), and from the files of
`kgbuild export --format neo4j-csv` (read as neo4j-admin would, tests/neo4j_csv.py).

FalkorDB and the CSV folder get the property graph twice: with canonical entities (the
default: one node per real thing) and with member entities (one node per entity, SAME_AS
between merged ones). The questions: canonical entities by type, relations by predicate,
events by type, transcripts; entities by type (members); the 2-hop neighbourhood of one
entity over relation and mention edges (entity - source - entity) and over relations alone,
and its relations (members); the relations drawn on its canonical entity (canonical). The
table of answers is written to test-artifacts/push-parity.md (docs/query-and-export.md shows it)."""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlsplit

import pytest

from helpers import REPO, run_cli
from kgbuild.store import KGStore
from neo4j_csv import check_import_folder
from push_servers import virtuoso_server

QUESTIONS = {  # name -> (title, SPARQL with ?k ?n, Cypher with k n, graph: canonical | members, CSV: file, column)
    "canonical": ("canonical entities by type",
                  ("SELECT ?k (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a kg:Entity ; kg:entityType ?k . "
                   "FILTER NOT EXISTS { ?c kg:canonical ?o FILTER(?o != ?c) } } GROUP BY ?k"),
                  "MATCH (e:Entity) RETURN e.entityType, count(e)", "canonical", ("entities.csv", "entityType")),
    "relations": ("relations by predicate",
                  "SELECT ?k (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a kg:Relation ; kg:predicate ?k } GROUP BY ?k",
                  "MATCH (:Entity)-[e]->(:Entity) WHERE e.predicate IS NOT NULL RETURN e.predicate, count(e)", "canonical",
                  ("relations.csv", "predicate")),
    "events": ("events by type",
               "SELECT ?k (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a kg:Event ; kg:eventType ?k } GROUP BY ?k",
               "MATCH (e:Event) RETURN e.eventType, count(e)", "canonical", ("events.csv", "eventType")),
    "transcripts": ("transcripts by modality",
                    ("SELECT ?k (COUNT(DISTINCT ?t) AS ?n) WHERE { ?t a kg:Transcript ; prov:wasDerivedFrom ?s . "
                     "OPTIONAL { ?t kg:modality ?tm } OPTIONAL { ?s kg:modality ?sm } BIND(COALESCE(?tm, ?sm) AS ?k) } "
                     "GROUP BY ?k"),
                    "MATCH (t:Transcript) RETURN t.modality, count(t)", "canonical", ("transcripts.csv", "modality")),
    "members": ("entities by type (member entities)",
                "SELECT ?k (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a kg:Entity ; kg:entityType ?k } GROUP BY ?k",
                "MATCH (e:Entity) RETURN e.entityType, count(e)", "members", ("entities.csv", "entityType")),
    "same_as": ("links fusion accepted (SAME_AS)",
                "SELECT ?k (COUNT(*) AS ?n) WHERE { ?a kg:sameAs ?b BIND('SAME_AS' AS ?k) } GROUP BY ?k",
                "MATCH (:Entity)-[e:SAME_AS]->(:Entity) RETURN 'SAME_AS', count(e)", "members", ("same_as.csv", ":TYPE")),
}


def edge(a: str, b: str, k: str, mentions: bool = True) -> str:
    """An undirected edge of the property graph in SPARQL: a relation between two entities,
    or (with `mentions`) an entity mentioned in a source."""
    out = (f"{{ ?r{k} a kg:Relation ; kg:subject {a} ; kg:object {b} }} UNION "
           f"{{ ?r{k} a kg:Relation ; kg:subject {b} ; kg:object {a} }}")
    if mentions:
        out += (f" UNION {{ ?m{k} kg:refersTo {a} ; prov:wasDerivedFrom {b} . {b} a kg:Source }}"
                f" UNION {{ ?m{k} kg:refersTo {b} ; prov:wasDerivedFrom {a} . {a} a kg:Source }}")
    return out


def two_hops(x: str, mentions: bool) -> str:
    typed = "" if mentions else " ?n a kg:Entity . ?b a kg:Entity ."
    return (f"SELECT DISTINCT ?n WHERE {{ {{ {edge(x, '?n', '1', mentions)} }} UNION "
            f"{{ {{ {edge(x, '?b', '2', mentions)} }} {{ {edge('?b', '?n', '3', mentions)} }}{typed} }} "
            f"FILTER(?n != {x}) }}")


def relations_of(x: str) -> str:
    return (f"SELECT ?r ?s ?p ?o WHERE {{ ?r a kg:Relation ; kg:subject ?s ; kg:predicate ?p ; kg:object ?o . "
            f"FILTER(?s = {x} || ?o = {x}) }}")


CANONICAL_OF = "SELECT ?a ?c WHERE { ?a kg:canonical ?c }"
RELATIONS = "SELECT ?r ?s ?o WHERE { ?r a kg:Relation ; kg:subject ?s ; kg:object ?o }"
# On the member graph: relation and MENTIONED_IN edges between entities and sources (no SAME_AS, no events).
CYPHER = {
    "hops": "MATCH (x:Entity {iri: $x})-[r]-(n) WHERE (n:Entity OR n:Source) AND type(r) <> 'SAME_AS' "
            "RETURN DISTINCT n.iri UNION "
            "MATCH (x:Entity {iri: $x})-[r1]-(b)-[r2]-(n) WHERE (b:Entity OR b:Source) AND (n:Entity OR n:Source) "
            "AND type(r1) <> 'SAME_AS' AND type(r2) <> 'SAME_AS' AND n.iri <> $x RETURN DISTINCT n.iri",
    "hops_relations": "MATCH (x:Entity {iri: $x})-[r]-(n:Entity) WHERE r.predicate IS NOT NULL AND n.iri <> $x "
                      "RETURN DISTINCT n.iri UNION MATCH (x:Entity {iri: $x})-[r1]-(:Entity)-[r2]-(n:Entity) "
                      "WHERE r1.predicate IS NOT NULL AND r2.predicate IS NOT NULL AND n.iri <> $x RETURN DISTINCT n.iri",
    "relations_of": "MATCH (a:Entity)-[e]->(b:Entity) WHERE (a.iri = $x OR b.iri = $x) AND e.predicate IS NOT NULL "
                    "RETURN e.iri, a.iri, e.predicate, b.iri",
    "canonical_relations": "MATCH (a:Entity)-[e]->(b:Entity) WHERE (a.iri = $x OR b.iri = $x) "
                           "AND e.predicate IS NOT NULL RETURN e.iri",
}


@pytest.fixture(scope="module")
def own_virtuoso(tmp_path_factory):
    """A Virtuoso of its own: the union-graph answers must not see other tests' graphs."""
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso-parity")) as server:
        yield server


def test_store_virtuoso_falkordb_and_neo4j_csv_give_the_same_answers(sample_store, own_virtuoso, falkordb_url,
                                                                     tmp_path):
    from falkordb import FalkorDB

    state = tmp_path / "state.sqlite"
    proc = run_cli("push", "--store", sample_store, "--to", own_virtuoso.gsp, "--user", "dba", "--password", "dba",
                   "--state", state)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    db = FalkorDB(host="127.0.0.1", port=urlsplit(falkordb_url).port)
    graphs, csv = {}, {}
    for mode in ("canonical", "members"):
        proc = run_cli("push", "--store", sample_store, "--to", f"{falkordb_url}/parity-{mode}", "--entities", mode,
                       "--state", state)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        graphs[mode] = db.select_graph(f"parity-{mode}")
        proc = run_cli("export", "--store", sample_store, "--format", "neo4j-csv", "--entities", mode,
                       "--out", tmp_path / mode)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        csv[mode] = check_import_folder(tmp_path / mode)

    kg = KGStore(sample_store, read_only=True)

    def cypher(mode: str, query: str, **params) -> list[tuple]:
        return [tuple(row) for row in graphs[mode].query(query, params).result_set]

    answers = {}  # question -> (embedded, virtuoso, falkordb, neo4j-csv or None)
    for name, (_, sparql, query, mode, (file, column)) in QUESTIONS.items():
        here = Counter({r["k"]: int(r["n"]) for r in kg.rows(sparql)})
        there = Counter({r["k"]: int(r["n"]) for r in own_virtuoso.select(sparql)})
        falkor = Counter({k: int(n) for k, n in cypher(mode, query)})
        records = csv[mode]["nodes"].get(file) or csv[mode]["relationships"][file]
        answers[name] = (here, there, falkor, Counter(r[column] for r in records))

    # The entity with the most relations: the busiest neighbourhood is the strictest test.
    x, label = next((r["e"], r["label"]) for r in kg.rows(
        """SELECT ?e ?label (COUNT(DISTINCT ?r) AS ?n) WHERE { ?e a kg:Entity ; rdfs:label ?label . ?r a kg:Relation .
           { ?r kg:subject ?e } UNION { ?r kg:object ?e } } GROUP BY ?e ?label ORDER BY DESC(?n) ?e LIMIT 1"""))
    term = f"<{x}>"
    for name, sparql in (("hops", two_hops(term, True)), ("hops_relations", two_hops(term, False))):
        answers[name] = ({r["n"] for r in kg.rows(sparql)}, {r["n"] for r in own_virtuoso.select(sparql)},
                         {n for (n,) in cypher("members", CYPHER[name], x=x)}, None)
    answers["relations_of"] = (
        Counter((r["r"], r["s"], r["p"], r["o"]) for r in kg.rows(relations_of(term))),
        Counter((r["r"], r["s"], r["p"], r["o"]) for r in own_virtuoso.select(relations_of(term))),
        Counter(cypher("members", CYPHER["relations_of"], x=x)), None)

    # The relations drawn on a canonical entity: those of every member, read through kg:canonical. For x,
    # and for the fused entity (most members) with the most relations.
    def on_canonical(c: str, canon_rows, relation_rows) -> set[str]:
        canon = {r["a"]: r["c"] for r in canon_rows}
        return {r["r"] for r in relation_rows if c in (canon.get(r["s"], r["s"]), canon.get(r["o"], r["o"]))}

    canonical_of = {r["a"]: r["c"] for r in kg.rows(CANONICAL_OF)}
    sizes = Counter(canonical_of.values())
    busy = Counter(c for r in kg.rows(RELATIONS) for c in {canonical_of.get(r["s"], r["s"]), canonical_of.get(r["o"], r["o"])})
    fused = max((c for c, n in sizes.items() if n > 1), key=lambda c: (sizes[c], busy[c], c))
    fused_label = next(r["l"] for r in kg.rows(f"SELECT ?l WHERE {{ <{fused}> rdfs:label ?l }}"))
    for name, c in (("canonical_relations", canonical_of.get(x, x)), ("fused_relations", fused)):
        answers[name] = (
            on_canonical(c, kg.rows(CANONICAL_OF), kg.rows(RELATIONS)),
            on_canonical(c, own_virtuoso.select(CANONICAL_OF), own_virtuoso.select(RELATIONS)),
            {r for (r,) in cypher("canonical", CYPHER["canonical_relations"], x=c)},
            {r["iri"] for r in csv["canonical"]["relationships"]["relations.csv"]
             if c in (r[":START_ID"][1], r[":END_ID"][1])})
    fused_members = {r["iri"] for r in csv["canonical"]["nodes"]["entities.csv"] if r["iri"] == fused}
    assert fused_members, "the fused entity is one node of the canonical CSV"

    triples = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), 'https://w3id.org/kgbuild/')) } GROUP BY ?g"
    named = ({r["g"]: int(r["n"]) for r in kg.rows(triples)}, {r["g"]: int(r["n"]) for r in own_virtuoso.select(triples)})

    def size(v) -> str:
        if v is None:
            return "–"
        if isinstance(v, Counter):
            return f"{sum(v.values())} ({len(v)} {'kinds' if len(v) > 1 else 'kind'})" \
                if v and not isinstance(next(iter(v)), tuple) else f"{sum(v.values())} relations"
        return f"{len(v)}"

    titles = {name: q[0] for name, q in QUESTIONS.items()}
    titles.update(hops=f"2-hop neighbourhood of {label}, relation and mention edges (member entities)",
                  hops_relations=f"2-hop neighbourhood of {label}, relations only (member entities)",
                  relations_of=f"relations of {label} (member entities)",
                  canonical_relations=f"relations drawn on {label}'s canonical entity",
                  fused_relations=f"relations drawn on {fused_label} ({sizes[fused]} entities fused into one)")
    lines = ["| question | embedded store (SPARQL) | Virtuoso (SPARQL) | FalkorDB (Cypher) | neo4j-csv | same |",
             "|---|---|---|---|---|---|"]
    for name, (a, b, c, d) in answers.items():
        same = a == b == c and (d is None or d == a)
        lines.append(f"| {titles[name]} | {size(a)} | {size(b)} | {size(c)} | {size(d)} | {'yes' if same else 'NO'} |")
    lines.append(f"| triples per named graph | {len(named[0])} graphs, {sum(named[0].values())} triples | "
                 f"{len(named[1])} graphs, {sum(named[1].values())} triples | (property graph) | – | "
                 f"{'yes' if named[0] == named[1] else 'NO'} |")
    for name, column in (("canonical", "canonical entity type"), ("relations", "relation predicate"),
                         ("events", "event type")):
        lines += ["", f"| {column} | embedded store | Virtuoso | FalkorDB | neo4j-csv |", "|---|---|---|---|---|"]
        first = answers[name][0]
        for k in sorted(first, key=lambda k: (-first[k], k)):
            short = k.rsplit("#", 1)[-1].rsplit("/", 1)[-1] if name == "relations" else k
            lines.append(f"| {short} | " + " | ".join(str(v.get(k, 0)) for v in answers[name]) + " |")
    out = REPO / "test-artifacts" / "push-parity.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")

    assert len(answers["canonical"][0]) > 3 and len(answers["relations"][0]) > 3 and len(answers["events"][0]) > 1
    assert sum(answers["members"][0].values()) > sum(answers["canonical"][0].values()), "the sample has fused entities"
    assert len(answers["relations_of"][0]) > 3 and len(answers["hops_relations"][0]) > 3
    for name, (embedded, virtuoso, falkordb, files) in answers.items():
        assert embedded == virtuoso, f"{name}: Virtuoso differs from the embedded store"
        assert embedded == falkordb, f"{name}: FalkorDB differs from the embedded store"
        assert files is None or embedded == files, f"{name}: the neo4j-csv files differ from the embedded store"
    assert named[0] == named[1]
