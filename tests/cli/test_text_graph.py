"""What the text stages leave in the graph of data/sample (built once by the default pipeline)."""

import json

from helpers import run_cli


def rows(store, sparql):
    proc = run_cli("query", "--store", store, "--format", "json", sparql, check=True)
    return [{k: v["value"] for k, v in row.items()} for row in json.loads(proc.stdout)["results"]["bindings"]]


def test_trained_relations_with_provenance(sample_store):
    found = rows(sample_store, """SELECT ?r ?s ?p ?o ?c ?x (COUNT(?m) AS ?n) WHERE {
        ?r a kg:Relation ; kg:subject ?se ; kg:predicate ?pi ; kg:object ?oe ; kg:confidence ?c ; kg:extractor ?x ;
           kg:evidence ?m .
        ?se rdfs:label ?s . ?oe rdfs:label ?o . FILTER EXISTS { ?se ?pi ?oe }
        FILTER(STRSTARTS(?x, "relations/")) BIND(STRAFTER(STR(?pi), "#") AS ?p) } GROUP BY ?r ?s ?p ?o ?c ?x""")
    triples = {(r["s"], r["p"], r["o"]) for r in found}
    assert ("Sarah Whitfield", "worksFor", "Northwind Aerospace") in triples
    assert ("Daniel Harper", "worksFor", "Northwind Aerospace") in triples
    assert {p for _, p, _ in triples} <= {"worksFor", "killed", "basedIn", "livesIn", "locatedIn"}
    assert all(int(r["n"]) == 2 and 0.5 <= float(r["c"]) <= 1 for r in found)


def test_open_relations_stay_in_their_namespace(sample_store):
    found = rows(sample_store, """SELECT ?p ?x WHERE { ?r a kg:Relation ; kg:predicate ?p ; kg:extractor ?x .
        FILTER(STRSTARTS(STR(?p), "https://w3id.org/kgbuild/open#")) }""")
    assert found and {r["x"] for r in found} == {"open_relations"}


def test_events_with_roles_and_typed_dates(sample_store):
    found = rows(sample_store, """SELECT ?type ?trigger ?role ?filler ?value WHERE {
        ?ev a kg:Event ; kg:eventType ?type ; kg:trigger ?t ; kg:argument ?a .
        ?t kg:text ?trigger ; kg:label "EVENT_TRIGGER" .
        ?a kg:role ?role ; kg:filler ?f .
        OPTIONAL { ?f rdfs:label ?l } OPTIONAL { ?f kg:value ?value }
        BIND(COALESCE(?l, STR(?f)) AS ?filler) }""")
    got = {(r["type"], r["trigger"], r["role"], r["filler"]) for r in found}
    assert ("Life.Die", "died", "patient", "Richard Moreno") in got
    assert ("Life.Die", "died", "place", "Denver") in got
    assert ("Life.Marry", "married", "person", "Helen Park") in got
    dates = {r["value"] for r in found if r["role"] == "time" and r.get("value")}
    assert "2021-01-14" in dates
