import random

import pytest

from kgbuild.fusion.atoms import Atom
from kgbuild.fusion.resolver import Link, Resolver, block_index
from kgbuild.fusion.scorer import FusionScorer


@pytest.fixture(scope="module")
def resolver():
    return Resolver(FusionScorer.load())


def _atoms(*specs):
    out = {}
    for iri, label, etype, mod in specs:
        out[iri] = Atom(iri, label, etype, modalities=frozenset({mod}), sources=frozenset({f"src-{iri}"}), mentions=1)
    return out


CAST = _atoms(("e1", "Anna Kowalczyk", "PERSON", "text"), ("e2", "Kowalchuk", "PERSON", "speech"),
              ("e3", "Anna Kowalczyk's", "PERSON", "ocr"), ("e4", "Adam Kowalski", "PERSON", "text"),
              ("e5", "Northwind Aerospace", "ORG", "text"), ("e6", "Northwind", "ORG", "text"),
              ("e7", "Canada", "GPE", "text"), ("e8", "Pima County", "GPE", "text"))


def _resolve(resolver, atoms):
    links = resolver.links(atoms, resolver.candidate_pairs(atoms))
    return resolver.cluster(atoms, links)


def test_variants_merge_and_similar_names_stay_apart(resolver):
    canon = _resolve(resolver, CAST)
    assert canon["e1"] == canon["e2"] == canon["e3"]  # misheard and misread
    assert canon["e4"] != canon["e1"]
    assert canon["e5"] == canon["e6"]
    assert canon["e7"] != canon["e8"]
    assert canon["e1"] == "e1"  # the written, most complete name is the canonical member


def test_a_bare_surname_cannot_chain_two_people(resolver):
    atoms = _atoms(("p1", "Anna Kowalczyk", "PERSON", "text"), ("p2", "Adam Kowalczyk", "PERSON", "text"),
                   ("p3", "Kowalczyk", "PERSON", "text"))
    canon = _resolve(resolver, atoms)
    assert canon["p1"] != canon["p2"]


def test_result_does_not_depend_on_order(resolver):
    expected = _resolve(resolver, CAST)
    for seed in range(3):
        keys = list(CAST)
        random.Random(seed).shuffle(keys)
        assert _resolve(resolver, {k: CAST[k] for k in keys}) == expected


def test_cannot_link_splits_a_merge(resolver):
    links = resolver.links(CAST, resolver.candidate_pairs(CAST))
    canon = resolver.cluster(CAST, links, cannot={("e5", "e6")})
    assert canon["e5"] != canon["e6"]


def test_large_blocks_use_a_window_so_candidates_grow_linearly():
    atoms = {f"s{i}": Atom(f"s{i}", f"Person{i:05d} Smith", "PERSON") for i in range(3000)}
    r = Resolver(FusionScorer.load(), max_block=100, window=10)
    pairs = r.candidate_pairs(atoms, index=block_index(atoms.values()))
    assert len(pairs) < 3000 * 10 * 4  # all pairs would be 4.5 million


def test_links_between_two_boxes_of_one_picture_never_join_them(resolver):
    atoms = {"b1": Atom("b1", "person", "PERSON", detected=True, sources=frozenset({"img"})),
             "b2": Atom("b2", "person", "PERSON", detected=True, sources=frozenset({"img"})),
             "n": Atom("n", "Eileen Collins", "PERSON", sources=frozenset({"cap"}))}
    canon = resolver.cluster(atoms, [Link("b1", "n", 0.9, "grounding"), Link("b2", "n", 0.8, "grounding")])
    assert canon["b1"] == canon["n"] == "n" and canon["b2"] == "b2"


def test_a_clash_cuts_the_weakest_links_instead_of_refusing_the_strongest(resolver):
    """A heard "Kowalski" links to Anna (0.6, early in no order) and to Adam (0.97): the
    group Anna-Kowalski-Adam holds a clash, and the cut falls on the weaker link."""
    atoms = {"anna": Atom("anna", "Anna Kowalczyk", "PERSON", modalities=frozenset({"text"}), sources=frozenset({"s1"})),
             "adam": Atom("adam", "Adam Kowalski", "PERSON", modalities=frozenset({"text"}), sources=frozenset({"s2"})),
             "heard": Atom("heard", "Kowalski", "PERSON", modalities=frozenset({"speech"}), sources=frozenset({"s3"}))}
    links = [Link("anna", "heard", 0.6, "model"), Link("adam", "heard", 0.97, "model")]
    canon = resolver.cluster(atoms, links)
    assert canon["heard"] == canon["adam"] and canon["anna"] != canon["adam"]


def test_greedy_clustering_of_a_very_large_group_keeps_the_same_constraints(resolver):
    atoms = _atoms(("p1", "Anna Kowalczyk", "PERSON", "text"), ("p2", "Adam Kowalczyk", "PERSON", "text"),
                   ("p3", "Kowalczyk", "PERSON", "text"))
    links = [Link("p1", "p3", 0.9, "model"), Link("p2", "p3", 0.8, "model")]
    small = Resolver(FusionScorer.load())
    small.max_cut = 2  # this group of 3 is clustered greedily
    canon = small.cluster(atoms, links)
    assert canon["p1"] == canon["p3"] != canon["p2"]
    assert resolver.cluster(atoms, links) == canon  # and the cut agrees


def _doc_atom(iri, label, etype, vec, company=()):
    import numpy as np

    v = np.asarray(vec, dtype="float32")
    return Atom(iri, label, etype, modalities=frozenset({"text"}), sources=frozenset({f"src-{iri}"}),
                neighbours=frozenset(company), embedding=v / np.linalg.norm(v), mentions=1)


def test_one_name_in_two_documents_place_is_one_thing_person_needs_corroboration(resolver):
    # document-scoped atoms: the same name, two documents, contexts that have nothing in common
    far = [1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]
    places = {"p1": _doc_atom("p1", "Leeds", "GPE", far[0]), "p2": _doc_atom("p2", "Leeds", "GPE", far[1])}
    assert next(resolver.score(places, [("p1", "p2")]))[2] >= 0.9
    people = {"d1": _doc_atom("d1", "Daniel Okafor", "PERSON", far[0], {"lagos jazz quartet"}),
              "d2": _doc_atom("d2", "Daniel Okafor", "PERSON", far[1], {"leeds city council"})}
    assert next(resolver.score(people, [("d1", "d2")]))[2] < resolver.threshold  # two men, one name
    near = [1.0, 0.2, 0.0, 0.0]  # related contexts, or company in common: the model decides, and joins them
    people["d3"] = _doc_atom("d3", "Daniel Okafor", "PERSON", near, {"lagos jazz quartet"})
    assert next(resolver.score(people, [("d1", "d3")]))[2] >= resolver.threshold
