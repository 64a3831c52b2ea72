"""The SPARQL endpoint, exercised by real clients (SPARQLWrapper, curl) over loopback."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time

import pytest

from helpers import start_server

TOKEN = "s3cret-test-token"


@pytest.fixture(scope="module")
def server(sample_store):
    proc, url = start_server(sample_store, "--timeout", "2", "--max-rows", "500")
    yield url
    proc.terminate()
    proc.wait(10)


def curl(*args: str) -> tuple[int, str, str]:
    """(HTTP status, content type, body)"""
    out = subprocess.run(["curl", "-s", "-w", "\n%{http_code} %{content_type}", *args], capture_output=True, text=True, check=True)
    body, _, tail = out.stdout.rpartition("\n")
    status, _, ctype = tail.partition(" ")
    return int(status), ctype, body


COUNT_BY_MODALITY = "SELECT ?modality (COUNT(?m) AS ?n) WHERE { ?m kg:modality ?modality } GROUP BY ?modality ORDER BY ?modality"


def test_sparqlwrapper_get_and_post_json(server):
    from SPARQLWrapper import JSON, POST, SPARQLWrapper

    for method in ("GET", POST):
        client = SPARQLWrapper(server + "/sparql")
        client.setMethod(method)
        client.setReturnFormat(JSON)
        client.setQuery("PREFIX kg: <https://w3id.org/kgbuild/ns#>\n" + COUNT_BY_MODALITY)
        rows = client.query().convert()["results"]["bindings"]
        assert [r["modality"]["value"] for r in rows] == ["document", "image", "ocr", "speech", "text"]
        assert all(int(r["n"]["value"]) > 0 for r in rows)


def test_sparqlwrapper_construct_as_turtle(server):
    import rdflib
    from SPARQLWrapper import TURTLE, SPARQLWrapper

    client = SPARQLWrapper(server + "/sparql")
    client.setReturnFormat(TURTLE)
    client.setQuery("CONSTRUCT { ?e rdfs:label ?l } WHERE { ?e a schema:Person ; rdfs:label ?l }")
    graph = rdflib.Graph().parse(data=client.query().convert(), format="turtle")
    assert rdflib.Literal("Eileen Collins") in set(graph.objects())


@pytest.mark.parametrize("accept,ctype,check", [
    ("application/sparql-results+json", "application/sparql-results+json", lambda b: json.loads(b)["head"]["vars"] == ["modality", "n"]),
    ("application/sparql-results+xml", "application/sparql-results+xml", lambda b: "<variable name=\"modality\"/>" in b),
    ("text/csv", "text/csv", lambda b: b.splitlines()[0] == "modality,n"),
    ("text/tab-separated-values", "text/tab-separated-values", lambda b: b.splitlines()[0] == "?modality\t?n"),
    ("text/html;q=0.9, text/csv;q=0.5", "text/csv", lambda b: "speech" in b),
])
def test_curl_content_negotiation(server, accept, ctype, check):
    status, got, body = curl("-H", f"Accept: {accept}", "--data-urlencode", f"query={COUNT_BY_MODALITY}", server + "/sparql")
    assert status == 200 and got.startswith(ctype) and check(body)


def test_curl_post_sparql_query_body_and_graph_formats(server):
    q = "CONSTRUCT { ?m kg:text ?t } WHERE { ?m kg:modality \"image\" ; kg:text ?t }"
    status, ctype, body = curl("-H", "Content-Type: application/sparql-query", "-H", "Accept: application/n-triples",
                               "--data-binary", q, server + "/sparql")
    assert status == 200 and ctype.startswith("application/n-triples") and '"person"' in body
    status, ctype, body = curl("-H", "Accept: application/ld+json", "--data-urlencode", f"query={q}", server + "/sparql")
    assert status == 200 and ctype.startswith("application/ld+json") and "person" in body
    json.loads(body)


def test_errors_are_clear(server):
    status, _, body = curl("--data-urlencode", "query=SELECT ?x WHERE { ?x a }", server + "/sparql")
    assert status == 400 and "syntax" in body.lower()
    status, _, body = curl(server + "/sparql")
    assert status == 400 and "query" in body
    status, _, body = curl("-H", "Accept: image/png", "--data-urlencode", f"query={COUNT_BY_MODALITY}", server + "/sparql")
    assert status == 406
    status, _, body = curl("--data-urlencode", "query=SELECT * WHERE { ?s ?p ?o }", server + "/sparql")
    assert status == 413 and "500 rows" in body
    status, _, body = curl("--data-urlencode", "update=INSERT DATA { <urn:a> <urn:b> <urn:c> }", server + "/sparql")
    assert status == 403 and "read-only" in body


def test_timeout_and_concurrency(server):
    """A query past --timeout is stopped (503); meanwhile another client's query is answered.
    Run one at a time, the fast query would wait for the slow one's 2 s: the slow one must
    still be running when the fast answer arrives."""
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    # Another client: the server shares its workers per client address (a client may hold
    # all but one of them), and trusts X-Forwarded-For from loopback, as behind a proxy.
    other = ("-H", "X-Forwarded-For: 203.0.113.7")
    results = {}

    def run(name, query, *extra):
        started = time.monotonic()
        results[name] = (curl(*extra, "--data-urlencode", f"query={query}", server + "/sparql")[0],
                         time.monotonic() - started)

    run("warm", COUNT_BY_MODALITY, *other)  # the workers start on first use: not part of what is timed
    assert results["warm"][0] == 200
    heavy = threading.Thread(target=run, args=("slow", slow))
    heavy.start()
    time.sleep(0.5)  # the slow query is in a worker by now
    run("fast", COUNT_BY_MODALITY, *other)
    assert results["fast"][0] == 200
    assert heavy.is_alive() and "slow" not in results, "the fast query waited for the slow one"
    heavy.join(30)
    assert results["slow"][0] == 503 and results["slow"][1] >= 2


def test_update_needs_flag_and_token(sample_store, tmp_path):
    store = tmp_path / "rw"
    shutil.copytree(sample_store, store)
    proc, url = start_server(store, "--allow-update", "--token", TOKEN)
    try:
        update = "INSERT DATA { GRAPH <urn:g> { <urn:a> rdfs:label \"added\" } }"
        assert curl("--data-urlencode", f"update={update}", url + "/sparql")[0] == 401
        status, _, _ = curl("-H", f"Authorization: Bearer {TOKEN}", "-H", "Content-Type: application/sparql-update",
                            "--data-binary", update, url + "/sparql")
        assert status == 204
        _, _, body = curl("--data-urlencode", 'query=ASK { <urn:a> rdfs:label "added" }', url + "/sparql")
        assert json.loads(body)["boolean"] is True
    finally:
        proc.terminate()
        proc.wait(10)


def test_graph_api(server):
    status, _, body = curl(server + "/api/search?q=eileen")
    hits = json.loads(body)
    assert status == 200 and hits[0]["label"] == "Eileen Collins"  # the most-mentioned match first
    assert all("eileen" in h["label"].lower() for h in hits if h["match"] != "fuzzy")  # fuzzy: near spellings
    status, _, body = curl("-G", "--data-urlencode", "a=Sarah Whitfield", "--data-urlencode", "b=Eileen Collins", server + "/api/path")
    hops = json.loads(body)[0]
    assert hops[0]["from"]["label"] == "Sarah Whitfield" and hops[-1]["to"]["label"] == "Eileen Collins"
    assert all(h["sources"] and h["selectors"] for h in hops)
    status, _, body = curl("-G", "--data-urlencode", "entity=Nobody At All", server + "/api/neighbors")
    assert status == 404
    status, _, body = curl(server + "/api/rank?by=degree&top=3")
    assert status == 200 and len(json.loads(body)) == 3
