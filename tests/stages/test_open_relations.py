import pytest

from kgbuild.datamodel import Item, Source
from kgbuild.ids import NS
from kgbuild.stages.entity_linker import EntityLinker
from kgbuild.stages.open_relations import OPEN_NS, OpenRelations
from kgbuild.stages.spacy_ner import SpacyNER

TEXT = ("Daniel Harper, the chief executive of Northwind Aerospace, spoke in Denver. "
        "Sarah Whitfield, who works for Northwind Aerospace, moved to Tucson. "
        "NASA selected Eileen Collins. Tucson is located in Pima County. "
        "In May she met the astronaut in Houston, Texas, where the two discussed training.")


@pytest.fixture(scope="module")
def found():
    item = Item.from_text(Source(None, "t.txt", "5" * 64, len(TEXT), "text/plain", "text"), TEXT)
    for stage in (SpacyNER(), EntityLinker(), OpenRelations()):
        stage([item])
    assert item.ok, item.failure
    return item


def test_patterns_svo_relative_clause_appositive_copula_preposition(found):
    labels = {iri: e.label for iri, e in found.entities.items()}
    triples = {(labels[r.subject], r.predicate.removeprefix(OPEN_NS), labels[r.object]) for r in found.relations}
    assert ("Daniel Harper", "chief_executive_of", "Northwind Aerospace") in triples  # appositive
    assert ("Sarah Whitfield", "work_for", "Northwind Aerospace") in triples  # relative clause
    assert ("Sarah Whitfield", "move_to", "Tucson") in triples  # verb + preposition
    assert ("NASA", "select", "Eileen Collins") in triples  # subject-verb-object
    assert ("Tucson", "locate_in", "Pima County") in triples  # passive + preposition
    assert ("Houston", "in", "Texas") in triples  # place appositive


def test_open_relations_are_marked_and_never_trained_types(found):
    assert found.relations
    for r in found.relations:
        assert r.predicate.startswith(OPEN_NS) and not r.predicate.startswith(NS)
        assert r.extractor == "open_relations" and r.confidence <= 0.5
        assert len(r.evidence) == 2
