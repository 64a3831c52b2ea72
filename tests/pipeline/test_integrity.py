"""A build stores what is in each file: files rewritten or deleted while it reads them,
hashes remembered by stat and re-read when the stat moves."""

from __future__ import annotations

import os

from kgbuild.media import discovery
from kgbuild.pipeline.config import Pipeline
from kgbuild.pipeline.maintenance import check
from kgbuild.pipeline.options import BuildOptions
from kgbuild.pipeline.runner import build
from kgbuild.store import KGStore

PIPELINE = {"name": "integrity", "stages": [
    {"type": "text_reader"},
    {"type": "stages_for_tests:Rewriter"},  # after the text was read: the file changes under us
    {"type": "spacy_ner"},
    {"type": "entity_linker"},
]}


def labels(store: KGStore) -> set[str]:
    return {r["l"] for r in store.rows("SELECT ?l WHERE { ?e a kg:Entity ; rdfs:label ?l }")}


def test_a_file_rewritten_during_the_build_is_stored_with_its_real_content(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "rewrite-me.txt").write_text("Ada Lovelace wrote the first program.")
    (corpus / "steady.txt").write_text("Alan Turing broke codes.")
    store = KGStore(tmp_path / "kg")
    report = build(corpus, store, Pipeline.from_config(PIPELINE))
    assert not report.failures, report.failures
    assert "Grace Hopper" in labels(store) and "Ada Lovelace" not in labels(store)
    sha_now = discovery.discover(corpus).sources[0].sha256
    stored = {r["sha"] for r in store.rows('SELECT ?sha WHERE { GRAPH ?g { ?g kg:path "rewrite-me.txt" ; kg:sha256 ?sha } }')}
    assert stored == {sha_now}  # under the hash of the bytes that were read
    assert check(store).ok
    again = build(corpus, store, Pipeline.from_config(PIPELINE))  # nothing left to repair
    assert sum(again.ingested.values()) == 0 and again.unchanged == 2


def test_a_file_deleted_during_the_build_is_a_coded_failure_and_not_written(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "vanish.txt").write_text("Marie Curie studied radium.")
    (corpus / "stays.txt").write_text("Niels Bohr lived in Copenhagen.")
    store = KGStore(tmp_path / "kg")
    report = build(corpus, store, Pipeline.from_config(PIPELINE))
    assert [(f.path, f.code) for f in report.failures] == [("vanish.txt", "E307")]
    assert "Marie Curie" not in labels(store) and "Niels Bohr" in labels(store)


def test_unchanged_files_are_not_read_again_to_hash_them(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(3):
        (corpus / f"{n}.txt").write_text(f"Text {n} about Ada Lovelace.")
    pipe = Pipeline.from_config({"name": "p", "stages": [{"type": "text_reader"}]})
    store = KGStore(tmp_path / "kg")
    build(corpus, store, pipe)
    reads = []
    real = discovery.sha256_file
    monkeypatch.setattr(discovery, "sha256_file", lambda path: reads.append(path) or real(path))
    build(corpus, store, pipe)
    assert reads == []
    changed = corpus / "1.txt"
    changed.write_text("Text 1 about Grace Hopper.")
    os.utime(changed, ns=(1, 1))  # even a file whose time went back is re-read: its stat moved
    report = build(corpus, store, pipe)
    assert [p.name for p in reads] == ["1.txt"] and report.ingested["text"] == 1
    build(corpus, store, pipe, BuildOptions(rehash=True))
    assert len(reads) == 4


def test_a_file_that_failed_and_did_not_change_is_reported_not_retried(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bad.txt").write_bytes(b"\xff\xfe\x00\x01 not text \x00\x00")
    (corpus / "good.txt").write_text("Grace Hopper joined the Navy.")
    pipe = Pipeline.from_config({"name": "p", "stages": [{"type": "text_reader"}]})
    store = KGStore(tmp_path / "kg")
    first = build(corpus, store, pipe)
    assert [f.path for f in first.failures] == ["bad.txt"]
    again = build(corpus, store, pipe)
    assert sum(again.ingested.values()) == 0  # nothing processed, nothing loaded
    assert [(f.path, f.code) for f in again.failures] == [("bad.txt", first.failures[0].code)]
    assert "not retried" in again.failures[0].reason
    retried = build(corpus, store, pipe, BuildOptions(retry_failed=True))
    assert retried.ingested["text"] == 1 and [f.path for f in retried.failures] == ["bad.txt"]


def test_names_that_are_not_utf8_keep_their_exact_bytes_and_never_collide(tmp_path):
    from kgbuild.store.source_files import SourceFiles

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / os.fsdecode(b"caf\xe9.txt")).write_text("Marie Curie lived in Paris.")  # Latin-1 name
    (corpus / "caf\\xe9.txt").write_text("Alan Turing lived in Manchester.")  # literally a backslash
    pipe = Pipeline.from_config({"name": "p", "stages": [{"type": "text_reader"}]})
    store = KGStore(tmp_path / "kg")
    first = build(corpus, store, pipe)
    assert first.ingested["text"] == 2 and not first.failures
    paths = sorted(r["p"] for r in store.rows("SELECT ?p WHERE { GRAPH ?g { ?g kg:path ?p } }"))
    assert paths == ["caf\\\\xe9.txt", "caf\\xe9.txt"]
    assert check(store).ok
    assert sum(build(corpus, store, pipe).ingested.values()) == 0  # nothing reprocessed
    files = SourceFiles(store)
    for source in discovery.discover(corpus).sources:
        assert files.locate(files.info(source.sha256)) == source.path  # viewable in the explorer
