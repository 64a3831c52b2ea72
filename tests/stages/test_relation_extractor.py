import pytest

from helpers import need_relation_model
from kgbuild.datamodel import Item, Source
from kgbuild.errors import ModelNotFoundError
from kgbuild.ids import NS
from kgbuild.stages.entity_linker import EntityLinker
from kgbuild.stages.relation_extractor import RelationExtractor
from kgbuild.stages.spacy_ner import SpacyNER
from textmodel import BUILT_MODEL, tiny_model


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return tiny_model(str(tmp_path_factory.getbasetemp() / "tiny-text-model"))


def text_items(*texts):
    return [Item.from_text(Source(None, f"{n}.txt", f"{n + 1:064d}", len(t), "text/plain", "text"), t)
            for n, t in enumerate(texts)]


def run(model, *texts, **params):
    items = text_items(*texts)
    for stage in (SpacyNER(), EntityLinker(), RelationExtractor(model=str(model), **params)):
        stage(items)
    return items


def test_relations_link_entities_with_mention_evidence(tiny):
    items = run(tiny, "Anna Berg works for Acme Corp in Boston. Luis Ortiz lives in Lyon.", "No names here at all.",
                threshold=0.0)
    item = items[0]
    assert item.ok and item.relations, item.failure
    mentions = {m.iri: m for m in item.mentions}
    for rel in item.relations:
        assert rel.subject in item.entities and rel.object in item.entities and rel.subject != rel.object
        assert rel.predicate.startswith(NS) and rel.extractor == "relations/tiny-model"
        head, tail = (mentions[e] for e in rel.evidence)
        assert (head.entity, tail.entity) == (rel.subject, rel.object)
        assert 0.0 <= rel.confidence <= 1.0
    # candidates respect CoNLL04 signatures: nothing ever starts at a place
    places = {iri for iri, e in item.entities.items() if e.entity_type == "GPE"}
    assert not any(rel.subject in places and rel.predicate != NS + "locatedIn" for rel in item.relations)
    assert items[1].relations == []


def test_model_info_is_stable_across_warm_up(tiny):
    stage = RelationExtractor(model=str(tiny))
    before = stage.fingerprint()
    stage.warm_up()
    assert stage.fingerprint() == before and stage.model_info()[1].startswith("sha256:")


def test_missing_model_says_how_to_build_it():
    with pytest.raises(ModelNotFoundError) as info:
        RelationExtractor(model="/nonexistent/relations").warm_up()
    assert "make models/relations-conll04" in str(info.value)


def test_trained_model_reads_sample_sentences():
    need_relation_model()
    items = run(BUILT_MODEL, "Sarah Whitfield, who works for Northwind Aerospace as its chief engineer, will lead the "
                "new site. Tucson is located in Pima County, Arizona.")
    labels = {iri: e.label for iri, e in items[0].entities.items()}
    found = {(labels[r.subject], r.predicate.rsplit("#")[1], labels[r.object]) for r in items[0].relations}
    assert ("Sarah Whitfield", "worksFor", "Northwind Aerospace") in found
    places = {"Tucson", "Pima County", "Arizona"}
    assert any(p == "locatedIn" and {s, o} <= places for s, p, o in found), found


def test_a_text_where_spacy_finds_one_name_is_read_too():
    """An all-caps dateline: spaCy finds only the agency, the joint tagger the places beside it.
    The stage used to skip texts with fewer than two mentions, so these relations were lost."""
    need_relation_model()
    texts = ("HELSINKI ( Reuters )", "BOGOTA , COLOMBIA ( Reuters )")
    spacy_only = text_items(*texts)
    for stage in (SpacyNER(), EntityLinker()):
        stage(spacy_only)
    assert [[m.text for m in item.mentions] for item in spacy_only] == [["Reuters"], ["Reuters"]]  # the premise
    for item in run(BUILT_MODEL, *texts):
        labels = {iri: (e.label.upper(), e.entity_type) for iri, e in item.entities.items()}
        found = {(labels[r.subject], r.predicate.rsplit("#")[1], labels[r.object]) for r in item.relations}
        place = ("BOGOTA", "GPE") if "BOGOTA" in item.views[item.primary_view].text else ("HELSINKI", "GPE")
        assert (("REUTERS", "ORG"), "basedIn", place) in found, found


def test_batches_in_parallel_and_a_window_give_what_one_batch_at_a_time_gives(tiny):
    texts = ["Anna Berg works for Acme Corp in Boston. Luis Ortiz lives in Lyon.",
             "Mei Tanaka killed Omar Haddad in Cairo.", "Ruth Klein works for Globex."]

    def found(**params):
        return [sorted((r.subject, r.predicate, r.object, round(r.confidence, 3)) for r in item.relations)
                for item in run(tiny, *texts, threshold=0.0, batch_size=1, **params)]

    one_at_a_time = found(threads=1, window=None)
    assert any(one_at_a_time)
    assert found(workers=2, window=None) == one_at_a_time
    assert found(workers=2, window=50) == one_at_a_time  # the window holds these whole sentences
