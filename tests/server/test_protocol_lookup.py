"""On a small store of two sources: the SPARQL Protocol's dataset parameters
(default-graph-uri, named-graph-uri) by GET and POST, FROM in a query, 406 before any
evaluation, and the forgiving entity look-ups of /api/search, /api/path and /api/entity."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kgbuild.datamodel import CharSpan, Entity, Item, Mention, Provenance, Relation, Source
from kgbuild.ids import FUSION_GRAPH, NS, mint
from kgbuild.store import KGStore
from kgbuild.store.rdf import entity_quads, source_quads

JSON = {"Accept": "application/sparql-results+json"}
LABELS = "SELECT DISTINCT ?l WHERE { ?m kg:text ?l } ORDER BY ?l"


def ent(label: str, etype: str = "PERSON") -> Entity:
    return Entity(mint("entity", etype, label.lower()), label, etype)


JANE, ADA, ANNA, KOWAL = ent("Jane Q. Smith"), ent("Ada Lovelace"), ent("Anna Kowalczyk"), ent("Kowalchuk")
JOHN, CAT_OBJ, CAT_ORG = ent("John Smith"), ent("cat", "OBJECT"), ent("Cat", "ORG")
SOURCES: dict[str, str] = {}


def write_doc(store: KGStore, name: str, text: str, entities: list[Entity], relations=()) -> str:
    src = Source(path=None, relpath=name, sha256=mint("sha", name)[-32:] * 2, size=1, media_type="text/plain",
                 modality="text")
    mentions = {}
    for e in entities:
        at = text.index(e.label)
        mentions[e.iri] = Mention(e.label, e.entity_type, "text",
                                  Provenance(src.iri, (CharSpan(at, at + len(e.label)),), "ner"), entity=e.iri)
    rels = [Relation(s.iri, NS + p, o.iri, (mentions[s.iri].iri, mentions[o.iri].iri), "test", 0.9)
            for s, o, p in relations]
    item = Item(src, mentions=list(mentions.values()), relations=rels, entities={e.iri: e for e in entities})
    store.replace_graph(src.iri, source_quads(item, pipeline="t", pipeline_fingerprint="f", paths=[name]))
    store.add(entity_quads(entities))
    return src.iri


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from fastapi.testclient import TestClient

    from kgbuild.server.app import create_app

    path = tmp_path_factory.mktemp("lookup") / "kg"
    kg = KGStore(path)
    SOURCES["a"] = write_doc(kg, "a.txt", "Jane Q. Smith met Ada Lovelace and John Smith.", [JANE, ADA, JOHN],
                             [(JANE, ADA, "knows")])
    SOURCES["b"] = write_doc(kg, "b.txt", "Anna Kowalczyk saw the cat and Cat.", [ANNA, CAT_OBJ, CAT_ORG])
    SOURCES["c"] = write_doc(kg, "c.txt", "Kowalchuk knows Ada Lovelace.", [KOWAL, ADA], [(KOWAL, ADA, "knows")])
    g = ox.NamedNode(FUSION_GRAPH)
    kg.add([ox.Quad(ox.NamedNode(m.iri), ox.NamedNode(NS + "canonical"), ox.NamedNode(ANNA.iri), g) for m in (ANNA, KOWAL)]
           + [ox.Quad(ox.NamedNode(ANNA.iri), ox.NamedNode(NS + "alias"), ox.Literal("Kowalchuk"), g)])
    kg.close()
    with TestClient(create_app(path), base_url="http://127.0.0.1") as c:
        yield c


def labels(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [b["l"]["value"] for b in response.json()["results"]["bindings"]]


def test_default_graph_uri_by_get_and_post(client):
    everything = labels(client.get("/sparql", params={"query": LABELS}, headers=JSON))
    assert {"Jane Q. Smith", "Anna Kowalczyk", "Kowalchuk"} <= set(everything)
    only_a = labels(client.get("/sparql", params={"query": LABELS, "default-graph-uri": SOURCES["a"]}, headers=JSON))
    assert only_a == ["Ada Lovelace", "Jane Q. Smith", "John Smith"]
    a_and_b = labels(client.get("/sparql", params=[("query", LABELS), ("default-graph-uri", SOURCES["a"]),
                                                   ("default-graph-uri", SOURCES["b"])], headers=JSON))
    assert "Anna Kowalczyk" in a_and_b and "Kowalchuk" not in a_and_b
    form = labels(client.post("/sparql", data={"query": LABELS, "default-graph-uri": SOURCES["b"]}, headers=JSON))
    assert form == ["Anna Kowalczyk", "Cat", "cat"]
    direct = labels(client.post("/sparql", params={"default-graph-uri": SOURCES["c"]}, content=LABELS,
                                headers={**JSON, "Content-Type": "application/sparql-query"}))
    assert direct == ["Ada Lovelace", "Kowalchuk"]


def test_named_graph_uri_and_from(client):
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?m kg:text ?l } }"
    found = client.get("/sparql", params={"query": query, "named-graph-uri": SOURCES["c"]}, headers=JSON)
    assert [b["g"]["value"] for b in found.json()["results"]["bindings"]] == [SOURCES["c"]]
    # only named graphs given: the default graph is empty (Protocol 2.1.4)
    assert labels(client.get("/sparql", params={"query": LABELS, "named-graph-uri": SOURCES["c"]}, headers=JSON)) == []
    # the query's own FROM is honoured; the protocol's parameters override it
    from_a = LABELS.replace("WHERE", f"FROM <{SOURCES['a']}> WHERE")
    assert labels(client.get("/sparql", params={"query": from_a}, headers=JSON)) == ["Ada Lovelace", "Jane Q. Smith",
                                                                                      "John Smith"]
    assert labels(client.get("/sparql", params={"query": from_a, "default-graph-uri": SOURCES["c"]},
                             headers=JSON)) == ["Ada Lovelace", "Kowalchuk"]
    bad = client.get("/sparql", params={"query": LABELS, "default-graph-uri": "not an iri"}, headers=JSON)
    assert bad.status_code == 400 and "default-graph-uri" in bad.text


def test_not_acceptable_is_decided_before_evaluating():
    from kgbuild.server.query_worker import evaluate

    class Store:
        def query(self, *args, **kwargs):
            raise AssertionError("evaluated although no result type was acceptable")

    job = {"query": "SELECT * WHERE { ?s ?p ?o }", "accept": "text/turtle", "max_rows": 10, "max_bytes": 1000}
    header, body = evaluate(Store(), job)
    assert header["status"] == 406 and body == b""
    header, _ = evaluate(Store(), {**job, "query": "# SELECT\nCONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
                                   "accept": "application/sparql-results+json"})
    assert header["status"] == 406


def test_unknown_prefix_names_it(client):
    response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s dbo:birthPlace ?o }"}, headers=JSON)
    assert response.status_code == 400
    assert "unknown prefix 'dbo:'" in response.text and "schema:" in response.text and "u{" not in response.text


def test_search_forgives(client):
    found = client.get("/api/search", params={"q": "Jane Smith"}).json()
    assert found[0]["iri"] == JANE.iri and found[0]["match"] == "words"
    misheard = client.get("/api/search", params={"q": "Kovalchuk"}).json()
    assert misheard[0]["iri"] == ANNA.iri and misheard[0]["matched"] == "Kowalchuk"
    typing = client.get("/api/search", params={"q": "lovel"}).json()
    assert typing[0]["label"] == "Ada Lovelace"
    typed = client.get("/api/search", params={"q": "cat", "type": "ORG"}).json()
    assert [c["iri"] for c in typed] == [CAT_ORG.iri]


def test_path_neighbors_and_entity_take_names(client):
    hops = client.get("/api/path", params={"a": "Dr. Jane Smith", "b": "Kovalchuk"}).json()
    assert hops and hops[0][0]["from"]["iri"] == JANE.iri and hops[0][-1]["to"]["iri"] == ANNA.iri
    assert client.get("/api/neighbors", params={"entity": "Lovelace, Ada"}).json()["center"]["iri"] == ADA.iri
    ambiguous = client.get("/api/entity", params={"iri": "cat"})
    assert ambiguous.status_code == 409
    detail = ambiguous.json()["detail"]
    assert {c["iri"] for c in detail["candidates"]} == {CAT_OBJ.iri, CAT_ORG.iri} and "E409" in detail["message"]
    missing = client.get("/api/neighbors", params={"entity": "Ada Loveless-Byron"})
    assert missing.status_code == 404 and "did you mean" in missing.text and "Ada Lovelace" in missing.text
