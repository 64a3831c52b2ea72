"""Bulk pair features (.bulk_features) against the per-pair reference (.features), and the
pooled scoring (.parallel) against the serial run."""

import random

import numpy as np
import pytest

from kgbuild.fusion import parallel
from kgbuild.fusion.atoms import Atom
from kgbuild.fusion.bulk_features import context_cosines, name_feature_rows, pair_feature_rows
from kgbuild.fusion.features import FEATURES, NAME_FEATURES, name_features, pair_features
from kgbuild.fusion.pair_table import PairTable
from kgbuild.fusion.resolver import Resolver
from kgbuild.fusion.scorer import FusionScorer
from kgbuild.fusion.training import ocr_drop, respell, transliterate

FIRST = "Anna Adam Petra Peter Jon John Youssef Yusuf Ana Luca Katrin Maria Chidi Mei Olena Sergei J. A.".split()
SURNAME = ("Kowalczyk|Kowalski|Kowalchuk|De La Cruz|DeLaCruz|Di Stefano|DiStefano|Van der Berg|Al-Amin|O'Neill|"
           "Müller|Mueller|Haddad|Okafor|St. Clair|Harper|Nakamura|Ben Ali|Le Roux").split("|")
ORG = ("Northwind Logistics Inc|Northwind Logistics|Baltic Institute of Chemistry|BIC|NASA|U.S. Navy|"
       "United States Navy|Geneva Institute|ETH Zurich|Panama Canal Authority|Blue River Bank").split("|")
PLACE = "Geneva|Lake Geneva|U.K.|UK|United Kingdom|Zurich|East Ashford|Ashford|Canada|Pima County|Dr.".split("|")
TYPES = {"PERSON": ("PERSON", "ORG"), "ORG": ("ORG", "NORP", "PERSON"), "PLACE": ("GPE", "LOC", "FAC", "PERSON")}


def _corpus(n: int, seed: int = 3, dim: int = 16) -> dict[str, Atom]:
    """Atoms with the cases the features branch on: particles, initials, abbreviations,
    respacing, acronyms, genders, places in longer names, noisy spellings, no context."""
    rng = random.Random(seed)
    vectors = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    atoms = {}
    for i in range(n):
        kind = rng.choice(list(TYPES))
        if kind == "PERSON":
            label = rng.choice([f"{rng.choice(FIRST)} {rng.choice(SURNAME)}", rng.choice(SURNAME)])
        else:
            label = rng.choice(ORG if kind == "ORG" else PLACE)
        modality = rng.choice(["text", "text", "speech", "ocr"])
        label = {"speech": respell, "ocr": ocr_drop}.get(modality, lambda x, _r: x)(label, rng)
        if rng.random() < 0.1:
            label = " ".join(transliterate(w, rng) for w in label.split())
        iri = f"urn:atom/{i:04d}"
        atoms[iri] = Atom(iri, label, rng.choice(TYPES[kind]), modalities=frozenset({modality}),
                          sources=frozenset(f"doc{rng.randrange(n // 3)}" for _ in range(rng.randint(1, 3))),
                          neighbours=frozenset(f"urn:atom/{rng.randrange(n):04d}" for _ in range(rng.randint(0, 6))),
                          embedding=None if rng.random() < 0.15 else vectors[i], mentions=rng.randint(1, 5))
    return atoms


def _reference_cosine(a: Atom, b: Atom) -> float:
    """The resolver's per-batch cosine before bulk scoring, for one pair."""
    if a.embedding is None or b.embedding is None:
        return 0.5
    u, v = a.embedding[None], b.embedding[None]
    return float(np.clip((u * v).sum(1) / (np.linalg.norm(u, axis=1) * np.linalg.norm(v, axis=1) + 1e-9), -1, 1)[0])


def test_bulk_rows_equal_the_per_pair_features_exactly():
    atoms = _corpus(400)
    iris = sorted(atoms)
    rng = random.Random(5)
    pairs = sorted({tuple(sorted(rng.sample(iris, 2))) for _ in range(3000)})
    contexts = context_cosines(atoms, pairs)
    assert contexts == [_reference_cosine(atoms[a], atoms[b]) for a, b in pairs]
    bulk = pair_feature_rows(atoms, pairs, contexts)
    reference = np.stack([pair_features(atoms[a], atoms[b], c) for (a, b), c in zip(pairs, contexts)])
    assert bulk.dtype == np.float32 and bulk.shape == (len(pairs), len(FEATURES))
    differ = [(atoms[pairs[i][0]].label, atoms[pairs[i][1]].label, FEATURES[j]) for i, j in np.argwhere(bulk != reference)]
    assert not differ, differ[:5]
    # the sample reaches the branches: every feature takes several values
    assert all(len(set(reference[:, j])) > 1 for j in range(len(FEATURES)))


def _with_copies(atoms: dict[str, Atom], seed: int = 9) -> dict[str, Atom]:
    """Each atom also written in two more documents (other contexts, company, modality)."""
    rng = random.Random(seed)
    out = dict(atoms)
    for iri, atom in atoms.items():
        for k in range(2):
            copy = f"{iri}/copy{k}"
            out[copy] = Atom(copy, atom.label, atom.entity_type, modalities=frozenset({rng.choice(["text", "speech"])}),
                             sources=frozenset({f"other{rng.randrange(50)}"}),
                             neighbours=frozenset(rng.sample(sorted(atoms), 3)),
                             embedding=None if atom.embedding is None else np.roll(atom.embedding, k + 1),
                             mentions=1)
    return out


def test_the_pair_table_shares_name_rows_and_equals_the_per_pair_features():
    atoms = _with_copies(_corpus(150, seed=4))
    iris = sorted(atoms)
    rng = random.Random(6)
    pairs = sorted({tuple(sorted(rng.sample(iris, 2))) for _ in range(2500)}
                   | {(iri, f"{iri}/copy{k}") for iri in iris[:40] if "/copy" not in iri for k in range(2)})
    table = PairTable(atoms, pairs)
    assert len(table.label_pairs) < len(pairs)  # copies share their names' rows
    table.compute_name_rows(batch=300)
    rows = np.concatenate([table.rows(s, min(s + 700, len(pairs))) for s in range(0, len(pairs), 700)])
    contexts = context_cosines(atoms, pairs)  # the batch cosines the resolver always used
    reference = np.stack([pair_features(atoms[a], atoms[b], c) for (a, b), c in zip(pairs, contexts)])
    assert rows.dtype == np.float32
    differ = [(pairs[i], FEATURES[j]) for i, j in np.argwhere(rows != reference)]
    assert not differ, differ[:5]


def test_clustering_reuses_the_scores_of_the_links_and_gives_the_same_clusters(scorer):
    atoms = _with_copies(_corpus(300, seed=12))
    resolver = Resolver(scorer, workers=1)
    pairs = resolver.candidate_pairs(atoms)
    scores: dict = {}
    links = resolver.links(atoms, pairs, scores)
    assert links == resolver.links(atoms, pairs) and set(scores) == pairs
    calls = []
    scored = resolver.scored
    resolver.scored = lambda a, p: calls.append(len(p := list(p))) or scored(a, p)  # type: ignore[method-assign]
    reused = resolver.cluster(atoms, links, scores=scores)
    asked = sum(calls)
    calls.clear()
    assert reused == resolver.cluster(atoms, links) and len(set(reused.values())) < len(atoms)
    assert asked < sum(calls)  # the candidate pairs were not scored again


def test_name_rows_cover_the_rewriting_pairs():
    pairs = [("U.S. Navy", "United States Navy"), ("DeLaCruz", "Ana De La Cruz"), ("UK", "United Kingdom"),
             ("Dr.", "Anna Kowalczyk"), ("J. Harper", "Jon Harper"), ("Anna Kowalczyk", "Adam Kowalczyk"),
             ("Youssef Haddad", "Yusuf Haddad"), ("Canada", "Pima County"), ("Petra Novak", "Peter Novak")] * 5
    rows = name_feature_rows(pairs)
    for (a, b), row in zip(pairs, rows):
        f = name_features(a, b)
        assert row.tolist() == [f[name] for name in FEATURES[:NAME_FEATURES]], (a, b)


def test_small_batches_and_contexts_computed_inside():
    atoms = _corpus(60)
    pairs = sorted(atoms)[:2], sorted(atoms)[2:4]
    rows = pair_feature_rows(atoms, [tuple(p) for p in pairs])
    expected = np.stack([pair_features(atoms[a], atoms[b]) for a, b in pairs])
    assert np.array_equal(rows, expected)
    assert pair_feature_rows(atoms, []).shape == (0, len(FEATURES))


@pytest.fixture(scope="module")
def scorer():
    return FusionScorer.load()


def test_pooled_scoring_gives_the_serial_clusters_and_canonical_iris(scorer, monkeypatch):
    atoms = _corpus(700, seed=11)
    serial = Resolver(scorer, batch=256, workers=1)
    pairs = serial.candidate_pairs(atoms)
    monkeypatch.setattr(parallel, "MIN_PARALLEL_PAIRS", 512)
    pooled = Resolver(scorer, batch=256, workers=2)
    assert parallel.pool_size(len(pairs), 256, 2) == 2 and parallel.pool_size(len(pairs), 256, 1) == 0
    serial_links, pooled_links = serial.links(atoms, pairs), pooled.links(atoms, pairs)
    assert len(serial_links) > 50 and serial_links == pooled_links
    serial_canon = serial.cluster(atoms, serial_links)
    assert len(set(serial_canon.values())) < len(atoms)  # something merged
    assert pooled.cluster(atoms, pooled_links) == serial_canon
    scored = list(serial.score(atoms, pairs))
    assert [(a, b, p) for a, b, p, _ in scored] == [(a, b, p) for a, b, p, _ in pooled.score(atoms, pairs)]


def test_large_blocks_keep_each_names_best_partners(scorer):
    """A first-name block of strangers with one misspelt pair in it: each name keeps its
    ``keep`` best window partners, and the variants (sharing most keys) are among them."""
    from kgbuild.fusion.resolver import block_index

    surnames = [f"{w}{e}" for w in ("Hart", "Brook", "Fenn", "Gold", "Lind", "Marsh", "Pike", "Ross")
                for e in ("ley", "wood", "field", "man", "ton")]
    atoms = {f"p{i:02d}": Atom(f"p{i:02d}", f"Anna {s}", "PERSON") for i, s in enumerate(surnames)}
    atoms["v"] = Atom("v", "Anna Goldfeld", "PERSON")  # OCR slip of "Anna Goldfield"
    index = block_index(atoms.values())
    assert len(index["PERSON|f|anna"]) > 2 * 10 + 1  # windowed, not all pairs
    capped, uncapped = Resolver(scorer, keep=2), Resolver(scorer, keep=None)
    pairs, window = capped.candidate_pairs(atoms, index=index), uncapped.candidate_pairs(atoms, index=index)
    assert pairs < window
    ordered = sorted(index["PERSON|f|anna"], key=lambda iri: (atoms[iri].label.lower(), iri))
    assert {tuple(sorted((a, b))) for i, a in enumerate(ordered) for b in ordered[i + 1:i + 11]} <= window
    goldfield = next(iri for iri, a in atoms.items() if a.label == "Anna Goldfield")
    assert tuple(sorted(("v", goldfield))) in pairs
    only_first = {k: v for k, v in index.items() if k == "PERSON|f|anna"}
    per_name = [sum(1 for p in capped.candidate_pairs(atoms, index=only_first) if iri in p) for iri in atoms]
    assert max(per_name) <= 2 * 2 + 2 and min(per_name) >= 2  # its own best 2, and those that chose it


def test_an_incremental_run_keeps_the_pairs_of_a_full_run(scorer):
    """fuse.Fuser scores only the changed atoms' blocks (every member of each): the capped
    windows must choose the same pairs there as over the whole index."""
    from kgbuild.fusion.names import blocking_keys
    from kgbuild.fusion.resolver import block_index

    atoms = _corpus(900, seed=17)
    resolver = Resolver(scorer, keep=3)
    index = block_index(atoms.values())
    full = resolver.candidate_pairs(atoms, index=index)
    assert any(len(m) > 21 for m in index.values())  # some blocks are windowed
    focus = sorted(atoms)[::7]
    keys = {k for iri in focus for k in blocking_keys(atoms[iri].label, atoms[iri].entity_type)}
    partial = resolver.candidate_pairs(atoms, focus=focus, index={k: m for k, m in index.items() if k in keys})
    assert partial == {p for p in full if p[0] in focus or p[1] in focus}
