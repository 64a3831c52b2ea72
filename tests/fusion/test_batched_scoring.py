"""Batched scoring and clustering against their pair-by-pair definitions: sources and
neighbours as id sets (.id_sets), the name rule over a batch (Resolver.priors), the pair
table's own sorting, and the greedy clustering's batched conflict checks."""

import random
from collections import defaultdict

import numpy as np
import pytest

from kgbuild.fusion.atoms import Atom
from kgbuild.fusion.bulk_features import _Interner, _neighbour_jaccard, context_cosines
from kgbuild.fusion.features import pair_features
from kgbuild.fusion.id_sets import IdSets
from kgbuild.fusion.pair_table import PairTable, spelling
from kgbuild.fusion.resolver import Link, Resolver, pair
from kgbuild.fusion.scorer import FusionScorer

LABELS = ["Anna Kowalczyk", "anna kowalczyk", "Kowalczyk", "Adam Kowalczyk", "Leeds", "LEEDS", "Daniel Okafor",
          "Northwind Logistics", "Okafor"]


@pytest.fixture(scope="module")
def scorer():
    return FusionScorer.load()


def _copies(n: int, seed: int) -> dict[str, Atom]:
    """Few spellings in many documents (the linker's per-document atoms): same-name pairs of
    every type, persons with and without company or a related context, boxes, self-neighbours."""
    rng = random.Random(seed)
    vectors = np.random.default_rng(seed).standard_normal((4, 8)).astype(np.float32)
    atoms: dict[str, Atom] = {}
    for i in range(n):
        label = rng.choice(LABELS)
        etype = rng.choice(["PERSON", "PERSON", "ORG", "GPE"])
        iri = f"a{i:03d}"
        company = {rng.choice(LABELS).lower() for _ in range(rng.randint(0, 3))} | {f"a{rng.randrange(n):03d}"}
        atoms[iri] = Atom(iri, label, etype, detected=rng.random() < 0.05,
                          modalities=frozenset({rng.choice(["text", "speech"])}),
                          sources=frozenset(f"doc{rng.randrange(n // 4)}" for _ in range(rng.randint(0, 2))),
                          neighbours=frozenset(company), mentions=1,
                          embedding=None if rng.random() < 0.2 else vectors[rng.randrange(4)] + rng.random())
    return atoms


def test_id_sets_count_what_python_sets_count():
    rng = random.Random(1)
    sets = [frozenset(rng.sample("abcdefghij", rng.randint(0, 6))) for _ in range(60)]
    ids = IdSets(sets, _Interner())
    ia, ib = np.array([rng.randrange(60) for _ in range(500)]), np.array([rng.randrange(60) for _ in range(500)])
    assert ids.common(ia, ib).tolist() == [len(sets[a] & sets[b]) for a, b in zip(ia, ib)]
    owners, values = ia[:50], [rng.choice("abcxyz") for _ in range(50)]
    assert ids.holds(owners, ids.ids_of(values)).tolist() == [v in sets[o] for o, v in zip(owners, values)]
    assert IdSets([frozenset()] * 3, _Interner()).common(np.array([0, 1]), np.array([1, 2])).tolist() == [0, 0]


def test_table_rows_spellings_and_order_equal_the_per_pair_definitions():
    atoms = _copies(160, seed=2)
    iris = sorted(atoms)
    rng = random.Random(3)
    pairs = list({tuple(sorted(rng.sample(iris, 2))) for _ in range(3000)})  # in no order
    table = PairTable(atoms, pairs)
    assert table.pairs == sorted(pairs)
    table.compute_name_rows(batch=500)
    rows = table.rows(0, len(pairs))
    contexts = context_cosines(atoms, table.pairs)
    reference = np.stack([pair_features(atoms[a], atoms[b], c) for (a, b), c in zip(table.pairs, contexts)])
    assert np.array_equal(rows, reference)
    jaccard = [_neighbour_jaccard(atoms[a], atoms[b]) for a, b in table.pairs]
    assert any(atoms[a].iri in atoms[b].neighbours for a, b in table.pairs) and len(set(jaccard)) > 5
    codes = table.spellings(0, len(pairs))
    assert codes.tolist() == [spelling(atoms[a], atoms[b]) for a, b in table.pairs]
    assert {0, 1, 2} <= set(codes.tolist())


def test_the_name_rule_over_a_batch_is_the_rule_pair_by_pair(scorer):
    atoms = _copies(200, seed=5)
    resolver = Resolver(scorer, workers=1)
    iris = sorted(atoms)
    pairs = sorted({(a, b) for a in iris for b in iris if a < b and atoms[a].label.lower() == atoms[b].label.lower()})
    table = PairTable(atoms, pairs)
    table.compute_name_rows(batch=4096)
    feats = table.rows(0, len(pairs))
    p = scorer.probability(feats).astype(np.float64)
    batch = resolver.priors(p, table.spellings(0, len(pairs)), feats).tolist()
    one_by_one = [resolver.name_prior(atoms[a], atoms[b], float(q), f) for (a, b), q, f in zip(pairs, p, feats)]
    assert batch == one_by_one and batch != p.tolist()  # the rule changed some, exactly as pair by pair


def _greedy_one_by_one(resolver, atoms, members, links, cannot, same_thing):
    """The greedy clustering as it was: every cross pair checked in turn, scored alone."""
    group, root = {iri: [iri] for iri in members}, {iri: iri for iri in members}
    for link in sorted(links, key=lambda k: (-k.score, k.a, k.b)):
        ra, rb = root[link.a], root[link.b]
        if ra == rb or any(resolver._conflict(atoms, x, y, cannot, same_thing) is not None
                           for x in group[ra] for y in group[rb]):
            continue
        big, small = (ra, rb) if len(group[ra]) >= len(group[rb]) else (rb, ra)
        for iri in group[small]:
            root[iri] = big
        group[big].extend(group.pop(small))
    return sorted(sorted(g) for g in group.values())


def test_greedy_clustering_in_batches_joins_what_one_by_one_joins(scorer):
    atoms = _copies(120, seed=8)
    resolver = Resolver(scorer, workers=1)
    pairs = resolver.candidate_pairs(atoms)
    links = resolver.links(atoms, pairs)
    assert len(links) > 100
    resolver.max_cut = 2  # every group greedily
    batched = resolver.cluster(atoms, links, cannot={pair(links[0].a, links[0].b)})
    one_by_one = Resolver(scorer, workers=1)
    one_by_one.max_cut = 2
    one_by_one._greedy = lambda *args: _greedy_one_by_one(one_by_one, *args)  # type: ignore[method-assign]
    assert one_by_one.cluster(atoms, links, cannot={pair(links[0].a, links[0].b)}) == batched
    sizes = defaultdict(int)
    for canon in batched.values():
        sizes[canon] += 1
    assert max(sizes.values()) > 2 and len(sizes) > 1  # joins made, and some refused


def test_groups_once_apart_stay_apart(scorer):
    """A second link between two groups that conflict is refused without a second check."""
    atoms = {iri: Atom(iri, label, "PERSON", modalities=frozenset({"text"}), sources=frozenset({iri}))
             for iri, label in [("a", "Anna Kowalczyk"), ("b", "Adam Kowalczyk"), ("c", "Kowalczyk"),
                                ("d", "A. Kowalczyk")]}
    links = [Link("a", "c", 0.95, "model"), Link("b", "c", 0.9, "model"), Link("b", "d", 0.85, "model"),
             Link("a", "d", 0.8, "model")]
    resolver = Resolver(scorer, workers=1)
    resolver.max_cut = 2
    checks = []
    clashes = resolver._clashes
    resolver._clashes = lambda *args: checks.append((sorted(args[1]), sorted(args[2]))) or clashes(*args)  # type: ignore[method-assign]
    canon = resolver.cluster(atoms, links)
    assert canon["a"] == canon["c"] != canon["b"] == canon["d"]
    assert checks == [(["a"], ["c"]), (["b"], ["a", "c"]), (["b"], ["d"])]  # a-d: {a, c} and {b, d} stay apart


def test_rewriting_pairs_found_as_arrays_are_those_found_pair_by_pair():
    from kgbuild.fusion.bulk_features import _rewrites, _rewriting, profile

    labels = ["U.S. Navy", "United States Navy", "DeLaCruz", "Ana De La Cruz", "Magnolia Labs Group",
              "Magnolia LabsGroup", "LabsGroup", "Anna Kowalczyk", "Kowalczyk", "NASA", "Dr.", "", "De La Cruz",
              "Cruz", "Ana DeLaCruz", "Van der Berg", "Vanderberg", "Berg"]
    profs = [profile(label) for label in labels]
    ia, ib = np.divmod(np.arange(len(labels) ** 2), len(labels))
    found = _rewriting(profs, ia, ib).tolist()
    assert found == [_rewrites(profs[a], profs[b]) for a, b in zip(ia, ib)]
    assert 0 < sum(found) < len(found)


def test_interned_ids_follow_first_appearance():
    ids = _Interner()
    assert ids.ids(["b", "a", "b", "c"]).tolist() == [0, 1, 0, 2]
    assert ids.ids(iter(["c", "d", "a"])).tolist() == [2, 3, 1] and ids.id("e") == 4 and list(ids) == list("bacde")
