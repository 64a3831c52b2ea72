"""The entity resolver: aliases, word order, titles, fuzzy and misheard names, ranked
candidates, "did you mean", and ambiguity reported with the candidates."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kgbuild.datamodel import CharSpan, Entity, Item, Mention, Provenance, Source
from kgbuild.graph import AmbiguousEntity, EntityNotFound, EntityResolver, load_entity_graph, resolve_entity
from kgbuild.graph.queries import neighbors, paths
from kgbuild.graph.resolve import name_tokens
from kgbuild.ids import FUSION_GRAPH, NS, mint
from kgbuild.store import KGStore
from kgbuild.store.rdf import entity_quads, source_quads


def ent(label: str, etype: str = "PERSON") -> Entity:
    return Entity(mint("entity", etype, label.lower()), label, etype)


def write_doc(store: KGStore, name: str, text: str, entities: list[Entity]) -> None:
    src = Source(path=None, relpath=name, sha256=mint("sha", name)[-32:] * 2, size=1, media_type="text/plain",
                 modality="text")
    mentions = []
    for e in entities:
        at = text.index(e.label)
        mentions.append(Mention(e.label, e.entity_type, "text", Provenance(src.iri, (CharSpan(at, at + len(e.label)),),
                                                                               "ner"), entity=e.iri))
    item = Item(src, mentions=mentions, entities={e.iri: e for e in entities})
    store.replace_graph(src.iri, source_quads(item, pipeline="t", pipeline_fingerprint="f", paths=[name]))
    store.add(entity_quads(entities))


def fuse(store: KGStore, canonical: Entity, *members: Entity) -> None:
    """What fusion writes: kg:canonical for every member, kg:alias on the canonical entity."""
    g = ox.NamedNode(FUSION_GRAPH)
    quads = [ox.Quad(ox.NamedNode(m.iri), ox.NamedNode(NS + "canonical"), ox.NamedNode(canonical.iri), g)
             for m in (canonical, *members)]
    quads += [ox.Quad(ox.NamedNode(canonical.iri), ox.NamedNode(NS + "alias"), ox.Literal(m.label), g) for m in members]
    store.add(quads)


JANE, ANNA, KOWAL = ent("Jane Q. Smith"), ent("Anna Kowalczyk"), ent("Kowalchuk")
JOHN, ADA, CHEN = ent("John Smith"), ent("Ada Lovelace"), ent("Detective Laura Chen")
CAT_OBJ, CAT_ORG, NASA = ent("cat", "OBJECT"), ent("Cat", "ORG"), ent("NASA", "ORG")


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    kg = KGStore(tmp_path / "kg")
    write_doc(kg, "a.txt", "Jane Q. Smith met John Smith and Ada Lovelace at NASA.", [JANE, JOHN, ADA, NASA])
    write_doc(kg, "b.txt", "Anna Kowalczyk spoke to Detective Laura Chen.", [ANNA, CHEN])
    write_doc(kg, "c.wav.txt", "Kowalchuk said the cat was fine; Cat the band played.", [KOWAL, CAT_OBJ, CAT_ORG])
    fuse(kg, ANNA, KOWAL)  # ASR's "Kowalchuk" is Anna Kowalczyk
    return kg


def test_words_are_normalised():
    assert name_tokens("Dr. Jane Q. Smith's") == ("jane", "q", "smith")
    assert name_tokens("Senator José  Núñez") == ("jose", "nunez")
    assert name_tokens("the U.K.") == ("uk",)


def test_forgiving_lookups_on_the_entity_graph(store):
    graph = load_entity_graph(store)
    assert resolve_entity(graph, "Jane Smith") == JANE.iri  # a middle initial left out
    assert resolve_entity(graph, "Smith, Jane") == JANE.iri  # word order
    assert resolve_entity(graph, "Dr. Jane Q. Smith") == JANE.iri  # a title
    assert resolve_entity(graph, "Laura Chen") == CHEN.iri  # a title in the label
    assert resolve_entity(graph, "Lovelace") == ADA.iri
    assert resolve_entity(graph, "ada lovel") == ADA.iri  # still typing
    assert resolve_entity(graph, "Kowalchuk") == ANNA.iri  # a member's label finds the canonical entity
    assert resolve_entity(graph, "Kovalchuk") == ANNA.iri  # a misheard alias
    assert resolve_entity(graph, "Ana Kowalczik") == ANNA.iri  # misspelt
    assert resolve_entity(graph, ADA.iri) == ADA.iri
    # path and neighbours take the same names
    assert paths(graph, "jane smith", "lovelace")
    assert neighbors(graph, "kovalchuk")["center"]["iri"] == ANNA.iri


def test_ambiguous_names_list_the_candidates(store):
    graph = load_entity_graph(store)
    with pytest.raises(AmbiguousEntity) as info:
        resolve_entity(graph, "Smith")
    assert {c["iri"] for c in info.value.candidates} == {JANE.iri, JOHN.iri}
    assert "Jane Q. Smith" in info.value.message and "John Smith" in info.value.message
    with pytest.raises(AmbiguousEntity) as info:
        resolve_entity(graph, "cat")
    assert {c["type"] for c in info.value.candidates} == {"OBJECT", "ORG"}
    assert resolve_entity(graph, "cat [OBJECT]") == CAT_OBJ.iri  # a type settles it
    assert resolve_entity(graph, "John Smith") == JOHN.iri  # an exact name is not ambiguous


def test_no_match_suggests(store):
    graph = load_entity_graph(store)
    with pytest.raises(EntityNotFound) as info:
        resolve_entity(graph, "Ada Loveless-Byron")
    assert "did you mean" in info.value.message and "Ada Lovelace" in info.value.message
    with pytest.raises(EntityNotFound) as info:
        resolve_entity(graph, "Zebulon")
    assert "did you mean" not in info.value.message


def test_candidates_are_ranked(store):
    resolver = EntityResolver.from_store(store)
    found = resolver.candidates("Smith")
    assert [c.label for c in found[:2]] == ["John Smith", "Jane Q. Smith"]  # the closer name first
    assert found[0].kind == "words"
    first = resolver.candidates("Jane Smith")[0]
    assert (first.label, first.kind) == ("Jane Q. Smith", "words")
    alias = resolver.candidates("Kowalchuk")[0]
    assert (alias.iri, alias.matched, alias.kind) == (ANNA.iri, "Kowalchuk", "exact")


def test_without_canonical_every_member_is_its_own_entity(store):
    resolver = EntityResolver.from_store(store, canonical=False)
    assert resolver.resolve("Kowalchuk") == KOWAL.iri
    assert resolver.resolve("Anna Kowalczyk") == ANNA.iri
