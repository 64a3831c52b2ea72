"""`kgbuild push` against real servers: Virtuoso's Graph Store Protocol endpoint and FalkorDB.

Each test pushes its own copy of the sample store with its own state file, so what one test
records never makes another skip work."""

from __future__ import annotations

import shutil

import httpx
import pyoxigraph as ox
import pytest

from helpers import run_cli
from kgbuild.errors import PushError
from kgbuild.export import load_property_graph
from kgbuild.export.property_graph import NODE_KINDS
from kgbuild.export.push import push
from kgbuild.export.push_state import PushState, target_key
from kgbuild.store import KGStore

EXTRA = "urn:kgbuild-test:extra"


class Interrupted(Exception):
    pass


@pytest.fixture
def store(sample_store, tmp_path) -> KGStore:
    path = tmp_path / "store"
    shutil.copytree(sample_store, path)
    return KGStore(path)


def store_counts(kg: KGStore) -> dict[str, int]:
    return {r["g"]: int(r["n"]) for r in kg.rows("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")}


def virtuoso_counts(virtuoso, graphs) -> dict[str, int]:
    values = " ".join(f"<{g}>" for g in graphs)
    rows = virtuoso.select(f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g")
    return {r["g"]: int(r["n"]) for r in rows}


def interrupt_after(n: int):
    """An on_progress callback that kills the push once `n` units have been acknowledged."""
    seen = [0]

    def on_progress(k: int) -> None:
        seen[0] += k
        if seen[0] >= n:
            raise Interrupted()
    return on_progress


def test_target_key_keeps_credentials_out_of_the_state(tmp_path):
    assert target_key("http://dba:secret@127.0.0.1:8890/sparql-graph-crud-auth") == \
        "http://127.0.0.1:8890/sparql-graph-crud-auth"
    state = PushState(tmp_path / "s.sqlite")
    state.record("t", [("a", "h1", 3), ("b", "h2", 1)])
    state.forget("t", ["a"])
    assert state.pushed("t") == {"b": ("h2", 1)} and state.pushed("other") == {}


def test_gsp_push_sends_every_graph_then_only_what_changed(store, virtuoso):
    auth = {"user": "dba", "password": "dba"}
    expected = store_counts(store)
    first = push(store, virtuoso.gsp, batch=300, **auth)
    assert first.sent == len(store.named_graphs()) == len(expected) and first.skipped == 0
    assert first.items == sum(expected.values())
    assert virtuoso_counts(virtuoso, expected) == expected  # every graph whole, batches appended to the first PUT

    again = push(store, virtuoso.gsp, **auth)
    assert (again.sent, again.skipped, again.deleted, again.items) == (0, len(expected), 0, 0)

    extra = ox.NamedNode(EXTRA)
    store.add([ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal(f"v{i}"), extra) for i in range(2)])
    added = push(store, virtuoso.gsp, **auth)
    assert (added.sent, added.skipped, added.items) == (1, len(expected), 2)
    assert virtuoso_counts(virtuoso, [EXTRA]) == {EXTRA: 2}

    store.drop_graph(EXTRA)
    removed = push(store, virtuoso.gsp, **auth)
    assert (removed.sent, removed.deleted) == (0, 1)
    assert virtuoso_counts(virtuoso, [EXTRA]) == {}


def test_gsp_push_resumes_where_it_was_interrupted(store, virtuoso):
    auth = {"user": "dba", "password": "dba"}
    expected = store_counts(store)
    with pytest.raises(Interrupted):
        push(store, virtuoso.gsp, batch=100, on_progress=interrupt_after(sum(expected.values()) // 2), **auth)
    done = PushState(store.path / "push-state.sqlite").pushed(target_key(virtuoso.gsp))
    assert 0 < len(done) < len(expected)
    resumed = push(store, virtuoso.gsp, batch=100, **auth)
    assert (resumed.sent, resumed.skipped) == (len(expected) - len(done), len(done))
    assert virtuoso_counts(virtuoso, expected) == expected


def test_gsp_push_notices_a_target_that_lost_its_graphs(store, virtuoso):
    auth = {"user": "dba", "password": "dba"}
    push(store, virtuoso.gsp, **auth)
    with httpx.Client(auth=httpx.DigestAuth("dba", "dba")) as client:  # as if the server were new
        for g in store.named_graphs():
            assert client.delete(virtuoso.gsp, params={"graph": g}).status_code == 200
    again = push(store, virtuoso.gsp, **auth)
    assert again.reset and again.sent == len(store.named_graphs())
    expected = store_counts(store)
    assert virtuoso_counts(virtuoso, expected) == expected


def test_gsp_push_with_a_wrong_password_fails_with_a_code(sample_store, virtuoso, tmp_path):
    proc = run_cli("push", "--store", sample_store, "--to", virtuoso.gsp, "--user", "dba", "--password", "wrong",
                   "--state", tmp_path / "state.sqlite", "--quiet")
    assert proc.returncode == 2 and "E406" in proc.stderr and "401" in proc.stderr


def falkordb_counts(url: str, graph: str) -> dict[str, int]:
    from urllib.parse import urlsplit

    from falkordb import FalkorDB

    g = FalkorDB(host="127.0.0.1", port=urlsplit(url).port).select_graph(graph)
    one = lambda q: g.query(q).result_set[0][0]  # noqa: E731
    return {"nodes": one("MATCH (n) RETURN count(n)"), "edges": one("MATCH ()-[e]->() RETURN count(e)"),
            "entities": one("MATCH (n:Entity) RETURN count(n)"), "sources": one("MATCH (n:Source) RETURN count(n)"),
            "events": one("MATCH (n:Event) RETURN count(n)"),
            "relations": one("MATCH (:Entity)-[e]->(:Entity) WHERE e.predicate IS NOT NULL RETURN count(e)"),
            "same_as": one("MATCH (:Entity)-[e:SAME_AS]->(:Entity) RETURN count(e)"),
            "mentioned_in": one("MATCH (:Entity)-[e:MENTIONED_IN]->(:Source) RETURN count(e)")}


def pg_counts(kg: KGStore, entities: str = "canonical") -> dict[str, int]:
    c = load_property_graph(kg, entities=entities).counts()
    nodes = sum(c[k.attr] for k in NODE_KINDS)
    return {"nodes": nodes, "edges": sum(c.values()) - nodes, **{k: c[k] for k in (
        "entities", "sources", "events", "relations", "same_as", "mentioned_in")}}


def units(counts: dict[str, int]) -> int:
    return counts["nodes"] + counts["edges"]


def test_falkordb_push_writes_the_property_graph_then_only_what_changed(store, falkordb_url):
    url = falkordb_url + "/changes"
    expected = pg_counts(store)
    first = push(store, url, batch=40)
    assert first.sent == units(expected) and first.target == url
    assert falkordb_counts(url, "changes") == expected
    again = push(store, url)
    assert (again.sent, again.skipped) == (0, first.sent)

    # A source leaves the store: its node and MENTIONED_IN edges go, entities it mentioned get new counts.
    graph = next(g for g in store.named_graphs() if "/source/" in g)
    store.drop_graph(graph)
    after = pg_counts(store)
    changed = push(store, url)
    assert changed.deleted >= 1 + expected["mentioned_in"] - after["mentioned_in"]
    assert falkordb_counts(url, "changes") == after


def test_falkordb_push_switches_between_canonical_and_member_entities(store, falkordb_url):
    url = falkordb_url + "/modes"
    canonical, members = pg_counts(store), pg_counts(store, "members")
    assert members["entities"] > canonical["entities"] and members["same_as"] > 0 == canonical["same_as"]
    push(store, url)
    assert falkordb_counts(url, "modes") == canonical
    switched = push(store, url, entities="members")
    assert 0 < switched.sent < units(members)  # merged members and their edges come, the rest is unchanged or re-SET
    assert falkordb_counts(url, "modes") == members
    back = push(store, url, entities="canonical")
    assert back.deleted >= members["entities"] - canonical["entities"] + members["same_as"]
    assert falkordb_counts(url, "modes") == canonical


def test_falkordb_push_replaces_what_an_older_kgbuild_pushed(store, falkordb_url):
    """Units an older kgbuild recorded (entity:IRI, relation:IRI …) are deleted the old way."""
    from urllib.parse import urlsplit

    from falkordb import FalkorDB

    url = falkordb_url + "/legacy"
    g = FalkorDB(host="127.0.0.1", port=urlsplit(url).port).select_graph("legacy")
    g.query("CREATE (:Entity {iri: 'urn:old:a'})-[:WORKS_FOR {iri: 'urn:old:r'}]->(:Entity {iri: 'urn:old:b'}), "
            "(:Entity {iri: 'urn:old:a2'})-[:MENTIONED_IN]->(:Source {iri: 'urn:old:s'})")
    state = PushState(store.path / "push-state.sqlite")
    state.record(url, [(k, "h", 1) for k in ("entity:urn:old:a", "entity:urn:old:b", "entity:urn:old:a2",
                                            "relation:urn:old:r", "source:urn:old:s", "mentioned_in:urn:old:a2|urn:old:s")])
    state.close()
    report = push(store, url)
    assert report.deleted == 6
    assert falkordb_counts(url, "legacy") == pg_counts(store)


def test_falkordb_push_resumes_where_it_was_interrupted(store, falkordb_url):
    url = falkordb_url + "/resume"
    total = units(pg_counts(store))
    with pytest.raises(Interrupted):
        push(store, url, batch=25, on_progress=interrupt_after(total // 2))
    done = len(PushState(store.path / "push-state.sqlite").pushed(url))
    assert 0 < done < total
    resumed = push(store, url, batch=25)
    assert (resumed.sent, resumed.skipped) == (total - done, done)
    assert falkordb_counts(url, "resume") == pg_counts(store)


def test_cli_push_to_falkordb(sample_store, falkordb_url, tmp_path):
    proc = run_cli("push", "--store", sample_store, "--to", falkordb_url, "--state", tmp_path / "state.sqlite")
    assert proc.returncode == 0, proc.stderr
    total = units(pg_counts(KGStore(sample_store, read_only=True)))
    assert f"pushed to {falkordb_url}/kgbuild: {total} nodes and edges sent" in " ".join(proc.stdout.split())
    members = run_cli("push", "--store", sample_store, "--to", falkordb_url + "/members", "--entities", "members",
                      "--state", tmp_path / "state.sqlite")
    assert members.returncode == 0, members.stderr
    assert falkordb_counts(falkordb_url, "members") == pg_counts(KGStore(sample_store, read_only=True), "members")
    unreachable = run_cli("push", "--store", sample_store, "--to", "falkordb://127.0.0.1:1", "--state", tmp_path / "s2")
    assert unreachable.returncode == 2 and "E406" in unreachable.stderr


def test_an_unknown_scheme_is_a_config_error(sample_store, tmp_path):
    with pytest.raises(Exception) as info:
        push(KGStore(sample_store, read_only=True), "ftp://127.0.0.1/x", state_path=tmp_path / "s")
    assert getattr(info.value, "code", None) == "E101" and not isinstance(info.value, PushError)
