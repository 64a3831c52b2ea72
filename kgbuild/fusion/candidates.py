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
a full one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rapidfuzz.distance import JaroWinkler

from .atoms import Atom

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
