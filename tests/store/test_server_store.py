"""The server store (a SPARQL server as the store) answers as the embedded one: the same
result types, writes by graph, paths, export. Against a real Virtuoso started on loopback by
scripts/virtuoso-server.sh; skips when Virtuoso is not installed (`make servers`)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from helpers import free_port
from kgbuild.errors import QueryError, ServerStoreUnavailable, StoreError
from kgbuild.ids import ID_BASE
from kgbuild.store import KGStore
from kgbuild.store.open import open_store, writer_for
from kgbuild.store.server_store import ServerStore
from push_servers import virtuoso_server

KG = "https://w3id.org/kgbuild/ns#"


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


def url(server, credentials: str = "dba:dba@") -> str:
    return server.base.replace("http://", f"http://{credentials}") + "/sparql"


def quads(graph: str, n: int, tag: str = "v") -> list[ox.Quad]:
    g = ox.NamedNode(graph)
    return [ox.Quad(g, ox.NamedNode(KG + "path"), ox.Literal(f"{tag}{i}.txt"), g) for i in range(n)] + [
        ox.Quad(ox.NamedNode(graph + "#m"), ox.NamedNode(KG + "confidence"),
                ox.Literal("0.5", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")), g),
        ox.Quad(ox.NamedNode(graph + "#m"), ox.NamedNode(KG + "inferred"),
                ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")), g),
        ox.Quad(ox.NamedNode(graph + "#m"), ox.NamedNode(KG + "text"), ox.Literal("Zoë said \"hi\"\n"), g)]


def test_a_server_store_reads_and_writes_like_the_embedded_one(virtuoso, tmp_path):
    server = open_store(url(virtuoso), state_dir=tmp_path / "state")
    local = open_store(tmp_path / "kg")
    assert isinstance(server, ServerStore) and isinstance(local, KGStore)
    a, b = ID_BASE + "test/a", ID_BASE + "test/b"
    for store in (server, local):
        store.replace_graph(a, quads(a, 3))
        store.replace_graph(a, quads(a, 2, "w"))  # replaced whole, not merged
        store.add(quads(b, 4))
        store.remove(quads(b, 4)[:1])
        store.remove_path(a, "w0.txt")
    for store in (server, local):
        assert store.named_graphs() == [a, b] and len(store) == 10
        assert store.has_graph(b) and not store.has_graph(ID_BASE + "test/none")
        rows = sorted((r["p"], r["n"]) for r in store.rows(
            f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ GRAPH <{b}> {{ ?s kg:path ?p }} }} GROUP BY ?p"))
        assert rows == [("v1.txt", "1"), ("v2.txt", "1"), ("v3.txt", "1")]
        assert bool(store.query("ASK { ?m kg:text ?t FILTER(CONTAINS(?t, 'Zoë')) }"))
        triples = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{a}> {{ ?s ?p ?o }} }}")
        assert isinstance(triples, ox.QueryTriples) and len(list(triples)) == 4
    assert set(server.graph_quads(a)) == set(local._store.quads_for_pattern(None, None, None, ox.NamedNode(a)))
    server.remove_path(a, "w1.txt")  # its last path: the source goes
    assert server.named_graphs() == [b]
    server.export("nquads", tmp_path / "server.nq")
    local.remove_path(a, "w1.txt")
    local.export("nquads", tmp_path / "local.nq")
    assert sorted((tmp_path / "server.nq").read_text().splitlines()) == sorted(
        (tmp_path / "local.nq").read_text().splitlines())
    server.drop_graph(b)
    server.drop_graph(b)  # gone already: fine
    assert server.named_graphs() == [] and len(server) == 0
    server.close()
    local.close()


def test_the_writer_of_a_server_store_writes_graphs_in_parallel(virtuoso, tmp_path):
    from kgbuild.store.ingest_state import IngestState
    from store.test_bulk_writer import source

    server = open_store(url(virtuoso), state_dir=tmp_path / "state")
    state = IngestState(server.state_path)
    writer = writer_for(server, state, writers=3)
    assert writer.writers == 3  # type: ignore[attr-defined]  # the GraphStoreWriter's pool
    batch = [source(n, quads=7, version="srv") for n in range(500, 506)]
    writer.write(batch)
    writer.close()
    assert {g: len(server.graph_quads(g)) for g in (w.graph for w in batch)} == {w.graph: 7 for w in batch}
    assert set(state.sources()) == {w.mark.sha256 for w in batch}
    for w in batch:
        server.drop_graph(w.graph)
    state.close()


def test_errors_name_the_problem(virtuoso, tmp_path):
    server = open_store(url(virtuoso), state_dir=tmp_path / "state")
    with pytest.raises(QueryError):
        server.query("SELECT ?x WHERE { ?x ?y }")
    anonymous = open_store(url(virtuoso, ""), read_only=True, state_dir=tmp_path / "state")
    assert len(anonymous) >= 0  # reading needs no credentials
    with pytest.raises(StoreError):
        anonymous.drop_graph(ID_BASE + "test/a")  # opened read-only
    writable = ServerStore(url(virtuoso, "dba:wrong@"), tmp_path / "state")
    with pytest.raises(ServerStoreUnavailable) as err:
        writable.add(quads(ID_BASE + "test/c", 1))
    assert err.value.code == "E413" and "401" in str(err.value) and "wrong" not in str(err.value)
    down = ServerStore(f"http://127.0.0.1:{free_port()}/sparql", tmp_path / "state")
    with pytest.raises(ServerStoreUnavailable):
        len(down)
    with pytest.raises(StoreError):
        ServerStore("http://127.0.0.1:1/query", tmp_path / "state")  # not Virtuoso's layout, no endpoints given
