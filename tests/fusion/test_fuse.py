"""Fusion over a real store: incremental, order-independent, explainable and undoable."""

import gc
import shutil

import pytest

from kgbuild.fusion.explain import explanation, find_entity, split
from kgbuild.fusion.fuse import FUSION_GRAPH, fuse
from kgbuild.pipeline.config import Pipeline
from kgbuild.pipeline.runner import build
from kgbuild.store import KGStore

DOCS = {
    "a.txt": "Dr. Kowalczyk leads a chemistry lab at the Baltic Institute of Chemistry in Gdansk. "
             "Kowalczyk said the catalyst works.",
    "b.txt": "The chemist Anna Kowalczyk presented an iron catalyst at the European Chemical Society in Munich.",
    "c.txt": "Adam Kowalski scored three goals for the club in Krakow on Saturday.",
}
NEW = {"d.txt": "The BIC lab in Gdansk hired two chemists."}
PIPELINE = {"name": "fusion-test", "stages": [{"type": "text_reader"}, {"type": "spacy_ner"},
                                               {"type": "object_nouns"}, {"type": "entity_linker"}],
            "fusion": {"threshold": 0.5}}


def _corpus(tmp_path, docs, name="corpus"):
    root = tmp_path / name
    root.mkdir(exist_ok=True)
    for rel, text in docs.items():
        (root / rel).write_text(text)
    return root


def _fusion_quads(store: KGStore) -> set[tuple[str, str, str]]:
    return {(r["s"], r["p"], r["o"]) for r in store.rows(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{FUSION_GRAPH}> {{ ?s ?p ?o }} }}")}


def _canonical_label(store: KGStore, label: str) -> str:
    rows = list(store.rows(f"""SELECT ?l WHERE {{ ?a rdfs:label "{label}" . GRAPH <{FUSION_GRAPH}> {{ ?a kg:canonical ?c }}
                                ?c rdfs:label ?l }}"""))
    return rows[0]["l"]


@pytest.fixture(scope="module")
def built_once(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuse")
    store = KGStore(tmp / "kg")
    report = build(_corpus(tmp, DOCS), store, Pipeline.from_config(PIPELINE))
    store.close()
    del store  # RocksDB compacts in the background while open: copies are taken of a closed store
    gc.collect()
    return tmp, tmp / "kg", report


@pytest.fixture
def built(built_once, tmp_path):
    """A private copy of the built store for each test."""
    tmp, path, report = built_once
    return tmp, KGStore(shutil.copytree(path, tmp_path / "copy")), report


def test_build_fuses_names_across_documents(built):
    _, store, report = built
    assert report.fusion is not None and report.fusion.sources_changed == 3
    assert _canonical_label(store, "Kowalczyk") == "Anna Kowalczyk"
    assert _canonical_label(store, "Adam Kowalski") == "Adam Kowalski"
    # one canonical entity, with the evidence of both documents
    rows = list(store.rows("""SELECT (COUNT(DISTINCT ?src) AS ?n) WHERE { ?m kg:refersTo/kg:canonical ?e ;
                               prov:wasDerivedFrom ?src . ?e rdfs:label "Anna Kowalczyk" }"""))
    assert int(rows[0]["n"]) == 2


def test_an_unchanged_store_is_not_fused_again(built):
    _, store, _ = built
    before = _fusion_quads(store)
    report = fuse(store)
    assert report.sources_changed == 0 and report.atoms_touched == 0
    assert _fusion_quads(store) == before


def test_adding_a_document_changes_only_the_entities_it_touches(built, tmp_path):
    tmp, store, _ = built
    copy = store
    before = _fusion_quads(copy)
    report = build(_corpus(tmp, {**DOCS, **NEW}), copy, Pipeline.from_config(PIPELINE))
    assert report.fusion.sources_changed == 1
    after = _fusion_quads(copy)
    changed = {s for s, _, _ in before ^ after}
    kowalski = find_entity(copy, "Adam Kowalski")
    assert kowalski not in changed  # untouched by the new document
    assert _canonical_label(copy, "BIC") == "Baltic Institute of Chemistry"  # the acronym joins the full name


def test_same_corpus_in_another_order_gives_the_same_fusion_graph(built, tmp_path):
    _, store, _ = built
    other = KGStore(tmp_path / "kg3")
    root = _corpus(tmp_path, {"c.txt": DOCS["c.txt"]})
    build(root, other, Pipeline.from_config(PIPELINE))
    for rel in ("b.txt", "a.txt"):
        (root / rel).write_text(DOCS[rel])
        build(root, other, Pipeline.from_config(PIPELINE))
    assert _fusion_quads(other) == _fusion_quads(store)


def test_removing_a_document_withdraws_its_merges(built, tmp_path):
    tmp, store, _ = built
    copy = store
    root = _corpus(tmp_path, {k: v for k, v in DOCS.items() if k != "a.txt"}, "smaller")
    pipe = Pipeline.from_config(PIPELINE)
    from kgbuild.pipeline.maintenance import prune

    build(root, copy, pipe)
    prune(copy, root)
    fuse(copy)
    labels = {r["l"] for r in copy.rows(f"SELECT ?l WHERE {{ GRAPH <{FUSION_GRAPH}> {{ ?a kg:canonical ?c }} ?a rdfs:label ?l }}")}
    assert "Kowalczyk" not in labels  # only a.txt said the bare surname


def test_explain_and_split(built, tmp_path):
    _, store, _ = built
    copy = store
    info = explanation(copy, "Kowalczyk")
    assert {m["l"] for m in info["members"]} >= {"Anna Kowalczyk", "Kowalczyk"}
    assert info["merges"] and all(float(m["score"]) >= 0.5 for m in info["merges"])
    split(copy, "Anna Kowalczyk", "Kowalczyk")
    assert _canonical_label(copy, "Kowalczyk") == "Kowalczyk"
    fuse(copy, rebuild=False)  # the split is remembered by later runs
    assert _canonical_label(copy, "Kowalczyk") == "Kowalczyk"
