"""The features of a whole candidate list, each distinct pair of names featurised once.

Atoms are per document (issue 16), so one spelling has a copy in every document that writes
it, and the candidate list repeats each pair of spellings many times over: at 100k synthetic
mentions (bench/fusion.py) 692k atom pairs are 347k pairs of labels. The name features (the
first ``NAME_FEATURES`` of :data:`.features.FEATURES`) depend on the two labels alone, so
they are computed once per distinct (label a, label b) — in that order, as a few of them are
not symmetric — and shared by every atom pair written so; two copies of one name get the
row of (label, label) and differ only in context and company. The other features (type,
context, company, source, noise) belong to the atoms and are computed from per-atom arrays:
each atom's context vector and its norm once, not once per pair; its sources and neighbours as
sorted ids (.id_sets), so shared sources and the neighbour Jaccard are array operations too.
The table also gives each pair's spelling code (:func:`spelling`), the resolver's name rule
(resolver.Resolver.priors) then applies to a batch at once.

Every row equals :func:`.features.pair_features` of its pair, float32 for float32
(tests/fusion/test_bulk_features.py), so links and clusters are those of pair-by-pair scoring.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain
from operator import itemgetter

import numpy as np

from .atoms import Atom
from .bulk_features import COLUMN, NameTable, _Interner, profile
from .features import FEATURES, NAME_FEATURES
from .id_sets import IdSets
from .names import type_group
from .pair_set import PairSet, distinct_inverse

# What one spelling in two atoms is worth, decided by the resolver (resolver.name_prior):
# SAME_NAME, one name of one type other than a person's; SAME_PERSON, one person's full name.
OTHER, SAME_NAME, SAME_PERSON = 0, 1, 2


def spelling(a: Atom, b: Atom) -> int:
    """The pair's spelling code, pair by pair (:meth:`PairTable.spellings` for a batch)."""
    if a.label.casefold() != b.label.casefold():
        return OTHER
    if a.entity_type == b.entity_type != "PERSON" and not (a.detected or b.detected):
        return SAME_NAME
    if a.entity_type == b.entity_type == "PERSON" and len(profile(a.label).toks) > 1:
        return SAME_PERSON
    return OTHER


class PairTable:
    """Candidate pairs as ids into their atoms and into their distinct label pairs.

    ``pairs`` are put in sorted order (``self.pairs``: the batches, and so the results, do not
    depend on the order they came in). The distinct label pairs (``label_a``, ``label_b``,
    ids into ``names``) are featurised by the caller (:meth:`name_rows`, a pool may share the
    work) and handed to :meth:`set_name_rows`; :meth:`rows` then gives any slice's rows."""

    def __init__(self, atoms: dict[str, Atom], pairs: Iterable[tuple[str, str]]) -> None:
        self._sorted: PairSet | list[tuple[str, str]]
        if isinstance(pairs, PairSet):  # already sorted integers (the resolver's candidates)
            iris, self.ia, self.ib, self._sorted = pairs.iris, pairs.ia, pairs.ib, pairs
        else:
            given = pairs if isinstance(pairs, list) else list(pairs)
            # sorted as integers, not as tuples of strings (~3 s for 1.8M pairs): atom ids numbered
            # in IRI order, so (id a, id b) sorts as (IRI a, IRI b) does
            iris = sorted(set(chain.from_iterable(given)))
            rank = {iri: i for i, iri in enumerate(iris)}.__getitem__
            code = (np.fromiter(map(rank, map(itemgetter(0), given)), dtype=np.int64, count=len(given)) * max(1, len(iris))
                    + np.fromiter(map(rank, map(itemgetter(1), given)), dtype=np.int64, count=len(given)))
            order = np.argsort(code, kind="stable")
            self._sorted = list(map(given.__getitem__, order.tolist()))
            self.ia, self.ib = np.divmod(code[order], max(1, len(iris)))
        self.members = members = [atoms[iri] for iri in iris]
        labels = _Interner()
        label_id = labels.ids(m.label for m in members)
        # each distinct (label a, label b), and which one each pair writes
        code = label_id[self.ia] * max(1, len(labels)) + label_id[self.ib]
        distinct, self.label_pair = distinct_inverse(code)
        self.label_a, self.label_b = np.divmod(distinct, max(1, len(labels)))
        self.names = NameTable(list(labels))  # each label profiled once, whatever the batches
        self._names: np.ndarray | None = None
        kinds = _Interner()
        self.kind = np.array([kinds.id(m.entity_type) for m in members], dtype=np.int64)
        self.group = np.array([kinds.id(("group", type_group(m.entity_type))) for m in members], dtype=np.int64)
        self.place = kinds.id(("group", "PLACE"))
        self.ntok = np.array([len(profile(m.label).toks) for m in members], dtype=np.int64)
        self.noisy = np.array([m.noisy for m in members], dtype=bool)
        # context vectors stacked once; a norm per atom, computed as the per-batch cosine did
        self.known = np.array([m.embedding is not None for m in members], dtype=bool)
        known = [np.asarray(m.embedding) for m in members if m.embedding is not None]
        self.vectors = np.stack(known) if known else np.zeros((0, 1), dtype=np.float32)
        self.vector_row = np.cumsum(self.known) - 1
        self.norms = np.linalg.norm(self.vectors, axis=1)
        # sources and neighbours as sorted ids: their intersections a batch at a time (.id_sets)
        self.sources = IdSets([m.sources for m in members], _Interner())
        self.neighbours = IdSets([m.neighbours for m in members], _Interner())
        self.own = self.neighbours.ids_of(m.iri for m in members)  # an atom may be among its own neighbours
        self.fold = _Interner().ids(m.label.casefold() for m in members)
        self.person = np.array([m.entity_type == "PERSON" for m in members], dtype=bool)
        self.detected = np.array([m.detected for m in members], dtype=bool)

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """All the pairs, sorted (:meth:`chunk` makes a slice's tuples only)."""
        return self.chunk(0, len(self.ia))

    def chunk(self, start: int, end: int) -> list[tuple[str, str]]:
        """Pairs ``start:end`` of the sorted pairs, as (a, b) tuples."""
        if isinstance(self._sorted, PairSet):
            return self._sorted.slice(start, end)
        return self._sorted[start:end]

    @property
    def label_pairs(self) -> list[tuple[str, str]]:
        """The distinct (label a, label b) of the pairs, in the order of their name rows."""
        names = self.names.labels
        return [(names[a], names[b]) for a, b in zip(self.label_a.tolist(), self.label_b.tolist())]

    def name_rows(self, start: int, end: int) -> np.ndarray:
        """The name features (float64) of label pairs ``start:end`` (a pool's worker computes a span)."""
        return self.names.rows(self.label_a[start:end], self.label_b[start:end])

    def set_name_rows(self, rows: np.ndarray) -> None:
        """The name features of all label pairs, in order (float64, from :meth:`name_rows`)."""
        assert len(rows) == len(self.label_a)
        self._names = rows

    def compute_name_rows(self, batch: int) -> None:
        spans = range(0, len(self.label_a), batch)
        parts = [self.name_rows(s, s + batch) for s in spans]
        self.set_name_rows(np.concatenate(parts) if parts else np.zeros((0, NAME_FEATURES)))

    def rows(self, start: int, end: int) -> np.ndarray:
        """``(end - start, len(FEATURES))`` float32: the features of ``pairs[start:end]``."""
        assert self._names is not None, "name rows first: compute_name_rows or set_name_rows"
        col = COLUMN
        ia, ib = self.ia[start:end], self.ib[start:end]
        out = np.zeros((len(ia), len(FEATURES)))
        out[:, :NAME_FEATURES] = self._names[self.label_pair[start:end]]
        kind, group = self.kind, self.group
        out[:, col["type_agree"]] = np.where(kind[ia] == kind[ib], 1.0, np.where(group[ia] == group[ib], 0.5, 0.0))
        na, nb = self.ntok[ia], self.ntok[ib]
        shorter_group = np.where(na < nb, group[ia], group[ib])
        out[:, col["place_subset"]] = (out[:, col["alias_subset"]] == 1.0) & (na != nb) & (shorter_group == self.place)
        out[:, col["noisy"]] = self.noisy[ia] | self.noisy[ib]
        out[:, col["single_token"]] = np.minimum(na, nb) == 1
        out[:, col["same_source"]] = self.sources.common(ia, ib) > 0
        out[:, col["neighbour_jaccard"]] = self._jaccard(ia, ib)
        out[:, col["context_cosine"]] = self._cosines(ia, ib)
        return out.astype(np.float32)

    def spellings(self, start: int, end: int) -> np.ndarray:
        """:func:`spelling` of ``pairs[start:end]``."""
        ia, ib = self.ia[start:end], self.ib[start:end]
        alike = self.fold[ia] == self.fold[ib]
        same_kind = self.kind[ia] == self.kind[ib]
        named = alike & same_kind & ~self.person[ia] & ~self.detected[ia] & ~self.detected[ib]
        person = alike & self.person[ia] & self.person[ib] & (self.ntok[ia] > 1)
        return np.where(named, SAME_NAME, np.where(person, SAME_PERSON, OTHER)).astype(np.int8)

    def _jaccard(self, ia: np.ndarray, ib: np.ndarray) -> np.ndarray:
        """bulk_features._neighbour_jaccard of each pair: the neighbours both have, over all
        they have, either atom itself left out; in integers, then one division."""
        sets, own_a, own_b = self.neighbours, self.own[ia], self.own[ib]
        both = sets.common(ia, ib)
        a_in_a, a_in_b = sets.holds(ia, own_a), sets.holds(ib, own_a)
        b_in_a, b_in_b = sets.holds(ia, own_b), sets.holds(ib, own_b)
        shared = both - (a_in_a & a_in_b) - (b_in_a & b_in_b)
        union = sets.size[ia] + sets.size[ib] - both - (a_in_a | a_in_b) - (b_in_a | b_in_b)
        return np.where(union > 0, shared / np.maximum(union, 1), 0.0)

    def _cosines(self, ia: np.ndarray, ib: np.ndarray) -> np.ndarray:
        """Context cosines (0.5 where a context is unknown), the same float32 arithmetic as
        bulk_features.context_cosines: the product of the rows summed, over the product of
        the norms."""
        out = np.full(len(ia), 0.5)
        both = self.known[ia] & self.known[ib]
        if both.any():
            ra, rb = self.vector_row[ia[both]], self.vector_row[ib[both]]
            u, v = self.vectors[ra], self.vectors[rb]
            cos = (u * v).sum(1) / (self.norms[ra] * self.norms[rb] + 1e-9)
            out[both] = np.clip(cos, -1, 1)
        return out
