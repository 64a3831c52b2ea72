"""Parallel writers into a server store (Virtuoso, started by scripts/virtuoso-server.sh on
loopback): every acknowledged source is on the server whole and done in the state; a write
left unfinished is deleted on the server and redone. Skips when Virtuoso is missing."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kgbuild.errors import ServerWriteFailed
from kgbuild.store.gsp_writer import GraphStoreWriter
from kgbuild.store.ingest_state import IngestState
from push_servers import virtuoso_server
from store.test_bulk_writer import KG, source


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


def sizes(server, graphs) -> dict[str, int]:
    values = " ".join(f"<{g}>" for g in graphs)
    rows = server.select(f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g")
    return {r["g"]: int(r["n"]) for r in rows}


def writer_for(server, state, writers=3) -> GraphStoreWriter:
    return GraphStoreWriter(server.gsp, state, writers=writers, user="dba", password="dba")


def test_sources_are_written_in_parallel_and_marked_done(virtuoso, tmp_path):
    state = IngestState(tmp_path / "state.sqlite")
    writer = writer_for(virtuoso, state)
    batch = [source(n, quads=25, version="gsp") for n in range(100, 112)]
    entities = ox.NamedNode(KG + "entities-gsp")
    shared = [ox.Quad(ox.NamedNode(f"{KG}e{i}"), ox.NamedNode(KG + "label"), ox.Literal(f"E{i}"), entities)
              for i in range(5)]
    writer.write(batch, shared)
    writer.write(batch[:2], shared)  # written again: replaced, not doubled; the entities stay 5
    writer.close()
    assert sizes(virtuoso, [w.graph for w in batch]) == {w.graph: 25 for w in batch}
    assert sizes(virtuoso, [entities.value]) == {entities.value: 5}
    assert set(state.sources()) == {w.mark.sha256 for w in batch} and state.unfinished_writes() == {}


def test_an_unfinished_write_is_deleted_on_the_server_and_forgotten(virtuoso, tmp_path):
    state = IngestState(tmp_path / "state.sqlite")
    writer = writer_for(virtuoso, state)
    done, cut = source(200, quads=10, version="gsp"), source(201, quads=10, version="gsp")
    writer.write([done])
    # What a kill between the PUT and the done mark leaves: the graph on the server, still "writing".
    state.begin_writing({cut.mark.sha256: cut.graph})
    writer._send("PUT", cut.graph, b"<https://kgbuild.org/test#x> <https://kgbuild.org/test#p> \"half\" .\n")
    assert sizes(virtuoso, [cut.graph]) == {cut.graph: 1}
    assert writer.repair() == [cut.mark.sha256]
    assert sizes(virtuoso, [done.graph, cut.graph]) == {done.graph: 10}
    assert set(state.sources()) == {done.mark.sha256} and state.unfinished_writes() == {}
    writer.close()


def test_a_refused_write_leaves_its_sources_unfinished(virtuoso, tmp_path):
    state = IngestState(tmp_path / "state.sqlite")
    wrong = GraphStoreWriter(virtuoso.gsp, state, writers=2, user="dba", password="not-the-password")
    batch = [source(300, quads=5), source(301, quads=5)]
    with pytest.raises(ServerWriteFailed) as err:
        wrong.write(batch)
    assert err.value.code == "E412" and "2 of 2" in str(err.value)
    assert state.sources() == {} and set(state.unfinished_writes()) == {w.mark.sha256 for w in batch}
    wrong.close()
