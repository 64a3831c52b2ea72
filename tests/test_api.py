"""The public Python API: build, query, open_store, load_pipeline from the package itself."""

from __future__ import annotations

import subprocess
import sys

import kgbuild

PIPELINE = {"name": "api", "stages": [{"type": "text_reader"}, {"type": "spacy_ner"}, {"type": "entity_linker"}]}


def test_build_twice_with_the_same_pipeline_object_processes_nothing_the_second_time(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Ada Lovelace worked with Charles Babbage in London.")
    (corpus / "b.txt").write_text("Grace Hopper joined the Navy.")
    pipe = kgbuild.Pipeline.from_config(PIPELINE)
    store = tmp_path / "kg"
    first = kgbuild.build(corpus, store, pipe)
    assert first.ingested["text"] == 2 and first.unchanged == 0
    second = kgbuild.build(corpus, store, pipe)  # the stages are warm now: fingerprints must not move
    assert sum(second.ingested.values()) == 0 and second.unchanged == 2
    rows = kgbuild.query(store, "SELECT ?label WHERE { ?e a kg:Entity ; rdfs:label ?label } ORDER BY ?label")
    labels = [r["label"] for r in rows]
    assert "Ada Lovelace" in labels and "Grace Hopper" in labels
    assert kgbuild.query(store, 'ASK { ?e rdfs:label "Charles Babbage" }') is True
    triples = kgbuild.query(store, 'CONSTRUCT { ?e ?p ?o } WHERE { ?e rdfs:label "Grace Hopper" ; ?p ?o }')
    assert any(o == "Grace Hopper" for _, _, o in triples)
    assert len(kgbuild.open_store(store, read_only=True)) > 0


def test_options_as_keywords_and_pipelines_by_name(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Marie Curie lived in Paris.")
    report = kgbuild.build(corpus, tmp_path / "kg", kgbuild.Pipeline.from_config(PIPELINE), force=True)
    assert report.ingested["text"] == 1
    assert kgbuild.load_pipeline("default").name == "default"


def test_importing_the_package_loads_no_pipeline_machinery():
    code = "import sys, kgbuild, kgbuild.errors; print(any(m.startswith('kgbuild.pipeline') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
