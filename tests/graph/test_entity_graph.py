import pytest

from kgbuild.datamodel import CharSpan, Entity, Item, Mention, Provenance, Relation, Source
from kgbuild.graph import EntityNotFound, load_entity_graph, resolve_entity
from kgbuild.graph.queries import communities, neighbors, paths, rank
from kgbuild.ids import NS, mint
from kgbuild.store import KGStore
from kgbuild.store.rdf import entity_quads, source_quads


def ent(label, etype="PERSON"):
    return Entity(mint("entity", etype, label.lower()), label, etype)


def write_doc(store, name, text, people, relations=()):
    """A text source mentioning each entity in `people` where its label occurs in `text`."""
    src = Source(path=None, relpath=name, sha256=mint("sha", name)[-32:] * 2, size=1, media_type="text/plain", modality="text")
    mentions = {}
    for e in people:
        at = text.index(e.label)
        mentions[e.iri] = Mention(e.label, e.entity_type, "text", Provenance(src.iri, (CharSpan(at, at + len(e.label)),), "ner"),
                                  entity=e.iri)
    rels = [Relation(s.iri, NS + p, o.iri, (mentions[s.iri].iri, mentions[o.iri].iri), "test", 0.9) for s, o, p in relations]
    item = Item(src, mentions=list(mentions.values()), relations=rels, entities={e.iri: e for e in people})
    store.replace_graph(src.iri, source_quads(item, pipeline="t", pipeline_fingerprint="f", paths=[name]))
    store.add(entity_quads(people))


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    kg = KGStore(tmp_path / "kg")
    ada, charles, london, mary = ent("Ada Lovelace"), ent("Charles Babbage"), ent("London", "GPE"), ent("Mary Somerville")
    write_doc(kg, "a.txt", "Ada Lovelace worked with Charles Babbage.", [ada, charles], [(ada, charles, "workedWith")])
    write_doc(kg, "b.txt", "Charles Babbage lived in London." + " " * 400 + "Mary Somerville wrote books.",
              [charles, london, mary])
    write_doc(kg, "c.txt", "Mary Somerville met Ada Lovelace in London.", [mary, ada, london])
    return kg


def test_path_prefers_stated_relations_and_carries_evidence(store):
    graph = load_entity_graph(store)
    best = paths(graph, "Ada Lovelace", "Charles Babbage")[0]
    assert len(best) == 1 and best[0]["kind"] == "relation" and best[0]["predicate"] == NS + "workedWith"
    assert best[0]["sources"] == ["a.txt"] and best[0]["selectors"] == ["char=0,12", "char=25,40"]


def test_far_apart_mentions_are_not_linked(store):
    graph = load_entity_graph(store)
    hop = paths(graph, "Charles Babbage", "Mary Somerville")[0]
    assert len(hop) == 2  # not directly: 400 characters apart in b.txt


def test_neighbors_rank_communities(store):
    graph = load_entity_graph(store)
    near = neighbors(graph, "London", hops=1)
    assert {n["label"] for n in near["nodes"]} == {"London", "Charles Babbage", "Mary Somerville", "Ada Lovelace"}
    assert rank(graph, by="degree", top=1)[0]["label"] in {"London", "Ada Lovelace"}
    groups = communities(graph)
    assert sum(len(g) for g in groups) == 4


def test_cache_follows_store_changes(store):
    first = load_entity_graph(store)
    assert "Grace Hopper" not in {d["label"] for _, d in first.nodes(data=True)}
    write_doc(store, "d.txt", "Grace Hopper admired Ada Lovelace.", [ent("Grace Hopper"), ent("Ada Lovelace")])
    again = load_entity_graph(store)
    assert "Grace Hopper" in {d["label"] for _, d in again.nodes(data=True)}


def test_unknown_entity(store):
    with pytest.raises(EntityNotFound):
        resolve_entity(load_entity_graph(store), "Nobody")
