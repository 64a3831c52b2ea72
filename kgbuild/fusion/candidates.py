"""Candidate pairs inside a large block: a sorted window, then each name's best few.

A block larger than the all-pairs limit (a common surname's sound, a first name, "East")
is compared within a sliding window over its sorted names (``window`` names each side).
Blocks keyed on common tokens grow with the corpus and more of them pass the limit, so with
the window alone the pairs grew as N^1.35-2 (bench/fusion.py: pairs from windows grew
10× from 10k to 30k mentions while the atoms grew 3×), and only ~1 % of them were pairs of
one entity. Each name therefore keeps only its ``keep`` best other spellings in its window by
a cheap score — how many blocking keys the two names share (variants of one name share their
sound, prefix, skeleton and joined keys; strangers in a first-name block share one), then the
Jaro-Winkler of their normalised labels — one atom of each (atoms are per document, so one
spelling has many copies), and its ``keep`` nearest copies of its own spelling; a pair stays
when either name keeps it.

The score depends only on the two names and the choice only on the block's members, so an
incremental run (which sees every member of the blocks it touches) keeps the same pairs as
a full one. :func:`block_pairs` enumerates a whole index's pairs as integer codes (.pair_set).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

import numpy as np
from rapidfuzz.distance import JaroWinkler

from .atoms import Atom
from .pair_set import PairSet, codes

# Off by default (Resolver(keep=None)): on document-scoped atoms it cost F1 (bench/fusion.py
# --scope document, 100k mentions: 0.9607 with the whole window, 0.9567 keeping 6) for 8 % of
# the CPU; on per-name atoms it kept F1 (0.871) and halved the pairs. 6 is the value measured.
KEEP = 6


def best_window_pairs(ordered: Sequence[str], atoms: dict[str, Atom], keys_of: Callable[[str], frozenset[str]],
                      window: int, keep: int | None) -> set[tuple[str, str]]:
    """Pairs (a < b) of a large block whose members are ``ordered`` by label: each member's
    ``keep`` best partners among the ``window`` names either side of it (None: all of them)."""
    if keep is None:
        return {(a, b) if a < b else (b, a) for i, a in enumerate(ordered) for b in ordered[i + 1:i + 1 + window]}
    partners: dict[str, list[tuple[float, float, str, str]]] = {iri: [] for iri in ordered}
    copies: dict[str, list[tuple[int, str]]] = {iri: [] for iri in ordered}
    for i, a in enumerate(ordered):
        keys_a, label_a = keys_of(a), atoms[a].label.lower()
        for j, b in enumerate(ordered[i + 1:i + 1 + window], 1):
            label_b = atoms[b].label.lower()
            if label_b == label_a:  # another document's atom of this spelling: the nearest few
                copies[a].append((j, b))
                copies[b].append((j, a))
                continue
            shared = len(keys_a & keys_of(b))
            similar = JaroWinkler.normalized_similarity(label_a, label_b)
            partners[a].append((-shared, -similar, label_b, b))
            partners[b].append((-shared, -similar, label_a, a))
    out: set[tuple[str, str]] = set()
    for a, near in copies.items():
        out.update((a, b) if a < b else (b, a) for _, b in sorted(near)[:keep])
    for a, ranked in partners.items():
        labels: set[str] = set()
        for _, _, label, b in sorted(ranked):  # the best copy of each of the best other spellings
            if label in labels:
                continue
            labels.add(label)
            out.add((a, b) if a < b else (b, a))
            if len(labels) == keep:
                break
    return out


def block_pairs(index: dict[str, list[str]], atoms: dict[str, Atom], keys_of: Callable[[str], frozenset[str]], *,
                all_pairs: int, window: int, keep: int | None, focus: Iterable[str] | None = None) -> PairSet:
    """The pairs sharing a block of ``index``: all pairs of a block of at most ``all_pairs``
    members, :func:`best_window_pairs` of a larger one; with ``focus``, only pairs with a focus
    atom in them. As integer codes over the members (.pair_set), not a set of tuples: small
    blocks of one size are paired in one array operation, a window by its offsets."""
    iris = sorted({m for members in index.values() if len(members) > 1 for m in members})
    number, width = {iri: i for i, iri in enumerate(iris)}, max(1, len(iris))
    parts: list[np.ndarray] = []
    small: dict[int, list[list[int]]] = defaultdict(list)  # blocks compared all-pairs, by size
    by_label: np.ndarray | None = None  # each atom's place in (lower-case label, IRI) order
    for members in index.values():
        if len(members) < 2:
            continue
        if len(members) <= all_pairs:
            small[len(members)].append(list(map(number.__getitem__, members)))
            continue
        if by_label is None:  # sorted once for all atoms, not once per large block each is in
            by_label = np.empty(len(iris), dtype=np.int64)
            by_label[sorted(range(len(iris)), key=lambda i: (atoms[iris[i]].label.lower(), iris[i]))] = np.arange(len(iris))
        ids = np.fromiter(map(number.__getitem__, members), dtype=np.int64, count=len(members))
        ids = ids[np.argsort(by_label[ids])]  # a total order: the block's members by label, then IRI
        if keep is None:  # each name with the ``window`` names after it
            parts.extend(codes(ids[:-d], ids[d:], width) for d in range(1, min(window, len(ids) - 1) + 1))
        else:
            chosen = best_window_pairs([iris[i] for i in ids.tolist()], atoms, keys_of, window, keep)
            parts.append(np.array([number[a] * width + number[b] for a, b in chosen], dtype=np.int64))
    for size, blocks in small.items():
        ids, (i, j) = np.array(blocks, dtype=np.int64), np.triu_indices(size, 1)
        parts.append(codes(ids[:, i].ravel(), ids[:, j].ravel(), width))
    found = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    if focus is not None:
        chosen_ids = np.zeros(width, dtype=bool)
        chosen_ids[[number[iri] for iri in set(focus) if iri in number]] = True
        lo, hi = np.divmod(found, width)
        found = found[chosen_ids[lo] | chosen_ids[hi]]
    return PairSet.from_codes(iris, found)
