"""Candidate pairs as sorted integer arrays that still read as a set of ``(a, b)`` IRI tuples.

At 100k synthetic mentions there are 1.8M candidate pairs (bench/fusion.py). Held as a
Python set of string tuples they were made about three times over (each pair of a small block
in both orders, and again for every key the two share), hashed into a table far larger than
the processor's cache, then turned back into integers by the pair table (a dict lookup per
IRI) and sorted: the cost per pair of those steps grew with the corpus (0.8 µs a pair at 10k
mentions, 2.5 µs at 100k), as every access to that table missed the cache. Here the pairs
are integer codes from the start, sorted and de-duplicated (:func:`distinct`), and
:class:`.pair_table.PairTable` takes the arrays as they are. Reading it as a set (iteration,
``in``, comparisons) gives the same tuples the set did.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence, Set as AbstractSet

import numpy as np


class PairSet(AbstractSet[tuple[str, str]]):
    """Pairs ``(iris[ia[k]], iris[ib[k]])``: ``iris`` sorted and each in some pair, ``ia < ib``
    (so a < b as strings), the pairs distinct and sorted, as :func:`sorted` orders the tuples."""

    def __init__(self, iris: Sequence[str], ia: np.ndarray, ib: np.ndarray) -> None:
        self.iris, self.ia, self.ib = list(iris), ia, ib
        self._number: dict[str, int] | None = None

    @classmethod
    def from_codes(cls, iris: Sequence[str], codes: np.ndarray) -> PairSet:
        """From codes ``lo * len(iris) + hi`` (``lo < hi`` ids into sorted ``iris``), in any
        order and with repeats; atoms in no pair are dropped and the rest numbered again, in
        order, as the pair table numbers the atoms of a list of tuples."""
        width = max(1, len(iris))
        lo, hi = np.divmod(distinct(codes), width)
        present = np.zeros(width, dtype=bool)
        present[lo] = present[hi] = True
        used = np.flatnonzero(present)
        renumber = np.zeros(width, dtype=np.int64)
        renumber[used] = np.arange(len(used))
        return cls([iris[i] for i in used.tolist()], renumber[lo], renumber[hi])

    def __len__(self) -> int:
        return len(self.ia)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return self.slice(0, len(self.ia)).__iter__()

    def slice(self, start: int, end: int) -> list[tuple[str, str]]:
        get = self.iris.__getitem__
        return list(zip(map(get, self.ia[start:end].tolist()), map(get, self.ib[start:end].tolist())))

    def __contains__(self, item: object) -> bool:
        if not isinstance(item, tuple) or len(item) != 2:
            return False
        if self._number is None:
            self._number = {iri: i for i, iri in enumerate(self.iris)}
        a, b = self._number.get(item[0]), self._number.get(item[1])
        if a is None or b is None:
            return False
        k = int(np.searchsorted(self.ia, a, side="left"))
        end = int(np.searchsorted(self.ia, a, side="right"))
        return k < end and bool(np.isin(b, self.ib[k:end]))

    def __repr__(self) -> str:
        return f"PairSet({len(self)} pairs over {len(self.iris)} atoms)"


def codes(a: np.ndarray, b: np.ndarray, width: int) -> np.ndarray:
    """``min * width + max`` of each pair of ids, pairs of an id with itself left out."""
    keep = a != b
    a, b = a[keep], b[keep]
    return np.minimum(a, b) * width + np.maximum(a, b)


def distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` of integers, by sorting: numpy 2's ``np.unique`` hashes the values
    first, which took 5.6 s for 5M random codes against 0.04 s for a sort (numpy 2.4)."""
    ordered = np.sort(values)
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))] if len(ordered) else ordered


def distinct_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` of a 1-d integer array, by a stable sort."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    new = np.concatenate(([True], ordered[1:] != ordered[:-1])) if len(ordered) else np.zeros(0, dtype=bool)
    inverse = np.empty(len(values), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return ordered[new], inverse
