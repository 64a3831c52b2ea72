"""CLI details on a small store: `query` formats (a graph as JSON-LD, a mismatched format
said so, a large table streamed), an unknown prefix named, no `<bool>` in --help, `fuse`
with the default store and forgiving names, `serve` printing the explorer's URL."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from helpers import run_cli, start_server
from kgbuild.cli.main import app
from kgbuild.datamodel import CharSpan, Entity, Item, Mention, Provenance, Source
from kgbuild.ids import FUSION_GRAPH, NS, mint
from kgbuild.store import KGStore
from kgbuild.store.rdf import entity_quads, source_quads

RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


def ent(label: str, etype: str = "PERSON") -> Entity:
    return Entity(mint("entity", etype, label.lower()), label, etype)


ANNA, KOWAL, CAT, CAT_ORG = ent("Anna Kowalczyk"), ent("Kowalchuk"), ent("cat", "OBJECT"), ent("Cat", "ORG")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "kg"
    kg = KGStore(path)
    text = "Anna Kowalczyk and Kowalchuk saw the cat and Cat."
    src = Source(path=None, relpath="a.txt", sha256="ab" * 32, size=1, media_type="text/plain", modality="text")
    people = [ANNA, KOWAL, CAT, CAT_ORG]
    mentions = [Mention(e.label, e.entity_type, "text", Provenance(src.iri, (CharSpan(text.index(e.label),
                text.index(e.label) + len(e.label)),), "ner"), entity=e.iri) for e in people]
    kg.replace_graph(src.iri, source_quads(Item(src, mentions=mentions, entities={e.iri: e for e in people}),
                                           pipeline="t", pipeline_fingerprint="f", paths=["a.txt"]))
    kg.add(entity_quads(people))
    g = ox.NamedNode(FUSION_GRAPH)
    kg.add([ox.Quad(ox.NamedNode(m.iri), ox.NamedNode(NS + "canonical"), ox.NamedNode(ANNA.iri), g) for m in (ANNA, KOWAL)])
    big = ox.NamedNode("urn:test:big")
    kg.add([ox.Quad(ox.NamedNode(f"urn:test:thing/{i}"), RDFS_LABEL, ox.Literal(f"thing {i}"), big) for i in range(1200)])
    kg.close()
    return path


def cli(*args, code: int = 0):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == code, (args, result.output, result.exception)
    return result


def test_construct_as_json_is_json_ld(store):
    query = 'CONSTRUCT { ?e rdfs:label ?l } WHERE { ?e rdfs:label "Anna Kowalczyk" , ?l }'
    doc = json.loads(cli("query", "--store", store, "--format", "json", query).stdout)
    assert doc[0]["@id"] == ANNA.iri and doc[0][str(RDFS_LABEL.value)][0]["@value"] == "Anna Kowalczyk"
    assert f"<{ANNA.iri}>" in cli("query", "--store", store, "--format", "ntriples", query).stdout
    said = cli("query", "--store", store, "--format", "csv", query, code=2).output
    assert "CONSTRUCT" in said and "jsonld" in said
    said = cli("query", "--store", store, "--format", "turtle", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", code=2).output
    assert "SELECT" in said and "csv" in said


def test_large_table_streams_every_row(store):
    out = cli("query", "--store", store, "SELECT ?e ?l WHERE { GRAPH <urn:test:big> { ?e rdfs:label ?l } } ORDER BY ?e").stdout
    lines = out.splitlines()
    assert lines[0].split("│")[0].strip() == "e" and lines[-1] == "1200 rows"
    assert sum(1 for line in lines if line.startswith("urn:test:thing/")) == 1200
    small = cli("query", "--store", store, "SELECT ?l WHERE { ?e rdfs:label ?l } ORDER BY ?l LIMIT 2").stdout
    assert "┃" in small and "2 rows" in small  # a small result is still a Rich table


def test_unknown_prefix_is_named(store):
    said = cli("query", "--store", store, "SELECT * WHERE { ?s foaf:name ?o }", code=2).output
    assert "unknown prefix 'foaf:'" in said and "schema:" in said and "u{" not in said


def test_help_shows_no_bool_type():
    for command in (["build"], ["query"], ["serve"], ["fuse"], ["reason", "predict"], ["stats"]):
        assert "<bool>" not in cli(*command, "--help").stdout, command


def test_fuse_defaults_to_out_kg_and_forgives_names(store, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    said = cli("fuse", "--explain", "Anna", code=2).output
    assert "no kgbuild store at out" in said and not (tmp_path / "out").exists()  # nothing made
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "kg").symlink_to(store)
    explained = cli("fuse", "--explain", "Kovalchuk").stdout  # misheard: the entity it was fused into
    assert "Anna Kowalczyk" in explained and "Kowalchuk" in explained  # both members
    said = cli("fuse", "--split", "cat", "--split", "cat", code=2).output
    assert "fits 2 entities" in " ".join(said.split()) and "OBJECT" in said and "ORG" in said
    said = cli("fuse", "--split", "cat [OBJECT]", "--split", "cat [OBJECT]", code=2).output
    assert "nothing to split" in " ".join(said.split())


def test_serve_prints_the_explorer_url(store):
    proc, url = start_server(store)
    try:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert f"explorer  {url}/" in err and f"{url}/sparql" in err


def test_path_says_did_you_mean(store):
    proc = run_cli("neighbors", "Ana Kowalczik", "--store", store)
    assert proc.returncode == 0 and "Anna Kowalczyk" in " ".join(proc.stdout.split())
    proc = run_cli("neighbors", "Annabel Kowalski-Smith", "--store", store)
    assert proc.returncode == 2 and "did you mean" in proc.stderr
