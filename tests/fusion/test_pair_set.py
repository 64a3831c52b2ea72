"""Candidate pairs as integer arrays (.pair_set, candidates.block_pairs) against the set of
tuples the resolver built before, and one name table for all labels (.bulk_features.NameTable)
against name rows computed a batch at a time."""

import random

import numpy as np
import pytest

from kgbuild.fusion.atoms import Atom
from kgbuild.fusion.bulk_features import NameTable, name_feature_rows
from kgbuild.fusion.candidates import best_window_pairs
from kgbuild.fusion.names import blocking_keys
from kgbuild.fusion.pair_set import PairSet, distinct, distinct_inverse
from kgbuild.fusion.resolver import Resolver, block_index, pair
from kgbuild.fusion.scorer import FusionScorer

FIRST = "Anna Adam Petra Peter Jon John Youssef Yusuf Ana Luca Katrin Maria Chidi Mei J. A.".split()
SURNAME = "Kowalczyk Kowalski Kowalchuk DeLaCruz Haddad Okafor Harper Nakamura Harpers Okafur".split()
ORG = "Northwind Logistics Inc|Northwind Logistics|NASA|U.S. Navy|United States Navy|Blue River Bank".split("|")


def _corpus(n: int, seed: int) -> dict[str, Atom]:
    """Per-document atoms of few names: blocks past the all-pairs limit, and small ones."""
    rng = random.Random(seed)
    atoms = {}
    for i in range(n):
        kind = rng.choice(["PERSON", "PERSON", "ORG"])
        label = (rng.choice([f"{rng.choice(FIRST)} {rng.choice(SURNAME)}", rng.choice(SURNAME)])
                 if kind == "PERSON" else rng.choice(ORG))
        if rng.random() < 0.3:
            label = label + rng.choice("aeiouxyz")  # a misspelling: names outside the big blocks
        atoms[f"urn:a/{i:04d}"] = Atom(f"urn:a/{i:04d}", label, kind, modalities=frozenset({"text"}))
    return atoms


def _tuple_pairs(resolver: Resolver, atoms, index, focus=None) -> set[tuple[str, str]]:
    """Resolver.candidate_pairs as it was: a Python set of (a, b) tuples, block by block."""
    focus_set = set(focus) if focus is not None else None
    out: set[tuple[str, str]] = set()
    keys = {iri: frozenset(blocking_keys(a.label, a.entity_type)) for iri, a in atoms.items()}
    limit = min(resolver.max_block, 2 * resolver.window + 1)
    for members in index.values():
        if len(members) < 2:
            continue
        if len(members) <= limit:
            for a in members if focus_set is None else [m for m in members if m in focus_set]:
                out.update(pair(a, b) for b in members if b != a)
        else:
            ordered = sorted(members, key=lambda iri: (atoms[iri].label.lower(), iri))
            out.update(p for p in best_window_pairs(ordered, atoms, keys.__getitem__, resolver.window, resolver.keep)
                       if focus_set is None or p[0] in focus_set or p[1] in focus_set)
    return out


@pytest.mark.parametrize("keep", [None, 3])
def test_block_pairs_are_the_tuple_sets_pairs_in_sorted_order(keep):
    atoms = _corpus(900, seed=21)
    resolver = Resolver(FusionScorer.load(), keep=keep, window=4)  # all pairs up to 9 members, windows beyond
    index = block_index(atoms.values())
    assert any(len(m) > 9 for m in index.values()) and any(2 < len(m) <= 9 for m in index.values())
    pairs = resolver.candidate_pairs(atoms, index=index)
    expected = _tuple_pairs(resolver, atoms, index)
    assert isinstance(pairs, PairSet) and len(pairs) == len(expected) > 1000
    assert pairs == expected and list(pairs) == sorted(expected)
    assert all(p in pairs for p in list(expected)[:200]) and ("x", "y") not in pairs
    assert sorted({a for p in expected for a in p}) == pairs.iris  # only atoms in some pair, numbered in order
    focus = sorted(atoms)[::9]
    assert resolver.candidate_pairs(atoms, focus=focus, index=index) == _tuple_pairs(resolver, atoms, index, focus)


def test_a_pair_set_reads_as_the_set_it_holds():
    iris = ["a", "b", "c", "d"]
    pairs = PairSet.from_codes(iris, np.array([0 * 4 + 2, 2 * 4 + 3, 0 * 4 + 2]))  # a-c twice, c-d; b in none
    assert list(pairs) == [("a", "c"), ("c", "d")] and pairs.iris == ["a", "c", "d"]
    assert ("a", "c") in pairs and ("c", "a") not in pairs and ("a", "d") not in pairs and "ac" not in pairs
    assert pairs == {("a", "c"), ("c", "d")} and pairs < {("a", "c"), ("c", "d"), ("a", "b")}
    assert len(PairSet.from_codes([], np.zeros(0, dtype=np.int64))) == 0


def test_distinct_is_numpys_unique():
    rng = np.random.default_rng(4)
    for values in (np.zeros(0, dtype=np.int64), np.array([5]), rng.integers(0, 30, 500), rng.integers(0, 10**12, 5000)):
        ordered, inverse = distinct_inverse(values)
        reference, back = np.unique(values, return_inverse=True)
        assert np.array_equal(ordered, reference) and np.array_equal(inverse, back)
        assert np.array_equal(distinct(values), reference)


def test_one_name_table_for_all_labels_gives_the_rows_of_each_batch_alone():
    """Rows from one table of every label, any slice of pairs, equal rows computed from a
    table of the slice's labels only (the width of the word arrays follows the slice)."""
    rng = random.Random(5)
    labels = sorted({a.label for a in _corpus(500, seed=9).values()} | {"Ana Maria De La Cruz Lopez", "U.S. Navy"})
    table = NameTable(labels)
    ia = np.array([rng.randrange(len(labels)) for _ in range(3000)])
    ib = np.array([rng.randrange(len(labels)) for _ in range(3000)])
    for start, end in [(0, 3000), (0, 700), (700, 2100), (2999, 3000)]:
        rows = table.rows(ia[start:end], ib[start:end])
        alone = name_feature_rows([(labels[a], labels[b]) for a, b in zip(ia[start:end], ib[start:end])])
        assert np.array_equal(rows, alone)
    assert table.rows(ia[:0], ib[:0]).shape == (0, rows.shape[1])
