"""Store -> PyG conversion, the `kgbuild reason` commands, write-back and removal, on a copy of
the built sample store (never the shared one: these tests write)."""

import json
import shutil

import pytest
from pyoxigraph import NamedNode, Quad
from typer.testing import CliRunner

from helpers import run_cli
from kgbuild.cli.main import app
from kgbuild.ids import FUSION_GRAPH, NS, mint
from kgbuild.reason.data import load_graph
from kgbuild.reason.infer import INFERRED_PREFIX
from kgbuild.store import KGStore

EXTRACTED = "SELECT (COUNT(*) AS ?n) WHERE { ?r a kg:Relation ; kg:inferred false }"
INFERRED = "SELECT (COUNT(*) AS ?n) WHERE { ?r a kg:Relation ; kg:inferred true }"


@pytest.fixture
def store(sample_store, tmp_path):
    copy = tmp_path / "store"
    shutil.copytree(sample_store, copy)
    return copy


def cli(*args) -> str:
    """In-process `kgbuild ...` (torch and PyG are imported once for the test run, not per call)."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result.stdout


def count(store, sparql) -> int:
    return int(next(KGStore(store, read_only=True).rows(sparql))["n"])


def test_graph_is_entities_and_extracted_relations_only(store):
    kg = KGStore(store, read_only=True)
    g = load_graph(kg)
    assert g.num_relations >= 5 and len(g.triples) >= 20
    entities = {r["e"] for r in kg.rows("SELECT ?e WHERE { ?e a kg:Entity }")}
    assert set(g.entities) <= entities  # no literals, mentions, sources or activities
    canonical = {r["e"]: r["c"] for r in kg.rows("SELECT ?e ?c WHERE { ?e kg:canonical ?c }")}
    raw = list(kg.rows("""SELECT DISTINCT ?s ?p ?o WHERE { ?r a kg:Relation ; kg:inferred false ; kg:subject ?s ;
           kg:predicate ?p ; kg:object ?o . ?s a kg:Entity . ?o a kg:Entity }"""))
    raw += [{**r, "p": NS + "depicts"} for r in kg.rows(
        "SELECT ?s ?o WHERE { ?box kg:depicts ?o ; kg:refersTo ?s . ?s a kg:Entity . ?o a kg:Entity }")]
    mapped = {(canonical.get(r["s"], r["s"]), r["p"], canonical.get(r["o"], r["o"])) for r in raw}
    expected = {(s, p, o) for s, p, o in mapped if s != o}
    got = {(g.entities[h], g.relations[r], g.entities[t]) for h, r, t in g.triples.tolist()}
    assert got == expected
    assert NS + "worksFor" in g.relations
    assert g.entities == sorted(g.entities)  # stable ids
    data = g.to_pyg()
    assert data.edge_index.shape == (2, 2 * len(g.triples)) and int(data.edge_type.max()) < 2 * g.num_relations


def test_fused_entities_are_replaced_by_their_canonical_entity(store):
    kg = KGStore(store)
    g = load_graph(kg)
    # merge the head of an edge into its tail; the head must not already stand for others
    heads_of_others = {r["c"] for r in kg.rows("SELECT ?c WHERE { ?e kg:canonical ?c FILTER(?e != ?c) }")}
    h, _, t = next(x for x in g.triples.tolist() if g.entities[x[0]] not in heads_of_others)
    merged, canonical = g.entities[h], g.entities[t]
    swap = lambda e: canonical if e == merged else e  # noqa: E731
    moved = {(swap(g.entities[a]), g.relations[r], swap(g.entities[b])) for a, r, b in g.triples.tolist()
             if merged in (g.entities[a], g.entities[b])}
    kg.update(f"DELETE WHERE {{ GRAPH <{FUSION_GRAPH}> {{ <{merged}> kg:canonical ?c }} }}")
    kg.add([Quad(NamedNode(merged), NamedNode(NS + "canonical"), NamedNode(canonical), NamedNode(FUSION_GRAPH))])
    kg.flush()
    fused = load_graph(kg)
    assert merged not in fused.entities and canonical in fused.entities
    got = {(fused.entities[a], fused.relations[r], fused.entities[b]) for a, r, b in fused.triples.tolist()}
    # the merged entity's edges now attach to the canonical one (the edge between them is dropped)
    assert moved - {x for x in moved if x[0] == x[2]} <= got and moved


def test_train_predict_similar_infer_remove(store):
    extracted = count(store, EXTRACTED)
    graph_before = load_graph(KGStore(store, read_only=True)).triples.tolist()

    proc = run_cli("reason", "train", "--store", store, "--max-seconds", "30", "--threads", "1", "--quiet", check=True)
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    run = summary["run"]
    folder = store / "reason" / run
    for name in ("config.json", "metrics.json", "model.pt", "entities.tsv", "relations.tsv", "features.pt"):
        assert (folder / name).is_file(), name
    assert summary["triples"] == len(graph_before)

    answers = json.loads(cli("reason", "predict", "--store", store, "--tail", "NASA", "--relation", "worksFor",
                             "--k", "5", "--json"))["answers"]
    assert len(answers) == 5 and answers == sorted(answers, key=lambda a: -a["score"])
    # the model has learnt the stated fact: a NASA employee is among the top answers, with its evidence
    top = answers[0]
    assert top["known"] and any(b.startswith("stated:") for b in top["because"]), answers
    assert "NASA" in cli("reason", "predict", "--store", store, "--tail", "NASA", "--relation", "worksFor")

    similar = json.loads(cli("reason", "similar", "--store", store, "NASA", "--k", "3", "--json"))["similar"]
    assert len(similar) == 3 and all(s["label"] != "NASA" for s in similar)

    written = json.loads(cli("reason", "infer", "--store", store, "--min-score", "0.05", "--json"))
    assert written["written"] >= 1 and written["graph"] == INFERRED_PREFIX + run
    assert count(store, INFERRED) == written["written"]
    assert count(store, EXTRACTED) == extracted  # extracted facts untouched
    kg = KGStore(store, read_only=True)
    # every inferred link: its own graph, generated by the run (a prov:Activity), and no direct triple
    rows = list(kg.rows("""SELECT ?r ?g ?act ?conf ?ex WHERE { GRAPH ?g { ?r a kg:Relation ; kg:inferred true ;
        kg:confidence ?conf ; kg:extractor ?ex ; prov:wasGeneratedBy ?act . ?act a prov:Activity ; kg:metrics ?m } }"""))
    assert len(rows) == written["written"]
    assert {r["g"] for r in rows} == {INFERRED_PREFIX + run} and {r["ex"] for r in rows} == {f"reason/{run}"}
    assert {r["act"] for r in rows} == {mint("activity", "reason", run)}
    assert all(0.05 <= float(r["conf"]) <= 1 for r in rows)
    direct = next(kg.rows("""SELECT (COUNT(*) AS ?n) WHERE { ?r kg:inferred true ; kg:subject ?s ; kg:predicate ?p ;
        kg:object ?o . ?s ?p ?o . FILTER NOT EXISTS { ?x kg:inferred false ; kg:subject ?s ; kg:predicate ?p ; kg:object ?o } }"""))
    assert int(direct["n"]) == 0
    # inferred links never feed the next training
    assert load_graph(kg).triples.tolist() == graph_before
    del kg

    assert json.loads(cli("reason", "infer", "--store", store, "--remove"))["removed_graphs"] == [INFERRED_PREFIX + run]
    assert count(store, INFERRED) == 0 and count(store, EXTRACTED) == extracted


def test_too_few_edges_is_a_clear_error(tmp_path):
    kg = KGStore(tmp_path / "tiny")
    g = NamedNode("https://w3id.org/kgbuild/id/source/x")
    a, b = NamedNode(mint("entity", "a")), NamedNode(mint("entity", "b"))
    rel = NamedNode(mint("relation", "a", "b"))
    kg.add([Quad(a, NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), NamedNode(NS + "Entity"), g),
            Quad(b, NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), NamedNode(NS + "Entity"), g),
            Quad(rel, NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), NamedNode(NS + "Relation"), g),
            Quad(rel, NamedNode(NS + "subject"), a, g), Quad(rel, NamedNode(NS + "predicate"), NamedNode(NS + "near"), g),
            Quad(rel, NamedNode(NS + "object"), b, g)])
    kg.close()
    proc = run_cli("reason", "train", "--store", tmp_path / "tiny", "--quiet")
    assert proc.returncode == 2
    assert "too few" in proc.stderr and "E401" in proc.stderr
    result = CliRunner().invoke(app, ["reason", "predict", "--store", str(tmp_path / "tiny"), "--head", "a",
                                      "--relation", "near"])
    assert result.exit_code == 2 and "E201" in result.output


def test_eval_linkpred_nations_json():
    proc = run_cli("eval", "linkpred", "--dataset", "nations", "--json", "--max-seconds", "4", check=True)
    result = json.loads(proc.stdout)
    assert set(result) >= {"mrr", "hits_at_1", "hits_at_3", "hits_at_10", "seconds"}
    # 14 nations: ranking at random gives a filtered MRR near 0.3; a trained model is far above
    assert result["mrr"] > 0.6 and result["hits_at_1"] <= result["hits_at_3"] <= result["hits_at_10"]
    assert result["seconds"] < 30
