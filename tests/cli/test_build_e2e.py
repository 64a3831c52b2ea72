"""End to end: `kgbuild build` + `query` + `stats` + `export` as a user runs them."""

import json
import re
import shutil

import pytest

from helpers import copy_sample, run_cli  # noqa: I001 - tests/ is on the path (pytest pythonpath)

SELECTORS = """
SELECT ?modality ?path ?text ?kind ?value WHERE {
  ?m a kg:Mention ; kg:modality ?modality ; kg:text ?text ; prov:wasDerivedFrom/kg:path ?path ;
     oa:hasSelector ?s .
  { ?s a oa:TextPositionSelector ; oa:start ?b ; oa:end ?e . BIND("char" AS ?kind) BIND(CONCAT(STR(?b), ",", STR(?e)) AS ?value) }
  UNION
  { ?s a oa:FragmentSelector ; rdf:value ?value . BIND(IF(STRSTARTS(?value, "t="), "time", "box") AS ?kind) }
}"""


def query_json(store, sparql):
    proc = run_cli("query", "--store", store, "--format", "json", sparql, check=True)
    data = json.loads(proc.stdout)
    return [{k: v["value"] for k, v in row.items()} for row in data["results"]["bindings"]]


DOCUMENTS = (".pdf", ".html", ".docx")  # read by the document reader: text with page boxes or elements, figures


def test_sample_has_mentions_of_all_modalities_with_selectors(sample_store, sample_dir):
    rows = query_json(sample_store, SELECTORS)
    kinds = {}
    for r in rows:
        kinds.setdefault("document" if r["path"].endswith(DOCUMENTS) else r["modality"], set()).add(r["kind"])
    assert kinds["text"] == {"char"}
    assert kinds["image"] == {"box"}
    assert kinds["speech"] == {"char", "time"}
    assert kinds["document"] == {"char", "box"}  # words: characters + page box; figures: boxes + caption characters
    page_boxes = {r["text"] for r in rows if r["path"] == "columbia_report.pdf" and r["modality"] == "text"
                  and re.fullmatch(r"page=1&viewrect=[\d.]+,[\d.]+,[\d.]+,[\d.]+", r["value"])}
    assert {"Eileen Collins", "Kennedy Space Center"} <= page_boxes  # RFC 8118: the words' box on their page
    for r in rows:  # text spans point at the very characters of the file
        if r["modality"] == "text" and not r["path"].endswith(DOCUMENTS):
            start, end = map(int, r["value"].split(","))
            assert (sample_dir / r["path"]).read_text(encoding="utf-8")[start:end] == r["text"]


def test_speech_mentions_index_into_their_transcript(sample_store):
    rows = query_json(sample_store, """SELECT ?text ?transcript ?b ?e WHERE { ?m kg:modality "speech" ; kg:text ?text ;
        kg:transcript/kg:text ?transcript ; oa:hasSelector [ oa:start ?b ; oa:end ?e ] }""")
    assert rows
    for r in rows:
        assert r["transcript"][int(r["b"]):int(r["e"])] == r["text"]


def test_document_mentions_index_into_the_text_read_from_the_document(sample_store):
    rows = query_json(sample_store, """SELECT ?path ?text ?transcript ?b ?e WHERE {
        ?m kg:modality "text" ; kg:text ?text ; prov:wasDerivedFrom ?src ;
           kg:transcript/kg:text ?transcript ; oa:hasSelector [ oa:start ?b ; oa:end ?e ] .
        ?src kg:modality "document" ; kg:path ?path }""")
    assert {r["path"] for r in rows} == {"columbia_report.pdf", "mission.html", "mission_report.docx"}
    for r in rows:
        assert r["transcript"][int(r["b"]):int(r["e"])] == r["text"]


def test_every_source_records_its_activities(sample_store, sample_dir):
    rows = query_json(sample_store, """SELECT ?path (GROUP_CONCAT(?stage; separator=",") AS ?stages) WHERE {
        ?a a prov:Activity ; prov:used ?src ; kg:stage ?stage . ?src kg:path ?path } GROUP BY ?path""")
    stages = {r["path"]: set(r["stages"].split(",")) for r in rows}
    files = sorted(p.name for p in sample_dir.iterdir() if not p.name.startswith("."))
    assert sorted(stages) == files
    for path, names in stages.items():
        first = {"txt": "text", "md": "text", "jpg": "image", "png": "image", "wav": "speech", "flac": "speech",
                 "pdf": "documents", "html": "documents", "docx": "documents"}
        assert first[path.rsplit(".", 1)[1]] in names


def test_stats_counts_match_the_graph(sample_store):
    stats = json.loads(run_cli("stats", "--store", sample_store, "--json", check=True).stdout)
    by_modality = {r["modality"]: r for r in stats["sources_by_modality"]}
    assert set(by_modality) == {"text", "image", "speech", "document"}
    assert all(r["failed"] == 0 for r in by_modality.values())
    assert stats["failures"] == []
    mentions = query_json(sample_store, "SELECT (COUNT(?m) AS ?n) WHERE { ?m a kg:Mention }")[0]["n"]
    assert stats["mentions"] == int(mentions) > 0


def test_second_build_changes_nothing(sample_store, sample_dir, tmp_path):
    store = tmp_path / "again"
    shutil.copytree(sample_store, store)
    before = tmp_path / "before.nq"
    run_cli("export", "--store", store, "--format", "nquads", "--out", before, check=True)
    proc = run_cli("build", sample_dir, "--store", store)
    assert proc.returncode == 0, proc.stderr
    assert "unchanged (skipped): " in proc.stdout
    after = tmp_path / "after.nq"
    run_cli("export", "--store", store, "--format", "nquads", "--out", after, check=True)
    assert sorted(before.read_text().splitlines()) == sorted(after.read_text().splitlines())


def test_bad_files_are_recorded_and_the_rest_ingested(corpus, tmp_path):
    copy_sample(corpus, "coffee.jpg")
    (corpus / "good.txt").write_text("Ada Lovelace worked with Charles Babbage in London.")
    (corpus / "empty.jpg").write_bytes(b"")
    (corpus / "truncated.png").write_bytes((corpus / "coffee.jpg").read_bytes()[:2000])
    (corpus / "not-audio.wav").write_text("this is not a wave file at all")
    (corpus / "latin1.txt").write_bytes("Caf\xe9 in M\xfcnchen".encode("latin-1"))
    (corpus / "notes.numbers").write_bytes(b"PK\x03\x04")
    store = tmp_path / "kg"
    proc = run_cli("build", corpus, "--store", store)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    stats = json.loads(run_cli("stats", "--store", store, "--json", check=True).stdout)
    failed = {f["path"]: f for f in stats["failures"]}
    assert set(failed) == {"empty.jpg", "truncated.png", "not-audio.wav", "latin1.txt"}
    assert failed["latin1.txt"]["code"] == "E303" and "byte 3" in failed["latin1.txt"]["reason"]
    assert failed["empty.jpg"]["stage"] == "image"
    for f in failed.values():
        assert f["path"] in f["reason"]
    ok = {r["path"]: r for r in stats["sources"] if r["status"] == "ok"}
    assert set(ok) == {"coffee.jpg", "good.txt"} and all(r["mentions"] > 0 for r in ok.values())
    assert "notes.numbers" in proc.stdout and "failed: 4" in proc.stdout


def test_changed_file_replaces_only_its_own_graph(corpus, tmp_path):
    (corpus / "a.txt").write_text("Grace Hopper joined the Navy.")
    (corpus / "b.txt").write_text("Alan Turing lived in Manchester.")
    store = tmp_path / "kg"
    run_cli("build", corpus, "--store", store, check=True)
    graphs_before = {r["g"] for r in query_json(store, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?g a kg:Source } }")}
    (corpus / "a.txt").write_text("Katherine Johnson worked at NASA.")
    proc = run_cli("build", corpus, "--store", store, check=True)
    assert "unchanged (skipped): 1" in proc.stdout
    rows = query_json(store, "SELECT ?g ?path WHERE { GRAPH ?g { ?g a kg:Source ; kg:path ?path } }")
    assert sorted(r["path"] for r in rows) == ["a.txt", "b.txt"]
    graphs_after = {r["g"] for r in rows}
    assert len(graphs_before & graphs_after) == 1  # b.txt's graph is untouched
    labels = {r["l"] for r in query_json(store, "SELECT ?l WHERE { ?m kg:refersTo/rdfs:label ?l }")}
    assert "Katherine Johnson" in labels and "Grace Hopper" not in labels


def test_query_output_formats(sample_store):
    sparql = 'SELECT ?modality (COUNT(?m) AS ?n) WHERE { ?m kg:modality ?modality } GROUP BY ?modality ORDER BY ?modality'
    csv = run_cli("query", "--store", sample_store, "--format", "csv", sparql, check=True).stdout.splitlines()
    assert csv[0] == "modality,n" and [line.split(",")[0] for line in csv[1:]] == ["document", "image", "ocr", "speech", "text"]
    tsv = run_cli("query", "--store", sample_store, "--format", "tsv", sparql, check=True).stdout.splitlines()
    assert tsv[0] == "?modality\t?n"
    table = run_cli("query", "--store", sample_store, sparql, check=True).stdout
    assert "modality" in table and "speech" in table
    ask = run_cli("query", "--store", sample_store, "ASK { ?e a schema:Person }", check=True).stdout
    assert ask.strip() == "true"


def test_query_errors_exit_2_with_the_parser_message(sample_store):
    proc = run_cli("query", "--store", sample_store, "SELECT ?x WHERE { ?x a }")
    assert proc.returncode == 2 and "E402" in proc.stderr and "line 1" in proc.stderr


@pytest.mark.parametrize("fmt,parser", [("turtle", "turtle"), ("nquads", "nquads")])
def test_export(sample_store, tmp_path, fmt, parser):
    import rdflib

    out = tmp_path / f"kg.{fmt}"
    run_cli("export", "--store", sample_store, "--format", fmt, "--out", out, check=True)
    graph = rdflib.Dataset() if fmt == "nquads" else rdflib.Graph()
    graph.parse(out, format=parser)
    kg = rdflib.Namespace("https://w3id.org/kgbuild/ns#")
    quads = list(graph.quads((None, rdflib.RDF.type, kg.Mention, None))) if fmt == "nquads" else \
        list(graph.triples((None, rdflib.RDF.type, kg.Mention)))
    assert len(quads) > 10


def test_configuration_errors_exit_2_before_any_work(corpus, tmp_path):
    copy_sample(corpus, "coffee.jpg")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nstages:\n  - type: spacy_ner\n")
    proc = run_cli("build", corpus, "--store", tmp_path / "kg", "--pipeline", bad)
    assert proc.returncode == 2 and "E103" in proc.stderr and "'text'" in proc.stderr
    missing = tmp_path / "missing-model.yaml"
    missing.write_text("name: m\nstages:\n  - type: yolo\n    params: {weights: no-such-weights.onnx}\n")
    proc = run_cli("build", corpus, "--store", tmp_path / "kg2", "--pipeline", missing)
    assert proc.returncode == 2 and "no-such-weights.onnx" in proc.stderr and "shared/models" in proc.stderr
    assert run_cli("build", tmp_path / "nowhere", "--store", tmp_path / "kg3").returncode == 2
