"""Issue 17, item 2: the endpoint fetches no URL for a query (SERVICE) or an update (LOAD)
unless the operator allowed it; SERVICE <file:...> is a 400, not a 500.

Before: pyoxigraph fetched ``SERVICE <http://127.0.0.1:PORT/anything>`` and relayed the body.
A listener on 127.0.0.1 stands in for the internal service an attacker would aim at.
"""

from __future__ import annotations

import json
import shutil
import time

import pytest

from security.hostile import request

TOKEN = "s3cret-test-token"
EMPTY_RESULTS = b'{"head": {"vars": ["s"]}, "results": {"bindings": []}}'


def service_queries(url: str) -> list[str]:
    host_port = url.removeprefix("http://")
    return [
        f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
        f"select * where {{ service silent <{url}/sparql> {{ ?s ?p ?o }} }}",
        f"PREFIX in: <{url}/> SELECT * WHERE {{ SERVICE in:sparql {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE <\\u0068ttp://{host_port}/sparql> {{ ?s ?p ?o }} }}",  # escapes in the IRI
        f"SELECT * WHERE {{ ?s ?p ?o #\n SERVICE<{url}/sparql>{{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ BIND(<{url}/sparql> AS ?u) SERVICE ?u {{ ?s ?p ?o }} }}",
    ]


def wait_for(listener, seconds: float = 0.5) -> int:
    time.sleep(seconds)
    return len(listener.received)


def test_service_is_never_fetched_by_default(serve, cartesian_store, listener):
    url, _ = serve(cartesian_store)
    for query in service_queries(listener.url):
        status, _, body = request(url, query=query)
        assert status == 400 and b"E407" in body, (query, status, body)
    assert wait_for(listener) == 0, listener.received
    status, _, body = request(url, query="SELECT * WHERE { SERVICE <file:///etc/passwd> { ?s ?p ?o } }")
    assert status == 400 and b"E407" in body and b"root:" not in body
    # The words are harmless where they are not the keyword.
    status, _, _ = request(url, query="SELECT ?service WHERE { ?service <urn:test:SERVICE> ?o "
                                      "FILTER(?o != 'SERVICE <http://x/>') } # SERVICE <http://y/>")
    assert status == 200
    assert json.loads(request(url, "/api")[2])["federation"] == []


def test_allow_list_lets_only_the_listed_endpoint_through(serve, cartesian_store, listener):
    listener.answer = (b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                       b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(EMPTY_RESULTS), EMPTY_RESULTS))
    url, _ = serve(cartesian_store, "--service", f"{listener.url}/sparql")
    status, _, body = request(url, query=f"SELECT * WHERE {{ SERVICE <{listener.url}/sparql> {{ ?s ?p ?o }} }}")
    assert status == 200, body
    assert wait_for(listener, 0.2) == 1 and listener.received[0].startswith(b"POST /sparql ")
    status, _, body = request(url, query=f"SELECT * WHERE {{ SERVICE <{listener.url}/admin> {{ ?s ?p ?o }} }}")
    assert status == 400 and b"not among the allowed endpoints" in body
    assert wait_for(listener) == 1


def test_load_is_refused_when_updates_are_enabled(serve, cartesian_store, listener, tmp_path):
    store = tmp_path / "rw"
    shutil.copytree(cartesian_store, store)
    url, _ = serve(store, "--allow-update", "--token", TOKEN)
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"}
    for update in (f"LOAD <{listener.url}/data.ttl>", f"LOAD SILENT <{listener.url}/data.ttl> INTO GRAPH <urn:g>",
                   f"INSERT {{ <urn:a> <urn:b> ?o }} WHERE {{ SERVICE <{listener.url}/sparql> {{ ?s ?p ?o }} }}"):
        status, _, body = request(url, body=update.encode(), headers=auth)
        assert status == 400 and b"E407" in body, (update, body)
    assert wait_for(listener) == 0
    # An ordinary update still works, and queries see it (the workers reopen the store).
    status, _, _ = request(url, body=b'INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> "added" } }', headers=auth)
    assert status == 204
    assert json.loads(request(url, query='ASK { GRAPH ?g { <urn:a> <urn:b> "added" } }')[2])["boolean"] is True


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { SERVICE <http://a.example/s> { ?s ?p ?o } }",
    "SELECT * WHERE { Service\t<http://a.example/s> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o . SERVICE <http://a.example/s> { ?s ?p ?o } }",
    "PREFIX e: <http://a.example/> SELECT * WHERE { SERVICE e:s { ?s ?p ?o } }",
    "LOAD <http://a.example/data.ttl>",
    "SELECT * WHERE { \\u0053ERVICE <http://a.example/s> { ?s ?p ?o } }",
])
def test_policy_finds_every_spelling(text):
    from kgbuild.errors import QueryRefused
    from kgbuild.server.sparql_policy import check

    with pytest.raises(QueryRefused):
        check(text)
    check(text, services=["http://a.example/s"], loads=["http://a.example/"])


@pytest.mark.parametrize("text", [
    'SELECT * WHERE { ?s <http://x/SERVICE> "LOAD <http://evil/>" }',
    "SELECT ?service ?load WHERE { ?service ?load ?o } # SERVICE <http://evil/>",
    "PREFIX service: <http://x/> SELECT * WHERE { ?s service:load ?o }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o < 3 && ?o > 1) }",
    'SELECT * WHERE { ?s ?p """multi\nline SERVICE <http://evil/> """ }',
])
def test_policy_ignores_strings_iris_and_names(text):
    from kgbuild.server.sparql_policy import check

    check(text)
